//! corosim: a deterministic discrete-event simulator of task scheduling.
//!
//! A virtual clock drives coroutine models (tasks written as explicit state
//! machines) through cooperative and preemptive schedulers, and measures
//! latency, throughput and fairness.
//!
//! ```
//! use corosim::batch::{self, CellKey};
//! use corosim::scenario::Study;
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
//! let results = batch::run(&study, &Default::default()).unwrap();
//! // FIFO: the first job finishes at 10ms, the second at 20ms.
//! let first = CellKey { point: 0, policy: 0, replication: 0 };
//! let all = results.summary_row(&study, first, "*").unwrap();
//! assert_eq!(all.completed, 2);
//! assert_eq!(all.latency_mean_s, Some(0.015));
//! assert_eq!(all.latency_max_s, Some(0.02));
//! ```
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

#![warn(missing_docs)]
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
