#!/usr/bin/env python3
"""Per-language `lid.threshold` values for `filter_language`, from measured score distributions.

FineWeb-2 (Penedo et al. 2025, "FineWeb2: One Pipeline to Scale Them All") replaced the single
LID threshold of FineWeb with one per language, set from the distribution of the language-ID
confidence of each language's documents: a language whose correct documents score low (a close
neighbour takes part of its probability) gets a lower threshold, a language that is rarely
confused a higher one. We do the same with garbell's own scores (lid.176 + the second stage,
the default `identify_language`), measured on the **dev half** of `benches/lid_eval`'s
documents (real translated text, packages with an even CRC-32; the test half is left for the
check):

1. For each language L, the scores of the documents of gold L answered L.
2. t(L) = their `--quantile` (default 0.05) value, rounded down to 0.01: 95 % of the correct
   dev documents pass, a margin over the bar of 90 % for text we have not seen.
3. Precision: of the documents answered L with score >= t(L), the share whose gold is L
   (decision 1 of issue 24: Bosnian counts as `sh`; gold `sh` answered hr or sr is left out of
   hr's and sr's counts). Below `--min-precision` (0.99), t(L) is raised to the lowest value
   that reaches it (at most `--raise-to`, 0.95), as long as at least `--min-pass` (0.90) of
   the correct documents still pass; the script says so when both cannot hold.
4. Step 2's value is kept within [`--floor`, `--ceiling`] = [0.30, 0.65]: 0.65 (datatrove's
   `LanguageFilter` default, FineWeb) stays the highest threshold unless precision needs more;
   0.30 the lowest, below which a score says the text is not in any one language.

The values are written into `languages/<iso>.toml` (`[lid] threshold`, after `# BEGIN derived
lid threshold` / `# END` comment lines that give the figures they came from).

    cargo build --release -p garbell --bin garbell
    python3 languages/lid/derive_thresholds.py ~/.cache/garbell/lid_eval/docs.jsonl --write
    python3 languages/lid/derive_thresholds.py ~/.cache/garbell/lid_eval/docs.jsonl \\
        --check test          # the pass rates and precision the written thresholds give
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import zlib

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LANGS35 = ("bg ca cs cy da de el en es et eu fi fr ga gl hr hu it lt lv mt nl nn no oc "
           "pl pt ro ru sh sk sl sr sv uk").split()
SC = {"hr", "sr", "sh"}
BEGIN = "# BEGIN derived lid threshold"
END = "# END derived lid threshold"


def gold_of(lang):
    if lang in ("bs", "cnr"):
        return "sh"
    return lang if lang in LANGS35 else "other"


def half(item) -> int:
    package = item["source"].split(":")[1].split("=")[0]
    return zlib.crc32(package.encode()) % 2


def answers(items, binary):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for i, it in enumerate(items):
            f.write(json.dumps({"id": i, "text": it["text"]}, ensure_ascii=False) + "\n")
        path = f.name
    try:
        r = subprocess.run([binary, "lid", path], capture_output=True, text=True, check=True)
    finally:
        os.unlink(path)
    out = {}
    for line in r.stdout.splitlines():
        o = json.loads(line)
        out[o["id"]] = (o["lang"], float(o["score"] or 0.0))
    return [out.get(i, ("other", 0.0)) for i in range(len(items))]


def counts(gold, ans, lang, t):
    """(correct documents of `lang`, those passing t, documents answered `lang` passing t,
    of which correct), under decision 1."""
    correct = [s for g, (a, s) in zip(gold, ans) if g == lang and a == lang]
    passing = sum(s >= t for s in correct)
    answered = [(g, s) for g, (a, s) in zip(gold, ans)
                if a == lang and s >= t and not (g == "sh" and lang in ("hr", "sr"))]
    return len(correct), passing, len(answered), sum(g == lang for g, _ in answered)


def derive(gold, ans, lang, a):
    scores = sorted(s for g, (x, s) in zip(gold, ans) if g == lang and x == lang)
    if not scores:
        return None, "no correct documents"
    q = scores[min(len(scores) - 1, int(math.floor(a.quantile * len(scores))))]
    t = max(a.floor, min(a.ceiling, math.floor(q * 100) / 100))
    n, p, m, ok = counts(gold, ans, lang, t)
    note = ""
    if m and ok / m < a.min_precision:
        for cand in [x / 100 for x in range(int(t * 100) + 1, int(a.raise_to * 100) + 1)]:
            n2, p2, m2, ok2 = counts(gold, ans, lang, cand)
            if p2 < a.min_pass * n2:
                note = f"precision {ok / m:.3f} < {a.min_precision} and cannot be raised " \
                       f"without passing under {a.min_pass:.0%}"
                break
            if not m2 or ok2 / m2 >= a.min_precision:
                t = cand
                note = f"raised for precision >= {a.min_precision}"
                break
        else:
            note = f"precision {ok / m:.3f} < {a.min_precision} even at {a.raise_to}"
    return t, note


def write_threshold(lang, t, lines):
    path = os.path.join(REPO, "languages", f"{lang}.toml")
    text = open(path, encoding="utf-8").read()
    # The END line stands above the key: a comment after the last key of a file is the
    # document's trailing comment, which `garbell tune --write` keeps after tables it appends.
    text = re.sub(rf"\n{re.escape(BEGIN)}.*?{re.escape(END)}\nthreshold = [^\n]*\n", "\n", text,
                  flags=re.S)
    block = "\n".join([BEGIN, *[f"# {l}" for l in lines], END, f"threshold = {t:.2f}"])
    m = re.search(r"^\[lid\]\n(?:(?!^\[).*\n)*?labels = .*\n", text, flags=re.M)
    if not m:
        sys.exit(f"{path}: no [lid] labels line")
    text = text[:m.end()] + block + "\n" + text[m.end():]
    tomllib.loads(text)  # still valid TOML
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("docs", help="benches/lid_eval docs.jsonl")
    ap.add_argument("--garbell", default=os.path.join(REPO, "target", "release", "garbell"))
    ap.add_argument("--quantile", type=float, default=0.05)
    ap.add_argument("--min-precision", type=float, default=0.99)
    ap.add_argument("--min-pass", type=float, default=0.90)
    ap.add_argument("--floor", type=float, default=0.30)
    ap.add_argument("--ceiling", type=float, default=0.65)
    ap.add_argument("--raise-to", type=float, default=0.95,
                    help="the highest threshold the precision step may raise to")
    ap.add_argument("--write", action="store_true", help="write languages/<iso>.toml")
    ap.add_argument("--check", choices=["dev", "test", "all"],
                    help="measure the thresholds written in languages/*.toml on this half")
    ap.add_argument("--clean", action="store_true",
                    help="leave out the items benches/lid_eval/label_noise.py calls label "
                         "noise (issue 24, decision 2: rule 1 or 2; text and gold label only)")
    a = ap.parse_args()
    items = [json.loads(l) for l in open(a.docs, encoding="utf-8") if l.strip()]
    which = a.check or "dev"
    if which != "all":
        items = [it for it in items if half(it) == (0 if which == "dev" else 1)]
    if a.clean:
        sys.path.insert(0, os.path.join(REPO, "benches", "lid_eval"))
        from label_noise import is_label_noise
        before = len(items)
        items = [it for it in items if not is_label_noise(it["text"], it["lang"])]
        print(f"--clean: {before - len(items)} label-noise items left out")
    gold = [gold_of(it["lang"]) for it in items]
    ans = answers(items, a.garbell)
    print(f"{len(items)} documents ({which} half)")
    print(f"{'lang':5}{'thr':>6}{'correct':>8}{'pass':>7}{'prec':>7}  note")
    worst_pass, worst_prec = (1.0, ""), (1.0, "")
    for lang in LANGS35:
        if a.check:
            prof = tomllib.load(open(os.path.join(REPO, "languages", f"{lang}.toml"), "rb"))
            t = prof.get("lid", {}).get("threshold")
            if t is None:
                t = tomllib.load(open(os.path.join(REPO, "languages", "_defaults.toml"),
                                      "rb"))["lid"]["threshold"]
            note = ""
        else:
            t, note = derive(gold, ans, lang, a)
            if t is None:
                print(f"{lang:5}{'-':>6}  {note}")
                continue
        n, p, m, ok = counts(gold, ans, lang, t)
        pr = ok / m if m else 1.0
        print(f"{lang:5}{t:6.2f}{n:8d}{p / max(n, 1):7.3f}{pr:7.3f}  {note}")
        if n:
            worst_pass = min(worst_pass, (p / n, lang))
        worst_prec = min(worst_prec, (pr, lang))
        if a.write:
            write_threshold(lang, t, [
                "Derived by languages/lid/derive_thresholds.py (FineWeb-2-style per-language",
                "threshold): the 5 % quantile of garbell's scores, within [0.30, 0.65], on the",
                "dev-half documents of" + (" (label noise left out, --clean)" if a.clean else ""),
                f"benches/lid_eval answered {lang} correctly ({n} documents; {p / max(n, 1):.1%} pass,",
                f"precision of what passes {pr:.3f}){'; ' + note if note else ''}.",
            ])
    print(f"lowest pass rate {worst_pass[0]:.3f} ({worst_pass[1]}), "
          f"lowest precision {worst_prec[0]:.3f} ({worst_prec[1]})")


if __name__ == "__main__":
    main()
