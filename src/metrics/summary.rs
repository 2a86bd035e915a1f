//! Per-class summaries of one run: the metrics of a `summary.csv` row, built by
//! streaming task records through [`SummaryRecorder`].

use serde::{Deserialize, Serialize};

use super::busy::BusyTime;
use super::samples::Samples;
use super::{Recorder, TaskRecord};
use crate::engine::RunStats;
use crate::task::ClassId;
use crate::time::SimTime;

/// The measurement window: tasks arriving in `[warmup, horizon)` are measured;
/// completions in it count towards throughput.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Start of measurement.
    pub warmup: SimTime,
    /// End of arrivals and of measurement.
    pub horizon: SimTime,
}

impl Window {
    fn contains(&self, t: SimTime) -> bool {
        self.warmup <= t && t < self.horizon
    }
    fn seconds(&self) -> f64 {
        (self.horizon.saturating_since(self.warmup)).as_secs_f64()
    }
}

/// The metrics of one class (or of all, `*`) in one run, as `summary.csv` has
/// them (each read through its [`Metric`](super::metric::Metric)). Times in
/// seconds; `None` where undefined (no tasks).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// Measured tasks (arrived in the window).
    pub arrived: u64,
    /// Measured tasks that finished.
    pub completed: u64,
    /// Measured tasks still unfinished when the run stopped.
    pub unfinished: u64,
    /// Completions in the window per second of window.
    pub throughput_per_s: f64,
    /// Mean turnaround.
    pub latency_mean_s: Option<f64>,
    /// Median turnaround.
    pub latency_p50_s: Option<f64>,
    /// 90th percentile turnaround.
    pub latency_p90_s: Option<f64>,
    /// 99th percentile turnaround.
    pub latency_p99_s: Option<f64>,
    /// 99.9th percentile turnaround.
    pub latency_p999_s: Option<f64>,
    /// Largest turnaround.
    pub latency_max_s: Option<f64>,
    /// Mean response (first start minus arrival).
    pub response_mean_s: Option<f64>,
    /// 99th percentile response.
    pub response_p99_s: Option<f64>,
    /// Mean wait (ready but not running).
    pub wait_mean_s: Option<f64>,
    /// Mean of turnaround / cpu over tasks with cpu > 0.
    pub slowdown_mean: Option<f64>,
    /// CPU time computing in the window / (cpus x window).
    pub cpu_utilization: f64,
    /// Context switches to measured tasks.
    pub context_switches: u64,
    /// Preemptions of measured tasks.
    pub preemptions: u64,
    /// Jain's index over measured finished tasks of cpu / (weight x turnaround).
    pub fairness_jain: Option<f64>,
    /// Measured tasks that finished after their deadline or never.
    pub deadline_misses: u64,
    /// Events the run processed.
    pub events: u64,
    /// Times measured tasks ran on a CPU other than the one they last ran on.
    pub migrations: u64,
    /// Steps of measured tasks that held their loop for the slow-callback
    /// threshold or longer.
    pub slow_callbacks: u64,
}

/// The tasks a row of results covers: one class, or every class (`*`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Classes {
    /// The class of this name.
    One(String),
    /// Every class together, `*` in the CSV files.
    All,
}

impl Classes {
    /// The class column as a CSV file has it: `*` is every class.
    pub fn parse(text: &str) -> Classes {
        match text {
            "*" => Classes::All,
            name => Classes::One(name.to_string()),
        }
    }
}

impl std::fmt::Display for Classes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Classes::One(name) => f.write_str(name),
            Classes::All => f.write_str("*"),
        }
    }
}

/// The quantiles at which `latency_cdf.csv` gives the latency distribution:
/// the minimum, every percent, the far tail, and the maximum.
pub const CDF_QUANTILES: [f64; 105] = {
    let mut q = [0.0; 105];
    let mut i = 1;
    while i < 100 {
        q[i] = i as f64 / 100.0;
        i += 1;
    }
    q[100] = 0.995;
    q[101] = 0.999;
    q[102] = 0.9995;
    q[103] = 0.9999;
    q[104] = 1.0;
    q
};

#[derive(Clone, Debug, Default)]
struct Accumulator {
    arrived: u64,
    completed: u64,
    completions_in_window: u64,
    latency: Samples,
    response: Samples,
    wait_sum: u128,
    slowdown_sum: f64,
    slowdown_n: u64,
    switches: u64,
    preemptions: u64,
    migrations: u64,
    slow_callbacks: u64,
    deadline_misses: u64,
    jain_sum: f64,
    jain_sum_sq: f64,
    jain_n: u64,
}

impl Accumulator {
    fn add(&mut self, r: &TaskRecord, window: &Window) {
        if r.finish.is_some_and(|f| window.contains(f)) {
            self.completions_in_window += 1;
        }
        if !window.contains(r.arrival) {
            return;
        }
        self.arrived += 1;
        self.switches += u64::from(r.switches);
        self.preemptions += u64::from(r.preemptions);
        self.migrations += u64::from(r.migrations);
        self.slow_callbacks += u64::from(r.slow_callbacks);
        self.deadline_misses += u64::from(r.missed_deadline());
        if let Some(response) = r.response() {
            self.response.record(response.as_nanos());
        }
        let (Some(turnaround), Some(wait)) = (r.turnaround(), r.wait()) else {
            return;
        };
        self.completed += 1;
        self.latency.record(turnaround.as_nanos());
        self.wait_sum += u128::from(wait.as_nanos());
        if !r.cpu.is_zero() {
            self.slowdown_sum += turnaround.as_nanos_f64() / r.cpu.as_nanos_f64();
            self.slowdown_n += 1;
        }
        if !turnaround.is_zero() {
            let x = r.cpu.as_nanos_f64() / (r.weight * turnaround.as_nanos_f64());
            self.jain_sum += x;
            self.jain_sum_sq += x * x;
            self.jain_n += 1;
        }
    }

    fn summarise(
        mut self,
        busy_ns: f64,
        cpus: u32,
        window: &Window,
        stats: &RunStats,
    ) -> ClassSummary {
        let secs = |ns: u64| ns as f64 / 1e9;
        let window_s = window.seconds();
        let mut quantile = |q| self.latency.quantile(q).map(secs);
        let (p50, p90, p99, p999) = (
            quantile(0.5),
            quantile(0.9),
            quantile(0.99),
            quantile(0.999),
        );
        ClassSummary {
            arrived: self.arrived,
            completed: self.completed,
            unfinished: self.arrived - self.completed,
            throughput_per_s: if window_s > 0.0 {
                self.completions_in_window as f64 / window_s
            } else {
                0.0
            },
            latency_mean_s: self.latency.mean().map(|m| m / 1e9),
            latency_p50_s: p50,
            latency_p90_s: p90,
            latency_p99_s: p99,
            latency_p999_s: p999,
            latency_max_s: self.latency.max().map(secs),
            response_mean_s: self.response.mean().map(|m| m / 1e9),
            response_p99_s: self.response.quantile(0.99).map(secs),
            wait_mean_s: (self.completed > 0)
                .then(|| self.wait_sum as f64 / self.completed as f64 / 1e9),
            slowdown_mean: (self.slowdown_n > 0)
                .then(|| self.slowdown_sum / self.slowdown_n as f64),
            cpu_utilization: if window_s > 0.0 {
                busy_ns / (f64::from(cpus) * window_s * 1e9)
            } else {
                0.0
            },
            context_switches: self.switches,
            preemptions: self.preemptions,
            fairness_jain: (self.jain_n > 0 && self.jain_sum_sq > 0.0)
                .then(|| self.jain_sum * self.jain_sum / (self.jain_n as f64 * self.jain_sum_sq)),
            deadline_misses: self.deadline_misses,
            events: stats.events,
            migrations: self.migrations,
            slow_callbacks: self.slow_callbacks,
        }
    }
}

/// Streams task records into per-class summaries, and keeps the records
/// themselves while there are at most `keep_limit` of them.
#[derive(Clone, Debug)]
pub struct SummaryRecorder {
    window: Window,
    classes: Vec<Accumulator>,
    all: Accumulator,
    busy_time: BusyTime,
    keep_limit: usize,
    kept: Vec<TaskRecord>,
    overflowed: bool,
}

impl SummaryRecorder {
    /// A recorder for `classes` classes measuring `window`, keeping up to
    /// `keep_limit` task records (0: none).
    pub fn new(classes: usize, window: Window, keep_limit: usize) -> Self {
        SummaryRecorder {
            window,
            classes: vec![Accumulator::default(); classes],
            all: Accumulator::default(),
            busy_time: BusyTime::new(classes, window),
            keep_limit,
            kept: Vec::new(),
            overflowed: false,
        }
    }

    /// The kept task records in completion order, or `None` if there were more
    /// than the limit.
    pub fn take_tasks(&mut self) -> Option<Vec<TaskRecord>> {
        (!self.overflowed).then(|| std::mem::take(&mut self.kept))
    }

    /// Bytes of the kept task records (the samples of durations are bounded).
    pub fn kept_bytes(&self) -> u64 {
        (self.kept.len() * size_of::<TaskRecord>()) as u64
    }

    /// The latency (seconds) of all measured finished tasks at each quantile of
    /// [`CDF_QUANTILES`] (empty if none finished).
    pub fn latency_cdf(&mut self) -> Vec<f64> {
        CDF_QUANTILES
            .iter()
            .filter_map(|q| {
                self.all_mut()
                    .latency
                    .quantile(*q)
                    .map(|ns| ns as f64 / 1e9)
            })
            .collect()
    }

    /// One summary per class, in class order, then the `*` summary of all.
    pub fn summaries(self, stats: &RunStats, cpus: u32) -> Vec<ClassSummary> {
        let window = self.window;
        let total_busy = self.busy_time.total();
        let mut out: Vec<ClassSummary> = self
            .classes
            .into_iter()
            .enumerate()
            .map(|(c, acc)| {
                let busy = self.busy_time.of_class(c);
                acc.summarise(busy, cpus, &window, stats)
            })
            .collect();
        let all = match out.as_slice() {
            [only] => only.clone(),
            _ => self.all.summarise(total_busy, cpus, &window, stats),
        };
        out.push(all);
        out
    }

    /// What `*` accumulates: with a single class, that class itself (so
    /// nothing is accumulated twice).
    fn all_mut(&mut self) -> &mut Accumulator {
        match self.classes.as_mut_slice() {
            [only] => only,
            _ => &mut self.all,
        }
    }
}

impl Recorder for SummaryRecorder {
    fn task_finished(&mut self, record: &TaskRecord) {
        self.classes[record.class.0 as usize].add(record, &self.window);
        if self.classes.len() > 1 {
            self.all.add(record, &self.window);
        }
        if !self.overflowed && self.keep_limit > 0 {
            if self.kept.len() < self.keep_limit {
                self.kept.push(*record);
            } else {
                self.overflowed = true;
                self.kept = Vec::new();
            }
        }
    }

    #[inline]
    fn busy(&mut self, class: ClassId, from: SimTime, to: SimTime, cpus: f64) {
        self.busy_time.add(class, from, to, cpus);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;

    fn record(class: u32, index: u64, arrival_ms: u64, finish_ms: u64) -> TaskRecord {
        TaskRecord {
            class: ClassId(class),
            index,
            arrival: SimTime(arrival_ms * 1_000_000),
            start: Some(SimTime(arrival_ms * 1_000_000)),
            finish: Some(SimTime(finish_ms * 1_000_000)),
            cpu: SimDuration::from_millis(1),
            suspended: SimDuration::ZERO,
            preemptions: 0,
            switches: 1,
            migrations: 0,
            deadline: None,
            weight: 1.0,
            slow_callbacks: 0,
        }
    }

    fn summaries(classes: usize, records: &[TaskRecord]) -> Vec<ClassSummary> {
        let window = Window {
            warmup: SimTime::ZERO,
            horizon: SimTime(100_000_000),
        };
        let mut r = SummaryRecorder::new(classes, window, 0);
        for rec in records {
            r.task_finished(rec);
        }
        for c in 0..classes {
            r.busy(ClassId(c as u32), SimTime::ZERO, SimTime(1_000_000), 1.0);
        }
        r.summaries(&RunStats::default(), 1)
    }

    #[test]
    fn the_all_classes_row_sums_every_class() {
        let s = summaries(
            2,
            &[record(0, 0, 0, 2), record(1, 0, 1, 5), record(0, 1, 3, 4)],
        );
        assert_eq!((s[0].completed, s[1].completed, s[2].completed), (2, 1, 3));
        assert_eq!(s[2].latency_max_s, Some(0.004));
        assert_eq!(s[2].latency_mean_s, Some((2.0 + 4.0 + 1.0) / 3.0 / 1e3));
        assert_eq!(s[2].cpu_utilization, 2e6 / 1e8);
    }

    #[test]
    fn with_one_class_the_all_classes_row_is_that_class() {
        let s = summaries(1, &[record(0, 0, 0, 2), record(0, 1, 3, 4)]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0], s[1]);
        assert_eq!(s[1].completed, 2);
    }
}
