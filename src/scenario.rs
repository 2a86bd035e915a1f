//! Scenario files: reading the TOML (with `--set` overrides), validating it
//! with errors that point at the offending line and column, and resolving it
//! into what runs: per-replication [`SimConfig`]s, compiled programs and
//! labelled policies.

mod error;
mod overrides;
mod policies;
mod schema;
mod study;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

pub use error::ScenarioError;
pub use overrides::Override;
use schema::{RawArrival, RawScenario, RawStep, RawTask};
pub use study::{Point, Study};

use crate::dist::Dist;
use crate::model::{Arrival, ClassSpec, DeviceSpec, SimConfig};
use crate::policy::{PolicyConfig, Queues};
use crate::rng;
use crate::task::program::{Programs, Step};
use crate::task::{ClassId, DeviceId, LockId};
use crate::time::{SimDuration, SimTime};

/// A policy of the scenario with its unique label.
#[derive(Clone, Debug, PartialEq)]
pub struct LabeledPolicy {
    /// The label used in every output.
    pub label: String,
    /// The policy and its parameters.
    pub config: PolicyConfig,
    /// One queue for all CPUs, or one per CPU.
    pub queues: Queues,
}

impl LabeledPolicy {
    /// A fresh scheduler for one run on `cpus` CPUs, seeded by the
    /// replication's `seed`.
    pub fn build(
        &self,
        cpus: u32,
        seed: u64,
    ) -> Result<crate::policy::Scheduler, crate::policy::ConfigError> {
        self.config.build(cpus, seed, self.queues)
    }
}

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Its name (the output folder's).
    pub name: String,
    /// What it shows.
    pub description: Option<String>,
    /// The file it came from.
    pub file: PathBuf,
    /// Base seed.
    pub seed: u64,
    /// Independent runs per policy.
    pub replications: u32,
    /// The policies to compare, in file order.
    pub policies: Vec<LabeledPolicy>,
    /// Everything but the seed of a run.
    pub base: SimConfig,
    /// Each class's program, in class order.
    pub programs: Vec<Vec<Step>>,
    /// Lock names, in order of first use.
    pub locks: Vec<String>,
    resolved: RawScenario,
    point_note: Option<String>,
}

/// The Linux kernel's `sched_prio_to_weight` table (kernel/sched/core.c), nice
/// -20 to 19, divided by the weight of nice 0 (1024).
pub const NICE_TO_WEIGHT: [u32; 40] = [
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87,
    70, 56, 45, 36, 29, 23, 18, 15,
];

/// The weight of a task with this nice value (nice 0 weighs 1).
pub fn nice_weight(nice: i32) -> f64 {
    f64::from(NICE_TO_WEIGHT[(nice.clamp(-20, 19) + 20) as usize]) / 1024.0
}

impl Scenario {
    /// Reads and validates the scenario at `path`, with `overrides` applied.
    /// A scenario with a `[sweep]` is a [`Study`]: load it with `Study::load`.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let source = Source::read(path)?;
        let scenario = source.parse(overrides)?;
        scenario.refuse_sweep(&source)?;
        Ok(scenario)
    }

    /// Validates a scenario given as text; `file` names it in errors and files
    /// it refers to are relative to the current directory.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let source = Source::text(text, file);
        let scenario = source.parse(&[])?;
        scenario.refuse_sweep(&source)?;
        Ok(scenario)
    }

    fn refuse_sweep(&self, source: &Source) -> Result<(), ScenarioError> {
        match &self.resolved.sweep {
            Some(sweep) => Err(ScenarioError::at(
                &source.file,
                &source.text,
                Some(sweep.span()),
                "this scenario has a [sweep]: it is a Study (corosim::scenario::Study), not a single scenario",
            )),
            None => Ok(()),
        }
    }

    /// The `[sweep]` table as written, if any.
    pub(crate) fn sweep_table(&self) -> Option<&Spanned<toml::Table>> {
        self.resolved.sweep.as_ref()
    }

    /// Multiplies the rate of every Poisson class by `factor`.
    pub(crate) fn scale_poisson_rates(&mut self, factor: f64) {
        for class in &mut self.base.classes {
            if let Some(Arrival::Poisson { rate }) = &mut class.arrival {
                *rate *= factor;
            }
        }
        for task in &mut self.resolved.task {
            if let Some(arrival) = &mut task.get_mut().arrival {
                if let Some(rate) = &mut arrival.get_mut().rate {
                    *rate.get_mut() *= factor;
                }
            }
        }
    }

    /// Drops the `[sweep]` table from the resolved scenario and notes which
    /// point this is, for a point's own `resolved_toml`.
    pub(crate) fn mark_point(&mut self, note: String) {
        self.resolved.sweep = None;
        self.point_note = Some(note);
    }

    /// The simulation of replication `replication` with base seed `seed`.
    pub fn sim_config(&self, replication: u32) -> SimConfig {
        SimConfig {
            seed: rng::replication_seed(self.seed, replication),
            ..self.base.clone()
        }
    }

    /// Every class's program, compiled.
    pub fn compile(&self) -> Programs {
        Programs::compile(&self.programs)
    }

    /// Replaces the base seed (`--seed`).
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        self.resolved.seed = Some(seed);
    }

    /// The scenario as it runs, every default filled in, as TOML.
    pub fn resolved_toml(&self) -> String {
        let body = toml::to_string(&self.resolved)
            .unwrap_or_else(|e| format!("# cannot print the scenario: {e}\n"));
        match &self.point_note {
            Some(note) => format!("# {note}\n{body}"),
            None => body,
        }
    }

    /// The offered load of each class with open arrivals: arrival rate x mean
    /// CPU demand (spawned tasks included) / cpus. Closed and explicit
    /// arrivals have no fixed rate and are left out.
    pub fn offered_load(&self) -> f64 {
        let (poisson, other) = self.offered_load_parts();
        poisson + other
    }

    /// The offered load of the Poisson classes, and of the others (periodic,
    /// explicit times), which a `load` sweep does not scale.
    pub fn offered_load_parts(&self) -> (f64, f64) {
        let programs = self.compile();
        let cpus = f64::from(self.base.cpus);
        let horizon = self.base.horizon.as_secs_f64();
        let horizon_d = SimDuration::from_nanos(self.base.horizon.as_nanos());
        let (mut poisson, mut other) = (0.0, 0.0);
        for (c, spec) in self.base.classes.iter().enumerate() {
            let demand = programs.mean_cpu_nanos(ClassId(c as u32), true) / 1e9 / cpus;
            match &spec.arrival {
                Some(Arrival::Poisson { rate }) => poisson += rate * demand,
                Some(Arrival::Periodic { period, .. }) => other += demand / period.as_secs_f64(),
                Some(Arrival::At { times }) if horizon > 0.0 => {
                    other +=
                        times.iter().filter(|t| **t < horizon_d).count() as f64 / horizon * demand
                }
                _ => {}
            }
        }
        (poisson, other)
    }

    /// Warnings worth a user's attention (the run still works).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for class in &self.base.classes {
            if let Some(Arrival::At { times }) = &class.arrival {
                let late = times
                    .iter()
                    .filter(|t| t.as_nanos() >= self.base.horizon.as_nanos())
                    .count();
                if late > 0 {
                    out.push(format!(
                        "class `{}`: {late} arrival time(s) at or after the horizon ({}) never happen",
                        class.name,
                        SimDuration::from_nanos(self.base.horizon.as_nanos())
                    ));
                }
            }
        }
        let load = self.offered_load();
        if load >= 1.0 {
            out.push(format!(
                "offered load is {load:.3} >= 1: queues grow without bound until the horizon, and the drain afterwards may be long"
            ));
        }
        out
    }
}

/// Whether running `steps` can take any time (some step has a duration that
/// is random or above zero).
fn takes_time(steps: &[Step], programs: &[Vec<Step>]) -> bool {
    let lasts = |d: &Dist| !matches!(d, Dist::Const(c) if c.is_zero());
    steps.iter().any(|step| match step {
        Step::Compute(d) | Step::Sleep(d) | Step::Block(d) | Step::Io { duration: d, .. } => {
            lasts(d)
        }
        Step::Call(class) => takes_time(&programs[class.0 as usize], programs),
        Step::Repeat { times, body } => *times > 0 && takes_time(body, programs),
        Step::Spawn { .. } | Step::Join | Step::Yield | Step::Lock(_) | Step::Unlock(_) => false,
    })
}

/// A scenario's text and where it came from.
pub(crate) struct Source {
    pub(crate) text: String,
    pub(crate) file: String,
    dir: PathBuf,
    path: PathBuf,
}

impl Source {
    pub(crate) fn read(path: &Path) -> Result<Source, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::general(&file, format!("cannot read the scenario: {e}")))?;
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Ok(Source {
            text,
            file,
            dir,
            path: path.to_path_buf(),
        })
    }

    /// Text that was read from `path` earlier (files it names are relative
    /// to `path`'s folder).
    pub(crate) fn at(text: &str, path: &Path) -> Source {
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Source {
            text: text.to_string(),
            file: path.display().to_string(),
            dir,
            path: path.to_path_buf(),
        }
    }

    pub(crate) fn text(text: &str, file: &str) -> Source {
        Source {
            text: text.to_string(),
            file: file.to_string(),
            dir: PathBuf::from("."),
            path: PathBuf::from(file),
        }
    }

    fn parse_text(&self, text: &str) -> Result<Scenario, ScenarioError> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| {
            ScenarioError::at(
                &self.file,
                text,
                e.span(),
                e.message().trim_end().to_string(),
            )
        })?;
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        Validator {
            file: &self.file,
            text,
            dir: &self.dir,
        }
        .validate(raw, stem)
    }

    /// Validates the text with `overrides` applied. An error the overrides
    /// caused is shown in the edited text and says so; an error of the file
    /// itself is shown at the file's own lines.
    pub(crate) fn parse(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        if overrides.is_empty() {
            return self.parse_text(&self.text);
        }
        let edited = overrides::apply(&self.text, overrides)
            .map_err(|e| ScenarioError::general(&self.file, e))?;
        match self.parse_text(&edited) {
            Ok(s) => Ok(s),
            Err(edited_error) => match self.parse_text(&self.text) {
                Err(original_error) => Err(original_error),
                Ok(_) => {
                    let sets: Vec<String> = overrides.iter().map(ToString::to_string).collect();
                    let name = format!("{} (as changed by {})", self.file, sets.join(" "));
                    Err(edited_error.renamed(
                        &name,
                        &edited,
                        &format!(" (after {})", sets.join(" ")),
                    ))
                }
            },
        }
    }
}

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    dir: &'a Path,
}

impl Validator<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at(self.file, self.text, Some(span), message)
    }

    fn validate(
        &self,
        mut raw: RawScenario,
        stem: Option<String>,
    ) -> Result<Scenario, ScenarioError> {
        let name = match &raw.name {
            Some(n) => {
                let bad = n.get_ref().is_empty()
                    || n.get_ref().contains(['/', '\\'])
                    || n.get_ref().starts_with('.');
                if bad {
                    return Err(self.err(n.span(), "the name becomes a folder name: it must be non-empty, without slashes, not starting with a dot"));
                }
                n.get_ref().clone()
            }
            None => stem.unwrap_or_else(|| "scenario".into()),
        };
        let horizon = *raw.horizon.get_ref();
        if horizon.is_zero() {
            return Err(self.err(raw.horizon.span(), "horizon must be greater than zero"));
        }
        let warmup = raw
            .warmup
            .as_ref()
            .map_or(SimDuration::ZERO, |w| *w.get_ref());
        if warmup >= horizon {
            let span = raw.warmup.as_ref().map_or(raw.horizon.span(), |w| w.span());
            return Err(self.err(
                span,
                format!("warmup ({warmup}) must be shorter than the horizon ({horizon})"),
            ));
        }
        if let Some(max) = &raw.max_time {
            if max.get_ref().is_zero() {
                return Err(self.err(max.span(), "max_time must be greater than zero"));
            }
        }
        let replications = raw.replications.as_ref().map_or(1, |r| *r.get_ref());
        if replications == 0 {
            let span = raw
                .replications
                .as_ref()
                .expect("zero came from the file")
                .span();
            return Err(self.err(span, "replications must be at least 1"));
        }
        let cpus = raw.machine.cpus.as_ref().map_or(1, |c| *c.get_ref());
        if cpus == 0 {
            let span = raw
                .machine
                .cpus
                .as_ref()
                .expect("zero came from the file")
                .span();
            return Err(self.err(span, "machine.cpus must be at least 1"));
        }

        let mut devices = Vec::new();
        for d in &raw.device {
            if devices
                .iter()
                .any(|x: &DeviceSpec| &x.name == d.name.get_ref())
            {
                return Err(self.err(
                    d.name.span(),
                    format!("a second device named `{}`", d.name.get_ref()),
                ));
            }
            if let Some(c) = &d.capacity {
                if *c.get_ref() == 0 {
                    return Err(self.err(
                        c.span(),
                        "capacity must be at least 1 (leave it out for unlimited)",
                    ));
                }
            }
            devices.push(DeviceSpec {
                name: d.name.get_ref().clone(),
                capacity: d.capacity.as_ref().map(|c| *c.get_ref()),
            });
        }

        let policies = self.policies(&mut raw)?;
        let class_names: Vec<String> = raw
            .task
            .iter()
            .map(|t| t.get_ref().name.get_ref().clone())
            .collect();
        if raw.task.is_empty() {
            return Err(ScenarioError::general(
                self.file,
                "a scenario needs at least one [[task]] class",
            ));
        }
        let mut classes = Vec::new();
        for (i, t) in raw.task.iter().enumerate() {
            let task = t.get_ref();
            let tname = task.name.get_ref();
            if tname.is_empty() || tname.contains('#') {
                return Err(self.err(
                    task.name.span(),
                    "a class name must be non-empty and without `#` (task ids are class#n)",
                ));
            }
            if class_names[..i].contains(tname) {
                return Err(self.err(
                    task.name.span(),
                    format!("a second [[task]] named `{tname}`"),
                ));
            }
            classes.push(self.class(task)?);
        }
        if classes.iter().all(|c| c.arrival.is_none()) {
            return Err(ScenarioError::general(
                self.file,
                "no [[task]] class has an `arrival`, so nothing would ever run",
            ));
        }
        let mut locks: Vec<String> = Vec::new();
        let mut programs = Vec::new();
        for t in &raw.task {
            let program = &t.get_ref().program;
            if program.get_ref().is_empty() {
                return Err(self.err(program.span(), "a program needs at least one step"));
            }
            programs.push(self.steps(program.get_ref(), &class_names, &devices, &mut locks)?);
        }
        self.check_call_and_spawn_cycles(&raw, &class_names)?;
        for ((t, class), program) in raw.task.iter().zip(&classes).zip(&programs) {
            if let (
                Some(arrival),
                Some(Arrival::Closed {
                    think: Dist::Const(think),
                    ..
                }),
            ) = (&t.get_ref().arrival, &class.arrival)
            {
                if think.is_zero() && !takes_time(program, &programs) {
                    return Err(self.err(arrival.span(), "closed clients with no think time and a program that takes no time would submit tasks forever without the clock moving; give `think` or the program some duration"));
                }
            }
        }
        for t in &raw.task {
            self.check_locks(t.get_ref(), &raw)?;
        }

        // Fill in the defaults, so the resolved scenario says what runs.
        raw.name = Some(Spanned::new(0..0, name.clone()));
        raw.seed = Some(raw.seed.unwrap_or(0));
        raw.warmup = Some(Spanned::new(0..0, warmup));
        raw.replications = Some(Spanned::new(0..0, replications));
        raw.machine.cpus = Some(Spanned::new(0..0, cpus));
        raw.machine.context_switch = Some(raw.machine.context_switch.unwrap_or(SimDuration::ZERO));
        Ok(Scenario {
            name,
            description: raw.description.clone(),
            file: PathBuf::from(self.file),
            seed: raw.seed.unwrap_or(0),
            replications,
            policies,
            base: SimConfig {
                cpus,
                context_switch: raw.machine.context_switch.unwrap_or(SimDuration::ZERO),
                horizon: SimTime(horizon.as_nanos()),
                warmup: SimTime(warmup.as_nanos()),
                max_time: raw
                    .max_time
                    .as_ref()
                    .map(|m| SimTime(m.get_ref().as_nanos())),
                seed: 0,
                classes,
                devices,
                locks: locks.len() as u32,
            },
            programs,
            locks,
            resolved: raw,
            point_note: None,
        })
    }

    fn class(&self, task: &RawTask) -> Result<ClassSpec, ScenarioError> {
        let mut spec = ClassSpec::new(task.name.get_ref().clone(), None);
        if let Some(a) = &task.arrival {
            let (arrival, count) = self.arrival(a.get_ref(), a.span())?;
            spec.arrival = Some(arrival);
            spec.count = count;
        }
        spec.priority = task.priority.unwrap_or(0);
        match (&task.weight, &task.nice) {
            (Some(w), Some(_)) => {
                return Err(self.err(w.span(), "give a class `weight` or `nice`, not both"));
            }
            (Some(w), None) => {
                if !(w.get_ref().is_finite() && *w.get_ref() > 0.0) {
                    return Err(self.err(w.span(), "weight must be a number greater than zero"));
                }
                spec.weight = *w.get_ref();
            }
            (None, Some(n)) => {
                if !(-20..=19).contains(n.get_ref()) {
                    return Err(self.err(n.span(), "nice must be between -20 and 19, as in Linux"));
                }
                spec.weight = nice_weight(*n.get_ref());
            }
            (None, None) => {}
        }
        if let Some(t) = &task.tickets {
            if *t.get_ref() == 0 {
                return Err(self.err(t.span(), "tickets must be at least 1"));
            }
            spec.tickets = *t.get_ref();
        }
        if let Some(d) = &task.deadline {
            if d.get_ref().is_zero() {
                return Err(self.err(d.span(), "deadline must be greater than zero"));
            }
            spec.deadline = Some(*d.get_ref());
        } else if let Some(Arrival::Periodic { period, .. }) = spec.arrival {
            spec.deadline = Some(period);
        }
        Ok(spec)
    }

    fn arrival(
        &self,
        a: &RawArrival,
        span: Range<usize>,
    ) -> Result<(Arrival, Option<u64>), ScenarioError> {
        let process = a.process.get_ref().as_str();
        let fields: [(&str, Option<Range<usize>>); 7] = [
            ("rate", a.rate.as_ref().map(|x| x.span())),
            ("period", a.period.as_ref().map(|x| x.span())),
            ("offset", a.offset.as_ref().map(|x| x.span())),
            ("times", a.times.as_ref().map(|x| x.span())),
            ("clients", a.clients.as_ref().map(|x| x.span())),
            ("think", a.think.as_ref().map(|x| x.span())),
            ("file", a.file.as_ref().map(|x| x.span())),
        ];
        let takes: &[&str] = match process {
            "poisson" => &["rate"],
            "periodic" => &["period", "offset"],
            "at" => &["times"],
            "closed" => &["clients", "think"],
            "trace" => &["file"],
            other => {
                return Err(self.err(
                    a.process.span(),
                    format!("unknown arrival process `{other}`; expected one of: poisson, periodic, at, closed, trace"),
                ));
            }
        };
        for (name, field_span) in &fields {
            if let Some(s) = field_span {
                if !takes.contains(name) {
                    return Err(self.err(
                        s.clone(),
                        format!(
                            "`{name}` is not a field of a {process} arrival (it takes: {}, count)",
                            takes.join(", ")
                        ),
                    ));
                }
            }
        }
        let missing = |field: &str, example: &str| {
            self.err(
                span.clone(),
                format!("a {process} arrival needs `{field}`, like {example}"),
            )
        };
        let arrival = match process {
            "poisson" => {
                let rate = a
                    .rate
                    .as_ref()
                    .ok_or_else(|| missing("rate", "rate = 100.0 (per second)"))?;
                if !(rate.get_ref().is_finite() && *rate.get_ref() > 0.0) {
                    return Err(self.err(
                        rate.span(),
                        "rate must be a number of arrivals per second, greater than zero",
                    ));
                }
                Arrival::Poisson {
                    rate: *rate.get_ref(),
                }
            }
            "periodic" => {
                let period = a
                    .period
                    .as_ref()
                    .ok_or_else(|| missing("period", "period = \"10ms\""))?;
                if period.get_ref().is_zero() {
                    return Err(self.err(period.span(), "period must be greater than zero"));
                }
                Arrival::Periodic {
                    period: *period.get_ref(),
                    offset: a
                        .offset
                        .as_ref()
                        .map_or(SimDuration::ZERO, |o| *o.get_ref()),
                }
            }
            "at" => {
                let times = a
                    .times
                    .as_ref()
                    .ok_or_else(|| missing("times", "times = [\"0s\", \"1s\"]"))?;
                let mut times = times.get_ref().clone();
                times.sort();
                Arrival::At { times }
            }
            "closed" => {
                let clients = a
                    .clients
                    .as_ref()
                    .ok_or_else(|| missing("clients", "clients = 10"))?;
                if *clients.get_ref() == 0 {
                    return Err(self.err(clients.span(), "clients must be at least 1"));
                }
                let think = a
                    .think
                    .as_ref()
                    .ok_or_else(|| missing("think", "think = { exp = \"100ms\" }"))?;
                think
                    .get_ref()
                    .validate()
                    .map_err(|e| self.err(think.span(), e))?;
                Arrival::Closed {
                    clients: *clients.get_ref(),
                    think: think.get_ref().clone(),
                }
            }
            "trace" => {
                let file = a
                    .file
                    .as_ref()
                    .ok_or_else(|| missing("file", "file = \"arrivals.csv\""))?;
                Arrival::At {
                    times: self.trace(file)?,
                }
            }
            _ => unreachable!("checked above"),
        };
        if let Some(count) = &a.count {
            if *count.get_ref() == 0 {
                return Err(self.err(
                    count.span(),
                    "count must be at least 1 (remove the class's arrival to have none)",
                ));
            }
        }
        Ok((arrival, a.count.as_ref().map(|c| *c.get_ref())))
    }

    /// Reads a trace of arrival times: one per line, a duration with a unit or
    /// a number of seconds, in the first comma-separated column; a header line,
    /// blank lines and `#` comments are skipped.
    fn trace(&self, file: &Spanned<String>) -> Result<Vec<SimDuration>, ScenarioError> {
        let path = self.dir.join(file.get_ref());
        let text = std::fs::read_to_string(&path).map_err(|e| {
            self.err(
                file.span(),
                format!("cannot read the trace {}: {e}", path.display()),
            )
        })?;
        let shown = path.display().to_string();
        let mut times = Vec::new();
        let mut offset = 0;
        for (n, line) in text.lines().enumerate() {
            let start = offset;
            offset += line.len() + 1;
            let field = line.split(',').next().unwrap_or("").trim();
            if field.is_empty() || field.starts_with('#') {
                continue;
            }
            let parsed = field.parse::<SimDuration>().ok().or_else(|| {
                field
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(|s| SimDuration::from_nanos_f64(s * 1e9))
            });
            match parsed {
                Some(t) => times.push(t),
                None if n == 0 => {} // a header
                None => {
                    return Err(ScenarioError::at(
                        &shown,
                        &text,
                        Some(start..start + line.len()),
                        format!(
                            "expected an arrival time (like \"1.5ms\" or 0.0015 seconds), found {field:?}"
                        ),
                    ));
                }
            }
        }
        times.sort();
        Ok(times)
    }

    fn steps(
        &self,
        steps: &[Spanned<RawStep>],
        classes: &[String],
        devices: &[DeviceSpec],
        locks: &mut Vec<String>,
    ) -> Result<Vec<Step>, ScenarioError> {
        let class_id = |name: &str, span: Range<usize>| {
            classes
                .iter()
                .position(|c| c == name)
                .map(|i| ClassId(i as u32))
                .ok_or_else(|| {
                    self.err(
                        span,
                        format!(
                            "no [[task]] class named `{name}` (classes: {})",
                            classes.join(", ")
                        ),
                    )
                })
        };
        fn lock_id(locks: &mut Vec<String>, name: &str) -> LockId {
            let i = locks.iter().position(|l| l == name).unwrap_or_else(|| {
                locks.push(name.to_string());
                locks.len() - 1
            });
            LockId(i as u32)
        }
        let dist = |d: &crate::dist::Dist, span: Range<usize>| {
            d.validate()
                .map(|()| d.clone())
                .map_err(|e| self.err(span, e))
        };
        let mut out = Vec::new();
        for s in steps {
            let span = s.span();
            let step = match s.get_ref() {
                RawStep::Compute(d) => Step::Compute(dist(d, span)?),
                RawStep::Sleep(d) => Step::Sleep(dist(d, span)?),
                RawStep::Block(d) => Step::Block(dist(d, span)?),
                RawStep::Io { duration, device } => {
                    let device = match device {
                        None => None,
                        Some(name) => Some(DeviceId(devices.iter().position(|d| &d.name == name).ok_or_else(|| {
                            let known: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
                            self.err(span.clone(), format!(
                                "no [[device]] named `{name}` (declare it: [[device]] name = \"{name}\"; devices: {})",
                                if known.is_empty() { "none".to_string() } else { known.join(", ") }
                            ))
                        })? as u32)),
                    };
                    Step::Io {
                        duration: dist(duration, span)?,
                        device,
                    }
                }
                RawStep::Yield => Step::Yield,
                RawStep::Join => Step::Join,
                RawStep::Spawn { class, count } => {
                    if *count == 0 {
                        return Err(self.err(span, "spawn count must be at least 1"));
                    }
                    Step::Spawn {
                        class: class_id(class, span)?,
                        count: *count,
                    }
                }
                RawStep::Call(class) => Step::Call(class_id(class, span)?),
                RawStep::Lock(name) => Step::Lock(lock_id(locks, name)),
                RawStep::Unlock(name) => Step::Unlock(lock_id(locks, name)),
                RawStep::Repeat { times, body } => {
                    if body.is_empty() {
                        return Err(self.err(span, "a repeat body needs at least one step"));
                    }
                    Step::Repeat {
                        times: *times,
                        body: self.steps(body, classes, devices, locks)?,
                    }
                }
            };
            out.push(step);
        }
        Ok(out)
    }

    /// Refuses recursion through `call` (a program would be infinite) and
    /// cycles of `spawn` (every task would spawn another, forever).
    fn check_call_and_spawn_cycles(
        &self,
        raw: &RawScenario,
        names: &[String],
    ) -> Result<(), ScenarioError> {
        // Edges class -> (class, span of the step, is_call), in file order.
        let mut edges: Vec<Vec<(usize, Range<usize>, bool)>> = vec![Vec::new(); names.len()];
        fn collect(
            steps: &[Spanned<RawStep>],
            names: &[String],
            out: &mut Vec<(usize, Range<usize>, bool)>,
        ) {
            for s in steps {
                match s.get_ref() {
                    RawStep::Call(c) | RawStep::Spawn { class: c, .. } => {
                        if let Some(i) = names.iter().position(|n| n == c) {
                            out.push((i, s.span(), matches!(s.get_ref(), RawStep::Call(_))));
                        }
                    }
                    RawStep::Repeat { body, .. } => collect(body, names, out),
                    _ => {}
                }
            }
        }
        for (i, t) in raw.task.iter().enumerate() {
            collect(t.get_ref().program.get_ref(), names, &mut edges[i]);
        }
        // Depth-first search for a cycle; report the step that closes it.
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        /// A cycle found: the step closing it, whether every edge of it is a
        /// `call`, and the classes along it.
        type Cycle = (Range<usize>, bool, Vec<usize>);
        fn visit(
            v: usize,
            edges: &[Vec<(usize, Range<usize>, bool)>],
            marks: &mut [Mark],
            path: &mut Vec<(usize, bool)>,
        ) -> Option<Cycle> {
            marks[v] = Mark::Open;
            for (w, span, is_call) in &edges[v] {
                path.push((v, *is_call));
                match marks[*w] {
                    Mark::Open => {
                        let start = path.iter().position(|(x, _)| x == w).unwrap_or(0);
                        let all_calls = path[start..].iter().all(|(_, call)| *call);
                        let mut cycle: Vec<usize> = path[start..].iter().map(|(x, _)| *x).collect();
                        cycle.push(*w);
                        return Some((span.clone(), all_calls, cycle));
                    }
                    Mark::New => {
                        if let Some(found) = visit(*w, edges, marks, path) {
                            return Some(found);
                        }
                    }
                    Mark::Done => {}
                }
                path.pop();
            }
            marks[v] = Mark::Done;
            None
        }
        let mut marks = vec![Mark::New; names.len()];
        for v in 0..names.len() {
            if marks[v] == Mark::New {
                if let Some((span, all_calls, cycle)) =
                    visit(v, &edges, &mut marks, &mut Vec::new())
                {
                    let chain: Vec<&str> = cycle.iter().map(|&i| names[i].as_str()).collect();
                    let what = if all_calls {
                        "recursion through `call` would make an infinite program"
                    } else {
                        "a cycle of `spawn`/`call` would create tasks forever"
                    };
                    return Err(self.err(span, format!("{what}: {}", chain.join(" -> "))));
                }
            }
        }
        Ok(())
    }

    /// Every `lock` is released by an `unlock` later in the same program, a
    /// task never takes a lock it holds (the mutex is not reentrant) nor
    /// releases one it does not hold, and a repeat body leaves the held set as
    /// it found it.
    fn check_locks(&self, task: &RawTask, raw: &RawScenario) -> Result<(), ScenarioError> {
        let mut held: BTreeMap<String, Range<usize>> = BTreeMap::new();
        self.walk_locks(task.program.get_ref(), raw, &mut held, None)?;
        if let Some((name, span)) = held.into_iter().next() {
            return Err(self.err(
                span,
                format!(
                    "lock `{name}` is never unlocked in class `{}`",
                    task.name.get_ref()
                ),
            ));
        }
        Ok(())
    }

    fn walk_locks(
        &self,
        steps: &[Spanned<RawStep>],
        raw: &RawScenario,
        held: &mut BTreeMap<String, Range<usize>>,
        call_site: Option<&Range<usize>>,
    ) -> Result<(), ScenarioError> {
        for s in steps {
            // Problems inside a called program are reported at the call.
            let span = call_site.cloned().unwrap_or_else(|| s.span());
            match s.get_ref() {
                RawStep::Lock(name) => {
                    let already_held = held.insert(name.clone(), span.clone()).is_some();
                    if already_held {
                        return Err(self.err(
                            span,
                            format!(
                                "lock `{name}` is already held here; a FIFO mutex is not reentrant"
                            ),
                        ));
                    }
                }
                RawStep::Unlock(name) => {
                    let was_held = held.remove(name).is_some();
                    if !was_held {
                        return Err(self.err(
                            span,
                            format!("unlock `{name}` without a matching lock before it"),
                        ));
                    }
                }
                RawStep::Call(class) => {
                    if let Some(t) = raw
                        .task
                        .iter()
                        .find(|t| t.get_ref().name.get_ref() == class)
                    {
                        self.walk_locks(t.get_ref().program.get_ref(), raw, held, Some(&span))?;
                    }
                }
                RawStep::Repeat { body, .. } => {
                    let before: Vec<String> = held.keys().cloned().collect();
                    self.walk_locks(body, raw, held, call_site)?;
                    let after: Vec<String> = held.keys().cloned().collect();
                    if before != after {
                        return Err(self.err(span, "a repeat body must unlock every lock it takes (and take back any it unlocks)"));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
