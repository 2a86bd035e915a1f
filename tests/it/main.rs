//! The integration tests: one binary, a module per concern.

mod batch;
mod cli;
mod every_policy;
mod golden;
mod plots;
mod references;
mod report_html;
mod robustness;
mod support;
mod theory;
mod trace;
