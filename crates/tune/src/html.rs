//! `garbell report`: one self-contained HTML file about a run (no script, no network, no
//! external style sheet; charts are inline SVG). Everything that comes from documents or files
//! is HTML-escaped.

use crate::rules::{Overrides, Rules, ThresholdMark, KEPT};
use crate::run_stats::{LangFunnel, RunStats};
use crate::summary::Summary;
use crate::table::{parquet_in, SignalTable};
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

/// A histogram as inline SVG: `counts` over `[lo, hi]`, vertical lines at `marks`.
pub fn svg_histogram(
    title: &str,
    counts: &[u64],
    lo: f64,
    hi: f64,
    marks: &[(f64, String)],
) -> String {
    let (w, h, pad) = (320.0, 120.0, 20.0);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let bw = (w - 2.0 * pad) / counts.len().max(1) as f64;
    let mut s = format!(
        "<svg class=\"hist\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>{}</title>",
        escape(title)
    );
    for (i, &c) in counts.iter().enumerate() {
        let bh = (h - 2.0 * pad) * c as f64 / max;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#4a78b5\"><title>{c}</title></rect>",
            pad + i as f64 * bw,
            h - pad - bh,
            (bw - 1.0).max(0.5),
            bh
        );
    }
    let x_of = |v: f64| {
        if hi > lo {
            pad + (v - lo) / (hi - lo) * (w - 2.0 * pad)
        } else {
            w / 2.0
        }
    };
    for (v, label) in marks {
        if *v >= lo && *v <= hi {
            let x = x_of(*v);
            let _ = write!(
                s,
                "<line class=\"threshold\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#d62728\" stroke-width=\"2\"><title>{} = {v}</title></line>",
                pad / 2.0,
                h - pad,
                escape(label)
            );
        }
    }
    let _ = write!(
        s,
        "<text x=\"{pad}\" y=\"{:.1}\" font-size=\"10\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text></svg>",
        h - 5.0,
        fmt_num(lo),
        w - pad,
        h - 5.0,
        fmt_num(hi)
    );
    s
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
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
    let wanted: BTreeMap<usize, ()> = samples.values().flatten().map(|&r| (r, ())).collect();
    let mut texts: BTreeMap<usize, (String, String)> = BTreeMap::new();
    let mut row = 0usize;
    for file in &shards {
        for d in garbell_shard::ShardReader::open(file)?.flatten() {
            if wanted.contains_key(&row) {
                let ex: String = d.text.chars().take(opts.excerpt_chars).collect();
                texts.insert(row, (d.id, ex));
            }
            row += 1;
        }
    }

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
        let _ = write!(h, "<p>Surviving documents by the size of their cluster (1 = unique).</p>{}<table><tr><th>cluster size</th><th>documents</th></tr>", svg_histogram("dedup_cluster_size", &counts, 1.0, max_size.max(1) as f64, &[]));
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
