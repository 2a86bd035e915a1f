//! The integration tests: one binary, a module per concern.

mod batch;
mod cli;
mod every_policy;
mod references;
mod support;
mod theory;
