//! The integration tests: one binary, a module per concern.

mod cli;
mod every_policy;
mod references;
mod support;
mod theory;
