//! The JSON Schema of the scenario format (`corosim schema`), derived from the
//! serde types that read it: `schema::RawScenario` and what it holds, each
//! policy's parameter struct and each arrival process's. Only the tables that
//! validation reads by their `kind` or `process` key are assembled here: each
//! becomes a `oneOf` of one object per kind, the kind's own fields plus the
//! keys every such table takes.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Value, json};

use super::schema::RawScenario;
use crate::policy::PolicyConfig;

/// The schema of a scenario file, as JSON (draft-07, which taplo and Even
/// Better TOML read). TOML has no null, so an optional key is just absent.
pub fn json_schema() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<RawScenario>().to_value();
    without_null(&mut schema);
    schema
}

/// Removes the `null` that schemars allows for every `Option` (a JSON
/// convention; TOML has no null): from `type` lists, and from `anyOf` lists,
/// where a single alternative left takes the list's place (a lone `$ref`
/// inside `allOf`, since draft-07 ignores the siblings of a `$ref`).
fn without_null(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(alternatives)) = map.get_mut("anyOf") {
                alternatives.retain(|a| *a != json!({ "type": "null" }));
                if alternatives.len() == 1 {
                    let only = alternatives.pop().expect("one alternative");
                    map.remove("anyOf");
                    match only {
                        Value::Object(o) if o.contains_key("$ref") => {
                            map.insert("allOf".into(), json!([o]));
                        }
                        Value::Object(o) => {
                            for (k, v) in o {
                                map.entry(k).or_insert(v);
                            }
                        }
                        other => {
                            map.insert("allOf".into(), json!([other]));
                        }
                    }
                }
            }
            map.values_mut().for_each(without_null);
        }
        Value::Array(items) => items.iter_mut().for_each(without_null),
        _ => {}
    }
}

/// [`json_schema()`] as `corosim schema` prints it and the repository ships it
/// (`schema/corosim-scenario.schema.json`): pretty JSON and a newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).expect("a schema is JSON");
    text.push('\n');
    text
}

/// `schema` (an object schema of a kind's own fields) with `extra` properties
/// added first, `required` extended, its `title` set, and its `description`
/// set unless the struct's doc comment gave one.
fn with_meta(
    mut schema: Schema,
    title: &str,
    description: &str,
    extra: Value,
    required: &str,
) -> Schema {
    let object = schema.ensure_object();
    object.insert("title".into(), json!(title));
    object
        .entry("description")
        .or_insert_with(|| json!(description));
    object.insert("type".into(), json!("object"));
    object.insert("additionalProperties".into(), json!(false));
    let properties = object
        .entry("properties")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("a struct's properties are an object");
    if let Value::Object(extra) = extra {
        properties.extend(extra);
    }
    let required_list = object.entry("required").or_insert_with(|| json!([]));
    if let Value::Array(list) = required_list {
        list.insert(0, json!(required));
    }
    schema
}

/// `[[policy]]`: one table per policy, each a `oneOf` over the kinds; a
/// kind's table takes `kind`, `label`, `queues` where it applies, and the
/// parameters of the kind's serde struct.
pub(super) fn policies(g: &mut SchemaGenerator) -> Schema {
    let kinds: Vec<Schema> = PolicyConfig::param_schemas(g)
        .into_iter()
        .map(|(info, params)| {
            let mut meta = json!({
                "kind": { "const": info.kind },
                "label": {
                    "type": "string",
                    "minLength": 1,
                    "description": "The name in every output (default: the kind and its non-default parameters)."
                }
            });
            if info.takes_queues() {
                meta["queues"] = json!({
                    "enum": ["global", "per-cpu"],
                    "description": "One queue for all CPUs (the default) or one per CPU with stealing."
                });
            }
            let mut schema = with_meta(params, info.kind, info.models, meta, "kind");
            // The policy's own summary, not its parameter struct's doc line.
            schema.insert("description".into(), json!(info.models));
            schema
        })
        .collect();
    json_schema!({
        "type": "array",
        "items": { "oneOf": kinds }
    })
}

/// A class's `arrival`: a `oneOf` over the processes; each takes `process`,
/// `count` and the fields of the process's serde struct.
pub(super) fn arrival(g: &mut SchemaGenerator) -> Schema {
    let processes: Vec<Schema> = super::arrivals::schemas(g)
        .into_iter()
        .map(|(process, fields)| {
            let meta = json!({
                "process": { "const": process },
                "count": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Stop after this many arrivals."
                }
            });
            with_meta(
                fields,
                process,
                &format!("`{process}` arrivals"),
                meta,
                "process",
            )
        })
        .collect();
    json_schema!({ "oneOf": processes })
}

/// `[sweep]`: each key a dotted path (or `load`) with a non-empty list of
/// values; what a path may hold is checked when the point is built.
pub(super) fn sweep(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "minProperties": 1,
        "additionalProperties": {
            "type": "array",
            "minItems": 1,
            "description": "The values to run, one sweep point each (several keys make a grid)."
        }
    })
}
