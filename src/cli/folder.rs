//! Which files of a run folder corosim may remove: only those it wrote
//! itself. The folder may be the user's (`--out .`), holding pictures and
//! notes of their own, so nothing is found by pattern: a file goes if it has
//! the name of a file of the table ([`OutputFile`]) or if the previous run's
//! `run.json` lists it, and it is one corosim could have written
//! ([`RunFile`]).

use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Context, Result};

use corosim::report::files::{OutputFile, RunFile};
use corosim::report::run_json::FolderRecord;

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
    /// a run could have written, then every name of the table (an
    /// interrupted run writes data files before it lists them).
    fn removable(&self) -> Vec<String> {
        let listed = self.listed.iter().flatten().filter(|name| {
            RunFile::from_name(name).is_some() && name.as_str() != OutputFile::RunJson.name()
        });
        let mut names: Vec<String> = listed.cloned().collect();
        for file in OutputFile::ALL {
            let name = file.name().to_string();
            if file != OutputFile::RunJson && !names.contains(&name) {
                names.push(name);
            }
        }
        names.push(OutputFile::RunJson.name().into());
        names
    }

    /// The drawings (charts, `report.html`) corosim may remove before it
    /// redraws them: the listed ones and `report.html`.
    pub fn drawings(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .listed
            .iter()
            .flatten()
            .filter(|name| RunFile::from_name(name).is_some_and(RunFile::is_drawing))
            .cloned()
            .collect();
        let report = OutputFile::Report.name().to_string();
        if !names.contains(&report) {
            names.push(report);
        }
        names
    }

    /// Removes what the previous run wrote, `run.json` last, so that a
    /// removal interrupted half-way still leaves the list of what remains.
    pub fn remove(&self, dir: &Path) -> Result<()> {
        remove_files(dir, &self.removable())
    }
}

/// Removes the files `names` of `dir` and the temporary copies a killed
/// writer may have left beside them (`.<name>.partial`). A missing file is
/// fine; a folder of that name is not corosim's and stays.
pub fn remove_files(dir: &Path, names: &[String]) -> Result<()> {
    for name in names {
        for name in [name.clone(), format!(".{name}.partial")] {
            let path = dir.join(&name);
            match fs::symlink_metadata(&path) {
                Ok(meta) if !meta.is_dir() => fs::remove_file(&path)
                    .with_context(|| format!("removing the previous {}", path.display()))?,
                _ => {}
            }
        }
    }
    Ok(())
}
