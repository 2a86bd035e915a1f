//! Reading `paired.csv` back: the comparisons the report shows.

use std::collections::BTreeMap;

use crate::metrics::metric::Metric;
use crate::metrics::summary::Classes;

use super::PAIRED_METRICS;

/// One comparison of `paired.csv`: a point and a pair of policies.
#[derive(Debug, Default)]
pub(super) struct Pair {
    pub(super) sweep_value: String,
    pub(super) a: String,
    pub(super) b: String,
    /// By metric: mean difference, half-width, significant, replications.
    pub(super) metrics: BTreeMap<Metric, (Option<f64>, Option<f64>, bool, String)>,
}

/// The comparisons of `paired.csv` for class `*` and `PAIRED_METRICS`, in
/// file order.
pub(super) fn read_paired(text: &str) -> Result<Vec<Pair>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no column `{name}`"))
    };
    let [
        point,
        sweep,
        class,
        a,
        b,
        metric,
        reps,
        mean,
        ci,
        significant,
    ] = crate::report::csv_out::PAIRED_COLUMNS.map(column);
    let (point, sweep, class, a, b, metric, reps, mean, ci, significant) = (
        point?,
        sweep?,
        class?,
        a?,
        b?,
        metric?,
        reps?,
        mean?,
        ci?,
        significant?,
    );
    let mut pairs: Vec<Pair> = Vec::new();
    let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {}: {e}", i + 2))?;
        let field = |n: usize| record.get(n).unwrap_or_default();
        let shown = Metric::from_column(field(metric)).filter(|m| PAIRED_METRICS.contains(m));
        let Some(shown) = shown.filter(|_| Classes::parse(field(class)) == Classes::All) else {
            continue;
        };
        let key = (
            field(point).to_string(),
            field(a).to_string(),
            field(b).to_string(),
        );
        let at = *index.entry(key).or_insert_with(|| {
            pairs.push(Pair {
                sweep_value: field(sweep).to_string(),
                a: field(a).to_string(),
                b: field(b).to_string(),
                metrics: BTreeMap::new(),
            });
            pairs.len() - 1
        });
        let num = |n: usize| field(n).parse::<f64>().ok();
        pairs[at].metrics.insert(
            shown,
            (
                num(mean),
                num(ci),
                field(significant) == "true",
                field(reps).to_string(),
            ),
        );
    }
    Ok(pairs)
}
