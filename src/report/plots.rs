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

mod axes;
mod gantt;
mod latency_cdf;
mod legend;
mod lines;
mod palette;
mod selection;
mod sweep;
mod sweep_latency;
mod sweep_throughput;
mod time_series;

use std::fmt::Display;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::data::RunData;

use gantt::{Gantt, gantts};
use latency_cdf::latency_cdf;
use lines::LineChart;
use palette::register_font;
use sweep_latency::sweep_latency;
use sweep_throughput::sweep_throughput;
use time_series::{Measure, time_series};

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

/// 8-bit RGB `rgb` (`width` x `height`) as PNG bytes: deflate's default
/// level with the `Up` filter on every row, not adaptive (files half the size
/// of the fastest setting's, still a few ms a chart). These are the settings
/// `image` 0.24's `PngEncoder` passed to this same `png` crate, so the bytes
/// are the ones it wrote.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Default);
    encoder.set_filter(png::FilterType::Up);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

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
    let png = encode_png(&rgb, width, height).map_err(|e| PlotError::Encode {
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
