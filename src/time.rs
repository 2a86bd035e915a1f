//! Virtual time: `SimTime` and `SimDuration`, integer nanoseconds, and the
//! `"1.5ms"` notation used in scenario files and outputs.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant on the virtual clock, in nanoseconds since the start of a run.
/// Serialized as the integer number of nanoseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(pub u64);

/// A span of virtual time in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any instant a run reaches.
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// Nanoseconds since the start of the run.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The time elapsed since `earlier`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// Seconds as a float, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of `ns` nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        SimDuration(ns)
    }
    /// A duration of `us` microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us * 1_000)
    }
    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1_000_000)
    }
    /// A duration of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * 1_000_000_000)
    }
    /// Rounds a float number of nanoseconds to the nearest integer; negative and
    /// NaN become zero, too large saturates.
    pub fn from_nanos_f64(ns: f64) -> Self {
        if ns.is_nan() || ns <= 0.0 {
            SimDuration(0)
        } else if ns >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration(ns.round() as u64)
        }
    }
    /// Nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Nanoseconds as a float, for sampling.
    pub fn as_nanos_f64(self) -> f64 {
        self.0 as f64
    }
    /// Seconds as a float, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    /// True for a zero-length duration.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        // Saturating: a run that reaches u64::MAX ns (584 years) has bigger problems,
        // and NEVER + d must stay NEVER.
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        debug_assert!(earlier <= self, "time went backwards");
        SimDuration(self.0 - earlier.0)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(o.0))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, o: SimDuration) {
        *self = *self + o;
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(o.0))
    }
}

/// Why a duration string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// No unit, or an unknown one.
    #[error("expected a duration with a unit (ns, us, ms or s), like \"1.5ms\", found {0:?}")]
    BadUnit(String),
    /// The number part is not a number.
    #[error("expected a number before the unit, like \"1.5ms\", found {0:?}")]
    BadNumber(String),
    /// A negative number.
    #[error("a duration cannot be negative, found {0:?}")]
    Negative(String),
    /// Finer than a nanosecond.
    #[error("{0:?} is not a whole number of nanoseconds, the clock's resolution")]
    NotWholeNanos(String),
    /// Beyond what the nanosecond clock holds (u64 nanoseconds, about 584 years).
    #[error("{0:?} is too long for the nanosecond clock (at most 18446744073s, about 584 years)")]
    TooLong(String),
}

const UNITS: [(&str, u64); 4] = [
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
];

impl FromStr for SimDuration {
    type Err = DurationError;

    /// Parses `"250us"`, `"1.5ms"`, `"2s"`. Decimal arithmetic is exact: the
    /// number is read as digits, never through a float, so `"0.1s"` is exactly
    /// 100,000,000 ns.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let s = text.trim();
        let split = s
            .find(|c: char| c.is_ascii_alphabetic())
            .ok_or_else(|| DurationError::BadUnit(text.to_string()))?;
        let (number, unit) = (s[..split].trim(), &s[split..]);
        let scale = UNITS
            .iter()
            .find(|(name, _)| *name == unit || (unit == "µs" && *name == "us"))
            .map(|&(_, scale)| scale)
            .ok_or_else(|| DurationError::BadUnit(text.to_string()))?;
        if number.starts_with('-') {
            return Err(DurationError::Negative(text.to_string()));
        }
        let number = number.strip_prefix('+').unwrap_or(number);
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        let digits_ok = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits_ok(whole) || !digits_ok(frac) {
            return Err(DurationError::BadNumber(text.to_string()));
        }
        let not_whole = || DurationError::NotWholeNanos(text.to_string());
        let too_long = || DurationError::TooLong(text.to_string());
        let mut nanos: u128 = if whole.is_empty() {
            0
        } else {
            whole
                .parse::<u128>()
                .ok()
                .and_then(|w| w.checked_mul(scale as u128))
                .ok_or_else(too_long)?
        };
        let mut place = scale as u128;
        for digit in frac.bytes() {
            let d = (digit - b'0') as u128;
            if !place.is_multiple_of(10) {
                if d != 0 {
                    return Err(not_whole());
                }
                continue;
            }
            place /= 10;
            nanos += d * place;
        }
        u64::try_from(nanos)
            .map(SimDuration)
            .map_err(|_| too_long())
    }
}

impl fmt::Display for SimDuration {
    /// The shortest exact form in the largest unit that keeps it whole or short:
    /// `10ms`, `1.5ms`, `250us`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns == 0 {
            return f.write_str("0s");
        }
        for &(unit, scale) in UNITS.iter().rev() {
            if ns >= scale {
                let whole = ns / scale;
                let rest = ns % scale;
                if rest == 0 {
                    return write!(f, "{whole}{unit}");
                }
                let width = scale.ilog10() as usize;
                let frac = format!("{rest:0width$}");
                return write!(f, "{whole}.{}{unit}", frac.trim_end_matches('0'));
            }
        }
        write!(f, "{ns}ns")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        SimDuration(self.0).fmt(f)
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SimDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string with a unit, like \"1.5ms\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SimDuration, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SimDuration, E> {
                if v == 0 {
                    Ok(SimDuration::ZERO)
                } else {
                    Err(E::custom(format!(
                        "a duration needs a unit: write \"{v}ms\" or \"{v}s\", not {v}"
                    )))
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<SimDuration, E> {
                Err(E::custom(format!(
                    "a duration needs a unit: write \"{v}ms\" or \"{v}s\", not {v}"
                )))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// What a duration string looks like, as the JSON Schema of the scenario
/// format states it: a decimal number and a unit (the parser's grammar; it
/// also refuses a fraction of a nanosecond and lengths past the clock).
pub(crate) const DURATION_PATTERN: &str = r"^\s*\+?(\d+\.?\d*|\.\d+)\s*(ns|us|ms|s)\s*$";

impl schemars::JsonSchema for SimDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    /// What the deserializer above takes: a string with a unit, or the
    /// integer 0.
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: a number and a unit, ns, us, ms or s (\"250us\", \"1.5ms\", \"2s\"); 0 needs no unit.",
            "anyOf": [
                { "type": "string", "pattern": DURATION_PATTERN },
                { "const": 0 }
            ]
        })
    }
}

/// Serializes a `SimDuration` as integer nanoseconds (for records, where the
/// `"1.5ms"` text form would be slow and large): `#[serde(with = "as_nanos")]`.
pub mod as_nanos {
    use super::SimDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the nanoseconds.
    pub fn serialize<S: Serializer>(d: &SimDuration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.0)
    }

    /// Reads the nanoseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SimDuration, D::Error> {
        u64::deserialize(d).map(SimDuration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_exactly() {
        assert_eq!("1.5ms".parse(), Ok(SimDuration(1_500_000)));
        assert_eq!("0.1s".parse(), Ok(SimDuration(100_000_000)));
        assert_eq!("250us".parse(), Ok(SimDuration(250_000)));
        assert_eq!("7ns".parse(), Ok(SimDuration(7)));
        assert_eq!("2s".parse(), Ok(SimDuration(2_000_000_000)));
        assert_eq!(".5s".parse(), Ok(SimDuration(500_000_000)));
        assert_eq!("1.000000000s".parse(), Ok(SimDuration(1_000_000_000)));
    }

    #[test]
    fn rejects_bad_durations() {
        assert!(matches!(
            "5".parse::<SimDuration>(),
            Err(DurationError::BadUnit(_))
        ));
        assert!(matches!(
            "5h".parse::<SimDuration>(),
            Err(DurationError::BadUnit(_))
        ));
        assert!(matches!(
            "-5ms".parse::<SimDuration>(),
            Err(DurationError::Negative(_))
        ));
        assert!(matches!(
            "x5ms".parse::<SimDuration>(),
            Err(DurationError::BadUnit(_)) | Err(DurationError::BadNumber(_))
        ));
        assert!(matches!(
            "1.5ns".parse::<SimDuration>(),
            Err(DurationError::NotWholeNanos(_))
        ));
        assert!(matches!(
            "ms".parse::<SimDuration>(),
            Err(DurationError::BadNumber(_))
        ));
    }

    #[test]
    fn displays_shortest_exact_form_and_round_trips() {
        for (ns, text) in [
            (0, "0s"),
            (10_000_000, "10ms"),
            (1_500_000, "1.5ms"),
            (250_000, "250us"),
            (1_000_000_001, "1.000000001s"),
            (999, "999ns"),
        ] {
            assert_eq!(SimDuration(ns).to_string(), text);
            assert_eq!(text.parse::<SimDuration>().unwrap(), SimDuration(ns));
        }
    }
}
