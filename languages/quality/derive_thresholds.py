#!/usr/bin/env python3
"""Derives per-language quality thresholds, FineWeb-2 style (Penedo et al. 2025, "FineWeb2: One
Pipeline to Scale Them All", section 4: thresholds adapted per language from the distribution of
each signal on reference text), and writes them as `[quality.<step>]` tables between the
`# BEGIN derived quality thresholds` / `# END derived quality thresholds` markers of
`languages/<iso>.toml`.

Reference text: the gettext message catalogs installed under /usr/share/locale (Debian packages:
GTK, GLib, coreutils, bash, findutils, diffutils, Linux-PAM, ...; GPL/LGPL translations, used
here only to measure, nothing is copied into the repository). Each catalog is a *parallel*
corpus: every translated message sits next to its English original, so a language is compared
with English on the same messages (the "ratio to English" form of FineWeb-2's threshold
transfer), which cancels the bias of UI text (short, technical) that absolute values would have.
Catalogs of names (iso_639*, iso_3166*, iso_4217, iso_15924) are skipped; placeholders
(`%s`, `{0}`, `$1`), accelerators (`_`, `&`) and markup are removed; only messages whose
English side has at least 4 words are used.

Per language L, over its paired messages:
- r_len  = mean word length of L / mean word length of the English originals (token-weighted).
  Gopher's word-length bounds are English facts (3..10 characters); for L they become
  3*r_len .. 10*r_len, written when |r_len - 1| >= 0.08.
- r_words = words of L / words of English. Gopher's `min_doc_words` = 50 becomes 50*r_words
  when |r_words - 1| >= 0.10 (agglutinative languages say the same in fewer words).
- r_bytes = UTF-8 bytes per character of L / of English. OSCAR's short line is < 100 bytes,
  which for a Greek or Cyrillic line is < ~55 characters; `short_line_bytes` becomes
  100*r_bytes when r_bytes >= 1.2, so the warnings mean the same line length in every script.
- stopwords: pseudo-documents of >= 50 words are built from consecutive messages of each side;
  p_EN = share of English pseudo-documents with >= 2 distinct English stopwords
  (languages/stopwords/en.txt). For L, `min_stop_words` is the largest m <= 2 whose pass share
  on L's pseudo-documents (with languages/stopwords/<L>.txt) is within 5 points of p_EN; when
  even m = 1 is not, the stopword rule is switched off for L (min_stop_words = 0) — the
  language's list is too thin to tell prose from non-prose.

Languages with fewer than 300 usable pairs keep the English defaults and get a comment saying so
(mt has no catalog on Debian). sh is measured on sr@latin, no on nb.

    python3 languages/quality/derive_thresholds.py [--locale-dir /usr/share/locale] [--dry-run] [--force]

Writes languages/quality/derived.json (the measurements) and the language files.
"""
import argparse
import gettext
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LANGS_DIR = os.path.dirname(HERE)
LANGS = "bg ca cs cy da de el en es et eu fi fr ga gl hr hu it lt lv mt nl nn no oc pl pt ro ru sh sk sl sr sv uk".split()
LOCALE_OF = {"no": ["nb", "no"], "sh": ["sr@latin"], "pt": ["pt"]}
SKIP = re.compile(r"^(iso_|iso-)")
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
PLACEHOLDER = re.compile(r"%(\d+\$)?[-+ #0]*\d*(\.\d+)?[hlLqjzt]*[diouxXeEfFgGcrsap%]|\{[^}]*\}|\$\d+|<[^>]+>|&[a-z]+;")
BEGIN, END = "# BEGIN derived quality thresholds", "# END derived quality thresholds"
MIN_PAIRS = 300


def clean(s):
    s = PLACEHOLDER.sub(" ", s)
    s = s.replace("_", "").replace("&", "")
    return s


def words(s):
    return WORD.findall(s)


def load_pairs(locale_dir, loc):
    d = os.path.join(locale_dir, loc, "LC_MESSAGES")
    pairs = []
    if not os.path.isdir(d):
        return pairs
    for name in sorted(os.listdir(d)):
        if not name.endswith(".mo") or SKIP.match(name):
            continue
        try:
            with open(os.path.join(d, name), "rb") as f:
                cat = gettext.GNUTranslations(f)._catalog
        except Exception as e:  # a damaged catalog is skipped, not fatal
            print(f"skip {loc}/{name}: {e}", file=sys.stderr)
            continue
        for k in sorted(cat, key=str):
            v = cat[k]
            if isinstance(k, tuple):  # plural forms: (msgid, n)
                if k[1] != 0:
                    continue
                k = k[0]
            if not k or not v or k == v:
                continue
            en, tr = clean(k), clean(v)
            if len(words(en)) >= 4 and words(tr):
                pairs.append((en, tr))
    return pairs


def stopwords(lang):
    p = os.path.join(LANGS_DIR, "stopwords", f"{lang}.txt")
    if not os.path.exists(p):
        return None
    with open(p, encoding="utf-8") as f:
        return {w.strip() for w in f if w.strip() and not w.startswith("#")}


def pseudo_docs(texts, min_words=50):
    cur = []
    for t in texts:
        cur.extend(w.lower() for w in words(t))
        if len(cur) >= min_words:
            yield cur
            cur = []


def pass_share(texts, sw, m):
    docs = list(pseudo_docs(texts))
    if not docs:
        return 0.0
    return sum(len({w for w in d if w in sw}) >= m for d in docs) / len(docs)


def measure(lang, pairs, en_sw):
    en_w = [w for e, _ in pairs for w in words(e)]
    tr_w = [w for _, t in pairs for w in words(t)]
    mean = lambda ws: sum(len(w) for w in ws) / len(ws)
    bpc = lambda ss: sum(len(s.encode()) for s in ss) / max(1, sum(len(s) for s in ss))
    en_txt = [WORD.sub(lambda m: m.group(0), e) for e, _ in pairs]
    tr_txt = [t for _, t in pairs]
    r = {
        "pairs": len(pairs),
        "en_mean_word_len": round(mean(en_w), 3),
        "mean_word_len": round(mean(tr_w), 3),
        "r_len": round(mean(tr_w) / mean(en_w), 3),
        "r_words": round(len(tr_w) / len(en_w), 3),
        "r_bytes": round(bpc(tr_txt) / bpc(en_txt), 3),
    }
    sw = stopwords(lang)
    p_en = pass_share(en_txt, en_sw, 2)
    r["p_en_2"] = round(p_en, 3)
    if sw is not None:
        shares = {m: pass_share(tr_txt, sw, m) for m in (1, 2)}
        r["p_2"], r["p_1"] = round(shares[2], 3), round(shares[1], 3)
        r["min_stop_words"] = 2 if shares[2] >= p_en - 0.05 else 1 if shares[1] >= p_en - 0.05 else 0
    return r


def tables(lang, m):
    """The `[quality.<step>]` lines for `lang` from its measurements `m`."""
    out = []
    src = f"{m['pairs']} message pairs"
    gq = []
    if abs(m["r_len"] - 1) >= 0.08:
        gq.append(f"# words are {m['r_len']:.2f}x as long as English on the same messages ({src}):\n"
                  f"# Gopher's 3..10 characters scaled by that ratio")
        gq.append(f"min_avg_word_length = {round(3 * m['r_len'], 1)}")
        gq.append(f"max_avg_word_length = {round(10 * m['r_len'], 1)}")
    if abs(m["r_words"] - 1) >= 0.10:
        gq.append(f"# {m['r_words']:.2f} words per English word: Gopher's 50-word minimum scaled")
        gq.append(f"min_doc_words = {round(50 * m['r_words'])}")
    if "min_stop_words" in m and m["min_stop_words"] != 2:
        gq.append(f"# stopword list: {m['p_2']:.0%} of 50-word pseudo-documents have 2 distinct stopwords,\n"
                  f"# {m['p_1']:.0%} have 1 (English: {m['p_en_2']:.0%} have 2)")
        gq.append(f"min_stop_words = {m['min_stop_words']}")
    if gq:
        out.append("[quality.filter_gopher_quality]")
        out.extend(gq)
    if m["r_bytes"] >= 1.2:
        out.append("")
        out.append("[quality.annotate_oscar]")
        out.append(f"# {m['r_bytes']:.2f} UTF-8 bytes per character of English: OSCAR's 100-byte short line scaled")
        out.append(f"short_line_bytes = {round(100 * m['r_bytes'])}")
    return out


def write(lang, lines, dry, force=False):
    path = os.path.join(LANGS_DIR, f"{lang}.toml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    head = ("# Derived by languages/quality/derive_thresholds.py (FineWeb-2-style transfer of the English\n"
            "# thresholds, measured on the Debian gettext catalogs as parallel text; see that script).")
    block = "\n".join([BEGIN, head] + lines + [END]) + "\n"
    if BEGIN in text:
        pre, rest = text.split(BEGIN, 1)
        old_block, post = rest.split(END, 1)
        post = post.lstrip("\n")
        # Keys someone added inside the block (by hand, or `garbell tune --write` into one of its
        # tables) would be lost: keep the file and say so unless --force.
        keys = lambda t: {l.split("=")[0].strip() for l in t.splitlines() if "=" in l and not l.lstrip().startswith("#")}
        extra = keys(old_block) - keys(block)
        if extra and not force:
            print(f"{path}: keys {sorted(extra)} in the derived block were not written by this script; "
                  "file left as is (move them out of the block, or --force)", file=sys.stderr)
            return
        new = pre + block + post
    else:
        new = text.rstrip("\n") + "\n\n" + block
    if dry:
        print(f"--- {path}\n{block}")
    elif new != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--locale-dir", default="/usr/share/locale")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--force", action="store_true", help="overwrite derived blocks that hold other keys")
    a = ap.parse_args()
    en_sw = stopwords("en")
    results = {}
    for lang in LANGS:
        if lang == "en":
            continue
        pairs = []
        for loc in LOCALE_OF.get(lang, [lang]):
            pairs.extend(load_pairs(a.locale_dir, loc))
        if len(pairs) < MIN_PAIRS:
            results[lang] = {"pairs": len(pairs)}
            lines = [f"# Only {len(pairs)} message pairs on Debian: English defaults kept."]
        else:
            results[lang] = measure(lang, pairs, en_sw)
            lines = tables(lang, results[lang]) or ["# Measured close to English: defaults kept."]
        write(lang, lines, a.dry_run, a.force)
        print(lang, json.dumps(results[lang]))
    if not a.dry_run:
        with open(os.path.join(HERE, "derived.json"), "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
