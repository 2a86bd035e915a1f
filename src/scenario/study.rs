//! A study: a scenario with its `[sweep]` expanded into points. Each point is
//! a complete scenario, the base with the point's values applied exactly as
//! `--set` would apply them (so they are validated the same way), and the
//! special key `load` scaling every Poisson arrival rate so that the offered
//! load (arrival rate x mean CPU demand / cpus, over all classes) equals the
//! value. Several keys make a grid, the first key varying slowest.

use std::path::Path;

use toml::Spanned;

use super::{Override, Scenario, ScenarioError, Source};

/// One point of a sweep: its number, its value as printed in `sweep_value`,
/// and the scenario it runs.
#[derive(Clone, Debug)]
pub struct Point {
    /// Its number, from 0.
    pub index: usize,
    /// The swept value (`0.7`, `2`, `1ms`), or `key=value;key=value` for a
    /// grid; empty when there is no sweep.
    pub value: String,
    /// The swept values, by key, as written.
    pub settings: Vec<(String, String)>,
    /// The scenario at this point.
    pub scenario: Scenario,
}

impl Point {
    /// The swept values as numbers, one per key in the order of
    /// [`Study::keys`], as the numeric sweep columns of `summary.csv` and
    /// `aggregate.csv` hold them: see [`sweep_number`].
    pub fn numbers(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        self.settings.iter().map(|(_, value)| sweep_number(value))
    }
}

/// A swept value (as `sweep_value` shows it) as a number: a finite number as
/// written (`0.7`, `4`), a duration in seconds (`"1.5ms"` is 0.0015, as every
/// time in `summary.csv`); anything else (a policy kind, a boolean, `"none"`,
/// a size, a table) is not a number.
pub fn sweep_number(value: &str) -> Option<f64> {
    match value.parse::<f64>() {
        Ok(x) => x.is_finite().then_some(x),
        Err(_) => value
            .parse::<crate::time::SimDuration>()
            .ok()
            .map(|d| d.as_secs_f64()),
    }
}

/// A scenario and its sweep points (one point when it has no `[sweep]`).
#[derive(Clone, Debug)]
pub struct Study {
    /// The swept keys, in the order of the `[sweep]` table.
    pub keys: Vec<String>,
    /// The points, in order.
    pub points: Vec<Point>,
    /// The scenario as written, defaults filled, `[sweep]` included.
    pub base: Scenario,
}

impl Study {
    /// Reads the scenario at `path` with `overrides` and expands its sweep;
    /// `seed` replaces the scenario's seed.
    pub fn load(
        path: &Path,
        overrides: &[Override],
        seed: Option<u64>,
    ) -> Result<Study, ScenarioError> {
        Self::expand(&Source::read(path)?, overrides, seed)
    }

    /// A study from the `text` of the scenario file at `path`, as `load`
    /// would read it (to rebuild a run from a copy of its scenario). The
    /// path `-` stands for standard input: errors name it `<stdin>`, the
    /// files it names are relative to the current directory, and without a
    /// `name` it is called `scenario`.
    pub fn from_text_at(
        text: &str,
        path: &Path,
        overrides: &[Override],
        seed: Option<u64>,
    ) -> Result<Study, ScenarioError> {
        Self::expand(&Source::at(text, path), overrides, seed)
    }

    /// A study from scenario text (files it names are relative to the current
    /// directory).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, file: &str) -> Result<Study, ScenarioError> {
        Self::expand(&Source::text(text, file), &[], None)
    }

    /// The study of a single scenario without a sweep.
    pub fn single(scenario: Scenario) -> Study {
        let point = Point {
            index: 0,
            value: String::new(),
            settings: Vec::new(),
            scenario: scenario.clone(),
        };
        Study {
            keys: Vec::new(),
            points: vec![point],
            base: scenario,
        }
    }

    /// The study's name (its output folder).
    pub fn name(&self) -> &str {
        &self.base.name
    }

    fn expand(
        source: &Source,
        overrides: &[Override],
        seed: Option<u64>,
    ) -> Result<Study, ScenarioError> {
        let mut base = source.parse(overrides)?;
        if let Some(seed) = seed {
            base.set_seed(seed);
        }
        let Some(table) = base.sweep_table().cloned() else {
            return Ok(Study::single(base));
        };
        let err = |span: std::ops::Range<usize>, message: String| {
            ScenarioError::at(&source.file, &source.text, Some(span), message)
        };
        let (keys, lists) = axes(&table).map_err(|m| err(table.span(), m))?;
        let mut points = Vec::new();
        for (index, combination) in grid(&lists).into_iter().enumerate() {
            let settings: Vec<(String, String)> = keys
                .iter()
                .cloned()
                .zip(combination.iter().map(shown))
                .collect();
            let mut point_overrides = overrides.to_vec();
            let mut load = None;
            for (key, value) in keys.iter().zip(&combination) {
                if key == "load" {
                    load = Some(
                        value
                            .as_float()
                            .or_else(|| value.as_integer().map(|i| i as f64))
                            .unwrap_or(f64::NAN),
                    );
                } else {
                    let o: Override = format!("{key}={value}")
                        .parse()
                        .map_err(|e: String| err(table.span(), e))?;
                    point_overrides.push(o);
                }
            }
            let mut scenario = source
                .parse(&point_overrides)
                .map_err(|e| blame_sweep_key(source, overrides, &keys, &combination, e))?;
            if let Some(seed) = seed {
                scenario.set_seed(seed);
            }
            if let Some(target) = load {
                let (poisson, other) = scenario.offered_load_parts();
                if poisson <= 0.0 {
                    return Err(err(table.span(), "a `load` sweep scales Poisson arrival rates, and no class has Poisson arrivals".into()));
                }
                if target <= other {
                    return Err(err(
                        table.span(),
                        format!(
                            "load {target} is not above the load of the periodic and explicit arrivals ({other:.4}), which a load sweep does not scale"
                        ),
                    ));
                }
                scenario.scale_poisson_rates((target - other) / poisson);
            }
            let value = match settings.as_slice() {
                [(_, only)] => only.clone(),
                many => many
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(";"),
            };
            let described: Vec<String> =
                settings.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            scenario.mark_point(format!("sweep point {index}: {}", described.join(", ")));
            points.push(Point {
                index,
                value,
                settings,
                scenario,
            });
        }
        Ok(Study { keys, points, base })
    }
}

/// A sweep point that does not validate: the error of the first of its keys
/// that fails on its own, placed at that key in the `[sweep]` table (not at a
/// `--set` the user never typed); `error` itself if none fails alone.
fn blame_sweep_key(
    source: &Source,
    overrides: &[Override],
    keys: &[String],
    values: &[toml::Value],
    error: ScenarioError,
) -> ScenarioError {
    for (key, value) in keys.iter().zip(values) {
        if key == "load" {
            continue;
        }
        let Ok(one) = format!("{key}={value}").parse::<Override>() else {
            continue;
        };
        let mut with_one = overrides.to_vec();
        with_one.push(one);
        let Err(e) = source.parse(&with_one) else {
            continue;
        };
        // The message without the "(after --set ...)" the edited text added.
        let message = match e.message.rfind(" (after ") {
            Some(i) => &e.message[..i],
            None => e.message.as_str(),
        };
        return ScenarioError::at(
            &source.file,
            &source.text,
            Some(sweep_key_span(&source.text, key)),
            format!("in [sweep], {key}={value}: {message}"),
        );
    }
    error
}

/// Where `key` stands in the text's `[sweep]` table (the table's header if
/// the key cannot be found).
fn sweep_key_span(text: &str, key: &str) -> std::ops::Range<usize> {
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return 0..0;
    };
    let Some(sweep) = doc.get_ref().get("sweep") else {
        return 0..0;
    };
    sweep
        .get_ref()
        .as_table()
        .and_then(|t| t.iter().find(|(k, _)| k.get_ref().as_ref() == key))
        .map_or(sweep.span(), |(k, _)| k.span())
}

/// The sweep's keys and their lists of values, checked.
fn axes(table: &Spanned<toml::Table>) -> Result<(Vec<String>, Vec<Vec<toml::Value>>), String> {
    if table.get_ref().is_empty() {
        return Err(
            "[sweep] needs at least one key with a list of values, like load = [0.5, 0.9]".into(),
        );
    }
    let mut keys = Vec::new();
    let mut lists = Vec::new();
    for (key, value) in table.get_ref() {
        let toml::Value::Array(values) = value else {
            return Err(format!(
                "sweep `{key}` needs a list of values, like {key} = [1, 2, 4]"
            ));
        };
        if values.is_empty() {
            return Err(format!("sweep `{key}` has no values"));
        }
        if key == "load" {
            for v in values {
                let x = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
                if !x.is_some_and(|x| x.is_finite() && x > 0.0) {
                    return Err(format!(
                        "load values are offered loads, numbers above 0; found {v}"
                    ));
                }
            }
        }
        keys.push(key.clone());
        lists.push(values.clone());
    }
    Ok((keys, lists))
}

/// Every combination of one value per list, the first list varying slowest.
fn grid(lists: &[Vec<toml::Value>]) -> Vec<Vec<toml::Value>> {
    lists.iter().fold(vec![Vec::new()], |acc, list| {
        acc.iter()
            .flat_map(|prefix| {
                list.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect()
    })
}

/// A value as the `sweep_value` column shows it: strings without quotes.
fn shown(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name = "sw"
horizon = "1s"
[machine]
cpus = 1
[[policy]]
kind = "round-robin"
label = "rr"
quantum = "10ms"
[[task]]
name = "web"
arrival = { process = "poisson", rate = 100.0 }
program = [ { compute = "2ms" } ]
[[task]]
name = "tick"
arrival = { process = "periodic", period = "100ms" }
program = [ { compute = "10ms" } ]
"#;

    #[test]
    fn load_sweep_scales_poisson_rates_to_the_target() {
        let s = Study::from_str(&format!("{BASE}[sweep]\nload = [0.5, 0.9]\n"), "s.toml").unwrap();
        assert_eq!(s.points.len(), 2);
        for (p, target) in s.points.iter().zip([0.5, 0.9]) {
            assert!(
                (p.scenario.offered_load() - target).abs() < 1e-12,
                "{}",
                p.scenario.offered_load()
            );
            assert!(p.scenario.resolved_toml().starts_with("# sweep point"));
        }
        assert_eq!(s.points[1].value, "0.9");
        // The periodic class (load 0.1) is not scaled: web gets 0.4 and 0.8.
        let rate = |p: &Point| match p.scenario.base.classes[0].arrival {
            Some(crate::model::Arrival::Poisson { rate }) => rate,
            _ => unreachable!(),
        };
        assert!((rate(&s.points[0]) - 200.0).abs() < 1e-9);
        assert!((rate(&s.points[1]) - 400.0).abs() < 1e-9);
    }

    #[test]
    fn several_keys_make_a_grid_first_key_slowest() {
        let text = format!(
            "{BASE}[sweep]\n\"machine.cpus\" = [1, 2]\n\"policy.rr.quantum\" = [\"1ms\", \"5ms\", \"9ms\"]\n"
        );
        let s = Study::from_str(&text, "s.toml").unwrap();
        let values: Vec<&str> = s.points.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(values[0], "machine.cpus=1;policy.rr.quantum=1ms");
        assert_eq!(values[5], "machine.cpus=2;policy.rr.quantum=9ms");
        assert_eq!(s.points[4].scenario.base.cpus, 2);
        assert_eq!(s.keys, ["machine.cpus", "policy.rr.quantum"]);
    }

    #[test]
    fn swept_numbers_are_numbers_and_durations_in_seconds() {
        assert_eq!(sweep_number("0.7"), Some(0.7));
        assert_eq!(sweep_number("4"), Some(4.0));
        assert_eq!(sweep_number("1.5ms"), Some(0.0015));
        assert_eq!(sweep_number("2s"), Some(2.0));
        for other in [
            "none",
            "fifo",
            "true",
            "inf",
            "nan",
            "1GiB",
            "",
            "{ exp = \"1ms\" }",
        ] {
            assert_eq!(sweep_number(other), None, "{other}");
        }
    }

    #[test]
    fn bad_sweeps_are_located() {
        let e = Study::from_str(&format!("{BASE}[sweep]\nload = [0.05]\n"), "s.toml").unwrap_err();
        assert!(e.message.contains("not above the load"), "{e}");
        let e = Study::from_str(&format!("{BASE}[sweep]\n\"machine.cpus\" = 2\n"), "s.toml")
            .unwrap_err();
        assert!(e.message.contains("list of values"), "{e}");
        let e = Study::from_str(
            &format!("{BASE}[sweep]\n\"machine.cpus\" = [0]\n"),
            "s.toml",
        )
        .unwrap_err();
        assert!(
            e.message.contains("at least 1") && e.message.contains("machine.cpus=0"),
            "{e}"
        );
        assert!(Scenario::from_str(&format!("{BASE}[sweep]\nload = [0.5]\n"), "s.toml").is_err());
    }
}
