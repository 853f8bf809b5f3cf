#!/usr/bin/env python3
"""Writes the committed corrupt-input fixtures of `tests/corrupt.rs` (deterministic: run it
again and every file is byte-identical). Standard library only, except the Parquet file
(pyarrow, pinned in tests/requirements.txt).

    python3 tests/data/corrupt/make_corrupt.py

Every document text is written here (no outside data). Large inputs (a 100 MB line, a 1 GB
gzip bomb) are NOT committed: the test builds them in a temp dir at run time, the bomb from
`zeros-1MiB.gz` below repeated as gzip members.
"""

import gzip
import io
import json
import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent

# Short texts in several languages the quickstart chain keeps (long enough for lid).
TEXTS = [
    "Bon dia a tothom. Avui fa un dia molt bonic i anirem a passejar per la platja amb els amics.",
    "Good morning everyone. Today is a very nice day and we will go for a walk on the beach with friends.",
    "Buenos días a todos. Hoy hace un día muy bonito y vamos a pasear por la playa con los amigos.",
    "Bonjour à tous. Aujourd'hui il fait très beau et nous allons nous promener sur la plage avec des amis.",
    "Guten Morgen zusammen. Heute ist ein sehr schöner Tag und wir gehen mit Freunden am Strand spazieren.",
    "Buongiorno a tutti. Oggi è una giornata molto bella e andremo a passeggiare sulla spiaggia con gli amici.",
]


def gz(data: bytes) -> bytes:
    """gzip with a fixed mtime and no file name: deterministic bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="", compresslevel=9) as f:
        f.write(data)
    return buf.getvalue()


def jsonl(docs) -> bytes:
    return b"".join(json.dumps(d, ensure_ascii=False).encode() + b"\n" for d in docs)


def docs(prefix, n, start=0):
    return [{"id": f"{prefix}-{i}", "text": TEXTS[i % len(TEXTS)]} for i in range(start, start + n)]


def warc_record(uri: str, html: bytes, n: int) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(html) + html
    head = (
        "WARC/1.0\r\n"
        "WARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{n:012d}>\r\n"
        "WARC-Date: 2024-01-01T00:00:00Z\r\n"
        f"WARC-Target-URI: {uri}\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode()
    return head + http + b"\r\n\r\n"


def page(i: int) -> bytes:
    return f"<html><head><title>p{i}</title></head><body><p>{TEXTS[i % len(TEXTS)]}</p></body></html>".encode()


def write(name: str, data: bytes, manifest: dict, **facts):
    (HERE / name).write_bytes(data)
    manifest[name] = {"bytes": len(data), **facts}


def main():
    rng = random.Random(20240601)
    m = {}

    # 1. Truncated gzip: 10 documents, the stream cut 40 bytes before its end (inside the last
    #    deflate block and without the trailer). Documents decoded before the cut are read.
    whole = jsonl(docs("trunc", 10))
    data = gz(whole)[:-40]
    readable = zlib_prefix_lines(data)
    write("truncated.jsonl.gz", data, m, documents=10, readable_documents=len(readable),
          error_offset=sum(len(l) + 1 for l in readable), read_errors={"decompress_error": 1})

    # 2. A garbage gzip member in the middle of a WARC: 3 good members, 512 random bytes that
    #    start with the gzip magic (a "member" whose deflate data is garbage), 3 good members.
    members = [gz(warc_record(f"http://example.org/{i}", page(i), i)) for i in range(6)]
    garbage = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(rng.randrange(256) for _ in range(502))
    write("garbage_member.warc.gz", b"".join(members[:3]) + garbage + b"".join(members[3:]), m,
          documents=6, garbage_offset=sum(map(len, members[:3])))

    # 3. Invalid UTF-8 inside JSON strings (read lossily, flagged by a signal) and a line that is
    #    not UTF-8 at all (Latin-1 bytes outside a string: not JSON).
    lines = [
        json.dumps(docs("utf8", 1)[0]).encode(),
        b'{"id": "utf8-bad", "text": "' + TEXTS[1].encode() + b' \xff\xfe caf\xe9"}',
        json.dumps(docs("utf8", 1, 2)[0]).encode(),
        b"\xff\xfe\xfd not json at all",
        json.dumps(docs("utf8", 1, 4)[0]).encode(),
    ]
    write("invalid_utf8.jsonl", b"\n".join(lines) + b"\n", m, lines=5, json_invalid=1)

    # 4. NUL bytes: raw NULs inside a JSON string (control characters are not JSON), a line of
    #    NULs, and an escaped \u0000 in a valid document.
    lines = [
        json.dumps(docs("nul", 1)[0]).encode(),
        b'{"id": "nul-raw", "text": "abc\x00def"}',
        b"\x00" * 64,
        json.dumps({"id": "nul-escaped", "text": TEXTS[3] + "\u0000" + TEXTS[3]}).encode(),
        json.dumps(docs("nul", 1, 4)[0]).encode(),
    ]
    write("nul_bytes.jsonl", b"\n".join(lines) + b"\n", m, lines=5, json_invalid=2)

    # 5. Deeply nested HTML in a WARC: 100,000 nested <div>s around a paragraph, between two
    #    ordinary pages (gzip per record).
    deep = b"<html><body>" + b"<div>" * 100_000 + b"<p>" + TEXTS[0].encode() + b"</p>" + b"</div>" * 100_000 + b"</body></html>"
    recs = [warc_record("http://example.org/a", page(1), 1), warc_record("http://example.org/deep", deep, 2),
            warc_record("http://example.org/b", page(2), 3)]
    write("deep_nesting.warc.gz", b"".join(gz(r) for r in recs), m, documents=3, nesting=100_000)

    # 6. Empty inputs: zero-byte files of each format, and an empty gzip stream.
    for name in ["empty.jsonl", "empty.warc", "empty.xml", "empty.warc.gz", "empty.jsonl.gz", "empty.parquet"]:
        write(name, b"", m)
    write("empty_stream.jsonl.gz", gz(b""), m)

    # 7. The piece of the decompression bomb: 1 MiB of zeros as one gzip member; the test
    #    writes it 1024 times (1 GiB of zeros, about 1 MB on disk) between two good members.
    write("zeros-1MiB.gz", gz(bytes(1 << 20)), m, decompressed=1 << 20)
    write("good.jsonl.gz", gz(jsonl(docs("good", 3))), m, documents=3)

    # 8. Parquet with the wrong schema: no `text` column (a job-level error, exit 1).
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        print("pyarrow missing: wrong_schema.parquet not rewritten")
    else:
        t = pa.table({"id": ["a", "b"], "body": [TEXTS[0], TEXTS[1]]})
        buf = pa.BufferOutputStream()
        pq.write_table(t, buf, compression="none", store_schema=False)
        write("wrong_schema.parquet", buf.getvalue().to_pybytes(), m, columns=["id", "body"])

    (HERE / "expected.json").write_text(json.dumps(m, indent=1, sort_keys=True) + "\n")


def zlib_prefix_lines(data: bytes):
    """Complete lines a streaming decoder yields from a truncated gzip stream."""
    import zlib
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data)
    return [l for l in out.split(b"\n")[:-1]]


if __name__ == "__main__":
    main()
