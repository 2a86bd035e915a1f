//! Legends: entries with their swatches, laid out in a column or in rows,
//! and the hatched boxes they share with the Gantt charts.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Drawn;
use super::palette::{font, text_width, tint};

/// What a legend entry shows next to its label.
#[derive(Clone, Copy, Debug)]
pub(super) enum Swatch {
    Line {
        color: RGBColor,
        width: u32,
        dashed: bool,
    },
    Band(RGBColor),
    Block(RGBColor),
    Hatched(RGBColor),
    Tick(RGBColor),
}

#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) label: String,
    pub(super) swatch: Swatch,
}

const LEGEND_FONT: u32 = 15;
const SWATCH_W: i32 = 32;
/// Legend rows, in pixels.
pub(super) const LEGEND_ROW: i32 = 24;
/// Widest label in a legend column, in pixels; longer ones are cut.
const LEGEND_MAX_TEXT: u32 = 300;

pub(super) fn fitted(label: &str) -> String {
    if text_width(label, LEGEND_FONT) <= LEGEND_MAX_TEXT {
        return label.to_string();
    }
    let mut cut: String = label.to_string();
    while !cut.is_empty() && text_width(&format!("{cut}…"), LEGEND_FONT) > LEGEND_MAX_TEXT {
        cut.pop();
    }
    format!("{cut}…")
}

pub(super) fn entry_width(e: &Entry) -> i32 {
    SWATCH_W + 8 + text_width(&e.label, LEGEND_FONT) as i32
}

/// Draws `swatch` in the box whose left edge is `x` and vertical centre `y`.
fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> Drawn<DB> {
    match swatch {
        Swatch::Line {
            color,
            width,
            dashed: false,
        } => area.draw(&PathElement::new(
            vec![(x, y), (x + SWATCH_W, y)],
            color.stroke_width(width),
        )),
        Swatch::Line {
            color,
            width,
            dashed: true,
        } => {
            for k in 0..3 {
                let x0 = x + k * 12;
                area.draw(&PathElement::new(
                    vec![(x0, y), (x0 + 7, y)],
                    color.stroke_width(width),
                ))?;
            }
            Ok(())
        }
        Swatch::Band(color) => area.draw(&Rectangle::new(
            [(x, y - 7), (x + SWATCH_W, y + 7)],
            color.filled(),
        )),
        Swatch::Block(color) => area.draw(&Rectangle::new(
            [(x + 4, y - 7), (x + SWATCH_W - 4, y + 7)],
            color.filled(),
        )),
        Swatch::Hatched(color) => hatched(area, color, (x + 4, y - 7), (x + SWATCH_W - 4, y + 7)),
        Swatch::Tick(color) => area.draw(&PathElement::new(
            vec![(x + SWATCH_W / 2, y - 9), (x + SWATCH_W / 2, y + 9)],
            color.stroke_width(2),
        )),
    }
}

/// A legend as a column, from the top-left corner `(x, y)` of `area`; rows
/// closer together (and smaller text) when many must fit.
pub(super) fn legend_column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    (x, y): (i32, i32),
) -> Drawn<DB> {
    let room = area.dim_in_pixel().1 as i32 - y;
    let row = (room / entries.len().max(1) as i32).clamp(12, LEGEND_ROW);
    let size = (LEGEND_FONT as i32).min(row - 3) as u32;
    let style = font(size).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, e) in entries.iter().enumerate() {
        let cy = y + i as i32 * row + row / 2;
        draw_swatch(area, e.swatch, (x, cy))?;
        area.draw_text(&e.label, &style, (x + SWATCH_W + 8, cy))?;
    }
    Ok(())
}

/// Splits `entries` into rows no wider than `width`.
pub(super) fn flow_rows(entries: &[Entry], width: i32) -> Vec<Vec<&Entry>> {
    let mut rows: Vec<Vec<&Entry>> = vec![Vec::new()];
    let mut used = 0;
    for e in entries {
        let w = entry_width(e) + 24;
        let row = rows.last_mut().expect("one row at least");
        if !row.is_empty() && used + w > width {
            rows.push(vec![e]);
            used = w;
        } else {
            row.push(e);
            used += w;
        }
    }
    rows
}

/// A legend as rows flowing left to right, from `(x, y)`, at most `width`
/// wide.
pub(super) fn legend_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    (x, y): (i32, i32),
    width: i32,
) -> Drawn<DB> {
    let style = font(LEGEND_FONT).pos(Pos::new(HPos::Left, VPos::Center));
    for (r, row) in flow_rows(entries, width).iter().enumerate() {
        let cy = y + r as i32 * LEGEND_ROW + LEGEND_ROW / 2;
        let mut cx = x;
        for e in row {
            draw_swatch(area, e.swatch, (cx, cy))?;
            area.draw_text(&e.label, &style, (cx + SWATCH_W + 8, cy))?;
            cx += entry_width(e) + 24;
        }
    }
    Ok(())
}

/// A hatched box from `a` to `b` (pixels of `area`): a light fill, diagonal
/// lines and an outline in `color`.
pub(super) fn hatched<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    color: RGBColor,
    a: (i32, i32),
    b: (i32, i32),
) -> Drawn<DB> {
    let (x0, y0, x1, y1) = (a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1));
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        tint(color, 0.22).filled(),
    ))?;
    // Lines x + y = c, on a grid fixed to the image so neighbours join up.
    const GAP: i32 = 7;
    let mut c = (x0 + y0).div_euclid(GAP) * GAP;
    while c <= x1 + y1 {
        let (ya, yb) = ((c - x1).max(y0), (c - x0).min(y1));
        if ya < yb {
            area.draw(&PathElement::new(
                vec![(c - ya, ya), (c - yb, yb)],
                color.stroke_width(1),
            ))?;
        }
        c += GAP;
    }
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], color.stroke_width(1)))
}
