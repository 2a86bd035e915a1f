//! The integration tests: one binary, a module per concern.

mod bad_inputs;
mod batch;
mod cli;
mod completions;
mod deadlock;
mod every_policy;
mod fuzz;
mod golden;
mod layering;
mod limits;
mod plots;
mod references;
mod report_html;
mod robustness;
mod schema;
mod support;
mod theory;
mod toolchain;
mod trace;
