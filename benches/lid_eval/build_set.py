#!/usr/bin/env python3
"""Build garbell's labelled language-ID evaluation set from real text we did not write.

Sources (all Debian bookworm packages, fetched with `apt-get download`, never installed):
  * gettext catalogs (`*.mo`) shipped by the packages in CATALOG_PACKAGES: msgstr strings
    (and, for English, the msgid originals);
  * translated documentation shipped by the packages in DOC_PACKAGES: GNOME Mallard help
    pages, the Debian installation guide (HTML), the GIMP user manual (HTML) and man pages.

These are exactly the "software translation catalogs and documentation" that garbell keeps
out of anything it trains or derives, so they stay usable for evaluation.

Output (default ~/.cache/garbell/lid_eval/, i.e. outside the repository):
  docs.jsonl       documents >= 200 characters
  segments.jsonl   short segments of 20-200 characters
  provenance.json  every package used: version, licence(s) from its copyright file, files
  coverage.json    per-language counts and the languages that could not be covered (and why)
Each JSONL line: {"id", "text", "lang", "locale", "source", "licence", "kind"}.
`lang` is one of garbell's 35 codes, or "bs" (Bosnian: the expected answer is "other",
scored as part of the Serbo-Croatian group).

Deterministic: packages are pinned by name (the version fetched is recorded), files are
walked in sorted order, sampling uses random.Random seeded from --seed, language, kind and
source group.

Usage:
  python3 benches/lid_eval/build_set.py [--install] [--out DIR] [--seed 0]
          [--max-docs 300] [--max-segments 500]
`--install` runs `apt-get update` first (needed once on a fresh machine so that
`apt-get download` finds the packages) and installs `groff-base` (man page rendering).
Without it the script still calls `apt-get download` (no root needed beyond apt's lists).
"""
from __future__ import annotations

import argparse
import collections
import glob
import gzip
import hashlib
import html
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys

LANGS35 = ("bg ca cs cy da de el en es et eu fi fr ga gl hr hu it lt lv mt nl nn no oc "
           "pl pt ro ru sh sk sl sr sv uk").split()
EXTRA = ["bs"]  # evaluated, expected answer "other" (Serbo-Croatian group)
TARGETS = set(LANGS35) | set(EXTRA)

# Packages whose gettext catalogs cover many of the 35 languages.
CATALOG_PACKAGES = [
    "abiword-common", "apt", "aptitude-common", "coreutils", "debconf-i18n",
    "evolution-data-server-common", "gedit-common", "gimp-data", "gnome-control-center-data",
    "gnome-desktop3-data", "gnome-system-monitor", "gnumeric-common", "gparted",
    "iso-codes", "libglib2.0-data", "libgtk-3-common", "libgtk2.0-common", "mousepad",
    "nautilus-data", "synaptic", "thunar-data", "tuxpaint-data", "util-linux-locales",
    "vlc-l10n", "xfce4-panel", "xfce4-session", "xfce4-settings", "xkb-data",
]
# Packages used for some languages only (their other catalogs are not read, so adding them
# leaves the other languages' items unchanged). Maltese: the GStreamer plugin catalogs are
# the only Maltese gettext catalogs found in bookworm besides iso-codes (see README).
ONLY_LANGS = {
    "gstreamer1.0-plugins-bad": {"mt"}, "gstreamer1.0-plugins-good": {"mt"},
    "gstreamer1.0-plugins-ugly": {"mt"},
}
# Packages shipping translated documentation (some of the catalog packages above also
# ship translated man pages or help; those are picked up too).
DOC_PACKAGES = [
    "gnome-user-docs", "installation-guide-amd64", "manpages-nb", "gimp-help-en",
    "gimp-help-nn",
]

MIN_SEG, MAX_SEG, MIN_DOC, MAX_DOC = 20, 200, 200, 5000


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- locales
def map_locale(loc: str) -> str | None:
    """Map a catalog/doc locale directory name to one of our labels (or None = skip)."""
    base = loc.split("@")[0].split("_")[0].split(".")[0].lower()
    if base in ("nb", "no"):
        return "no"
    if base == "c":
        return "en"
    if base == "en":
        return None  # en_GB/en_AU catalogs are near-copies of the msgid; English = msgid
    if base == "sr":
        return "sr"  # sr (Cyrillic), sr@latin / sr@Latn (Latin), sr@ije (ijekavian)
    return base if base in TARGETS else None


# ----------------------------------------------------------------------------- fetching
def run(cmd, **kw):
    log("+", " ".join(cmd))
    return subprocess.run(cmd, check=True, **kw)


def fetch(pkgs, cache):
    debdir = os.path.join(cache, "debs")
    os.makedirs(debdir, exist_ok=True)
    missing = [p for p in pkgs if not glob.glob(os.path.join(debdir, f"{p}_*.deb"))]
    if missing:
        try:
            run(["apt-get", "download", "-q"] + missing, cwd=debdir,
                stdout=subprocess.DEVNULL)
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            sys.exit(f"apt-get download failed ({e}). Run `apt-get update` first (or pass "
                     f"--install), then rerun. Packages: {' '.join(missing)}")
    out = {}
    for p in pkgs:
        debs = sorted(glob.glob(os.path.join(debdir, f"{p}_*.deb")))
        if not debs:
            sys.exit(f"package {p} could not be downloaded")
        deb = debs[-1]
        dest = os.path.join(cache, "x", p)
        if not os.path.isdir(dest):
            tmp = dest + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            run(["dpkg-deb", "-x", deb, tmp])
            os.rename(tmp, dest)
        ver = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True,
                             text=True, check=True).stdout.strip()
        out[p] = {"version": ver, "deb": os.path.basename(deb), "root": dest,
                  "licence": licence_of(dest, p)}
    return out


def licence_of(root, pkg):
    cands = sorted(glob.glob(os.path.join(root, "usr/share/doc/*/copyright")))
    if not cands:
        return "unknown (no copyright file in package)"
    txt = open(cands[0], encoding="utf-8", errors="replace").read()
    lic = []
    for m in re.finditer(r"^License:[ \t]*(\S[^\n]*)", txt, re.M):
        v = m.group(1).strip()
        if v not in lic:
            lic.append(v)
    if lic:
        return "; ".join(lic[:6]) + ("; ..." if len(lic) > 6 else "")
    found = []
    for pat, name in [(r"Lesser General Public License|LGPL", "LGPL"),
                      (r"(?<!Lesser )General Public License|\bGPL", "GPL"),
                      (r"Free Documentation License|GFDL", "GFDL"),
                      (r"Creative Commons|CC-BY", "CC"), (r"\bBSD\b", "BSD"),
                      (r"\bMIT\b|Expat", "MIT/Expat")]:
        if re.search(pat, txt):
            found.append(name)
    return (", ".join(found) if found else "see copyright") + \
        f" (from /usr/share/doc/{os.path.basename(os.path.dirname(cands[0]))}/copyright)"


# ----------------------------------------------------------------------------- cleaning
PLACEHOLDER = re.compile(
    r"%(\([^)]*\))?[-+ #0']*(\d+\$)?(\d+|\*)?(\.\d+)?(hh|h|ll|l|L|q|j|z|t|I64|I)?"
    r"[diouxXeEfFgGaAcspnmS%]"
    r"|%\d+|\{[^{}]*\}|\$\{?\w+\}?|@\w+@")
MARKUP = re.compile(r"<[A-Za-z/!?][^>]*>|&[a-z]+;|&#\d+;")
OPTION = re.compile(r"(^|\s)--?[A-Za-z]|\\[a-z]|\b[a-z_]+\(\)|https?:|www\.|\S+/\S+/\S+")
EN_FUNC = set("the and of with this that you your are from which will when has have been "
              "these would should they".split())


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def clean_catalog(s: str) -> str | None:
    """Clean a catalog string; None if it is markup, code-like or has too little text."""
    if MARKUP.search(s) or OPTION.search(s) or "\t" in s:
        return None
    s = re.sub(r"(?<![\w])_(?=\w)", "", s)      # GTK mnemonic _File
    s = re.sub(r"&(?=\w)", "", s)                 # Qt mnemonic &File
    s = re.sub(r"\(_\w\)", "", s)                 # CJK-style mnemonics (_F)
    s = PLACEHOLDER.sub(" ", s)
    s = norm(s)
    s = re.sub(r"\s+([,.:;!?])", r"\1", s)
    return s if good_text(s) else None


def good_text(s: str) -> bool:
    letters = sum(c.isalpha() for c in s)
    nonspace = sum(not c.isspace() for c in s)
    if letters < 12 or nonspace == 0 or letters / nonspace < 0.75:
        return False
    if len(s.split()) < 3:  # single words / labels are not language evidence
        return False
    return True


def looks_english(s: str) -> bool:
    toks = re.findall(r"[a-z]+", s.lower())
    hits = sum(t in EN_FUNC for t in toks)
    return hits >= 2 and hits / max(1, len(toks)) >= 0.12


def key(s: str) -> str:
    return norm(s).casefold()


# ----------------------------------------------------------------------------- .mo files
def read_mo(path):
    data = open(path, "rb").read()
    if len(data) < 20:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic == 0x950412DE else ">" if magic == 0xDE120495 else None
    if e is None:
        return []
    _, n, oo, ot = struct.unpack(e + "4I", data[4:20])
    raw = []
    for i in range(n):
        l1, o1 = struct.unpack(e + "2I", data[oo + 8 * i: oo + 8 * i + 8])
        l2, o2 = struct.unpack(e + "2I", data[ot + 8 * i: ot + 8 * i + 8])
        raw.append((data[o1:o1 + l1], data[o2:o2 + l2]))
    charset = "utf-8"
    for mid, mstr in raw:
        if mid == b"":
            m = re.search(rb"charset=([\w-]+)", mstr)
            if m and m.group(1).lower() not in (b"charset", b"cHARSET"):
                charset = m.group(1).decode()
    out = []
    for mid, mstr in raw:
        if mid == b"":
            continue
        try:
            mid_s = mid.decode(charset, "replace")
            mstr_s = mstr.decode(charset, "replace")
        except LookupError:
            mid_s, mstr_s = mid.decode("utf-8", "replace"), mstr.decode("utf-8", "replace")
        mid_s = mid_s.split("\x04")[-1].split("\x00")[0]
        mstr_s = mstr_s.split("\x00")[0]
        out.append((mid_s, mstr_s))
    return out


# ----------------------------------------------------------------------------- docs
P_RE = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S | re.I)


def html_paragraphs(path):
    raw = open(path, "rb").read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    txt = raw.decode("utf-8", "replace")
    txt = re.sub(r"<comment\b.*?</comment>", " ", txt, flags=re.S | re.I)
    txt = re.sub(r"<(code|pre|screen|cmd|userinput|literal|sys|var|file)\b[^>]*>.*?</\1>",
                 " ", txt, flags=re.S | re.I)
    out = []
    for m in P_RE.finditer(txt):
        inner = m.group(1)
        if re.search(r"<p\b", inner, re.I):
            continue  # nested paragraphs: take the inner ones only
        t = html.unescape(re.sub(r"<[^>]+>", " ", inner))
        t = norm(re.sub(r"\s+([,.:;!?)])", r"\1", t))
        out.append(t)
    return out


def man_paragraphs(path):
    try:
        r = subprocess.run(
            f"zcat -f '{path}' | groff -k -t -man -Tutf8 -P-cbou -rHY=0 -rLL=3000n "
            f"-rIN=0n 2>/dev/null", shell=True, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return []
    txt = r.stdout.decode("utf-8", "replace")
    paras, cur = [], []
    for line in txt.splitlines():
        if not line.strip():
            if cur:
                paras.append(norm(" ".join(cur)))
                cur = []
        elif not line.startswith(" ") and line.isupper():
            continue  # section heading
        else:
            cur.append(line.strip())
    if cur:
        paras.append(norm(" ".join(cur)))
    return paras[1:-1]  # drop the header/footer lines


def doc_ok(p: str, lang: str, english: set) -> bool:
    if not p or key(p) in english:
        return False
    if lang != "en" and looks_english(p):
        return False
    if OPTION.search(p) and len(OPTION.findall(p)) > 2:
        return False
    return good_text(p)


def chunk_paragraphs(paras, minlen=MIN_DOC):
    """Join consecutive paragraphs of one page until >= minlen chars."""
    out, cur = [], []
    for p in paras:
        cur.append(p)
        if sum(len(x) + 1 for x in cur) - 1 >= minlen:
            out.append("\n".join(cur))
            cur = []
    return out


# ----------------------------------------------------------------------------- collect
def collect(pkgs):
    """Return candidates: dict kind -> lang -> group -> list of items."""
    cand = {"segments": collections.defaultdict(lambda: collections.defaultdict(list)),
            "docs": collections.defaultdict(lambda: collections.defaultdict(list))}
    tier3 = collections.defaultdict(lambda: collections.defaultdict(list))

    def add(kind, lang, group, text, locale, source, licence, tier):
        item = {"text": text, "lang": lang, "locale": locale, "source": source,
                "licence": licence, "kind": tier}
        (tier3 if tier == "catalog-concat" else cand[kind])[lang][group].append(item)

    for pkg in sorted(pkgs):
        info = pkgs[pkg]
        root, lic = info["root"], info["licence"]
        pv = f"{pkg}={info['version']}"
        # --- catalogs
        mos = sorted(glob.glob(os.path.join(root, "usr/share/locale/*/LC_MESSAGES/*.mo")))
        en_seen = set()
        for mo in mos:
            loc = mo.split("/locale/")[1].split("/")[0]
            lang = map_locale(loc)
            rel = mo[len(root):]
            if lang is None or os.path.basename(mo).startswith("iso_639"):
                continue  # iso_639*: lists of language names, not language evidence
            if pkg in ONLY_LANGS and lang not in ONLY_LANGS[pkg]:
                continue
            entries = read_mo(mo)
            concat_pool = []
            for i, (mid, mstr) in enumerate(entries):
                if not mstr.strip():
                    continue
                c = clean_catalog(mstr)
                cid = clean_catalog(mid)
                # English originals: the msgid of every catalog (deduplicated per package)
                if cid and key(cid) not in en_seen and MIN_SEG <= len(cid) and \
                        pkg not in ONLY_LANGS:
                    en_seen.add(key(cid))
                    src = f"deb:{pv}:{rel}#msgid"
                    if len(cid) <= MAX_SEG:
                        add("segments", "en", pkg, cid, "C", src, lic, "catalog-msgid")
                    elif len(cid) >= MIN_DOC:
                        add("docs", "en", pkg, cid, "C", src, lic, "catalog-long-msgid")
                if c is None or (cid is not None and key(c) == key(cid)) or \
                        key(mstr) == key(mid):
                    continue  # untranslated / unusable
                if lang != "en" and looks_english(c):
                    continue
                src = f"deb:{pv}:{rel}#{i}"
                if MIN_SEG <= len(c) <= MAX_SEG:
                    add("segments", lang, pkg, c, loc, src, lic, "catalog-msgstr")
                    concat_pool.append((i, c))
                elif len(c) >= MIN_DOC:
                    add("docs", lang, pkg, c[:MAX_DOC], loc, src, lic, "catalog-long-msgstr")
            # documents from consecutive msgstr of this catalog (in .mo = msgid order)
            cur = []
            for i, c in concat_pool:
                cur.append((i, c))
                if sum(len(x) + 1 for _, x in cur) - 1 >= MIN_DOC:
                    src = f"deb:{pv}:{rel}#{cur[0][0]}-{cur[-1][0]}"
                    add("docs", lang, pkg, "\n".join(x for _, x in cur), loc, src, lic,
                        "catalog-concat")
                    cur = []
        # --- documentation: Mallard help, HTML manuals, man pages
        doc_sets = []  # (lang_dir_glob, english_dir, file_glob, kind, parser)
        for base in ("usr/share/help",):
            d = os.path.join(root, base)
            if os.path.isdir(d):
                doc_sets.append((d, "C", "**/*.page", "mallard-help", html_paragraphs))
        d = os.path.join(root, "usr/share/doc/installation-guide-amd64")
        if os.path.isdir(d):
            doc_sets.append((d, "en", "*.html", "install-guide", html_paragraphs))
        d = os.path.join(root, "usr/share/gimp/2.0/help")
        if os.path.isdir(d):
            doc_sets.append((d, "en", "**/*.html", "gimp-help", html_paragraphs))
        d = os.path.join(root, "usr/share/man")
        if os.path.isdir(d):
            doc_sets.append((d, None, "man*/*", "man-page", man_paragraphs))
        for d, en_dir, pat, dkind, parser in doc_sets:
            english = english_reference(pkgs, d, root, en_dir, pat, parser)
            langdirs = sorted(x for x in os.listdir(d) if os.path.isdir(os.path.join(d, x)))
            for loc in langdirs:
                if loc.startswith("man") or (en_dir and loc == en_dir and dkind != "man-page"):
                    lang = "en" if loc == en_dir else None
                else:
                    lang = map_locale(loc)
                if lang is None:
                    continue
                files = [f for f in sorted(glob.glob(os.path.join(d, loc, pat),
                                                     recursive=True)) if os.path.isfile(f)]
                parsed = [(f, parser(f)) for f in files]
                # boilerplate (translator credits, licence footers): paragraphs that occur
                # in 3 or more files of this language are dropped
                seen = collections.Counter(k for _, ps in parsed for k in {key(p) for p in ps})
                for f, ps in parsed:
                    rel = f[len(root):]
                    paras = [p for p in ps if seen[key(p)] < 3 and
                             doc_ok(p, lang, english if lang != "en" else set())]
                    src = f"deb:{pv}:{rel}"
                    for j, p in enumerate(paras):
                        if MIN_SEG <= len(p) <= MAX_SEG:
                            add("segments", lang, pkg, p, loc, f"{src}#p{j}", lic, dkind)
                    for j, ch in enumerate(chunk_paragraphs(paras)):
                        add("docs", lang, pkg, ch[:MAX_DOC], loc, f"{src}#c{j}", lic, dkind)
    return cand, tier3


_EN_CACHE = {}


def english_reference(pkgs, d, root, en_dir, pat, parser):
    """Paragraphs of the English original, to drop untranslated paragraphs."""
    rel = d[len(root):]
    if rel in _EN_CACHE:
        return _EN_CACHE[rel]
    keys = set()
    if en_dir is None:  # man pages: English originals in man*/ of this and other packages
        return keys
    for p in sorted(pkgs):
        ed = os.path.join(pkgs[p]["root"], rel.lstrip("/"), en_dir)
        for f in sorted(glob.glob(os.path.join(ed, pat), recursive=True)):
            if os.path.isfile(f):
                keys.update(key(x) for x in parser(f))
    _EN_CACHE[rel] = keys
    return keys


# ----------------------------------------------------------------------------- sampling
def sample(groups: dict, cap: int, rng_key: str, taken: set):
    """Round-robin over source groups (each shuffled with its own seeded RNG)."""
    lists = []
    for g in sorted(groups):
        items = list(groups[g])
        random.Random(f"{rng_key}:{g}").shuffle(items)
        lists.append(items)
    out = []
    idx = [0] * len(lists)
    while len(out) < cap and any(idx[i] < len(l) for i, l in enumerate(lists)):
        for i, l in enumerate(lists):
            while idx[i] < len(l):
                it = l[idx[i]]
                idx[i] += 1
                k = key(it["text"])
                if k in taken:
                    continue
                taken.add(k)
                out.append(it)
                break
            if len(out) >= cap:
                break
    return out


def source_key(source: str) -> str:
    """`deb:PKG=VERSION:/path#entry` without the version (a point release keeps the item)."""
    parts = source.split(":", 2)
    if len(parts) == 3 and parts[0] == "deb":
        return parts[1].split("=")[0] + ":" + parts[2]
    return source


def exclude_seen(paths, cand, tier3) -> int:
    """Remove from the candidates every item an earlier set holds (by source, by text, or by
    any line of its text): what is left has never been looked at."""
    sources, texts = set(), set()
    for path in paths:
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            it = json.loads(line)
            sources.add(source_key(it["source"]))
            texts.add(key(it["text"]))
            texts.update(key(l) for l in it["text"].split("\n") if l.strip())

    def seen(it):
        return (source_key(it["source"]) in sources or key(it["text"]) in texts
                or any(key(l) in texts for l in it["text"].split("\n") if l.strip()))

    n = 0
    for c in (cand["segments"], cand["docs"], tier3):
        for groups in c.values():
            for g, items in groups.items():
                kept = [it for it in items if not seen(it)]
                n += len(items) - len(kept)
                groups[g] = kept
    return n


def cross_language_dupes(*cands):
    langs_of = collections.defaultdict(set)
    for c in cands:
        for lang, groups in c.items():
            for items in groups.values():
                for it in items:
                    langs_of[key(it["text"])].add(lang)
    return {k for k, v in langs_of.items() if len(v) > 1}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.expanduser("~/.cache/garbell/lid_eval"))
    ap.add_argument("--seed", default="0")
    ap.add_argument("--max-docs", type=int, default=300)
    ap.add_argument("--max-segments", type=int, default=500)
    ap.add_argument("--install", action="store_true",
                    help="run apt-get update and install groff-base first")
    ap.add_argument("--cache", help="where the .debs are fetched and unpacked (default: --out)")
    ap.add_argument("--exclude", nargs="*", default=[],
                    help="set files (docs.jsonl, segments.jsonl of an earlier build) whose items "
                         "must not occur again: an item is left out when its source "
                         "(package/path#entry, any version) or its text, or any line of its "
                         "text, was in one of them (a fresh held-out set)")
    args = ap.parse_args()

    if args.install:
        run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL)
        run(["apt-get", "install", "-y", "-q", "groff-base", "gzip"],
            stdout=subprocess.DEVNULL)
    if not shutil.which("groff"):
        sys.exit("groff is needed to render man pages: apt-get install groff-base "
                 "(or pass --install)")
    os.makedirs(args.out, exist_ok=True)
    pkgs = fetch(sorted(set(CATALOG_PACKAGES + DOC_PACKAGES) | set(ONLY_LANGS)),
                 args.cache or args.out)
    cand, tier3 = collect(pkgs)
    dupes = cross_language_dupes(cand["segments"], cand["docs"], tier3)
    log(f"dropping {len(dupes)} texts that occur under more than one language label")
    if args.exclude:
        n = exclude_seen(args.exclude, cand, tier3)
        log(f"--exclude: left out {n} candidates seen in {', '.join(args.exclude)}")

    result = {"segments": [], "docs": []}
    coverage = {}
    for lang in LANGS35 + EXTRA:
        taken = set(dupes)
        segs = sample(cand["segments"].get(lang, {}), args.max_segments,
                      f"{args.seed}:{lang}:seg", taken)
        taken = set(dupes)
        docs = sample(cand["docs"].get(lang, {}), args.max_docs,
                      f"{args.seed}:{lang}:doc", taken)
        if len(docs) < args.max_docs:  # fill with concatenations of consecutive msgstr
            docs += sample(tier3.get(lang, {}), args.max_docs - len(docs),
                           f"{args.seed}:{lang}:concat", taken)
        result["segments"] += segs
        result["docs"] += docs
        coverage[lang] = {
            "segments": len(segs), "docs": len(docs),
            "docs_by_kind": dict(sorted(collections.Counter(d["kind"] for d in docs).items())),
            "segment_sources": len({s["source"].split(":")[1] for s in segs}),
            "doc_sources": len({s["source"].split(":")[1] for s in docs}),
        }

    for kind, items in result.items():
        path = os.path.join(args.out, f"{kind}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for it in items:
                it = {"id": hashlib.sha1((it["source"] + it["text"]).encode()).hexdigest()[:16],
                      **it}
                f.write(json.dumps(it, ensure_ascii=False) + "\n")
        log(f"wrote {len(items)} items to {path}")

    not_covered = {}
    for lang in LANGS35:
        c = coverage[lang]
        if c["segments"] == 0 and c["docs"] == 0:
            not_covered[lang] = ("no catalog or documentation in the source packages has "
                                 f"this locale (no `{lang}` directory under "
                                 "/usr/share/locale or the doc trees)")
        elif c["segments"] < args.max_segments or c["docs"] < args.max_docs:
            not_covered.setdefault("_partial", {})[lang] = c
    prov = {p: {k: v for k, v in i.items() if k != "root"} for p, i in sorted(pkgs.items())}
    json.dump(prov, open(os.path.join(args.out, "provenance.json"), "w"), indent=1,
              ensure_ascii=False)
    json.dump({"coverage": coverage, "not_covered": not_covered,
               "seed": args.seed, "caps": [args.max_docs, args.max_segments],
               "excluded": args.exclude},
              open(os.path.join(args.out, "coverage.json"), "w"), indent=1)

    print(f"{'lang':5} {'segments':>8} {'docs':>6}  docs by kind")
    for lang in LANGS35 + EXTRA:
        c = coverage[lang]
        print(f"{lang:5} {c['segments']:8d} {c['docs']:6d}  "
              + ", ".join(f"{k}={v}" for k, v in c["docs_by_kind"].items()))
    for lang, why in not_covered.items():
        if lang != "_partial":
            print(f"NOT COVERED: {lang}: {why}")
    for lang, c in not_covered.get("_partial", {}).items():
        print(f"PARTIAL: {lang}: {c['segments']} segments, {c['docs']} docs "
              f"(caps {args.max_segments}/{args.max_docs})")
    print(f"output: {args.out}")


if __name__ == "__main__":
    main()
