//! `trace.json`: the captured timelines as Chrome trace-event JSON, which
//! opens in Perfetto (ui.perfetto.dev) and chrome://tracing.
//!
//! Each captured run (a cell with a timeline) is a process, named after its
//! sweep point and policy; each CPU is a thread named `CPU n`, holding one
//! complete (`X`) slice per segment: `class#n` while the task computes,
//! `switch → class#n` while the CPU switches to it, `class#n blocked` while
//! it holds the worker in a cooperative `block`. Preemptions are instants on
//! the CPU that lost the task. A last thread, `wake-ups`, marks each wake-up
//! (a timer, an I/O, a lock or a join made the task ready) with an empty
//! slice, and a flow arrow leads from it to the start of the task's next
//! compute slice: the arrow's length is the wake-up latency. A counter,
//! `ready queue`, follows the number of ready tasks waiting for a CPU.
//!
//! Under `ps` (processor sharing, a fluid model) tasks share the CPUs
//! continuously and never hold one: such a run has no segments, so its
//! process has its counter (always 0: no task waits) and no slices.
//!
//! Times are microseconds, as the format requires (`displayTimeUnit` is
//! left out: it changes only how a viewer labels them). Every `ts` and `dur`
//! is derived from integer nanoseconds and printed exactly (at most three
//! decimals), so a slice's end, `ts + dur`, is exactly the next slice's
//! `ts` and slices on one CPU never overlap, not even by a rounding
//! nanosecond (a viewer drops or re-nests overlapping slices).
//!
//! Events are streamed one by one through a buffered writer; only one run's
//! list of event positions is held at a time.
//!
//! A [`TraceLimit`] keeps a long run's trace small enough to open: a window
//! of virtual time (slices cut at its edges, the ready-queue length in effect
//! at its start written there) and a number of CPU slices per run (the first
//! ones by start, and nothing from the instant the first one left out
//! starts). A run whose trace a limit cut says so in its process name, and
//! the file's `otherData` gives the limit and how many runs it cut. Without
//! a limit the file is exactly what it was before limits existed.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufWriter, Write};

use serde::{Deserialize, Serialize, Serializer};

use crate::batch::Cell;
use crate::metrics::task_name::TaskName;
use crate::metrics::timeline::{Mark, Timeline};
use crate::metrics::{Segment, SegmentKind};
use crate::scenario::Study;
use crate::task::ClassId;
use crate::time::{SimDuration, SimTime};

/// The name of the per-process counter of ready tasks.
pub const READY_COUNTER: &str = "ready queue";

/// The name of the thread that holds the wake-ups.
pub const WAKE_THREAD: &str = "wake-ups";

/// A time in integer nanoseconds, written as microseconds: an integer when
/// it is a whole number of microseconds, else the exact decimal (the nearest
/// double to `ns / 1000`, whose shortest representation is that decimal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Micros(u64);

impl Serialize for Micros {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(1000) {
            s.serialize_u64(self.0 / 1000)
        } else {
            s.serialize_f64(self.0 as f64 / 1000.0)
        }
    }
}

/// What a slice or an instant is about.
#[derive(Serialize)]
struct TaskArgs<'a> {
    class: &'a str,
    task: &'a str,
}

/// `M` events: process and thread names.
#[derive(Serialize)]
struct Meta<'a> {
    name: &'static str,
    ph: &'static str,
    pid: u32,
    tid: u32,
    args: NameArg<'a>,
}

#[derive(Serialize)]
struct NameArg<'a> {
    name: &'a str,
}

/// `X` events: complete slices, with an optional flow end (`bind_id` with
/// `flow_in` or `flow_out`).
#[derive(Serialize)]
struct Complete<'a> {
    name: &'a str,
    cat: &'static str,
    ph: &'static str,
    ts: Micros,
    dur: Micros,
    pid: u32,
    tid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    bind_id: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    flow_in: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    flow_out: bool,
    args: TaskArgs<'a>,
}

/// `i` events: thread-scoped instants.
#[derive(Serialize)]
struct Instant<'a> {
    name: &'a str,
    cat: &'static str,
    ph: &'static str,
    s: &'static str,
    ts: Micros,
    pid: u32,
    tid: u32,
    args: TaskArgs<'a>,
}

/// `C` events: the ready-queue counter.
#[derive(Serialize)]
struct Counter {
    name: &'static str,
    ph: &'static str,
    ts: Micros,
    pid: u32,
    tid: u32,
    args: ReadyArgs,
}

#[derive(Serialize)]
struct ReadyArgs {
    length: u32,
}

/// Writes the `{"traceEvents": [...]}` envelope around streamed events.
struct Events<W: Write> {
    out: BufWriter<W>,
    first: bool,
}

impl<W: Write> Events<W> {
    fn new(out: W) -> io::Result<Self> {
        let mut out = BufWriter::new(out);
        out.write_all(b"{\"traceEvents\":[")?;
        Ok(Events { out, first: true })
    }

    fn push<T: Serialize>(&mut self, event: &T) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, event).map_err(io::Error::from)
    }

    /// Closes the event list, then writes `otherData` if there is any.
    fn finish(mut self, other: Option<&OtherData>) -> io::Result<()> {
        self.out.write_all(b"\n]")?;
        if let Some(other) = other {
            self.out.write_all(b",\n\"otherData\":")?;
            serde_json::to_writer(&mut self.out, other).map_err(io::Error::from)?;
        }
        self.out.write_all(b"}\n")?;
        self.out.flush()
    }
}

/// A window of virtual time, `[from, to)`; `to` is open-ended when `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceWindow {
    /// Its start.
    pub from: SimTime,
    /// Its end (excluded), or none.
    pub to: Option<SimTime>,
}

impl std::str::FromStr for TraceWindow {
    type Err = String;

    /// `FROM..TO` with durations (`1s..2.5s`); either may be left out (`..2s`,
    /// `1s..`), and `0` needs no unit.
    fn from_str(text: &str) -> Result<TraceWindow, String> {
        let (from, to) = text.split_once("..").ok_or_else(|| {
            format!(
                "`{text}`: expected a window FROM..TO of durations, like 1s..2s, ..500ms or 2s.."
            )
        })?;
        let time = |t: &str| -> Result<Option<SimTime>, String> {
            match t.trim() {
                "" => Ok(None),
                "0" => Ok(Some(SimTime(0))),
                t => t
                    .parse::<SimDuration>()
                    .map(|d| Some(SimTime(d.0)))
                    .map_err(|e| format!("`{text}`: {e}")),
            }
        };
        let (from, to) = (time(from)?.unwrap_or_default(), time(to)?);
        if to.is_some_and(|to| to <= from) {
            return Err(format!(
                "`{text}`: the window ends before it starts; expected FROM..TO with FROM < TO"
            ));
        }
        Ok(TraceWindow { from, to })
    }
}

impl fmt::Display for TraceWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to {
            Some(to) => write!(f, "{}..{to}", self.from),
            None => write!(f, "{}..", self.from),
        }
    }
}

/// What of each captured run a trace keeps (by default, everything).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceLimit {
    /// Only what happens in this window of virtual time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<TraceWindow>,
    /// At most this many CPU slices per run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_slices: Option<u64>,
}

impl TraceLimit {
    /// Whether it keeps everything.
    pub fn is_none(&self) -> bool {
        *self == TraceLimit::default()
    }
}

/// What a limit left out of a trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceCuts {
    /// Captured runs in the trace.
    pub runs: usize,
    /// Of them, those the limit cut.
    pub cut: usize,
}

/// The `otherData` of a limited trace: the limit and what it cut.
#[derive(Serialize)]
struct OtherData {
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_window: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_max_slices: Option<u64>,
    truncated: bool,
    runs: usize,
    runs_cut: usize,
}

/// How a limit cut one run's timeline, for its process name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cut {
    /// Slices in the window before the cap.
    slices: usize,
    /// Slices kept, when the cap left some out.
    capped: Option<usize>,
}

/// `t` as `limit` keeps it, and how it was cut (`None`: nothing left out).
fn limited<'a>(t: &'a Timeline, limit: &TraceLimit) -> (Cow<'a, Timeline>, Option<Cut>) {
    if limit.is_none() {
        return (Cow::Borrowed(t), None);
    }
    let window = limit.window.unwrap_or_default();
    let (from, to) = (window.from, window.to.unwrap_or(SimTime(u64::MAX)));
    let mut cut = false;
    let mut segments: Vec<Segment> = Vec::with_capacity(t.segments.len());
    for s in &t.segments {
        let inside = if s.start == s.end {
            s.start >= from && s.start < to
        } else {
            s.end > from && s.start < to
        };
        if !inside {
            cut = true;
            continue;
        }
        let clipped = Segment {
            start: s.start.max(from),
            end: s.end.min(to),
            ..*s
        };
        cut |= clipped != *s;
        segments.push(clipped);
    }
    let slices = segments.len();
    // The cap: the first `max` slices by start; nothing from the instant the
    // first slice left out starts (so fewer when several start then).
    let mut until = to;
    let mut capped = None;
    if let Some(max) = limit
        .max_slices
        .map(|m| usize::try_from(m).unwrap_or(usize::MAX))
        && segments.len() > max
    {
        let mut starts: Vec<SimTime> = segments.iter().map(|s| s.start).collect();
        starts.sort_unstable();
        until = until.min(starts[max]);
        segments.retain(|s| s.start < until);
        capped = Some(segments.len());
        cut = true;
    }
    let marks = |all: &[Mark]| -> Vec<Mark> {
        all.iter()
            .filter(|m| m.at >= from && m.at < until)
            .copied()
            .collect()
    };
    let (preemptions, wakes) = (marks(&t.preemptions), marks(&t.wakes));
    cut |= preemptions.len() != t.preemptions.len() || wakes.len() != t.wakes.len();
    let mut ready: Vec<(SimTime, u32)> = Vec::new();
    // The length in effect when the window opens, written at its start.
    if let Some(&(_, before)) = t.ready.iter().rev().find(|(at, _)| *at < from) {
        ready.push((from, before));
    }
    for &(at, length) in &t.ready {
        if at >= from && at < until {
            if ready.last().is_some_and(|&(last, _)| last == at) {
                ready.pop();
            }
            ready.push((at, length));
        }
    }
    cut |= t.ready.iter().any(|(at, _)| *at < from || *at >= until);
    let timeline = Timeline {
        segments,
        preemptions,
        wakes,
        ready,
        truncated: t.truncated,
    };
    (Cow::Owned(timeline), cut.then_some(Cut { slices, capped }))
}

/// The process name's note of a cut: the window, and the cap if it cut.
fn cut_note(limit: &TraceLimit, cut: Cut) -> String {
    let mut note = String::new();
    if let Some(w) = limit.window {
        note.push_str(&format!(" · window {w}"));
    }
    if let Some(kept) = cut.capped {
        note.push_str(&format!(" · first {kept} of {} slices", cut.slices));
    }
    note
}

/// The process name of a captured run: its sweep point (when the study has
/// a sweep) and its policy's label.
pub fn process_name(study: &Study, cell: &Cell) -> String {
    let point = &study.points[cell.key.point];
    let label = &point.scenario.policies[cell.key.policy].label;
    let mut name = if study.keys.is_empty() {
        label.clone()
    } else {
        format!("point {} ({}) · {label}", point.index, point.value)
    };
    if cell.key.replication != 0 {
        name.push_str(&format!(" · replication {}", cell.key.replication));
    }
    if let Some(t) = cell.timeline.as_ref().filter(|t| t.truncated) {
        name.push_str(&format!(" · first {} segments", t.segments.len()));
    }
    name
}

/// One event of a run, in the order they are written: by time, wake-ups
/// before the slices their flows lead to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    /// The ready-queue length changed (index into `Timeline::ready`).
    Ready(usize),
    /// A wake-up (index into `Timeline::wakes`).
    Wake(usize),
    /// A segment (index into `Timeline::segments`).
    Segment(usize),
    /// A preemption (index into `Timeline::preemptions`).
    Preemption(usize),
}

/// The flows of a timeline, as (wake-up, compute segment) index pairs in
/// wake-up order: each leads to the task's first compute segment starting
/// at or after the wake-up. A segment takes the flow of the latest wake-up
/// before it (a task woken twice before it computes again has computed
/// nothing in between); a wake-up with no later compute has no flow.
fn flows(t: &Timeline) -> Vec<(usize, usize)> {
    let mut computes: BTreeMap<(ClassId, u64), Vec<usize>> = BTreeMap::new();
    for (i, s) in t.segments.iter().enumerate() {
        if s.kind == SegmentKind::Compute {
            computes.entry((s.class, s.index)).or_default().push(i);
        }
    }
    for list in computes.values_mut() {
        list.sort_by_key(|&i| t.segments[i].start);
    }
    // By segment: the wake-up whose flow leads to it.
    let mut into: Vec<Option<usize>> = vec![None; t.segments.len()];
    let mut wakes: Vec<usize> = (0..t.wakes.len()).collect();
    wakes.sort_by_key(|&w| t.wakes[w].at);
    for w in wakes {
        let mark = &t.wakes[w];
        let Some(list) = computes.get(&(mark.class, mark.index)) else {
            continue;
        };
        let next = list.partition_point(|&i| t.segments[i].start < mark.at);
        if let Some(&segment) = list.get(next) {
            into[segment] = Some(w);
        }
    }
    let mut pairs: Vec<(usize, usize)> = into
        .into_iter()
        .enumerate()
        .filter_map(|(s, w)| Some((w?, s)))
        .collect();
    pairs.sort_unstable();
    pairs
}

/// A slice's name and its category (the kind's name).
fn segment_name(kind: SegmentKind, task: &str) -> (String, &'static str) {
    let name = match kind {
        SegmentKind::Compute => task.to_string(),
        SegmentKind::Switch => format!("switch → {task}"),
        SegmentKind::Blocked => format!("{task} blocked"),
    };
    (name, kind.name())
}

/// Writes `trace.json`: every cell with a captured timeline as a process
/// (see the module documentation). Cells without a timeline are skipped.
pub fn write_trace<W: Write>(out: W, study: &Study, cells: &[Cell]) -> io::Result<()> {
    write_trace_limited(out, study, cells, &TraceLimit::default()).map(|_| ())
}

/// Writes `trace.json` as [`write_trace`] does, keeping of each run what
/// `limit` keeps; returns how many runs it cut.
pub fn write_trace_limited<W: Write>(
    out: W,
    study: &Study,
    cells: &[Cell],
    limit: &TraceLimit,
) -> io::Result<TraceCuts> {
    let mut events = Events::new(out)?;
    let mut next_tid = 1u32;
    let mut next_flow = 1u64;
    let mut cuts = TraceCuts::default();
    for (n, cell) in cells.iter().filter(|c| c.timeline.is_some()).enumerate() {
        let (timeline, cut) = limited(cell.timeline.as_ref().expect("filtered"), limit);
        let timeline: &Timeline = &timeline;
        cuts.runs += 1;
        cuts.cut += usize::from(cut.is_some());
        let scenario = &study.points[cell.key.point].scenario;
        let pid = n as u32 + 1;
        let used = timeline.segments.iter().map(|s| s.cpu.0 + 1);
        let marked = timeline.preemptions.iter().map(|p| p.cpu.0 + 1);
        let cpus = used.chain(marked).fold(scenario.base.cpus, u32::max);
        // Thread ids are unique over the whole file, so no viewer can mistake
        // one run's CPU for another's.
        let first_tid = next_tid;
        let wake_tid = first_tid + cpus;
        next_tid = wake_tid + 1;
        let cpu_tid = |cpu: u32| first_tid + cpu;

        let mut name = process_name(study, cell);
        if let Some(cut) = cut {
            name.push_str(&cut_note(limit, cut));
        }
        events.push(&Meta {
            name: "process_name",
            ph: "M",
            pid,
            tid: first_tid,
            args: NameArg { name: &name },
        })?;
        for cpu in 0..cpus {
            let name = format!("CPU {cpu}");
            events.push(&Meta {
                name: "thread_name",
                ph: "M",
                pid,
                tid: cpu_tid(cpu),
                args: NameArg { name: &name },
            })?;
        }
        if !timeline.wakes.is_empty() {
            events.push(&Meta {
                name: "thread_name",
                ph: "M",
                pid,
                tid: wake_tid,
                args: NameArg { name: WAKE_THREAD },
            })?;
        }

        // Flow ids by segment and by wake-up (each has at most one flow).
        let mut flow_of_segment: Vec<Option<u64>> = vec![None; timeline.segments.len()];
        let mut flow_id_of_wake: Vec<Option<u64>> = vec![None; timeline.wakes.len()];
        for (w, s) in flows(timeline) {
            flow_id_of_wake[w] = Some(next_flow);
            flow_of_segment[s] = Some(next_flow);
            next_flow += 1;
        }

        let mut items: Vec<(u64, Item)> = Vec::with_capacity(
            timeline.segments.len()
                + timeline.preemptions.len()
                + timeline.wakes.len()
                + timeline.ready.len(),
        );
        items.extend(
            timeline
                .ready
                .iter()
                .enumerate()
                .map(|(i, r)| (r.0.as_nanos(), Item::Ready(i))),
        );
        items.extend(
            timeline
                .wakes
                .iter()
                .enumerate()
                .map(|(i, w)| (w.at.as_nanos(), Item::Wake(i))),
        );
        items.extend(
            timeline
                .segments
                .iter()
                .enumerate()
                .map(|(i, s)| (s.start.as_nanos(), Item::Segment(i))),
        );
        items.extend(
            timeline
                .preemptions
                .iter()
                .enumerate()
                .map(|(i, p)| (p.at.as_nanos(), Item::Preemption(i))),
        );
        items.sort_unstable();

        let class_name = |c: ClassId| scenario.base.classes[c.0 as usize].name.as_str();
        for (ts, item) in items {
            match item {
                Item::Ready(i) => events.push(&Counter {
                    name: READY_COUNTER,
                    ph: "C",
                    ts: Micros(ts),
                    pid,
                    tid: first_tid,
                    args: ReadyArgs {
                        length: timeline.ready[i].1,
                    },
                })?,
                Item::Wake(i) => {
                    let w = &timeline.wakes[i];
                    let class = class_name(w.class);
                    let task = &TaskName::new(class, w.index).to_string();
                    let name = format!("{task} woke");
                    let flow = flow_id_of_wake[i];
                    events.push(&Complete {
                        name: &name,
                        cat: "wake",
                        ph: "X",
                        ts: Micros(ts),
                        dur: Micros(0),
                        pid,
                        tid: wake_tid,
                        bind_id: flow,
                        flow_in: false,
                        flow_out: flow.is_some(),
                        args: TaskArgs { class, task },
                    })?;
                }
                Item::Segment(i) => {
                    let s: &Segment = &timeline.segments[i];
                    let class = class_name(s.class);
                    let task = &TaskName::new(class, s.index).to_string();
                    let (name, cat) = segment_name(s.kind, task);
                    let flow = flow_of_segment[i];
                    events.push(&Complete {
                        name: &name,
                        cat,
                        ph: "X",
                        ts: Micros(ts),
                        dur: Micros(s.end.as_nanos() - ts),
                        pid,
                        tid: cpu_tid(s.cpu.0),
                        bind_id: flow,
                        flow_in: flow.is_some(),
                        flow_out: false,
                        args: TaskArgs { class, task },
                    })?;
                }
                Item::Preemption(i) => {
                    let p = &timeline.preemptions[i];
                    let class = class_name(p.class);
                    let task = &TaskName::new(class, p.index).to_string();
                    let name = format!("preempt {task}");
                    events.push(&Instant {
                        name: &name,
                        cat: "preemption",
                        ph: "i",
                        s: "t",
                        ts: Micros(ts),
                        pid,
                        tid: cpu_tid(p.cpu.0),
                        args: TaskArgs { class, task },
                    })?;
                }
            }
        }
    }
    let other = (!limit.is_none()).then(|| OtherData {
        trace_window: limit.window.map(|w| w.to_string()),
        trace_max_slices: limit.max_slices,
        truncated: cuts.cut > 0,
        runs: cuts.runs,
        runs_cut: cuts.cut,
    });
    events.finish(other.as_ref())?;
    Ok(cuts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact decimal of `ns / 1000`, by integer arithmetic.
    fn decimal(ns: u64) -> String {
        let (whole, frac) = (ns / 1000, ns % 1000);
        if frac == 0 {
            whole.to_string()
        } else {
            format!("{whole}.{frac:03}")
                .trim_end_matches('0')
                .to_string()
        }
    }

    #[test]
    fn micros_are_written_as_exact_decimals() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            // xorshift64*: a fixed, dependency-free stream.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut cases: Vec<u64> = vec![0, 1, 10, 999, 1000, 1001, 1_000_000_001, 123_456_789];
        for _ in 0..20_000 {
            // Up to about 11.5 days of simulated time.
            cases.push(next() % 1_000_000_000_000_000);
        }
        for ns in cases {
            let text = serde_json::to_string(&Micros(ns)).unwrap();
            assert_eq!(text, decimal(ns), "{ns} ns");
            // A reader that scales by 1000 and rounds gets the nanoseconds back.
            let back: f64 = text.parse().unwrap();
            assert_eq!((back * 1000.0).round() as u64, ns, "{text}");
        }
    }

    #[test]
    fn windows_parse_and_print() {
        let w = |t: &str| t.parse::<TraceWindow>();
        assert_eq!(
            w("1s..2.5s").unwrap(),
            TraceWindow {
                from: SimTime(1_000_000_000),
                to: Some(SimTime(2_500_000_000))
            }
        );
        assert_eq!(w("..500ms").unwrap().to_string(), "0s..500ms");
        assert_eq!(w("0..1ms").unwrap().to_string(), "0s..1ms");
        assert_eq!(w("2s..").unwrap().to_string(), "2s..");
        assert_eq!(w("..").unwrap(), TraceWindow::default());
        for bad in ["1s", "2s..1s", "1s..1s", "1x..2s", "-1s..2s", "1s..2"] {
            assert!(w(bad).is_err(), "{bad}");
        }
    }

    /// Two CPUs:
    ///
    /// ```text
    /// CPU 0  [0#0 0..10) [0#0 20..30) [0#0 30..40)
    /// CPU 1  [0#1 5..25)
    /// ```
    ///
    /// a preemption at 10, wake-ups at 15 and 30, the ready queue 1 at 0,
    /// 2 at 12, 0 at 35.
    fn two_cpus() -> Timeline {
        use crate::task::CpuId;
        let seg = |cpu: u32, index: u64, start: u64, end: u64| Segment {
            cpu: CpuId(cpu),
            class: ClassId(0),
            index,
            start: SimTime(start),
            end: SimTime(end),
            kind: SegmentKind::Compute,
        };
        let mark = |at: u64| Mark {
            at: SimTime(at),
            cpu: CpuId(0),
            class: ClassId(0),
            index: 0,
        };
        Timeline {
            segments: vec![
                seg(0, 0, 0, 10),
                seg(1, 1, 5, 25),
                seg(0, 0, 20, 30),
                seg(0, 0, 30, 40),
            ],
            preemptions: vec![mark(10)],
            wakes: vec![mark(15), mark(30)],
            ready: vec![(SimTime(0), 1), (SimTime(12), 2), (SimTime(35), 0)],
            truncated: false,
        }
    }

    #[test]
    fn no_limit_borrows_the_timeline_untouched() {
        let t = two_cpus();
        let (kept, cut) = limited(&t, &TraceLimit::default());
        assert!(matches!(kept, Cow::Borrowed(_)));
        assert_eq!(cut, None);
    }

    #[test]
    fn a_window_cuts_slices_at_its_edges_and_starts_the_counter() {
        let t = two_cpus();
        let limit = TraceLimit {
            window: Some(TraceWindow {
                from: SimTime(8),
                to: Some(SimTime(22)),
            }),
            max_slices: None,
        };
        let (kept, cut) = limited(&t, &limit);
        let spans: Vec<(u64, u64)> = kept.segments.iter().map(|s| (s.start.0, s.end.0)).collect();
        assert_eq!(spans, [(8, 10), (8, 22), (20, 22)]);
        assert_eq!(kept.preemptions.len(), 1);
        assert_eq!(kept.wakes.len(), 1, "15 is in, 30 is out");
        assert_eq!(kept.ready, [(SimTime(8), 1), (SimTime(12), 2)]);
        assert_eq!(
            cut,
            Some(Cut {
                slices: 3,
                capped: None
            })
        );
        // A window holding everything cuts nothing.
        let all = TraceLimit {
            window: Some(TraceWindow {
                from: SimTime(0),
                to: Some(SimTime(1000)),
            }),
            max_slices: Some(4),
        };
        let (kept, cut) = limited(&t, &all);
        assert_eq!(*kept, t);
        assert_eq!(cut, None);
    }

    #[test]
    fn a_cap_keeps_the_first_slices_and_nothing_from_the_next_start() {
        let t = two_cpus();
        let limit = TraceLimit {
            window: None,
            max_slices: Some(2),
        };
        let (kept, cut) = limited(&t, &limit);
        // Starts 0, 5 | 20: everything before 20 stays.
        let spans: Vec<(u64, u64)> = kept.segments.iter().map(|s| (s.start.0, s.end.0)).collect();
        assert_eq!(spans, [(0, 10), (5, 25)]);
        assert_eq!(kept.wakes.len(), 1);
        assert_eq!(kept.ready, [(SimTime(0), 1), (SimTime(12), 2)]);
        assert_eq!(
            cut,
            Some(Cut {
                slices: 4,
                capped: Some(2)
            })
        );
        assert_eq!(cut_note(&limit, cut.unwrap()), " · first 2 of 4 slices");
    }

    #[test]
    fn a_flow_leads_to_the_next_compute_of_the_woken_task() {
        use crate::task::CpuId;
        use crate::time::SimTime;
        let seg = |class: u32, index: u64, start: u64, end: u64, kind| Segment {
            cpu: CpuId(0),
            class: ClassId(class),
            index,
            start: SimTime(start),
            end: SimTime(end),
            kind,
        };
        let mark = |class: u32, index: u64, at: u64| Mark {
            at: SimTime(at),
            cpu: CpuId(0),
            class: ClassId(class),
            index,
        };
        let t = Timeline {
            segments: vec![
                seg(0, 0, 0, 10, SegmentKind::Compute),
                seg(0, 1, 10, 12, SegmentKind::Switch),
                seg(0, 1, 12, 20, SegmentKind::Compute),
                seg(0, 0, 20, 30, SegmentKind::Compute),
                seg(0, 0, 30, 40, SegmentKind::Compute),
            ],
            preemptions: vec![],
            // 0#0 wakes at 14 and 15 (its next compute starts at 20: the
            // later wake-up takes the flow), 0#1 wakes at 25 and never
            // computes again, 0#0 wakes at 30, when its next compute starts.
            wakes: vec![
                mark(0, 0, 15),
                mark(0, 1, 25),
                mark(0, 0, 30),
                mark(0, 0, 14),
            ],
            ready: vec![],
            truncated: false,
        };
        assert_eq!(flows(&t), [(0, 3), (2, 4)]);
    }
}
