#!/usr/bin/env python3
"""Writes the ARC fixtures (`old.arc`, `old.arc.gz`) and `arc_expected.json`.

ARC is the Internet Archive's container format before WARC (ISO 28500). This follows the ARC
file format description, version 1 (Mike Burner and Brewster Kahle, "Arc File Format", Internet
Archive, 1996; https://archive.org/web/researcher/ArcFileFormat.php):

- the file starts with a version block: the header line
  `filedesc://<name> <IP-address> <date> text/plain <length>`, then `length` bytes holding
  `<version> <reserved> <origin-code>\\n` and the field-definition line
  `URL IP-address Archive-date Content-type Archive-length\\n`;
- every record is a header line `<URL> <IP-address> <Archive-date> <Content-type>
  <Archive-length>\\n` (date `YYYYMMDDhhmmss`), `Archive-length` bytes of content (the HTTP
  response as received, headers included), and a newline;
- `.arc.gz`: each record compressed as its own gzip member (how the Internet Archive and
  Heritrix write them), so a reader can seek to any record.

Standard library only; deterministic (gzip mtime 0). Texts written by us (CC0), in Czech,
Catalan and Polish. Run from this directory: `python3 make_arc.py`.
"""

import gzip
import io
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

CS_TEXT = "Příliš žluťoučký kůň úpěl ďábelské ódy. Čeština se píše latinkou s háčky a čárkami."
CA_TEXT = "El mercat del barri obre cada dia de set a dues, i dissabte també a la tarda."
PL_TEXT = "Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig."


def http(status, ctype, body, extra=b""):
    reason = {200: b"OK", 404: b"Not Found"}[status]
    head = b"HTTP/1.0 %d %s\r\nServer: NCSA/1.5\r\nContent-type: %s\r\n%sContent-length: %d\r\n\r\n" % (
        status,
        reason,
        ctype,
        extra,
        len(body),
    )
    return head + body


def page(title, text):
    return f"<HTML><HEAD><TITLE>{title}</TITLE></HEAD><BODY><H1>{title}</H1><P>{text}</P></BODY></HTML>\n"


def records():
    """(url, ip, date, content type, content, expected outcome) in file order."""
    version_block = b"1 0 Alexa Internet\nURL IP-address Archive-date Content-type Archive-length\n"
    return [
        ("filedesc://old.arc", "0.0.0.0", "19961104142103", "text/plain", version_block, "skip:arc_filedesc"),
        (
            "http://www.example.cz:80/kun.html",
            "192.0.2.10",
            "19961104142110",
            "text/html",
            # windows-1250 declared in the HTTP header.
            http(200, b"text/html; charset=windows-1250", page("Kůň", CS_TEXT).encode("cp1250")),
            "doc",
        ),
        ("http://www.example.cz:80/logo.gif", "192.0.2.10", "19961104142112", "image/gif", http(200, b"image/gif", b"GIF89a\x01\x00\x01\x00\x00\xff\x00,"), "skip:non_html_content"),
        (
            "http://www.example.cat:80/mercat.html",
            "192.0.2.20",
            "19961105093000",
            "text/html",
            # No charset anywhere: UTF-8 is recognised from the bytes.
            http(200, b"text/html", page("Mercat", CA_TEXT).encode("utf-8")),
            "doc",
        ),
        ("http://www.example.cat:80/absent.html", "192.0.2.20", "19961105093005", "text/html", http(404, b"text/html", b"<HTML><BODY>Not found</BODY></HTML>"), "skip:http_status_not_2xx"),
        ("dns:www.example.pl", "192.0.2.1", "19961106000000", "text/dns", b"19961106000000\nwww.example.pl.\t86400\tIN\tA\t192.0.2.30\n", "skip:non_html_content"),
        (
            "http://www.example.pl:80/jez.html",
            "192.0.2.30",
            "19961106000010",
            "text/html",
            # ISO-8859-2 declared in a <meta http-equiv>.
            http(
                200,
                b"text/html",
                (
                    '<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-2">'
                    + page("Jeż", PL_TEXT)[len("<HTML><HEAD>") :]
                ).encode("iso-8859-2"),
            ),
            "doc",
        ),
    ]


def main():
    plain = io.BytesIO()
    gz = io.BytesIO()
    offsets, gz_offsets, expected = [], [], []
    for url, ip, date, ctype, content, outcome in records():
        rec = f"{url} {ip} {date} {ctype} {len(content)}\n".encode() + content + b"\n"
        offsets.append(plain.tell())
        gz_offsets.append(gz.tell())
        plain.write(rec)
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
            g.write(rec)
        gz.write(buf.getvalue())
        expected.append({"url": url, "date": date, "outcome": outcome})
    open(os.path.join(HERE, "old.arc"), "wb").write(plain.getvalue())
    open(os.path.join(HERE, "old.arc.gz"), "wb").write(gz.getvalue())
    texts = {"cs": f"Kůň\n{CS_TEXT}", "ca": f"Mercat\n{CA_TEXT}", "pl": f"Jeż\n{PL_TEXT}"}
    out = {"records": expected, "offsets": offsets, "gz_offsets": gz_offsets, "texts": texts}
    with open(os.path.join(HERE, "arc_expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
