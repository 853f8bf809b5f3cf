#!/usr/bin/env python3
"""Generates the whole-pipeline benchmark input: Common Crawl-like multi-member gzip WARC files.

Usage: python3 make_input.py [--out DIR] [--total-mb 200] [--files 8] [--seed 20240415]
       (needs warcio; run.sh runs it inside its venv)

Output: DIR/part-00000.warc.gz ... (default DIR = ~/.cache/garbell/bench/warc), each file
≈ total/files MB *compressed*, one gzip member per record, like Common Crawl: a warcinfo record,
then for every page a `request` and a `response` record (HTTP/1.1 200, text/html; charset=utf-8).
File i depends only on (seed, i), so the first two files of the 200 MB set are the 50 MB set
(run.sh links them instead of generating them again).

Pages look like news/blog pages of small sites: doctype, head with meta tags, a ~1.5 KB inline
<style> and a ~2.5 KB inline <script> (with random ids so they do not compress away), a cookie
banner, a header with a search form, a menu of 8-30 links, breadcrumbs, the article (title,
byline, 3-9 paragraphs), a "related" aside with 5-12 links, a comment form and a footer with
link columns. ~75% of the HTML is boilerplate, roughly as in Common Crawl.

Mix (per page, seeded): 7 languages (en 34%, ca/es/fr/de/it/pt 11% each); ~4% exact copies of
an earlier page (other URL), ~4% near copies (one paragraph changed), ~5% short pages (one
paragraph), ~4% list-like pages (many short lines, no punctuation), ~2% non-European text
(ja/ar) — so every filter and the dedup have something to drop.

Provenance of the text (nothing is downloaded):
- ca es fr de it pt en: the paragraphs of garbell's bundled samples
  (`tests/data/samples/make_samples.py`: PAGES, DOCS and CHROME; written for garbell, CC0),
  split into sentences and recombined (seeded) into new paragraphs of 2-5 sentences;
- en, additionally: prose paragraphs of the docstrings of a fixed list of Python standard
  library modules (Python Software Foundation License), filtered to look like prose (>= 12
  words, ends with '.', few code characters, no doctests). Their exact text depends on the
  Python version that runs this script (the generator prints it; use the same Python to
  reproduce byte-identical files).
- site names, menus and boilerplate phrases: the samples' CHROME table plus the strings below
  (written for this benchmark, CC0).
"""

import argparse
import importlib
import inspect
import io
import os
import random
import re
import sys
import uuid

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "data", "samples"))
import make_samples  # noqa: E402  (PAGES, DOCS, CHROME: CC0 text written for garbell)

LANGS = ["en", "ca", "es", "fr", "de", "it", "pt"]
WEIGHTS = [34, 11, 11, 11, 11, 11, 11]

STDLIB = [
    "argparse", "asyncio", "base64", "bisect", "calendar", "codecs", "collections", "configparser",
    "contextlib", "copy", "csv", "dataclasses", "datetime", "decimal", "difflib", "email",
    "enum", "fractions", "ftplib", "functools", "gettext", "glob", "gzip", "hashlib", "heapq",
    "hmac", "html.parser", "http.client", "http.server", "imaplib", "inspect", "ipaddress",
    "itertools", "json", "locale", "logging", "mailbox", "mimetypes", "multiprocessing",
    "numbers", "operator", "optparse", "os", "pathlib", "pickle", "platform", "poplib",
    "pprint", "queue", "random", "re", "sched", "secrets", "selectors", "shelve", "shlex",
    "shutil", "smtplib", "socket", "socketserver", "sqlite3", "ssl", "statistics", "string",
    "struct", "subprocess", "tarfile", "tempfile", "textwrap", "threading", "timeit", "tokenize",
    "traceback", "types", "typing", "unittest", "urllib.parse", "urllib.request", "uuid",
    "warnings", "weakref", "xml.dom.minidom", "xml.etree.ElementTree", "zipfile", "zoneinfo",
]

SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý¿¡])")


def sentences(paragraph):
    return [s.strip() for s in SENT_END.split(paragraph) if len(s.strip()) > 20]


def stdlib_paragraphs():
    seen, out = set(), []
    for name in STDLIB:
        try:
            mod = importlib.import_module(name)
        except Exception:
            continue
        objs = [mod] + [o for _, o in sorted(vars(mod).items()) if inspect.isclass(o) or inspect.isfunction(o)]
        for obj in objs:
            for member in [obj] + ([m for _, m in sorted(vars(obj).items()) if inspect.isfunction(m)]
                                   if inspect.isclass(obj) else []):
                doc = inspect.getdoc(member) if not isinstance(member, type(mod)) else member.__doc__
                if not doc:
                    continue
                for para in re.split(r"\n\s*\n", doc):
                    p = " ".join(para.split())
                    if (len(p.split()) >= 12 and p.endswith(".") and ">>>" not in p
                            and sum(c in "{}[]()=_*`<>|#\\" for c in p) <= len(p) // 60
                            and p not in seen):
                        seen.add(p)
                        out.append(p)
    return out


def pools():
    per_lang = {l: [] for l in LANGS}
    titles = {l: [] for l in LANGS}
    for lang, _slug, title, paras, _cs, _d in make_samples.PAGES:
        titles[lang].append(title)
        for p in paras:
            per_lang[lang] += sentences(p)
    for lang, paras in make_samples.DOCS:
        if lang in per_lang:
            for p in paras:
                per_lang[lang] += sentences(p)
    foreign = [" ".join(p) for lang, p in make_samples.DOCS if lang in ("ja", "ar")]
    return per_lang, titles, stdlib_paragraphs(), foreign


MORE_MENU = ["Opinion", "Video", "Podcast", "Newsletter", "Shop", "Jobs", "Archive", "Weather",
             "Travel", "Food", "Health", "Tech", "Science", "Books", "Music", "Cinema", "Games",
             "Education", "Business", "Motor", "Photos", "Obituaries", "Classifieds", "About"]
FOOTER = ["Privacy policy", "Terms of use", "Cookie settings", "Advertise", "Careers", "Press",
          "Accessibility", "Sitemap", "RSS", "Help", "Legal notice", "Subscriptions"]


def hexid(rng, n=16):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def style(rng):
    rules = []
    for sel in ["body", ".site-header", ".menu ul", ".menu li", ".banner", "article h1",
                "article p", ".byline", ".related", ".related li", "footer", ".social li",
                ".comments", ".breadcrumbs", ".ad-slot", ".newsletter"]:
        rules.append("%s{margin:%dpx %dpx;padding:%dpx;color:#%06x;font-size:%.2frem}" % (
            sel, rng.randint(0, 24), rng.randint(0, 24), rng.randint(0, 16),
            rng.getrandbits(24), rng.uniform(0.7, 2.2)))
    return "\n".join(rules * 2)


def script(rng):
    return (
        "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
        "gtag('js',new Date());gtag('config','G-%s');\n"
        "(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),"
        "event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s),"
        "dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://tags.example.net/gtm.js?id='+i+dl;"
        "f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-%s');\n"
        "var CONFIG={session:'%s',ab:'%s',slots:[%s],consent:{analytics:false,ads:false}};\n"
        "document.addEventListener('DOMContentLoaded',function(){var b=document.getElementById("
        "'cookie-banner');if(localStorage.getItem('consent')){b.style.display='none';}"
        "b.querySelector('button').onclick=function(){localStorage.setItem('consent','1');"
        "b.style.display='none';};});\n"
    ) % (hexid(rng, 10), hexid(rng, 7), hexid(rng, 32), hexid(rng, 12),
         ",".join("'%s'" % hexid(rng, 8) for _ in range(rng.randint(20, 40))))


def esc(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_paragraph(rng, lang, per_lang, docstrings, pool=None):
    """A paragraph: for en, 60% a docstring paragraph; else 2-5 sentences taken from `pool` (the
    page's shuffled sentences, so no sentence repeats within a page) or from the language pool."""
    if lang == "en" and rng.random() < 0.6:
        return rng.choice(docstrings)
    k = rng.randint(2, 5)
    if pool is None:
        return " ".join(rng.sample(per_lang[lang], k))
    out = [pool.pop() for _ in range(min(k, len(pool)))]
    return " ".join(out)


def page(rng, lang, host, slug, per_lang, titles, docstrings, foreign, kind):
    site, menu, related, cookies, rights = make_samples.CHROME[lang]
    menu = menu + rng.sample(MORE_MENU, rng.randint(2, 24))
    title = rng.choice(titles[lang]) + (" (%d)" % rng.randint(2, 99) if rng.random() < 0.5 else "")
    if kind == "short":
        paras = [make_paragraph(rng, lang, per_lang, docstrings)]
    elif kind == "list":
        words = " ".join(per_lang[lang]).replace(".", "").replace(",", "").split()
        paras = [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(rng.randint(20, 60))]
    elif kind == "foreign":
        paras = [rng.choice(foreign) for _ in range(rng.randint(3, 6))]
    else:
        pool = rng.sample(per_lang[lang], len(per_lang[lang]))
        paras = [make_paragraph(rng, lang, per_lang, docstrings, pool) for _ in range(rng.randint(3, 9))]
        paras = [p for p in paras if p]
    nav = "".join('<li><a href="/%s">%s</a></li>' % (m.lower(), esc(m)) for m in menu)
    body = "\n".join("<p>%s</p>" % esc(p) for p in paras)
    rel = "".join('<li><a href="/%s-%s">%s</a></li>' % (hexid(rng, 6), i, esc(rng.choice(titles[lang])))
                  for i in range(rng.randint(5, 12)))
    foot = "".join('<li><a href="/%s">%s</a></li>' % (f.lower().replace(" ", "-"), f)
                   for f in rng.sample(FOOTER, rng.randint(6, 12)))
    html = (
        '<!DOCTYPE html>\n<html lang="%(lang)s">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="description" content="%(title)s">\n<title>%(title)s | %(site)s</title>\n'
        '<link rel="canonical" href="%(url)s">\n<link rel="stylesheet" href="/static/site.%(h)s.css">\n'
        '<style>\n%(style)s\n</style>\n<script>\n%(script)s</script>\n</head>\n<body class="page-%(h)s">\n'
        '<div id="cookie-banner" class="banner"><p>%(cookies)s</p><button>OK</button></div>\n'
        '<header class="site-header"><a class="logo" href="/">%(site)s</a>'
        '<form action="/search"><input name="q" placeholder="..."><button>&#128269;</button></form></header>\n'
        '<nav class="menu"><ul>%(nav)s</ul></nav>\n'
        '<div class="breadcrumbs"><a href="/">%(site)s</a> &rsaquo; <a href="/%(m0)s">%(m0)s</a></div>\n'
        '<div class="ad-slot" data-slot="%(h)s"></div>\n'
        '<main>\n<article>\n<h1>%(title)s</h1>\n'
        '<p class="byline"><time datetime="2024-04-15">15/04/2024</time></p>\n%(body)s\n</article>\n'
        '<aside class="related"><h2>%(related)s</h2><ul>%(rel)s</ul></aside>\n'
        '<section class="comments"><h3>0</h3><form action="/comment"><textarea name="c"></textarea>'
        '<button>OK</button></form></section>\n</main>\n'
        '<footer><ul class="links">%(foot)s</ul><p>&copy; 2024 %(site)s &middot; %(rights)s</p>'
        '<ul class="social"><li>Facebook</li><li>Instagram</li><li>Mastodon</li></ul></footer>\n'
        '<script src="/static/app.%(h)s.js" async></script>\n</body>\n</html>\n'
    ) % {
        "lang": lang, "title": esc(title), "site": esc(site), "url": host + slug, "h": hexid(rng, 8),
        "style": style(rng), "script": script(rng), "cookies": esc(cookies), "nav": nav,
        "m0": esc(menu[0]), "body": body, "related": esc(related), "rel": rel, "foot": foot,
        "rights": esc(rights),
    }
    return html, paras


def rid(seed, name):
    return "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, "garbell-bench:%d:%s" % (seed, name))


def write_file(path, index, target_bytes, seed, data):
    per_lang, titles, docstrings, foreign = data
    rng = random.Random(seed * 1000003 + index)
    raw = open(path + ".tmp", "wb")
    w = WARCWriter(raw, gzip=True, warc_version="WARC/1.1")
    date = "2024-04-15T%02d:%02d:%02dZ"

    def record(name, uri, rtype, payload, n, http=None, content_type=None):
        kwargs = {"warc_content_type": content_type} if content_type else {}
        rec = w.create_warc_record(
            uri, rtype, payload=io.BytesIO(payload), length=len(payload), http_headers=http,
            warc_headers_dict={"WARC-Record-ID": rid(seed, name),
                               "WARC-Date": date % (n // 3600 % 24, n // 60 % 60, n % 60)},
            **kwargs)
        w.write_record(rec)

    record("info-%d" % index, "", "warcinfo",
           b"software: garbell benches/pipeline/make_input.py\r\nformat: WARC File Format 1.1\r\n"
           b"description: garbell whole-pipeline benchmark input (see make_input.py for provenance)\r\n",
           0, content_type="application/warc-fields")
    earlier = []
    n = docs = 0
    raw_bytes = 0
    while raw.tell() < target_bytes:
        n += 1
        lang = rng.choices(LANGS, WEIGHTS)[0]
        r = rng.random()
        kind = ("exact" if r < 0.04 and earlier else "near" if r < 0.08 and earlier else
                "short" if r < 0.13 else "list" if r < 0.17 else "foreign" if r < 0.19 else "normal")
        host = "https://www.%s-%s.example.org" % (hexid(rng, 4), lang)
        slug = "/%d/%s/%s" % (2020 + n % 5, hexid(rng, 6), n)
        if kind in ("exact", "near"):
            html = rng.choice(earlier)
            if kind == "near":
                m = re.search(r"<p>[^<]{80,}</p>", html)
                if m:
                    html = html[:m.start()] + "<p>%s</p>" % esc(
                        make_paragraph(rng, "en", per_lang, docstrings)) + html[m.end():]
        else:
            html, _ = page(rng, lang, host, slug, per_lang, titles, docstrings, foreign, kind)
            if kind == "normal" and len(earlier) < 200:
                earlier.append(html)
            elif kind == "normal" and rng.random() < 0.05:
                earlier[rng.randrange(200)] = html
        body = html.encode("utf-8")
        raw_bytes += len(body)
        req = StatusAndHeaders("GET %s HTTP/1.1" % slug,
                               [("Host", host[8:]), ("User-Agent", "garbell-bench/1.0"),
                                ("Accept", "text/html,application/xhtml+xml")], is_http_request=True)
        record("req-%d-%d" % (index, n), host + slug, "request", b"", n, http=req)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                           ("Server", "nginx"), ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        record("page-%d-%d" % (index, n), host + slug, "response", body, n, http=http)
        docs += 1
    raw.close()
    os.replace(path + ".tmp", path)
    return docs, raw_bytes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.expanduser("~/.cache/garbell/bench/warc"))
    ap.add_argument("--total-mb", type=float, default=200)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--seed", type=int, default=20240415)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    data = pools()
    print("python %s; sentences per language: %s; stdlib docstring paragraphs: %d" % (
        sys.version.split()[0], {l: len(v) for l, v in data[0].items()}, len(data[2])))
    target = int(a.total_mb * 1e6 / a.files)
    for i in range(a.files):
        path = os.path.join(a.out, "part-%05d.warc.gz" % i)
        docs, raw_bytes = write_file(path, i, target, a.seed, data)
        print("%s: %d pages, %.1f MB HTML, %.1f MB on disk" % (
            path, docs, raw_bytes / 1e6, os.path.getsize(path) / 1e6), flush=True)


if __name__ == "__main__":
    main()
