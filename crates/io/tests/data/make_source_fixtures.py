#!/usr/bin/env python3
"""Writes the fixtures of the MediaWiki, Parquet, OSCAR/HPLT and code-tree sources.

Usage: pip install pyarrow && python3 make_source_fixtures.py  (bz2, json: standard library)

Every text below was written for garbell's tests (CC0); the dumps imitate the layouts of the
real ones (MediaWiki export schema 0.11, OSCAR 23.01, HPLT, The Stack) without copying any of
their content. Output is deterministic. Offsets the tests check go to sources_expected.json.
"""

import bz2
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# MediaWiki
# ---------------------------------------------------------------------------------------------

WIKI_HEAD = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="ca">
  <siteinfo>
    <sitename>Viquipèdia</sitename>
    <dbname>cawiki</dbname>
    <base>https://ca.wikipedia.org/wiki/Portada</base>
    <generator>MediaWiki 1.42.0-wmf.1</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="-2" case="first-letter">Multimèdia</namespace>
      <namespace key="0" case="first-letter" />
      <namespace key="6" case="first-letter">Fitxer</namespace>
      <namespace key="10" case="first-letter">Plantilla</namespace>
      <namespace key="14" case="first-letter">Categoria</namespace>
    </namespaces>
  </siteinfo>
"""
WIKI_TAIL = "</mediawiki>\n"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def page(title, ns, pid, rid, text, redirect=None):
    red = '    <redirect title="%s" />\n' % esc(redirect) if redirect else ""
    return (
        "  <page>\n"
        "    <title>%s</title>\n"
        "    <ns>%d</ns>\n"
        "    <id>%d</id>\n"
        "%s"
        "    <revision>\n"
        "      <id>%d</id>\n"
        "      <parentid>%d</parentid>\n"
        "      <timestamp>2024-03-0%dT10:00:00Z</timestamp>\n"
        "      <contributor>\n        <username>Prova</username>\n        <id>77</id>\n"
        "      </contributor>\n"
        "      <model>wikitext</model>\n"
        "      <format>text/x-wiki</format>\n"
        '      <text bytes="%d" xml:space="preserve">%s</text>\n'
        "      <sha1>0000000000000000000000000000000</sha1>\n"
        "    </revision>\n"
        "  </page>\n"
        % (esc(title), ns, pid, red, rid, rid - 1, pid % 9 + 1, len(text.encode()), esc(text))
    )


TEMPLATE_HEAVY = """{{Infotaula municipi
| nom = Vilafranca
| imatge = {{Imatge principal|Vilafranca.jpg|{{mida|250}}}}
| població = {{formatnum:39000}}
}}
'''Vilafranca''' és una [[vila]] de l'[[Alt Penedès|Alt&nbsp;Penedès]].<ref name="idescat">{{Ref-web|url=https://example.org|títol=Idescat}}</ref> És coneguda pels seus ''castells''.<ref name="idescat" />
[[Fitxer:Vilafranca.jpg|miniatura|La plaça de la [[Vila]] un dia de festa]]
== Història ==
La vila es va fundar al {{segle|XII}}.<!-- revisar la data -->
* Mercat setmanal.
# Fira de maig.
Vegeu [https://example.org/fires el calendari] i [https://example.org/].
[[Categoria:Municipis de l'Alt Penedès]]
[[Category:Wine regions]]"""

TABLE_ARTICLE = """El '''pa amb tomàquet''' és un plat tradicional.
{| class="wikitable"
! Ingredient !! Quantitat
|-
| Pa || {{nowrap|1 llesca}}
|-
| Tomàquet || mig
|}
Es menja a tot el país.<br/>També a l'estiu."""

MALFORMED = """Aquest text té {{plantilla sense tancar i continua.

Segon paràgraf amb una [[enllaç sense tancar i una [[referència]] bona.
Tercer paràgraf }} amb claus soltes i una <ref>referència mai tancada.
Quart paràgraf amb [[Multimèdia:So.ogg]]so i '''negreta sense tancar."""

WIKI_PAGES = [
    page("Vilafranca del Penedès", 0, 101, 9001, TEMPLATE_HEAVY),
    page("Vilafranca", 0, 102, 9002, "#REDIRECCIÓ [[Vilafranca del Penedès]]", redirect="Vilafranca del Penedès"),
    page("Categoria:Municipis", 14, 103, 9003, "Municipis de Catalunya. [[Categoria:Catalunya]]"),
    page("Pa amb tomàquet", 0, 104, 9004, TABLE_ARTICLE),
    page("Text mal format", 0, 105, 9005, MALFORMED),
]

WIKI_EXPECTED_TEXTS = {
    "101": "Vilafranca és una vila de l'Alt Penedès. És coneguda pels seus castells.\n"
    "Història\nLa vila es va fundar al .\nMercat setmanal.\nFira de maig.\n"
    "Vegeu el calendari i .",
    "104": "El pa amb tomàquet és un plat tradicional.\nEs menja a tot el país.\nTambé a l'estiu.",
    "105": "Aquest text té plantilla sense tancar i continua.\n"
    "Segon paràgraf amb una enllaç sense tancar i una referència bona.\n"
    "Tercer paràgraf amb claus soltes i una referència mai tancada.\n"
    "Quart paràgraf amb so i negreta sense tancar.",
}


def wiki(expected):
    xml = WIKI_HEAD + "".join(WIKI_PAGES) + WIKI_TAIL
    data = xml.encode()
    offsets = []
    pos = len(WIKI_HEAD.encode())
    for p in WIKI_PAGES:
        offsets.append(pos + 2)  # after the indent: the offset of `<page>`
        pos += len(p.encode())
    open(os.path.join(HERE, "cawiki-pages-articles.xml"), "wb").write(data)
    # Multistream: the header, then pages two by two, then the footer, each its own bz2 stream.
    streams = [WIKI_HEAD] + ["".join(WIKI_PAGES[i : i + 2]) for i in range(0, len(WIKI_PAGES), 2)]
    streams.append(WIKI_TAIL)
    multi = b"".join(bz2.compress(s.encode(), 9) for s in streams)
    open(os.path.join(HERE, "cawiki-pages-articles-multistream.xml.bz2"), "wb").write(multi)
    expected["wiki"] = {"page_offsets": offsets, "texts": WIKI_EXPECTED_TEXTS, "streams": len(streams)}


# ---------------------------------------------------------------------------------------------
# OSCAR 23.01 and HPLT JSONL
# ---------------------------------------------------------------------------------------------

OSCAR = [
    {
        "content": "La cooperativa del poble ha obert una botiga nova.\nHi venen oli, vi i fruita.",
        "warc_headers": {
            "warc-record-id": "<urn:uuid:3f1c0a52-0000-4000-8000-000000000001>",
            "warc-date": "2022-11-26T09:45:47Z",
            "content-type": "text/plain",
            "content-length": "82",
            "warc-type": "conversion",
            "warc-identified-content-language": "cat,eng",
            "warc-refers-to": "<urn:uuid:3f1c0a52-0000-4000-8000-0000000000aa>",
            "warc-target-uri": "https://ca.example.org/cooperativa",
            "warc-block-digest": "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        },
        "metadata": {
            "identification": {"label": "ca", "prob": 0.9412},
            "harmful_pp": 1342.7,
            "tlsh": "tlsh:T1A2B3C4D5E6F7",
            "quality_warnings": ["short_sentences"],
            "categories": ["news"],
            "sentence_identifications": [{"label": "ca", "prob": 0.95}, None],
        },
    },
    {
        "content": "Domani il mercato apre alle otto.",
        "warc_headers": {
            "warc-record-id": "<urn:uuid:3f1c0a52-0000-4000-8000-000000000002>",
            "warc-date": "2022-11-27T10:00:00Z",
            "warc-type": "conversion",
            "warc-target-uri": "https://it.example.org/mercato",
        },
        "metadata": {
            "identification": {"label": "it", "prob": 0.88},
            "harmful_pp": None,
            "tlsh": None,
            "quality_warnings": None,
            "categories": None,
            "sentence_identifications": [{"label": "it", "prob": 0.88}],
        },
    },
]

HPLT = [
    {
        "id": "hplt-0001",
        "url": "https://gl.example.org/praia",
        "text": "No verán imos á praia cada fin de semana.",
        "lang": ["glg_Latn"],
        "prob": [0.97],
        "ts": "2023-06-01T12:00:00Z",
        "collection": "wide16",
        "seg_langs": ["glg_Latn"],
        "doc_scores": [9.1, 0.2],
        "filter": "keep",
    },
    {
        "id": "hplt-0002",
        "url": "https://eu.example.org/mendia",
        "text": "Igandean mendira igo ginen lagunekin.",
        "lang": ["eus_Latn"],
        "prob": [0.99],
        "ts": "2023-06-02T12:00:00Z",
        "collection": "cc40",
        "seg_langs": ["eus_Latn"],
        "doc_scores": [8.7, 0.1],
        "filter": "keep",
    },
]


def jsonl(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------------
# Parquet
# ---------------------------------------------------------------------------------------------


def parquet():
    import pyarrow as pa
    import pyarrow.parquet as pq

    stack = pa.table(
        {
            "hexsha": ["a1", "b2", "c3"],
            "max_stars_repo_path": ["src/main.rs", "app.py", "lib/util.js"],
            "max_stars_repo_name": ["ex/rusty", "ex/snake", "ex/web"],
            "max_stars_count": pa.array([12, None, 3], type=pa.int64()),
            "lang": ["Rust", "Python", "JavaScript"],
            "licenses": [["MIT"], ["Apache-2.0"], ["MIT", "BSD-3-Clause"]],
            "size": pa.array([44, 31, None], type=pa.int32()),
            "avg_line_length": [14.6, 15.5, 10.0],
            "content": [
                'fn main() {\n    println!("hi");\n}\n',
                "def main():\n    print('hi')\n",
                None,
            ],
        }
    )
    # Two row groups, zstd: the reader must stream across them.
    pq.write_table(stack, os.path.join(HERE, "stack.parquet"), row_group_size=2, compression="zstd")

    hf = pa.table(
        {
            "id": ["ca-1", "ca-2"],
            "url": ["https://ca.example.org/1", None],
            "text": ["Bon dia a tothom.", "Bona nit."],
            "date": ["2024-01-01", "2024-01-02"],
            "score": [0.9, 0.4],
            "meta": [json.dumps({"source": "x"}), json.dumps({"source": "y"})],
        }
    )
    pq.write_table(hf, os.path.join(HERE, "hf.parquet"), compression="none")

    wrong = pa.table({"id": ["w1"], "text": pa.array([7], type=pa.int64())})
    pq.write_table(wrong, os.path.join(HERE, "wrong_type.parquet"), compression="none")
    missing = pa.table({"id": ["m1"], "body": ["no text column"]})
    pq.write_table(missing, os.path.join(HERE, "missing_text.parquet"), compression="none")


# ---------------------------------------------------------------------------------------------
# Code tree
# ---------------------------------------------------------------------------------------------

CODE_TREE = {
    "src/main.rs": 'fn main() {\n    println!("Hola, món!");\n}\n',
    "src/lib/util.py": "def add(a, b):\n    return a + b\n",
    "Makefile": "all:\n\tcargo build\n",
    "Dockerfile": "FROM debian:stable\nRUN true\n",
    "CMakeLists.txt": "cmake_minimum_required(VERSION 3.20)\nproject(x)\n",
    "web/app.js": "export function hello(name) {\n  return `Hello ${name}`;\n}\n",
    "web/app.min.js": "function a(b){return b}\n",
    "web/bundle.js": "var x=" + "1+" * 700 + "1;\n",
    "gen/schema.rs": "// Code generated by schemagen. DO NOT EDIT.\npub struct S;\n",
    "gen/parser.py": "# @generated by yacc\nTABLE = []\n",
    "vendor/dep/lib.rs": "pub fn vendored() {}\n",
    "node_modules/left-pad/index.js": "module.exports = () => 1;\n",
    "third_party/z/z.c": "int z(void) { return 0; }\n",
    "notes.unknownext": "not code\n",
    "README.md": "# Demo\n\nA small tree.\n",
}


def code_tree():
    root = os.path.join(HERE, "code_tree")
    for rel, text in CODE_TREE.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    with open(_mk(root, "assets/logo.bin"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    # Binary content behind a code extension: caught by the NUL probe.
    with open(_mk(root, "assets/blob.js"), "wb") as f:
        f.write(b"var a = 1;\n\x00\x01\x02binary\n")


def _mk(root, rel):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def main():
    expected = {}
    wiki(expected)
    jsonl("oscar23.jsonl", OSCAR)
    jsonl("hplt.jsonl", HPLT)
    parquet()
    code_tree()
    with open(os.path.join(HERE, "sources_expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
