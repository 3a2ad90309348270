//! Pictures of the model's insides: a grid of histograms (a row a layer;
//! weights, activations, gradients) and an LSTM's gates as heat maps.

use plotters::prelude::*;

use super::canvas::Canvas;
use wasm_bindgen::prelude::*;

use super::Texts;
use crate::insides::{GateMap, Histogram, Insides};

fn js_err<E: std::fmt::Display>(e: E) -> JsValue {
    JsValue::from_str(&e.to_string())
}

const COLUMN_COLORS: [RGBColor; 3] = [RGBColor(47, 111, 223), RGBColor(30, 140, 74), RGBColor(224, 120, 30)];

/// Pixel height the page gives the histogram canvas for `layers` rows.
#[wasm_bindgen]
pub fn insides_canvas_height(layers: usize) -> u32 {
    34 + 96 * layers.max(1) as u32
}

/// A tick label with as many digits as the range needs (gradients are tiny).
fn tick(v: f64, range: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if range < 0.01 {
        format!("{:.0e}", v)
    } else if range < 0.1 {
        format!("{:.3}", v)
    } else {
        format!("{:.2}", v)
    }
}

/// A mean or deviation: three decimals, or two significant digits when tiny.
fn stat(v: f32) -> String {
    if v != 0.0 && v.abs() < 0.001 {
        format!("{:.1e}", v)
    } else {
        format!("{:.3}", v)
    }
}

/// One histogram in a cell: bars over [min, max], with the range and the
/// mean ± std written under it.
fn draw_histogram<DB: DrawingBackend>(area: &DrawingArea<DB, plotters::coord::Shift>, title: &str, h: &Histogram, color: RGBColor) -> Result<(), JsValue> {
    let top = h.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (lo, hi) = (h.lo as f64, h.hi as f64);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 12))
        .margin(4)
        .x_label_area_size(16)
        .y_label_area_size(0)
        .build_cartesian_2d(lo..hi.max(lo + 1e-9), 0.0..top * 1.05)
        .map_err(|e| js_err(e.to_string()))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .x_labels(3)
        .x_label_formatter(&|v| tick(*v, hi - lo))
        .label_style(("sans-serif", 10))
        .draw()
        .map_err(|e| js_err(e.to_string()))?;
    let width = (hi - lo) / h.counts.len().max(1) as f64;
    chart
        .draw_series(h.counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| {
            let x = lo + i as f64 * width;
            // Tiny counts still show: at least 2 % of the height.
            Rectangle::new([(x, 0.0), (x + width * 0.9, (c as f64).max(top * 0.02))], color.mix(0.8).filled())
        }))
        .map_err(|e| js_err(e.to_string()))?;
    Ok(())
}

/// The histogram grid. `insides` is the engine's `Insides`.
#[wasm_bindgen]
pub fn draw_insides(canvas_id: &str, insides: JsValue, texts: JsValue) -> Result<(), JsValue> {
    let v: Insides = serde_wasm_bindgen::from_value(insides).map_err(js_err)?;
    let t = Texts::from_js(texts);
    let root = Canvas::by_id(canvas_id)?.area();
    root.fill(&WHITE).map_err(js_err)?;
    let (header, body) = root.split_vertically(30);
    let (name_col, grid) = body.split_horizontally(150);
    let headers = [
        t.get("weights", "weights").to_string(),
        format!("{} ({})", t.get("activations", "activations"), t.get("examples", "{n} examples").replace("{n}", &v.examples.to_string())),
        match v.gradient_step {
            Some(s) => format!("{} ({})", t.get("gradients", "gradients"), t.get("of_step", "step {n}").replace("{n}", &s.to_string())),
            None => format!("{} ({})", t.get("gradients", "gradients"), t.get("no_step", "none before the first step")),
        },
    ];
    let hw = (root.dim_in_pixel().0 - 150) / 3;
    for (i, h) in headers.iter().enumerate() {
        header.draw(&Text::new(h.clone(), (150 + i as i32 * hw as i32 + 6, 8), ("sans-serif", 13).into_font().color(&COLUMN_COLORS[i]))).map_err(js_err)?;
    }
    header.draw(&Text::new(t.get("step", "step {n}").replace("{n}", &v.step.to_string()), (6, 8), ("sans-serif", 13))).map_err(js_err)?;
    let rows = v.layers.len().max(1);
    let names = name_col.split_evenly((rows, 1));
    let cells = grid.split_evenly((rows, 3));
    for (r, layer) in v.layers.iter().enumerate() {
        names[r].draw(&Text::new(layer.name.clone(), (6, 30), ("sans-serif", 13).into_font().style(FontStyle::Bold))).map_err(js_err)?;
        names[r].draw(&Text::new(layer.description.chars().take(22).collect::<String>(), (6, 48), ("sans-serif", 11))).map_err(js_err)?;
        let parts = [layer.weights.as_ref(), Some(&layer.activations), layer.gradients.as_ref()];
        for (c, h) in parts.iter().enumerate() {
            let cell = &cells[r * 3 + c];
            match h {
                Some(h) => {
                    let total = (h.count + h.zeros_left_out + h.non_finite).max(1);
                    let zeros = if h.zeros_left_out > 0 { format!("  {}", t.get("zeros", "{p}% zero").replace("{p}", &format!("{:.0}", 100.0 * h.zeros_left_out as f64 / total as f64))) } else { String::new() };
                    let title = format!("μ {}  σ {}{}{}", stat(h.mean), stat(h.std), zeros, if h.non_finite > 0 { format!("  ⚠ {} NaN/∞", h.non_finite) } else { String::new() });
                    draw_histogram(cell, &title, h, COLUMN_COLORS[c])?;
                }
                None => {
                    let why = if c == 0 || layer.weights.is_none() { t.get("no_weights", "no weights") } else { t.get("not_yet", "after the first step") };
                    cell.draw(&Text::new(why.to_string(), (10, 40), ("sans-serif", 12).into_font().color(&RGBColor(140, 140, 140)))).map_err(js_err)?;
                }
            }
        }
    }
    root.present().map_err(js_err)?;
    Ok(())
}

/// Gate value 0 (closed) → white, 1 (open) → deep blue.
fn gate_color(v: f32) -> RGBColor {
    let v = v.clamp(0.0, 1.0) as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * v) as u8;
    RGBColor(mix(250.0, 20.0), mix(250.0, 60.0), mix(250.0, 150.0))
}

/// The input, forget and output gates of one LSTM over one example: three
/// heat maps (rows: units, columns: time steps), with the words underneath.
#[wasm_bindgen]
pub fn draw_gates(canvas_id: &str, gates: JsValue, tokens: JsValue, texts: JsValue) -> Result<(), JsValue> {
    let g: GateMap = serde_wasm_bindgen::from_value(gates).map_err(js_err)?;
    let tokens: Vec<String> = serde_wasm_bindgen::from_value(tokens).map_err(js_err)?;
    let t = Texts::from_js(texts);
    let root = Canvas::by_id(canvas_id)?.area();
    root.fill(&WHITE).map_err(js_err)?;
    let (w, h) = root.dim_in_pixel();
    let (left, right, bottom) = (110i32, 40i32, 70i32);
    let steps = g.steps.len().max(1);
    let cw = ((w as i32 - left - right) as f64 / steps as f64).max(1.0);
    let panel_h = (h as i32 - bottom - 10) / 3;
    let ch = ((panel_h - 14) as f64 / g.units.max(1) as f64).max(0.5);
    let panels = [(t.get("input_gate", "input gate i"), &g.input), (t.get("forget_gate", "forget gate f"), &g.forget), (t.get("output_gate", "output gate o"), &g.output)];
    for (p, (name, values)) in panels.iter().enumerate() {
        let y0 = 4 + p as i32 * panel_h;
        root.draw(&Text::new(name.to_string(), (4, y0 + 4), ("sans-serif", 13).into_font().style(FontStyle::Bold))).map_err(js_err)?;
        root.draw(&Text::new(t.get("units", "{n} units").replace("{n}", &g.units.to_string()), (4, y0 + 22), ("sans-serif", 11))).map_err(js_err)?;
        for (s, column) in values.iter().enumerate() {
            for (u, &v) in column.iter().enumerate() {
                let x = left + (s as f64 * cw) as i32;
                let y = y0 + 12 + (u as f64 * ch) as i32;
                let x1 = left + ((s + 1) as f64 * cw) as i32;
                let y1 = y0 + 12 + ((u + 1) as f64 * ch) as i32;
                root.draw(&Rectangle::new([(x, y), (x1.max(x + 1), y1.max(y + 1))], gate_color(v).filled())).map_err(js_err)?;
            }
        }
    }
    // The words under the columns, turned so long ones fit; every k-th when crowded.
    let every = ((12.0 / cw).ceil() as usize).max(1);
    let base_y = 4 + 3 * panel_h + 4;
    for (s, word) in tokens.iter().enumerate().filter(|(s, _)| s % every == 0) {
        let x = left + (s as f64 * cw + cw / 2.0) as i32 - 5;
        let style = ("sans-serif", 11).into_font().transform(FontTransform::Rotate90);
        root.draw(&Text::new(word.chars().take(10).collect::<String>(), (x, base_y), style)).map_err(js_err)?;
    }
    // Colour key.
    let kx = w as i32 - right + 10;
    for k in 0..=20 {
        let v = 1.0 - k as f32 / 20.0;
        let y = 16 + k * 8;
        root.draw(&Rectangle::new([(kx, y), (kx + 14, y + 8)], gate_color(v).filled())).map_err(js_err)?;
    }
    root.draw(&Text::new("1", (kx + 2, 4), ("sans-serif", 11))).map_err(js_err)?;
    root.draw(&Text::new("0", (kx + 2, 16 + 21 * 8 + 2), ("sans-serif", 11))).map_err(js_err)?;
    root.present().map_err(js_err)?;
    Ok(())
}
