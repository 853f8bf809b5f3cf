//! Scale benchmark of the bucket and cluster stages (stages 2-3) on synthetic signatures.
//!
//! Writes the band keys of `--docs` synthetic documents as stage 1 would (sorted runs per task,
//! spilled whenever `--memory-mib` of records are buffered), then times stage 2 (per band: k-way
//! merge of its runs into candidate pairs, fan-in bounded by `--memory-mib`) and stage 3
//! (union-find over the pairs), and checks the clusters against the ones planted.
//!
//! Planted duplicates: documents come in clusters scattered over the corpus (uniformly shuffled
//! positions). 70 % of documents are unique; a cluster has 2 members (60 %), 3-5 (25 %),
//! 6-50 (13 %) or 51-1,000 (2 %). The first member (in generation order) is the original; every
//! other member is an exact copy (30 %: all band keys equal to the original's) or a near copy
//! (70 %: each band key equal to the original's with probability 0.3 — about a 5-gram Jaccard
//! similarity of 0.86 for 14 × 8 bands — else its own). A near copy that shares no band with
//! its original is a miss by construction, as in real LSH. Expected result: every member sharing
//! a band is removed, its original survives.
//!
//! With `--verify K` (default 128; 0 turns it off) stage 1 also writes a K-value sketch per
//! document (one sketch file per task, as `garbell dedup signatures` does per shard) and stage 3
//! verifies every candidate pair on them ([`cluster_checked_pair_files`], threshold 0.5): exact
//! copies have their original's sketch, near copies share 7/8 of its values (estimated Jaccard
//! ≈ 0.78), and 5 % of the unique documents are planted false candidates: they share one band
//! key with another unique document but no sketch value, so verification must reject every one
//! of them (the planted clusters are still the expected result).
//!
//! ```text
//! cargo run --release -p garbell-dedup --example scale -- --docs 5000000 --dir /tmp/scale --memory-mib 512
//! ```
//! Prints one JSON line with docs/s per stage; `benches/dedup/scale.sh` runs it under
//! `/usr/bin/time -v` for the peak RSS and removes the directory afterwards.

use garbell_dedup::{
    band_pairs, cluster_checked_pair_files, cluster_pair_files, fan_in_for_memory, BucketWriter,
    PairCheck, SketchStore, SketchWriter,
};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(1);
        splitmix(self.0)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `cluster` of a planted false candidate: this bit plus the id of its decoy band key.
const DECOY: u64 = 1 << 62;

/// One planted document: its cluster (or `u64::MAX` when unique), whether it is the original,
/// and which bands it shares with the original (bit mask).
#[derive(Clone, Copy)]
struct Planted {
    cluster: u64,
    shared: u32,
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.windows(2)
        .find(|w| w[0] == name)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n_docs: u64 = arg(&args, "--docs", 5_000_000);
    let dir: PathBuf = arg(&args, "--dir", PathBuf::from("/tmp/garbell-dedup-scale"));
    let memory_mib: usize = arg(&args, "--memory-mib", 512);
    let bands: usize = arg(&args, "--bands", 20);
    let verify: usize = arg(&args, "--verify", 128);
    let tasks: u64 = arg(&args, "--tasks", 16);
    let threads: usize = arg(&args, "--threads", 1);
    let keep = args.iter().any(|a| a == "--keep");
    let memory = memory_mib << 20;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;

    // Plant the clusters.
    let t0 = Instant::now();
    let mut rng = Rng(42);
    let all = (1u32 << bands) - 1;
    // Mean cluster size of the distribution below; draws start a cluster with the probability
    // that puts 30 % of the documents in clusters.
    let mean = 0.6 * 2.0 + 0.25 * 4.0 + 0.13 * 28.0 + 0.02 * 525.5;
    let start_cluster = 0.3 / (mean - 0.3 * mean + 0.3);
    let mut docs: Vec<Planted> = Vec::with_capacity(n_docs as usize);
    let (mut expect_removed, mut expect_clusters, mut cluster) = (0u64, 0u64, 0u64);
    while (docs.len() as u64) < n_docs {
        if rng.unit() >= start_cluster {
            // 5 % of unique documents: a false candidate sharing band 0 with its partner.
            let decoy = verify > 0 && rng.unit() < 0.05;
            docs.push(Planted {
                cluster: if decoy {
                    DECOY | rng.below(1 << 20)
                } else {
                    u64::MAX
                },
                shared: 0,
            });
            continue;
        }
        let u = rng.unit();
        let size = if u < 0.6 {
            2
        } else if u < 0.85 {
            3 + rng.below(3)
        } else if u < 0.98 {
            6 + rng.below(45)
        } else {
            51 + rng.below(950)
        };
        let size = size.min(n_docs - docs.len() as u64);
        let mut joined = 0;
        for m in 0..size {
            let shared = if m == 0 || rng.unit() < 0.3 {
                all
            } else {
                (0..bands).fold(0u32, |s, b| if rng.unit() < 0.3 { s | (1 << b) } else { s })
            };
            if m > 0 && shared != 0 {
                joined += 1;
            }
            docs.push(Planted { cluster, shared });
        }
        if joined > 0 {
            expect_clusters += 1;
            expect_removed += joined;
        }
        cluster += 1;
    }
    // Scatter: uniform shuffle of positions (Fisher-Yates). The original of a cluster is then
    // not always its first document, which does not change the counts checked below.
    for i in (1..docs.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        docs.swap(i, j);
    }
    let plant_s = t0.elapsed().as_secs_f64();

    // Stage 1 stand-in: band keys into sorted runs, one writer per task.
    let _ = std::fs::remove_dir_all(&dir);
    let buckets = dir.join("buckets");
    let t1 = Instant::now();
    let per_task = n_docs.div_ceil(tasks);
    let sketch_dir = dir.join("sketches");
    std::fs::create_dir_all(&sketch_dir)?;
    let sketch_path = |t: u64| sketch_dir.join(format!("task-{t:05}.sk"));
    let spills: u64 = (0..tasks)
        .into_par_iter()
        .map(|t| -> Result<u64, garbell_dedup::Error> {
            let mut w =
                BucketWriter::create(&buckets, &format!("task-{t:05}"), bands, memory / threads)?;
            let mut sk = match verify {
                0 => None,
                k => Some(SketchWriter::create(&sketch_path(t), k)?),
            };
            let mut sketch = Vec::with_capacity(verify);
            let lo = t * per_task;
            let hi = ((t + 1) * per_task).min(n_docs);
            for d in lo..hi {
                let p = docs[d as usize];
                let planted = p.cluster & DECOY == 0 && p.cluster != u64::MAX;
                let keys = (0..bands).map(|b| {
                    if planted && p.shared & (1 << b) != 0 {
                        splitmix(p.cluster ^ ((b as u64) << 48))
                    } else if p.cluster & DECOY != 0 && p.cluster != u64::MAX && b == 0 {
                        splitmix(p.cluster)
                    } else {
                        splitmix(d ^ (1 << 63) ^ ((b as u64) << 48))
                    }
                });
                w.push_doc(d, keys)?;
                if let Some(sk) = sk.as_mut() {
                    // Exact copies: the original's values; near copies: 7/8 of them.
                    let exact = p.shared == (1u32 << bands) - 1;
                    sketch.clear();
                    sketch.extend((0..verify as u64).map(|i| {
                        if planted && (exact || i % 8 != 7) {
                            splitmix(p.cluster ^ (i << 40) ^ (1 << 61))
                        } else {
                            splitmix(d ^ (i << 40) ^ (1 << 60))
                        }
                    }));
                    sketch.sort_unstable();
                    sk.push(&sketch)?;
                }
            }
            if let Some(sk) = sk {
                sk.finish()?;
            }
            Ok(w.finish()?.runs)
        })
        .sum::<Result<u64, _>>()?;
    let sign_s = t1.elapsed().as_secs_f64();

    // Stage 2: per band, candidate pairs.
    let pairs_dir = dir.join("pairs");
    std::fs::create_dir_all(&pairs_dir)?;
    let fan_in = fan_in_for_memory(memory / threads);
    let t2 = Instant::now();
    let files = (0..bands)
        .into_par_iter()
        .map(|b| {
            let out = pairs_dir.join(format!("band-{b:04}.pairs"));
            band_pairs(&buckets, b, fan_in, &out).map(|s| (out, s))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let buckets_s = t2.elapsed().as_secs_f64();
    let pairs: u64 = files.iter().map(|(_, s)| s.pairs).sum();

    // Stage 3: clusters.
    let t3 = Instant::now();
    let (clusters, stats) = if verify > 0 {
        let paths: Vec<PathBuf> = (0..tasks).map(sketch_path).collect();
        let counts: Vec<u64> = (0..tasks)
            .map(|t| {
                ((t + 1) * per_task)
                    .min(n_docs)
                    .saturating_sub(t * per_task)
            })
            .collect();
        let mut checks = vec![PairCheck::Jaccard {
            store: SketchStore::open(&paths, &counts, verify)?,
            k: verify,
            threshold: 0.5,
        }];
        let files: Vec<_> = files
            .iter()
            .map(|(p, s)| (p.clone(), s.clone(), 0))
            .collect();
        cluster_checked_pair_files(&files, &mut checks, n_docs, None)?
    } else {
        cluster_pair_files(&files, n_docs, None)?
    };
    clusters.write(&dir.join("duplicates.bin"))?;
    let cluster_s = t3.elapsed().as_secs_f64();
    let disk: u64 = walk_size(&dir);
    if !keep {
        std::fs::remove_dir_all(&dir)?;
    }
    let ok = stats.removed == expect_removed && stats.clusters == expect_clusters;
    println!(
        "{}",
        serde_json::json!({
            "docs": n_docs, "bands": bands, "tasks": tasks, "threads": threads,
            "memory_mib": memory_mib, "merge_fan_in": fan_in,
            "runs_written": spills, "candidate_pairs": pairs,
            "clusters": stats.clusters, "removed": stats.removed,
            "verify_sketch_size": verify, "pairs_verified": stats.verified,
            "pairs_rejected": stats.rejected,
            "expected_clusters": expect_clusters, "expected_removed": expect_removed,
            "matches_planted": ok,
            "seconds": {"plant": plant_s, "stage1_write_runs": sign_s,
                        "stage2_buckets": buckets_s, "stage3_cluster": cluster_s},
            "docs_per_s": {"stage2_buckets": n_docs as f64 / buckets_s,
                           "stage3_cluster": n_docs as f64 / cluster_s,
                           "stages_2_3": n_docs as f64 / (buckets_s + cluster_s)},
            "disk_bytes_at_end": disk,
        })
    );
    if !ok {
        return Err("clusters differ from the planted ones".into());
    }
    Ok(())
}

fn walk_size(dir: &std::path::Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk_size(&p)
            } else {
                e.metadata().map_or(0, |m| m.len())
            }
        })
        .sum()
}
