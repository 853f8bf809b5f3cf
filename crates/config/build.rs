//! Embeds `languages/*.toml`, `languages/stopwords/*.txt` and `filters/chains/*.toml` so the
//! binary works from any directory.
use std::fmt::Write as _;
use std::path::Path;

fn embed(dir: &Path, ext: &str, out: &mut String, name: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == ext));
    files.sort();
    writeln!(out, "/// Embedded files: (file name, contents).").ok();
    writeln!(out, "pub static {name}: &[(&str, &str)] = &[").ok();
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let file_name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        writeln!(
            out,
            "    ({file_name:?}, include_str!({:?})),",
            f.display().to_string()
        )
        .ok();
    }
    writeln!(out, "];").ok();
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let mut out = String::new();
    embed(&root.join("languages"), "toml", &mut out, "LANGUAGE_FILES");
    embed(
        &root.join("languages/stopwords"),
        "txt",
        &mut out,
        "STOPWORD_FILES",
    );
    embed(
        &root.join("filters/chains"),
        "toml",
        &mut out,
        "CHAIN_FILES",
    );
    let dest =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("embedded.rs");
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("cannot write embedded.rs: {e}"));
}
