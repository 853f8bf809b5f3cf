#!/usr/bin/env python3
"""Builds the *real* whole-pipeline benchmark inputs from the evaluation sets already on disk.

    python3 benches/pipeline/real_input.py [--cache ~/.cache/garbell] [--out DIR]

Needs warcio (the bench venv has it). Deterministic: the same evaluation sets give byte-identical
outputs (sorted manifests, fixed record ids and dates, gzip without timestamps).

Inputs (each built by its own script, provenance written down there; nothing here is generated):
- `html_eval/` (`benches/html_eval/build_set.py`): 1,598 real HTML pages of translated
  documentation shipped in Debian packages (GIMP manual, LibreOffice help, Apache HTTP Server
  manual, Debian's manuals), 33 languages, UTF-8; licences per page in its manifest.jsonl.
- `charset_eval/` (`benches/charset_eval/`): 681 real HTML pages of the same kind re-encoded in
  legacy charsets (cp1250, koi8-r, iso-8859-x, ...), served *without* a charset in the HTTP
  header, so that charset detection runs as on a real crawl.
- `lid_eval/` (`benches/lid_eval/`): real text from Debian packages' translations (gettext
  catalogues, help pages, manuals): `docs.jsonl` (10,211 documents) and `segments.jsonl`
  (17,063 shorter segments); licences in its provenance.json.
- the trafilatura 2.3.1 text of the 1,598 html_eval pages (`html_eval/trafilatura-2.3.1.jsonl`),
  i.e. real extracted web-like documents.

Outputs (under --out, default CACHE/bench/real):
- `jsonl/docs.jsonl`: every lid_eval document and segment, then the trafilatura texts, one
  `{"id", "text"}` per line (garbell reads `text`; datatrove's JsonlReader too);
- `warc/pages.warc.gz`: a multi-member gzip WARC (one member per record, as Common Crawl):
  warcinfo, then request + response per page (html_eval pages with
  `Content-Type: text/html; charset=utf-8`, charset_eval pages with `Content-Type: text/html`);
- `PROVENANCE.txt`: counts, byte sizes and the sha256 of each input manifest.
"""
import argparse
import hashlib
import io
import json
import os
import uuid

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def build_jsonl(cache, out):
    n = 0
    size = 0
    path = os.path.join(out, "jsonl", "docs.jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        for name in ("docs.jsonl", "segments.jsonl"):
            for i, d in enumerate(read_jsonl(os.path.join(cache, "lid_eval", name))):
                text = d.get("text") or ""
                if not text.strip():
                    continue
                f.write(json.dumps({"id": "lid_eval/%s/%s" % (name, d.get("id", i)), "text": text},
                                   ensure_ascii=False) + "\n")
                n += 1
                size += len(text.encode("utf-8"))
        for i, d in enumerate(read_jsonl(os.path.join(cache, "html_eval", "trafilatura-2.3.1.jsonl"))):
            text = d.get("text") or ""
            if not text.strip():
                continue
            f.write(json.dumps({"id": "html_eval/trafilatura/" + d["id"], "text": text},
                               ensure_ascii=False) + "\n")
            n += 1
            size += len(text.encode("utf-8"))
    os.replace(path + ".tmp", path)
    return n, size


def build_warc(cache, out):
    pages = []
    for d in read_jsonl(os.path.join(cache, "html_eval", "manifest.jsonl")):
        pages.append(("html_eval/" + d["id"], os.path.join(cache, "html_eval", d["file"]),
                      "text/html; charset=utf-8", "org"))
    for d in read_jsonl(os.path.join(cache, "charset_eval", "manifest.jsonl")):
        rel = os.path.relpath(d["file"], os.path.join(cache, "charset_eval"))
        pages.append(("charset_eval/" + rel, os.path.join(cache, "charset_eval", rel), "text/html",
                      d.get("tld") or "org"))
    path = os.path.join(out, "warc", "pages.warc.gz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    raw = open(path + ".tmp", "wb")
    w = WARCWriter(raw, gzip=True, warc_version="WARC/1.1")

    def record(name, uri, rtype, payload, n, http=None, content_type=None):
        kwargs = {"warc_content_type": content_type} if content_type else {}
        rec = w.create_warc_record(
            uri, rtype, payload=io.BytesIO(payload), length=len(payload), http_headers=http,
            warc_headers_dict={
                "WARC-Record-ID": "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, "garbell-real:" + name),
                "WARC-Date": "2024-04-15T%02d:%02d:%02dZ" % (n // 3600 % 24, n // 60 % 60, n % 60)},
            **kwargs)
        w.write_record(rec)

    record("info", "", "warcinfo",
           b"software: garbell benches/pipeline/real_input.py\r\nformat: WARC File Format 1.1\r\n"
           b"description: real HTML pages of garbell's html_eval and charset_eval sets\r\n",
           0, content_type="application/warc-fields")
    html_bytes = 0
    for n, (name, file, ctype, tld) in enumerate(pages, 1):
        with open(file, "rb") as f:
            body = f.read()
        html_bytes += len(body)
        host = "docs.%s.example.%s" % (name.split("/")[1].replace("_", "-"), tld)
        slug = "/" + name
        req = StatusAndHeaders("GET %s HTTP/1.1" % slug, [("Host", host), ("User-Agent", "garbell-bench/1.0")],
                               is_http_request=True)
        record("req-" + name, "https://" + host + slug, "request", b"", n, http=req)
        http = StatusAndHeaders("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        record("page-" + name, "https://" + host + slug, "response", body, n, http=http)
    raw.close()
    os.replace(path + ".tmp", path)
    return len(pages), html_bytes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/garbell"))
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    out = a.out or os.path.join(a.cache, "bench", "real")
    docs, text_bytes = build_jsonl(a.cache, out)
    pages, html_bytes = build_warc(a.cache, out)
    prov = ["garbell benches/pipeline/real_input.py (see its docstring for the sources)"]
    for m in ("html_eval/manifest.jsonl", "charset_eval/manifest.jsonl", "lid_eval/docs.jsonl",
              "lid_eval/segments.jsonl", "html_eval/trafilatura-2.3.1.jsonl"):
        prov.append("%s sha256 %s" % (m, sha256(os.path.join(a.cache, m))))
    prov.append("jsonl/docs.jsonl: %d documents, %d bytes of text, sha256 %s" % (
        docs, text_bytes, sha256(os.path.join(out, "jsonl", "docs.jsonl"))))
    prov.append("warc/pages.warc.gz: %d pages, %d bytes of HTML, sha256 %s" % (
        pages, html_bytes, sha256(os.path.join(out, "warc", "pages.warc.gz"))))
    with open(os.path.join(out, "PROVENANCE.txt"), "w") as f:
        f.write("\n".join(prov) + "\n")
    print("\n".join(prov))


if __name__ == "__main__":
    main()
