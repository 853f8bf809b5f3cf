#!/usr/bin/env python3
"""Writes the test fixtures of garbell-io into this directory.

Usage: pip install warcio zstandard && python3 make_fixtures.py

Every text below was written for garbell's tests (CC0). The WARC files are written by warcio,
the reference Python WARC library, so that the reader is tested against real-world framing,
not against our own writer. Output is deterministic (fixed record ids and dates, gzip mtime 0).
Offsets the tests check are written to expected.json.
"""

import gzip
import io
import json
import os
import uuid
import zlib

import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = os.path.dirname(os.path.abspath(__file__))
DATE = "2024-05-06T07:08:09Z"


def rid(name):
    return "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, "garbell-fixture:" + name)


def page(title, body_html, head_extra=""):
    return (
        "<!DOCTYPE html>\n<html><head>%s<title>%s</title>"
        "<style>body{font-family:serif}</style>"
        "<script>var tracker = '<p>not text</p>';</script></head>\n<body>\n"
        "<header><a href='/'>Inici</a> | <a href='/about'>About</a></header>\n"
        "<nav><ul><li>Menu one</li><li>Menu two</li></ul></nav>\n"
        "<main><h1>%s</h1>\n%s\n</main>\n"
        "<footer>&copy; 2024 Example &mdash; all rights reserved</footer>\n"
        "</body></html>\n" % (head_extra, title, title, body_html)
    )


CA_TITLE = "El mercat del dissabte"
CA_BODY = (
    "<p>Cada dissabte al mat&iacute; el mercat de la pla&ccedil;a s'omple de parades de fruita, "
    "verdura i formatges de la comarca.</p>\n"
    "<p>Els pagesos arriben abans de les set i a les nou ja hi ha cua davant la parada "
    "d'olives. <b>Ning&uacute;</b> marxa amb les mans buides.</p>"
)
CA_TEXT = [
    CA_TITLE,
    "Cada dissabte al matí el mercat de la plaça s'omple de parades de fruita, verdura i "
    "formatges de la comarca.",
    "Els pagesos arriben abans de les set i a les nou ja hi ha cua davant la parada d'olives. "
    "Ningú marxa amb les mans buides.",
]

CS_TITLE = "Výlet na horu Říp"
CS_BODY = (
    "<p>V sobotu ráno jsme vyrazili vlakem do Roudnice a odtud pěšky k hoře Říp.</p>\n"
    "<p>Cesta vede přes pole a malou vesnici, kde jsme si koupili čerstvé koláče. Na vrcholu "
    "stojí stará rotunda a za jasného počasí je vidět až na Prahu.</p>\n"
    "<p>Zpátky jsme šli jinou stezkou kolem rybníka a domů jsme dorazili unavení, ale "
    "spokojení. Příští měsíc se chceme vydat do Českého ráje.</p>"
)
CS_TEXT = [
    CS_TITLE,
    "V sobotu ráno jsme vyrazili vlakem do Roudnice a odtud pěšky k hoře Říp.",
    "Cesta vede přes pole a malou vesnici, kde jsme si koupili čerstvé koláče. Na vrcholu stojí "
    "stará rotunda a za jasného počasí je vidět až na Prahu.",
    "Zpátky jsme šli jinou stezkou kolem rybníka a domů jsme dorazili unavení, ale spokojení. "
    "Příští měsíc se chceme vydat do Českého ráje.",
]

RU_TITLE = "Библиотека на углу"
RU_BODY = (
    "<p>В нашем районе есть маленькая библиотека, которая открыта каждый день, кроме "
    "понедельника.</p>\n<p>Там можно взять книги на две недели и выпить чаю в читальном зале.</p>"
)
RU_TEXT = [
    RU_TITLE,
    "В нашем районе есть маленькая библиотека, которая открыта каждый день, кроме понедельника.",
    "Там можно взять книги на две недели и выпить чаю в читальном зале.",
]

ES_TITLE = "Receta de tortilla"
ES_BODY = (
    "<p>Para la tortilla hacen falta patatas, huevos, aceite de oliva y un poco de sal.</p>\n"
    "<p>Las patatas se cortan finas y se fr&iacute;en despacio hasta que est&aacute;n tiernas.</p>"
)
ES_TEXT = [
    ES_TITLE,
    "Para la tortilla hacen falta patatas, huevos, aceite de oliva y un poco de sal.",
    "Las patatas se cortan finas y se fríen despacio hasta que están tiernas.",
]

FR_TITLE = "La gare du village"
FR_BODY = (
    "<p>La petite gare du village a rouvert ses portes au printemps après deux ans de "
    "travaux.</p>\n<p>Les trains pour la ville partent toutes les heures, même le dimanche.</p>"
)
FR_TEXT = [
    FR_TITLE,
    "La petite gare du village a rouvert ses portes au printemps après deux ans de travaux.",
    "Les trains pour la ville partent toutes les heures, même le dimanche.",
]

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def chunked(data, size=100):
    out = b""
    for i in range(0, len(data), size):
        part = data[i : i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def gzip_bytes(data):
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


class Warc:
    """Writes records with warcio, remembering each record's offset."""

    def __init__(self, gz, version="WARC/1.1"):
        self.buf = io.BytesIO()
        self.writer = WARCWriter(self.buf, gzip=gz, warc_version=version)
        self.offsets = []

    def record(self, name, uri, rtype, payload=b"", http=None, content_type=None, extra=None):
        headers = {"WARC-Record-ID": rid(name), "WARC-Date": DATE}
        headers.update(extra or {})
        kwargs = {}
        if content_type:
            kwargs["warc_content_type"] = content_type
        rec = self.writer.create_warc_record(
            uri,
            rtype,
            payload=io.BytesIO(payload),
            length=len(payload),
            http_headers=http,
            warc_headers_dict=headers,
            **kwargs,
        )
        self.offsets.append(self.buf.tell())
        self.writer.write_record(rec)

    def warcinfo(self, name):
        fields = b"software: garbell make_fixtures.py\r\nformat: WARC File Format 1.1\r\n"
        self.record(name, "", "warcinfo", fields, content_type="application/warc-fields")

    def response(self, name, uri, body, headers, status="200 OK"):
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        self.record(name, uri, "response", body, http=http)

    def data(self):
        return self.buf.getvalue()


def web_warc():
    w = Warc(gz=True)
    w.warcinfo("web-info")
    req = StatusAndHeaders(
        "GET /mercat HTTP/1.1", [("Host", "ca.example.org")], is_http_request=True
    )
    w.record("web-req", "https://ca.example.org/mercat", "request", http=req)
    w.response(
        "web-ca",
        "https://ca.example.org/mercat",
        page(CA_TITLE, CA_BODY, '<meta charset="utf-8">').encode(),
        [("Content-Type", "text/html; charset=UTF-8")],
    )
    w.response(
        "web-cs",
        "https://cs.example.org/rip",
        page(CS_TITLE, CS_BODY).encode("windows-1250"),
        [("Content-Type", "text/html; charset=windows-1250"), ("Server", "test")],
    )
    w.response(
        "web-ru",
        "https://ru.example.org/biblioteka",
        page(
            RU_TITLE,
            RU_BODY,
            '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">',
        ).encode("koi8-r"),
        [("Content-Type", "text/html")],
    )
    es = page(ES_TITLE, ES_BODY).encode()
    w.response(
        "web-es",
        "https://es.example.org/tortilla",
        chunked(gzip_bytes(es)),
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
        ],
    )
    w.response("web-png", "https://ca.example.org/logo.png", PNG, [("Content-Type", "image/png")])
    w.response(
        "web-404",
        "https://ca.example.org/missing",
        b"<html><body><p>Not found</p></body></html>",
        [("Content-Type", "text/html")],
        status="404 Not Found",
    )
    w.record(
        "web-meta",
        "https://ca.example.org/mercat",
        "metadata",
        b"fetchTimeMs: 12\r\n",
        content_type="application/warc-fields",
    )
    w.response(
        "web-fr",
        "https://fr.example.org/gare",
        page(FR_TITLE, FR_BODY, "<meta charset='utf-8'>").encode(),
        [("Content-Type", "application/xhtml+xml")],
    )
    return w


def corrupt_member(data, start, end):
    """Flips bytes in the middle of the deflate data of the member data[start:end]."""
    b = bytearray(data)
    mid = start + (end - start) // 2
    for i in range(mid, mid + 3):
        b[i] ^= 0xFF
    member = bytes(b[start:end])
    try:
        gzip.decompress(member)
    except Exception:
        return bytes(b)
    raise SystemExit("corruption not detected; choose other bytes")


def wet():
    w = Warc(gz=True, version="WARC/1.0")
    w.warcinfo("wet-info")
    texts = [
        ("en", "https://en.example.org/garden", "Community garden\nThe garden behind the school "
         "opened this spring.\nNeighbours share tools and water every evening.\n".encode()),
        ("eus", "https://eu.example.org/mendia", "Mendi ibilbidea\nIgandean mendira igo ginen "
         "lagunekin.\nGoian ogitartekoak jan genituen.\n".encode()),
        ("glg", "https://gl.example.org/praia", "A praia\nNo verán imos á praia cada fin de "
         "semana.\n".encode() + b"Byte inv\xe1lido aqu\xed.\n"),
    ]
    for i, (lang, uri, text) in enumerate(texts):
        w.record(
            "wet-%d" % i,
            uri,
            "conversion",
            text,
            content_type="text/plain",
            extra={
                "WARC-Refers-To": rid("wet-src-%d" % i),
                "WARC-Identified-Content-Language": lang,
            },
        )
    return w


def plain_warc():
    w = Warc(gz=False, version="WARC/1.0")
    w.warcinfo("plain-info")
    w.response(
        "plain-de",
        "https://de.example.org/fahrrad",
        "<html><body><p>Am Sonntag fahren wir mit dem Fahrrad an den See.</p></body></html>".encode(),
        [("Content-Type", "text/html; charset=utf-8")],
    )
    w.record(
        "plain-it",
        "https://it.example.org/note.txt",
        "resource",
        "Domani piove, quindi restiamo a casa a leggere.\n".encode(),
        content_type="text/plain; charset=utf-8",
    )
    w.record(
        "plain-revisit",
        "https://de.example.org/fahrrad",
        "revisit",
        b"",
        extra={"WARC-Profile": "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"},
    )
    data = w.data()
    garbage_offset = len(data)
    data += b"GARBAGE that is not a WARC record\r\nmore garbage\r\n\r\n"
    base = len(data)
    w2 = Warc(gz=False, version="WARC/1.0")
    w2.record(
        "plain-pt",
        "https://pt.example.org/index.html",
        "resource",
        "<html><body><p>O barco sai do porto às oito.</p></body></html>".encode(),
        content_type="text/html",
    )
    offsets = w.offsets + [base + o for o in w2.offsets]
    return data + w2.data(), offsets, garbage_offset


DOC_LINES = [
    b'{"id":"a1","text":"Primer document de prova.","url":"https://example.org/a1",'
    b'"lang":"ca","date":"2024-01-01"}',
    '{"id": 42, "text": "Segundo documento, con acentos: ñ á ü.", "tags": ["x", "y"]}'.encode(),
    b"",
    b'{"text":"Document without id or url.","url":null,"score":0.5}',
    b"{not json at all",
    b'{"id":"m","body":"the text is in the wrong field"}',
    b'{"id":"u","text":"caf\xe9 with a Latin-1 byte"}',
    b'   ',
    b'{"id":"last","text":"Final line without a trailing newline."}',
]


def main():
    expected = {}

    w = web_warc()
    web = w.data()
    offsets = w.offsets
    ends = offsets[1:] + [len(web)]
    open(os.path.join(HERE, "web.warc.gz"), "wb").write(web)
    expected["web.warc.gz"] = {"member_offsets": offsets}

    cs = 3  # the windows-1250 page
    open(os.path.join(HERE, "corrupt.warc.gz"), "wb").write(corrupt_member(web, offsets[cs], ends[cs]))
    expected["corrupt.warc.gz"] = {"corrupt_offset": offsets[cs]}

    last = len(offsets) - 1
    cut = offsets[last] + (ends[last] - offsets[last]) // 2
    open(os.path.join(HERE, "truncated.warc.gz"), "wb").write(web[:cut])
    expected["truncated.warc.gz"] = {"truncated_offset": offsets[last]}

    g1 = b"this is not gzip data\n" * 3
    g2 = b"\x1f\x8b\x08 trailing garbage after the last member\n"
    garbage = web[: offsets[5]] + g1 + web[offsets[5] :] + g2
    open(os.path.join(HERE, "garbage.warc.gz"), "wb").write(garbage)
    expected["garbage.warc.gz"] = {"garbage_offsets": [offsets[5], len(web) + len(g1)]}

    w = wet()
    open(os.path.join(HERE, "text.warc.wet.gz"), "wb").write(w.data())
    expected["text.warc.wet.gz"] = {"member_offsets": w.offsets}

    data, offsets, garbage_offset = plain_warc()
    open(os.path.join(HERE, "plain.warc"), "wb").write(data)
    expected["plain.warc"] = {"record_offsets": offsets, "garbage_offset": garbage_offset}

    jsonl = b"\n".join(DOC_LINES)
    line_offsets = []
    pos = 0
    for line in DOC_LINES:
        line_offsets.append(pos)
        pos += len(line) + 1
    open(os.path.join(HERE, "docs.jsonl"), "wb").write(jsonl)
    half = sum(len(l) + 1 for l in DOC_LINES[:4])
    open(os.path.join(HERE, "docs.jsonl.gz"), "wb").write(
        gzip.compress(jsonl[:half], mtime=0) + gzip.compress(jsonl[half:], mtime=0)
    )
    open(os.path.join(HERE, "docs.jsonl.zst"), "wb").write(
        zstandard.ZstdCompressor(level=3).compress(jsonl)
    )
    expected["docs.jsonl"] = {"line_offsets": line_offsets}

    expected["texts"] = {"ca": CA_TEXT, "cs": CS_TEXT, "ru": RU_TEXT, "es": ES_TEXT, "fr": FR_TEXT}
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
