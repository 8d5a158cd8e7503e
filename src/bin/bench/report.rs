//! The table the bench prints: one row per figure and provider, printed as it is measured and
//! again, whole, at the end.

use std::sync::Mutex;

pub struct Row {
    pub figure: String,
    pub provider: String,
    pub gateway: String,
    pub direct: String,
    pub ratio: String,
    pub note: String,
}

static ROWS: Mutex<Vec<Row>> = Mutex::new(Vec::new());

const WIDTHS: [usize; 5] = [44, 10, 24, 24, 8];

fn line(cells: [&str; 6]) -> String {
    let mut s = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i < WIDTHS.len() {
            s.push_str(&format!("{c:<w$} ", w = WIDTHS[i]));
        } else {
            s.push_str(c);
        }
    }
    s.trim_end().to_owned()
}

pub fn header() -> String {
    line(["figure", "provider", "gateway", "direct", "ratio", "note"])
}

/// Records and prints one row.
pub fn row(
    figure: &str,
    provider: &str,
    gateway: String,
    direct: String,
    ratio: String,
    note: String,
) {
    let r = Row {
        figure: figure.to_owned(),
        provider: provider.to_owned(),
        gateway,
        direct,
        ratio,
        note,
    };
    println!("{}", render(&r));
    ROWS.lock().unwrap_or_else(|e| e.into_inner()).push(r);
}

fn render(r: &Row) -> String {
    line([
        &r.figure,
        &r.provider,
        &r.gateway,
        &r.direct,
        &r.ratio,
        &r.note,
    ])
}

/// Every row so far.
pub fn table() -> String {
    let rows = ROWS.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = header();
    out.push('\n');
    for r in rows.iter() {
        out.push_str(&render(r));
        out.push('\n');
    }
    out
}

/// Records and prints the row of a figure measured on both sides: the medians of the
/// `gateway` and `direct` rounds, each shown by `show` (with its unit), and their ratio.
pub fn compare(
    figure: &str,
    provider: &str,
    (gateway, direct): (&[f64], &[f64]),
    show: impl Fn(f64) -> String,
    note: String,
) {
    let (g, d) = (crate::load::median(gateway), crate::load::median(direct));
    row(figure, provider, show(g), show(d), ratio(g, d), note);
}

/// gateway / direct, as `1.23x` (`–` when either is missing).
pub fn ratio(gateway: f64, direct: f64) -> String {
    if gateway.is_finite() && direct.is_finite() && direct > 0.0 {
        format!("{:.2}x", gateway / direct)
    } else {
        "–".into()
    }
}

pub fn ms(secs: f64) -> String {
    format!("{:.2} ms", secs * 1000.0)
}
