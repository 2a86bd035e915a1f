//! The metrics of a run, named once: each [`Metric`]'s CSV column, label,
//! unit and meaning, and how it is read from a [`ClassSummary`]. Every
//! writer, table and chart goes through this list, so a metric cannot be
//! misspelt or shown under another's name.

use std::ops::{Index, IndexMut};

use super::summary::ClassSummary;

/// What a metric's values measure, for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A number of tasks or events.
    Count,
    /// Per second.
    PerSecond,
    /// Seconds.
    Seconds,
    /// A share between 0 and 1.
    Fraction,
    /// A dimensionless ratio or index.
    Ratio,
}

/// One metric of a `summary.csv` row (after its key columns), in CSV order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Measured tasks (arrived in the window).
    Arrived,
    /// Measured tasks that finished.
    Completed,
    /// Measured tasks still unfinished when the run stopped.
    Unfinished,
    /// Completions in the window per second of window.
    ThroughputPerS,
    /// Mean turnaround.
    LatencyMeanS,
    /// Median turnaround.
    LatencyP50S,
    /// 90th percentile turnaround.
    LatencyP90S,
    /// 99th percentile turnaround.
    LatencyP99S,
    /// 99.9th percentile turnaround.
    LatencyP999S,
    /// Largest turnaround.
    LatencyMaxS,
    /// Mean response (first start minus arrival).
    ResponseMeanS,
    /// 99th percentile response.
    ResponseP99S,
    /// Mean wait (ready but not running).
    WaitMeanS,
    /// Mean of turnaround / cpu over tasks with cpu > 0.
    SlowdownMean,
    /// CPU time computing in the window / (cpus x window).
    CpuUtilization,
    /// Context switches to measured tasks.
    ContextSwitches,
    /// Preemptions of measured tasks.
    Preemptions,
    /// Jain's fairness index.
    FairnessJain,
    /// Measured tasks that finished after their deadline or never.
    DeadlineMisses,
    /// Events the run processed.
    Events,
    /// Times measured tasks ran on a CPU other than the one they last ran on.
    Migrations,
    /// Steps of measured tasks that held their loop for the policy's
    /// slow-callback threshold or longer (asyncio's `slow_callback_duration`).
    SlowCallbacks,
}

impl Metric {
    /// How many metrics there are.
    pub const COUNT: usize = 22;

    /// Every metric, in the order of `summary.csv`'s columns (SPEC section 6,
    /// corosim's additions last).
    pub const ALL: [Metric; Metric::COUNT] = [
        Metric::Arrived,
        Metric::Completed,
        Metric::Unfinished,
        Metric::ThroughputPerS,
        Metric::LatencyMeanS,
        Metric::LatencyP50S,
        Metric::LatencyP90S,
        Metric::LatencyP99S,
        Metric::LatencyP999S,
        Metric::LatencyMaxS,
        Metric::ResponseMeanS,
        Metric::ResponseP99S,
        Metric::WaitMeanS,
        Metric::SlowdownMean,
        Metric::CpuUtilization,
        Metric::ContextSwitches,
        Metric::Preemptions,
        Metric::FairnessJain,
        Metric::DeadlineMisses,
        Metric::Events,
        Metric::Migrations,
        Metric::SlowCallbacks,
    ];

    /// Its column in `summary.csv` (and the stem of its `aggregate.csv`
    /// columns, the name in `paired.csv`).
    pub const fn column(self) -> &'static str {
        match self {
            Metric::Arrived => "arrived",
            Metric::Completed => "completed",
            Metric::Unfinished => "unfinished",
            Metric::ThroughputPerS => "throughput_per_s",
            Metric::LatencyMeanS => "latency_mean_s",
            Metric::LatencyP50S => "latency_p50_s",
            Metric::LatencyP90S => "latency_p90_s",
            Metric::LatencyP99S => "latency_p99_s",
            Metric::LatencyP999S => "latency_p999_s",
            Metric::LatencyMaxS => "latency_max_s",
            Metric::ResponseMeanS => "response_mean_s",
            Metric::ResponseP99S => "response_p99_s",
            Metric::WaitMeanS => "wait_mean_s",
            Metric::SlowdownMean => "slowdown_mean",
            Metric::CpuUtilization => "cpu_utilization",
            Metric::ContextSwitches => "context_switches",
            Metric::Preemptions => "preemptions",
            Metric::FairnessJain => "fairness_jain",
            Metric::DeadlineMisses => "deadline_misses",
            Metric::Events => "events",
            Metric::Migrations => "migrations",
            Metric::SlowCallbacks => "slow_callbacks",
        }
    }

    /// Its name for people: table headings, chart legends.
    pub const fn label(self) -> &'static str {
        match self {
            Metric::Arrived => "arrived",
            Metric::Completed => "completed",
            Metric::Unfinished => "unfinished",
            Metric::ThroughputPerS => "throughput",
            Metric::LatencyMeanS => "mean latency",
            Metric::LatencyP50S => "p50 latency",
            Metric::LatencyP90S => "p90 latency",
            Metric::LatencyP99S => "p99 latency",
            Metric::LatencyP999S => "p99.9 latency",
            Metric::LatencyMaxS => "max latency",
            Metric::ResponseMeanS => "mean response",
            Metric::ResponseP99S => "p99 response",
            Metric::WaitMeanS => "mean wait",
            Metric::SlowdownMean => "mean slowdown",
            Metric::CpuUtilization => "utilisation",
            Metric::ContextSwitches => "context switches",
            Metric::Preemptions => "preemptions",
            Metric::FairnessJain => "fairness",
            Metric::DeadlineMisses => "deadline misses",
            Metric::Events => "events",
            Metric::Migrations => "migrations",
            Metric::SlowCallbacks => "slow callbacks",
        }
    }

    /// What its values measure.
    pub const fn unit(self) -> Unit {
        match self {
            Metric::Arrived
            | Metric::Completed
            | Metric::Unfinished
            | Metric::ContextSwitches
            | Metric::Preemptions
            | Metric::DeadlineMisses
            | Metric::Events
            | Metric::Migrations
            | Metric::SlowCallbacks => Unit::Count,
            Metric::ThroughputPerS => Unit::PerSecond,
            Metric::LatencyMeanS
            | Metric::LatencyP50S
            | Metric::LatencyP90S
            | Metric::LatencyP99S
            | Metric::LatencyP999S
            | Metric::LatencyMaxS
            | Metric::ResponseMeanS
            | Metric::ResponseP99S
            | Metric::WaitMeanS => Unit::Seconds,
            Metric::CpuUtilization => Unit::Fraction,
            Metric::SlowdownMean | Metric::FairnessJain => Unit::Ratio,
        }
    }

    /// What it means, in one line (a table heading's tooltip).
    pub const fn help(self) -> &'static str {
        match self {
            Metric::Arrived => "tasks that arrived after the warm-up, before the horizon",
            Metric::Completed => "tasks that arrived after the warm-up and finished",
            Metric::Unfinished => "tasks that arrived after the warm-up and had not finished",
            Metric::ThroughputPerS => "completions in [warmup, horizon) per second",
            Metric::LatencyMeanS => "mean turnaround: finish minus arrival",
            Metric::LatencyP50S => "median turnaround",
            Metric::LatencyP90S => "90th percentile turnaround",
            Metric::LatencyP99S => "99th percentile turnaround",
            Metric::LatencyP999S => "99.9th percentile turnaround",
            Metric::LatencyMaxS => "largest turnaround",
            Metric::ResponseMeanS => "mean of first start minus arrival",
            Metric::ResponseP99S => "99th percentile of first start minus arrival",
            Metric::WaitMeanS => "mean time ready but not running",
            Metric::SlowdownMean => "mean of turnaround / CPU time, over tasks that used a CPU",
            Metric::CpuUtilization => "CPU time computing in the window / (CPUs x window)",
            Metric::ContextSwitches => "context switches to measured tasks",
            Metric::Preemptions => "preemptions of measured tasks",
            Metric::FairnessJain => {
                "Jain's index over finished tasks of cpu / (weight x turnaround); 1 is perfectly fair"
            }
            Metric::DeadlineMisses => "measured tasks that finished after their deadline or never",
            Metric::Events => "events the run processed",
            Metric::Migrations => "times measured tasks moved to another CPU",
            Metric::SlowCallbacks => {
                "steps of measured tasks that held their event loop for slow_callback_duration or longer (asyncio)"
            }
        }
    }

    /// Its value in `summary`; `None` where undefined (no tasks). Counts are
    /// exact as floats (they stay far below 2^53).
    pub fn value(self, summary: &ClassSummary) -> Option<f64> {
        let s = summary;
        let n = |x: u64| Some(x as f64);
        match self {
            Metric::Arrived => n(s.arrived),
            Metric::Completed => n(s.completed),
            Metric::Unfinished => n(s.unfinished),
            Metric::ThroughputPerS => Some(s.throughput_per_s),
            Metric::LatencyMeanS => s.latency_mean_s,
            Metric::LatencyP50S => s.latency_p50_s,
            Metric::LatencyP90S => s.latency_p90_s,
            Metric::LatencyP99S => s.latency_p99_s,
            Metric::LatencyP999S => s.latency_p999_s,
            Metric::LatencyMaxS => s.latency_max_s,
            Metric::ResponseMeanS => s.response_mean_s,
            Metric::ResponseP99S => s.response_p99_s,
            Metric::WaitMeanS => s.wait_mean_s,
            Metric::SlowdownMean => s.slowdown_mean,
            Metric::CpuUtilization => Some(s.cpu_utilization),
            Metric::ContextSwitches => n(s.context_switches),
            Metric::Preemptions => n(s.preemptions),
            Metric::FairnessJain => s.fairness_jain,
            Metric::DeadlineMisses => n(s.deadline_misses),
            Metric::Events => n(s.events),
            Metric::Migrations => n(s.migrations),
            Metric::SlowCallbacks => n(s.slow_callbacks),
        }
    }

    /// Whether `paired.csv` compares policies on it: every metric but the
    /// workload's own counts (arrivals, the same for every policy of a
    /// replication, and the engine's events).
    pub const fn is_compared(self) -> bool {
        !matches!(self, Metric::Arrived | Metric::Events)
    }

    /// The metric whose [`column`](Metric::column) is `name`, reading a file
    /// back.
    pub fn from_column(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.column() == name)
    }
}

/// One value per metric, indexed by [`Metric`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerMetric<T>([T; Metric::COUNT]);

impl<T> PerMetric<T> {
    /// The value of each metric, from `f`.
    pub fn from_fn(mut f: impl FnMut(Metric) -> T) -> Self {
        PerMetric(std::array::from_fn(|i| f(Metric::ALL[i])))
    }

    /// Each metric with its value, in CSV order.
    pub fn iter(&self) -> impl Iterator<Item = (Metric, &T)> {
        Metric::ALL.into_iter().zip(&self.0)
    }
}

impl<T: Default> Default for PerMetric<T> {
    fn default() -> Self {
        PerMetric::from_fn(|_| T::default())
    }
}

impl<T> Index<Metric> for PerMetric<T> {
    type Output = T;
    fn index(&self, m: Metric) -> &T {
        &self.0[m as usize]
    }
}

impl<T> IndexMut<Metric> for PerMetric<T> {
    fn index_mut(&mut self, m: Metric) -> &mut T {
        &mut self.0[m as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_declaration_order_and_columns_are_unique() {
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(m as usize, i, "{m:?}");
            assert_eq!(Metric::from_column(m.column()), Some(m));
        }
        assert_eq!(Metric::from_column("latency_mean"), None);
    }
}
