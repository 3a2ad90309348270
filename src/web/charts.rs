//! Charts drawn with plotters into the page's canvases: line charts for the
//! training curves and a heat map for the confusion matrix.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
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

/// Draw line series into the canvas with id `canvas_id`.
#[wasm_bindgen]
pub fn draw_line_chart(canvas_id: &str, spec: JsValue) -> Result<(), JsValue> {
    let spec: LineChart = serde_wasm_bindgen::from_value(spec).map_err(js_err)?;
    let backend = CanvasBackend::new(canvas_id).ok_or_else(|| JsValue::from_str(&format!("no canvas #{}", canvas_id)))?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(js_err)?;
    let finite = |v: &f64| v.is_finite();
    let xs = spec.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(finite);
    let ys = spec.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(finite);
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    let (mut y0, mut y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
    let (x0, x1) = if x0.is_finite() { (x0, if x1 > x0 { x1 } else { x0 + 1.0 }) } else { (0.0, 1.0) };
    if let Some(v) = spec.y_min {
        y0 = v;
    }
    if let Some(v) = spec.y_max {
        y1 = v;
    }
    if !y0.is_finite() || !y1.is_finite() {
        y0 = 0.0;
        y1 = 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    let mut chart = ChartBuilder::on(&root)
        .caption(&spec.title, ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(44)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(js_err)?;
    chart.configure_mesh().x_desc(&spec.x_label).x_label_formatter(&|x| format!("{:.0}", x)).light_line_style(RGBColor(236, 236, 236)).label_style(("sans-serif", 12)).draw().map_err(js_err)?;
    for s in &spec.series {
        let c = RGBColor(s.color.0, s.color.1, s.color.2);
        let style = if s.faint { c.mix(0.25).stroke_width(1) } else { c.stroke_width(2) };
        let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| p.1.is_finite()).collect();
        let series = chart.draw_series(LineSeries::new(pts.clone(), style)).map_err(js_err)?;
        if !s.faint {
            series.label(&s.name).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
            if pts.len() < 30 {
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.filled()))).map_err(js_err)?;
            }
        }
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.85)).border_style(RGBColor(200, 200, 200)).label_font(("sans-serif", 12)).draw().map_err(js_err)?;
    root.present().map_err(js_err)?;
    Ok(())
}

/// Draw a confusion matrix (rows: true class) as a heat map with counts.
#[wasm_bindgen]
pub fn draw_confusion_matrix(canvas_id: &str, matrix: JsValue, labels: JsValue, texts: JsValue) -> Result<(), JsValue> {
    let texts = super::Texts::from_js(texts);
    let m: Vec<Vec<usize>> = serde_wasm_bindgen::from_value(matrix).map_err(js_err)?;
    let labels: Vec<String> = serde_wasm_bindgen::from_value(labels).map_err(js_err)?;
    let backend = CanvasBackend::new(canvas_id).ok_or_else(|| JsValue::from_str(&format!("no canvas #{}", canvas_id)))?;
    let root = backend.into_drawing_area();
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
