//! `garbell report`: well-formed, escapes hostile text, renders in headless Chromium.

#[path = "../../../tests/common/ci.rs"]
mod ci;
mod common;

use garbell_config::Languages;
use garbell_tune::html::{render_report, ReportOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

const VOID: &[&str] = &["meta", "br", "hr", "img", "input", "link"];

/// Checks that every element is closed in order (void elements excepted) and that no raw `<`
/// appears outside a tag: the report is generated, so it should be strictly balanced.
fn assert_well_formed(html: &str) {
    let body = html.strip_prefix("<!DOCTYPE html>\n").expect("doctype");
    let mut stack: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let end = after.find('>').expect("unclosed tag");
        let tag = &after[..end];
        assert!(!tag.contains('<'), "raw < inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().unwrap_or_default();
            assert_eq!(open, name, "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(!name.is_empty(), "bad tag <{tag}>");
            if !VOID.contains(&name.as_str()) {
                stack.push(name);
            }
        }
        rest = &after[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn report_of_annotated_run() -> (tempfile::TempDir, String) {
    let (dir, _normal, annotated) = common::two_runs();
    let mut opts = ReportOptions::new(Languages::embedded().expect("langs"));
    opts.chain = Some(common::chain());
    opts.excerpt_chars = 2000;
    let html = render_report(&annotated, &opts).expect("report");
    (dir, html)
}

#[test]
fn report_is_well_formed_self_contained_and_escapes_documents() {
    let (_dir, html) = report_of_annotated_run();
    assert_well_formed(&html);
    // The hostile document is shown, escaped; no script of any kind, no external resource.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "sample not shown"
    );
    assert!(!html.to_lowercase().contains("<script"));
    for external in ["http://", "https://", "src=", "<link"] {
        let n = html.matches(external).count();
        let svg_ns = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        if external == "http://" {
            assert_eq!(n, svg_ns, "external reference {external}");
        } else if external != "https://" {
            assert_eq!(n, 0, "external reference {external}");
        }
    }
    // Funnel, histograms with thresholds, LID scores, samples per reason, dedup section.
    for needle in [
        "Funnel",
        "class=\"hist\"",
        "class=\"threshold\"",
        "LID scores",
        "dropped by filter_gopher_quality",
        "id=\"lang-ca\"",
        "Dedup cluster sizes",
        "class=\"threshold-label\"",
        "class=\"ytick\"",
        "class=\"axis\"",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    // Every chart has a y axis with at least two ticks and an x axis with ticks; every
    // threshold drawn is labelled with its value.
    for svg in html.split("<svg class=\"hist\"").skip(1) {
        let svg = &svg[..svg.find("</svg>").expect("closed svg")];
        assert!(svg.matches("class=\"ytick\"").count() >= 2, "{svg}");
        assert!(svg.matches("class=\"xtick\"").count() >= 1, "{svg}");
        assert_eq!(
            svg.matches("class=\"threshold\"").count(),
            svg.matches("class=\"threshold-label\"").count()
        );
    }
    assert!(html.contains("threshold-label") && html.contains(" = "));
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn headless(bin: &Path, profile: &Path, extra: &[&str], url: &str) -> std::process::Output {
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs")
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(bin) = chromium() else {
        ci::skip_unless_ci(
            "report_renders_in_headless_chromium",
            "chromium is not installed (Debian's `chromium` package)",
        );
        return;
    };
    let (_dir, html) = report_of_annotated_run();
    let art = common::artifacts_dir();
    let page = art.join("report.html");
    std::fs::write(&page, &html).expect("write report");
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().expect("profile");

    let dom = headless(&bin, profile.path(), &["--dump-dom"], &url);
    let out = String::from_utf8_lossy(&dom.stdout);
    let err = String::from_utf8_lossy(&dom.stderr);
    assert!(dom.status.success(), "chromium failed: {err}");
    assert!(
        out.contains("<svg") && out.contains("class=\"threshold\""),
        "no SVG in the DOM"
    );
    assert!(
        out.contains("class=\"threshold-label\"") && out.contains("class=\"ytick\""),
        "axes or threshold labels missing from the DOM"
    );
    assert!(
        out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped sample missing from DOM"
    );
    assert!(
        !out.contains("<script>alert(1)"),
        "hostile script became markup"
    );
    for bad in ["CONSOLE", "Uncaught", "Refused to load"] {
        assert!(
            !err.lines()
                .any(|l| l.contains(bad) && l.contains("report.html")),
            "console error: {err}"
        );
    }

    let png = art.join("report.png");
    let _ = std::fs::remove_file(&png);
    let shot = headless(
        &bin,
        profile.path(),
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
        ],
        &url,
    );
    assert!(
        shot.status.success(),
        "screenshot failed: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "screenshot too small"
    );
    eprintln!("report artefacts: {} and {}", page.display(), png.display());
}
