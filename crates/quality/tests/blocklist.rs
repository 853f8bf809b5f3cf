//! `filter_url_blocklist` on the committed UT1-style fixture (`tests/data/blocklist/`, fictional
//! hosts; see its README).

use garbell_core::{Document, Origin, Step, Verdict};
use garbell_quality::{UrlBlocklistConfig, MAX_CATEGORIES};
use std::path::{Path, PathBuf};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/blocklist")
        .join(p)
}

fn cfg() -> UrlBlocklistConfig {
    UrlBlocklistConfig {
        dirs: vec![data("ut1")],
        lists: vec![data("lists/gambling.txt")],
        ..Default::default()
    }
}

fn run(step: &dyn Step, url: Option<&str>) -> (Verdict, Document) {
    let mut d = Document::new("d", "text", "t", Origin::new("t", 0, 0));
    d.url = url.map(String::from);
    let v = step.apply(&mut d).expect("ok");
    (v, d)
}

fn cats(d: &Document) -> Vec<String> {
    d.meta_strings("categories")
}

#[test]
fn domains_parents_and_urls_match() {
    let step = cfg().build().expect("loads");
    // `shady.example` is in two categories: one entry.
    assert_eq!(step.len(), (5, 4));
    let cases: &[(&str, &[&str])] = &[
        ("https://adult-site.test/", &["adult"]),
        ("http://deep.sub.adult-site.test/a?b", &["adult"]),
        ("https://www.shady.example/x", &["adult", "malware"]),
        ("HTTP://SUB.MIXED.TEST", &["adult"]),
        ("https://mixed.test/", &[]),
        ("https://notadult-site.test/", &[]),
        ("https://gallery.test/private/", &["adult"]),
        ("https://www.gallery.test/private#top", &["adult"]),
        ("https://gallery.test/private/other", &[]),
        ("https://gallery.test/", &[]),
        ("https://free-host.test/~user/page.html", &["adult"]),
        ("https://bad.example/track", &["malware"]),
        ("https://casino.test/roulette", &["gambling"]),
        ("https://poker.test/play", &["gambling"]),
        ("https://poker.test/", &[]),
        ("https://example.test/", &[]),
    ];
    for (url, want) in cases {
        let (v, d) = run(&step, Some(url));
        assert_eq!(cats(&d), *want, "{url}");
        match want.first() {
            Some(c) => assert_eq!(v, Verdict::Drop(format!("blocklist_{c}").into()), "{url}"),
            None => assert_eq!(v, Verdict::Keep, "{url}"),
        }
        assert_eq!(d.signals["blocklist_match"], want.len() as f64);
    }
    // No URL: kept, nothing written.
    let (v, d) = run(&step, None);
    assert_eq!(v, Verdict::Keep);
    assert!(d.meta.is_empty() && d.signals.is_empty());
}

#[test]
fn annotate_only_and_category_selection() {
    let step = UrlBlocklistConfig {
        annotate_only: true,
        ..cfg()
    }
    .build()
    .expect("loads");
    let (v, d) = run(&step, Some("https://adult-site.test/"));
    assert_eq!((v, cats(&d)), (Verdict::Keep, vec!["adult".to_string()]));
    let step = UrlBlocklistConfig {
        dirs: vec![data("ut1")],
        categories: vec!["malware".into()],
        ..Default::default()
    }
    .build()
    .expect("loads");
    assert_eq!(
        run(&step, Some("https://adult-site.test/")).0,
        Verdict::Keep
    );
    assert_eq!(
        run(&step, Some("https://shady.example/")).0,
        Verdict::drop("blocklist_malware")
    );
    let e = UrlBlocklistConfig {
        dirs: vec![data("ut1")],
        categories: vec!["phishing".into()],
        ..Default::default()
    }
    .build()
    .expect_err("no such category");
    assert!(e.to_string().contains("\"phishing\""), "{e}");
}

#[test]
fn load_errors_name_file_and_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cat = tmp.path().join("ut1/adult");
    std::fs::create_dir_all(&cat).expect("mkdir");
    std::fs::write(cat.join("domains"), "ok.test\n\nbad entry.test\n").expect("write");
    let e = UrlBlocklistConfig {
        dirs: vec![tmp.path().join("ut1")],
        ..Default::default()
    }
    .build()
    .expect_err("space in an entry");
    let msg = e.to_string();
    assert!(
        msg.contains("adult/domains:3") && msg.contains("bad entry.test"),
        "{msg}"
    );
    std::fs::write(cat.join("domains"), "ok.test\nsite.test/path\n").expect("write");
    let e = UrlBlocklistConfig {
        dirs: vec![tmp.path().join("ut1")],
        ..Default::default()
    }
    .build()
    .expect_err("URL in domains");
    assert!(e.to_string().contains("adult/domains:2"), "{e}");
    std::fs::write(cat.join("domains"), b"ok.test\n\xff\xfe\n").expect("write");
    let e = UrlBlocklistConfig {
        dirs: vec![tmp.path().join("ut1")],
        ..Default::default()
    }
    .build()
    .expect_err("not UTF-8");
    assert!(e.to_string().contains("adult/domains:2: not UTF-8"), "{e}");
    let e = UrlBlocklistConfig {
        lists: vec![tmp.path().join("missing.txt")],
        ..Default::default()
    }
    .build()
    .expect_err("missing file");
    assert!(e.to_string().contains("missing.txt"), "{e}");
    let e = UrlBlocklistConfig::default().build().expect_err("nothing");
    assert!(e.to_string().contains("nothing to block"), "{e}");
}

#[test]
fn symlinked_categories_and_too_many() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("ut1");
    std::fs::create_dir_all(root.join("adult")).expect("mkdir");
    std::fs::create_dir_all(root.join("empty")).expect("mkdir");
    std::fs::write(root.join("adult/domains"), "a.test\n").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("adult"), root.join("porn")).expect("symlink");
    let step = UrlBlocklistConfig {
        dirs: vec![root.clone()],
        ..Default::default()
    }
    .build()
    .expect("loads");
    assert_eq!(
        run(&step, Some("http://a.test")).0,
        Verdict::drop("blocklist_adult"),
        "the alias `porn` is skipped, `empty` has no list"
    );
    for i in 0..MAX_CATEGORIES {
        let d = root.join(format!("c{i:03}"));
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("domains"), format!("c{i}.test\n")).expect("write");
    }
    let e = UrlBlocklistConfig {
        dirs: vec![root],
        ..Default::default()
    }
    .build()
    .expect_err("129 categories");
    assert!(e.to_string().contains("more than 128 categories"), "{e}");
}
