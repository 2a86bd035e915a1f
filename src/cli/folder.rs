//! The rules of a run folder. corosim writes into a folder that is new,
//! empty, or one of its own runs (a `run.json` or a `cells/` of corosim's);
//! any other is refused unless `--force`. It removes only files it wrote
//! itself: the folder may be the user's (`--out .`), holding pictures and
//! notes of their own, so nothing is found by pattern. A file goes if the
//! previous run's `run.json` lists it and it is one a run could have
//! written ([`RunFile`]), or, after a run too old to list its files or
//! interrupted before it did, if it has a name of the table
//! ([`OutputFile`]).

use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Context, Result};

use corosim::report::files::{OutputFile, RunFile};
use corosim::report::run_json::FolderRecord;

use super::Invalid;
use super::store::{Cells, Store};

/// How many of a foreign folder's names its refusal shows.
const NAMES_SHOWN: usize = 3;

/// What a run may do in its folder, found before anything is written.
#[derive(Debug)]
#[must_use]
pub enum Folder {
    /// New, empty, or a foreign one written into with `--force`: nothing
    /// there is removed.
    Untouched,
    /// A corosim run made it; what that run left may be removed.
    Ours(Previous),
}

impl Folder {
    /// Inspects `dir`, the run folder of one scenario. A path that cannot
    /// be a folder (a file, or under one) and a foreign folder without
    /// `force` are bad arguments; a folder that cannot be read is a failure.
    pub fn inspect(dir: &Path, force: bool) -> Result<Folder> {
        let meta = match fs::metadata(dir) {
            Ok(meta) => meta,
            Err(e) => {
                if let Some(file) = dir.ancestors().skip(1).find(|a| a.exists())
                    && !file.is_dir()
                {
                    return Err(Invalid(format!(
                        "error: the run folder {} cannot be created: {} is a file, not a folder",
                        dir.display(),
                        file.display()
                    ))
                    .into());
                }
                if e.kind() == io::ErrorKind::NotFound {
                    return Ok(Folder::Untouched);
                }
                // Not reachable (a folder on the way without permission).
                return Err(e)
                    .with_context(|| format!("cannot read the run folder {}", dir.display()));
            }
        };
        if !meta.is_dir() {
            return Err(Invalid(format!(
                "error: the run folder {} is a file, not a folder",
                dir.display()
            ))
            .into());
        }
        let cells = Store::new(dir).inspect();
        if cells == Cells::Foreign {
            // Even with --force: runs are kept there, among what is not ours.
            return Err(Invalid(format!(
                "error: {} is not a corosim cells folder (it holds no plan.json of a run); corosim keeps \
                 its runs there and will not write into it: move it, or choose another --out",
                dir.join("cells").display()
            ))
            .into());
        }
        if let Some(previous) = Previous::read(dir)? {
            return Ok(Folder::Ours(previous));
        }
        if cells == Cells::Ours {
            // An interrupted run or a shard: no list, the table's names.
            return Ok(Folder::Ours(Previous::default()));
        }
        let mut names: Vec<String> = fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()
            .with_context(|| format!("reading {}", dir.display()))?;
        if names.is_empty() || force {
            return Ok(Folder::Untouched);
        }
        names.sort();
        let shown = names
            .iter()
            .take(NAMES_SHOWN)
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let more = match names.len().saturating_sub(NAMES_SHOWN) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        Err(Invalid(format!(
            "error: the run folder {} holds files that no corosim run wrote ({shown}{more}); choose \
             a new or empty folder with --out, or pass --force to write there anyway (corosim then \
             removes none of those files; it replaces only files named like its outputs)",
            dir.display()
        ))
        .into())
    }

    /// Removes what the previous run left (nothing if it was not a run).
    pub fn clear(&self, dir: &Path) -> Result<()> {
        match self {
            Folder::Untouched => Ok(()),
            Folder::Ours(previous) => previous.remove(dir),
        }
    }
}

/// What the previous run of a folder left there that corosim may remove.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Previous {
    /// The files its `run.json` lists, if it had a `run.json` of ours
    /// (`None`: none, or one from a version that wrote no list).
    pub listed: Option<Vec<String>>,
}

impl Previous {
    /// Reads the `run.json` in `dir`, if it is corosim's.
    pub fn read(dir: &Path) -> Result<Option<Previous>> {
        let path = dir.join(OutputFile::RunJson.name());
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            // No run.json, or one that is not text: not a record of ours.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::InvalidData
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(FolderRecord::read(&text).map(|record| Previous {
            listed: record.files,
        }))
    }

    /// The files corosim may remove, `run.json` last: the listed ones that
    /// a run could have written, exactly; without a list, the table's names.
    fn removable(&self) -> Vec<String> {
        let run_json = OutputFile::RunJson.name();
        let mut names: Vec<String> = match &self.listed {
            Some(listed) => listed
                .iter()
                .filter(|name| RunFile::from_name(name).is_some() && name.as_str() != run_json)
                .cloned()
                .collect(),
            None => OutputFile::ALL
                .into_iter()
                .filter(|&f| f != OutputFile::RunJson)
                .map(|f| f.name().to_string())
                .collect(),
        };
        names.push(run_json.into());
        names
    }

    /// The drawings (charts, `report.html`) corosim may remove before it
    /// redraws them: the listed ones; without a list, `report.html`.
    pub fn drawings(&self) -> Vec<String> {
        match &self.listed {
            Some(listed) => listed
                .iter()
                .filter(|name| RunFile::from_name(name).is_some_and(RunFile::is_drawing))
                .cloned()
                .collect(),
            None => vec![OutputFile::Report.name().to_string()],
        }
    }

    /// Removes what the previous run wrote, `run.json` last, so that a
    /// removal interrupted half-way still leaves the list of what remains.
    pub fn remove(&self, dir: &Path) -> Result<()> {
        remove_files(dir, &self.removable())
    }
}

/// Removes the files `names` of `dir` in their order, and the temporary
/// copies a killed writer may have left beside them or beside any file of
/// the table (`.<name>.partial`, a name of corosim's own). A missing file
/// is fine; a folder of that name is not corosim's and stays.
pub fn remove_files(dir: &Path, names: &[String]) -> Result<()> {
    let partials = names
        .iter()
        .map(String::as_str)
        .chain(OutputFile::ALL.map(OutputFile::name))
        .map(|name| format!(".{name}.partial"));
    // The temporary copies first, then the files in their order (the
    // caller's last, run.json, last).
    let partials: Vec<String> = partials.collect();
    for name in partials.iter().chain(names) {
        let path = dir.join(name);
        match fs::symlink_metadata(&path) {
            Ok(meta) if !meta.is_dir() => fs::remove_file(&path)
                .with_context(|| format!("removing the previous {}", path.display()))?,
            _ => {}
        }
    }
    Ok(())
}
