//! The energy plot: per-step scalars against time, as PNG and SVG.
//!
//! Drawn with plotters and no system libraries: the PNG's text uses the bundled DejaVu Sans
//! (`assets/DejaVuSans.ttf`, license in `assets/DejaVuSans-LICENSE.txt`), registered once as
//! plotters' `sans-serif` font; the SVG names `sans-serif` and lets the viewer pick the font.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::io::atomic::write_atomically;
use crate::{Error, Result};

/// DejaVu Sans, bundled so that PNG text needs no system font library.
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Image size in pixels (SVG units for the SVG).
const SIZE: (u32, u32) = (900, 600);

/// Line colours (the "tab10" palette).
const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bundled font is a valid TrueType file; if registration ever failed, plotting would
        // report a font error instead of panicking.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Write `stem.png` and `stem.svg` (`stem` without extension, e.g. `run/energy`), about
/// 900×600.
///
/// The top panel plots each `(name, values)` of `series` (e.g. `("energy", &e)`) against `time`
/// on a linear y axis, with a legend. If `errors` is non-empty, a second panel below plots those
/// curves on a log10 y axis. Every curve must have the same length as `time`.
///
/// Robust to awkward data: points whose time or value is NaN or infinite are skipped (the curve
/// is broken there), and on the log panel so are values `<= 0`; a single point is drawn as a
/// dot; constant data gets a non-degenerate axis range. Empty input (no times, no curves, or
/// nothing finite to draw) still writes both files: an empty-but-valid plot with axes and the
/// caption "(no data)".
///
/// Both files are written atomically (temporary file + rename).
///
/// # Errors
///
/// [`Error::Usage`] if a curve's length differs from `time.len()`; [`Error::Io`] if drawing or
/// writing fails.
pub fn write_energy_plot(
    stem: &Path,
    time: &[f64],
    series: &[(&str, &[f64])],
    errors: &[(&str, &[f64])],
) -> Result<()> {
    for (name, values) in series.iter().chain(errors) {
        if values.len() != time.len() {
            return Err(Error::Usage(format!(
                "{}: plot curve `{name}` has {} values but there are {} times",
                stem.display(),
                values.len(),
                time.len()
            )));
        }
    }
    register_font();

    let png = with_suffix(stem, ".png");
    let svg = with_suffix(stem, ".svg");

    // Drawn into memory, then encoded into the file: a failure to write (a full disk) is an
    // I/O error of the file, not a drawing error.
    let mut pixels = vec![0u8; 3 * (SIZE.0 * SIZE.1) as usize];
    draw(
        BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area(),
        time,
        series,
        errors,
    )
    .map_err(|msg| Error::io(&png, std::io::Error::other(msg)))?;
    write_atomically(&png, |w| {
        let mut encoder = ::png::Encoder::new(w, SIZE.0, SIZE.1);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        let io = |e: ::png::EncodingError| match e {
            ::png::EncodingError::IoError(e) => e,
            e => std::io::Error::other(e.to_string()),
        };
        encoder
            .write_header()
            .map_err(io)?
            .write_image_data(&pixels)
            .map_err(io)
    })?;

    let mut text = String::new();
    draw(
        SVGBackend::with_string(&mut text, SIZE).into_drawing_area(),
        time,
        series,
        errors,
    )
    .map_err(|msg| Error::io(&svg, std::io::Error::other(msg)))?;
    write_atomically(&svg, |w| std::io::Write::write_all(w, text.as_bytes()))
}

/// `stem` with `suffix` appended to its file name (not replacing anything after a dot).
fn with_suffix(stem: &Path, suffix: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The finite runs of one curve: maximal stretches of consecutive usable `(t, y)` points.
/// With `log`, only `y > 0` is usable and the run holds `(t, log10 y)`.
fn runs(time: &[f64], values: &[f64], log: bool) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (&t, &y) in time.iter().zip(values) {
        if t.is_finite() && y.is_finite() && (!log || y > 0.0) {
            cur.push((t, if log { y.log10() } else { y }));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The extent of all points, or `None` if there are none.
fn bounds<'a>(points: impl Iterator<Item = &'a (f64, f64)>) -> Option<[(f64, f64); 2]> {
    points.fold(None, |acc, &(x, y)| {
        Some(match acc {
            None => [(x, x), (y, y)],
            Some([(x0, x1), (y0, y1)]) => [(x0.min(x), x1.max(x)), (y0.min(y), y1.max(y))],
        })
    })
}

/// A finite, non-degenerate linear range containing `[lo, hi]`, padded by `pad` of its span.
fn linear_range(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    const BIG: f64 = f64::MAX / 8.0;
    let (lo, hi) = (lo.clamp(-BIG, BIG), hi.clamp(-BIG, BIG));
    let scale = lo.abs().max(hi.abs());
    // Too narrow for readable tick labels (or constant): widen around the middle.
    let min_span = if scale > 0.0 { scale * 1e-9 } else { 1.0 };
    let (lo, hi) = if hi - lo < min_span {
        let mid = 0.5 * (lo + hi);
        let half = if scale > 0.0 { 0.05 * scale } else { 0.5 };
        (mid - half, mid + half)
    } else {
        (lo, hi)
    };
    let p = (hi - lo) * pad;
    (lo - p, hi + p)
}

/// A range of decades (`log10` values) containing `[lo, hi]`, at least one decade wide.
fn decade_range(lo: f64, hi: f64) -> (f64, f64) {
    if hi - lo < 1.0 {
        let mid = 0.5 * (lo + hi);
        (mid - 0.5, mid + 0.5)
    } else {
        let p = 0.05 * (hi - lo);
        (lo - p, hi + p)
    }
}

/// Compact tick labels: plain decimals for moderate magnitudes, scientific otherwise.
fn tick(v: &f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&a) {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').into()
    } else {
        let s = format!("{v:.3e}");
        match s.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        }
    }
}

/// Tick labels of a `log10` axis: the value `10^v`, e.g. `1e-6` or `3.2e-5`.
fn pow10_tick(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("1e{}", v.round())
    } else {
        tick(&10f64.powf(*v))
    }
}

fn names(curves: &[(&str, &[f64])]) -> String {
    curves
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

type Curves = Vec<(String, Vec<Vec<(f64, f64)>>)>;

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    time: &[f64],
    series: &[(&str, &[f64])],
    errors: &[(&str, &[f64])],
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;

    let top: Curves = series
        .iter()
        .map(|(n, v)| (n.to_string(), runs(time, v, false)))
        .collect();
    let bottom: Curves = errors
        .iter()
        .map(|(n, v)| (n.to_string(), runs(time, v, true)))
        .collect();
    let all = top.iter().chain(&bottom).flat_map(|(_, r)| r).flatten();
    let top_bounds = bounds(top.iter().flat_map(|(_, r)| r).flatten());
    let bottom_bounds = bounds(bottom.iter().flat_map(|(_, r)| r).flatten());
    // Both panels share the time axis.
    let (t0, t1) = match bounds(all) {
        Some([(t0, t1), _]) => linear_range(t0, t1, 0.0),
        None => (0.0, 1.0),
    };

    let (upper, lower) = if errors.is_empty() {
        (root.clone(), None)
    } else {
        let (u, l) = root.split_vertically(SIZE.1 * 11 / 20);
        (u, Some(l))
    };

    // Top panel: linear axis.
    let (y0, y1) = match top_bounds {
        Some([_, (y0, y1)]) => linear_range(y0, y1, 0.05),
        None => (0.0, 1.0),
    };
    let mut caption = if series.is_empty() {
        "energy".to_string()
    } else {
        names(series)
    };
    if top_bounds.is_none() {
        caption.push_str(" (no data)");
    }
    let mut chart = ChartBuilder::on(&upper)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(t0..t1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("time")
        .y_desc(if series.is_empty() {
            "value".to_string()
        } else {
            names(series)
        })
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(err)?;
    draw_curves(&mut chart, &top).map_err(err)?;

    // Bottom panel: log10 axis, drawn as log10 values on a linear axis with `10^v` labels
    // (plotters' own log axis loops forever near 0 and drops labels below 1e-16).
    if let Some(lower) = lower {
        let (e0, e1) = match bottom_bounds {
            Some([_, (e0, e1)]) => decade_range(e0, e1),
            None => (-16.0, 0.0),
        };
        let mut caption = names(errors);
        if bottom_bounds.is_none() {
            caption.push_str(" (no data)");
        }
        let mut chart = ChartBuilder::on(&lower)
            .caption(caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(t0..t1, e0..e1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time")
            .y_desc(format!("{} (log10)", names(errors)))
            .x_label_formatter(&tick)
            .y_label_formatter(&pow10_tick)
            // At most one label per decade, so the labels fall on powers of ten.
            .y_labels(((e1 - e0).floor() as usize + 1).clamp(2, 10))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        draw_curves(&mut chart, &bottom).map_err(err)?;
    }

    root.present().map_err(err)
}

fn draw_curves<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    curves: &Curves,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    if curves.is_empty() {
        return Ok(());
    }
    for (k, (name, runs)) in curves.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let style = color.stroke_width(2);
        // One legend entry per curve, even if it has nothing drawable.
        let mut labelled = false;
        for run in runs.iter().chain(runs.is_empty().then_some(&Vec::new())) {
            let anno = if run.len() == 1 {
                chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, color.filled())))?
            } else {
                chart.draw_series(LineSeries::new(run.iter().copied(), style))?
            };
            if !labelled {
                labelled = true;
                anno.label(name.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            }
        }
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
}
