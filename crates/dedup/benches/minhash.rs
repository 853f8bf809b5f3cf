//! Signing throughput on ~2 KB documents and LSH clustering throughput on synthetic signatures.
//!
//! `cargo bench -p garbell-dedup --bench minhash`

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use garbell_dedup::{cluster_signatures, MinHashConfig, Scratch, Signature, SimHashConfig};
use std::hint::black_box;

fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Documents of about 2 KB: random words from a 5,000-word synthetic vocabulary, with some
/// punctuation, digits and accented letters so every normalization path runs.
fn docs(n: usize) -> Vec<String> {
    let syll = [
        "ca", "ta", "là", "mer", "so", "ni", "dor", "é", "qu", "ell", "tra", "pò",
    ];
    let mut s = 42u64;
    (0..n)
        .map(|_| {
            let mut d = String::with_capacity(2100);
            while d.len() < 2000 {
                let w = next(&mut s) % 5000;
                let len = 1 + (w % 4) as usize;
                for k in 0..len {
                    d.push_str(syll[((w >> (3 * k)) % syll.len() as u64) as usize]);
                }
                match next(&mut s) % 20 {
                    0 => d.push_str(", "),
                    1 => d.push_str(". "),
                    2 => d.push_str(" 2024 "),
                    _ => d.push(' '),
                }
            }
            d
        })
        .collect()
}

fn bench_sign(c: &mut Criterion) {
    let texts = docs(1000);
    let bytes: usize = texts.iter().map(String::len).sum();
    let hasher = MinHashConfig::default().build().expect("valid config");
    let simhasher = SimHashConfig::default().build().expect("valid config");
    let mut g = c.benchmark_group("sign_2kb");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function("minhash_14x8_one_thread", |b| {
        let (mut scratch, mut sig) = (Scratch::new(), Signature::default());
        b.iter(|| {
            for t in &texts {
                hasher.sign_into(t, &mut scratch, &mut sig);
                black_box(&sig);
            }
        })
    });
    g.bench_function("normalize_only", |b| {
        let mut out = String::new();
        b.iter(|| {
            for t in &texts {
                hasher.normalizer().normalize_into(t, &mut out);
                black_box(&out);
            }
        })
    });
    g.bench_function("simhash_one_thread", |b| {
        let mut scratch = Scratch::new();
        b.iter(|| {
            for t in &texts {
                black_box(simhasher.fingerprint_into(t, &mut scratch));
            }
        })
    });
    g.finish();
    eprintln!("mean document size: {} bytes", bytes / texts.len());
}

fn bench_cluster(c: &mut Criterion) {
    let hasher = MinHashConfig::default().build().expect("valid config");
    let mut g = c.benchmark_group("lsh_cluster");
    for n in [100_000usize] {
        // Synthetic signatures: 10% of documents copy an earlier one.
        let mut s = 7u64;
        let mut sigs: Vec<Signature> = Vec::with_capacity(n);
        for i in 0..n {
            if i > 0 && next(&mut s).is_multiple_of(10) {
                let j = (next(&mut s) % i as u64) as usize;
                sigs.push(sigs[j].clone());
            } else {
                sigs.push(Signature::from_values(
                    (0..112).map(|_| next(&mut s)).collect(),
                ));
            }
        }
        g.throughput(Throughput::Elements(n as u64));
        g.sample_size(10);
        g.bench_with_input(BenchmarkId::new("in_memory", n), &sigs, |b, sigs| {
            b.iter(|| black_box(cluster_signatures(&hasher, sigs, None).expect("clusters")))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_sign, bench_cluster);
criterion_main!(benches);
