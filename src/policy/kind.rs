//! What one policy file provides, and what the rest of corosim derives from
//! it: [`PolicyKind`] (its parameters as a typed serde struct whose defaults are
//! stated once, their checks, its `corosim policies` entry and the scheduler it
//! builds), and from those alone the default label and the parameter table
//! `corosim policies` prints.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Scheduler;
use crate::time::SimDuration;

/// A parameter a policy takes, for `corosim policies`, validation and the
/// every-policy suite. Its default is not written here: it is whatever the
/// policy's serde struct fills in when the key is absent.
#[derive(Clone, Copy, Debug)]
pub struct ParamInfo {
    /// Its key in the `[[policy]]` table (the serde field's name).
    pub name: &'static str,
    /// Whether the table must give it (the serde field has no default).
    pub required: bool,
    /// A typical value, as TOML, for examples and the every-policy test suite.
    pub example: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// Said after the default in `corosim policies` (where it comes from), or "".
    pub default_note: &'static str,
}

/// A policy kind, for `corosim policies` and validation.
#[derive(Clone, Copy, Debug)]
pub struct PolicyInfo {
    /// The `kind` string.
    pub kind: &'static str,
    /// Whether it slices or preempts.
    pub preemptive: bool,
    /// Whether it never leaves a CPU idle while a task is ready (with a global
    /// queue).
    pub work_conserving: bool,
    /// Whether it is per-CPU by nature (`queues` does not apply).
    pub per_cpu_by_nature: bool,
    /// Whether it is a fluid model rather than a queue (`queues` does not apply).
    pub fluid: bool,
    /// What it models.
    pub models: &'static str,
    /// Its parameters, in the order labels and the resolved scenario list them.
    pub params: &'static [ParamInfo],
}

impl PolicyInfo {
    /// Whether `queues = "per-cpu"` applies to it.
    pub fn takes_queues(&self) -> bool {
        !self.per_cpu_by_nature && !self.fluid
    }

    /// Its parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&'static ParamInfo> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// A parameter value a policy refuses, with the parameter it concerns (so the
/// scenario error can point at it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParamError {
    /// The parameter at fault, if one is.
    pub param: Option<&'static str>,
    /// What is wrong, as a sentence fragment: "quantum must be greater than zero".
    pub message: String,
}

impl ParamError {
    /// `param` is at fault.
    pub fn at(param: &'static str, message: impl Into<String>) -> Self {
        ParamError {
            param: Some(param),
            message: message.into(),
        }
    }

    /// `param` must be greater than zero.
    pub fn positive(param: &'static str, value: SimDuration) -> Result<(), ParamError> {
        if value.is_zero() {
            Err(ParamError::at(
                param,
                format!("{param} must be greater than zero"),
            ))
        } else {
            Ok(())
        }
    }
}

/// One built-in policy: its parameters as a serde struct (`deny_unknown_fields`,
/// defaults as serde defaults, a derived JSON Schema for `corosim schema`),
/// and everything corosim needs to know of it.
/// Adding a policy is a file implementing this plus one line in
/// `policy::policy_list!`.
pub trait PolicyKind:
    Clone
    + fmt::Debug
    + PartialEq
    + Serialize
    + DeserializeOwned
    + schemars::JsonSchema
    + Send
    + Sync
    + 'static
{
    /// Its `corosim policies` entry.
    const INFO: PolicyInfo;

    /// Refuses values serde cannot (a zero quantum, lists of the wrong length).
    /// Every path that builds a scheduler calls it, TOML or Rust alike.
    fn check(&self) -> Result<(), ParamError> {
        Ok(())
    }

    /// The parameters in the form labels compare and print (one value per
    /// level, `true` spelled as the duration it means). Default: as given.
    fn canonical(&self) -> Self {
        self.clone()
    }

    /// A fresh scheduler for one run with one queue for `cpus` CPUs; `seed`
    /// seeds the policy's own stream if it draws (lottery). Called only after
    /// [`PolicyKind::check`] passed.
    fn build(&self, cpus: u32, seed: u64) -> Scheduler;
}

/// [`PolicyKind`] without its associated constant, so the typed configuration
/// enum can hand out any variant as one trait object.
pub(crate) trait AnyKind {
    fn info(&self) -> &'static PolicyInfo;
    fn check(&self) -> Result<(), ParamError>;
    fn label_params(&self) -> Vec<(&'static str, String)>;
    fn build(&self, cpus: u32, seed: u64) -> Scheduler;
    fn to_table(&self) -> toml::Table;
}

impl<P: PolicyKind> AnyKind for P {
    fn info(&self) -> &'static PolicyInfo {
        &P::INFO
    }
    fn check(&self) -> Result<(), ParamError> {
        PolicyKind::check(self)
    }
    fn label_params(&self) -> Vec<(&'static str, String)> {
        label_params(self)
    }
    fn build(&self, cpus: u32, seed: u64) -> Scheduler {
        PolicyKind::build(self, cpus, seed)
    }
    fn to_table(&self) -> toml::Table {
        to_table(self)
    }
}

/// `p` as a TOML table of its parameters (an absent optional one is absent).
fn to_table<P: Serialize>(p: &P) -> toml::Table {
    toml::Table::try_from(p).unwrap_or_default()
}

/// `P` with its required parameters at their example values and every other
/// one at its default: the reference labels and `corosim policies` compare to.
fn reference<P: PolicyKind>() -> Option<P> {
    let text: String = P::INFO
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| format!("{} = {}\n", p.name, p.example))
        .collect();
    toml::from_str(&text).ok()
}

/// A parameter value as labels print it: durations and strings bare, a list
/// whose entries are all equal as that entry, any other list as `[a,b]`.
fn label_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(xs) => match xs.split_first() {
            Some((first, rest)) if rest.iter().all(|x| x == first) => label_value(first),
            _ => format!(
                "[{}]",
                xs.iter().map(label_value).collect::<Vec<_>>().join(",")
            ),
        },
        other => other.to_string(),
    }
}

/// The parameters of `p` that differ from their defaults (required ones
/// always do), as `name=value` pairs in the order of `P::INFO.params`.
fn label_params<P: PolicyKind>(p: &P) -> Vec<(&'static str, String)> {
    let now = to_table(&p.canonical());
    let defaults = reference::<P>().map(|d| to_table(&d.canonical()));
    P::INFO
        .params
        .iter()
        .filter_map(|param| {
            let value = label_value(now.get(param.name)?);
            let default = defaults
                .as_ref()
                .filter(|_| !param.required)
                .and_then(|d| d.get(param.name))
                .map(label_value);
            (default.as_ref() != Some(&value)).then_some((param.name, value))
        })
        .collect()
}

/// Each parameter's default as `corosim policies` prints it: `required`, the
/// value, or `none` (an optional parameter that is off unless given).
pub(crate) fn param_defaults<P: PolicyKind>() -> Vec<String> {
    let defaults = reference::<P>().map(|d| to_table(&d.canonical()));
    P::INFO
        .params
        .iter()
        .map(|param| {
            let value = if param.required {
                "required".to_string()
            } else {
                defaults
                    .as_ref()
                    .and_then(|d| d.get(param.name))
                    .map_or_else(|| "none".to_string(), label_value)
            };
            if param.default_note.is_empty() {
                value
            } else {
                format!("{value} ({})", param.default_note)
            }
        })
        .collect()
}

/// Serde helpers for a parameter given as one value or a list:
/// `quanta = "10ms"` or `quanta = ["1ms", "2ms"]`; a one-entry list prints as
/// its value.
pub mod one_or_many {
    use std::marker::PhantomData;

    use serde::de::{self, SeqAccess, Visitor};

    use super::*;

    struct V<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a value or a list of values")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(x) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        }
        // A single value goes to `T`'s own deserializer, so its error reads
        // as `T`'s ("a duration string with a unit, like ...").
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            T::deserialize(de::value::StrDeserializer::<E>::new(v)).map(|x| vec![x])
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
            T::deserialize(de::value::I64Deserializer::<E>::new(v)).map(|x| vec![x])
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
            T::deserialize(de::value::F64Deserializer::<E>::new(v)).map(|x| vec![x])
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
            T::deserialize(de::value::BoolDeserializer::<E>::new(v)).map(|x| vec![x])
        }
    }

    /// Reads one value or a list.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(V(PhantomData))
    }

    /// The JSON Schema of a field read this way, for
    /// `#[schemars(with = "one_or_many::OneOrMany<T>")]`: a `T` or a list of them.
    #[derive(Debug)]
    pub struct OneOrMany<T>(PhantomData<T>);

    impl<T: schemars::JsonSchema> schemars::JsonSchema for OneOrMany<T> {
        fn schema_name() -> std::borrow::Cow<'static, str> {
            format!("OneOrMany_{}", T::schema_name()).into()
        }

        fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
            let one = g.subschema_for::<T>();
            schemars::json_schema!({
                "anyOf": [one, { "type": "array", "items": one, "minItems": 1 }]
            })
        }

        fn inline_schema() -> bool {
            true
        }
    }

    /// Writes a one-entry list as its value.
    pub fn serialize<S: Serializer, T: Serialize>(xs: &[T], s: S) -> Result<S::Ok, S::Error> {
        match xs {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}
