//! The charts of a run, drawn from its [`RunData`]: each as SVG text and PNG
//! bytes, in memory (the caller decides where files go).
//!
//! - `latency_cdf`: the latency distribution of each policy (log scale);
//! - `throughput` and `ready_queue`: completions per second and the mean
//!   ready-queue length over time;
//! - `sweep_latency` and `sweep_throughput`, when one key was swept over
//!   numbers or durations: p50 and p99 latency and throughput against the
//!   swept value, with 95% confidence bands;
//! - `gantt_<n>`: what each CPU did in the first moments of policy n's run.
//!
//! The single-run charts show replication 0 at the last sweep point (the
//! Gantt charts, point 0). A policy keeps its colour in every chart (by its
//! position in the scenario). Text is drawn with the bundled DejaVu Sans in
//! PNGs; SVGs name the generic `sans-serif` family, so any viewer has a font.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::OnceLock;

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::metrics::SegmentKind;
use crate::metrics::metric::Metric;
use crate::metrics::summary::Classes;
use crate::report::data::{GanttRow, RunData};
use crate::report::series_csv::GanttKind;
use crate::report::stretch::{self, Stretch};

/// One chart, rendered.
#[derive(Clone, PartialEq)]
pub struct Chart {
    /// File stem, e.g. `latency_cdf`.
    pub name: String,
    /// The title drawn on the chart.
    pub title: String,
    /// The chart as an SVG document.
    pub svg: String,
    /// The chart as PNG file bytes.
    pub png: Vec<u8>,
    /// Width in pixels (of the PNG; the SVG's too).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl std::fmt::Debug for Chart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chart")
            .field("name", &self.name)
            .field("title", &self.title)
            .field("svg", &format_args!("{} bytes", self.svg.len()))
            .field("png", &format_args!("{} bytes", self.png.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// What can go wrong drawing charts.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The bundled font could not be read.
    #[error("the bundled chart font (DejaVu Sans) could not be loaded")]
    Font,
    /// Drawing failed.
    #[error("drawing {chart}: {message}")]
    Draw {
        /// The chart's name.
        chart: String,
        /// What happened.
        message: String,
    },
    /// Encoding the PNG failed.
    #[error("encoding {chart}.png: {message}")]
    Encode {
        /// The chart's name.
        chart: String,
        /// What happened.
        message: String,
    },
}

/// Every chart the run's data supports, in the order a report shows them.
pub fn draw_all(data: &RunData) -> Result<Vec<Chart>, PlotError> {
    use rayon::prelude::*;
    register_font()?;
    let mut lines: Vec<(String, LineChart)> = Vec::new();
    if let Some(fig) = latency_cdf(data) {
        lines.push(("latency_cdf".into(), fig));
    }
    if let Some(fig) = time_series(data, Measure::Throughput) {
        lines.push(("throughput".into(), fig));
    }
    if let Some(fig) = time_series(data, Measure::ReadyQueue) {
        lines.push(("ready_queue".into(), fig));
    }
    if let Some(values) = data.numeric_sweep() {
        if let Some(fig) = sweep_latency(data, &values) {
            lines.push(("sweep_latency".into(), fig));
        }
        if let Some(fig) = sweep_throughput(data, &values) {
            lines.push(("sweep_throughput".into(), fig));
        }
    }
    let gantts: Vec<(String, Gantt)> = gantts(data)
        .into_iter()
        .map(|(n, fig)| (format!("gantt_{n}"), fig))
        .collect();
    // Charts are independent: render them in parallel, collected in order.
    let mut charts: Vec<Chart> = lines
        .par_iter()
        .map(|(name, fig)| render(name, fig))
        .collect::<Result<_, _>>()?;
    let drawn: Vec<Chart> = gantts
        .par_iter()
        .map(|(name, fig)| render(name, fig))
        .collect::<Result<_, _>>()?;
    charts.extend(drawn);
    Ok(charts)
}

// ---- fonts, colours, rendering ----

/// The font family every text uses: DejaVu Sans in PNGs, the viewer's
/// sans-serif font in SVGs.
const FONT: &str = "sans-serif";

fn register_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        )
        .is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&TEXT)
}

/// Width in pixels of `text` at `size`.
fn text_width(text: &str, size: u32) -> u32 {
    (FONT, size).into_font().box_size(text).map_or(
        // Without the font (never: it is registered first), a wide guess.
        size * text.chars().count() as u32 * 3 / 5,
        |(w, _)| w,
    )
}

const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID_BOLD: RGBColor = RGBColor(0xcc, 0xcc, 0xcc);
const GRID_LIGHT: RGBColor = RGBColor(0xee, 0xee, 0xee);
/// Context switches in the Gantt charts.
const SWITCH: RGBColor = RGBColor(0xa0, 0xa0, 0xa0);
/// Preemption marks in the Gantt charts.
const PREEMPTION: RGBColor = RGBColor(0xd0, 0x00, 0x00);

/// Policy colours, by the policy's position in the scenario: matplotlib's
/// `tab10`, then its colours darker, then lighter.
fn policy_color(index: usize) -> RGBColor {
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
fn class_color(index: usize) -> RGBColor {
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
fn tint(c: RGBColor, share: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * share + 255.0 * (1.0 - share)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

fn darker(v: u8) -> u8 {
    (f64::from(v) * 0.6).round() as u8
}

/// Whether white text reads better than dark text on `c`.
fn is_dark(c: RGBColor) -> bool {
    0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2) < 150.0
}

/// A chart drawn the same way on any backend.
trait Figure {
    /// The chart's title.
    fn title(&self) -> &str;
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the chart on `root`, a white area of `size()`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB>;
}

type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn render(name: &str, fig: &impl Figure) -> Result<Chart, PlotError> {
    let (width, height) = fig.size();
    let failed = |e: &dyn Display| PlotError::Draw {
        chart: name.to_string(),
        message: e.to_string(),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(&e))?;
        fig.draw(&root).map_err(|e| failed(&e))?;
        root.present().map_err(|e| failed(&e))?;
    }
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        fig.draw(&root).map_err(|e| failed(&e))?;
        root.present().map_err(|e| failed(&e))?;
    }
    let mut png = Vec::new();
    // Deflate's default level with the `Up` filter: files half the size of
    // the fastest setting's, still a few ms a chart.
    PngEncoder::new_with_quality(&mut png, CompressionType::Default, FilterType::Up)
        .write_image(&rgb, width, height, image::ColorType::Rgb8)
        .map_err(|e| PlotError::Encode {
            chart: name.to_string(),
            message: e.to_string(),
        })?;
    Ok(Chart {
        name: name.to_string(),
        title: fig.title().to_string(),
        svg,
        png,
        width,
        height,
    })
}

// ---- axes ----

/// An axis: its title, its range and ticks, linear or base-10 logarithmic.
/// Values are drawn in axis space: `log10(v)` on a log axis.
#[derive(Clone, Debug)]
struct Axis {
    title: String,
    log: bool,
    /// Range, in axis space.
    lo: f64,
    hi: f64,
    /// Labelled ticks, in axis space.
    bold: Vec<f64>,
    /// Grid lines between them.
    light: Vec<f64>,
    /// Decimals of the labels (linear axes).
    decimals: usize,
}

impl Axis {
    /// A linear axis over `[lo, hi]` with round ticks.
    fn linear(title: impl Into<String>, lo: f64, hi: f64) -> Axis {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
        };
        let step = nice_step((hi - lo) / 8.0);
        let ticks = |step: f64| -> Vec<f64> {
            let first = (lo / step - 1e-9).ceil() as i64;
            let last = (hi / step + 1e-9).floor() as i64;
            (first..=last).map(|k| k as f64 * step).collect()
        };
        let light = ticks(step / 2.0);
        Axis {
            title: title.into(),
            log: false,
            lo,
            hi,
            bold: ticks(step),
            light,
            decimals: (-step.log10().floor()).max(0.0) as usize,
        }
    }

    /// A log axis covering `[min, max]` (both > 0), widened to whole decades.
    fn log(title: impl Into<String>, min: f64, max: f64) -> Axis {
        let lo = min.log10().floor();
        let mut hi = max.log10().ceil();
        if hi <= lo {
            hi = lo + 1.0;
        }
        let decades = (lo as i32)..=(hi as i32);
        let every = if hi - lo > 8.0 { 2 } else { 1 };
        Axis {
            title: title.into(),
            log: true,
            lo,
            hi,
            bold: decades
                .clone()
                .filter(|k| k.rem_euclid(every) == 0)
                .map(f64::from)
                .collect(),
            light: decades
                .flat_map(|k| (2..10).map(move |m| f64::from(k) + f64::from(m).log10()))
                .filter(|v| *v < hi)
                .collect(),
            decimals: 0,
        }
    }

    /// `v` in axis space.
    fn to_axis(&self, v: f64) -> f64 {
        if self.log { v.log10() } else { v }
    }

    /// The label of the tick at `v` (axis space).
    fn label(&self, v: f64) -> String {
        if !self.log {
            let text = format!("{v:.*}", self.decimals);
            // No "-0".
            return if text.trim_start_matches(['-', '0', '.']).is_empty() {
                text.trim_start_matches('-').to_string()
            } else {
                text
            };
        }
        let k = v.round() as i32;
        match k {
            0..=6 => format!("{}", 10u64.pow(k as u32)),
            -6..=-1 => format!("{:.*}", (-k) as usize, 10f64.powi(k)),
            _ => format!("1e{k}"),
        }
    }

    fn coord(&self) -> Ticks {
        Ticks {
            lo: self.lo,
            hi: self.hi,
            bold: self.bold.clone(),
            light: self.light.clone(),
        }
    }

    /// Pixels the tick labels take across.
    fn label_width(&self, size: u32) -> u32 {
        self.bold
            .iter()
            .map(|v| text_width(&self.label(*v), size))
            .max()
            .unwrap_or(0)
    }
}

/// A linear coordinate with given ticks (labelled: `bold`; grid lines only:
/// `light`), labels formatted by the caller.
#[derive(Clone, Debug)]
struct Ticks {
    lo: f64,
    hi: f64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let share = (v - self.lo) / (self.hi - self.lo);
        let pixels = f64::from(limit.1 - limit.0) * share;
        limit.0 + pixels.clamp(-1e6, 1e6).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// 1, 2 or 5 times a power of ten, near `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = raw / magnitude;
    let nice = if m < 1.5 {
        1.0
    } else if m < 3.0 {
        2.0
    } else if m < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

// ---- legends ----

/// What a legend entry shows next to its label.
#[derive(Clone, Copy, Debug)]
enum Swatch {
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
struct Entry {
    label: String,
    swatch: Swatch,
}

const LEGEND_FONT: u32 = 15;
const SWATCH_W: i32 = 32;
/// Legend rows, in pixels.
const LEGEND_ROW: i32 = 24;
/// Widest label in a legend column, in pixels; longer ones are cut.
const LEGEND_MAX_TEXT: u32 = 300;

fn fitted(label: &str) -> String {
    if text_width(label, LEGEND_FONT) <= LEGEND_MAX_TEXT {
        return label.to_string();
    }
    let mut cut: String = label.to_string();
    while !cut.is_empty() && text_width(&format!("{cut}…"), LEGEND_FONT) > LEGEND_MAX_TEXT {
        cut.pop();
    }
    format!("{cut}…")
}

fn entry_width(e: &Entry) -> i32 {
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
fn legend_column<DB: DrawingBackend>(
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
fn flow_rows(entries: &[Entry], width: i32) -> Vec<Vec<&Entry>> {
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
fn legend_rows<DB: DrawingBackend>(
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
fn hatched<DB: DrawingBackend>(
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

// ---- line charts ----

/// A line of a line chart, in data space.
#[derive(Clone, Debug)]
struct Line {
    points: Vec<(f64, f64)>,
    color: RGBColor,
    width: u32,
    dashed: bool,
    /// A band around the line: (x, low, high).
    band: Option<Vec<(f64, f64, f64)>>,
}

impl Line {
    fn solid(points: Vec<(f64, f64)>, color: RGBColor) -> Line {
        Line {
            points,
            color,
            width: 2,
            dashed: false,
            band: None,
        }
    }
}

/// A chart of lines against two axes, its legend in a column at the right.
struct LineChart {
    title: String,
    x: Axis,
    y: Axis,
    lines: Vec<Line>,
    legend: Vec<Entry>,
}

const LINE_SIZE: (u32, u32) = (1000, 600);
const TITLE_FONT: u32 = 22;
const LABEL_FONT: u32 = 14;
const AXIS_TITLE_FONT: u32 = 16;

impl Figure for LineChart {
    fn title(&self) -> &str {
        &self.title
    }

    fn size(&self) -> (u32, u32) {
        LINE_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let (width, _) = self.size();
        let body = root
            .margin(6, 0, 0, 0)
            .titled(&self.title, font(TITLE_FONT))?;
        let legend_w = self
            .legend
            .iter()
            .map(entry_width)
            .max()
            .map_or(0, |w| w + 30)
            .min(width as i32 / 2);
        let (plot, legend) = body.split_horizontally(width as i32 - legend_w);
        let y_label_area = self.y.label_width(LABEL_FONT) + 12 + AXIS_TITLE_FONT + 14;
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(52)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(self.x.coord(), self.y.coord())?;
        let x_label = |v: &f64| self.x.label(*v);
        let y_label = |v: &f64| self.y.label(*v);
        chart
            .configure_mesh()
            .x_desc(self.x.title.as_str())
            .y_desc(self.y.title.as_str())
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style(font(LABEL_FONT))
            .axis_desc_style(font(AXIS_TITLE_FONT))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .axis_style(TEXT)
            .draw()?;
        let to_axis = |(x, y): (f64, f64)| (self.x.to_axis(x), self.y.to_axis(y));
        // Bands first, under every line.
        for line in &self.lines {
            let Some(band) = &line.band else { continue };
            let clamp = |v: f64| self.y.to_axis(v).max(self.y.lo);
            let mut outline: Vec<(f64, f64)> = band
                .iter()
                .map(|&(x, _, hi)| (self.x.to_axis(x), clamp(hi)))
                .collect();
            outline.extend(
                band.iter()
                    .rev()
                    .map(|&(x, lo, _)| (self.x.to_axis(x), clamp(lo))),
            );
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                line.color.mix(0.15).filled(),
            )))?;
        }
        for line in &self.lines {
            let points = line.points.iter().copied().map(to_axis);
            let style = line.color.stroke_width(line.width);
            if line.dashed {
                chart.draw_series(DashedLineSeries::new(points, 9, 6, style))?;
            } else {
                chart.draw_series(LineSeries::new(points, style))?;
            }
        }
        let top = chart.plotting_area().get_pixel_range().1.start - legend.get_base_pixel().1;
        legend_column(&legend, &self.legend, (10, top.max(0)))?;
        Ok(())
    }
}

/// A policy at one sweep point: its position in the scenario (its colour)
/// and its label there.
#[derive(Clone, Debug, PartialEq)]
struct Policy {
    index: usize,
    label: String,
}

/// The policies at `point`, in scenario order: from `aggregate.csv` (rows in
/// point, policy, class order), else `run.json`.
fn policies_at(data: &RunData, point: usize) -> Vec<Policy> {
    let mut labels: Vec<&str> = Vec::new();
    for row in data.aggregate.iter().filter(|r| r.point == point) {
        if !labels.contains(&row.policy.as_str()) {
            labels.push(&row.policy);
        }
    }
    if labels.is_empty() {
        labels = data.meta.policies.iter().map(String::as_str).collect();
    }
    labels
        .into_iter()
        .enumerate()
        .map(|(index, label)| Policy {
            index,
            label: label.to_string(),
        })
        .collect()
}

/// The policies of `labels` (in the order of first appearance) not already
/// in `known`, appended with the next indices.
fn with_extra<'a>(mut known: Vec<Policy>, labels: impl Iterator<Item = &'a str>) -> Vec<Policy> {
    for label in labels {
        if !known.iter().any(|p| p.label == label) {
            known.push(Policy {
                index: known.len(),
                label: label.to_string(),
            });
        }
    }
    known
}

/// The point the single-run charts show: the last.
fn last_point(data: &RunData) -> usize {
    data.meta.points.len().saturating_sub(1)
}

/// `load = 0.9` for a sweep point, `None` without a sweep.
fn point_caption(data: &RunData, point: usize) -> Option<String> {
    if data.meta.sweep.is_empty() {
        return None;
    }
    let value = data.meta.points.get(point)?;
    Some(match data.meta.sweep.as_slice() {
        [key] => format!("{key} = {value}"),
        _ => value.replace(';', ", ").replace('=', " = "),
    })
}

/// `base`, then ` at <point>` with a sweep.
fn titled_at(data: &RunData, base: String, point: usize) -> String {
    match point_caption(data, point) {
        Some(at) => format!("{base} at {at}"),
        None => base,
    }
}

fn policy_entry(p: &Policy) -> Entry {
    Entry {
        label: fitted(&p.label),
        swatch: Swatch::Line {
            color: policy_color(p.index),
            width: 3,
            dashed: false,
        },
    }
}

fn latency_cdf(data: &RunData) -> Option<LineChart> {
    let point = last_point(data);
    let rows: Vec<_> = data
        .cdf
        .iter()
        .filter(|r| r.point == point && r.replication == 0 && r.latency_s > 0.0)
        .collect();
    let policies = with_extra(
        policies_at(data, point),
        rows.iter().map(|r| r.policy.as_str()),
    );
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    for p in &policies {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.policy == p.label)
            .map(|r| (r.latency_s * 1e3, r.quantile))
            .collect();
        if points.is_empty() {
            continue;
        }
        lines.push(Line::solid(points, policy_color(p.index)));
        legend.push(policy_entry(p));
    }
    // The axis starts at the decade of the lowest 1st percentile: a few
    // very short tasks would otherwise stretch it over empty decades.
    let (_, max) = bounds(lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)))?;
    let (min, _) = bounds(
        lines
            .iter()
            .filter_map(|l| l.points.iter().find(|p| p.1 >= 0.01).or(l.points.last()))
            .map(|p| p.0),
    )?;
    let x = Axis::log("latency (ms, log scale)", min, max);
    let from = 10f64.powf(x.lo);
    for line in &mut lines {
        line.points = clip_below(&line.points, from);
    }
    let mut y = Axis::linear("fraction of tasks with at most this latency", 0.0, 1.0);
    y.decimals = 1;
    Some(LineChart {
        title: titled_at(
            data,
            format!("{}: latency distribution", data.meta.scenario),
            point,
        ),
        x,
        y,
        lines,
        legend,
    })
}

/// The points of a CDF (x increasing) from `x_min` on: the segment crossing
/// `x_min` starts there (interpolated on a log x scale).
fn clip_below(points: &[(f64, f64)], x_min: f64) -> Vec<(f64, f64)> {
    let Some(first) = points.iter().position(|p| p.0 >= x_min) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(points.len() - first + 1);
    if first > 0 && points[first].0 > x_min {
        let (a, b) = (points[first - 1], points[first]);
        let t = (x_min.ln() - a.0.ln()) / (b.0.ln() - a.0.ln());
        out.push((x_min, a.1 + t * (b.1 - a.1)));
    }
    out.extend_from_slice(&points[first..]);
    out
}

/// The smallest and largest of `values`, if any.
fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
        })
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Measure {
    Throughput,
    ReadyQueue,
}

fn time_series(data: &RunData, measure: Measure) -> Option<LineChart> {
    let point = last_point(data);
    let rows: Vec<_> = data
        .series
        .iter()
        .filter(|r| r.point == point && r.replication == 0)
        .collect();
    let policies = with_extra(
        policies_at(data, point),
        rows.iter().map(|r| r.policy.as_str()),
    );
    // The run's last window is cut where it ended: a sliver of a window
    // would only add noise (a few completions in a few ms), so windows under
    // half the full width are left out.
    let full = rows
        .iter()
        .map(|r| r.window_end_s - r.window_start_s)
        .fold(0.0, f64::max);
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    for p in &policies {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.policy == p.label)
            .filter(|r| r.window_end_s - r.window_start_s >= full / 2.0)
            .filter_map(|r| {
                let mid = (r.window_start_s + r.window_end_s) / 2.0;
                match measure {
                    Measure::Throughput => r.throughput_per_s.map(|t| (mid, t)),
                    Measure::ReadyQueue => Some((mid, r.ready_queue_mean)),
                }
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        lines.push(Line::solid(points, policy_color(p.index)));
        legend.push(policy_entry(p));
    }
    if lines.is_empty() {
        return None;
    }
    let end = rows
        .iter()
        .map(|r| r.window_end_s)
        .fold(0.0, f64::max)
        .max(1e-9);
    let (_, top) = bounds(lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)))?;
    let top = if top > 0.0 { top * 1.05 } else { 1.0 };
    let (what, y_title) = match measure {
        Measure::Throughput => ("throughput over time", "completions per second"),
        Measure::ReadyQueue => (
            "ready-queue length over time",
            "mean ready-queue length (tasks)",
        ),
    };
    Some(LineChart {
        title: titled_at(data, format!("{}: {what}", data.meta.scenario), point),
        x: Axis::linear("time (s)", 0.0, end),
        y: Axis::linear(y_title, 0.0, top),
        lines,
        legend,
    })
}

/// How to show the swept values: a factor from the values of
/// `numeric_sweep` (seconds for durations), the key, and its unit.
fn sweep_axis(data: &RunData, values: &[f64]) -> (f64, String, Option<&'static str>) {
    let key = data.meta.sweep.first().cloned().unwrap_or_default();
    let durations = data.meta.points.iter().any(|v| v.parse::<f64>().is_err());
    if !durations {
        return (1.0, key, None);
    }
    let max = values.iter().copied().fold(0.0, f64::max);
    let (factor, unit) = if max >= 1.0 {
        (1.0, "s")
    } else if max >= 1e-3 {
        (1e3, "ms")
    } else {
        (1e6, "us")
    };
    (factor, key, Some(unit))
}

/// The x axis of a sweep chart: log when the values span two decades.
fn sweep_x(key: String, unit: Option<&str>, xs: &[f64]) -> Option<Axis> {
    let (min, max) = bounds(xs.iter().copied())?;
    let log = min > 0.0 && max / min >= 100.0;
    let title = match (unit, log) {
        (Some(unit), true) => format!("{key} ({unit}, log scale)"),
        (Some(unit), false) => format!("{key} ({unit})"),
        (None, true) => format!("{key} (log scale)"),
        (None, false) => key,
    };
    Some(if log {
        Axis::log(title, min, max)
    } else {
        let pad = if max > min { (max - min) * 0.03 } else { 0.5 };
        Axis::linear(title, min - pad, max + pad)
    })
}

/// Per policy index: its label and (x, mean, ci95) at each point, sorted by x.
type SweepLines = BTreeMap<usize, (String, Vec<(f64, f64, Option<f64>)>)>;

/// `metric` of class `*` against the swept value, per policy, scaled by
/// `scale`.
fn sweep_lines(data: &RunData, xs: &[f64], metric: Metric, scale: f64) -> SweepLines {
    let mut lines: SweepLines = BTreeMap::new();
    let mut labels: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (point, &x) in xs.iter().enumerate() {
        for p in policies_at(data, point) {
            let row = data
                .aggregate
                .iter()
                .find(|r| r.point == point && r.policy == p.label && r.class == Classes::All);
            let Some(row) = row else { continue };
            labels.entry(p.index).or_default().push(p.label.clone());
            if let Some(mean) = row.mean(metric) {
                let ci = row.ci95(metric).map(|c| c * scale);
                lines
                    .entry(p.index)
                    .or_insert_with(|| (String::new(), Vec::new()))
                    .1
                    .push((x, mean * scale, ci));
            }
        }
    }
    for (index, (label, points)) in &mut lines {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        *label = sweep_label(&labels[index]);
    }
    lines
}

/// The name of a policy across sweep points: its label if the same at every
/// point (else what precedes the parameters, when sweeping a parameter
/// changed the label).
fn sweep_label(labels: &[String]) -> String {
    let first = labels.first().cloned().unwrap_or_default();
    if labels.iter().all(|l| *l == first) {
        return first;
    }
    let stem = |l: &str| l.split('(').next().unwrap_or(l).to_string();
    if labels.iter().all(|l| stem(l) == stem(&first)) {
        stem(&first)
    } else {
        first
    }
}

fn band_entry(any_band: bool) -> Option<Entry> {
    any_band.then(|| Entry {
        label: "95% confidence interval".into(),
        swatch: Swatch::Band(tint(RGBColor(0x70, 0x70, 0x70), 0.3)),
    })
}

fn sweep_title(data: &RunData, what: &str) -> String {
    let key = data.meta.sweep.first().map_or("", String::as_str);
    format!("{}: {what} against {key}", data.meta.scenario)
}

fn sweep_latency(data: &RunData, values: &[f64]) -> Option<LineChart> {
    let (factor, key, unit) = sweep_axis(data, values);
    let xs: Vec<f64> = values.iter().map(|v| v * factor).collect();
    let p50 = sweep_lines(data, &xs, Metric::LatencyP50S, 1e3);
    let p99 = sweep_lines(data, &xs, Metric::LatencyP99S, 1e3);
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    let mut any_band = false;
    let mut ys = Vec::new();
    for (percentile, dashed, series) in [(50, true, &p50), (99, false, &p99)] {
        for (&index, (label, points)) in series {
            let points: Vec<_> = points.iter().filter(|p| p.1 > 0.0).collect();
            if points.is_empty() {
                continue;
            }
            let band: Vec<(f64, f64, f64)> = points
                .iter()
                .filter_map(|&&(x, m, ci)| ci.map(|c| (x, m - c, m + c)))
                .collect();
            let band =
                (band.len() == points.len() && band.iter().any(|b| b.2 > b.1)).then_some(band);
            any_band |= band.is_some();
            ys.extend(points.iter().map(|p| p.1));
            ys.extend(band.iter().flatten().flat_map(|b| [b.1, b.2]));
            lines.push(Line {
                points: points.iter().map(|p| (p.0, p.1)).collect(),
                color: policy_color(index),
                width: if dashed { 2 } else { 3 },
                dashed,
                band,
            });
            let named = legend.iter().any(|e: &Entry| e.label == fitted(label));
            if (percentile == 99 || !p99.contains_key(&index)) && !named {
                legend.push(policy_entry(&Policy {
                    index,
                    label: label.clone(),
                }));
            }
        }
    }
    if lines.is_empty() {
        return None;
    }
    legend.push(Entry {
        label: Metric::LatencyP99S.label().into(),
        swatch: Swatch::Line {
            color: TEXT,
            width: 3,
            dashed: false,
        },
    });
    legend.push(Entry {
        label: format!("{} (median)", Metric::LatencyP50S.label()),
        swatch: Swatch::Line {
            color: TEXT,
            width: 2,
            dashed: true,
        },
    });
    legend.extend(band_entry(any_band));
    let (min, max) = bounds(ys.into_iter().filter(|v| *v > 0.0))?;
    let x = sweep_x(key, unit, &xs)?;
    Some(LineChart {
        title: sweep_title(data, "p50 and p99 latency"),
        x,
        y: Axis::log("latency (ms, log scale)", min, max),
        lines,
        legend,
    })
}

fn sweep_throughput(data: &RunData, values: &[f64]) -> Option<LineChart> {
    let (factor, key, unit) = sweep_axis(data, values);
    let xs: Vec<f64> = values.iter().map(|v| v * factor).collect();
    let series = sweep_lines(data, &xs, Metric::ThroughputPerS, 1.0);
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    let mut any_band = false;
    let mut top: f64 = 0.0;
    for (&index, (label, points)) in &series {
        if points.is_empty() {
            continue;
        }
        let band: Vec<(f64, f64, f64)> = points
            .iter()
            .filter_map(|&(x, m, ci)| ci.map(|c| (x, (m - c).max(0.0), m + c)))
            .collect();
        let band = (band.len() == points.len() && band.iter().any(|b| b.2 > b.1)).then_some(band);
        any_band |= band.is_some();
        top = points
            .iter()
            .map(|p| p.1 + p.2.unwrap_or(0.0))
            .fold(top, f64::max);
        let mut line = Line::solid(
            points.iter().map(|p| (p.0, p.1)).collect(),
            policy_color(index),
        );
        line.band = band;
        lines.push(line);
        legend.push(policy_entry(&Policy {
            index,
            label: label.clone(),
        }));
    }
    if lines.is_empty() {
        return None;
    }
    // Every policy often has the same throughput (it is set by the
    // arrivals): lines drawn first are wider, so coinciding lines all show.
    let k = lines.len();
    for (j, line) in lines.iter_mut().enumerate() {
        line.width = 2 + 2 * (k - 1 - j).min(3) as u32;
    }
    legend.extend(band_entry(any_band));
    let top = if top > 0.0 { top * 1.05 } else { 1.0 };
    Some(LineChart {
        title: sweep_title(data, "throughput"),
        x: sweep_x(key, unit, &xs)?,
        y: Axis::linear("throughput (completions per second)", 0.0, top),
        lines,
        legend,
    })
}

// ---- Gantt charts ----

/// What each CPU did in the first moments of one policy's run.
struct Gantt {
    title: String,
    cpus: u32,
    /// Where the segments end, ms.
    until_ms: f64,
    /// The rows of this run (compute, switch, blocked, preemption).
    rows: Vec<GanttRow>,
    /// Class colours by name.
    classes: Vec<(String, RGBColor)>,
    legend: Vec<Entry>,
    size: (u32, u32),
}

const GANTT_WIDTH: u32 = 1000;
/// Pixels per CPU row: 60 for up to 10 CPUs, then fewer, down to 14.
fn gantt_row_height(cpus: u32) -> u32 {
    (600 / cpus.max(1)).clamp(14, 60)
}
/// The Gantt chart's parts around its rows: title, axis labels, margins.
const GANTT_CHROME: u32 = 40 + 52 + 20;
const GANTT_Y_LABELS: u32 = 70;
/// Room for the legend's rows under a Gantt chart.
const GANTT_LEGEND_WIDTH: i32 = (GANTT_WIDTH - GANTT_Y_LABELS - 30) as i32;

/// Compute and blocked segments a Gantt chart shows per CPU, at most: the
/// window ends where the policy with the most segments reaches this many,
/// the same window for every policy, so they compare side by side.
const GANTT_WORK_PER_CPU: usize = 60;

/// Whether a row of `kind` is work: a task computing or holding the worker
/// in a cooperative block.
fn is_work(kind: GanttKind) -> bool {
    matches!(
        kind,
        GanttKind::Segment(SegmentKind::Compute | SegmentKind::Blocked)
    )
}

/// Where the window of `rows` (one run's segments) ends, in ns: at the start
/// of the first work segment beyond `GANTT_WORK_PER_CPU` per CPU, else at the
/// end of the last segment.
fn gantt_cut(rows: &[GanttRow], cpus: u32) -> u64 {
    let mut starts: Vec<u64> = rows
        .iter()
        .filter(|r| is_work(r.kind))
        .map(|r| r.start_ns)
        .collect();
    starts.sort_unstable();
    let end = rows.iter().map(|r| r.end_ns).max().unwrap_or(0);
    starts
        .get(GANTT_WORK_PER_CPU * cpus as usize)
        .copied()
        .filter(|&t| t > 0)
        .unwrap_or(end)
}

/// `rows` with back-to-back segments of one task on one CPU, of one kind,
/// joined (a task polled many times in a row is one block).
fn merged<'a>(rows: impl Iterator<Item = &'a GanttRow>) -> Vec<GanttRow> {
    stretch::merged(rows.cloned().collect())
}

/// Rows join across a preemption: the chart marks it on the joined block.
impl Stretch for GanttRow {
    fn cpu(&self) -> u32 {
        self.cpu
    }
    fn start(&self) -> u64 {
        self.start_ns
    }
    fn end(&self) -> u64 {
        self.end_ns
    }
    fn kind(&self) -> Option<SegmentKind> {
        match self.kind {
            GanttKind::Segment(kind) => Some(kind),
            GanttKind::Preemption => None,
        }
    }
    fn same_task(&self, other: &Self) -> bool {
        self.task == other.task
    }
    fn absorb(&mut self, next: Self) {
        self.end_ns = next.end_ns;
    }
}

fn gantts(data: &RunData) -> Vec<(usize, Gantt)> {
    let rows: Vec<&GanttRow> = data
        .gantt
        .iter()
        .filter(|r| r.point == 0 && r.replication == 0)
        .collect();
    let policies = with_extra(policies_at(data, 0), rows.iter().map(|r| r.policy.as_str()));
    let cpus = rows
        .iter()
        .map(|r| r.cpu + 1)
        .max()
        .unwrap_or(1)
        .max(data.meta.cpus);
    let runs: Vec<(Policy, Vec<GanttRow>)> = policies
        .into_iter()
        .map(|p| {
            let mine = merged(rows.iter().filter(|r| r.policy == p.label).copied());
            (p, mine)
        })
        .filter(|(_, mine)| !mine.is_empty())
        .collect();
    let Some(until_ns) = runs.iter().map(|(_, mine)| gantt_cut(mine, cpus)).min() else {
        return Vec::new();
    };
    let until_ns = until_ns.max(1);
    let mut class_names: Vec<String> = data.meta.classes.clone();
    for r in &rows {
        if !class_names.contains(&r.class) {
            class_names.push(r.class.clone());
        }
    }
    let mut out = Vec::new();
    for (p, mine) in runs {
        // The window: segments cut at its end, preemptions within it.
        let shown: Vec<GanttRow> = mine
            .into_iter()
            .filter(|r| {
                r.start_ns < until_ns || (r.kind == GanttKind::Preemption && r.start_ns <= until_ns)
            })
            .map(|r| GanttRow {
                end_ns: r.end_ns.min(until_ns),
                ..r
            })
            .collect();
        let classes: Vec<(String, RGBColor)> = class_names
            .iter()
            .enumerate()
            .filter(|(_, c)| shown.iter().any(|r| &r.class == *c && is_work(r.kind)))
            .map(|(i, c)| (c.clone(), class_color(i)))
            .collect();
        let mut legend: Vec<Entry> = classes
            .iter()
            .map(|(c, color)| Entry {
                label: fitted(c),
                swatch: Swatch::Block(*color),
            })
            .collect();
        let has = |kind: GanttKind| shown.iter().any(|r| r.kind == kind);
        if has(GanttKind::Segment(SegmentKind::Switch)) {
            legend.push(Entry {
                label: "context switch".into(),
                swatch: Swatch::Block(SWITCH),
            });
        }
        if has(GanttKind::Segment(SegmentKind::Blocked)) {
            legend.push(Entry {
                label: "blocked (holds the worker)".into(),
                swatch: Swatch::Hatched(RGBColor(0x55, 0x55, 0x55)),
            });
        }
        if has(GanttKind::Preemption) {
            legend.push(Entry {
                label: "preemption".into(),
                swatch: Swatch::Tick(PREEMPTION),
            });
        }
        let legend_rows = flow_rows(&legend, GANTT_LEGEND_WIDTH).len() as u32;
        let height = GANTT_CHROME + cpus * gantt_row_height(cpus) + legend_rows * LEGEND_ROW as u32;
        let until_ms = until_ns as f64 / 1e6;
        let mut title = format!("{}: first {} ms", p.label, short(until_ms));
        if let Some(at) = point_caption(data, 0) {
            title.push_str(&format!(" ({at})"));
        }
        out.push((
            p.index,
            Gantt {
                title,
                cpus,
                until_ms,
                rows: shown,
                classes,
                legend,
                size: (GANTT_WIDTH, height),
            },
        ));
    }
    out
}

/// A duration in ms, to three significant digits or whole.
fn short(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else if ms >= 1.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.3}")
    }
}

impl Figure for Gantt {
    fn title(&self) -> &str {
        &self.title
    }

    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let body = root
            .margin(6, 0, 0, 0)
            .titled(&self.title, font(TITLE_FONT))?;
        let legend_h = flow_rows(&self.legend, GANTT_LEGEND_WIDTH).len() as i32 * LEGEND_ROW;
        let (plot, legend) = body.split_vertically(body.dim_in_pixel().1 as i32 - legend_h - 8);
        let n = f64::from(self.cpus);
        // CPU 0 at the top: CPU c is the band [n - 1 - c, n - c].
        let centre = |cpu: u32| n - f64::from(cpu) - 0.5;
        let y = Ticks {
            lo: 0.0,
            hi: n,
            bold: (0..self.cpus).map(centre).collect(),
            light: Vec::new(),
        };
        let x = Axis::linear("time (ms)", 0.0, self.until_ms);
        let mut chart = ChartBuilder::on(&plot)
            .margin(8)
            .margin_right(20)
            .x_label_area_size(52)
            .y_label_area_size(GANTT_Y_LABELS)
            .build_cartesian_2d(x.coord(), y)?;
        let x_label = |v: &f64| x.label(*v);
        let y_label = |v: &f64| format!("CPU {}", (n - 0.5 - v).round());
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(x.title.as_str())
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style(font(LABEL_FONT))
            .axis_desc_style(font(AXIS_TITLE_FONT))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .axis_style(TEXT)
            .draw()?;
        let color = |class: &str| {
            self.classes
                .iter()
                .find(|(c, _)| c == class)
                .map_or(SWITCH, |(_, color)| *color)
        };
        // Pixel corners of a segment on its CPU's row, at least 1 pixel wide.
        let corners = |r: &GanttRow, inset: f64| {
            let top = centre(r.cpu) + 0.5 - inset;
            let bottom = centre(r.cpu) - 0.5 + inset;
            let a = chart.backend_coord(&(r.start_ns as f64 / 1e6, top));
            let b = chart.backend_coord(&(r.end_ns as f64 / 1e6, bottom));
            (a, (b.0.max(a.0 + 1), b.1))
        };
        let kind = |k: GanttKind| self.rows.iter().filter(move |r| r.kind == k);
        for r in kind(GanttKind::Segment(SegmentKind::Switch)) {
            let (a, b) = corners(r, 0.22);
            root.draw(&Rectangle::new([a, b], SWITCH.filled()))?;
        }
        for r in kind(GanttKind::Segment(SegmentKind::Blocked)) {
            let (a, b) = corners(r, 0.15);
            hatched(root, color(&r.class), a, b)?;
        }
        let label_style = |dark: bool| {
            TextStyle::from((FONT, 12).into_font())
                .color(if dark { &WHITE } else { &TEXT })
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        for r in kind(GanttKind::Segment(SegmentKind::Compute)) {
            let (a, b) = corners(r, 0.15);
            let c = color(&r.class);
            root.draw(&Rectangle::new([a, b], c.filled()))?;
            if b.0 - a.0 >= 4 {
                // An edge, so back-to-back tasks stay apart.
                let edge = RGBColor(darker(c.0), darker(c.1), darker(c.2));
                root.draw(&Rectangle::new([a, b], edge.stroke_width(1)))?;
            }
            // The task's name, where it fits.
            let text_w = text_width(&r.task, 12) as i32;
            if b.0 - a.0 >= text_w + 8 && b.1 - a.1 >= 16 {
                root.draw_text(
                    &r.task,
                    &label_style(is_dark(c)),
                    ((a.0 + b.0) / 2, (a.1 + b.1) / 2),
                )?;
            }
        }
        for r in kind(GanttKind::Preemption) {
            let (a, b) = corners(r, 0.04);
            root.draw(&PathElement::new(
                vec![(a.0, a.1), (a.0, b.1)],
                PREEMPTION.stroke_width(2),
            ))?;
        }
        let left = chart.plotting_area().get_pixel_range().0.start - legend.get_base_pixel().0;
        legend_rows(&legend, &self.legend, (left, 0), GANTT_LEGEND_WIDTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_labelled_without_float_noise() {
        let a = Axis::linear("x", 0.0, 1.0);
        assert_eq!(a.bold.len(), 11);
        let labels: Vec<String> = a.bold.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels[3], "0.3");
        assert_eq!(labels[10], "1.0");
        let b = Axis::linear("x", -1e-12, 2000.0);
        assert_eq!(b.label(b.bold[0]), "0");
        assert_eq!(b.bold[1], 200.0);
    }

    #[test]
    fn log_axes_cover_whole_decades() {
        let a = Axis::log("x", 0.0042, 130.0);
        assert_eq!((a.lo, a.hi), (-3.0, 3.0));
        let labels: Vec<String> = a.bold.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels, ["0.001", "0.01", "0.1", "1", "10", "100", "1000"]);
        assert_eq!(a.light.len(), 6 * 8);
        // A single value still gets a decade.
        let b = Axis::log("x", 10.0, 10.0);
        assert_eq!((b.lo, b.hi), (1.0, 2.0));
    }

    #[test]
    fn a_cdf_clipped_on_the_left_starts_on_the_edge() {
        let points = [(0.001, 0.0), (0.1, 0.5), (10.0, 1.0)];
        let clipped = clip_below(&points, 0.01);
        assert_eq!(clipped.len(), 3);
        assert_eq!(clipped[0].0, 0.01);
        assert!((clipped[0].1 - 0.25).abs() < 1e-12);
        assert_eq!(clip_below(&points, 0.001), points);
        assert!(clip_below(&points, 100.0).is_empty());
    }

    fn row(cpu: u32, task: &str, start_ns: u64, end_ns: u64, kind: &str) -> GanttRow {
        GanttRow {
            point: 0,
            policy: "p".into(),
            replication: 0,
            cpu,
            task: task.into(),
            class: "c".into(),
            start_ns,
            end_ns,
            kind: kind.parse().unwrap(),
        }
    }

    #[test]
    fn back_to_back_slices_of_a_task_are_one_block() {
        let rows = [
            row(0, "a#0", 0, 10, "compute"),
            row(0, "a#0", 10, 20, "compute"),
            row(0, "a#0", 20, 20, "preemption"),
            row(0, "a#0", 20, 30, "compute"),
            row(0, "b#1", 30, 40, "compute"),
            row(1, "a#0", 40, 50, "compute"),
        ];
        let m = merged(rows.iter());
        let spans: Vec<(u32, &str, u64, u64, &str)> = m
            .iter()
            .map(|r| (r.cpu, r.task.as_str(), r.start_ns, r.end_ns, r.kind.name()))
            .collect();
        assert_eq!(
            spans,
            [
                (0, "a#0", 0, 30, "compute"),
                (0, "a#0", 20, 20, "preemption"),
                (0, "b#1", 30, 40, "compute"),
                (1, "a#0", 40, 50, "compute"),
            ]
        );
    }

    #[test]
    fn the_gantt_window_holds_a_bounded_number_of_segments_per_cpu() {
        let rows: Vec<GanttRow> = (0..200)
            .map(|i| row(0, &format!("t#{i}"), i * 100, i * 100 + 50, "compute"))
            .collect();
        assert_eq!(gantt_cut(&rows, 1), GANTT_WORK_PER_CPU as u64 * 100);
        assert_eq!(gantt_cut(&rows, 4), 199 * 100 + 50);
    }

    #[test]
    fn a_label_changed_by_a_sweep_keeps_the_policy_name() {
        let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(sweep_label(&labels(&["fifo", "fifo"])), "fifo");
        assert_eq!(
            sweep_label(&labels(&["rr(quantum=1ms)", "rr(quantum=2ms)"])),
            "rr"
        );
    }
}
