//! Reading a scenario: its text and where it came from, `--set` overrides
//! applied, and serde's parse into the raw schema before validation.

use std::path::{Path, PathBuf};

use super::schema::RawScenario;
use super::{Override, Scenario, ScenarioError, Validator, overrides};

/// A scenario's text and where it came from.
pub(crate) struct Source {
    pub(crate) text: String,
    pub(crate) file: String,
    dir: PathBuf,
    path: PathBuf,
}

impl Source {
    pub(crate) fn read(path: &Path) -> Result<Source, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::general(&file, format!("cannot read the scenario: {e}")))?;
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Ok(Source {
            text,
            file,
            dir,
            path: path.to_path_buf(),
        })
    }

    /// Text that was read from `path` earlier (files it names are relative
    /// to `path`'s folder). The path `-` is standard input, as the command
    /// line names it: errors say `<stdin>`, files it names are relative to
    /// the current directory, and its name defaults to `scenario` (there
    /// is no file name to take it from).
    pub(crate) fn at(text: &str, path: &Path) -> Source {
        if path == Path::new("-") {
            return Source {
                text: text.to_string(),
                file: "<stdin>".to_string(),
                dir: PathBuf::from("."),
                path: PathBuf::new(),
            };
        }
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Source {
            text: text.to_string(),
            file: path.display().to_string(),
            dir,
            path: path.to_path_buf(),
        }
    }

    pub(crate) fn text(text: &str, file: &str) -> Source {
        Source {
            text: text.to_string(),
            file: file.to_string(),
            dir: PathBuf::from("."),
            path: PathBuf::from(file),
        }
    }

    fn parse_text(&self, text: &str) -> Result<Scenario, ScenarioError> {
        let located = |e: toml::de::Error| {
            ScenarioError::at(
                &self.file,
                text,
                e.span(),
                super::suggest::suggest_in_serde_message(e.message().trim_end()),
            )
        };
        let raw: RawScenario = toml::from_str(text).map_err(located)?;
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        // serde accepted the text, so the span-keeping read does too.
        let doc = toml::de::DeTable::parse(text).map_err(located)?;
        Validator {
            file: &self.file,
            text,
            dir: &self.dir,
            doc: &doc,
        }
        .validate(raw, stem)
    }

    /// Validates the text with `overrides` applied. An error the overrides
    /// caused is shown in the edited text and says so; an error of the file
    /// itself is shown at the file's own lines.
    pub(crate) fn parse(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        if overrides.is_empty() {
            return self.parse_text(&self.text);
        }
        let edited = overrides::apply(&self.text, overrides)
            .map_err(|e| ScenarioError::general(&self.file, e))?;
        match self.parse_text(&edited) {
            Ok(s) => Ok(s),
            Err(edited_error) => match self.parse_text(&self.text) {
                Err(original_error) => Err(original_error),
                Ok(_) => {
                    let sets: Vec<String> = overrides.iter().map(ToString::to_string).collect();
                    let name = format!("{} (as changed by {})", self.file, sets.join(" "));
                    Err(edited_error.renamed(
                        &name,
                        &edited,
                        &format!(" (after {})", sets.join(" ")),
                    ))
                }
            },
        }
    }
}
