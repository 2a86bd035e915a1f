//! Outputs: CSV writers and `run.json`. Reads results, never the engine; writes
//! into any `io::Write` (the CLI decides where files go).

pub mod csv_out;
pub mod data;
pub mod files;
pub mod gantt_text;
#[cfg(feature = "plots")]
pub mod html;
#[cfg(feature = "plots")]
pub mod plots;
pub mod run_json;
pub mod series_csv;
mod stretch;
pub mod trace;

/// A float the way every CSV prints it: the shortest text that reads back to
/// the same number; empty where undefined.
pub fn number(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| format!("{v}"))
}
