//! Validating a parsed scenario into a [`Scenario`]: the top-level keys, the
//! machine, devices and classes, each error placed at its line and column.
//! Policies, arrival processes and programs have files of their own.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IntoDeserializer;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::schema::{Bound, RawLimits, RawScenario, RawTask};
use super::{Scenario, ScenarioError, nice_weight};
use crate::dist::Dist;
use crate::model::{Arrival, Bytes, ClassSpec, DeviceSpec, Limits, SimConfig};
use crate::task::program::Step;
use crate::time::{SimDuration, SimTime};

/// The validated top-level values.
struct Header {
    name: String,
    warmup: SimDuration,
    horizon: SimDuration,
    replications: u32,
    cpus: u32,
}

pub(super) struct Validator<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
    pub(super) dir: &'a Path,
    /// The same text read keeping every key's and value's span, for tables
    /// whose kind decides which struct reads them (policies, arrivals).
    pub(super) doc: &'a Spanned<DeTable<'a>>,
}

impl<'a> Validator<'a> {
    /// A value of the table as a `T`, or its error where it stands.
    pub(super) fn read<T: for<'de> Deserialize<'de>>(
        &self,
        value: &Spanned<DeValue>,
    ) -> Result<T, ScenarioError> {
        T::deserialize(value.clone().into_deserializer())
            .map_err(|e| self.toml_err(&e, value.span()))
    }

    /// A serde error from a span-keeping read, at its own place (or at
    /// `fallback`), with a "did you mean" where serde listed the names.
    pub(super) fn toml_err(&self, e: &toml::de::Error, fallback: Range<usize>) -> ScenarioError {
        self.err(
            e.span().unwrap_or(fallback),
            super::suggest::suggest_in_serde_message(e.message().trim_end()),
        )
    }

    /// `entries` without the keys in `meta`, as a table spanning `span`: the
    /// fields a kind's own serde struct reads (policies, arrivals).
    pub(super) fn without(
        entries: &DeTable<'a>,
        meta: &[&str],
        span: Range<usize>,
    ) -> Spanned<DeValue<'a>> {
        let mut own = DeTable::new();
        for (key, value) in entries.iter() {
            if !meta.contains(&key.get_ref().as_ref()) {
                own.insert(key.clone(), value.clone());
            }
        }
        Spanned::new(span, DeValue::Table(own))
    }

    /// The span-keeping view of `table[index].key` (`index` into an array of
    /// tables), or of `table.key` without an index.
    pub(super) fn de_value(
        &self,
        table: &[&str],
        index: Option<usize>,
        key: &str,
    ) -> Option<&Spanned<DeValue<'a>>> {
        let mut at: &DeTable<'a> = self.doc.get_ref();
        for name in table {
            let value = at.get(*name)?.get_ref();
            at = match (value, index) {
                (DeValue::Array(items), Some(i)) => items.get(i)?.get_ref().as_table()?,
                (DeValue::Table(t), _) => t,
                _ => return None,
            };
        }
        at.get(key)
    }

    pub(super) fn err(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at(self.file, self.text, Some(span), message)
    }

    pub(super) fn validate(
        &self,
        mut raw: RawScenario,
        stem: Option<String>,
    ) -> Result<Scenario, ScenarioError> {
        let Header {
            name,
            warmup,
            horizon,
            replications,
            cpus,
        } = self.header(&raw, stem)?;
        let limits = self.limits(&raw)?;
        let devices = self.devices(&raw)?;
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
        let classes = self.classes(&mut raw, &class_names)?;
        let (programs, locks) = self.programs(&raw, &class_names, &devices, &classes)?;

        // Fill in the defaults, so the resolved scenario says what runs.
        raw.name = Some(Spanned::new(0..0, name.clone()));
        raw.seed = Some(raw.seed.unwrap_or(0));
        raw.warmup = Some(Spanned::new(0..0, warmup));
        raw.replications = Some(Spanned::new(0..0, replications));
        raw.machine.cpus = Some(Spanned::new(0..0, cpus));
        raw.machine.context_switch = Some(raw.machine.context_switch.unwrap_or(SimDuration::ZERO));
        raw.max_time = None;
        raw.limits = Some(resolved_limits(&limits));
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
                limits,
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

    /// The top-level values: the name (the output folder's), horizon, warmup,
    /// replications and CPUs.
    fn header(&self, raw: &RawScenario, stem: Option<String>) -> Result<Header, ScenarioError> {
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

        Ok(Header {
            name,
            warmup,
            horizon,
            replications,
            cpus,
        })
    }

    /// The `[limits]` table, defaults where a key is left out. `max_time` may
    /// also stand at the top level, where it was first written, but not in
    /// both places.
    fn limits(&self, raw: &RawScenario) -> Result<Limits, ScenarioError> {
        let table = raw.limits.clone().unwrap_or_default();
        let mut limits = Limits::DEFAULT;
        let count =
            |value: &Option<Spanned<Bound<i64>>>, key: &str, default: Option<u64>| match value {
                None => Ok(default),
                Some(v) => match *v.get_ref() {
                    Bound::Unlimited => Ok(None),
                    Bound::At(n) if n >= 1 => Ok(Some(n as u64)),
                    Bound::At(n) => Err(self.err(
                        v.span(),
                        format!("{key} must be at least 1, or \"none\" for no limit; found {n}"),
                    )),
                },
            };
        limits.max_events = count(&table.max_events, "max_events", limits.max_events)?;
        limits.max_live_tasks = count(
            &table.max_live_tasks,
            "max_live_tasks",
            limits.max_live_tasks,
        )?;
        limits.max_tasks = count(&table.max_tasks, "max_tasks", limits.max_tasks)?;
        let max_time = match (&raw.max_time, &table.max_time) {
            (Some(top), Some(_)) => {
                return Err(self.err(
                    top.span(),
                    "max_time is given twice, here and in [limits]; keep the one in [limits]",
                ));
            }
            (Some(top), None) => Some(Spanned::new(top.span(), Bound::At(*top.get_ref()))),
            (None, in_table) => in_table.clone(),
        };
        if let Some(m) = &max_time {
            limits.max_time = match *m.get_ref() {
                Bound::Unlimited => None,
                Bound::At(d) if d.is_zero() => {
                    return Err(self.err(m.span(), "max_time must be greater than zero"));
                }
                Bound::At(d) => Some(SimTime(d.as_nanos())),
            };
        }
        if let Some(m) = &table.max_memory {
            limits.max_memory = match *m.get_ref() {
                Bound::Unlimited => None,
                Bound::At(Bytes(0)) => {
                    return Err(self.err(
                        m.span(),
                        "max_memory must be greater than zero, or \"none\" for no limit",
                    ));
                }
                Bound::At(b) => Some(b),
            };
        }
        limits.deadlock = table.deadlock.unwrap_or_default();
        Ok(limits)
    }

    /// The `[[device]]` tables: unique names, a capacity of at least 1.
    fn devices(&self, raw: &RawScenario) -> Result<Vec<DeviceSpec>, ScenarioError> {
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
            if let Some(c) = &d.capacity
                && *c.get_ref() == 0
            {
                return Err(self.err(
                    c.span(),
                    "capacity must be at least 1 (leave it out for unlimited)",
                ));
            }
            devices.push(DeviceSpec {
                name: d.name.get_ref().clone(),
                capacity: d.capacity.as_ref().map(|c| *c.get_ref()),
            });
        }

        Ok(devices)
    }

    /// The `[[task]]` classes' names and attributes (programs aside).
    fn classes(
        &self,
        raw: &mut RawScenario,
        class_names: &[String],
    ) -> Result<Vec<ClassSpec>, ScenarioError> {
        let mut classes = Vec::new();
        for (i, t) in raw.task.iter_mut().enumerate() {
            let task = t.get_mut();
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
            classes.push(self.class(i, task)?);
        }
        if classes.iter().all(|c| c.arrival.is_none()) {
            return Err(ScenarioError::general(
                self.file,
                "no [[task]] class has an `arrival`, so nothing would ever run",
            ));
        }
        Ok(classes)
    }

    /// Every class's program, compiled, with the locks they name (in order
    /// of first use); refuses programs that could never end or never let the
    /// clock move.
    fn programs(
        &self,
        raw: &RawScenario,
        class_names: &[String],
        devices: &[DeviceSpec],
        classes: &[ClassSpec],
    ) -> Result<(Vec<Vec<Step>>, Vec<String>), ScenarioError> {
        let mut locks: Vec<String> = Vec::new();
        let mut programs = Vec::new();
        for t in &raw.task {
            let program = &t.get_ref().program;
            if program.get_ref().is_empty() {
                return Err(self.err(program.span(), "a program needs at least one step"));
            }
            programs.push(self.steps(program.get_ref(), class_names, devices, &mut locks)?);
        }
        self.check_call_and_spawn_cycles(raw, class_names)?;
        for ((t, class), program) in raw.task.iter().zip(classes).zip(&programs) {
            if let (
                Some(arrival),
                Some(Arrival::Closed {
                    think: Dist::Const(think),
                    ..
                }),
            ) = (&t.get_ref().arrival, &class.arrival)
                && think.is_zero()
                && !takes_time(program, &programs)
            {
                return Err(self.err(arrival.span(), "closed clients with no think time and a program that takes no time would submit tasks forever without the clock moving; give `think` or the program some duration"));
            }
        }
        for t in &raw.task {
            self.check_locks(t.get_ref(), raw)?;
        }

        Ok((programs, locks))
    }

    fn class(&self, index: usize, task: &mut RawTask) -> Result<ClassSpec, ScenarioError> {
        let mut spec = ClassSpec::new(task.name.get_ref().clone(), None);
        if let Some(a) = &mut task.arrival {
            let (arrival, count) = self.arrival(index, a.get_mut())?;
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
}

/// The `[limits]` table of the resolved scenario: every limit written out.
fn resolved_limits(limits: &Limits) -> RawLimits {
    fn at<T>(bound: Bound<T>) -> Option<Spanned<Bound<T>>> {
        Some(Spanned::new(0..0, bound))
    }
    let count = |n: Option<u64>| {
        at(n.map_or(Bound::Unlimited, |n| {
            Bound::At(i64::try_from(n).unwrap_or(i64::MAX))
        }))
    };
    RawLimits {
        max_events: count(limits.max_events),
        max_live_tasks: count(limits.max_live_tasks),
        max_tasks: count(limits.max_tasks),
        max_time: at(limits.max_time.map_or(Bound::Unlimited, |t| {
            Bound::At(SimDuration::from_nanos(t.as_nanos()))
        })),
        max_memory: at(limits.max_memory.map_or(Bound::Unlimited, Bound::At)),
        deadlock: Some(limits.deadlock),
    }
}

/// Whether running `steps` can take any time (some step has a duration that
/// is random or above zero).
pub(super) fn takes_time(steps: &[Step], programs: &[Vec<Step>]) -> bool {
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
