//! Everything one run measures, through one recorder: the per-class
//! summaries (and task records while few), the time series, the latency
//! distribution, and optionally a captured timeline.

use super::summary::{ClassSummary, SummaryRecorder, Window};
use super::timeline::{Capture, Mark, Series, TimeWindow, Timeline};
use super::{Recorder, Segment, TaskRecord};
use crate::engine::RunStats;
use crate::task::ClassId;
use crate::task::CpuId;
use crate::time::SimTime;

/// The results of one run.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// One summary per class, in class order, then `*`.
    pub summaries: Vec<ClassSummary>,
    /// Task records in completion order, if kept and not too many.
    pub tasks: Option<Vec<TaskRecord>>,
    /// The time series.
    pub windows: Vec<TimeWindow>,
    /// Latency of all measured tasks at each of `CDF_QUANTILES`, in seconds.
    pub latency_cdf: Vec<f64>,
    /// The captured timeline, if asked for.
    pub timeline: Option<Timeline>,
}

/// The recorder of a batch run.
#[derive(Debug)]
pub struct RunRecorder {
    summary: SummaryRecorder,
    series: Series,
    capture: Option<Capture>,
}

impl RunRecorder {
    /// Measures `classes` classes over `window` on `cpus` CPUs, keeping up to
    /// `keep_tasks` task records, and capturing up to `capture` timeline
    /// segments if given.
    pub fn new(
        classes: usize,
        window: Window,
        cpus: u32,
        keep_tasks: usize,
        capture: Option<usize>,
    ) -> Self {
        RunRecorder {
            summary: SummaryRecorder::new(classes, window, keep_tasks),
            series: Series::new(window.horizon, cpus),
            capture: capture.map(Capture::new),
        }
    }

    /// The results, once the run has ended.
    pub fn finish(mut self, stats: &RunStats, cpus: u32) -> RunOutput {
        let tasks = self.summary.take_tasks();
        let latency_cdf = self.summary.latency_cdf();
        RunOutput {
            tasks,
            latency_cdf,
            windows: self.series.finish(stats.end),
            timeline: self.capture.map(Capture::finish),
            summaries: self.summary.summaries(stats, cpus),
        }
    }
}

impl Recorder for RunRecorder {
    fn task_finished(&mut self, record: &TaskRecord) {
        self.summary.task_finished(record);
        self.series.completion(record);
    }

    fn segment(&mut self, segment: &Segment) {
        if let Some(c) = &mut self.capture {
            c.segment(segment);
        }
    }

    fn wants_segments(&self) -> bool {
        self.capture.is_some()
    }

    // Called at the end of every instant from the engine's loop, in another
    // codegen unit: out of line it cost about 1% of an M/M/1 run's
    // instructions (callgrind), so it is inlined whatever LLVM's estimate.
    #[inline(always)]
    fn instant(&mut self, now: SimTime, ready: usize, idle: u32) {
        self.series.instant(now, ready, idle);
        if let Some(c) = &mut self.capture {
            c.ready(now, ready);
        }
    }

    fn preempted(&mut self, at: SimTime, cpu: CpuId, class: ClassId, index: u64) {
        if let Some(c) = &mut self.capture {
            c.preempted(Mark {
                at,
                cpu,
                class,
                index,
            });
        }
    }

    fn kept_bytes(&self) -> u64 {
        self.summary.kept_bytes()
            + self.series.kept_bytes()
            + self.capture.as_ref().map_or(0, Capture::kept_bytes)
    }

    #[inline]
    fn busy(&mut self, class: ClassId, from: SimTime, to: SimTime, cpus: f64) {
        self.summary.busy(class, from, to, cpus);
    }

    fn woke(&mut self, at: SimTime, class: ClassId, index: u64) {
        if let Some(c) = &mut self.capture {
            c.woke(Mark {
                at,
                cpu: CpuId(0),
                class,
                index,
            });
        }
    }
}
