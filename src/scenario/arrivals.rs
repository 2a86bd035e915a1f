//! A class's arrival process as a scenario writes it: one file per process
//! under `arrivals/`, each with its fields as a serde struct, its checks, and
//! the [`Arrival`] it resolves to; one `arrival_list!` line adds a process.
//! This file only places errors and handles `count`, which every process takes.

mod at;
mod closed;
mod periodic;
mod poisson;
mod trace;

use std::ops::Range;

use serde::Serialize;
use serde::de::{DeserializeOwned, IntoDeserializer};
use toml::Spanned;
use toml::de::DeValue;

use super::suggest::did_you_mean;
use super::{ScenarioError, Validator};
use crate::model::Arrival;

/// A field an arrival process takes.
#[derive(Clone, Copy, Debug)]
pub(super) struct FieldInfo {
    /// Its key in the `arrival` table.
    pub(super) name: &'static str,
    /// Whether the table must give it; `example` shows how.
    pub(super) required: bool,
    /// A line to give in the error when it is missing: `rate = 100.0 (per second)`.
    pub(super) example: &'static str,
}

/// One arrival process as a scenario selects it.
pub(super) trait ArrivalKind: Serialize + DeserializeOwned + schemars::JsonSchema {
    /// The `process` string.
    const PROCESS: &'static str;
    /// Its fields, in the order the resolved scenario lists them.
    const FIELDS: &'static [FieldInfo];

    /// Checks the values and resolves them into what the engine runs;
    /// `at` places an error at one of the table's fields.
    fn resolve(
        &self,
        v: &Validator,
        at: &dyn Fn(&str) -> Range<usize>,
    ) -> Result<Arrival, ScenarioError>;
}

/// The list of arrival processes: one line each.
macro_rules! arrival_list {
    ($($module:ident::$ty:ident),+ $(,)?) => {
        /// Every process: its name and fields, in the order errors list them.
        const PROCESSES: &[(&str, &[FieldInfo])] =
            &[$((<$module::$ty as ArrivalKind>::PROCESS, <$module::$ty as ArrivalKind>::FIELDS)),+];

        /// Each process's name and the JSON Schema of its own fields (the
        /// struct's, inline), in list order.
        pub(super) fn schemas(
            g: &mut schemars::SchemaGenerator,
        ) -> Vec<(&'static str, schemars::Schema)> {
            vec![$((
                <$module::$ty as ArrivalKind>::PROCESS,
                <$module::$ty as schemars::JsonSchema>::json_schema(g),
            )),+]
        }

        /// Reads, checks and resolves a `process` table's fields; `None`: no
        /// such process. Also the fields as the resolved scenario prints them.
        fn read(
            process: &str,
            fields: Spanned<DeValue>,
            v: &Validator,
            at: &dyn Fn(&str) -> Range<usize>,
        ) -> Option<Result<(Arrival, toml::Table), ScenarioError>> {
            $(if process == <$module::$ty as ArrivalKind>::PROCESS {
                return Some(read_as::<$module::$ty>(fields, v, at));
            })+
            None
        }
    };
}

arrival_list! {
    poisson::Poisson,
    periodic::Periodic,
    at::At,
    closed::Closed,
    trace::Trace,
}

fn read_as<K: ArrivalKind>(
    fields: Spanned<DeValue>,
    v: &Validator,
    at: &dyn Fn(&str) -> Range<usize>,
) -> Result<(Arrival, toml::Table), ScenarioError> {
    let span = fields.span();
    let kind = K::deserialize(fields.into_deserializer()).map_err(|e| v.toml_err(&e, span))?;
    let arrival = kind.resolve(v, at)?;
    Ok((arrival, toml::Table::try_from(&kind).unwrap_or_default()))
}

/// The keys that are not a process's own fields.
const META: [&str; 2] = ["process", "count"];

impl Validator<'_> {
    /// The arrival process of the `[[task]]` at `index`, with its `count`; the
    /// table of `raw` is rewritten in canonical form for the resolved scenario.
    pub(super) fn arrival(
        &self,
        index: usize,
        raw: &mut toml::Table,
    ) -> Result<(Arrival, Option<u64>), ScenarioError> {
        let Some(table) = self.de_value(&["task"], Some(index), "arrival") else {
            return Err(ScenarioError::general(
                self.file,
                "internal: an arrival table the span-keeping read does not see",
            ));
        };
        let span = table.span();
        let Some(entries) = table.get_ref().as_table() else {
            return Err(self.err(
                span,
                "an arrival must be a table, like { process = \"poisson\", rate = 100.0 }",
            ));
        };
        let Some(process_value) = entries.get("process") else {
            return Err(self.err(span, "missing field `process`"));
        };
        let process: String = self.read(process_value)?;
        let Some((_, fields)) = PROCESSES.iter().find(|(p, _)| *p == process) else {
            let names: Vec<&str> = PROCESSES.iter().map(|(p, _)| *p).collect();
            return Err(self.err(
                process_value.span(),
                format!(
                    "unknown arrival process `{process}`; expected one of: {}{}",
                    names.join(", "),
                    did_you_mean(&process, names.iter().copied())
                ),
            ));
        };
        let at = |name: &str| entries.get(name).map_or(span.clone(), Spanned::span);
        for (key, value) in entries.iter() {
            let name = key.get_ref().as_ref();
            if META.contains(&name) || fields.iter().any(|f| f.name == name) {
                continue;
            }
            if !all_fields().contains(&name) {
                let all: Vec<String> = all_fields().iter().map(|k| format!("`{k}`")).collect();
                return Err(self.err(
                    key.span(),
                    format!(
                        "unknown field `{name}`, expected one of {}{}",
                        all.join(", "),
                        did_you_mean(name, all_fields())
                    ),
                ));
            }
            let takes: Vec<&str> = fields.iter().map(|f| f.name).collect();
            return Err(self.err(
                value.span(),
                format!(
                    "`{name}` is not a field of a {process} arrival (it takes: {}, count)",
                    takes.join(", ")
                ),
            ));
        }
        if let Some(missing) = fields
            .iter()
            .find(|f| f.required && entries.get(f.name).is_none())
        {
            return Err(self.err(
                span.clone(),
                format!(
                    "a {process} arrival needs `{}`, like {}",
                    missing.name, missing.example
                ),
            ));
        }
        let own = Validator::without(entries, &META, span.clone());
        let (arrival, canonical) = read(&process, own, self, &at)
            .unwrap_or_else(|| Err(self.err(process_value.span(), "unknown arrival process")))?;
        let count = match entries.get("count") {
            None => None,
            Some(c) => {
                let n: u64 = self.read(c)?;
                if n == 0 {
                    return Err(self.err(
                        c.span(),
                        "count must be at least 1 (remove the class's arrival to have none)",
                    ));
                }
                Some(n)
            }
        };
        let given = |name: &str| entries.get(name).is_some();
        *raw = resolved_table(&process, fields, &canonical, &given, count);
        Ok((arrival, count))
    }
}

/// Every field some process takes, with the meta keys first.
fn all_fields() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = vec!["process"];
    for (_, fields) in PROCESSES {
        for f in *fields {
            if !out.contains(&f.name) {
                out.push(f.name);
            }
        }
    }
    out.push("count");
    out
}

/// The arrival table as the resolved scenario prints it: `process`, the
/// fields the file gave (canonical values, the process's order), `count`.
fn resolved_table(
    process: &str,
    fields: &[FieldInfo],
    canonical: &toml::Table,
    given: &dyn Fn(&str) -> bool,
    count: Option<u64>,
) -> toml::Table {
    let mut out = toml::Table::new();
    out.insert("process".into(), process.into());
    for f in fields {
        if let Some(v) = canonical.get(f.name).filter(|_| given(f.name)) {
            out.insert(f.name.into(), v.clone());
        }
    }
    if let Some(n) = count {
        out.insert("count".into(), toml::Value::Integer(n as i64));
    }
    out
}
