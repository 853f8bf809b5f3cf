//! Input listing as a user meets it: the output directory inside an input directory (a second
//! run must not read its own shards, markers and JSON files back), a FIFO among the inputs
//! (skipped with a message, never opened: opening it would hang the run), and an input that
//! cannot be read at all for a reason that is not damage (a job-level error, exit 1).

mod common;

use common::{assert_success, garbell, read_json, stderr, tempdir};
use std::path::Path;

fn docs(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!("{{\"id\":\"d{i}\",\"text\":\"Aquest és el document número {i}, escrit en català per a la prova.\"}}\n")
        })
        .collect()
}

fn run(args: &[&Path]) -> std::process::Output {
    let mut a = vec!["run", "--chain", "quickstart"];
    let strs: Vec<&str> = args.iter().map(|p| p.to_str().expect("utf8")).collect();
    a.push("-o");
    a.extend(strs);
    garbell(&a)
}

#[test]
fn a_second_run_with_its_output_inside_the_input_reads_only_the_inputs() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    std::fs::write(data.join("a.jsonl"), docs(5)).expect("write");
    std::fs::write(data.join("b.jsonl"), docs(3)).expect("write");
    let out = data.join("out");
    for round in 0..2 {
        let o = run(&[&out, &data]);
        assert_success(&o);
        let s = read_json(&out.join("stats.json"));
        assert_eq!(s["records_read"].as_u64(), Some(8), "round {round}: {s}");
        assert_eq!(
            s["read_errors"],
            serde_json::json!({}),
            "round {round}: {s}"
        );
        let m = read_json(&out.join("manifest.json"));
        assert_eq!(m["inputs"].as_array().expect("inputs").len(), 2, "{m}");
        if round == 1 {
            assert!(
                stderr(&o).contains("input skipped (output_directory)"),
                "{}",
                stderr(&o)
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_among_the_inputs_is_skipped_with_a_message() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    std::fs::write(data.join("a.jsonl"), docs(4)).expect("write");
    let st = std::process::Command::new("mkfifo")
        .arg(data.join("stream.jsonl"))
        .status()
        .expect("mkfifo");
    assert!(st.success());
    let out = dir.path().join("out");
    let o = run(&[&out, &data]);
    assert_success(&o);
    assert!(
        stderr(&o).contains(&format!(
            "input skipped (fifo): {}",
            data.join("stream.jsonl").display()
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        read_json(&out.join("stats.json"))["records_read"].as_u64(),
        Some(4)
    );
}

#[test]
fn an_input_in_an_unsupported_encoding_stops_the_job() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    std::fs::write(data.join("a.jsonl"), docs(4)).expect("write");
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(docs(2).encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(data.join("b.jsonl"), utf16).expect("write");
    let out = dir.path().join("out");
    let o = run(&[&out, &data]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&data.join("b.jsonl").display().to_string()) && err.contains("UTF-16"),
        "{err}"
    );
    assert!(!out.join("manifest.json").exists());
}
