//! Reading the `[[policy]]` tables: each table's `kind` picks a built-in
//! policy, whose own serde struct reads the parameters; this file only places
//! errors (which key, which line) and gives each policy its unique label.

use serde::de::IntoDeserializer;
use toml::Spanned;
use toml::de::DeValue;

use super::schema::RawScenario;
use super::suggest::did_you_mean;
use super::{LabeledPolicy, ScenarioError, Validator};
use crate::policy::{self, PolicyConfig, PolicyInfo, Queues};

/// The keys of a `[[policy]]` table that are not the policy's parameters.
const META: [&str; 3] = ["kind", "label", "queues"];

impl Validator<'_> {
    /// Every `[[policy]]` of the scenario, in file order, labelled; each table
    /// of `raw` is rewritten as resolved (its label filled in, its values in
    /// their canonical form).
    pub(super) fn policies(
        &self,
        raw: &mut RawScenario,
    ) -> Result<Vec<LabeledPolicy>, ScenarioError> {
        if raw.policy.is_empty() {
            return Err(ScenarioError::general(
                self.file,
                "a scenario needs at least one [[policy]] (for example kind = \"fifo\"); `corosim policies` lists them",
            ));
        }
        // serde read the tables whole; their keys' places come from the
        // span-keeping read of the same text.
        let tables: Vec<&Spanned<DeValue>> = self
            .doc
            .get_ref()
            .get("policy")
            .and_then(|v| v.get_ref().as_array())
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let mut out: Vec<LabeledPolicy> = Vec::new();
        for (resolved, table) in raw.policy.iter_mut().zip(tables) {
            let policy = self.policy(table, &out)?;
            *resolved.get_mut() = resolved_table(&policy, table);
            out.push(policy);
        }
        Ok(out)
    }

    /// One `[[policy]]` table; `before` holds the policies above it.
    fn policy(
        &self,
        table: &Spanned<DeValue>,
        before: &[LabeledPolicy],
    ) -> Result<LabeledPolicy, ScenarioError> {
        let span = table.span();
        let Some(entries) = table.get_ref().as_table() else {
            return Err(self.err(span, "a [[policy]] must be a table"));
        };
        let Some(kind_value) = entries.get("kind") else {
            return Err(self.err(span, "missing field `kind`"));
        };
        let kind: String = self.read(kind_value)?;
        let unknown = || {
            let kinds: Vec<&str> = policy::POLICIES.iter().map(|p| p.kind).collect();
            self.err(
                kind_value.span(),
                format!(
                    "unknown policy `{kind}`; expected one of: {}{}",
                    kinds.join(", "),
                    did_you_mean(&kind, kinds.iter().copied())
                ),
            )
        };
        let Some(info) = policy::info(&kind) else {
            return Err(unknown());
        };
        for (key, value) in entries.iter() {
            let name = key.get_ref().as_ref();
            let takes = (name == "queues" && info.takes_queues())
                || (name != "queues" && META.contains(&name))
                || info.param(name).is_some();
            if !takes && !known_anywhere(name) {
                let all: Vec<String> = all_keys().iter().map(|k| format!("`{k}`")).collect();
                return Err(self.err(
                    key.span(),
                    format!(
                        "unknown field `{name}`, expected one of {}{}",
                        all.join(", "),
                        did_you_mean(name, all_keys())
                    ),
                ));
            }
            if !takes {
                return Err(self.err(
                    value.span(),
                    format!(
                        "`{name}` is not a parameter of {kind} (it takes: {})",
                        takes_list(info)
                    ),
                ));
            }
        }
        if let Some(missing) = info
            .params
            .iter()
            .find(|p| p.required && entries.get(p.name).is_none())
        {
            return Err(self.err(
                span.clone(),
                format!(
                    "{kind} needs a {name}, like {name} = {example}",
                    name = missing.name,
                    example = missing.example
                ),
            ));
        }
        let params = Validator::without(entries, &META, span.clone());
        let config = match PolicyConfig::deserialize(info.kind, params.into_deserializer()) {
            Some(Ok(config)) => config,
            Some(Err(e)) => return Err(self.toml_err(&e, span.clone())),
            None => return Err(unknown()),
        };
        config.check().map_err(|e| {
            let at = e
                .param
                .and_then(|p| entries.get(p))
                .map_or(span.clone(), Spanned::span);
            self.err(at, e.message)
        })?;
        let queues = match entries.get("queues") {
            None => Queues::Global,
            Some(q) => match self.read::<String>(q)?.as_str() {
                "global" => Queues::Global,
                "per-cpu" => Queues::PerCpu,
                other => {
                    return Err(self.err(
                        q.span(),
                        format!("unknown queues `{other}`; expected \"global\" or \"per-cpu\""),
                    ));
                }
            },
        };
        let given_label = entries.get("label");
        let label = match given_label {
            Some(l) => {
                let label: String = self.read(l)?;
                if label.trim().is_empty() {
                    return Err(self.err(l.span(), "a label cannot be empty"));
                }
                label
            }
            None => config.default_label(queues),
        };
        if before.iter().any(|o| o.label == label) {
            let at = given_label.unwrap_or(kind_value).span();
            return Err(self.err(
                at,
                format!("a second policy labelled `{label}`; give one a different `label`"),
            ));
        }
        Ok(LabeledPolicy {
            label,
            config,
            queues,
        })
    }
}

/// Every key some `[[policy]]` table takes: the meta keys, then each policy's
/// parameters in list order.
fn all_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = META.to_vec();
    for p in policy::POLICIES.iter().flat_map(|i| i.params) {
        if !keys.contains(&p.name) {
            keys.push(p.name);
        }
    }
    keys
}

/// Whether `name` is a key of any policy's table.
fn known_anywhere(name: &str) -> bool {
    all_keys().contains(&name)
}

/// What a policy takes, for the error naming a key it does not.
fn takes_list(info: &PolicyInfo) -> String {
    let mut takes: Vec<&str> = info.params.iter().map(|p| p.name).collect();
    if info.takes_queues() {
        takes.push("queues");
    }
    if takes.is_empty() {
        "no parameters".to_string()
    } else {
        takes.join(", ")
    }
}

/// The table as the resolved scenario prints it: `kind`, the label, the
/// parameters the file gave in their canonical form (in the policy's order),
/// then `queues` if given.
fn resolved_table(policy: &LabeledPolicy, table: &Spanned<DeValue>) -> toml::Table {
    let given = |name: &str| {
        table
            .get_ref()
            .as_table()
            .is_some_and(|t| t.get(name).is_some())
    };
    let params = policy.config.params_table();
    let mut out = toml::Table::new();
    out.insert("kind".into(), policy.config.kind().into());
    out.insert("label".into(), policy.label.clone().into());
    for p in policy.config.info().params {
        if let Some(v) = params.get(p.name).filter(|_| given(p.name)) {
            out.insert(p.name.into(), v.clone());
        }
    }
    if given("queues") {
        let queues = match policy.queues {
            Queues::Global => "global",
            Queues::PerCpu => "per-cpu",
        };
        out.insert("queues".into(), queues.into());
    }
    out
}
