//! "Did you mean": the closest known name to a misspelt one, for error
//! messages about unknown keys, kinds, classes and devices.

/// `"; did you mean `x`?"` when exactly one of `candidates` is the closest to
/// `name` and close enough to be a typo (an edit distance of at most a third
/// of the name, at least 1, or equal but for case); otherwise "".
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    let mut tie = false;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let d = if candidate.eq_ignore_ascii_case(name) {
            0
        } else {
            edit_distance(name, candidate)
        };
        match best {
            Some((b, _)) if d > b => {}
            Some((b, _)) if d == b => tie = true,
            _ => {
                best = Some((d, candidate));
                tie = false;
            }
        }
    }
    match best {
        Some((d, candidate)) if d <= limit && !tie => format!("; did you mean `{candidate}`?"),
        _ => String::new(),
    }
}

/// Edit distance over characters, an adjacent swap counting as one edit (the
/// optimal string alignment distance): `wbe` is one edit from `web`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Adds a "did you mean" to serde's `unknown field `x`, expected one of `a`,
/// `b`` (and `unknown variant` alike) messages.
pub(crate) fn suggest_in_serde_message(message: &str) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    else {
        return message.to_string();
    };
    let Some((name, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    format!("{message}{}", did_you_mean(name, candidates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_and_unambiguous() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("wbe", "web"), 1);
        assert_eq!(
            did_you_mean("quantom", ["quantum", "quanta", "boost"]),
            "; did you mean `quantum`?"
        );
        assert_eq!(did_you_mean("xyz", ["quantum", "boost"]), "");
        assert_eq!(
            did_you_mean("FIFO", ["fifo", "lifo"]),
            "; did you mean `fifo`?"
        );
        // Two equally close names: no guess.
        assert_eq!(did_you_mean("ab", ["ac", "ad"]), "");
        assert_eq!(
            suggest_in_serde_message("unknown field `cpuz`, expected `cpus` or `context_switch`"),
            "unknown field `cpuz`, expected `cpus` or `context_switch`; did you mean `cpus`?"
        );
    }
}
