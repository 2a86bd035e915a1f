//! A run folder's `cells/`: the plan of the run (what it is a run of) and one
//! file per finished cell, so an interrupted run resumes and shards merge.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use corosim::batch::{Cell, CellKey, CellStore, TaskRows};
use corosim::scenario::{Override, ScenarioError, Study};

use super::output::TraceOutput;

/// What a run folder's cells are results of: everything that changes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The version that ran them.
    pub corosim_version: String,
    /// The scenario file, as the OS names it: the study reads trace files
    /// relative to it, so a name that is not UTF-8 is kept exactly.
    #[serde(with = "os_path")]
    pub scenario_file: PathBuf,
    /// Its text.
    pub scenario_text: String,
    /// `--set` overrides, as given.
    pub sets: Vec<String>,
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// Whether task records are kept.
    pub task_rows: TaskRows,
    /// Whether whole timelines are captured (`--trace`).
    pub trace: bool,
    /// The trace's format and limit (`--trace=gz`, `--trace-window`,
    /// `--trace-max-slices`); left out when plain, so the plan of a run
    /// without them reads as before they existed.
    #[serde(default, skip_serializing_if = "TraceOutput::is_plain")]
    pub trace_output: TraceOutput,
}

impl Plan {
    /// The study the plan describes.
    pub fn study(&self) -> Result<Study, ScenarioError> {
        let overrides: Vec<Override> = self
            .sets
            .iter()
            .map(|s| {
                s.parse::<Override>()
                    .map_err(|e| ScenarioError::general("--set", e))
            })
            .collect::<Result<_, _>>()?;
        Study::from_text_at(
            &self.scenario_text,
            &self.scenario_file,
            &overrides,
            self.seed,
        )
    }
}

/// A path in JSON: a string when it is UTF-8, as nearly every path is;
/// otherwise (Unix) its bytes, `{"unix_bytes": [...]}`, which `serde`'s own
/// `PathBuf` refuses to write. Elsewhere such a path is kept lossily.
mod os_path {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        #[cfg(unix)]
        Bytes {
            unix_bytes: Vec<u8>,
        },
    }

    pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        match path.to_str() {
            Some(text) => Repr::Text(text.to_string()).serialize(s),
            #[cfg(unix)]
            None => {
                use std::os::unix::ffi::OsStrExt;
                let unix_bytes = path.as_os_str().as_bytes().to_vec();
                Repr::Bytes { unix_bytes }.serialize(s)
            }
            #[cfg(not(unix))]
            None => Repr::Text(path.to_string_lossy().into_owned()).serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        Ok(match Repr::deserialize(d)? {
            Repr::Text(text) => PathBuf::from(text),
            #[cfg(unix)]
            Repr::Bytes { unix_bytes } => {
                use std::os::unix::ffi::OsStringExt;
                PathBuf::from(std::ffi::OsString::from_vec(unix_bytes))
            }
        })
    }
}

/// What a run folder held when a run started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartedFrom {
    /// No earlier cells.
    Empty,
    /// Cells of the same run: they are reused.
    SamePlan,
    /// Cells of another run (the scenario or options changed): discarded.
    OtherPlan,
}

/// What a run folder's `cells/` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cells {
    /// There is none, or an empty folder.
    None,
    /// corosim's: it holds the plan.json of a run (of any version).
    Ours,
    /// Anything else of that name.
    Foreign,
}

/// The cells folder of a run folder.
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store in `run_dir/cells`.
    pub fn new(run_dir: &Path) -> Store {
        Store {
            dir: run_dir.join("cells"),
        }
    }

    fn plan_path(&self) -> PathBuf {
        self.dir.join("plan.json")
    }

    fn cell_path(&self, key: &CellKey) -> PathBuf {
        self.dir.join(format!(
            "p{}-c{}-r{}.json",
            key.point, key.policy, key.replication
        ))
    }

    /// Whether the folder is corosim's, without reading the plan as this
    /// version would: a plan of another version is still a plan of ours.
    pub fn inspect(&self) -> Cells {
        match fs::symlink_metadata(&self.dir) {
            Err(_) => return Cells::None,
            Ok(meta) if !meta.is_dir() => return Cells::Foreign,
            Ok(_) => {}
        }
        let plan = fs::read_to_string(self.plan_path())
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
        if plan.is_some_and(|p| p.get("corosim_version").is_some_and(|v| v.is_string())) {
            return Cells::Ours;
        }
        let empty = fs::read_dir(&self.dir).is_ok_and(|mut entries| entries.next().is_none());
        if empty { Cells::None } else { Cells::Foreign }
    }

    /// The plan the folder's cells belong to, if any.
    pub fn plan(&self) -> Result<Option<Plan>> {
        let path = self.plan_path();
        if !path.exists() {
            return Ok(None);
        }
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let plan =
            serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        Ok(Some(plan))
    }

    /// Starts the folder for `plan`, discarding cells of any other plan.
    /// Returns how many cells of this plan are already there.
    pub fn start(&self, plan: &Plan) -> Result<StartedFrom> {
        let mut started = StartedFrom::Empty;
        if self.dir.exists() {
            // A plan this version cannot read is another run's.
            if self.plan().ok().flatten().as_ref() == Some(plan) {
                started = StartedFrom::SamePlan;
            } else {
                self.clear()?;
                started = StartedFrom::OtherPlan;
            }
        }
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        if !self.plan_path().exists() {
            let text = serde_json::to_string_pretty(plan)
                .with_context(|| format!("writing {}", self.plan_path().display()))?;
            super::output::write_atomically(&self.plan_path(), |w| {
                Ok(w.write_all(text.as_bytes())?)
            })?;
        }
        Ok(started)
    }

    /// Discards every cell and the plan: the files the store wrote, no
    /// other (the folder goes only if nothing else is left in it).
    pub fn clear(&self) -> Result<()> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Ok(());
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {}", self.dir.display()))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let name = name
                .strip_prefix('.')
                .and_then(|n| n.strip_suffix(".partial"))
                .unwrap_or(&name);
            let ours = name == "plan.json" || is_cell_file(name);
            if ours && entry.file_type().is_ok_and(|t| !t.is_dir()) {
                fs::remove_file(entry.path())
                    .with_context(|| format!("removing {}", entry.path().display()))?;
            }
        }
        // Left in place if it holds anything else.
        let _ = fs::remove_dir(&self.dir);
        Ok(())
    }

    /// The file of a cell, if it was kept.
    pub fn cell_file(&self, key: &CellKey) -> Option<PathBuf> {
        let path = self.cell_path(key);
        path.exists().then_some(path)
    }
}

/// Whether `name` is the name the store gives a cell:
/// `p<point>-c<policy>-r<replication>.json`.
fn is_cell_file(name: &str) -> bool {
    let Some(key) = name.strip_suffix(".json") else {
        return false;
    };
    let parts: Vec<&str> = key.split('-').collect();
    let numbered = |part: &str, tag: char| {
        part.strip_prefix(tag)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    matches!(parts[..], [p, c, r] if numbered(p, 'p') && numbered(c, 'c') && numbered(r, 'r'))
}

use std::io::Write;

impl CellStore for Store {
    fn load(&self, key: &CellKey) -> Option<Cell> {
        let text = fs::read_to_string(self.cell_path(key)).ok()?;
        let cell: Cell = serde_json::from_str(&text).ok()?;
        (cell.key == *key).then_some(cell)
    }

    fn save(&self, cell: &Cell) -> Result<(), String> {
        let path = self.cell_path(&cell.key);
        super::output::write_atomically(&path, |w| {
            serde_json::to_writer(&mut *w, cell)?;
            Ok(())
        })
        .map_err(|e| format!("{e:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_files_are_named_by_their_key() {
        for name in ["p0-c0-r0.json", "p12-c3-r456.json"] {
            assert!(is_cell_file(name), "{name}");
        }
        for name in [
            "plan.json",
            "p-c0-r0.json",
            "p0-c0.json",
            "p0-c0-r0.json.bak",
            "notes.json",
            "p0-x0-r0.json",
        ] {
            assert!(!is_cell_file(name), "{name}");
        }
    }

    #[test]
    fn clearing_removes_only_what_the_store_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let cells = dir.path().join("cells");
        fs::create_dir(&cells).unwrap();
        for name in [
            "plan.json",
            "p0-c0-r0.json",
            ".p0-c1-r0.json.partial",
            "mine.txt",
        ] {
            fs::write(cells.join(name), "x").unwrap();
        }
        Store::new(dir.path()).clear().unwrap();
        let left: Vec<_> = fs::read_dir(&cells)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["mine.txt"]);
        fs::remove_file(cells.join("mine.txt")).unwrap();
        Store::new(dir.path()).clear().unwrap();
        assert!(!cells.exists());
    }
}
