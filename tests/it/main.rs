//! The integration tests: one binary, a module per concern.

mod batch;
mod cli;
mod deadlock;
mod every_policy;
mod golden;
mod layering;
mod limits;
mod plots;
mod references;
mod report_html;
mod support;
mod theory;
mod trace;
