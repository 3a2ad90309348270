//! The page's canvases as a plotters backend that never makes the browser
//! lay the page out. plotters measures text (tick labels, captions,
//! legends) by putting a `<span>` into the document and reading its
//! `offsetHeight`, a forced layout of the whole page per label: a chart
//! redrawn while training made main-thread tasks of 50–140 ms that way.
//! `Canvas` draws through plotters-canvas and measures with the canvas's
//! own `measureText`; `legend` draws series labels without plotters's
//! legend, which measures through the document whatever the backend.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// plotters-canvas's error, which it does not name for others.
type CanvasError = <CanvasBackend as DrawingBackend>::ErrorType;

pub struct Canvas {
    inner: CanvasBackend,
    context: CanvasRenderingContext2d,
}

impl Canvas {
    /// The canvas with id `id`, or an error naming it.
    pub fn by_id(id: &str) -> Result<Canvas, JsValue> {
        let missing = || JsValue::from_str(&format!("no canvas #{}", id));
        let canvas: HtmlCanvasElement = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)).and_then(|e| e.dyn_into().ok()).ok_or_else(missing)?;
        let context: CanvasRenderingContext2d = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into().ok()).ok_or_else(missing)?;
        let inner = CanvasBackend::with_canvas_object(canvas).ok_or_else(missing)?;
        Ok(Canvas { inner, context })
    }

    pub fn area(self) -> DrawingArea<Canvas, Shift> {
        self.into_drawing_area()
    }
}

/// The font plotters-canvas draws with, so a measurement is of what is drawn.
fn css_font<S: BackendTextStyle>(style: &S) -> String {
    format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str())
}

impl DrawingBackend for Canvas {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(&mut self, upper_left: BackendCoord, bottom_right: BackendCoord, style: &S, fill: bool) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.fill_polygon(vert, style)
    }
    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_text(text, style, pos)
    }
    /// The width `measureText` gives and the font's line box (ascent and
    /// descent), as the `<span>` plotters would have measured reads them.
    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        self.context.set_font(&css_font(style));
        let m = self.context.measure_text(text).map_err(|_| DrawingErrorKind::FontError(format!("cannot measure {:?}", text).into()))?;
        let height = m.font_bounding_box_ascent() + m.font_bounding_box_descent();
        let height = if height.is_finite() && height > 0.0 { height } else { style.size() * 1.2 };
        Ok((m.width().ceil() as u32, height.ceil() as u32))
    }
}

/// Where a legend sits in its plot.
#[derive(Clone, Copy)]
pub enum Corner {
    UpperLeft,
    UpperMiddle,
    UpperRight,
    MiddleRight,
}

/// Series labels in a box: a short line of each series's colour and its
/// name, as plotters's legend draws them, measured by the canvas.
pub fn legend(plot: &DrawingArea<Canvas, Shift>, entries: &[(String, RGBColor)], size: u32, corner: Corner, background: f64) -> Result<(), String> {
    if entries.is_empty() {
        return Ok(());
    }
    let font = TextStyle::from(("sans-serif", size).into_font());
    let sizes: Vec<(u32, u32)> = entries.iter().map(|(name, _)| plot.estimate_text_size(name, &font).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
    let (pad, swatch, gap) = (5i32, 16i32, 6i32);
    let row = sizes.iter().map(|s| s.1 as i32).max().unwrap_or(0).max(size as i32) + 3;
    let w = pad * 2 + swatch + gap + sizes.iter().map(|s| s.0 as i32).max().unwrap_or(0);
    let h = pad * 2 + row * entries.len() as i32;
    let (pw, ph) = plot.dim_in_pixel();
    let (pw, ph) = (pw as i32, ph as i32);
    let (x, y) = match corner {
        Corner::UpperLeft => (8, 8),
        Corner::UpperMiddle => ((pw - w) / 2, 8),
        Corner::UpperRight => (pw - w - 8, 8),
        Corner::MiddleRight => (pw - w - 8, (ph - h) / 2),
    };
    let err = |e: DrawingAreaErrorKind<CanvasError>| e.to_string();
    plot.draw(&Rectangle::new([(x, y), (x + w, y + h)], WHITE.mix(background).filled())).map_err(err)?;
    plot.draw(&Rectangle::new([(x, y), (x + w, y + h)], RGBColor(200, 200, 200))).map_err(err)?;
    for (k, (name, color)) in entries.iter().enumerate() {
        let mid = y + pad + row * k as i32 + row / 2;
        plot.draw(&PathElement::new(vec![(x + pad, mid), (x + pad + swatch, mid)], Color::stroke_width(color, 2))).map_err(err)?;
        let style = font.color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        plot.draw(&Text::new(name.clone(), (x + pad + swatch + gap, mid), style)).map_err(err)?;
    }
    Ok(())
}
