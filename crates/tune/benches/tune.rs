//! Re-applying the web chain's thresholds to 1M synthetic annotated rows.
//! `cargo bench -p garbell-tune`.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use garbell_tune::{Overrides, Rules, SignalTable};

fn synthetic(n: usize) -> SignalTable {
    let mut t = SignalTable::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..n {
        let words = (rnd() * 400.0).floor();
        let sig = [
            ("gopher_words", words),
            ("gopher_avg_word_len", 2.0 + rnd() * 8.0),
            ("gopher_hash_ratio", rnd() * 0.12),
            ("gopher_ellipsis_ratio", rnd() * 0.12),
            ("gopher_bullet_lines", rnd()),
            ("gopher_ellipsis_lines", rnd() * 0.4),
            ("gopher_alpha_words", 0.7 + rnd() * 0.3),
            ("gopher_stop_words", (rnd() * 10.0).floor()),
            ("rep_dup_para_frac", rnd() * 0.35),
            ("rep_dup_para_char_frac", rnd() * 0.25),
            ("rep_dup_line_frac", rnd() * 0.35),
            ("rep_dup_line_char_frac", rnd() * 0.25),
            ("rep_top_2_gram", rnd() * 0.25),
            ("rep_top_3_gram", rnd() * 0.2),
            ("rep_top_4_gram", rnd() * 0.2),
            ("rep_dup_5_gram", rnd() * 0.2),
            ("rep_dup_6_gram", rnd() * 0.2),
            ("rep_dup_7_gram", rnd() * 0.2),
            ("rep_dup_8_gram", rnd() * 0.2),
            ("rep_dup_9_gram", rnd() * 0.2),
            ("rep_dup_10_gram", rnd() * 0.2),
            ("c4_lorem_ipsum", 0.0),
            ("c4_curly_bracket", if rnd() < 0.02 { 1.0 } else { 0.0 }),
            ("c4_sentences", (rnd() * 20.0).floor()),
            ("fineweb_line_punct_ratio", rnd()),
            ("fineweb_short_line_ratio", rnd()),
            ("fineweb_char_dup_ratio", rnd() * 0.02),
            ("fineweb_list_ratio", rnd() * 0.4),
        ];
        let lang = if i % 3 == 0 { "oc" } else { "ca" };
        t.push_row(
            "d",
            lang,
            0.5 + 0.5 * rnd() as f32,
            words as usize,
            100,
            sig,
        );
    }
    t.compact();
    t
}

fn bench(c: &mut Criterion) {
    const N: usize = 1_000_000;
    let table = synthetic(N);
    let chain = garbell_config::ChainConfig::embedded("web")
        .expect("web chain embedded")
        .expect("web chain parses");
    let langs = garbell_config::Languages::embedded().expect("languages");
    let rules = Rules::build(&chain, &langs, &Overrides::default()).expect("rules");
    let mut g = c.benchmark_group("tune");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("evaluate_web_chain_1M", |b| {
        b.iter(|| rules.evaluate(&table).kept_rows().count())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
