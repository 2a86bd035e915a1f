//! The integration tests: one binary, a module per concern.

mod asyncio;
mod bad_inputs;
mod batch;
mod cli;
mod completions;
mod conventions;
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
mod sweep_columns;
mod theory;
mod toolchain;
mod trace;
