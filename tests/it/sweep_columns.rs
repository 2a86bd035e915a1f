//! The numeric sweep columns of `summary.csv` and `aggregate.csv`: one per
//! swept key, after every other column, named after the key, holding the
//! swept number (a duration in seconds), empty for a value that is no
//! number; `sweep_value` and every other column as before.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::{assert_exit, corosim, folder, read};

const BASE: &str = r#"name = "cols"
seed = 9
horizon = "100ms"
replications = 2

[[policy]]
kind = "fifo"
label = "p"

[[policy]]
kind = "round-robin"
label = "rr"
quantum = "1ms"

[[task]]
name = "web"
arrival = { process = "poisson", rate = 300.0 }
program = [ { compute = { exp = "1ms" } }, { io = "1ms" } ]
"#;

/// A CSV file: its header and its rows.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = read(path);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Runs `BASE` with `sweep` appended and returns the summary and aggregate
/// tables.
type Table = (Vec<String>, Vec<Vec<String>>);
fn run_sweep(sweep: &str) -> (Table, Table) {
    let text = format!("{BASE}\n[sweep]\n{sweep}");
    let dir = folder(&[("s.toml", &text)]);
    let o = corosim(
        dir.path(),
        &["run", "s.toml", "--out", "out", "--no-plots", "--quiet"],
    );
    assert_exit(&o, 0);
    (
        table(&dir.path().join("out/summary.csv")),
        table(&dir.path().join("out/aggregate.csv")),
    )
}

/// The values of `column` in `table`, by row.
fn column<'a>(table: &'a Table, name: &str) -> Vec<&'a str> {
    let at = table
        .0
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", table.0));
    table.1.iter().map(|r| r[at].as_str()).collect()
}

/// The distinct (sweep_value, column) pairs of a table.
fn pairs(table: &Table, name: &str) -> BTreeSet<(String, String)> {
    column(table, "sweep_value")
        .into_iter()
        .zip(column(table, name))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_load_sweep_has_a_load_column_holding_the_number() {
    let (summary, aggregate) = run_sweep("load = [0.3, 0.6]\n");
    for table in [&summary, &aggregate] {
        assert_eq!(table.0.last().map(String::as_str), Some("load"));
        assert_eq!(pairs(table, "load"), set(&[("0.3", "0.3"), ("0.6", "0.6")]));
    }
    // Every other column is where it was: the sweep column is the last.
    assert_eq!(
        summary.0[..summary.0.len() - 1],
        summary_columns_without_sweep()
    );
}

/// `summary.csv`'s columns of a run without a sweep.
fn summary_columns_without_sweep() -> Vec<String> {
    let dir = folder(&[("s.toml", BASE)]);
    let o = corosim(
        dir.path(),
        &["run", "s.toml", "--out", "out", "--no-plots", "--quiet"],
    );
    assert_exit(&o, 0);
    let (header, _) = table(&dir.path().join("out/summary.csv"));
    assert!(!header.contains(&"load".to_string()));
    header
}

#[test]
fn a_grid_has_one_column_per_key_and_durations_in_seconds() {
    let (summary, aggregate) = run_sweep(
        "\"machine.cpus\" = [1, 2]\n\"policy.rr.quantum\" = [\"500us\", \"2ms\", \"1.5s\"]\n",
    );
    for table in [&summary, &aggregate] {
        let n = table.0.len();
        assert_eq!(table.0[n - 2..], ["machine.cpus", "policy.rr.quantum"]);
        assert_eq!(
            pairs(table, "policy.rr.quantum"),
            set(&[
                ("machine.cpus=1;policy.rr.quantum=500us", "0.0005"),
                ("machine.cpus=1;policy.rr.quantum=2ms", "0.002"),
                ("machine.cpus=1;policy.rr.quantum=1.5s", "1.5"),
                ("machine.cpus=2;policy.rr.quantum=500us", "0.0005"),
                ("machine.cpus=2;policy.rr.quantum=2ms", "0.002"),
                ("machine.cpus=2;policy.rr.quantum=1.5s", "1.5"),
            ])
        );
        let cpus: BTreeSet<&str> = column(table, "machine.cpus").into_iter().collect();
        assert_eq!(cpus, BTreeSet::from(["1", "2"]));
        // Every cell reads as a number, as pandas and polars would.
        for value in column(table, "policy.rr.quantum") {
            assert!(value.parse::<f64>().is_ok(), "{value}");
        }
    }
}

#[test]
fn values_that_are_no_number_leave_their_cell_empty() {
    let (summary, aggregate) = run_sweep(
        "\"policy.p.kind\" = [\"fifo\", \"lifo\"]\n\"limits.max_time\" = [\"none\", \"1s\"]\n",
    );
    for table in [&summary, &aggregate] {
        assert_eq!(
            pairs(table, "policy.p.kind"),
            set(&[
                ("policy.p.kind=fifo;limits.max_time=none", ""),
                ("policy.p.kind=fifo;limits.max_time=1s", ""),
                ("policy.p.kind=lifo;limits.max_time=none", ""),
                ("policy.p.kind=lifo;limits.max_time=1s", ""),
            ])
        );
        assert_eq!(
            pairs(table, "limits.max_time"),
            set(&[
                ("policy.p.kind=fifo;limits.max_time=none", ""),
                ("policy.p.kind=fifo;limits.max_time=1s", "1"),
                ("policy.p.kind=lifo;limits.max_time=none", ""),
                ("policy.p.kind=lifo;limits.max_time=1s", "1"),
            ])
        );
    }
}

#[test]
fn a_key_named_like_a_column_is_prefixed_with_sweep() {
    let (summary, aggregate) = run_sweep("seed = [1, 2]\n");
    for table in [&summary, &aggregate] {
        assert_eq!(table.0.last().map(String::as_str), Some("sweep.seed"));
        assert_eq!(
            table.0.iter().filter(|h| *h == "seed").count(),
            usize::from(table.0.contains(&"arrived".to_string())),
            "summary.csv keeps its own seed column; aggregate.csv has none"
        );
        assert_eq!(pairs(table, "sweep.seed"), set(&[("1", "1"), ("2", "2")]));
    }
    // The replication seeds still differ by point.
    let seeds: BTreeSet<&str> = column(&summary, "seed").into_iter().collect();
    assert_eq!(seeds.len(), 4, "{seeds:?}");
}
