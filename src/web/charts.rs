//! Charts drawn with plotters into the page's canvases: line charts for the
//! training curves and a heat map for the confusion matrix.

use plotters::prelude::*;

use super::canvas::{legend, Canvas, Corner};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

#[derive(Deserialize)]
struct Series {
    name: String,
    points: Vec<(f64, f64)>,
    color: (u8, u8, u8),
    #[serde(default)]
    faint: bool,
}

#[derive(Deserialize)]
struct LineChart {
    title: String,
    x_label: String,
    #[serde(default)]
    y_min: Option<f64>,
    #[serde(default)]
    y_max: Option<f64>,
    series: Vec<Series>,
}

fn js_err<E: std::fmt::Display>(e: E) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// Ticks on a 1-2-5 step from `lo` to `hi`, at most `max_ticks` of them,
/// and the step. A step of at least `min_step` (1 for the step axis).
fn nice_ticks(lo: f64, hi: f64, max_ticks: usize, min_step: f64) -> (Vec<f64>, f64) {
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let raw = (span / (max_ticks.max(2) - 1) as f64).max(min_step);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw * (1.0 - 1e-9)).unwrap_or(10.0 * mag);
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    // Multiples of the step, so 0.3 is 3 × 0.1 and not 0.1 + 0.1 + 0.1.
    let ticks = (first as i64..=last as i64).map(|k| k as f64 * step).collect();
    (ticks, step)
}

/// A tick label with as many decimals as the step needs and no more:
/// 0.0005 steps read 0.0005, 0.0010, …; finer steps or huge values are
/// written as 5e-5 or 2e6, so a label never outgrows its 44 px margin.
fn tick_label(v: f64, step: f64) -> String {
    if v.abs() < step * 1e-6 {
        return "0".to_string();
    }
    let step_exp = step.log10().floor() as i32;
    if step_exp < -4 || v.abs() >= 1e5 {
        let m = (v / 10f64.powi(step_exp)).round() as i64;
        return format!("{}e{}", m, step_exp);
    }
    format!("{:.*}", (-step_exp).max(0) as usize, v)
}

/// The y range a chart shows: the data's (or the fixed ends given), with a
/// little room above and below the data, widened to whole ticks; a
/// constant series gets a band around its value instead of a zero span.
fn y_axis(data_lo: f64, data_hi: f64, fixed_lo: Option<f64>, fixed_hi: Option<f64>, max_ticks: usize) -> (f64, f64, Vec<f64>, f64) {
    let (mut lo, mut hi) = if data_lo.is_finite() && data_hi.is_finite() { (data_lo, data_hi) } else { (0.0, 1.0) };
    if hi - lo <= (lo.abs().max(hi.abs())) * 1e-9 {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= pad;
        hi += pad;
    } else {
        let pad = 0.04 * (hi - lo);
        lo -= pad;
        hi += pad;
    }
    if let Some(v) = fixed_lo {
        lo = v;
    }
    if let Some(v) = fixed_hi {
        hi = v;
    }
    if hi <= lo {
        hi = lo + if lo == 0.0 { 1.0 } else { lo.abs() * 0.2 };
    }
    let (_, step) = nice_ticks(lo, hi, max_ticks, 0.0);
    if fixed_lo.is_none() {
        lo = (lo / step - 1e-9).floor() * step;
    }
    if fixed_hi.is_none() {
        hi = (hi / step + 1e-9).ceil() * step;
    }
    let (ticks, step) = nice_ticks(lo, hi, max_ticks, 0.0);
    (lo, hi, ticks, step)
}

/// A value axis whose ticks (grid lines and labels) are exactly `ticks`:
/// plotters's own choice ignores how tall the plot is, and its labels then
/// overlap on a short chart. No light grid lines between the ticks.
struct TickedAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for TickedAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let share = (v - self.lo) / (self.hi - self.lo);
        let share = if share.is_finite() { share.clamp(-1e3, 1e3) } else { 0.5 };
        limit.0 + ((limit.1 - limit.0) as f64 * share + 1e-3).floor() as i32
    }
    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Draw line series into the canvas with id `canvas_id`.
#[wasm_bindgen]
pub fn draw_line_chart(canvas_id: &str, spec: JsValue) -> Result<(), JsValue> {
    let spec: LineChart = serde_wasm_bindgen::from_value(spec).map_err(js_err)?;
    let root = Canvas::by_id(canvas_id)?.area();
    root.fill(&WHITE).map_err(js_err)?;
    let (width, height) = root.dim_in_pixel();
    let finite = |v: &f64| v.is_finite();
    let xs = spec.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(finite);
    let ys = spec.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(finite);
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
    let (x0, x1) = if x0.is_finite() { (x0, if x1 > x0 { x1 } else { x0 + 1.0 }) } else { (0.0, 1.0) };
    // Ticks by the plot's size in pixels: y labels (12 px high) at least
    // 26 px apart, step labels (up to six digits) at least 70 px apart. The
    // plot is the canvas less the margins, the caption and the label areas.
    const MARGIN: u32 = 8;
    const CAPTION: u32 = 24;
    const X_AREA: u32 = 40;
    const Y_AREA: u32 = 50;
    let plot_h = height.saturating_sub(2 * MARGIN + CAPTION + X_AREA) as usize;
    let plot_w = width.saturating_sub(2 * MARGIN + Y_AREA) as usize;
    let (y0, y1, y_ticks, y_step) = y_axis(y0, y1, spec.y_min, spec.y_max, (plot_h / 26).clamp(2, 11));
    let (x_ticks, _) = nice_ticks(x0, x1, (plot_w / 70).clamp(2, 11), 1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(&spec.title, ("sans-serif", 15))
        .margin(MARGIN)
        .x_label_area_size(X_AREA)
        .y_label_area_size(Y_AREA)
        .build_cartesian_2d(TickedAxis { lo: x0, hi: x1, ticks: x_ticks }, TickedAxis { lo: y0, hi: y1, ticks: y_ticks })
        .map_err(js_err)?;
    chart
        .configure_mesh()
        .x_desc(&spec.x_label)
        .x_label_formatter(&|x| format!("{:.0}", x))
        .y_label_formatter(&|y| tick_label(*y, y_step))
        .bold_line_style(RGBColor(232, 232, 232))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(js_err)?;
    let mut labels = Vec::new();
    for s in &spec.series {
        let c = RGBColor(s.color.0, s.color.1, s.color.2);
        let style = if s.faint { c.mix(0.25).stroke_width(1) } else { c.stroke_width(2) };
        let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| p.1.is_finite()).collect();
        chart.draw_series(LineSeries::new(pts.clone(), style)).map_err(js_err)?;
        if !s.faint {
            labels.push((s.name.clone(), c));
            if pts.len() < 30 {
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.filled()))).map_err(js_err)?;
            }
        }
    }
    legend(&chart.plotting_area().strip_coord_spec(), &labels, 12, Corner::MiddleRight, 0.85).map_err(js_err)?;
    root.present().map_err(js_err)?;
    Ok(())
}

/// Draw a confusion matrix (rows: true class) as a heat map with counts.
#[wasm_bindgen]
pub fn draw_confusion_matrix(canvas_id: &str, matrix: JsValue, labels: JsValue, texts: JsValue) -> Result<(), JsValue> {
    let texts = super::Texts::from_js(texts);
    let m: Vec<Vec<usize>> = serde_wasm_bindgen::from_value(matrix).map_err(js_err)?;
    let labels: Vec<String> = serde_wasm_bindgen::from_value(labels).map_err(js_err)?;
    let root = Canvas::by_id(canvas_id)?.area();
    root.fill(&WHITE).map_err(js_err)?;
    let k = m.len().max(1);
    let (w, h) = root.dim_in_pixel();
    let left = 90i32;
    let top = 40i32;
    let cell = (((w as i32 - left - 10).min(h as i32 - top - 30)) / k as i32).max(8);
    root.draw(&Text::new(texts.get("predicted", "predicted →"), (left, 8), ("sans-serif", 13))).map_err(js_err)?;
    root.draw(&Text::new(texts.get("true", "true ↓"), (4, top - 16), ("sans-serif", 13))).map_err(js_err)?;
    for (r, row) in m.iter().enumerate() {
        let total: usize = row.iter().sum::<usize>().max(1);
        let name: String = labels.get(r).map(|s| s.chars().take(12).collect()).unwrap_or_default();
        root.draw(&Text::new(name.clone(), (4, top + r as i32 * cell + cell / 2 - 6), ("sans-serif", 12))).map_err(js_err)?;
        root.draw(&Text::new(name, (left + r as i32 * cell + 2, top - 16), ("sans-serif", 12))).map_err(js_err)?;
        for (c, &v) in row.iter().enumerate() {
            // Shade by the share of the true class: the diagonal is recall.
            let share = v as f64 / total as f64;
            let (base, hi) = if r == c { ((235, 245, 235), (30, 130, 60)) } else { ((250, 240, 238), (200, 60, 40)) };
            let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * share) as u8;
            let color = RGBColor(mix(base.0, hi.0), mix(base.1, hi.1), mix(base.2, hi.2));
            let (x, y) = (left + c as i32 * cell, top + r as i32 * cell);
            root.draw(&Rectangle::new([(x, y), (x + cell - 2, y + cell - 2)], color.filled())).map_err(js_err)?;
            let text_color = if share > 0.55 { WHITE } else { BLACK };
            root.draw(&Text::new(v.to_string(), (x + cell / 2 - 10, y + cell / 2 - 7), ("sans-serif", 14).into_font().color(&text_color))).map_err(js_err)?;
        }
    }
    root.present().map_err(js_err)?;
    Ok(())
}
