//! An HTML page in a legacy encoding, declared nowhere (no HTTP charset, no `<meta>`), goes
//! through the whole chain: detected from its bytes, decoded, identified as its language.

mod common;

use common::*;

/// Czech text written for this test (CC0).
const CS: &str = "Praha je hlavní a největší město České republiky. Leží na řece Vltavě \
v srdci Čech a žije v ní přes milion obyvatel. Historické centrum města, které tvoří Staré \
Město, Malá Strana, Hradčany a Nové Město, je zapsáno na seznamu světového dědictví. Přes \
Vltavu vede Karlův most, jehož stavbu zahájil roku 1357 císař Karel IV. Na kopci nad řekou \
stojí Pražský hrad, sídlo prezidenta republiky, a v jeho areálu katedrála svatého Víta. \
Město je také důležitým střediskem vzdělání: Univerzita Karlova patří k nejstarším \
univerzitám ve střední Evropě. Každý rok sem přijíždějí miliony turistů, kteří obdivují \
úzké uličky, gotické kostely, barokní paláce a secesní domy.";

#[test]
fn undeclared_windows_1250_page_is_decoded_and_identified() {
    let dir = tempdir();
    let page = format!("<html><body><h1>Praha</h1><p>{CS}</p></body></html>");
    let (body, _, unmappable) = encoding_rs::WINDOWS_1250.encode(&page);
    assert!(!unmappable);
    let mut http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n".to_vec();
    http.extend_from_slice(&body);
    let mut warc = format!(
        "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n\
         WARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Target-URI: http://praha.example.com/\r\n\
         Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        http.len()
    )
    .into_bytes();
    warc.extend_from_slice(&http);
    warc.extend_from_slice(b"\r\n\r\n");
    let input = dir.path().join("cs.warc");
    std::fs::write(&input, &warc).expect("write");
    let out = dir.path().join("out");
    let o = garbell(&[
        "run",
        "--chain",
        "quickstart",
        "-o",
        out.to_str().expect("utf8"),
        input.to_str().expect("utf8"),
    ]);
    assert_success(&o);
    let stats = read_json(&out.join("stats.json"));
    assert_eq!(
        stats["written_by_lang"],
        serde_json::json!({"cs": 1}),
        "{stats}"
    );
    let script = r#"
import sys, glob, json, pyarrow.parquet as pq
files = sorted(glob.glob(sys.argv[1] + "/dedup/shards/*.parquet"))
rows = [r for f in files for r in pq.read_table(f).to_pylist()]
print(json.dumps([(r["lang"], r["text"], json.loads(r["meta"])) for r in rows], ensure_ascii=False))
"#;
    if let Some(rows) = python(script, &[&out], &["pyarrow"]) {
        let rows: serde_json::Value = serde_json::from_str(&rows).expect("json");
        assert_eq!(rows[0][0], "cs");
        // The main-content extractor keeps the paragraph (a page without a main container).
        assert_eq!(rows[0][1], CS);
        assert_eq!(rows[0][2]["charset"], "windows-1250");
        assert_eq!(rows[0][2]["charset_source"], "detected");
    }
}
