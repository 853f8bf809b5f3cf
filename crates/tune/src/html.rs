//! `garbell report`: one self-contained HTML file about a run (no script, no network, no
//! external style sheet; charts are inline SVG). Everything that comes from documents or files
//! is HTML-escaped.

use crate::rules::{Overrides, Rules, ThresholdMark, KEPT};
use crate::run_stats::{LangFunnel, RunStats};
use crate::summary::Summary;
use crate::table::{parquet_in, read_texts, SignalTable};
use crate::Error;
use garbell_config::{ChainConfig, Languages};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// What to put in the report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The chain whose thresholds are drawn and re-applied to the stored documents (default: the
    /// chain recorded in the run's manifest).
    pub chain: Option<ChainConfig>,
    /// Language profiles (LID thresholds).
    pub languages: Languages,
    /// Sample documents shown per language and reason (and kept).
    pub samples: usize,
    /// Characters of text shown per sample.
    pub excerpt_chars: usize,
    /// Histogram bins.
    pub bins: usize,
}

impl ReportOptions {
    /// Defaults: the manifest's chain, 3 samples of 300 characters, 30 bins.
    pub fn new(languages: Languages) -> Self {
        ReportOptions {
            chain: None,
            languages,
            samples: 3,
            excerpt_chars: 300,
            bins: 30,
        }
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The chain recorded in `<dir>/manifest.json` (`config.chain`), if any.
pub fn manifest_chain(dir: &Path) -> Option<ChainConfig> {
    let bytes = std::fs::read(dir.join("manifest.json")).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    serde_json::from_value(v.get("config")?.get("chain")?.clone()).ok()
}

/// A histogram as inline SVG: `counts` over `[lo, hi]`, vertical lines at `marks` (each
/// labelled with its parameter and value).
///
/// Both axes have ticks and labels: x ticks at round values across the range, y ticks at round
/// counts. The y axis is logarithmic (ticks at powers of ten, marked "log") when the non-zero
/// counts span two orders of magnitude or more, so that a few large bars do not flatten the
/// rest; a bar of one document is then still visible.
pub fn svg_histogram(
    title: &str,
    counts: &[u64],
    lo: f64,
    hi: f64,
    marks: &[(f64, String)],
) -> String {
    let (w, h) = (360.0, 170.0);
    let (left, right, top, bottom) = (44.0, 10.0, 8.0, 30.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let min_nz = counts.iter().copied().filter(|&c| c > 0).min().unwrap_or(1);
    let log = max >= 100 * min_nz;
    // The y scale: counts -> fraction of the plot height.
    let log_top = 10f64.powf((max as f64).log10().ceil()).max(10.0);
    let log_base = 0.5f64; // a count of 1 still gets a visible bar
    let y_frac = |c: f64| -> f64 {
        if c <= 0.0 {
            0.0
        } else if log {
            ((c / log_base).log10() / (log_top / log_base).log10()).clamp(0.0, 1.0)
        } else {
            c / y_max_linear(max)
        }
    };
    let y_ticks: Vec<f64> = if log {
        let mut v = Vec::new();
        let mut t = 1.0;
        while t <= log_top * 1.000_001 {
            v.push(t);
            t *= 10.0;
        }
        v
    } else {
        count_ticks(max)
    };
    let mut s = format!(
        "<svg class=\"hist\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" data-scale=\"{}\"><title>{}</title>",
        if log { "log" } else { "linear" },
        escape(title)
    );
    // Grid lines and y ticks.
    for t in &y_ticks {
        let y = top + ph * (1.0 - y_frac(*t));
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{left}\" y2=\"{y:.1}\" stroke=\"#444\"/><text class=\"ytick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\">{}</text>",
            w - right,
            left - 3.0,
            left - 5.0,
            y + 3.0,
            fmt_count(*t)
        );
    }
    let bw = pw / counts.len().max(1) as f64;
    for (i, &c) in counts.iter().enumerate() {
        let bh = ph * y_frac(c as f64);
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#4a78b5\"><title>{c}</title></rect>",
            left + i as f64 * bw,
            top + ph - bh,
            (bw - 1.0).max(0.5),
            bh
        );
    }
    let x_of = |v: f64| {
        if hi > lo {
            left + (v - lo) / (hi - lo) * pw
        } else {
            left + pw / 2.0
        }
    };
    // Axes, x ticks.
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#444\"/><line class=\"axis\" x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#444\"/>",
        top + ph,
        top + ph,
        w - right,
        top + ph
    );
    let x_ticks = if hi > lo {
        nice_ticks(lo, hi, 5)
    } else {
        vec![lo]
    };
    let step = if x_ticks.len() > 1 {
        x_ticks[1] - x_ticks[0]
    } else {
        0.0
    };
    for t in &x_ticks {
        let x = x_of(*t);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#444\"/><text class=\"xtick\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
            top + ph,
            top + ph + 3.0,
            top + ph + 13.0,
            fmt_tick(*t, step)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#666\">{}</text><text x=\"10\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#666\" transform=\"rotate(-90 10 {:.1})\">{}</text>",
        left + pw / 2.0,
        h - 3.0,
        escape(title),
        top + ph / 2.0,
        top + ph / 2.0,
        if log { "docs (log)" } else { "docs" }
    );
    // Thresholds with their values.
    let mut k = 0;
    for (v, label) in marks {
        if *v >= lo && *v <= hi {
            let x = x_of(*v);
            let text = format!("{} = {}", label, fmt_num(*v));
            let _ = write!(
                s,
                "<line class=\"threshold\" x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#d62728\" stroke-width=\"2\"><title>{}</title></line>",
                top + ph,
                escape(&text)
            );
            let (tx, anchor) = if x > left + pw / 2.0 {
                (x - 3.0, "end")
            } else {
                (x + 3.0, "start")
            };
            let _ = write!(
                s,
                "<text class=\"threshold-label\" x=\"{tx:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"{anchor}\" fill=\"#d62728\" stroke=\"#fff\" stroke-width=\"2.5\" paint-order=\"stroke\">{}</text>",
                top + 9.0 + 10.0 * k as f64,
                escape(&text)
            );
            k += 1;
        }
    }
    s.push_str("</svg>");
    s
}

/// A round step (1, 2 or 5 × 10^k) that cuts `range` into about `n` parts.
fn nice_step(range: f64, n: usize) -> f64 {
    let raw = range / n.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// The step of a linear count axis (a whole number of documents).
fn count_step(max: u64) -> f64 {
    nice_step(max.max(1) as f64, 4).max(1.0)
}

/// The top of a linear y axis: the first multiple of the count step at or above `max`.
fn y_max_linear(max: u64) -> f64 {
    let step = count_step(max);
    (max.max(1) as f64 / step).ceil() * step
}

/// Ticks of a linear count axis, 0 to [`y_max_linear`].
fn count_ticks(max: u64) -> Vec<f64> {
    let step = count_step(max);
    let n = (y_max_linear(max) / step).round() as u64;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// Round tick values inside `[lo, hi]` (about `n` of them; steps of 1, 2 or 5 × 10^k).
fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let step = nice_step(hi - lo, n);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// A tick label with as many decimals as the step needs.
fn fmt_tick(v: f64, step: f64) -> String {
    let decimals = if step > 0.0 && step < 1.0 {
        (-step.log10() - 1e-9).ceil() as usize
    } else {
        0
    };
    let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
    format!("{v:.decimals$}")
}

/// A count as a short label: 950, 1.2k, 10k, 3M.
fn fmt_count(v: f64) -> String {
    let short = |x: f64, unit: &str| {
        if x.fract() == 0.0 {
            format!("{x:.0}{unit}")
        } else {
            format!("{x:.1}{unit}")
        }
    };
    if v >= 1e6 {
        short(v / 1e6, "M")
    } else if v >= 1e3 {
        short(v / 1e3, "k")
    } else {
        format!("{v:.0}")
    }
}

/// A threshold value as written in a chain (`0.3`, `50`), shortened when long.
fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e12 {
        return format!("{v:.0}");
    }
    let plain = format!("{v}");
    if plain.len() <= 8 {
        return plain;
    }
    if v.abs() >= 1e-3 {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.2e}")
    }
}

/// Bins finite `values` into `bins` bins over their range.
fn bin(values: &[f64], bins: usize) -> (Vec<u64>, f64, f64) {
    let finite = values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && v.abs() < 1e300);
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if lo > hi {
        return (Vec::new(), 0.0, 0.0);
    }
    let n = bins.max(1);
    let mut counts = vec![0u64; n];
    for v in values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && v.abs() < 1e300)
    {
        let i = if hi > lo {
            (((v - lo) / (hi - lo)) * n as f64).floor() as usize
        } else {
            0
        };
        counts[i.min(n - 1)] += 1;
    }
    (counts, lo, hi)
}

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;max-width:1250px;color:#222}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px;text-align:right}\
td.l,th.l{text-align:left}.grid{display:flex;flex-wrap:wrap;gap:8px}.cell{border:1px solid #eee;padding:4px}\
.cell h4{margin:0;font-size:12px}pre{white-space:pre-wrap;background:#f6f6f6;padding:4px;font-size:12px;max-width:1200px}\
.note{color:#666;font-size:12px}nav a{margin-right:8px}";

fn funnel_html(out: &mut String, f: &LangFunnel) {
    out.push_str("<table><tr><th class=\"l\">step</th><th>seen</th><th>kept</th><th>kept %</th><th class=\"l\">dropped by reason</th><th class=\"l\">after step</th></tr>");
    let first = f.steps.first().map_or(0, |s| s.seen).max(1);
    for st in &f.steps {
        let drops: Vec<String> = st
            .dropped
            .iter()
            .map(|(k, v)| format!("{}={v}", escape(k)))
            .collect();
        let pct = if st.seen == 0 {
            0.0
        } else {
            100.0 * st.kept as f64 / st.seen as f64
        };
        let width = 200.0 * st.kept as f64 / first as f64;
        let _ = write!(
            out,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{pct:.1}</td><td class=\"l\">{}</td><td class=\"l\"><svg class=\"funnel\" xmlns=\"http://www.w3.org/2000/svg\" width=\"210\" height=\"12\"><rect x=\"0\" y=\"1\" width=\"{width:.1}\" height=\"10\" fill=\"#2ca02c\"/></svg></td></tr>",
            escape(&st.name),
            st.seen,
            st.kept,
            drops.join(" ")
        );
    }
    let _ = write!(out, "<tr><td class=\"l\">(written)</td><td></td><td>{}</td><td></td><td></td><td></td></tr></table>", f.written);
}

fn summary_html(out: &mut String, s: &Summary) {
    out.push_str("<table><tr><th class=\"l\">step</th><th class=\"l\">reason</th><th>docs</th><th>tokens</th></tr>");
    for st in &s.steps {
        for (r, c) in &st.dropped {
            let _ = write!(
                out,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(&st.name),
                escape(r),
                c.docs,
                c.tokens
            );
        }
    }
    let _ = write!(
        out,
        "<tr><td class=\"l\">(all steps)</td><td class=\"l\">kept</td><td>{}</td><td>{}</td></tr></table><p class=\"note\">of {} stored documents; tokens: {}</p>",
        s.kept.docs,
        s.kept.tokens,
        s.input.docs,
        escape(s.token_estimate)
    );
}

/// Renders the report of the run in `dir`.
pub fn render_report(dir: &Path, opts: &ReportOptions) -> Result<String, Error> {
    let stats = RunStats::load(dir).ok();
    let chain = opts.chain.clone().or_else(|| manifest_chain(dir));
    let shards = if dir.join("shards").is_dir() {
        parquet_in(&dir.join("shards"))?
    } else {
        Vec::new()
    };
    let table = SignalTable::load(&shards, None)?;
    let rules = match &chain {
        Some(c) => Some(Rules::build(c, &opts.languages, &Overrides::default())?),
        None => None,
    };
    let eval = rules.as_ref().map(|r| r.evaluate(&table));
    let langs: Vec<String> = {
        let mut l = table.langs().to_vec();
        if let Some(s) = &stats {
            l.extend(s.languages.keys().cloned());
        }
        l.sort();
        l.dedup();
        l
    };
    let marks: Vec<ThresholdMark> = rules
        .as_ref()
        .map(|r| r.threshold_marks(&langs))
        .unwrap_or_default();

    // Rows per language, and the sample rows per (language, reason).
    let mut rows_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for r in 0..table.len() {
        rows_of.entry(table.lang(r)).or_default().push(r);
    }
    let mut samples: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for r in 0..table.len() {
        let reason = match &eval {
            Some(e) if e.outcome[r] != KEPT => e.dropped_by(r).map_or_else(
                || "dropped".to_string(),
                |(s, r)| format!("dropped by {s}: {r}"),
            ),
            _ => "kept".to_string(),
        };
        let v = samples
            .entry((table.lang(r).to_string(), reason))
            .or_default();
        if v.len() < opts.samples {
            v.push(r);
        }
    }
    // The excerpts: only the sampled rows' id and text, from the row groups that hold them.
    let places: Vec<(usize, (std::path::PathBuf, u64))> = samples
        .values()
        .flatten()
        .filter_map(|&r| table.place(r).map(|(f, i)| (r, (f.to_path_buf(), i))))
        .collect();
    let found = read_texts(&places.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>())?;
    let texts: BTreeMap<usize, (String, String)> = places
        .into_iter()
        .filter_map(|(r, p)| {
            found.get(&p).map(|(id, text)| {
                let ex: String = text.chars().take(opts.excerpt_chars).collect();
                (r, (id.clone(), ex))
            })
        })
        .collect();

    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>garbell report: {}</title><style>{STYLE}</style></head><body>",
        escape(&dir.display().to_string())
    );
    let _ = write!(
        h,
        "<h1>garbell report</h1><p>Run <code>{}</code>: {} stored documents in {} shards",
        escape(&dir.display().to_string()),
        table.len(),
        shards.len()
    );
    match &chain {
        Some(c) => {
            let _ = write!(
                h,
                "; thresholds of chain <code>{}</code>.</p>",
                escape(&c.name)
            );
        }
        None => h.push_str("; no chain recorded (no thresholds drawn).</p>"),
    }
    h.push_str("<nav>");
    for l in &langs {
        let _ = write!(h, "<a href=\"#lang-{0}\">{0}</a>", escape(l));
    }
    h.push_str("<a href=\"#dedup\">dedup</a></nav>");
    if let Some(s) = &stats {
        h.push_str("<h2>Funnel, all languages</h2>");
        funnel_html(&mut h, &s.total);
    }
    h.push_str("<h2>LID scores</h2><div class=\"grid\">");
    for (l, rows) in &rows_of {
        let vals: Vec<f64> = rows
            .iter()
            .map(|&r| f64::from(table.lang_score(r)))
            .collect();
        let (counts, lo, hi) = bin(&vals, opts.bins);
        let m: Vec<(f64, String)> = marks
            .iter()
            .filter(|m| m.signal == "lang_score" && m.lang.as_deref() == Some(*l))
            .map(|m| (m.value, m.param.clone()))
            .collect();
        let _ = write!(
            h,
            "<div class=\"cell\"><h4>{} ({} docs)</h4>{}</div>",
            escape(l),
            rows.len(),
            svg_histogram(&format!("lang_score {l}"), &counts, lo, hi, &m)
        );
    }
    h.push_str("</div>");
    for l in &langs {
        let _ = write!(h, "<h2 id=\"lang-{0}\">Language {0}</h2>", escape(l));
        if let Some(f) = stats.as_ref().and_then(|s| s.languages.get(l)) {
            h.push_str("<h3>Funnel (stats.json)</h3>");
            funnel_html(&mut h, f);
        }
        let Some(rows) = rows_of.get(l.as_str()) else {
            continue;
        };
        if let (Some(e), Some(_)) = (&eval, &rules) {
            let mut sub = SignalTable::new();
            let mut outcome = Vec::with_capacity(rows.len());
            for &r in rows {
                sub.push_row(
                    table.id(r),
                    l,
                    table.lang_score(r),
                    table.tokens(r) as usize,
                    table.bytes(r) as usize,
                    std::iter::empty(),
                );
                outcome.push(e.outcome[r]);
            }
            let sub_eval = crate::Evaluation {
                steps: e.steps.clone(),
                reasons: e.reasons.clone(),
                outcome,
            };
            h.push_str("<h3>Decisions on the stored documents (chain thresholds)</h3>");
            summary_html(&mut h, &Summary::new(&sub, &sub_eval));
        }
        h.push_str("<h3>Signals</h3><div class=\"grid\">");
        for name in table.signal_names() {
            let Some(col) = table.column(name) else {
                continue;
            };
            let vals: Vec<f64> = rows.iter().filter_map(|&r| col.get(r)).collect();
            if vals.is_empty() {
                continue;
            }
            let (counts, lo, hi) = bin(&vals, opts.bins);
            let m: Vec<(f64, String)> = marks
                .iter()
                .filter(|m| m.signal == name && m.lang.as_ref().is_none_or(|x| x == l))
                .map(|m| (m.value, m.param.clone()))
                .collect();
            let off: Vec<String> = m
                .iter()
                .filter(|(v, _)| *v < lo || *v > hi)
                .map(|(v, p)| format!("{} = {} (off chart)", escape(p), fmt_num(*v)))
                .collect();
            let _ = write!(h, "<div class=\"cell\"><h4>{} <span class=\"note\">n={}</span></h4>{}<div class=\"note\">{}</div></div>", escape(name), vals.len(), svg_histogram(&format!("{name} ({l})"), &counts, lo, hi, &m), off.join("<br>"));
        }
        h.push_str("</div><h3>Sample documents</h3>");
        for ((sl, reason), rs) in samples.range((l.clone(), String::new())..) {
            if sl != l {
                break;
            }
            let _ = write!(h, "<h4>{}</h4>", escape(reason));
            for r in rs {
                if let Some((id, ex)) = texts.get(r) {
                    let _ = write!(
                        h,
                        "<div class=\"note\">{}</div><pre>{}</pre>",
                        escape(id),
                        escape(ex)
                    );
                }
            }
        }
    }
    h.push_str("<h2 id=\"dedup\">Dedup cluster sizes</h2>");
    let dd = dir.join("dedup").join("shards");
    if dd.is_dir() {
        let t = SignalTable::load(&parquet_in(&dd)?, None)?;
        let mut by_size: BTreeMap<u64, u64> = BTreeMap::new();
        if let Some(c) = t.column("dedup_cluster_size") {
            for r in 0..t.len() {
                if let Some(v) = c.get(r) {
                    *by_size.entry(v.max(0.0) as u64).or_default() += 1;
                }
            }
        }
        let max_size = by_size.keys().next_back().copied().unwrap_or(1).min(200) as usize;
        let mut counts = vec![0u64; max_size.max(1)];
        for (s, n) in &by_size {
            let i = (*s as usize).clamp(1, max_size.max(1)) - 1;
            counts[i] += n;
        }
        let _ = write!(h, "<p>Surviving documents by the size of their cluster (1 = unique).</p>{}<table><tr><th>cluster size</th><th>documents</th></tr>", svg_histogram("dedup_cluster_size", &counts, 0.5, max_size.max(1) as f64 + 0.5, &[]));
        for (s, n) in &by_size {
            let _ = write!(h, "<tr><td>{s}</td><td>{n}</td></tr>");
        }
        h.push_str("</table>");
    } else {
        h.push_str("<p class=\"note\">No dedup stage in this run.</p>");
    }
    h.push_str("</body></html>\n");
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_spanning_orders_of_magnitude_get_a_log_axis_with_ticks() {
        // The dedup cluster-size shape: thousands of singletons, a few larger clusters.
        let svg = svg_histogram("sizes", &[5000, 40, 3, 0, 1], 0.5, 5.5, &[]);
        assert!(svg.contains("data-scale=\"log\""), "{svg}");
        for label in [">1<", ">10<", ">100<", ">1k<", ">10k<"] {
            assert!(svg.contains(label), "missing y tick {label}: {svg}");
        }
        // The one-document bar is visible.
        assert!(!svg.contains("height=\"0.0\"><title>1<"), "{svg}");
        let lin = svg_histogram("x", &[3, 7, 5], 0.0, 1.0, &[(0.3, "max_x".into())]);
        assert!(lin.contains("data-scale=\"linear\""));
        assert!(lin.contains(">max_x = 0.3</text>"), "{lin}");
        assert!(lin.matches("class=\"xtick\"").count() >= 5, "{lin}");
        assert!(lin.matches("class=\"ytick\"").count() >= 3, "{lin}");
    }

    #[test]
    fn ticks_are_round() {
        let labels: Vec<String> = nice_ticks(0.0, 1.0, 5)
            .iter()
            .map(|&t| fmt_tick(t, 0.2))
            .collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        assert_eq!(count_ticks(37), vec![0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(count_ticks(1), vec![0.0, 1.0]);
        assert_eq!(fmt_num(0.3), "0.3");
    }
}
