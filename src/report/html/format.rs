//! Numbers as the report shows them: grouped digits, a real minus sign,
//! three significant digits, and a mean with its 95% half-width in a unit
//! that suits its size.

use crate::metrics::metric::Unit;

use super::escape;

/// Digits of `x` with `decimals` decimals, the integer part grouped by
/// thousands (narrow no-break spaces) from 10 000 on, a real minus sign, and
/// no sign on a value that rounds to zero.
fn digits(x: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    if int.len() > 4 {
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push('\u{202f}');
            }
            grouped.push(c);
        }
    } else {
        grouped.push_str(int);
    }
    if !frac.is_empty() {
        grouped.push('.');
        grouped.push_str(frac);
    }
    let zero = text.bytes().all(|b| b == b'0' || b == b'.');
    if x < 0.0 && !zero {
        format!("\u{2212}{grouped}")
    } else {
        grouped
    }
}

/// Decimals that show `x` to three significant digits (none from 100 on).
fn three_significant(x: f64) -> usize {
    if x == 0.0 || !x.is_finite() {
        return 0;
    }
    (2 - x.abs().log10().floor() as i64).clamp(0, 9) as usize
}

/// The scale and unit suffix for values in `unit` around `magnitude`:
/// fractions as percentages, seconds in s, ms, µs or ns.
fn scale(unit: Unit, magnitude: f64) -> (f64, &'static str) {
    match unit {
        Unit::Count | Unit::Ratio => (1.0, ""),
        Unit::PerSecond => (1.0, "/s"),
        Unit::Fraction => (100.0, "%"),
        Unit::Seconds if magnitude >= 1.0 || magnitude == 0.0 => (1.0, " s"),
        Unit::Seconds if magnitude >= 1e-3 => (1e3, " ms"),
        Unit::Seconds if magnitude >= 1e-6 => (1e6, " µs"),
        Unit::Seconds => (1e9, " ns"),
    }
}

/// `mean unit ± half-width` as HTML: the half-width rounded to two
/// significant digits and the mean to the same decimals; without a
/// half-width, the mean to three significant digits (counts as integers).
/// `signed` puts a `+` on positive values (differences).
pub(super) fn estimate(
    unit: Unit,
    mean: Option<f64>,
    half_width: Option<f64>,
    signed: bool,
) -> String {
    let Some(mean) = mean.filter(|m| m.is_finite()) else {
        return r#"<span class="na">–</span>"#.to_string();
    };
    let half_width = half_width.filter(|h| h.is_finite());
    let (factor, suffix) = scale(unit, mean.abs().max(half_width.unwrap_or(0.0)));
    let (m, h) = (mean * factor, half_width.map(|h| h * factor));
    let decimals = match h {
        // At most five significant digits of the mean, however narrow the
        // interval (a rounding error's width must not print ten digits).
        Some(h) if h > 0.0 => {
            let of_h = (1 - h.log10().floor() as i64).clamp(0, 9) as usize;
            if m == 0.0 {
                of_h
            } else {
                of_h.min(three_significant(m) + 2)
            }
        }
        _ if unit == Unit::Count && m.fract() == 0.0 => 0,
        _ => three_significant(m),
    };
    let mut mean_text = digits(m, decimals);
    if signed
        && !mean_text.starts_with('\u{2212}')
        && mean_text.bytes().any(|b| b.is_ascii_digit() && b != b'0')
    {
        mean_text.insert(0, '+');
    }
    // Two parts: tables show the interval under the mean.
    let mean_text = format!("<span class=\"m\">{mean_text}{}</span>", escape(suffix));
    match h {
        Some(h) => {
            let h = digits(h, decimals);
            let zero = h.bytes().all(|b| b == b'0' || b == b'.');
            format!(
                "{mean_text} <span class=\"ci\">± {}</span>",
                if zero { "0" } else { &h }
            )
        }
        None => mean_text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(digits(1234567.0, 0), "1\u{202f}234\u{202f}567");
        assert_eq!(digits(1813.0, 0), "1813");
        assert_eq!(digits(-0.0001, 2), "0.00");
        assert_eq!(digits(-2.5, 1), "\u{2212}2.5");
        let text = |kind, mean, half_width, signed| {
            let html = estimate(kind, mean, half_width, signed);
            let mut out = String::new();
            let mut tag = false;
            for c in html.chars() {
                match c {
                    '<' => tag = true,
                    '>' => tag = false,
                    c if !tag => out.push(c),
                    _ => {}
                }
            }
            out
        };
        let s = Unit::Seconds;
        assert_eq!(text(s, Some(0.55), None, false), "550 ms");
        assert_eq!(text(s, Some(2.5e-6), None, false), "2.50 µs");
        assert_eq!(text(s, Some(3e-8), None, false), "30.0 ns");
        assert_eq!(text(s, Some(0.0), None, false), "0 s");
        assert_eq!(text(s, Some(0.0), Some(0.0), true), "0 s ± 0");
        assert_eq!(text(s, Some(1.5), Some(0.25), true), "+1.50 s ± 0.25");
        assert_eq!(
            text(s, Some(-0.0004), Some(0.001), true),
            "\u{2212}0.4 ms ± 1.0"
        );
        assert_eq!(text(Unit::Count, Some(42.0), None, false), "42");
        assert_eq!(text(Unit::Count, Some(0.0), Some(0.0), false), "0 ± 0");
        assert_eq!(
            text(Unit::Count, Some(25199.4), Some(145.2), false),
            "25\u{202f}199 ± 145"
        );
        assert_eq!(text(Unit::PerSecond, Some(900.4), None, false), "900/s");
        assert_eq!(
            text(Unit::PerSecond, Some(0.1111), Some(0.0), false),
            "0.111/s ± 0"
        );
        assert_eq!(text(Unit::Ratio, Some(1.0), Some(0.0), false), "1.00 ± 0");
        assert_eq!(
            text(Unit::Fraction, Some(0.05555555563), Some(3.4e-10), false),
            "5.5556% ± 0"
        );
        assert_eq!(text(s, Some(0.0), Some(0.002), true), "0.0 ms ± 2.0");
        assert_eq!(text(Unit::Ratio, Some(0.98765), None, false), "0.988");
        assert_eq!(text(Unit::Fraction, Some(0.29), None, false), "29.0%");
        assert_eq!(
            estimate(Unit::Fraction, Some(0.304), Some(0.0068), false),
            "<span class=\"m\">30.40%</span> <span class=\"ci\">± 0.68</span>"
        );
        assert!(estimate(Unit::Seconds, None, None, false).contains("na"));
        assert!(estimate(Unit::Seconds, Some(f64::NAN), None, false).contains("na"));
    }
}
