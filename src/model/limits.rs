//! What one run may use before it stops itself (the scenario's `[limits]`),
//! with the defaults that keep a runaway scenario from taking the machine,
//! and what a deadlock means for the run.
//!
//! Every limit is per run (one point x policy x replication): with `--jobs N`
//! up to N runs are in memory at once. The memory a run uses is estimated from
//! what it counts (live tasks, pending events, kept records), never measured,
//! so a run stops at the same event on every machine and at every `--jobs`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::SimTime;

/// A limit a run can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Events processed.
    MaxEvents,
    /// Tasks alive at once (arrived, not finished).
    MaxLiveTasks,
    /// Tasks created in all (arrived or spawned).
    MaxTasks,
    /// Virtual time.
    MaxTime,
    /// The estimated memory of the run.
    MaxMemory,
}

impl Limit {
    /// Every limit, in the order of the `[limits]` table.
    pub const ALL: [Limit; 5] = [
        Limit::MaxEvents,
        Limit::MaxLiveTasks,
        Limit::MaxTasks,
        Limit::MaxTime,
        Limit::MaxMemory,
    ];

    /// Its key in `[limits]` (the serde name too).
    pub const fn key(self) -> &'static str {
        match self {
            Limit::MaxEvents => "max_events",
            Limit::MaxLiveTasks => "max_live_tasks",
            Limit::MaxTasks => "max_tasks",
            Limit::MaxTime => "max_time",
            Limit::MaxMemory => "max_memory",
        }
    }

    /// Its `corosim run` flag.
    pub const fn flag(self) -> &'static str {
        match self {
            Limit::MaxEvents => "--max-events",
            Limit::MaxLiveTasks => "--max-live-tasks",
            Limit::MaxTasks => "--max-tasks",
            Limit::MaxTime => "--max-time",
            Limit::MaxMemory => "--max-memory",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What a deadlock (tasks waiting on each other forever) means for a run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlockOutcome {
    /// The run fails: `corosim run` exits 1 (a deadlock is almost always a
    /// mistake in the scenario's lock order).
    #[default]
    Error,
    /// The scenario shows one on purpose: reported, but the run succeeds.
    Expected,
}

/// The limits of one run; `None` is no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Events processed.
    pub max_events: Option<u64>,
    /// Tasks alive at once.
    pub max_live_tasks: Option<u64>,
    /// Tasks created in all.
    pub max_tasks: Option<u64>,
    /// Virtual time: the run stops there even if tasks remain.
    pub max_time: Option<SimTime>,
    /// The estimated memory of the run.
    pub max_memory: Option<Bytes>,
    /// Whether a deadlock fails the run.
    pub deadlock: DeadlockOutcome,
}

impl Limits {
    /// Default `max_events`: ten billion, minutes of one core (a 10^8-task
    /// M/M/1 run processes about 2 x 10^8). It bounds a run that goes on
    /// forever without growing, like a loop repeated 2^32 times in every task.
    pub const DEFAULT_MAX_EVENTS: u64 = 10_000_000_000;
    /// Default `max_live_tasks`: five million, five times a burst of a
    /// million tasks arriving at once, and about 2 GB of task state (some
    /// 400 bytes each). A queue that grows without bound (an overloaded
    /// system) or a fan-out of fan-outs gets there in a few seconds.
    pub const DEFAULT_MAX_LIVE_TASKS: u64 = 5_000_000;
    /// Default `max_memory`: 4 GiB per run, so that two runs in parallel
    /// leave most of an 8 GiB machine free; kept task records (`tasks.csv`)
    /// count, about 90 bytes each.
    pub const DEFAULT_MAX_MEMORY: Bytes = Bytes(4 << 30);

    /// The defaults: no limit on the tasks created in all (a long run
    /// creates many, one at a time, in bounded memory; its length is bounded
    /// by `max_events`) nor on virtual time (a long drain is no runaway).
    pub const DEFAULT: Limits = Limits {
        max_events: Some(Self::DEFAULT_MAX_EVENTS),
        max_live_tasks: Some(Self::DEFAULT_MAX_LIVE_TASKS),
        max_tasks: None,
        max_time: None,
        max_memory: Some(Self::DEFAULT_MAX_MEMORY),
        deadlock: DeadlockOutcome::Error,
    };

    /// No limit at all, for tests that want to run a workload as it is.
    pub const NONE: Limits = Limits {
        max_events: None,
        max_live_tasks: None,
        max_tasks: None,
        max_time: None,
        max_memory: None,
        deadlock: DeadlockOutcome::Error,
    };

    /// The value of `limit`, as a count (nanoseconds for `max_time`, bytes
    /// for `max_memory`), if set.
    pub fn value(&self, limit: Limit) -> Option<u64> {
        match limit {
            Limit::MaxEvents => self.max_events,
            Limit::MaxLiveTasks => self.max_live_tasks,
            Limit::MaxTasks => self.max_tasks,
            Limit::MaxTime => self.max_time.map(SimTime::as_nanos),
            Limit::MaxMemory => self.max_memory.map(|b| b.0),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A number of bytes, written `"4GiB"`, `"512MiB"`, `"100MB"` or as a bare
/// integer of bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub u64);

/// Units of `Bytes`, largest first within each family.
const BYTE_UNITS: [(&str, u64); 9] = [
    ("TiB", 1 << 40),
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("TB", 1_000_000_000_000),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
    ("KB", 1_000),
    ("B", 1),
];

/// Why a size did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BytesError {
    /// An unknown unit.
    #[error(
        "expected a size like \"4GiB\", \"512MiB\" or \"100MB\" (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), found {0:?}"
    )]
    BadUnit(String),
    /// The number part is not a number.
    #[error("expected a number before the unit, like \"4GiB\", found {0:?}")]
    BadNumber(String),
    /// A negative number.
    #[error("a size cannot be negative, found {0:?}")]
    Negative(String),
    /// More than 2^64 - 1 bytes.
    #[error("{0:?} is more bytes than corosim counts (16 EiB)")]
    TooLarge(String),
}

impl FromStr for Bytes {
    type Err = BytesError;

    /// Parses `"4GiB"`, `"1.5GB"`, `"4096"`; a fraction of a byte is dropped.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let s = text.trim();
        let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
        let (number, unit) = (s[..split].trim(), &s[split..]);
        let scale = if unit.is_empty() {
            1
        } else {
            BYTE_UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|&(_, scale)| scale)
                .ok_or_else(|| BytesError::BadUnit(text.to_string()))?
        };
        if number.starts_with('-') {
            return Err(BytesError::Negative(text.to_string()));
        }
        let number = number.strip_prefix('+').unwrap_or(number);
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        let digits_ok = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits_ok(whole) || !digits_ok(frac) {
            return Err(BytesError::BadNumber(text.to_string()));
        }
        let too_large = || BytesError::TooLarge(text.to_string());
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse::<u128>().map_err(|_| too_large())?
        };
        let mut bytes = whole.checked_mul(u128::from(scale)).ok_or_else(too_large)?;
        // Exact decimal arithmetic, as for durations: 1.5GB is 1,500,000,000.
        let mut place = u128::from(scale);
        let mut denominator = 1u128;
        let mut fraction = 0u128;
        for digit in frac.bytes().take(30) {
            fraction = fraction * 10 + u128::from(digit - b'0');
            denominator *= 10;
        }
        if denominator > 1 {
            place = place.saturating_mul(fraction) / denominator;
            bytes = bytes.checked_add(place).ok_or_else(too_large)?;
        }
        u64::try_from(bytes).map(Bytes).map_err(|_| too_large())
    }
}

impl fmt::Display for Bytes {
    /// Exact: the largest binary unit that divides it (`4GiB`), else bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &(unit, scale) in &BYTE_UNITS[..4] {
            if self.0 >= scale && self.0.is_multiple_of(scale) {
                return write!(f, "{}{unit}", self.0 / scale);
            }
        }
        write!(f, "{}B", self.0)
    }
}

impl Bytes {
    /// About how much, for messages: `2.3 GiB`, `512 KiB`, `100 B`.
    pub fn approx(self) -> String {
        for &(unit, scale) in &BYTE_UNITS[..4] {
            if self.0 >= scale {
                return format!("{:.1} {unit}", self.0 as f64 / scale as f64);
            }
        }
        format!("{} B", self.0)
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a size string looks like in the JSON Schema: a decimal number and an
/// optional unit.
pub(crate) const BYTES_PATTERN: &str =
    r"^\s*\+?(\d+\.?\d*|\.\d+)\s*(TiB|GiB|MiB|KiB|TB|GB|MB|KB|B)?\s*$";

impl schemars::JsonSchema for Bytes {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Size".into()
    }

    /// What the deserializer below takes: a string with an optional unit, or
    /// a whole number of bytes.
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A size: \"4GiB\", \"512MB\", or a whole number of bytes.",
            "anyOf": [
                { "type": "string", "pattern": BYTES_PATTERN },
                { "type": "integer", "minimum": 0 }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size like \"4GiB\", or a whole number of bytes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Bytes, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Bytes, E> {
                u64::try_from(v)
                    .map(Bytes)
                    .map_err(|_| E::custom(format!("a size cannot be negative, found {v}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_exactly_and_print_back() {
        assert_eq!("4GiB".parse(), Ok(Bytes(4 << 30)));
        assert_eq!("1.5GB".parse(), Ok(Bytes(1_500_000_000)));
        assert_eq!("0.5KiB".parse(), Ok(Bytes(512)));
        assert_eq!("4096".parse(), Ok(Bytes(4096)));
        assert_eq!(" 12 MiB ".parse(), Ok(Bytes(12 << 20)));
        assert_eq!(Bytes(4 << 30).to_string(), "4GiB");
        assert_eq!(Bytes(1_500_000_000).to_string(), "1500000000B");
        assert_eq!(Bytes(3 << 29).approx(), "1.5 GiB");
        for bad in ["4GB!", "GiB", "-1GiB", "4gib", "1.2.3MB", "20000000TiB", ""] {
            assert!(bad.parse::<Bytes>().is_err(), "{bad}");
        }
        assert!(matches!(
            "20000000TiB".parse::<Bytes>(),
            Err(BytesError::TooLarge(_))
        ));
    }

    #[test]
    fn every_limit_has_a_key_and_a_flag() {
        for limit in Limit::ALL {
            assert_eq!(limit.flag(), format!("--{}", limit.key().replace('_', "-")));
            let serde = serde_json::to_string(&limit).unwrap();
            assert_eq!(serde, format!("\"{limit}\""));
        }
        assert_eq!(Limits::default(), Limits::DEFAULT);
    }
}
