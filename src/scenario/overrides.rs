//! `--set PATH=VALUE`: edits the scenario document before it is read, so an
//! override is checked exactly like a value written in the file. Arrays of
//! tables are addressed by name: `task.web.arrival.rate`, `device.disk.capacity`,
//! `policy.rr.quantum` (a policy by its label, else its kind), or by index
//! (`policy.0.quantum`).

use std::str::FromStr;

use toml_edit::{DocumentMut, Item, TableLike, Value};

/// One `--set PATH=VALUE`.
#[derive(Clone, Debug)]
pub struct Override {
    /// The dotted path.
    pub path: Vec<String>,
    /// The value, as TOML (a bare word that is not TOML is taken as a string).
    pub value: Value,
    text: String,
}

impl FromStr for Override {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| format!("--set {s}: expected PATH=VALUE, like machine.cpus=4"))?;
        let path: Vec<String> = path
            .trim()
            .split('.')
            .map(|p| p.trim().to_string())
            .collect();
        if path.iter().any(String::is_empty) {
            return Err(format!("--set {s}: the path has an empty part"));
        }
        let raw = value.trim();
        let value = raw.parse::<Value>().unwrap_or_else(|_| Value::from(raw));
        Ok(Override {
            path,
            value,
            text: s.to_string(),
        })
    }
}

impl std::fmt::Display for Override {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--set {}", self.text)
    }
}

/// Applies `overrides` to the TOML `text`, returning the edited document.
pub(super) fn apply(text: &str, overrides: &[Override]) -> Result<String, String> {
    if overrides.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    for o in overrides {
        set(doc.as_table_mut(), &o.path, o.value.clone()).map_err(|e| format!("{o}: {e}"))?;
    }
    Ok(doc.to_string())
}

fn set(table: &mut dyn TableLike, path: &[String], value: Value) -> Result<(), String> {
    let (key, rest) = path.split_first().expect("paths are not empty");
    if rest.is_empty() {
        match table.get_mut(key) {
            Some(item) if item.is_value() => {
                // Keep the old value's surrounding whitespace so the document's
                // layout (and every other line's position) is unchanged.
                let decor = item.as_value().map(|v| v.decor().clone());
                let mut value = value;
                if let Some(decor) = decor {
                    *value.decor_mut() = decor;
                }
                *item = Item::Value(value);
            }
            Some(_) => return Err(format!("`{key}` is a table; name one of its keys")),
            None => {
                table.insert(key, Item::Value(value));
            }
        }
        return Ok(());
    }
    if !table.contains_key(key) {
        table.insert(key, Item::Table(toml_edit::Table::new()));
    }
    let item = table.get_mut(key).expect("just ensured");
    if let Some(array) = item.as_array_of_tables_mut() {
        let (selector, rest) = rest.split_first().expect("checked above");
        let names: Vec<String> = array.iter().map(|t| describe(t)).collect();
        let matching = array
            .iter()
            .enumerate()
            .filter(|(i, t)| matches(*t, selector, *i))
            .count();
        if matching > 1 {
            return Err(format!(
                "{matching} [[{key}]] tables match `{selector}` (there are: {}); name one by its label or its index, like {key}.0",
                names.join(", ")
            ));
        }
        let found = array
            .iter_mut()
            .enumerate()
            .find(|(i, t)| matches(*t, selector, *i));
        let (_, element) = found.ok_or_else(|| no_element(key, selector, &names))?;
        if rest.is_empty() {
            return Err(format!("name a key of {key} `{selector}`"));
        }
        return set(element, rest, value);
    }
    if let Some(array) = item.as_array_mut() {
        // An inline array (`program = [ "yield", { compute = "1ms" } ]`): every
        // element counts for an index; tables also match by name.
        let (selector, rest) = rest.split_first().expect("checked above");
        let position = array
            .iter()
            .enumerate()
            .position(|(i, v)| match v.as_inline_table() {
                Some(t) => matches(t, selector, i),
                None => selector.parse::<usize>() == Ok(i),
            });
        let Some(i) = position else {
            return Err(format!(
                "no element `{selector}` in `{key}`, which has {} (index from 0)",
                array.len()
            ));
        };
        let element = array.get_mut(i).expect("position is in range");
        if rest.is_empty() {
            let decor = element.decor().clone();
            *element = value;
            *element.decor_mut() = decor;
            return Ok(());
        }
        return match element.as_inline_table_mut() {
            Some(t) => set(t, rest, value),
            None => Err(format!(
                "element {selector} of `{key}` is a value, not a table"
            )),
        };
    }
    match item.as_table_like_mut() {
        Some(inner) => set(inner, rest, value),
        None => Err(format!("`{key}` is a value, not a table")),
    }
}

fn text_of(t: &dyn TableLike, key: &str) -> Option<String> {
    t.get(key).and_then(|i| i.as_str()).map(str::to_string)
}

/// Whether the array element `t` at `index` is the one `selector` names: by
/// `name`, `label` or `kind`, or by its index.
fn matches(t: &dyn TableLike, selector: &str, index: usize) -> bool {
    ["name", "label", "kind"]
        .iter()
        .any(|k| text_of(t, k).as_deref() == Some(selector))
        || selector.parse::<usize>() == Ok(index)
}

fn describe(t: &dyn TableLike) -> String {
    ["name", "label", "kind"]
        .iter()
        .find_map(|k| text_of(t, k))
        .unwrap_or_else(|| "?".into())
}

fn no_element(key: &str, selector: &str, names: &[String]) -> String {
    format!(
        "no [[{key}]] named `{selector}` (there are: {}){}",
        names.join(", "),
        super::suggest::did_you_mean(selector, names.iter().map(String::as_str))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"horizon = "1s"
[machine]
cpus = 1

[[policy]]
kind = "round-robin"
label = "rr"
quantum = "10ms"

[[task]]
name = "web"
arrival = { process = "poisson", rate = 900.0 }
program = [ { compute = "1ms" } ]
"#;

    fn set_all(sets: &[&str]) -> Result<String, String> {
        let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
        apply(DOC, &overrides)
    }

    #[test]
    fn sets_plain_nested_and_named_values_in_place() {
        let out = set_all(&[
            "machine.cpus=4",
            "task.web.arrival.rate=800",
            "policy.rr.quantum=1ms",
            "seed=7",
        ])
        .unwrap();
        assert!(out.contains("cpus = 4"), "{out}");
        assert!(out.contains("rate = 800"), "{out}");
        assert!(out.contains("quantum = \"1ms\""), "{out}");
        assert!(out.contains("seed = 7"), "{out}");
        // Edits of existing values keep every line in its place.
        let edited = set_all(&[
            "machine.cpus=4",
            "task.web.arrival.rate=800",
            "policy.rr.quantum=1ms",
        ])
        .unwrap();
        assert_eq!(edited.lines().count(), DOC.lines().count());
        assert_eq!(
            edited.lines().position(|l| l.starts_with("[[task]]")),
            DOC.lines().position(|l| l.starts_with("[[task]]"))
        );
    }

    #[test]
    fn by_kind_and_by_index() {
        assert!(
            set_all(&["policy.round-robin.quantum=\"2ms\""])
                .unwrap()
                .contains("quantum = \"2ms\"")
        );
        assert!(
            set_all(&["policy.0.quantum=\"3ms\""])
                .unwrap()
                .contains("quantum = \"3ms\"")
        );
    }

    #[test]
    fn an_ambiguous_selector_is_refused() {
        let two = format!("{DOC}\n[[policy]]\nkind = \"round-robin\"\nquantum = \"5ms\"\n");
        let o: Override = "policy.round-robin.quantum=1ms".parse().unwrap();
        let err = apply(&two, &[o]).unwrap_err();
        assert!(
            err.contains("2 [[policy]] tables match `round-robin`"),
            "{err}"
        );
        let by_label: Override = "policy.rr.quantum=1ms".parse().unwrap();
        assert!(apply(&two, &[by_label]).is_ok());
    }

    #[test]
    fn unknown_elements_are_named() {
        let err = set_all(&["task.nope.priority=1"]).unwrap_err();
        assert!(
            err.contains("no [[task]] named `nope`") && err.contains("web"),
            "{err}"
        );
        assert!("novalue".parse::<Override>().is_err());
    }
}
