//! Pictures that teach: activation functions with their derivatives, and
//! losses with their gradients, drawn from the engine's own definitions.

use plotters::prelude::*;

use super::canvas::{legend, Canvas, Corner};
use wasm_bindgen::prelude::*;

use super::Texts;
use crate::nn::activation::{leaky_relu, leaky_relu_df};
use crate::nn::Activation;

/// f(x) and f′(x), with leaky ReLU at the page's chosen slope.
fn eval(a: Activation, x: f32, leaky_slope: f32) -> (f32, f32) {
    if a == Activation::LeakyRelu {
        return (leaky_relu(x, leaky_slope), leaky_relu_df(x, leaky_slope));
    }
    let y = a.f(x);
    (y, a.df(x, y))
}

fn js_err<E: std::fmt::Display>(e: E) -> JsValue {
    JsValue::from_str(&e.to_string())
}

const PALETTE: [RGBColor; 10] = [
    RGBColor(47, 111, 223),
    RGBColor(224, 120, 30),
    RGBColor(30, 140, 74),
    RGBColor(200, 60, 40),
    RGBColor(120, 80, 190),
    RGBColor(20, 150, 160),
    RGBColor(180, 140, 20),
    RGBColor(210, 80, 150),
    RGBColor(90, 90, 90),
    RGBColor(60, 60, 200),
];

/// f(x) and f′(x) of the named activations at x: [[name, f, f′], …],
/// for the chart's hover read-out.
#[wasm_bindgen]
pub fn activation_values(names: JsValue, x: f64, leaky_slope: f64) -> Result<JsValue, JsValue> {
    let names: Vec<String> = serde_wasm_bindgen::from_value(names).map_err(js_err)?;
    let rows: Vec<(String, f32, f32)> = names
        .iter()
        .filter_map(|n| Activation::from_name(n))
        .filter(|a| *a != Activation::Softmax)
        .map(|a| {
            let (y, d) = eval(a, x as f32, leaky_slope as f32);
            (a.keras_name().to_string(), y, d)
        })
        .collect();
    serde_wasm_bindgen::to_value(&rows).map_err(js_err)
}

/// f(x) (solid) and f′(x) (thin) for the named activations over [lo, hi].
/// Where every chosen function's gradient is below 0.05 the band is shaded:
/// there learning through the unit all but stops (saturation).
#[wasm_bindgen]
pub fn draw_activations(canvas_id: &str, names: JsValue, lo: f64, hi: f64, leaky_slope: f64, texts: JsValue) -> Result<(), JsValue> {
    let slope = if leaky_slope.is_finite() { leaky_slope as f32 } else { 0.2 };
    let texts = Texts::from_js(texts);
    let names: Vec<String> = serde_wasm_bindgen::from_value(names).map_err(js_err)?;
    let acts: Vec<Activation> = names.iter().filter_map(|n| Activation::from_name(n)).filter(|a| *a != Activation::Softmax).collect();
    let (lo, hi) = if lo.is_finite() && hi.is_finite() && hi > lo { (lo, hi) } else { (-5.0, 5.0) };
    let root = Canvas::by_id(canvas_id)?.area();
    root.fill(&WHITE).map_err(js_err)?;
    let xs: Vec<f64> = (0..=400).map(|i| lo + (hi - lo) * i as f64 / 400.0).collect();
    let mut y0: f64 = -1.0;
    let mut y1: f64 = 1.0;
    for a in &acts {
        for &x in &xs {
            let y = eval(*a, x as f32, slope).0 as f64;
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    let mut chart = ChartBuilder::on(&root)
        .caption(texts.get("caption", "f(x) solid, f′(x) thin"), ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(38)
        .y_label_area_size(40)
        .build_cartesian_2d(lo..hi, (y0 - 0.1)..(y1 + 0.1))
        .map_err(js_err)?;
    chart.configure_mesh().x_desc("x").light_line_style(RGBColor(236, 236, 236)).draw().map_err(js_err)?;
    if !acts.is_empty() {
        // Saturation bands: runs of x where all chosen gradients are tiny.
        let flat = |x: f64| acts.iter().all(|a| (eval(*a, x as f32, slope).1 as f64).abs() < 0.05);
        let flags: Vec<bool> = xs.iter().map(|&x| flat(x)).collect();
        let mut i = 0;
        while i < xs.len() {
            if !flags[i] {
                i += 1;
                continue;
            }
            let s = i;
            while i < xs.len() && flags[i] {
                i += 1;
            }
            chart.draw_series(std::iter::once(Rectangle::new([(xs[s], y0 - 0.1), (xs[i - 1], y1 + 0.1)], RGBColor(200, 60, 40).mix(0.08).filled()))).map_err(js_err)?;
        }
    }
    let mut labels = Vec::new();
    for (i, a) in acts.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        chart.draw_series(LineSeries::new(xs.iter().map(|&x| (x, eval(*a, x as f32, slope).0 as f64)), c.stroke_width(2))).map_err(js_err)?;
        labels.push((a.keras_name().to_string(), c));
        chart.draw_series(LineSeries::new(xs.iter().map(|&x| (x, eval(*a, x as f32, slope).1 as f64)), c.mix(0.6).stroke_width(1))).map_err(js_err)?;
    }
    legend(&chart.plotting_area().strip_coord_spec(), &labels, 12, Corner::UpperLeft, 0.85).map_err(js_err)?;
    root.present().map_err(js_err)?;
    Ok(())
}

/// Losses against the prediction, with their gradients, for one example.
/// `mode` "classification": the model's probability p for a true class
/// `target` (0 or 1), with cross-entropy and squared error through a sigmoid
/// and their gradients with respect to the logit. "regression": a real
/// prediction against `target`, with MSE, MAE and Huber(δ = `delta`).
#[wasm_bindgen]
pub fn draw_losses(canvas_id: &str, mode: &str, target: f64, delta: f64, texts: JsValue) -> Result<(), JsValue> {
    let texts = Texts::from_js(texts);
    let root = Canvas::by_id(canvas_id)?.area();
    root.fill(&WHITE).map_err(js_err)?;
    let (left, right) = root.split_horizontally(root.dim_in_pixel().0 / 2);
    type Curve<'a> = (&'a str, Box<dyn Fn(f64) -> f64>);
    let (xlabel, lo, hi, losses, grads): (&str, f64, f64, Vec<Curve>, Vec<Curve>) = if mode == "classification" {
        let y = if target >= 0.5 { 1.0 } else { 0.0 };
        (
            texts.get("x_probability", "predicted probability of class 1"),
            0.001,
            0.999,
            vec![
                (texts.get("cross_entropy", "cross-entropy"), Box::new(move |p: f64| -(y * p.ln() + (1.0 - y) * (1.0 - p).ln()))),
                (texts.get("squared_error", "squared error"), Box::new(move |p: f64| (p - y) * (p - y))),
            ],
            vec![
                // d/dz through p = σ(z): cross-entropy's is p − y, never vanishing when wrong.
                (texts.get("cross_entropy_grad", "cross-entropy: p − y"), Box::new(move |p: f64| p - y)),
                (texts.get("squared_error_grad", "squared error: 2(p − y)·p(1 − p)"), Box::new(move |p: f64| 2.0 * (p - y) * p * (1.0 - p))),
            ],
        )
    } else {
        let d = if delta.is_finite() && delta > 0.0 { delta } else { 1.0 };
        let t = if target.is_finite() { target } else { 0.0 };
        (
            texts.get("x_prediction", "prediction"),
            t - 4.0,
            t + 4.0,
            vec![
                ("MSE", Box::new(move |p: f64| (p - t) * (p - t))),
                ("MAE", Box::new(move |p: f64| (p - t).abs())),
                ("Huber", Box::new(move |p: f64| { let e = (p - t).abs(); if e <= d { 0.5 * e * e } else { d * (e - 0.5 * d) } })),
            ],
            vec![
                ("MSE", Box::new(move |p: f64| 2.0 * (p - t))),
                ("MAE", Box::new(move |p: f64| (p - t).signum())),
                ("Huber", Box::new(move |p: f64| (p - t).clamp(-d, d))),
            ],
        )
    };
    let loss_title = texts.get("loss", "loss");
    let grad_title = if mode == "classification" { texts.get("gradient_logit", "gradient w.r.t. the logit") } else { texts.get("gradient", "gradient") };
    for (area, curves, title) in [(&left, &losses, loss_title), (&right, &grads, grad_title)] {
        let xs: Vec<f64> = (0..=300).map(|i| lo + (hi - lo) * i as f64 / 300.0).collect();
        let ys: Vec<f64> = curves.iter().flat_map(|(_, f)| xs.iter().map(|&x| f(x))).filter(|v| v.is_finite()).collect();
        let (mut y0, mut y1) = ys.iter().fold((0.0f64, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
        if std::ptr::eq(curves, &losses) {
            y1 = y1.min(8.0);
        }
        if y1 - y0 < 1e-6 {
            y0 -= 1.0;
            y1 += 1.0;
        }
        let mut chart = ChartBuilder::on(area).caption(title, ("sans-serif", 15)).margin(8).x_label_area_size(38).y_label_area_size(40).build_cartesian_2d(lo..hi, y0..y1).map_err(js_err)?;
        chart.configure_mesh().x_desc(xlabel).light_line_style(RGBColor(236, 236, 236)).draw().map_err(js_err)?;
        let mut labels = Vec::new();
        for (i, (name, f)) in curves.iter().enumerate() {
            let c = PALETTE[i];
            chart.draw_series(LineSeries::new(xs.iter().map(|&x| (x, f(x).min(y1))), c.stroke_width(2))).map_err(js_err)?;
            labels.push((name.to_string(), c));
        }
        legend(&chart.plotting_area().strip_coord_spec(), &labels, 12, Corner::UpperMiddle, 0.85).map_err(js_err)?;
    }
    root.present().map_err(js_err)?;
    Ok(())
}

/// The optimizer race on a 2-D surface after `steps` updates: a shaded
/// contour map (log of the loss), each racer's path and its current point.
/// Returns the racers' current losses, for the page's text alternative.
#[wasm_bindgen]
pub fn draw_optimizer_race(canvas_id: &str, surface: &str, lr: f32, beta1: f32, beta2: f32, steps: usize) -> Result<JsValue, JsValue> {
    use crate::surfaces::{race, racers, Surface};
    let surface: Surface = serde_json::from_value(serde_json::Value::String(surface.to_string())).map_err(js_err)?;
    let root = Canvas::by_id(canvas_id)?.area();
    root.fill(&WHITE).map_err(js_err)?;
    let ((x0, x1), (y0, y1)) = surface.bounds();
    let mut chart = ChartBuilder::on(&root).margin(8).x_label_area_size(24).y_label_area_size(36).build_cartesian_2d(x0..x1, y0..y1).map_err(js_err)?;
    chart.configure_mesh().disable_mesh().draw().map_err(js_err)?;
    // Contour shading: 60 × 60 cells coloured by log(1 + loss − min).
    let n = 60;
    let (dx, dy) = ((x1 - x0) / n as f64, (y1 - y0) / n as f64);
    let mut vals = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            vals.push(surface.value(x0 + (i as f64 + 0.5) * dx, y0 + (j as f64 + 0.5) * dy));
        }
    }
    let lo = vals.iter().cloned().fold(f64::INFINITY, f64::min);
    let logs: Vec<f64> = vals.iter().map(|v| (1.0 + v - lo).ln()).collect();
    let hi = logs.iter().cloned().fold(0.0, f64::max).max(1e-9);
    chart
        .draw_series((0..n * n).map(|k| {
            let (i, j) = (k / n, k % n);
            let t = logs[k] / hi;
            // Light (low loss) to deep blue (high loss), with stripes as contour lines.
            let stripe = ((t * 12.0).fract() < 0.08) as u8 as f64 * 0.08;
            let shade = |a: f64, b: f64| (a + (b - a) * (t + stripe).min(1.0)) as u8;
            let c = RGBColor(shade(250.0, 120.0), shade(250.0, 150.0), shade(245.0, 210.0));
            Rectangle::new([(x0 + i as f64 * dx, y0 + j as f64 * dy), (x0 + (i + 1) as f64 * dx, y0 + (j + 1) as f64 * dy)], c.filled())
        }))
        .map_err(js_err)?;
    let paths = race(surface, &racers(lr, beta1, beta2), steps, 7);
    let inside = |p: &(f64, f64)| p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1;
    let mut losses = Vec::new();
    let mut labels = Vec::new();
    for (i, t) in paths.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        let pts: Vec<(f64, f64)> = t.points.iter().copied().take_while(inside).collect();
        chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(2))).map_err(js_err)?;
        labels.push((t.name.clone(), c));
        if let Some(&last) = pts.last() {
            chart.draw_series(std::iter::once(Circle::new(last, 4, c.filled()))).map_err(js_err)?;
        }
        let end = *t.points.last().unwrap();
        losses.push((t.name.clone(), if t.points.len() <= steps && !inside(&end) { f64::INFINITY } else { surface.value(end.0, end.1) }));
    }
    let (sx, sy) = surface.start();
    chart.draw_series(std::iter::once(Cross::new((sx, sy), 6, BLACK.stroke_width(2)))).map_err(js_err)?;
    legend(&chart.plotting_area().strip_coord_spec(), &labels, 12, Corner::UpperRight, 0.9).map_err(js_err)?;
    root.present().map_err(js_err)?;
    serde_wasm_bindgen::to_value(&losses.iter().map(|(n, v)| (n.clone(), if v.is_finite() { Some(*v) } else { None })).collect::<Vec<_>>()).map_err(js_err)
}
