//! The scenario file as serde reads it: every table with
//! `deny_unknown_fields`, spans kept where validation needs to point. These
//! structs also print the resolved scenario, so they serialize back to TOML,
//! and derive the JSON Schema of the format (`corosim schema`): their doc
//! comments are the descriptions an editor shows. A type with a deserializer
//! of its own states what it takes in a `JsonSchema` impl beside it.

use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::Spanned;

use crate::dist::Dist;
use crate::model::{Bytes, DeadlockOutcome};
use crate::time::SimDuration;

/// A corosim scenario: the machine, the policies to compare, the task
/// classes with their arrivals and programs, and an optional sweep.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "corosim scenario")]
pub(crate) struct RawScenario {
    /// The scenario's name, used for the output folder (default: the file's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// What the scenario shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The base seed: every random draw derives from it (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Arrivals stop here; the system then drains (required).
    #[schemars(with = "SimDuration")]
    pub horizon: Spanned<SimDuration>,
    /// Tasks arriving before this are not measured (default "0s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<SimDuration>")]
    pub warmup: Option<Spanned<SimDuration>>,
    /// Virtual time at which a run stops even if tasks remain; the same as
    /// `[limits] max_time`, give one or the other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<SimDuration>")]
    pub max_time: Option<Spanned<SimDuration>>,
    /// Independent runs per policy and sweep point (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>")]
    pub replications: Option<Spanned<u32>>,
    /// The machine the tasks run on.
    #[serde(default)]
    pub machine: RawMachine,
    /// Limits that stop a run that grows too far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<RawLimits>,
    /// I/O devices that `io` steps name with `device`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device: Vec<RawDevice>,
    /// The policies to compare, each on the same workload (at least one).
    #[serde(default)]
    #[schemars(schema_with = "super::json_schema::policies")]
    pub policy: Vec<Spanned<toml::Table>>,
    /// The task classes: each an arrival process and a program.
    #[serde(default)]
    #[schemars(with = "Vec<RawTask>")]
    pub task: Vec<Spanned<RawTask>>,
    /// Values to sweep: `load` or any dotted path, each with a list of values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::json_schema::sweep")]
    pub sweep: Option<Spanned<toml::Table>>,
}

/// `[machine]`: the CPUs (or event-loop workers).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "machine")]
pub(crate) struct RawMachine {
    /// Workers: event-loop threads or CPUs (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>")]
    pub cpus: Option<Spanned<u32>>,
    /// Charged whenever a CPU switches to another task (default "0s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_switch: Option<SimDuration>,
}

/// `[limits]`: each a value, or `"none"` for no limit.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "limits")]
pub(crate) struct RawLimits {
    /// Events a run may process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Bound<i64>>")]
    pub max_events: Option<Spanned<Bound<i64>>>,
    /// Tasks alive at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Bound<i64>>")]
    pub max_live_tasks: Option<Spanned<Bound<i64>>>,
    /// Tasks created in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Bound<i64>>")]
    pub max_tasks: Option<Spanned<Bound<i64>>>,
    /// Virtual time at which the run stops even if tasks remain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Bound<SimDuration>>")]
    pub max_time: Option<Spanned<Bound<SimDuration>>>,
    /// The estimated memory a run may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Bound<Bytes>>")]
    pub max_memory: Option<Spanned<Bound<Bytes>>>,
    /// Whether a deadlock fails the run ("error", the default) or is the
    /// point of the scenario ("expected").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadlock: Option<DeadlockOutcome>,
}

/// A limit's value as written: a value, or `"none"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Bound<T> {
    At(T),
    Unlimited,
}

/// What a limit's value is read from, besides `"none"`.
pub(crate) trait BoundValue: Sized + Serialize {
    /// What a value looks like, for errors.
    const EXPECTING: &'static str;
    /// The same for the JSON Schema: what a value other than `"none"` may be.
    fn schema(g: &mut SchemaGenerator) -> Schema;
    fn from_text(text: &str) -> Result<Self, String>;
    fn from_integer(n: i64) -> Result<Self, String>;
}

impl BoundValue for i64 {
    const EXPECTING: &'static str = "a whole number like 1000000, or \"none\" for no limit";
    fn schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer" })
    }
    fn from_text(text: &str) -> Result<Self, String> {
        Err(format!("expected {}, found \"{text}\"", Self::EXPECTING))
    }
    fn from_integer(n: i64) -> Result<Self, String> {
        Ok(n)
    }
}

impl BoundValue for SimDuration {
    const EXPECTING: &'static str = "a duration like \"60s\", or \"none\" for no limit";
    fn schema(_: &mut SchemaGenerator) -> Schema {
        // Not `SimDuration`'s own schema: a limit refuses even a bare 0.
        json_schema!({ "type": "string", "pattern": crate::time::DURATION_PATTERN })
    }
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e| format!("{e}"))
    }
    fn from_integer(n: i64) -> Result<Self, String> {
        Err(format!("a duration needs a unit: write \"{n}s\", not {n}"))
    }
}

impl BoundValue for Bytes {
    const EXPECTING: &'static str = "a size like \"4GiB\", or \"none\" for no limit";
    fn schema(g: &mut SchemaGenerator) -> Schema {
        g.subschema_for::<Bytes>()
    }
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

impl<T: BoundValue> JsonSchema for Bound<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Limit".into()
    }

    fn inline_schema() -> bool {
        true
    }

    /// What the deserializer above takes: a value, or `"none"`.
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [T::schema(g), { "const": "none", "description": "No limit." }]
        })
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

/// `[[device]]`: an I/O device that `io` steps queue on.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "device")]
pub(crate) struct RawDevice {
    /// The name `io` steps give as `device`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// How many I/Os it serves at once (default unlimited); the rest queue FIFO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>")]
    pub capacity: Option<Spanned<u32>>,
}

/// `[[task]]`: a task class, an arrival process and a program.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "task")]
pub(crate) struct RawTask {
    /// The class's name, in every output.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// How its tasks arrive (none: only `spawn` and `call` steps start it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::json_schema::arrival")]
    pub arrival: Option<Spanned<toml::Table>>,
    /// Priority for the policies that read it; a lower number is more urgent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Share weight for the fair policies (give `weight` or `nice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<f64>")]
    pub weight: Option<Spanned<f64>>,
    /// Linux nice value, -20 to 19, for the fair policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<i32>")]
    pub nice: Option<Spanned<i32>>,
    /// Tickets for `stride` and `lottery`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>")]
    pub tickets: Option<Spanned<u32>>,
    /// Relative deadline from each arrival (default: the period of periodic
    /// arrivals, else none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<SimDuration>")]
    pub deadline: Option<Spanned<SimDuration>>,
    /// The coroutine's steps, in order.
    #[schemars(with = "Vec<RawStep>")]
    pub program: Spanned<Vec<Spanned<RawStep>>>,
}

/// One program step as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawStep {
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

impl JsonSchema for RawStep {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "step".into()
    }

    /// What the deserializer above takes: `"yield"`, `"join"`, or a table
    /// with one step key and the extra keys that step allows.
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let dist = g.subschema_for::<Dist>();
        let step = g.subschema_for::<RawStep>();
        let one = |key: &str, description: &str, value: Schema, extra: serde_json::Value| {
            let mut properties = serde_json::Map::new();
            properties.insert(key.into(), value.to_value());
            if let serde_json::Value::Object(extra) = extra {
                properties.extend(extra);
            }
            json_schema!({
                "description": description,
                "type": "object",
                "properties": properties,
                "required": [key],
                "additionalProperties": false
            })
        };
        let name = || json_schema!({ "type": "string" });
        let none = serde_json::Value::Null;
        let mut repeat = one(
            "repeat",
            "Runs `body` this many times.",
            json_schema!({ "type": "integer", "minimum": 0 }),
            serde_json::json!({ "body": { "type": "array", "items": step } }),
        );
        repeat.insert("required".into(), serde_json::json!(["repeat", "body"]));
        json_schema!({
            "description": "A program step: \"yield\", \"join\", or a table with one step key.",
            "anyOf": [
                {
                    "enum": ["yield", "join"],
                    "description": "\"yield\": to the back of the ready queue; \"join\": wait for every task this one spawned."
                },
                one("compute", "Needs a CPU for this long.", dist.clone(), none.clone()),
                one("sleep", "Releases the CPU; ready again after this long.", dist.clone(), none.clone()),
                one("io", "Releases the CPU; ready again when the I/O completes.", dist.clone(),
                    serde_json::json!({ "device": { "type": "string", "description": "A [[device]] to queue on." } })),
                one("block", "A blocking call: holds a cooperative worker without using the CPU.", dist.clone(), none.clone()),
                one("spawn", "Starts tasks of this class concurrently.", name(),
                    serde_json::json!({ "count": { "type": "integer", "minimum": 0, "description": "How many (default 1)." } })),
                one("call", "Runs this class's program inline.", name(), none.clone()),
                one("lock", "Takes this FIFO mutex.", name(), none.clone()),
                one("unlock", "Releases this mutex.", name(), none.clone()),
                repeat,
            ]
        })
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
