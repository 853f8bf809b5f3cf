//! Integration tests of the dedup stages: detection rates, determinism, spill path, bad files.

use garbell_dedup::*;
use std::collections::HashSet;
use std::path::Path;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn word(rng: &mut Rng) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ter", "sa", "nu", "vel", "or", "pi", "dra", "es", "ul", "gon", "ri",
        "ba", "ze",
    ];
    let len = 1 + rng.below(3);
    (0..len).map(|_| SYL[rng.below(SYL.len())]).collect()
}

fn doc(rng: &mut Rng, words: usize) -> Vec<String> {
    (0..words).map(|_| word(rng)).collect()
}

/// Replaces `fraction` of the words (distinct positions) with other random words.
fn edit(rng: &mut Rng, words: &[String], fraction: f64) -> Vec<String> {
    let mut out = words.to_vec();
    let n = (words.len() as f64 * fraction).round() as usize;
    let mut positions: Vec<usize> = (0..words.len()).collect();
    for i in 0..n {
        let j = i + rng.below(positions.len() - i);
        positions.swap(i, j);
        let p = positions[i];
        loop {
            let w = word(rng);
            if w != out[p] {
                out[p] = w;
                break;
            }
        }
    }
    out
}

fn jaccard(a: &[String], b: &[String], n: usize) -> f64 {
    let set = |d: &[String]| d.windows(n).map(|w| w.join(" ")).collect::<HashSet<_>>();
    let (sa, sb) = (set(a), set(b));
    sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64
}

/// FineWeb's setting (the S-curve tests below are about its 14 × 8 bands).
fn hasher() -> MinHasher {
    MinHashConfig::fineweb()
        .build()
        .expect("fineweb config is valid")
}

#[test]
fn identical_documents_cluster_with_smallest_index_as_survivor() {
    let mut rng = Rng(1);
    let a = doc(&mut rng, 200).join(" ");
    let b = doc(&mut rng, 200).join(" ");
    let texts = vec![b.clone(), a.clone(), a.to_uppercase(), b.clone(), a.clone()];
    let h = hasher();
    let sigs = h.sign_all(&texts);
    let (clusters, stats) = cluster_signatures(&h, &sigs, None).expect("clusters");
    assert_eq!(stats.clusters, 2);
    assert_eq!(stats.removed, 3);
    assert_eq!(clusters.decision(0), Decision::Survivor { cluster_size: 2 });
    assert_eq!(clusters.decision(1), Decision::Survivor { cluster_size: 3 });
    assert_eq!(
        clusters.decision(2),
        Decision::Removed {
            survivor: 1,
            cluster_size: 3
        }
    );
    assert_eq!(
        clusters.decision(3),
        Decision::Removed {
            survivor: 0,
            cluster_size: 2
        }
    );
    assert_eq!(
        clusters.decision(4),
        Decision::Removed {
            survivor: 1,
            cluster_size: 3
        }
    );
}

/// Observed detection per edit level must match the LSH S-curve `1 − (1 − J^8)^14` evaluated
/// at each pair's true 5-gram Jaccard similarity (within 4 standard deviations), which checks
/// the hash family as well as the banding.
#[test]
fn near_duplicates_are_found_at_the_theoretical_rates() {
    let h = hasher();
    let mut rng = Rng(7);
    for (fraction, min_rate, max_rate) in [
        (0.01, 0.95, 1.0),
        (0.05, 0.10, 0.60),
        (0.10, 0.0, 0.10),
        (0.20, 0.0, 0.02),
    ] {
        let pairs = 300;
        let (mut expected, mut variance, mut found) = (0.0, 0.0, 0usize);
        for _ in 0..pairs {
            let a = doc(&mut rng, 300);
            let b = edit(&mut rng, &a, fraction);
            let p = h.candidate_probability(jaccard(&a, &b, 5));
            expected += p;
            variance += p * (1.0 - p);
            let (sa, sb) = (h.sign(&a.join(" ")), h.sign(&b.join(" ")));
            if h.band_keys(&sa).zip(h.band_keys(&sb)).any(|(x, y)| x == y) {
                found += 1;
            }
        }
        let rate = found as f64 / pairs as f64;
        let tolerance = 4.0 * variance.sqrt() + 2.0;
        assert!(
            (found as f64 - expected).abs() <= tolerance,
            "{fraction}: found {found}, expected {expected:.1} ± {tolerance:.1}"
        );
        assert!(
            (min_rate..=max_rate).contains(&rate),
            "{fraction}: rate {rate} outside {min_rate}..={max_rate}"
        );
    }
}

#[test]
fn unrelated_documents_do_not_cluster() {
    let mut rng = Rng(3);
    let texts: Vec<String> = (0..2000).map(|_| doc(&mut rng, 150).join(" ")).collect();
    let h = hasher();
    let (clusters, stats) = cluster_signatures(&h, &h.sign_all(&texts), None).expect("clusters");
    assert_eq!(stats.candidate_pairs, 0);
    assert!(clusters.entries().is_empty());
    let s = SimHashConfig::default().build().expect("valid");
    let fps: Vec<Option<u64>> = texts.iter().map(|t| s.fingerprint(t)).collect();
    assert!(s.near_pairs(&fps).is_empty());
}

fn corpus(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut texts: Vec<Vec<String>> = Vec::new();
    for i in 0..n {
        if i > 0 && rng.below(3) == 0 {
            let j = rng.below(i);
            let e = edit(&mut rng, &texts[j], 0.01);
            texts.push(e);
        } else {
            texts.push(doc(&mut rng, 120));
        }
    }
    texts.into_iter().map(|w| w.join(" ")).collect()
}

fn run_with_threads(threads: usize, texts: &[String]) -> (Clusters, Vec<(u64, u64)>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    pool.install(|| {
        let h = hasher();
        let (c, _) = cluster_signatures(&h, &h.sign_all(texts), None).expect("clusters");
        let s = SimHashConfig::default().build().expect("valid");
        let fps: Vec<Option<u64>> = texts.iter().map(|t| s.fingerprint(t)).collect();
        (c, s.near_pairs(&fps))
    })
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let texts = corpus(11, 600);
    let (c1, p1) = run_with_threads(1, &texts);
    let (c2, p2) = run_with_threads(2, &texts);
    let (c4, p4) = run_with_threads(4, &texts);
    assert!(c1.removed().count() > 100);
    assert_eq!(c1, c2);
    assert_eq!(c1, c4);
    assert_eq!(p1, p2);
    assert_eq!(p1, p4);
}

fn write_buckets(
    dir: &Path,
    h: &MinHasher,
    sigs: &[Signature],
    tasks: usize,
    limit: usize,
) -> BucketStats {
    let mut total = BucketStats::default();
    let per_task = sigs.len().div_ceil(tasks);
    for t in 0..tasks {
        let mut w = BucketWriter::create(dir, &format!("task-{t:03}"), h.config().bands, limit)
            .expect("writer");
        for (i, s) in sigs.iter().enumerate().skip(t * per_task).take(per_task) {
            w.push_doc(i as u64, h.band_keys(s)).expect("push");
        }
        total += &w.finish().expect("finish");
    }
    total
}

#[test]
fn spill_path_gives_the_in_memory_result() {
    let texts = corpus(5, 400);
    let h = hasher();
    let sigs = h.sign_all(&texts);
    let (in_memory, _) = cluster_signatures(&h, &sigs, None).expect("clusters");
    assert!(in_memory.removed().count() > 50);

    let big = tempfile::tempdir().expect("tmp");
    let stats = write_buckets(big.path(), &h, &sigs, 1, 1 << 30);
    assert_eq!(stats.spills, 0);
    assert_eq!(stats.runs, 14);
    let (from_one_run, _) = cluster_bucket_dir(big.path(), 400, None, 64).expect("clusters");
    assert_eq!(from_one_run, in_memory);

    // 4 tasks, a 1 KiB buffer (64 records): many spills, then fan-in 3 forces compaction.
    let small = tempfile::tempdir().expect("tmp");
    let stats = write_buckets(small.path(), &h, &sigs, 4, 1024);
    assert!(stats.spills > 50, "{stats:?}");
    let (spilled, cstats) = cluster_bucket_dir(small.path(), 400, None, 3).expect("clusters");
    assert_eq!(spilled, in_memory);
    assert_eq!(cstats.records, stats.records);
    assert!(
        garbell_dedup::buckets::band_runs(small.path(), 0)
            .expect("runs")
            .len()
            <= 3
    );
    // Rerunning the cluster stage on the compacted directory gives the same answer.
    let (again, _) = cluster_bucket_dir(small.path(), 400, None, 3).expect("clusters");
    assert_eq!(again, in_memory);
}

#[test]
fn scores_choose_the_survivor_with_ties_broken_by_index() {
    let t = "alpha beta gamma delta epsilon zeta eta theta iota kappa".to_string();
    let texts = vec![t.clone(), t.clone(), t.clone(), t.clone()];
    let h = hasher();
    let sigs = h.sign_all(&texts);
    let scores = vec![0.1, 0.9, f32::NAN, 0.9];
    let (c, _) = cluster_signatures(&h, &sigs, Some(scores)).expect("clusters");
    assert_eq!(c.decision(1), Decision::Survivor { cluster_size: 4 });
    for d in [0, 2, 3] {
        assert_eq!(
            c.decision(d),
            Decision::Removed {
                survivor: 1,
                cluster_size: 4
            }
        );
    }
    assert!(cluster_signatures(&h, &sigs, Some(vec![1.0])).is_err());
}

#[test]
fn exact_dedup_by_text_and_by_url_uses_the_same_machinery() {
    let docs = [
        ("Hello, World! 2024", Some("https://a.example/x")),
        ("hello world 1999", Some("https://b.example/y")),
        ("Something else", Some(" https://a.example/x ")),
        ("", None),
    ];
    let text = ExactConfig::default().build().expect("valid");
    let url = ExactConfig {
        key: ExactKey::Url,
        ..Default::default()
    }
    .build()
    .expect("valid");
    let mut buf = String::new();
    let text_keys: Vec<Option<u64>> = docs
        .iter()
        .map(|(t, u)| text.key(t, *u, &mut buf))
        .collect();
    let url_keys: Vec<Option<u64>> = docs.iter().map(|(t, u)| url.key(t, *u, &mut buf)).collect();
    assert_eq!(text_keys[3], None);

    let (by_text, _) = cluster_keys(1, 4, |_, d| text_keys[d as usize], None).expect("clusters");
    assert_eq!(by_text.removed().map(|e| e.doc).collect::<Vec<_>>(), [1]);
    let (by_url, _) = cluster_keys(1, 4, |_, d| url_keys[d as usize], None).expect("clusters");
    assert_eq!(
        by_url
            .removed()
            .map(|e| (e.doc, e.survivor))
            .collect::<Vec<_>>(),
        [(2, 0)]
    );

    // Same answer through a bucket directory with one band.
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = BucketWriter::create(dir.path(), "exact", 1, 16).expect("writer");
    for (d, k) in text_keys.iter().enumerate() {
        w.push_doc(d as u64, *k).expect("push");
    }
    assert_eq!(w.finish().expect("finish").empty, 1);
    let (from_files, _) = cluster_bucket_dir(dir.path(), 4, None, 8).expect("clusters");
    assert_eq!(from_files, by_text);
}

#[test]
fn simhash_catches_small_edits() {
    let s = SimHashConfig::default().build().expect("valid");
    assert_eq!(s.tables(), 20);
    let mut rng = Rng(9);
    let mut hits = 0;
    for _ in 0..100 {
        let a = doc(&mut rng, 400);
        let mut b = a.clone();
        b.push("read more at our site".into());
        let fps = [s.fingerprint(&a.join(" ")), s.fingerprint(&b.join(" "))];
        hits += s.near_pairs(&fps).len();
    }
    // Measured: 83 of 100 within 3 bits for one appended 5-word line on 400-word documents.
    // SimHash is for very close copies; MinHash catches all of these (Jaccard ≈ 0.99).
    assert!(hits >= 75, "{hits}");
}

#[test]
fn removal_list_round_trips_and_streams() {
    let entries = vec![
        ClusterEntry {
            doc: 3,
            survivor: 3,
            cluster_size: 2,
        },
        ClusterEntry {
            doc: 9,
            survivor: 3,
            cluster_size: 2,
        },
    ];
    let c = Clusters::from_entries(entries.clone());
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("x.remove");
    c.write(&p).expect("write");
    let streamed: Vec<ClusterEntry> = RemovalListReader::open(&p)
        .expect("open")
        .collect::<Result<_>>()
        .expect("read");
    assert_eq!(streamed, entries);
    assert_eq!(Clusters::read(&p).expect("read"), c);
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
}

type KindCheck = fn(&ErrorKind) -> bool;

fn assert_names(err: Error, path: &Path, what: KindCheck) {
    assert_eq!(err.path.as_deref(), Some(path), "{err}");
    assert!(what(&err.kind), "{err}");
    assert!(err.to_string().contains(&path.display().to_string()));
}

#[test]
fn corrupt_or_truncated_files_give_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let c = Clusters::from_entries(
        (0..1000)
            .map(|d| ClusterEntry {
                doc: d,
                survivor: d - d % 2,
                cluster_size: 2,
            })
            .collect(),
    );
    let good = dir.path().join("good.remove");
    c.write(&good).expect("write");
    let bytes = std::fs::read(&good).expect("read");

    let variants: Vec<(&str, Vec<u8>, KindCheck)> = vec![
        ("truncated", bytes[..bytes.len() - 5].to_vec(), |k| {
            matches!(k, ErrorKind::Truncated { .. })
        }),
        ("tiny", bytes[..10].to_vec(), |k| {
            matches!(k, ErrorKind::Truncated { .. })
        }),
        ("empty", Vec::new(), |k| {
            matches!(k, ErrorKind::BadMagic { .. })
        }),
        (
            "flipped",
            {
                let mut b = bytes.clone();
                b[5000] ^= 0x10;
                b
            },
            |k| matches!(k, ErrorKind::Corrupt(_)),
        ),
        (
            "magic",
            {
                let mut b = bytes.clone();
                b[0] = b'X';
                b
            },
            |k| matches!(k, ErrorKind::BadMagic { .. }),
        ),
        (
            "kind",
            {
                let mut b = bytes.clone();
                b[6] = b'R';
                b
            },
            |k| matches!(k, ErrorKind::BadMagic { .. }),
        ),
        (
            "version",
            {
                let mut b = bytes.clone();
                b[8] = 9;
                b
            },
            |k| matches!(k, ErrorKind::UnsupportedVersion { found: 9, .. }),
        ),
    ];
    for (name, content, what) in variants {
        let p = dir.path().join(format!("{name}.remove"));
        std::fs::write(&p, content).expect("write");
        let err = Clusters::read(&p).expect_err(name);
        assert_names(err, &p, what);
    }

    // A bucket run corrupted in the middle: the cluster stage reports the run.
    let h = hasher();
    let sigs = h.sign_all(&corpus(2, 200));
    let buckets = tempfile::tempdir().expect("tmp");
    write_buckets(buckets.path(), &h, &sigs, 1, 1 << 20);
    let run = garbell_dedup::buckets::band_runs(buckets.path(), 3).expect("runs")[0].clone();
    let mut b = std::fs::read(&run).expect("read");
    b[100] ^= 0xff;
    std::fs::write(&run, &b).expect("write");
    let err = cluster_bucket_dir(buckets.path(), 200, None, 64).expect_err("corrupt");
    assert_names(err, &run, |k| matches!(k, ErrorKind::Corrupt(_)));
    b.truncate(b.len() - 16);
    std::fs::write(&run, &b).expect("write");
    let err = cluster_bucket_dir(buckets.path(), 200, None, 64).expect_err("truncated");
    assert_names(err, &run, |k| matches!(k, ErrorKind::Truncated { .. }));
}

#[test]
fn documents_outside_the_corpus_are_an_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = BucketWriter::create(dir.path(), "t", 1, 1 << 10).expect("writer");
    w.push(0, 5, 1).expect("push");
    w.push(0, 5, 10).expect("push");
    w.finish().expect("finish");
    let err = cluster_bucket_dir(dir.path(), 4, None, 8).expect_err("out of range");
    assert!(
        matches!(err.kind, ErrorKind::DocOutOfRange { doc: 10, n_docs: 4 }),
        "{err}"
    );
    assert!(BucketWriter::create(dir.path(), "../x", 1, 10).is_err());
}

/// Stage 2 then stage 3 (per-band pair files, then union-find over them) gives the in-memory
/// clusters, with or without spills and compaction, and pair files that do not depend on how
/// records were split into runs.
#[test]
fn pair_files_give_the_in_memory_clusters_whatever_the_runs() {
    let texts = corpus(7, 400);
    let h = hasher();
    let sigs = h.sign_all(&texts);
    let (in_memory, mem_stats) = cluster_signatures(&h, &sigs, None).expect("clusters");
    assert!(in_memory.removed().count() > 50);
    let mut pair_bytes = Vec::new();
    for (tasks, limit, fan_in) in [(1, 1 << 30, 64), (4, 1024, 3)] {
        let dir = tempfile::tempdir().expect("tmp");
        let stats = write_buckets(dir.path(), &h, &sigs, tasks, limit);
        let mut files = Vec::new();
        let mut bytes = Vec::new();
        for band in 0..h.config().bands {
            let out = dir.path().join(format!("band-{band}.pairs"));
            let s = band_pairs(dir.path(), band, fan_in, &out).expect("pairs");
            bytes.push(std::fs::read(&out).expect("read"));
            files.push((out, s));
        }
        let records: u64 = files.iter().map(|(_, s)| s.records).sum();
        assert_eq!(records, stats.records);
        // Any file order: connected components do not care.
        files.reverse();
        let (c, cstats) = cluster_pair_files(&files, 400, None).expect("clusters");
        assert_eq!(c, in_memory, "tasks={tasks} limit={limit}");
        assert_eq!(cstats.removed, mem_stats.removed);
        assert_eq!(cstats.records, mem_stats.records);
        pair_bytes.push(bytes);
    }
    assert_eq!(
        pair_bytes[0], pair_bytes[1],
        "pair files differ across run splits"
    );
}

#[test]
fn line_duplicates_keep_the_first_kept_occurrence() {
    let h = LineDedupConfig::default().build().expect("valid");
    let docs = [
        "Menu: Home, News\nA story about a river.\nCookies help us.",
        "menu home news\nA story about a mountain.\nCookies help us!",
        "MENU HOME NEWS\nA story about a river.",
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let mut w = BucketWriter::create(dir.path(), "t", 1, 48).expect("writer"); // spills often
    let mut buf = String::new();
    for (d, text) in docs.iter().enumerate() {
        let mut hs = Vec::new();
        h.for_each_unit(text, &mut buf, |_, k| hs.extend(k));
        for k in hs {
            w.push(0, k, d as u64).expect("push");
        }
    }
    assert!(w.finish().expect("finish").spills > 0);
    // Document 0 removed by document-level dedup: document 1 owns the menu and the cookies.
    let out = dir.path().join("lines.dups");
    let stats = line_duplicates(dir.path(), 2, |d| d != 0, &out).expect("merge");
    assert_eq!(stats.units, 8);
    assert_eq!(stats.units_of_removed_docs, 3);
    assert_eq!((stats.repeated, stats.to_remove), (1, 1), "{stats:?}");
    let dups = LineDuplicates::read(&out).expect("read");
    let (t1, r1) = dups.apply(&h, 1, docs[1], &mut buf);
    assert_eq!((t1.as_str(), r1), (docs[1], 0));
    let (t2, r2) = dups.apply(&h, 2, docs[2], &mut buf);
    assert_eq!((t2.as_str(), r2), ("A story about a river.", 1));
    // Paragraph units and a corrupt file.
    let p = LineDedupConfig {
        unit: LineUnit::Paragraph,
        ..Default::default()
    }
    .build()
    .expect("valid");
    let mut n = 0;
    p.for_each_unit("one\ntwo\n\nthree", &mut buf, |_, k| {
        n += usize::from(k.is_some())
    });
    assert_eq!(n, 2);
    std::fs::write(&out, b"GBDDUPR\0garbage").expect("write");
    assert!(LineDuplicates::read(&out).is_err());
}

/// Runs stages 1-3 of the default (verified) setting over `texts` through the on-disk path:
/// band runs, one sketch file per "shard" of `shard` documents, pair files, checked clustering.
fn verified_clusters(texts: &[String], shard: usize) -> (Clusters, ClusterStats) {
    let h = MinHashConfig::default().build().expect("valid");
    let k = h
        .config()
        .verify
        .as_ref()
        .expect("default verifies")
        .sketch_size;
    let threshold = h.config().verify.as_ref().expect("verify").threshold;
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut scratch, mut sig, mut sketch) = (Scratch::new(), Signature::default(), Vec::new());
    let (mut paths, mut counts) = (Vec::new(), Vec::new());
    for (s, chunk) in texts.chunks(shard).enumerate() {
        let mut w = BucketWriter::create(dir.path(), &format!("s{s}"), h.config().bands, 1 << 12)
            .expect("writer");
        let path = dir.path().join(format!("s{s}.sk"));
        let mut sk = SketchWriter::create(&path, k).expect("sketch writer");
        for (i, t) in chunk.iter().enumerate() {
            h.sign_with_sketch(t, &mut scratch, &mut sig, &mut sketch);
            w.push_doc((s * shard + i) as u64, h.band_keys(&sig))
                .expect("push");
            sk.push(&sketch).expect("push sketch");
        }
        w.finish().expect("finish");
        sk.finish().expect("finish sketches");
        paths.push(path);
        counts.push(chunk.len() as u64);
    }
    let mut files = Vec::new();
    for band in 0..h.config().bands {
        let out = dir.path().join(format!("band-{band}.pairs"));
        let stats = band_pairs(dir.path(), band, 8, &out).expect("pairs");
        files.push((out, stats, 0));
    }
    let mut checks = vec![PairCheck::Jaccard {
        store: SketchStore::open(&paths, &counts, k).expect("store"),
        k,
        threshold,
    }];
    cluster_checked_pair_files(&files, &mut checks, texts.len() as u64, None).expect("cluster")
}

/// The default setting finds copies with 10 % of their words replaced (2-gram Jaccard ≈ 0.68,
/// candidate probability 0.96 per pair), always with their original, and never joins documents that share only a common
/// block: the block makes some of them candidates, verification rejects them. The same result for any shard split.
#[test]
fn verified_default_finds_ten_percent_edits_and_rejects_shared_blocks() {
    let mut rng = Rng(11);
    let block = doc(&mut rng, 60).join(" ");
    let mut texts = Vec::new();
    let mut originals = Vec::new();
    for _ in 0..60 {
        let a = doc(&mut rng, 200);
        originals.push(texts.len());
        texts.push(a.join(" "));
        texts.push(edit(&mut rng, &a, 0.10).join(" "));
    }
    let decoys = texts.len();
    for _ in 0..40 {
        // 60 shared words of 140: 2-gram Jaccard ≈ 0.27 (candidates with probability ≈ 0.03
        // per pair, so a few of the 780 pairs are proposed), accepted with probability below
        // exp(-128 · D(0.5‖0.27)) ≈ 3e-7.
        texts.push(format!("{} {block}", doc(&mut rng, 80).join(" ")));
    }
    let (clusters, stats) = verified_clusters(&texts, 37);
    // Each copy is a candidate with probability 0.96 (60 pairs: 57.6 expected, sd 1.5).
    let mut found = 0;
    for &o in &originals {
        match clusters.decision(o as u64 + 1) {
            Decision::Removed { survivor, .. } => {
                assert_eq!(survivor, o as u64, "copy of {o}");
                found += 1;
            }
            d => assert_eq!(d, Decision::Unique, "copy of {o}"),
        }
    }
    assert!(found >= 53, "{found} of 60 copies found");
    for d in decoys..texts.len() {
        assert_eq!(clusters.decision(d as u64), Decision::Unique, "decoy {d}");
    }
    assert!(stats.rejected > 0, "{stats:?}");
    assert_eq!(stats.removed, found);
    assert_eq!(verified_clusters(&texts, 1000).0, clusters);
}

/// Verification is what keeps the shared-block documents apart: without it (same bands), they
/// merge.
#[test]
fn without_verification_shared_blocks_merge() {
    let mut rng = Rng(12);
    let block = doc(&mut rng, 60).join(" ");
    let texts: Vec<String> = (0..40)
        .map(|_| format!("{} {block}", doc(&mut rng, 80).join(" ")))
        .collect();
    let h = MinHashConfig {
        verify: None,
        ..Default::default()
    }
    .build()
    .expect("valid");
    let sigs = h.sign_all(&texts);
    let (_, stats) = cluster_signatures(&h, &sigs, None).expect("clusters");
    assert!(stats.removed > 0, "{stats:?}");
}
