//! Parallelism inside one input: one input of each format (JSON Lines plain, gzip and zstd;
//! Parquet with many row groups; a multi-member gzip WARC; a MediaWiki multistream dump), large
//! enough for many batches and with damaged records among them, run with `-j 1`, `-j 2` and
//! `-j 4` gives byte-identical outputs (shards, `stats.json`, `errors.jsonl`, completion
//! marker, manifest): only `run.json` (threads, seconds) differs.

mod common;

use common::*;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// Paragraphs in several languages, combined into documents of varied length (some long enough
/// to be kept by the quality steps, some too short or repetitive to be).
const PARAS: &[&str] = &[
    "La ciutat de Girona conserva un barri vell ple de carrers estrets i escales de pedra, on \
     cada diumenge al matí els veïns es troben a la plaça per comprar fruita i verdura.",
    "El río Ebro atraviesa varias comunidades autónomas antes de llegar al mar Mediterráneo, \
     y en su delta se cultiva arroz desde hace siglos gracias al agua que trae del interior.",
    "The committee published its annual report on water quality in the northern districts, and \
     the figures show that most of the rivers have improved since the new plants were built.",
    "Le conseil municipal a voté hier soir le budget consacré à la rénovation des écoles, qui \
     doit permettre de remplacer les fenêtres et d'isoler les toits avant l'hiver prochain.",
    "Die neue Bahnstrecke verbindet die beiden Städte in weniger als einer Stunde, und schon in \
     der ersten Woche sind mehr Fahrgäste mitgefahren, als die Verkehrsbetriebe erwartet hatten.",
    "Il museo ha riaperto le sale dedicate alla pittura del Rinascimento dopo i restauri, e per \
     la prima volta i visitatori possono vedere da vicino le tavole conservate nei depositi.",
    "A biblioteca municipal oferece cursos gratuitos de leitura para adultos durante o verão, \
     e as inscrições podem ser feitas na receção ou através do sítio da câmara municipal.",
    "De gemeente heeft besloten om de oude brug over de rivier te vervangen door een nieuwe, \
     bredere brug met een apart fietspad, zodat fietsers veiliger naar de stad kunnen rijden.",
];

/// The text of document `i`: one to eight paragraphs, a few very short or repeated.
fn text(i: usize) -> String {
    let p = |k: usize| PARAS[(i * 7 + k * 3) % PARAS.len()];
    match i % 11 {
        0 => "Massa curt.".to_string(),
        1 => format!("{0}\n{0}\n{0}\n{0}", p(0)),
        n => (0..n.min(8)).map(p).collect::<Vec<_>>().join("\n"),
    }
}

/// A chain with steps that read the text, drop documents and annotate them.
const CHAIN: &str = r#"
name = "parallel-test"
description = "normalize, LID, language filter, Gopher quality"

[[steps]]
step = "normalize"

[[steps]]
step = "identify_language"

[[steps]]
step = "filter_language"

[[steps]]
step = "filter_gopher_repetition"

[[steps]]
step = "filter_gopher_quality"
"#;

fn jsonl_lines(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        if i % 397 == 5 {
            out.extend_from_slice(b"{\"id\": \"broken\", \"text\": \n"); // json_invalid
            continue;
        }
        if i % 503 == 7 {
            out.extend_from_slice(b"{\"id\": \"no-text\"}\n"); // json_missing_text
            continue;
        }
        let mut v = serde_json::json!({"text": text(i), "n": i});
        if i % 3 != 0 {
            v["id"] = serde_json::json!(format!("doc-{i}")); // else: <file name>/<record index>
        }
        out.extend_from_slice(v.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn warc(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let url = format!("https://example.org/page/{i}");
        let record = if i % 5 == 4 {
            let block = format!("GET /page/{i} HTTP/1.1\r\nHost: example.org\r\n\r\n");
            format!(
                "WARC/1.1\r\nWARC-Type: request\r\nWARC-Target-URI: {url}\r\n\
                 Content-Length: {}\r\n\r\n{block}\r\n\r\n",
                block.len()
            )
        } else {
            let paras: String = text(i).lines().map(|l| format!("<p>{l}</p>\n")).collect();
            let html = format!(
                "<html><head><title>Page {i}</title></head><body><nav><a href=\"/\">Inici</a>\
                 </nav><main><h1>Page {i}</h1>\n{paras}</main><footer>© 2024</footer>\
                 </body></html>"
            );
            let block = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\n\r\n{html}",
                html.len()
            );
            let id = if i % 4 == 0 {
                String::new() // no WARC-Record-ID: <file name>/<record index>
            } else {
                format!("WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{i:012}>\r\n")
            };
            format!(
                "WARC/1.1\r\nWARC-Type: response\r\n{id}WARC-Target-URI: {url}\r\n\
                 WARC-Date: 2024-05-01T00:00:00Z\r\nContent-Type: application/http; \
                 msgtype=response\r\nContent-Length: {}\r\n\r\n{block}\r\n\r\n",
                block.len()
            )
        };
        let mut member = gzip(record.as_bytes());
        if i % 211 == 100 {
            // A corrupt member: deflate data damaged (gzip_member_corrupt, then resync).
            let mid = member.len() / 2;
            for b in &mut member[mid..mid + 8] {
                *b ^= 0x5a;
            }
        }
        out.extend_from_slice(&member);
    }
    out
}

fn mediawiki(pages: usize) -> Vec<u8> {
    let head = "<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.11/\" version=\"0.11\" \
                xml:lang=\"ca\">\n  <siteinfo>\n    <sitename>Prova</sitename>\n    \
                <dbname>provawiki</dbname>\n    <base>https://prova.example.org/wiki/Inici</base>\
                \n    <namespaces>\n      <namespace key=\"0\" />\n      \
                <namespace key=\"6\">Fitxer</namespace>\n      \
                <namespace key=\"14\">Categoria</namespace>\n    </namespaces>\n  \
                </siteinfo>\n";
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let page = |i: usize| {
        let ns = if i % 13 == 6 { 1 } else { 0 };
        let body = format!(
            "{{{{Infotaula|nom=Pàgina {i}}}}}\n'''Pàgina {i}''' és un article.\n\n{}\n\
             [[Fitxer:Foto{i}.jpg|miniatura|Una foto]]\n== Vegeu també ==\n* [[Pàgina {}]]\n\
             [[Categoria:Proves]]",
            text(i),
            i + 1
        );
        format!(
            "  <page>\n    <title>Pàgina {i}</title>\n    <ns>{ns}</ns>\n    <id>{}</id>\n    \
             <revision>\n      <id>{}</id>\n      <timestamp>2024-03-01T00:00:00Z</timestamp>\n\
                   <text xml:space=\"preserve\">{}</text>\n    </revision>\n  </page>\n",
            i + 1,
            10_000 + i,
            esc(&body)
        )
    };
    let bz = |s: &str| {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        e.write_all(s.as_bytes()).expect("bz2");
        e.finish().expect("bz2")
    };
    // The multistream layout: the header, then 100 pages per stream, then the footer.
    let mut out = bz(head);
    for start in (0..pages).step_by(100) {
        let s: String = (start..(start + 100).min(pages)).map(page).collect();
        out.extend_from_slice(&bz(&s));
    }
    out.extend_from_slice(&bz("</mediawiki>\n"));
    out
}

/// Rows of the large row group of [`parquet`]: with its 12 KiB padding per row, about 12 MiB
/// uncompressed, more than `garbell_io::parquet::PART_BYTES` (8 MiB), so it is read in two
/// parts, decoded independently.
const BIG_GROUP_ROWS: usize = 1024;

/// `rows` rows in row groups of 64 rows, then one large row group of [`BIG_GROUP_ROWS`] rows,
/// then 64-row groups again; zstd. Null texts (`parquet_null_text`) among them; the first page
/// header of the text column damaged in row group 3 (`parquet_invalid`: the group is lost) and
/// in the large group (both its parts are lost, one error each).
fn parquet(path: &Path, rows: usize) {
    use arrow_array::{ArrayRef, BinaryArray, Int64Array, RecordBatch, StringArray};
    use parquet::basic::{Compression, ZstdLevel};
    use std::sync::Arc;
    let ids: Vec<Option<String>> = (0..rows)
        .map(|i| (i % 5 != 0).then(|| format!("pq-{i}")))
        .collect();
    let texts: Vec<Option<String>> = (0..rows).map(|i| (i % 97 != 3).then(|| text(i))).collect();
    let big = 640..640 + BIG_GROUP_ROWS;
    // Pseudo-random padding (xorshift): it must not compress to nothing, or the group's
    // compressed size would make its uncompressed size implausible.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let pad: Vec<u8> = (0..BIG_GROUP_ROWS << 12)
        .flat_map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            [state as u8, (state >> 8) as u8, (state >> 16) as u8]
        })
        .collect();
    let blobs: Vec<Option<&[u8]>> = (0..rows)
        .map(|i| {
            let k = i.wrapping_sub(big.start);
            big.contains(&i)
                .then(|| &pad[k * (12 << 10)..(k + 1) * (12 << 10)])
        })
        .collect();
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(StringArray::from(ids)) as ArrayRef),
        ("text", Arc::new(StringArray::from(texts)) as ArrayRef),
        (
            "n",
            Arc::new(Int64Array::from_iter_values(0..rows as i64)) as ArrayRef,
        ),
        // Binary columns other than the text are decoded, not copied.
        ("blob", Arc::new(BinaryArray::from(blobs)) as ArrayRef),
    ])
    .expect("batch");
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(BIG_GROUP_ROWS))
        // Plain, so that the padding counts in the group's uncompressed size.
        .set_column_dictionary_enabled(parquet::schema::types::ColumnPath::from("blob"), false)
        .build();
    let file = std::fs::File::create(path).expect("create");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer");
    let mut at = 0;
    while at < rows {
        let n = if at == big.start { BIG_GROUP_ROWS } else { 64 };
        let n = n.min(rows - at);
        w.write(&batch.slice(at, n)).expect("write");
        w.flush().expect("end the row group");
        at += n;
    }
    w.close().expect("close");
    let big_group = big.start / 64;
    for group in [3, big_group] {
        let meta = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(path).expect("open"),
        )
        .expect("parquet")
        .metadata()
        .clone();
        let rg = meta.row_group(group);
        if group == big_group {
            assert_eq!(rg.num_rows(), BIG_GROUP_ROWS as i64);
            assert!(rg.total_byte_size() > 8 << 20, "{}", rg.total_byte_size());
        }
        let (start, _) = rg.column(1).byte_range();
        let mut bytes = std::fs::read(path).expect("read");
        for b in &mut bytes[start as usize..start as usize + 12] {
            *b = 0xff;
        }
        std::fs::write(path, bytes).expect("write");
    }
}

fn run(input: &Path, out: &Path, chain: &Path, threads: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(["run", "--chain"])
        .arg(chain)
        .args(["-j", threads, "-o"])
        .arg(out)
        .arg(input)
        .output()
        .expect("garbell runs");
    assert_success(&o);
}

/// Runs `input` with 1, 2 and 4 threads and compares every output byte for byte.
fn check(input: &Path, min_records: u64, errors: bool) {
    let dir = tempdir();
    let chain = dir.path().join("chain.toml");
    std::fs::write(&chain, CHAIN).expect("chain");
    let outs: Vec<_> = ["1", "2", "4"]
        .iter()
        .map(|j| {
            let out = dir.path().join(format!("out-{j}"));
            run(input, &out, &chain, j);
            out
        })
        .collect();
    let stats = read_json(&outs[0].join("stats.json"));
    let read = stats["records_read"].as_u64().expect("records_read");
    assert!(
        read >= min_records,
        "{}: {read} records read, expected at least {min_records}",
        input.display()
    );
    let written = stats["written"].as_u64().expect("written");
    assert!(
        written > 0 && written < read,
        "{}: the chain must keep some documents and drop others ({written} of {read})",
        input.display()
    );
    let listed = std::fs::read_to_string(outs[0].join("errors.jsonl")).expect("errors");
    assert_eq!(
        !listed.is_empty(),
        errors,
        "{}: record errors listed: {listed}",
        input.display()
    );
    let files = list_files(&outs[0]);
    assert!(files.contains(&"shards/part-00000.parquet".to_string()));
    for out in &outs[1..] {
        assert_eq!(files, list_files(out), "same files");
        for f in files.iter().filter(|f| f.as_str() != "run.json") {
            assert!(
                std::fs::read(outs[0].join(f)).expect("read")
                    == std::fs::read(out.join(f)).expect("read"),
                "{}: {f} differs between -j 1 and {}",
                input.display(),
                out.display()
            );
        }
    }
}

#[test]
fn jsonl_plain_gzip_zstd_are_identical_at_any_thread_count() {
    let dir = tempdir();
    let lines = jsonl_lines(3000);
    let plain = dir.path().join("docs.jsonl");
    std::fs::write(&plain, &lines).expect("write");
    check(&plain, 2900, true);
    let gz = dir.path().join("docs.jsonl.gz");
    std::fs::write(&gz, gzip(&lines)).expect("write");
    check(&gz, 2900, true);
    let zst = dir.path().join("docs.jsonl.zst");
    std::fs::write(&zst, zstd::encode_all(&lines[..], 3).expect("zstd")).expect("write");
    check(&zst, 2900, true);
}

#[test]
fn parquet_row_groups_are_identical_at_any_thread_count() {
    let dir = tempdir();
    let path = dir.path().join("docs.parquet");
    parquet(&path, 2500);
    check(&path, 1300, true);
    // The errors, in reading order: the damaged small group, then one per part of the large
    // group (each part is decoded on its own, by whichever worker takes it).
    let dir2 = tempdir();
    let chain = dir2.path().join("chain.toml");
    std::fs::write(&chain, CHAIN).expect("chain");
    let out = dir2.path().join("out");
    run(&path, &out, &chain, "2");
    let listed = std::fs::read_to_string(out.join("errors.jsonl")).expect("errors");
    let invalid: Vec<(u64, String)> = listed
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .filter(|e| e["kind"] == "parquet_invalid")
        .map(|e| {
            let message = e["message"].as_str().expect("message");
            (
                e["offset"].as_u64().expect("offset"),
                message[..message.find(':').expect("cause")].to_string(),
            )
        })
        .collect();
    assert_eq!(
        invalid,
        [
            (192, "row group 3, rows 192..256 (64 rows lost)".to_string()),
            (
                640,
                "row group 10, rows 640..1152 (512 rows lost)".to_string()
            ),
            (
                1152,
                "row group 10, rows 1152..1664 (512 rows lost)".to_string()
            ),
        ],
        "{listed}"
    );
    let stats = read_json(&out.join("stats.json"));
    let read = stats["records_read"].as_u64().expect("records_read");
    let nulls = stats["read_errors"]["parquet_null_text"]
        .as_u64()
        .expect("null texts");
    assert_eq!(read + nulls, 2500 - 64 - 1024, "{stats}");
}

#[test]
fn warc_gzip_members_are_identical_at_any_thread_count() {
    let dir = tempdir();
    let path = dir.path().join("pages.warc.gz");
    std::fs::write(&path, warc(1500)).expect("write");
    check(&path, 1000, true);
}

#[test]
fn mediawiki_multistream_is_identical_at_any_thread_count() {
    let dir = tempdir();
    let path = dir
        .path()
        .join("provawiki-pages-articles-multistream.xml.bz2");
    std::fs::write(&path, mediawiki(1200)).expect("write");
    check(&path, 1000, false);
}
