#!/usr/bin/env python3
"""Builds the HTML extraction evaluation set from real, translated documentation in Debian.

Every page is real HTML written by others and shipped in a Debian package: the GIMP user manual
(DocBook XSL with navigation header/footer tables), the LibreOffice help (a web template with a
header, language/module drop-downs, a search box, an index sidebar and a footer), the Apache
HTTP Server manual (top bar, breadcrumb, sidebar, language selector, comments section,
footer), and Debian's own manuals (Debian Reference, New Maintainers' Guide, Developer's
Reference, Debian FAQ; DocBook/Sphinx output with navigation). Pages of each (source, language)
are sampled in a fixed pseudo-random order (sha1 of the path), so reruns give the same set.

    python3 benches/html_eval/build_set.py [--out ~/.cache/garbell/html_eval] [--per-lang N]

Needs `apt-get download` and `dpkg-deb` (Debian or Ubuntu; run `apt-get update` first). Writes,
outside the repository:
  OUT/debs/*.deb                 the packages as downloaded
  OUT/unpacked/<package>/...     `dpkg-deb -x` of each
  OUT/pages/<source>/<lang>/NNNN.html   each selected page, re-encoded to UTF-8
  OUT/manifest.jsonl             one line per page: id, file, source, lang, package, version,
                                 path inside the package, licence (from the package's
                                 copyright file), sha256 of the original bytes, charset
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

# (source, package, iso language of garbell's 35). Sources with one package per language.
LANG_PACKAGES = {
    "gimp-help": ("gimp-help-{}", ["cs", "da", "de", "el", "fi", "fr", "hr", "hu", "lt", "nn", "ro", "sl", "sv", "uk"]),
    "libreoffice-help": (
        "libreoffice-help-{}",
        ["ca", "cs", "da", "de", "el", "en-us", "es", "et", "eu", "fi", "fr", "gl", "hu", "it", "nl", "pl", "pt", "ru", "sk", "sl", "sv"],
    ),
    "debian-reference": ("debian-reference-{}", ["de", "en", "es", "fr", "it", "pt"]),
    "maint-guide": ("maint-guide-{}", ["ca", "de", "es", "fr", "it", "ru"]),
    "developers-reference": ("developers-reference-{}", ["de", "fr", "it", "ru"]),
    "debian-faq": ("debian-faq-{}", ["de", "fr", "it", "nl", "pt", "ru"]),
}
# apache2-doc ships every language in one package: manual/<lang>/...
APACHE_LANGS = ["da", "de", "en", "es", "fr", "ru"]
# English packages without a language suffix.
EXTRA_PACKAGES = {"developers-reference": "developers-reference", "debian-faq": "debian-faq", "maint-guide": "maint-guide"}

# Pages per (source, language); small manuals contribute all their pages up to this cap.
CAPS = {"gimp-help": 40, "libreoffice-help": 25, "apache2-doc": 30}
DEFAULT_CAP = 40
MIN_BYTES = 1500
MAX_BYTES = 3_000_000


def iso(code):
    """Package language suffix -> garbell's ISO 639-1 code."""
    return {"en-us": "en", "en-gb": "en", "pt-br": "pt"}.get(code, code)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def fetch(out, package):
    """Downloads and unpacks a package (once); returns (unpacked dir, version)."""
    debs = out / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        run(["apt-get", "download", package], cwd=debs)
        found = sorted(debs.glob(f"{package}_*.deb"))
    deb = found[-1]
    dest = out / "unpacked" / package
    if not dest.exists():
        tmp = dest.with_name(package + ".tmp")
        subprocess.run(["rm", "-rf", str(tmp)], check=True)
        tmp.mkdir(parents=True)
        run(["dpkg-deb", "-x", str(deb), str(tmp)])
        tmp.rename(dest)
    version = run(["dpkg-deb", "-f", str(deb), "Version"]).strip()
    return dest, version


def licence(root, package):
    """The licences named in the package's copyright file (or where to find them)."""
    for name in [package, package.rsplit("-", 1)[0] + "-common"]:
        p = root / "usr/share/doc" / name / "copyright"
        if p.is_file():
            text = p.read_text(errors="replace")
            names = []
            for m in re.finditer(r"^License:\s*(\S.*)$", text, re.M):
                if m.group(1).strip() not in names:
                    names.append(m.group(1).strip())
            if names:
                return "; ".join(names[:4])
    return f"see /usr/share/doc/{package}/copyright (of {package.rsplit('-', 1)[0]}-common)"


CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.-]+)""", re.I)
XML_ENC = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_:.-]+)""", re.I)


def to_utf8(raw):
    """Decodes a page by its BOM, meta charset or XML declaration (UTF-8 by default)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace"), "utf-8"
    head = raw[:4096]
    m = CHARSET.search(head) or XML_ENC.search(head)
    enc = m.group(1).decode("ascii").lower() if m else "utf-8"
    try:
        return raw.decode(enc, "replace"), enc
    except LookupError:
        return raw.decode("utf-8", "replace"), "utf-8"


def candidates(source, root, lang_code):
    """HTML files of one language inside an unpacked package."""
    files = [p for p in root.rglob("*") if p.is_file() and re.search(r"\.html?(\.[a-z-]+)?$", p.name)]
    out = []
    for p in files:
        rel = str(p.relative_to(root))
        if source == "apache2-doc":
            if f"/manual/{lang_code}/" not in rel:
                continue
        elif source in ("debian-reference", "maint-guide", "debian-faq"):
            # Files are named <page>.<lang>.html; English ones may be <page>.en.html or <page>.html.
            m = re.search(r"\.([a-z]{2}(?:[-_][a-zA-Z]{2})?)\.html$", p.name)
            if (m.group(1) if m else "en") != lang_code:
                continue
        elif source == "developers-reference":
            if f"/{lang_code}/" not in rel and not (lang_code == "en" and re.search(r"/developers-reference/[^/]+\.html$", rel)):
                continue
            if p.name in ("search.html", "genindex.html"):
                continue
        out.append((rel, p))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(Path.home() / ".cache/garbell/html_eval"))
    ap.add_argument("--per-lang", type=int, default=0, help="override every cap")
    args = ap.parse_args()
    out = Path(os.path.expanduser(args.out))
    jobs = []  # (source, package, package language code)
    for source, (pattern, langs) in LANG_PACKAGES.items():
        for code in langs:
            jobs.append((source, pattern.format(code), code))
    for source, package in EXTRA_PACKAGES.items():
        jobs.append((source, package, "en"))
    for code in APACHE_LANGS:
        jobs.append(("apache2-doc", "apache2-doc", code))

    pages_dir = out / "pages"
    rows = []
    for source, package, code in jobs:
        try:
            root, version = fetch(out, package)
        except subprocess.CalledProcessError as e:
            print(f"skip {package}: {e.stderr.strip()[:200]}", file=sys.stderr)
            continue
        lic = licence(root, package)
        cap = args.per_lang or CAPS.get(source, DEFAULT_CAP)
        cands = sorted(candidates(source, root, code), key=lambda rp: hashlib.sha1(rp[0].encode()).hexdigest())
        lang = iso(code)
        n = 0
        for rel, path in cands:
            if n >= cap:
                break
            raw = path.read_bytes()
            if not (MIN_BYTES <= len(raw) <= MAX_BYTES):
                continue
            text, enc = to_utf8(raw)
            n += 1
            dest = pages_dir / source / lang / f"{n:04d}.html"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
            rows.append(
                {
                    "id": f"{source}/{lang}/{n:04d}",
                    "file": str(dest.relative_to(out)),
                    "source": source,
                    "lang": lang,
                    "package": package,
                    "version": version,
                    "path": "/" + rel,
                    "licence": lic,
                    "sha256": hashlib.sha256(raw).hexdigest(),
                    "charset": enc,
                }
            )
        print(f"{source:22} {package:28} {lang}: {n} pages", file=sys.stderr)
    # Two languages from different packages (e.g. pt, pt-br) could share a folder; ids stay unique
    # because each (source, lang) pair comes from one package except English, checked here.
    ids = [r["id"] for r in rows]
    if len(ids) != len(set(ids)):
        sys.exit("duplicate page ids: two packages map to one (source, lang)")
    tmp = out / "manifest.jsonl.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.rename(out / "manifest.jsonl")
    langs = sorted({r["lang"] for r in rows})
    print(f"{len(rows)} pages, {len(langs)} languages ({' '.join(langs)}), {len({r['source'] for r in rows})} sources", file=sys.stderr)


if __name__ == "__main__":
    main()
