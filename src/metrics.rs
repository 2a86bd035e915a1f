//! Metrics: the recorders that implement the engine's [`Recorder`] sink, and
//! the summaries, time series and timelines built from the [`TaskRecord`]s and
//! [`Segment`]s it reports.
//!
//! The sink interface itself is the engine's (`engine::recorder`): `metrics`
//! depends on `engine`, never the reverse. It is re-exported here, where
//! recorders are written.

pub mod aggregate;
pub mod busy;
pub mod metric;
pub mod run;
mod samples;
pub mod summary;
pub mod task_name;
pub mod timeline;

pub use crate::engine::{Recorder, Segment, SegmentKind, TaskRecord};

/// A recorder that keeps every record, for tests and small runs.
#[derive(Clone, Debug, Default)]
pub struct Records {
    /// Every task's record, in completion order.
    pub tasks: Vec<TaskRecord>,
}

impl Recorder for Records {
    fn task_finished(&mut self, record: &TaskRecord) {
        self.tasks.push(*record);
    }
}
