//! The text Gantt chart's time scale: how wide a column is, and instants
//! as exact millisecond text.

/// Fewer columns than this are refined when the timeline allows it.
pub(super) const MIN_COLUMNS: u64 = 6;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Columns of `step` that cover `[0, end)`.
pub(super) fn columns(end: u64, step: u64) -> u64 {
    end.div_ceil(step)
}

/// Nanoseconds as milliseconds with `decimals` decimals (at most 6).
pub(super) fn ms_fixed(ns: u64, decimals: usize) -> String {
    let whole = ns / 1_000_000;
    if decimals == 0 {
        return whole.to_string();
    }
    let frac = format!("{:06}", ns % 1_000_000);
    format!("{whole}.{}", &frac[..decimals])
}

/// The decimals `ns` needs as milliseconds.
pub(super) fn decimals(ns: u64) -> usize {
    let frac = ns % 1_000_000;
    if frac == 0 {
        0
    } else {
        6 - (0..6)
            .take_while(|i| frac.is_multiple_of(10u64.pow(*i as u32 + 1)))
            .count()
    }
}

/// Nanoseconds as the shortest exact millisecond text.
pub(super) fn ms(ns: u64) -> String {
    ms_fixed(ns, decimals(ns))
}

/// The column width for a timeline of `instants` (every segment's start and
/// end) up to `end` in at most `available` columns: a whole fraction of the
/// instants' common divisor when they have one that fits, else a 1-2-5
/// number of nanoseconds. Returns the step and whether columns are exact
/// (one occupant each).
pub(super) fn choose_step(
    instants: impl Iterator<Item = u64>,
    end: u64,
    available: u64,
) -> (u64, bool) {
    let g = instants.fold(0, gcd).max(1);
    if columns(end, g) <= available && g > 1 {
        let mut step = g;
        for k in [2, 5, 10, 20, 50, 100, 200, 500, 1000] {
            if columns(end, step) >= MIN_COLUMNS {
                break;
            }
            if g.is_multiple_of(k) && columns(end, g / k) <= available {
                step = g / k;
            }
        }
        return (step, true);
    }
    let step = (0..20)
        .flat_map(|e| [1, 2, 5].map(|m| 10u64.pow(e).saturating_mul(m)))
        .find(|&step| columns(end, step) <= available)
        .unwrap_or(end);
    (step, g.is_multiple_of(step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(ms(15_000_000), "15");
        assert_eq!(ms(2_500_000), "2.5");
        assert_eq!(ms(1), "0.000001");
        assert_eq!(ms_fixed(1_000_000, 3), "1.000");
        assert_eq!(decimals(1_230_000), 2);
        assert_eq!(gcd(12, 18), 6);
    }
}
