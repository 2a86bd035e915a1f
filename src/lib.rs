//! corosim: a deterministic discrete-event simulator of task scheduling.
//!
//! A virtual clock drives coroutine models (tasks written as explicit state
//! machines) through cooperative and preemptive schedulers, and measures
//! latency, throughput and fairness.
//!
//! Build a [`Study`] from a scenario's TOML text, [`run`] it and read a
//! summary row of the result:
//!
//! ```
//! use corosim::{BatchOptions, CellKey, Study};
//!
//! let study = Study::from_str(r#"
//!     name = "two-tasks"
//!     horizon = "1s"
//!     [[policy]]
//!     kind = "fifo"
//!     [[task]]
//!     name = "job"
//!     arrival = { process = "at", times = ["0s", "0s"] }
//!     program = [ { compute = "10ms" } ]
//! "#, "inline.toml").unwrap();
//! let results = corosim::run(&study, &BatchOptions::default()).unwrap();
//! // FIFO: the first job finishes at 10ms, the second at 20ms.
//! let first = CellKey { point: 0, policy: 0, replication: 0 };
//! let all = results.summary_row(&study, first, "*").unwrap();
//! assert_eq!(all.completed, 2);
//! assert_eq!(all.latency_mean_s, Some(0.015));
//! assert_eq!(all.latency_max_s, Some(0.02));
//! ```
//!
//! The types most programs need are re-exported here, at the crate root;
//! the modules hold the rest. `examples/custom_coroutine.rs` drives the
//! [`engine`] directly with a hand-written [`Workload`].
//!
//! # Features
//! - `cli` (default): what the `corosim` binary needs (clap, completions,
//!   progress bars, and scenario errors rendered as source snippets with
//!   codespan-reporting); implies `plots`.
//! - `plots` (default): the SVG and PNG charts and the HTML report.
//!
//! With `default-features = false` the library has the engine, the
//! policies, scenarios, metrics and the CSV writers ([`report::csv_out`]),
//! and a scenario error prints as `error: MESSAGE` and `  --> FILE:LINE:COLUMN`.
//!
//! # Determinism
//! The same scenario and seed give byte-identical outputs, whatever the number
//! of threads: time is integer nanoseconds; events at one instant run in the
//! order they were scheduled and every event of an instant is applied before a
//! CPU is given a task; tasks ready at the same instant reach the policy in
//! arrival order; every random draw comes from a ChaCha8 stream keyed by (seed,
//! replication, class, purpose) at a position owned by the drawing task (so
//! every policy sees the same workload); no hash map is iterated; parallel runs
//! are collected in a fixed order.

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![forbid(unsafe_code)]

pub mod batch;
pub mod dist;
pub mod engine;
pub mod metrics;
pub mod model;
pub mod policy;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod task;
pub mod time;

pub use batch::{BatchError, BatchOptions, BatchResult, CellKey, run};
pub use dist::Dist;
pub use engine::{Recorder, SimError};
pub use metrics::summary::ClassSummary;
pub use model::{Arrival, ClassSpec, SimConfig};
pub use policy::{Policy, PolicyConfig, Queues};
pub use scenario::{Override, Scenario, ScenarioError, Study};
pub use task::{ClassId, Cx, Request, TaskId, Workload};
pub use time::{SimDuration, SimTime};

/// The random stream every draw comes from ([`Cx::with_rng`],
/// [`rng::stream`]), so a hand-written workload needs no `rand_chacha` of its
/// own.
pub use rand_chacha::ChaCha8Rng;
/// The TOML tables a policy's parameters are read from and printed as
/// ([`PolicyConfig::params_table`]).
pub use toml::Table as TomlTable;
/// A TOML value, as an [`Override`] holds it (`--set PATH=VALUE`).
pub use toml_edit::Value as TomlValue;
