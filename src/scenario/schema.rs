//! The scenario file as serde reads it: every table with
//! `deny_unknown_fields`, spans kept where validation needs to point. These
//! structs also print the resolved scenario, so they serialize back to TOML.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::Spanned;

use crate::dist::Dist;
use crate::model::{Bytes, DeadlockOutcome};
use crate::time::SimDuration;

/// The whole file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    pub horizon: Spanned<SimDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<Spanned<SimDuration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_time: Option<Spanned<SimDuration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replications: Option<Spanned<u32>>,
    #[serde(default)]
    pub machine: RawMachine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<RawLimits>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device: Vec<RawDevice>,
    #[serde(default)]
    pub policy: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    pub task: Vec<Spanned<RawTask>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Spanned<toml::Table>>,
}

/// `[machine]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMachine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<Spanned<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_switch: Option<SimDuration>,
}

/// `[limits]`: each a value, or `"none"` for no limit.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_events: Option<Spanned<Bound<i64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_live_tasks: Option<Spanned<Bound<i64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tasks: Option<Spanned<Bound<i64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_time: Option<Spanned<Bound<SimDuration>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memory: Option<Spanned<Bound<Bytes>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadlock: Option<DeadlockOutcome>,
}

/// A limit's value as written: a value, or `"none"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Bound<T> {
    At(T),
    Unlimited,
}

/// What a limit's value is read from, besides `"none"`.
pub(super) trait BoundValue: Sized + Serialize {
    /// What a value looks like, for errors.
    const EXPECTING: &'static str;
    fn from_text(text: &str) -> Result<Self, String>;
    fn from_integer(n: i64) -> Result<Self, String>;
}

impl BoundValue for i64 {
    const EXPECTING: &'static str = "a whole number like 1000000, or \"none\" for no limit";
    fn from_text(text: &str) -> Result<Self, String> {
        Err(format!("expected {}, found \"{text}\"", Self::EXPECTING))
    }
    fn from_integer(n: i64) -> Result<Self, String> {
        Ok(n)
    }
}

impl BoundValue for SimDuration {
    const EXPECTING: &'static str = "a duration like \"60s\", or \"none\" for no limit";
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e| format!("{e}"))
    }
    fn from_integer(n: i64) -> Result<Self, String> {
        Err(format!("a duration needs a unit: write \"{n}s\", not {n}"))
    }
}

impl BoundValue for Bytes {
    const EXPECTING: &'static str = "a size like \"4GiB\", or \"none\" for no limit";
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e| format!("{e}"))
    }
    fn from_integer(n: i64) -> Result<Self, String> {
        u64::try_from(n)
            .map(Bytes)
            .map_err(|_| format!("a size cannot be negative, found {n}"))
    }
}

impl<'de, T: BoundValue> Deserialize<'de> for Bound<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<T: BoundValue> Visitor<'_> for V<T> {
            type Value = Bound<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bound<T>, E> {
                if v == "none" {
                    return Ok(Bound::Unlimited);
                }
                T::from_text(v).map(Bound::At).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bound<T>, E> {
                T::from_integer(v).map(Bound::At).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bound<T>, E> {
                self.visit_i128(i128::from(v))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Bound<T>, E> {
                match i64::try_from(v) {
                    Ok(v) => self.visit_i64(v),
                    Err(_) => Err(E::custom(format!(
                        "{v} is out of range: a limit is at most {}",
                        i64::MAX
                    ))),
                }
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Bound<T>, E> {
                self.visit_i128(i128::try_from(v).unwrap_or(i128::MAX))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bound<T>, E> {
                Err(E::custom(format!("expected {}, found {v}", T::EXPECTING)))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T: BoundValue> Serialize for Bound<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Bound::At(v) => v.serialize(s),
            Bound::Unlimited => s.serialize_str("none"),
        }
    }
}

/// `[[device]]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDevice {
    pub name: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Spanned<u32>>,
}

/// `[[task]]`: a class.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTask {
    pub name: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival: Option<Spanned<toml::Table>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nice: Option<Spanned<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tickets: Option<Spanned<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Spanned<SimDuration>>,
    pub program: Spanned<Vec<Spanned<RawStep>>>,
}

/// One program step as written.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum RawStep {
    Compute(Dist),
    Sleep(Dist),
    Io {
        duration: Dist,
        device: Option<String>,
    },
    Block(Dist),
    Yield,
    Join,
    Spawn {
        class: String,
        count: u32,
    },
    Call(String),
    Lock(String),
    Unlock(String),
    Repeat {
        times: u32,
        body: Vec<Spanned<RawStep>>,
    },
}

/// The keys a step table can name (for "did you mean").
const STEP_KEYS: [&str; 12] = [
    "compute", "sleep", "io", "block", "spawn", "call", "lock", "unlock", "repeat", "device",
    "count", "body",
];

const STEP_KINDS: &str = "compute, sleep, io, block, spawn, call, lock, unlock, repeat, or the strings \"yield\" and \"join\"";

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawStep;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a program step: a table with one of {STEP_KINDS}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStep, E> {
                match v {
                    "yield" => Ok(RawStep::Yield),
                    "join" => Ok(RawStep::Join),
                    other => Err(E::custom(format!(
                        "unknown step \"{other}\": the string steps are \"yield\" and \"join\"; \
                         others are tables like {{ compute = \"1ms\" }}"
                    ))),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<RawStep, A::Error> {
                Err(de::Error::custom(format!(
                    "a step cannot be an array; expected a table with one of {STEP_KINDS}"
                )))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStep, A::Error> {
                let mut main: Option<(String, RawStep)> = None;
                let mut device: Option<String> = None;
                let mut count: Option<u32> = None;
                let mut body: Option<Vec<Spanned<RawStep>>> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let step = match key.as_str() {
                        "device" => {
                            device = Some(map.next_value()?);
                            continue;
                        }
                        "count" => {
                            count = Some(map.next_value()?);
                            continue;
                        }
                        "body" => {
                            body = Some(map.next_value()?);
                            continue;
                        }
                        "compute" => RawStep::Compute(map.next_value()?),
                        "sleep" => RawStep::Sleep(map.next_value()?),
                        "io" => RawStep::Io {
                            duration: map.next_value()?,
                            device: None,
                        },
                        "block" => RawStep::Block(map.next_value()?),
                        "spawn" => RawStep::Spawn {
                            class: map.next_value()?,
                            count: 1,
                        },
                        "call" => RawStep::Call(map.next_value()?),
                        "lock" => RawStep::Lock(map.next_value()?),
                        "unlock" => RawStep::Unlock(map.next_value()?),
                        "repeat" => RawStep::Repeat {
                            times: map.next_value()?,
                            body: Vec::new(),
                        },
                        other => {
                            return Err(de::Error::custom(format!(
                                "unknown step key `{other}`, expected one of {STEP_KINDS}{}",
                                super::suggest::did_you_mean(other, STEP_KEYS)
                            )));
                        }
                    };
                    if let Some((first, _)) = &main {
                        return Err(de::Error::custom(format!(
                            "a step does one thing, found both `{first}` and `{key}`; write them as two steps"
                        )));
                    }
                    main = Some((key, step));
                }
                let Some((kind, mut step)) = main else {
                    return Err(de::Error::custom(format!(
                        "a step needs one of {STEP_KINDS}"
                    )));
                };
                let misplaced = |what: &str, owner: &str| {
                    de::Error::custom(format!(
                        "`{what}` belongs to {owner} steps, not to `{kind}`"
                    ))
                };
                match &mut step {
                    RawStep::Io { device: d, .. } => *d = device.take(),
                    RawStep::Spawn { count: c, .. } => {
                        if let Some(n) = count.take() {
                            *c = n;
                        }
                    }
                    RawStep::Repeat { body: b, .. } => {
                        *b = body.take().ok_or_else(|| {
                            de::Error::custom(
                                "a repeat step needs a body: { repeat = 3, body = [ ... ] }",
                            )
                        })?;
                    }
                    _ => {}
                }
                if device.is_some() {
                    return Err(misplaced("device", "io"));
                }
                if count.is_some() {
                    return Err(misplaced("count", "spawn"));
                }
                if body.is_some() {
                    return Err(misplaced("body", "repeat"));
                }
                Ok(step)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for RawStep {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RawStep::Yield => return s.serialize_str("yield"),
            RawStep::Join => return s.serialize_str("join"),
            _ => {}
        }
        let mut map = s.serialize_map(None)?;
        match self {
            RawStep::Yield | RawStep::Join => unreachable!("handled above"),
            RawStep::Compute(d) => map.serialize_entry("compute", d)?,
            RawStep::Sleep(d) => map.serialize_entry("sleep", d)?,
            RawStep::Io { duration, device } => {
                map.serialize_entry("io", duration)?;
                if let Some(dev) = device {
                    map.serialize_entry("device", dev)?;
                }
            }
            RawStep::Block(d) => map.serialize_entry("block", d)?,
            RawStep::Spawn { class, count } => {
                map.serialize_entry("spawn", class)?;
                map.serialize_entry("count", count)?;
            }
            RawStep::Call(c) => map.serialize_entry("call", c)?,
            RawStep::Lock(l) => map.serialize_entry("lock", l)?,
            RawStep::Unlock(l) => map.serialize_entry("unlock", l)?,
            RawStep::Repeat { times, body } => {
                map.serialize_entry("repeat", times)?;
                map.serialize_entry("body", body)?;
            }
        }
        map.end()
    }
}
