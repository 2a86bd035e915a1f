//! Line charts: lines with optional confidence bands against two axes, the
//! legend in a column at the right.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::Axis;
use super::legend::{Entry, entry_width, legend_column};
use super::palette::{AXIS_TITLE_FONT, GRID_BOLD, GRID_LIGHT, LABEL_FONT, TEXT, TITLE_FONT, font};
use super::{Drawn, Figure};

/// A line of a line chart, in data space.
#[derive(Clone, Debug)]
pub(super) struct Line {
    pub(super) points: Vec<(f64, f64)>,
    pub(super) color: RGBColor,
    pub(super) width: u32,
    pub(super) dashed: bool,
    /// A band around the line: (x, low, high).
    pub(super) band: Option<Vec<(f64, f64, f64)>>,
}

impl Line {
    pub(super) fn solid(points: Vec<(f64, f64)>, color: RGBColor) -> Line {
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
pub(super) struct LineChart {
    pub(super) title: String,
    pub(super) x: Axis,
    pub(super) y: Axis,
    pub(super) lines: Vec<Line>,
    pub(super) legend: Vec<Entry>,
}

const LINE_SIZE: (u32, u32) = (1000, 600);

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
