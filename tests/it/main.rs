//! The integration tests: one binary, a module per concern.

mod cli;
mod every_policy;
mod support;
mod theory;
