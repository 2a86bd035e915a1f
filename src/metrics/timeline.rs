//! What happened over time in one run: per-window series (completions,
//! ready-queue length, busy CPUs) for `timeseries.csv` and the throughput and
//! queue plots, and a captured timeline of CPU segments, preemptions, wake-ups
//! and ready-queue changes for the Gantt charts and `trace.json`.

use serde::{Deserialize, Serialize};

use super::{Segment, SegmentKind, TaskRecord};
use crate::task::ClassId;
use crate::task::CpuId;
use crate::time::SimTime;

impl SegmentKind {
    /// Every kind, in declaration order.
    pub const ALL: [SegmentKind; 3] = [
        SegmentKind::Compute,
        SegmentKind::Switch,
        SegmentKind::Blocked,
    ];

    /// Its name in `gantt.csv` and `trace.json` (the serde name too).
    pub const fn name(self) -> &'static str {
        match self {
            SegmentKind::Compute => "compute",
            SegmentKind::Switch => "switch",
            SegmentKind::Blocked => "blocked",
        }
    }
}

impl std::fmt::Display for SegmentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SegmentKind {
    type Err = String;
    /// The kind named `text` (see [`SegmentKind::name`]).
    fn from_str(text: &str) -> Result<SegmentKind, String> {
        SegmentKind::ALL
            .into_iter()
            .find(|k| k.name() == text)
            .ok_or_else(|| format!("unknown segment kind `{text}`"))
    }
}

/// Windows a run's horizon is cut into for `timeseries.csv`.
pub const WINDOWS_PER_HORIZON: u64 = 100;

/// Windows of one run at most: 100 horizons. A drain longer than that (a
/// task computing 100 s after a horizon of 1 us) ends in one last window
/// that runs to the end, rather than in ten billion windows.
pub const MAX_WINDOWS: usize = 100 * WINDOWS_PER_HORIZON as usize;

/// One window of a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// Start of the window.
    pub start: SimTime,
    /// End of the window.
    pub end: SimTime,
    /// Tasks that finished in it.
    pub completions: u64,
    /// Time-averaged number of ready tasks waiting for a CPU.
    pub ready_mean: f64,
    /// Time-averaged number of busy CPUs (running, switching or held by a
    /// cooperative block).
    pub busy_mean: f64,
}

/// Builds the windows of a run as it goes: integrates the ready-queue length
/// and busy CPUs between instants.
#[derive(Clone, Debug)]
pub struct Series {
    width: u64,
    cpus: u32,
    windows: Vec<TimeWindow>,
    /// The window `last` falls in.
    current: usize,
    /// Where it ends: `u64::MAX` for the last window, which takes whatever
    /// time is left. Kept, not recomputed, since every instant reads it.
    current_end: u64,
    last: SimTime,
    ready: usize,
    busy: u32,
}

impl Series {
    /// Windows of `horizon / WINDOWS_PER_HORIZON` on `cpus` CPUs.
    pub fn new(horizon: SimTime, cpus: u32) -> Self {
        let width = (horizon.as_nanos() / WINDOWS_PER_HORIZON).max(1);
        Series {
            width,
            cpus,
            windows: Vec::new(),
            current: 0,
            current_end: Self::end_of(0, width),
            last: SimTime::ZERO,
            ready: 0,
            busy: 0,
        }
    }

    /// Where window `i` ends (the last one: never).
    fn end_of(i: usize, width: u64) -> u64 {
        if i + 1 >= MAX_WINDOWS {
            u64::MAX
        } else {
            (i as u64 + 1) * width
        }
    }

    /// Window `i` (below `MAX_WINDOWS`), made if need be.
    fn window(&mut self, i: usize) -> &mut TimeWindow {
        while self.windows.len() <= i {
            let k = self.windows.len() as u64;
            self.windows.push(TimeWindow {
                start: SimTime(k * self.width),
                end: SimTime((k + 1) * self.width),
                completions: 0,
                ready_mean: 0.0,
                busy_mean: 0.0,
            });
        }
        &mut self.windows[i]
    }

    /// Credits the current state over `[last, now)`. While the run goes on,
    /// `ready_mean` and `busy_mean` hold integrals over time (in ns); `finish`
    /// turns them into averages. Time only moves forward, so the window in
    /// progress is followed without dividing.
    fn advance(&mut self, now: SimTime) {
        let end = now.as_nanos();
        let mut t = self.last.as_nanos();
        let (ready, busy) = (self.ready as f64, f64::from(self.busy));
        while t < end {
            let window_end = self.current_end;
            let stop = end.min(window_end);
            let span = (stop - t) as f64;
            let current = self.current;
            let w = self.window(current);
            w.ready_mean += ready * span;
            w.busy_mean += busy * span;
            t = stop;
            if stop == window_end {
                self.current += 1;
                self.current_end = Self::end_of(self.current, self.width);
            }
        }
        self.last = self.last.max(now);
    }

    /// Bytes of the windows so far.
    pub fn kept_bytes(&self) -> u64 {
        (self.windows.len() * size_of::<TimeWindow>()) as u64
    }

    /// The state at the end of an instant.
    pub fn instant(&mut self, now: SimTime, ready: usize, idle: u32) {
        let busy = self.cpus.saturating_sub(idle);
        if (ready, busy) == (self.ready, self.busy) {
            // The state goes on: it is credited when it next changes.
            return;
        }
        self.advance(now);
        self.ready = ready;
        self.busy = busy;
    }

    /// A task finished.
    pub fn completion(&mut self, record: &TaskRecord) {
        if let Some(f) = record.finish {
            // Past the last window's start, the last window.
            let i = usize::try_from(f.as_nanos() / self.width)
                .unwrap_or(usize::MAX)
                .min(MAX_WINDOWS - 1);
            self.window(i).completions += 1;
        }
    }

    /// The windows up to the end of the run (the last one cut there).
    pub fn finish(mut self, end: SimTime) -> Vec<TimeWindow> {
        self.advance(end);
        let capped = self.windows.len() == MAX_WINDOWS;
        if let Some(last) = self.windows.last_mut().filter(|_| capped) {
            last.end = last.end.max(end);
        }
        for w in &mut self.windows {
            // The last window may end with the run, before its full width.
            if end > w.start && end < w.end {
                w.end = end;
            }
            let covered = (w.end - w.start).as_nanos().max(1) as f64;
            w.ready_mean /= covered;
            w.busy_mean /= covered;
        }
        self.windows
    }
}

/// A preemption: `class#index` lost `cpu` at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// When.
    pub at: SimTime,
    /// The CPU (for wake-ups, the CPU is unknown: 0).
    pub cpu: CpuId,
    /// The task's class.
    pub class: ClassId,
    /// The task's number in its class.
    pub index: u64,
}

/// What one run's CPUs did, captured up to a number of segments.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// CPU segments, in the order they ended.
    pub segments: Vec<Segment>,
    /// Preemptions.
    pub preemptions: Vec<Mark>,
    /// Wake-ups (tasks made ready by a timer, an I/O, a lock or a join).
    pub wakes: Vec<Mark>,
    /// Ready-queue length after each change: (instant, length).
    pub ready: Vec<(SimTime, u32)>,
    /// Whether the capture stopped at its limit before the run ended.
    pub truncated: bool,
}

/// Captures a [`Timeline`] until it holds `limit` segments.
#[derive(Clone, Debug)]
pub struct Capture {
    limit: usize,
    timeline: Timeline,
}

impl Capture {
    /// A capture of at most `limit` segments (and the marks until then).
    pub fn new(limit: usize) -> Self {
        Capture {
            limit,
            timeline: Timeline::default(),
        }
    }

    fn open(&mut self) -> bool {
        if self.timeline.segments.len() < self.limit {
            true
        } else {
            self.timeline.truncated = true;
            false
        }
    }

    /// A CPU segment ended.
    pub fn segment(&mut self, segment: &Segment) {
        if self.open() {
            self.timeline.segments.push(*segment);
        }
    }

    /// A preemption.
    pub fn preempted(&mut self, mark: Mark) {
        if self.open() {
            self.timeline.preemptions.push(mark);
        }
    }

    /// A wake-up.
    pub fn woke(&mut self, mark: Mark) {
        if self.open() {
            self.timeline.wakes.push(mark);
        }
    }

    /// The ready-queue length at the end of an instant.
    pub fn ready(&mut self, at: SimTime, ready: usize) {
        let ready = ready as u32;
        if self.open() && self.timeline.ready.last().is_none_or(|(_, r)| *r != ready) {
            self.timeline.ready.push((at, ready));
        }
    }

    /// Bytes of what is captured so far.
    pub fn kept_bytes(&self) -> u64 {
        let t = &self.timeline;
        (t.segments.len() * size_of::<Segment>()
            + (t.preemptions.len() + t.wakes.len()) * size_of::<Mark>()
            + t.ready.len() * size_of::<(SimTime, u32)>()) as u64
    }

    /// The captured timeline.
    pub fn finish(self) -> Timeline {
        self.timeline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_average_the_state_over_time() {
        // Horizon 100ns: windows of 1ns... use 1000ns for 10ns windows.
        let mut s = Series::new(SimTime(1000), 2);
        s.instant(SimTime(0), 3, 0); // 3 ready, 2 busy from 0
        s.instant(SimTime(5), 1, 1); // 1 ready, 1 busy from 5
        s.instant(SimTime(15), 0, 2); // idle from 15
        let w = s.finish(SimTime(20));
        assert_eq!(w.len(), 2);
        assert!((w[0].ready_mean - (3.0 * 5.0 + 1.0 * 5.0) / 10.0).abs() < 1e-12);
        assert!((w[0].busy_mean - (2.0 * 5.0 + 1.0 * 5.0) / 10.0).abs() < 1e-12);
        assert!((w[1].ready_mean - 0.5).abs() < 1e-12);
        assert_eq!(w[1].end, SimTime(20));
    }

    /// A drain far past the horizon ends in one last window, so the series
    /// stays small however long the run (a 100 s task after a 1 us horizon
    /// made ten billion windows and exhausted memory).
    #[test]
    fn a_long_drain_ends_in_one_last_window() {
        let mut s = Series::new(SimTime(1_000), 1);
        s.instant(SimTime(0), 0, 0);
        let record = TaskRecord {
            class: ClassId(0),
            index: 0,
            arrival: SimTime(0),
            start: Some(SimTime(0)),
            finish: Some(SimTime(100_000_000_000)),
            cpu: crate::time::SimDuration::from_secs(100),
            suspended: crate::time::SimDuration::ZERO,
            preemptions: 0,
            switches: 1,
            migrations: 0,
            deadline: None,
            weight: 1.0,
            slow_callbacks: 0,
        };
        s.completion(&record);
        s.instant(SimTime(100_000_000_000), 0, 1);
        let w = s.finish(SimTime(100_000_000_000));
        assert_eq!(w.len(), MAX_WINDOWS);
        let last = w.last().unwrap();
        assert_eq!(
            (last.start, last.end),
            (SimTime(99_990), SimTime(100_000_000_000))
        );
        assert_eq!(last.completions, 1);
        assert!((last.busy_mean - 1.0).abs() < 1e-12, "{last:?}");
        assert!(
            w[..MAX_WINDOWS - 1]
                .iter()
                .all(|w| w.end.0 - w.start.0 == 10)
        );
    }

    #[test]
    fn segment_kinds_are_named_as_serde_names_them() {
        for kind in SegmentKind::ALL {
            let serde = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde, format!("\"{kind}\""));
            assert_eq!(kind.name().parse(), Ok(kind));
        }
        assert!("preemption".parse::<SegmentKind>().is_err());
    }

    #[test]
    fn capture_stops_at_its_limit() {
        let mut c = Capture::new(1);
        let seg = Segment {
            cpu: CpuId(0),
            class: ClassId(0),
            index: 0,
            start: SimTime(0),
            end: SimTime(5),
            kind: SegmentKind::Compute,
        };
        c.segment(&seg);
        c.segment(&seg);
        let t = c.finish();
        assert_eq!(t.segments.len(), 1);
        assert!(t.truncated);
    }
}
