//! Parses the embedded n-gram profiles and builds their lookup tables at compile time (see `src/ngram_tsv.rs`).

#[path = "src/ngram_tsv.rs"]
#[allow(dead_code, clippy::all)]
mod ngram_tsv;

fn main() {
    let src = "../../languages/lid/ngrams/ngram-profiles.tsv";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=src/ngram_tsv.rs");
    let tsv = std::fs::read_to_string(src).unwrap_or_else(|e| panic!("reading {src}: {e}"));
    let parsed = ngram_tsv::parse(&tsv)
        .unwrap_or_else(|(line, message)| panic!("{src}, line {line}: {message}"));
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(
        out.join("ngram-profiles.bin"),
        ngram_tsv::encode(&ngram_tsv::tables(&parsed)),
    )
    .expect("writing the pre-built profiles");
}
