#!/usr/bin/env python3
"""Build the word lists of garbell's second-stage language identification (`words-*.tsv`).

For each confusable group (see GROUPS) and each member language, the list holds word forms
that the member's Debian hunspell dictionary accepts and NO other member's dictionary (nor
stopword list) does: a text containing them is evidence for that member. Dictionaries give
no frequencies, so we keep the SHORTEST such forms (short forms are the frequent ones, Zipf)
up to CAP per language, lowercase alphabetic entries only (dictionary entries with capitals
are names and acronyms). Stopwords of languages/stopwords/<iso>.txt (stopwords-iso, MIT) that
no other member's dictionary or stopword list has are added first, with weight 2.

Sources (Debian 12 "bookworm" packages, fetched with `apt-get download`, unpacked with
`dpkg-deb -x`, never installed): hunspell-{no,da,gl,pt-pt,pt-br,es,ca,oc,cs,sk}
and hunspell-tools (its `unmunch` expands a dictionary's affixes into full forms). Where
unmunch crashes (sr_Latn_RS) or explodes (ca: 181 M forms, pt_BR: 83 M, gl: > 5 GB) the
dictionary's own entries (stems) are used instead, and then for EVERY member of that group:
contrasting one member's full forms with another's stems makes the first member's inflected
forms look distinctive (measured: Serbian and Galician/Catalan/Occitan drifted to hr and es).

Evaluation rule: software translation catalogs and documentation are the evaluation set of
benches/lid_eval and are NOT used here.

Usage: python3 languages/lid/disambig/make_disambig.py [--work ~/.cache/garbell/hunspell]
Deterministic: same packages -> byte-identical files.
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import subprocess
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# group -> [(lang, [(package, dictionary, mode)])]; mode "forms" = unmunch, "stems" = .dic entries
# No "sc" (hr/sr/bs) list: from stems and stopwords-iso it put words all three share (ovo, koje,
# više) under one member and lowered hr/sr accuracy; the group is decided by the hand-written
# jat-reflex and lexicon markers of markers.tsv alone.
GROUPS = {
    "no": [
        ("nn", [("hunspell-no", "nn_NO", "forms")]),
        ("no", [("hunspell-no", "nb_NO", "forms")]),
        ("da", [("hunspell-da", "da_DK", "forms")]),
    ],
    "ibero": [
        ("gl", [("hunspell-gl", "gl_ES", "stems")]),
        ("pt", [("hunspell-pt-pt", "pt_PT", "stems"), ("hunspell-pt-br", "pt_BR", "stems")]),
        ("es", [("hunspell-es", "es_ES", "stems")]),
        ("ca", [("hunspell-ca", "ca", "stems")]),
        ("oc", [("hunspell-oc", "oc_FR", "stems")]),
    ],
    "cssk": [
        ("cs", [("hunspell-cs", "cs_CZ", "forms")]),
        ("sk", [("hunspell-sk", "sk_SK", "forms")]),
    ],
}
CAP = 2500          # dictionary forms per language
MAX_LEN = 8         # longer forms are never selected, so they are not loaded either
WORD = re.compile(r"^[^\W\d_]+$")


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def fetch(work, packages):
    os.makedirs(os.path.join(work, "x"), exist_ok=True)
    versions = {}
    for p in sorted(packages):
        debs = glob.glob(os.path.join(work, f"{p}_*.deb"))
        if not debs:
            sh("apt-get", "download", p, cwd=work)
            debs = glob.glob(os.path.join(work, f"{p}_*.deb"))
        deb = sorted(debs)[-1]
        sh("dpkg-deb", "-x", deb, os.path.join(work, "x"))
        versions[p] = subprocess.run(["dpkg-deb", "-f", deb, "Version"], check=True,
                                     capture_output=True, text=True).stdout.strip()
    return versions


def encoding(aff):
    with open(aff, "rb") as f:
        for line in f:
            if line.startswith(b"SET "):
                return line.split()[1].decode().lower().replace("microsoft-", "")
    return "iso8859-1"


def licence(work, package, dic):
    """The License: of the copyright paragraph that covers the dictionary's directory."""
    path = os.path.join(work, "x", "usr", "share", "doc", package, "copyright")
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return "see debian/copyright"
    stem = dic.split("_")[0]
    for para in text.split("\n\n"):
        files = re.search(r"^Files:(.*?)(?=^\S)", para + "\nX", re.S | re.M)
        lic = re.search(r"^License: *(.+)$", para, re.M)
        if files and lic and re.search(rf"dictionaries/({re.escape(dic)}|{re.escape(stem)})[/_]",
                                       files.group(1)):
            return lic.group(1).strip()
    return "see debian/copyright"


def load(work, dic, mode, max_len=MAX_LEN):
    base = os.path.join(work, "x", "usr", "share", "hunspell", dic)
    enc = encoding(base + ".aff")
    out = set()
    if mode == "forms":
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(work, "x", "usr", "lib",
                                                             "x86_64-linux-gnu"))
        proc = subprocess.Popen([os.path.join(work, "x", "usr", "bin", "unmunch"),
                                 base + ".dic", base + ".aff"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
        lines = proc.stdout
    else:
        lines = open(base + ".dic", "rb")
        next(lines)  # entry count
    for raw in lines:
        w = raw.decode(enc, "replace").strip().split("/")[0].split("\t")[0].strip()
        w = unicodedata.normalize("NFC", w)
        if 2 <= len(w) <= max_len and w == w.lower() and WORD.match(w):
            out.add(w)
    if mode == "forms":
        proc.wait()
    else:
        lines.close()
    return out


def stopwords(lang):
    path = os.path.join(REPO, "languages", "stopwords", f"{lang}.txt")
    if not os.path.exists(path):
        return set()
    return {l.strip() for l in open(path, encoding="utf-8")
            if l.strip() and not l.startswith("#") and WORD.match(l.strip())}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.path.expanduser("~/.cache/garbell/hunspell"))
    ap.add_argument("--cap", type=int, default=CAP, help="dictionary forms per language")
    ap.add_argument("--max-len", type=int, default=MAX_LEN, help="longest form selected")
    ap.add_argument("--group", action="append", help="only these groups (default: all)")
    ap.add_argument("--out", default=HERE, help="output directory (experiments)")
    args = ap.parse_args()
    packages = {p for g in GROUPS.values() for _, ds in g for p, _, _ in ds} | {"hunspell-tools"}
    versions = fetch(args.work, packages)
    for group, members in GROUPS.items():
        if args.group and group not in args.group:
            continue
        forms = {}
        for lang, dics in members:
            forms[lang] = set()
            for _, dic, mode in dics:
                forms[lang] |= load(args.work, dic, mode, args.max_len)
        stops = {lang: stopwords(lang) for lang, _ in members}
        lines = []
        for lang, dics in members:
            others = set()
            for o, _ in members:
                if o != lang:
                    others |= forms[o] | stops[o]
            sw = sorted(w for w in stops[lang] - others if len(w) >= 2)
            words = sorted(forms[lang] - others - set(sw), key=lambda w: (len(w), w))[:args.cap]
            lines += [f"{lang}\t{w}\t2" for w in sw] + [f"{lang}\t{w}\t1" for w in sorted(words)]
        path = os.path.join(args.out, f"words-{group}.tsv")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(f"# garbell second-stage LID word list, group '{group}'"
                    f" (members: {' '.join(l for l, _ in members)}).\n")
            f.write("# Format: lang<TAB>word<TAB>weight. Word forms one member's dictionary"
                    " has and no other member's has.\n")
            for lang, dics in members:
                for p, dic, mode in dics:
                    f.write(f"# {lang}: Debian {p}={versions[p]} {dic} ({mode}); licence:"
                            f" {licence(args.work, p, dic)}\n")
                if stops[lang]:
                    f.write(f"# {lang}: stopwords languages/stopwords/{lang}.txt"
                            " (stopwords-iso via PyPI stopwordsiso 0.7.1, MIT), weight 2\n")
            f.write(f"# Expanded with hunspell-tools={versions['hunspell-tools']} unmunch."
                    f" CAP={args.cap} shortest forms per language, length 2..{args.max_len}.\n")
            f.write("# Generator: languages/lid/disambig/make_disambig.py (do not edit by hand)\n")
            for line in lines:
                f.write(line + "\n")
        os.replace(path + ".tmp", path)
        print(f"{path}: {len(lines)} entries")


if __name__ == "__main__":
    main()
