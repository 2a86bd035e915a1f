//! The JSON Schema of the scenario format: `corosim schema` prints exactly the
//! shipped `schema/corosim-scenario.schema.json` (`COROSIM_BLESS=1 cargo test
//! schema` rewrites it, on purpose), every bundled and golden scenario is
//! valid under it, and broken ones are not.
//!
//! The validator is a small one over the keywords schemars emits for these
//! types; a keyword it does not know fails the test rather than being
//! skipped, so the schema can never silently outgrow it.

use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;

use super::support::{assert_exit, corosim, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shipped_path() -> PathBuf {
    root().join("schema/corosim-scenario.schema.json")
}

fn schema() -> Value {
    corosim::scenario::json_schema()
}

#[test]
fn corosim_schema_prints_the_shipped_schema_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = corosim(dir.path(), &["schema"]);
    assert_exit(&out, 0);
    let printed = stdout(&out);
    assert_eq!(printed, corosim::scenario::json_schema_text());
    let path = shipped_path();
    if std::env::var_os("COROSIM_BLESS").is_some_and(|v| v == "1") {
        fs::write(&path, &printed).unwrap();
        return;
    }
    let shipped = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == printed,
        "{} is stale: it differs from `corosim schema`; COROSIM_BLESS=1 cargo test schema rewrites it",
        path.display()
    );
}

/// The errors of `value` under `schema` (whose definitions are in `root`),
/// each with the path of the value at fault.
struct Validator<'a> {
    root: &'a Value,
    patterns: std::cell::RefCell<std::collections::BTreeMap<String, Regex>>,
}

impl<'a> Validator<'a> {
    fn new(root: &'a Value) -> Self {
        Validator {
            root,
            patterns: Default::default(),
        }
    }

    fn errors(&self, schema: &Value, value: &Value, at: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.check(schema, value, at, &mut out);
        out
    }

    fn is_valid(&self, schema: &Value, value: &Value) -> bool {
        self.errors(schema, value, "").is_empty()
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                out.push(format!("{at}: nothing is allowed here"));
                return;
            }
            Value::Object(map) => map,
            other => panic!("not a schema: {other}"),
        };
        for (keyword, arg) in schema {
            match keyword.as_str() {
                // Annotations.
                "$schema" | "title" | "description" | "default" | "format" | "examples" => {}
                "definitions" => {}
                "$ref" => {
                    let name = arg
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/definitions/"))
                        .unwrap_or_else(|| panic!("unsupported $ref {arg}"));
                    let target = &self.root["definitions"][name];
                    assert!(!target.is_null(), "dangling $ref {name}");
                    self.check(target, value, at, out);
                    return self.check_rest(schema, value, at, out, "$ref");
                }
                "type" => {
                    let types: Vec<&str> = match arg {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                        other => panic!("bad type {other}"),
                    };
                    if !types.iter().any(|t| has_type(value, t)) {
                        fail(
                            out,
                            at,
                            format!("expected {}, found {value}", types.join(" or ")),
                        );
                    }
                }
                "const" => {
                    if value != arg {
                        fail(out, at, format!("expected {arg}, found {value}"));
                    }
                }
                "enum" => {
                    if !arg.as_array().unwrap().contains(value) {
                        fail(out, at, format!("expected one of {arg}, found {value}"));
                    }
                }
                "pattern" => {
                    if let Some(text) = value.as_str() {
                        let pattern = arg.as_str().unwrap();
                        let mut cache = self.patterns.borrow_mut();
                        let regex = cache
                            .entry(pattern.to_string())
                            .or_insert_with(|| Regex::new(pattern).unwrap());
                        if !regex.is_match(text) {
                            fail(out, at, format!("{text:?} does not match {pattern}"));
                        }
                    }
                }
                "minLength" => {
                    if let Some(text) = value.as_str()
                        && (text.chars().count() as u64) < arg.as_u64().unwrap()
                    {
                        fail(out, at, format!("{text:?} is shorter than {arg}"));
                    }
                }
                "minimum" | "maximum" => {
                    if let Some(x) = value.as_f64() {
                        let bound = arg.as_f64().unwrap();
                        if (keyword == "minimum" && x < bound)
                            || (keyword == "maximum" && x > bound)
                        {
                            fail(out, at, format!("{x} is past the {keyword} {bound}"));
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let Some(items) = value.as_array() {
                        let n = arg.as_u64().unwrap() as usize;
                        if (keyword == "minItems" && items.len() < n)
                            || (keyword == "maxItems" && items.len() > n)
                        {
                            fail(out, at, format!("{} items, {keyword} is {n}", items.len()));
                        }
                    }
                }
                "minProperties" => {
                    if let Some(map) = value.as_object()
                        && (map.len() as u64) < arg.as_u64().unwrap()
                    {
                        fail(out, at, format!("fewer than {arg} keys"));
                    }
                }
                "items" => {
                    if let Some(items) = value.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.check(arg, item, &format!("{at}[{i}]"), out);
                        }
                    }
                }
                "required" => {
                    if let Some(map) = value.as_object() {
                        for key in arg.as_array().unwrap() {
                            if !map.contains_key(key.as_str().unwrap()) {
                                out.push(format!("{at}: missing key {key}"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let Some(map) = value.as_object() {
                        for (key, sub) in arg.as_object().unwrap() {
                            if let Some(v) = map.get(key) {
                                self.check(sub, v, &format!("{at}.{key}"), out);
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(map) = value.as_object() {
                        let known = schema.get("properties").and_then(Value::as_object);
                        for (key, v) in map {
                            if known.is_none_or(|k| !k.contains_key(key)) {
                                if *arg == Value::Bool(false) {
                                    out.push(format!("{at}: unknown key `{key}`"));
                                } else {
                                    self.check(arg, v, &format!("{at}.{key}"), out);
                                }
                            }
                        }
                    }
                }
                "allOf" => {
                    for sub in arg.as_array().unwrap() {
                        self.check(sub, value, at, out);
                    }
                }
                "anyOf" => {
                    let alternatives = arg.as_array().unwrap();
                    if !alternatives.iter().any(|s| self.is_valid(s, value)) {
                        let why: Vec<String> = alternatives
                            .iter()
                            .flat_map(|s| self.errors(s, value, at))
                            .collect();
                        out.push(format!("{at}: matches none of anyOf: {}", why.join("; ")));
                    }
                }
                "oneOf" => {
                    let alternatives = arg.as_array().unwrap();
                    let matching = alternatives
                        .iter()
                        .filter(|s| self.is_valid(s, value))
                        .count();
                    if matching != 1 {
                        let why: Vec<String> = alternatives
                            .iter()
                            .flat_map(|s| self.errors(s, value, at))
                            .collect();
                        out.push(format!(
                            "{at}: matches {matching} of oneOf, not 1: {}",
                            why.join("; ")
                        ));
                    }
                }
                other => panic!("the test's validator does not know the keyword `{other}`"),
            }
        }
    }

    /// The keywords beside a `$ref`, which draft-07 would ignore; checked
    /// anyway so the validator is never looser than the schema reads.
    fn check_rest(
        &self,
        schema: &serde_json::Map<String, Value>,
        value: &Value,
        at: &str,
        out: &mut Vec<String>,
        skip: &str,
    ) {
        let mut rest = schema.clone();
        rest.remove(skip);
        self.check(&Value::Object(rest), value, at, out);
    }
}

fn fail(out: &mut Vec<String>, at: &str, message: String) {
    out.push(format!("{at}: {message}"));
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        other => panic!("unknown type {other}"),
    }
}

/// A TOML text as the JSON value the schema describes.
fn as_json(text: &str) -> Value {
    let table: toml::Table = toml::from_str(text).expect("valid TOML");
    serde_json::to_value(table).unwrap()
}

/// The scenario files the schema must accept: the bundled ones and the
/// golden tests' (the files `.taplo.toml` associates with it).
fn valid_scenarios() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    for entry in fs::read_dir(root().join("tests/golden")).unwrap() {
        let path = entry.unwrap().path().join("scenario.toml");
        if path.exists() {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn every_bundled_and_golden_scenario_is_valid_under_the_schema() {
    let schema = schema();
    let validator = Validator::new(&schema);
    let files = valid_scenarios();
    assert!(files.len() >= 7, "found only {files:?}");
    let mut wrong = Vec::new();
    for file in &files {
        let value = as_json(&fs::read_to_string(file).unwrap());
        for e in validator.errors(&schema, &value, "") {
            wrong.push(format!("{}: {e}", file.display()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

const BASE: &str = r#"
horizon = "1s"
[[policy]]
kind = "round-robin"
quantum = "10ms"
[[task]]
name = "web"
arrival = { process = "poisson", rate = 10.0 }
program = [ { compute = { exp = "1ms" } }, "yield", { io = "2ms", device = "db" } ]
"#;

#[test]
fn broken_scenarios_are_invalid_under_the_schema() {
    let schema = schema();
    let validator = Validator::new(&schema);
    assert!(
        validator.is_valid(&schema, &as_json(BASE)),
        "the base is valid"
    );
    let broken = [
        (
            "unknown top-level key",
            BASE.replace("horizon", "horizon = \"1s\"\nhorizn"),
        ),
        ("missing horizon", BASE.replace("horizon = \"1s\"", "")),
        ("duration without a unit", BASE.replace("\"1s\"", "\"1\"")),
        ("duration as a number", BASE.replace("\"1s\"", "1.5")),
        (
            "unknown policy kind",
            BASE.replace("round-robin", "round-robbin"),
        ),
        (
            "parameter of another policy",
            BASE.replace("quantum", "budget = 3\nquantum"),
        ),
        ("wrong parameter type", BASE.replace("\"10ms\"", "10")),
        ("unknown arrival process", BASE.replace("poisson", "poison")),
        ("rate as a string", BASE.replace("10.0", "\"10\"")),
        ("unknown distribution", BASE.replace("exp =", "expo =")),
        ("unknown step", BASE.replace("\"yield\"", "\"yeld\"")),
        (
            "two keys in a step",
            BASE.replace("{ compute =", "{ sleep = \"1ms\", compute ="),
        ),
        (
            "device on a compute step",
            BASE.replace(
                "{ compute = { exp = \"1ms\" } }",
                "{ compute = \"1ms\", device = \"db\" }",
            ),
        ),
        (
            "bad queues enum",
            BASE.replace("quantum =", "queues = \"per-core\"\nquantum ="),
        ),
        (
            "unknown machine key",
            format!("{BASE}\n[machine]\ncpu = 2\n"),
        ),
        (
            "bad deadlock enum",
            format!("{BASE}\n[limits]\ndeadlock = \"ignore\"\n"),
        ),
        ("empty sweep list", format!("{BASE}\n[sweep]\nload = []\n")),
    ];
    for (what, text) in broken {
        assert!(
            !validator.is_valid(&schema, &as_json(&text)),
            "{what}: the schema accepts it:\n{text}"
        );
    }
    // And corosim refuses each too: the schema is never stricter than the
    // reader is, for these.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    fs::write(&file, BASE.replace("round-robin", "round-robbin")).unwrap();
    assert_exit(&corosim(dir.path(), &["check", file.to_str().unwrap()]), 2);
}

#[test]
fn bad_input_files_that_fail_in_parsing_are_invalid_under_the_schema() {
    // tests/bad holds scenarios corosim refuses; these are the ones whose
    // fault is the format's (a key, a type, a name), which the schema states.
    let schema = schema();
    let validator = Validator::new(&schema);
    for name in [
        "arrival-unknown-field",
        "arrival-field-of-another-process",
        "at-times-without-unit",
        "budget-wrong-type",
        "device-on-compute",
    ] {
        let text = fs::read_to_string(root().join(format!("tests/bad/{name}.toml"))).unwrap();
        assert!(
            !validator.is_valid(&schema, &as_json(&text)),
            "tests/bad/{name}.toml is valid under the schema"
        );
    }
}
