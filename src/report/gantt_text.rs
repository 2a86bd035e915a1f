//! A plain-text Gantt chart of a captured timeline, the way a textbook draws
//! one (OSTEP, chapter 7): one row per CPU, one column per time bucket, one
//! letter per task.
//!
//! ```text
//! round-robin(quantum=1ms): 0 to 15 ms, one column = 1 ms
//!
//! CPU 0  ABCABCABCABCABC
//!        !!!!!!!!!!!!
//!        |    |    |    |
//!        0    5    10   15 ms
//!
//! A job#0   B job#1   C job#2
//! ! preempted (under the last column it ran)
//! ```
//!
//! When every segment starts and ends on a multiple of some duration (a
//! hand-made scenario, a quantum), the columns are that duration or a
//! 1-2-5 fraction of it, so each column holds exactly one task and the
//! picture is exact. Otherwise the columns are a 1-2-5 number of
//! nanoseconds and each shows what occupied most of it. Small timelines
//! are followed by their exact segment list.

mod scale;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::batch::Cell;
use crate::metrics::SegmentKind;
use crate::metrics::task_name::TaskName;
use crate::report::stretch::{self, Stretch};
use crate::scenario::Study;
use crate::task::ClassId;
use crate::task::CpuId;

use scale::{MIN_COLUMNS, choose_step, columns, decimals, ms, ms_fixed};

/// Codes for tasks, in order; tasks beyond these share [`OTHER`].
const CODES: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// The code of tasks beyond the 62 lettered ones.
pub const OTHER: char = '*';
/// A CPU with nothing to run.
pub const IDLE: char = '.';
/// A CPU switching to a task.
pub const SWITCH: char = '~';
/// A worker held by a task's cooperative `block`.
pub const BLOCKED: char = '#';
/// Under a CPU's row: a task lost the CPU (in the last column it ran).
pub const PREEMPTED: char = '!';

/// What a column shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Occupant {
    Task(ClassId, u64),
    Switch,
    Blocked,
}

/// Segment lists are printed for timelines of at most this many runs.
pub const LIST_LIMIT: usize = 40;

/// A stretch one CPU spent on one task: consecutive segments of the same
/// kind and task merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    cpu: u32,
    class: ClassId,
    index: u64,
    kind: SegmentKind,
    start: u64,
    end: u64,
    preempted: bool,
}

/// Runs join as the drawn Gantt chart's blocks do, but not past a
/// preemption: the text marks where each run lost its CPU.
impl Stretch for Run {
    fn cpu(&self) -> u32 {
        self.cpu
    }
    fn start(&self) -> u64 {
        self.start
    }
    fn end(&self) -> u64 {
        self.end
    }
    fn kind(&self) -> Option<SegmentKind> {
        Some(self.kind)
    }
    fn same_task(&self, other: &Self) -> bool {
        (self.class, self.index) == (other.class, other.index)
    }
    fn continuable(&self) -> bool {
        !self.preempted
    }
    fn absorb(&mut self, next: Self) {
        self.end = next.end;
        self.preempted = next.preempted;
    }
}

/// Words laid out in lines of at most `width` characters.
fn wrap(words: &[String], width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for w in words {
        if !line.is_empty() && line.chars().count() + 3 + w.chars().count() > width {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push_str("   ");
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

/// A plain-text Gantt chart of `cell`'s captured timeline, about `width`
/// characters wide: a title, one row per CPU (each column a time bucket
/// showing the task that ran, `.` idle, `~` switching, `#` a blocked
/// worker), under each row a `!` where a task was preempted, a time axis in
/// milliseconds, a legend, and for small timelines the exact segment list.
/// `None` if the cell has no timeline or it has no segments (as under `ps`,
/// whose tasks share the CPUs as a fluid).
pub fn render(study: &Study, cell: &Cell, width: usize) -> Option<String> {
    let timeline = cell.timeline.as_ref()?;
    if timeline.segments.is_empty() {
        return None;
    }
    let point = &study.points[cell.key.point];
    let scenario = &point.scenario;
    let class_name = |c: ClassId| scenario.base.classes[c.0 as usize].name.as_str();
    let task_name = |c: ClassId, i: u64| TaskName::new(class_name(c), i).to_string();

    // Runs: segments merged where a task goes on doing the same thing.
    let preempted_at: BTreeSet<(CpuId, u64, ClassId, u64)> = timeline
        .preemptions
        .iter()
        .map(|p| (p.cpu, p.at.as_nanos(), p.class, p.index))
        .collect();
    let runs: Vec<Run> = stretch::merged(
        timeline
            .segments
            .iter()
            .map(|s| Run {
                cpu: s.cpu.0,
                class: s.class,
                index: s.index,
                kind: s.kind,
                start: s.start.as_nanos(),
                end: s.end.as_nanos(),
                preempted: preempted_at.contains(&(s.cpu, s.end.as_nanos(), s.class, s.index)),
            })
            .collect(),
    );
    let end = runs.iter().map(|r| r.end).max()?;
    let cpus = scenario
        .base
        .cpus
        .max(runs.iter().map(|r| r.cpu + 1).max().unwrap_or(0));

    // Geometry.
    let label = |cpu: u32| format!("CPU {cpu}");
    let margin = label(cpus.saturating_sub(1)).len() + 2;
    let available = (width.saturating_sub(margin) as u64).max(MIN_COLUMNS);
    let (step, exact) = choose_step(runs.iter().flat_map(|r| [r.start, r.end]), end, available);
    let n = columns(end, step) as usize;

    // Cells: each column shows what occupied most of it (`None`: idle).
    let occupant = |r: &Run| match r.kind {
        SegmentKind::Compute => Occupant::Task(r.class, r.index),
        SegmentKind::Switch => Occupant::Switch,
        SegmentKind::Blocked => Occupant::Blocked,
    };
    let mut cells: Vec<Vec<Option<Occupant>>> = Vec::with_capacity(cpus as usize);
    for cpu in 0..cpus {
        let mut cover: Vec<Vec<(Occupant, u64)>> = vec![Vec::new(); n];
        for r in runs.iter().filter(|r| r.cpu == cpu) {
            let o = occupant(r);
            for (col, slot) in cover
                .iter_mut()
                .enumerate()
                .take(((r.end - 1) / step) as usize + 1)
                .skip((r.start / step) as usize)
            {
                let (a, b) = (col as u64 * step, (col as u64 + 1) * step);
                let overlap = r.end.min(b) - r.start.max(a);
                match slot.iter_mut().find(|(x, _)| *x == o) {
                    Some((_, t)) => *t += overlap,
                    None => slot.push((o, overlap)),
                }
            }
        }
        let row = cover
            .iter()
            .enumerate()
            .map(|(col, slot)| {
                let width = end.min((col as u64 + 1) * step) - col as u64 * step;
                let busy: u64 = slot.iter().map(|(_, t)| t).sum();
                // The first occupant wins ties, so a column split evenly
                // shows who was there first.
                let best = slot
                    .iter()
                    .fold(None, |best: Option<(Occupant, u64)>, &(o, t)| match best {
                        Some((_, bt)) if bt >= t => best,
                        _ => Some((o, t)),
                    });
                best.filter(|&(_, t)| t >= width - busy).map(|(o, _)| o)
            })
            .collect();
        cells.push(row);
    }

    // Codes: tasks in arrival order when the records say it, else in order
    // of first appearance; the tasks the rows show first, so they read A, B,
    // C... even when short runs vanish at a coarse scale.
    let arrival: BTreeMap<(ClassId, u64), u64> = cell
        .tasks
        .iter()
        .flatten()
        .map(|r| ((r.class, r.index), r.arrival.as_nanos()))
        .collect();
    let mut first: BTreeMap<(ClassId, u64), u64> = BTreeMap::new();
    for r in runs.iter().filter(|r| r.kind == SegmentKind::Compute) {
        let at = first.entry((r.class, r.index)).or_insert(r.start);
        *at = (*at).min(r.start);
    }
    let shown: BTreeSet<(ClassId, u64)> = cells
        .iter()
        .flatten()
        .filter_map(|o| match o {
            Some(Occupant::Task(c, i)) => Some((*c, *i)),
            _ => None,
        })
        .collect();
    let mut order: Vec<(bool, u64, ClassId, u64)> = first
        .iter()
        .map(|(&(c, i), &f)| {
            let at = arrival.get(&(c, i)).copied().unwrap_or(f);
            (!shown.contains(&(c, i)), at, c, i)
        })
        .collect();
    order.sort_unstable();
    let code: BTreeMap<(ClassId, u64), char> = order
        .iter()
        .enumerate()
        .map(|(n, &(_, _, c, i))| ((c, i), CODES.chars().nth(n).unwrap_or(OTHER)))
        .collect();
    let symbol = |o: Occupant| match o {
        Occupant::Task(c, i) => code[&(c, i)],
        Occupant::Switch => SWITCH,
        Occupant::Blocked => BLOCKED,
    };
    let rows: Vec<Vec<char>> = cells
        .iter()
        .map(|row| row.iter().map(|o| o.map_or(IDLE, symbol)).collect())
        .collect();
    let marks: Vec<Vec<char>> = (0..cpus)
        .map(|cpu| {
            let mut mark = vec![' '; n];
            for p in timeline.preemptions.iter().filter(|p| p.cpu.0 == cpu) {
                let at = p.at.as_nanos();
                if at > 0 && at <= end {
                    mark[(((at - 1) / step) as usize).min(n - 1)] = PREEMPTED;
                }
            }
            mark
        })
        .collect();

    // Axis: tick labels every `every` columns, far enough apart to read.
    let every = [1usize, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        .into_iter()
        .find(|&every| {
            (0..=n)
                .step_by(every)
                .all(|col| ms(col as u64 * step).len() < every)
        })
        .unwrap_or(n.max(1));
    let pad = " ".repeat(margin);
    let mut ticks = pad.clone();
    let mut labels = pad.clone();
    for col in (0..=n).step_by(every) {
        while ticks.len() < margin + col {
            ticks.push(' ');
        }
        ticks.push('|');
        while labels.len() < margin + col {
            labels.push(' ');
        }
        labels.push_str(&ms(col as u64 * step));
    }
    labels.push_str(" ms");

    // Title.
    let policy = &scenario.policies[cell.key.policy].label;
    let mut title = if study.keys.is_empty() {
        policy.clone()
    } else {
        format!("point {} ({}) · {policy}", point.index, point.value)
    };
    let _ = write!(title, ": 0 to {} ms, one column = {} ms", ms(end), ms(step));
    if !exact {
        title.push_str("\neach column shows what occupied most of it");
    }
    if timeline.truncated {
        let _ = write!(
            title,
            "\nonly the first {} segments were captured: a CPU may look idle near the end",
            timeline.segments.len()
        );
    }

    let mut out = String::new();
    let _ = writeln!(out, "{title}\n");
    for cpu in 0..cpus as usize {
        let name = label(cpu as u32);
        let row: String = rows[cpu].iter().collect();
        let _ = writeln!(out, "{name:<margin$}{row}");
        let mark: String = marks[cpu].iter().collect();
        if !mark.trim().is_empty() {
            let _ = writeln!(out, "{pad}{}", mark.trim_end());
        }
    }
    let _ = writeln!(out, "{ticks}\n{labels}\n");

    // Legend: the codes the rows show (at a coarse scale, short runs may
    // show nowhere; the segment list, when printed, has them all).
    let used = |c: char| rows.iter().flatten().any(|&x| x == c);
    let lettered: Vec<(char, String)> = order
        .iter()
        .take(CODES.len())
        .map(|&(_, _, c, i)| (code[&(c, i)], task_name(c, i)))
        .collect();
    let mut legend: Vec<String> = lettered
        .iter()
        .filter(|(code, _)| used(*code))
        .map(|(code, name)| format!("{code} {name}"))
        .collect();
    if order.len() > CODES.len() && used(OTHER) {
        legend.push(format!(
            "{OTHER} any of the other {} tasks",
            order.len() - CODES.len()
        ));
    }
    let hidden = lettered.iter().filter(|(code, _)| !used(*code)).count();
    if hidden > 0 {
        legend.push(format!("({hidden} more too short to show)"));
    }
    out.push_str(&wrap(&legend, width, ""));
    let mut symbols = Vec::new();
    if used(IDLE) {
        symbols.push(format!("{IDLE} idle"));
    }
    if used(SWITCH) {
        symbols.push(format!("{SWITCH} context switch"));
    }
    if used(BLOCKED) {
        symbols.push(format!("{BLOCKED} worker blocked by a task"));
    }
    if marks.iter().flatten().any(|&c| c == PREEMPTED) {
        symbols.push(format!(
            "{PREEMPTED} preempted (under the last column it ran)"
        ));
    }
    out.push_str(&wrap(&symbols, width, ""));

    // The exact list, for small timelines.
    if runs.len() <= LIST_LIMIT {
        let mut list = runs.clone();
        list.sort_by_key(|r| (r.start, r.cpu));
        let d = list
            .iter()
            .flat_map(|r| [decimals(r.start), decimals(r.end)])
            .max()
            .unwrap_or(0);
        let starts: Vec<String> = list.iter().map(|r| ms_fixed(r.start, d)).collect();
        let ends: Vec<String> = list.iter().map(|r| ms_fixed(r.end, d)).collect();
        let ws = starts.iter().map(String::len).max().unwrap_or(0).max(5);
        let we = ends.iter().map(String::len).max().unwrap_or(0).max(3);
        let _ = writeln!(out, "\nsegments (ms):");
        let _ = writeln!(out, "{:>ws$}  {:>we$}  cpu  task", "start", "end");
        for ((r, s), e) in list.iter().zip(&starts).zip(&ends) {
            let task = task_name(r.class, r.index);
            let what = match r.kind {
                SegmentKind::Compute => format!("{} {task}", symbol(occupant(r))),
                SegmentKind::Switch => format!("{SWITCH} switch to {task}"),
                SegmentKind::Blocked => format!("{BLOCKED} {task} blocked"),
            };
            let tail = if r.preempted { ", preempted" } else { "" };
            let _ = writeln!(out, "{s:>ws$}  {e:>we$}  {:>3}  {what}{tail}", r.cpu);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{self, BatchOptions, TaskRows};

    fn run(text: &str) -> (Study, Vec<Cell>) {
        let study = Study::from_str(text, "t.toml").unwrap_or_else(|e| panic!("{e}"));
        let options = BatchOptions {
            jobs: Some(1),
            task_rows: TaskRows::Always,
            shard: None,
            trace: true,
        };
        let cells = batch::run(&study, &options).expect("runs").cells;
        (study, cells)
    }

    fn row(chart: &str, cpu: u32) -> &str {
        let label = format!("CPU {cpu} ");
        chart
            .lines()
            .find_map(|l| l.strip_prefix(&label))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no row for CPU {cpu} in\n{chart}"))
    }

    /// OSTEP ch. 7: A, B, C of 5ms at 0, round robin with a 1ms slice.
    #[test]
    fn ostep_round_robin_reads_abcabc() {
        let (study, cells) = run(r#"
horizon = "1s"
[[policy]]
kind = "round-robin"
quantum = "1ms"
[[task]]
name = "job"
arrival = { process = "at", times = ["0s", "0s", "0s"] }
program = [ { compute = "5ms" } ]
"#);
        let chart = render(&study, &cells[0], 80).expect("a chart");
        assert_eq!(row(&chart, 0), "ABCABCABCABCABC", "\n{chart}");
        assert!(chart.contains("one column = 1 ms"), "\n{chart}");
        assert!(chart.contains("A job#0   B job#1   C job#2"), "\n{chart}");
        // Preempted 4 times each: every column but the last three.
        let marks = chart
            .lines()
            .skip_while(|l| !l.starts_with("CPU 0"))
            .nth(1)
            .unwrap();
        assert_eq!(marks.trim(), "!".repeat(12), "\n{chart}");
        assert!(chart.contains("0    5    10   15 ms"), "\n{chart}");
        // The exact list: 15 runs.
        assert!(chart.contains("segments (ms):"), "\n{chart}");
        assert!(
            chart.contains("\n    0    1    0  A job#0, preempted\n"),
            "\n{chart}"
        );
        assert!(chart.contains("\n   14   15    0  C job#2\n"), "\n{chart}");
    }

    /// OSTEP ch. 7's convoy: A (100ms) then B and C (10ms each), FIFO; and
    /// the same under SJF, whose letters stay those of arrival order.
    #[test]
    fn fifo_convoy() {
        let (study, cells) = run(r#"
horizon = "1s"
[[policy]]
kind = "fifo"
[[policy]]
kind = "sjf"
[[task]]
name = "a"
arrival = { process = "at", times = ["0s"] }
program = [ { compute = "100ms" } ]
[[task]]
name = "b"
arrival = { process = "at", times = ["0s"] }
program = [ { compute = "10ms" } ]
[[task]]
name = "c"
arrival = { process = "at", times = ["0s"] }
program = [ { compute = "10ms" } ]
"#);
        let chart = render(&study, &cells[0], 80).expect("a chart");
        assert!(
            chart.starts_with("fifo: 0 to 120 ms, one column = 10 ms\n"),
            "\n{chart}"
        );
        assert_eq!(row(&chart, 0), "AAAAAAAAAABC", "\n{chart}");
        assert!(chart.contains("A a#0   B b#0   C c#0\n"), "\n{chart}");
        assert!(
            !chart.contains('!') && !chart.contains(". idle"),
            "\n{chart}"
        );
        assert!(chart.contains("\n    0  100    0  A a#0\n"), "\n{chart}");
        let sjf = render(&study, &cells[1], 80).expect("a chart");
        assert_eq!(row(&sjf, 0), "BCAAAAAAAAAA", "\n{sjf}");
    }

    /// A cooperative block holds the worker: `#`; idle time shows as `.`.
    #[test]
    fn a_cooperative_block_and_idle_time() {
        let (study, cells) = run(r#"
horizon = "1s"
[[policy]]
kind = "fifo"
[[task]]
name = "a"
arrival = { process = "at", times = ["0s"] }
program = [ { compute = "2ms" } ]
[[task]]
name = "b"
arrival = { process = "at", times = ["4ms"] }
program = [ { block = "3ms" }, { compute = "1ms" } ]
"#);
        let chart = render(&study, &cells[0], 80).expect("a chart");
        assert_eq!(row(&chart, 0), "AA..###B", "\n{chart}");
        assert!(
            chart.contains(". idle   # worker blocked by a task\n"),
            "\n{chart}"
        );
        assert!(
            chart.contains("\n    4    7    0  # b#0 blocked\n"),
            "\n{chart}"
        );
    }

    #[test]
    fn timelines_without_round_numbers_show_the_majority() {
        let (study, cells) = run(r#"
horizon = "1s"
[[policy]]
kind = "fifo"
[[task]]
name = "x"
arrival = { process = "at", times = ["0s"] }
program = [ { compute = "1000001ns" } ]
[[task]]
name = "y"
arrival = { process = "at", times = ["0s"] }
program = [ { compute = "3000000ns" } ]
"#);
        let chart = render(&study, &cells[0], 60).expect("a chart");
        // 4.000001 ms in at most 53 columns: 100us columns.
        assert!(chart.contains("one column = 0.1 ms"), "\n{chart}");
        assert_eq!(
            row(&chart, 0),
            format!("{}{}", "A".repeat(10), "B".repeat(31))
        );
        assert!(chart.contains("1.000001"), "\n{chart}");
    }
}
