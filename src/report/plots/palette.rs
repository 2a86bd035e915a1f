//! Fonts and colours: the bundled font, text sizes, and the colours of policies,
//! classes, grids and marks, the same in every chart.

use std::sync::OnceLock;

use plotters::prelude::*;

use super::PlotError;

/// The font family every text uses: DejaVu Sans in PNGs, the viewer's
/// sans-serif font in SVGs.
pub(super) const FONT: &str = "sans-serif";

/// Registers the bundled font once, for every chart of the process.
pub(super) fn register_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../../assets/fonts/DejaVuSans.ttf"),
        )
        .is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

pub(super) fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&TEXT)
}

/// Width in pixels of `text` at `size`.
pub(super) fn text_width(text: &str, size: u32) -> u32 {
    (FONT, size).into_font().box_size(text).map_or(
        // Without the font (never: it is registered first), a wide guess.
        size * text.chars().count() as u32 * 3 / 5,
        |(w, _)| w,
    )
}

pub(super) const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub(super) const GRID_BOLD: RGBColor = RGBColor(0xcc, 0xcc, 0xcc);
pub(super) const GRID_LIGHT: RGBColor = RGBColor(0xee, 0xee, 0xee);
/// Context switches in the Gantt charts.
pub(super) const SWITCH: RGBColor = RGBColor(0xa0, 0xa0, 0xa0);
/// Preemption marks in the Gantt charts.
pub(super) const PREEMPTION: RGBColor = RGBColor(0xd0, 0x00, 0x00);

/// Policy colours, by the policy's position in the scenario: matplotlib's
/// `tab10`, then its colours darker, then lighter.
pub(super) fn policy_color(index: usize) -> RGBColor {
    const TAB10: [RGBColor; 10] = [
        RGBColor(0x1f, 0x77, 0xb4),
        RGBColor(0xff, 0x7f, 0x0e),
        RGBColor(0x2c, 0xa0, 0x2c),
        RGBColor(0xd6, 0x27, 0x28),
        RGBColor(0x94, 0x67, 0xbd),
        RGBColor(0x8c, 0x56, 0x4b),
        RGBColor(0xe3, 0x77, 0xc2),
        RGBColor(0x7f, 0x7f, 0x7f),
        RGBColor(0xbc, 0xbd, 0x22),
        RGBColor(0x17, 0xbe, 0xcf),
    ];
    cycle(&TAB10, index)
}

/// Class colours in the Gantt charts: Tableau 10 without its red (kept for
/// preemptions) and grey (kept for context switches).
pub(super) fn class_color(index: usize) -> RGBColor {
    const CLASSES: [RGBColor; 8] = [
        RGBColor(0x4e, 0x79, 0xa7),
        RGBColor(0xf2, 0x8e, 0x2b),
        RGBColor(0x59, 0xa1, 0x4f),
        RGBColor(0xb0, 0x7a, 0xa1),
        RGBColor(0x76, 0xb7, 0xb2),
        RGBColor(0xed, 0xc9, 0x48),
        RGBColor(0x9c, 0x75, 0x5f),
        RGBColor(0xff, 0x9d, 0xa7),
    ];
    cycle(&CLASSES, index)
}

/// The `index`-th colour of `base`, darker on the second round, lighter on
/// the third.
fn cycle(base: &[RGBColor], index: usize) -> RGBColor {
    let c = base[index % base.len()];
    match (index / base.len()) % 3 {
        0 => c,
        1 => RGBColor(darker(c.0), darker(c.1), darker(c.2)),
        _ => tint(c, 0.55),
    }
}

/// `c` mixed with white: `share` of `c`.
pub(super) fn tint(c: RGBColor, share: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * share + 255.0 * (1.0 - share)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

pub(super) fn darker(v: u8) -> u8 {
    (f64::from(v) * 0.6).round() as u8
}

/// Whether white text reads better than dark text on `c`.
pub(super) fn is_dark(c: RGBColor) -> bool {
    0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2) < 150.0
}

/// Text sizes, in pixels: chart titles, tick labels, axis titles.
pub(super) const TITLE_FONT: u32 = 22;
pub(super) const LABEL_FONT: u32 = 14;
pub(super) const AXIS_TITLE_FONT: u32 = 16;
