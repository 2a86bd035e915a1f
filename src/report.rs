//! Outputs: CSV writers and `run.json`. Reads results, never the engine; writes
//! into any `io::Write` (the CLI decides where files go).

pub mod csv_out;
// The run folder, the charts, the HTML report and `explain`'s text Gantt are
// the `corosim` binary's (it is a separate crate, so they stay `pub`), not an
// API the library keeps stable: hidden from the docs.
#[doc(hidden)]
pub mod data;
#[doc(hidden)]
pub mod files;
#[doc(hidden)]
pub mod gantt_text;
#[cfg(feature = "plots")]
#[doc(hidden)]
pub mod html;
#[cfg(feature = "plots")]
#[doc(hidden)]
pub mod plots;
#[doc(hidden)]
pub mod run_json;
pub mod series_csv;
mod stretch;
pub mod trace;

/// A float the way every CSV prints it: the shortest text that reads back to
/// the same number; empty where undefined.
pub fn number(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| format!("{v}"))
}
