#!/usr/bin/env python3
"""Near-duplicate removal quality: garbell's dedup stages (a chain's [dedup] table, run by the
real `garbell run` binary) vs datatrove's MinHash, on labelled near-duplicate clusters.

Source text (text we did not write, provenance per document in the report):
  * pydoc plain-text renderings of the running Python's standard-library modules (PSF-2.0);
  * with `--debian DIR` (default ~/.cache/garbell/lid_eval/x, filled by
    `benches/lid_eval/build_set.py --install`): GNOME user help pages (Mallard, ~40 languages,
    CC-BY-SA 3.0) and the Debian installation guide (HTML, 14 languages, GPL-2+).
Base documents have 80-1500 words and are mutually distinct: a candidate base is dropped when
more than 20 % of its word 3-grams occur in one earlier base (untranslated help pages are
English copies in every language, pydoc pages of sibling modules share whole sections).

Clusters: about 40 % of the bases get 1-3 variants each (the rest stay singletons); a variant is
made from its base by one edit kind:
  words_05/10/20  5/10/20 % of the words replaced by words of the same language and source
  indel_10        10 % of the words deleted, as many inserted
  boiler_s/m/l    a boilerplate block of 10 / 30 / 60 % of the document's words appended; the
                  blocks are the start of one of 3 passages per language cut from documents that
                  are not bases, so the same block sits on many clusters (documents of different
                  clusters share it)
  reorder_par     paragraphs shuffled         reorder_sent   sentences shuffled
  numbers         every number changed        truncate       the last 15 % of the words cut
  typos           5 % of the words with two adjacent letters swapped
  mixed           5 % of the words replaced and a medium boilerplate block appended
The corpus (bases and variants, shuffled) is one JSONL file. Ideal removals: cluster size - 1
per cluster.

Measured per method (doc -> group of documents merged together):
  * precision = removals whose survivor is in the removed document's labelled cluster /
    removals;
  * false merges = pairs of labelled clusters that share a group (must be 0);
  * recall of ideal removals = sum over labelled clusters of (size - groups it is spread over)
    / sum of (size - 1); per edit kind: share of variants grouped with their base.
Methods: garbell with the given chain's [dedup] table (default filters/chains/dedup.toml, the
`web`/`multilingual` setting) plus any `--variant NAME=TOML` [dedup] tables, and datatrove
0.10.1's MinHash (MinhashConfig(): 5-grams, 14 x 8; its signatures, union-find over shared
bands as MinhashDedupBuckets/Cluster do; whitespace word split instead of spaCy, see below).

Usage (from the workspace root):
    python3 -m venv /tmp/ddvenv && /tmp/ddvenv/bin/pip install datatrove==0.10.1 xxhash
    cargo build --release --bin garbell
    /tmp/ddvenv/bin/python crates/dedup/scripts/eval_near_dups.py [--seed 1] [--out DIR]
        [--variant fineweb='[dedup.exact]\n[dedup.minhash]\npreset = "fineweb"']
Without datatrove installed, only garbell is evaluated.
"""
import argparse
import warnings
import collections
import glob
import html
import json
import os
import pkgutil
import platform
import pydoc
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

KINDS = ["words_05", "words_10", "words_20", "indel_10", "boiler_s", "boiler_m", "boiler_l",
         "reorder_par", "reorder_sent", "numbers", "truncate", "typos", "mixed"]
BOILER_SHARE = {"s": 0.1, "m": 0.3, "l": 0.6}
WORD_RE = re.compile(r"\w+", re.UNICODE)


# ---------------------------------------------------------------- sources

def scrub(text):
    text = re.sub(r"environ\(\{[^\n]*", "environ(...)", text)
    return re.sub(r"( at 0x| handle )[0-9a-f]+", "", text)


def pydoc_documents():
    warnings.simplefilter("ignore")
    names = sorted(
        m.name for m in pkgutil.iter_modules()
        if not m.name.startswith("_") and m.module_finder.path.startswith(sys.base_prefix)
        and "site-packages" not in m.module_finder.path
    )
    out = []
    for name in names:
        if name in {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo"}:
            continue
        try:
            text = scrub(pydoc.render_doc(__import__(name), renderer=pydoc.plaintext))
        except BaseException:  # noqa: BLE001 -- some modules fail to import; skip them
            continue
        paras = [p for p in text.split("\n\n") if p.strip() and "MODULE REFERENCE" not in p
                 and not p.startswith("FILE") and not p.startswith("Python Library Documentation")]
        out.append({"source": f"pydoc:{name}@python-{platform.python_version()}",
                    "lang": "en", "group": "pydoc", "paras": paras})
    return out


BLOCK_END = re.compile(r"</(p|title|item|td|th|li|h[1-6]|dt|dd|pre|screen|div|code)>", re.I)


def markup_paragraphs(raw):
    raw = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", raw)
    raw = BLOCK_END.sub("\n\n", raw)
    raw = re.sub(r"(?s)<[^>]*>", " ", raw)
    raw = html.unescape(raw)
    paras = []
    for p in raw.split("\n\n"):
        p = re.sub(r"\s+", " ", p).strip()
        if len(p.split()) >= 3:
            paras.append(p)
    return paras


def debian_documents(root):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "gnome-user-docs/usr/share/help/*/gnome-help/*.page"))):
        lang = path.split("/help/")[1].split("/")[0]
        if lang in {"C", "ja", "zh_CN", "ko"}:  # C is the English source; no-space scripts
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            paras = markup_paragraphs(f.read())
        out.append({"source": "deb:gnome-user-docs:" + path.split("/usr/share/")[1], "lang": lang,
                    "group": "gnome-help", "paras": paras})
    for path in sorted(glob.glob(os.path.join(
            root, "installation-guide-amd64/usr/share/doc/installation-guide-amd64/*/*.html"))):
        lang = path.split("/")[-2]
        if lang in {"ja", "zh_CN", "ko"}:
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            paras = markup_paragraphs(f.read())
        out.append({"source": "deb:installation-guide-amd64:" + path.split("/usr/share/")[1],
                    "lang": lang, "group": "install-guide", "paras": paras})
    return out


def cut(paras, max_words):
    out, n = [], 0
    for p in paras:
        w = len(p.split())
        if n + w > max_words and out:
            break
        out.append(p)
        n += w
    return "\n\n".join(out), n


def shingles(text, n=3):
    w = WORD_RE.findall(text.lower())
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def distinct_bases(cands, limit):
    """Keeps candidates sharing at most 20 % of their 3-grams with any one earlier kept base."""
    owners = collections.defaultdict(list)
    kept = []
    for d in cands:
        s = shingles(d["text"])
        if len(s) < 20:
            continue
        counts = collections.Counter(k for g in s for k in owners.get(g, ()))
        if counts and counts.most_common(1)[0][1] > 0.2 * len(s):
            continue
        k = len(kept)
        for g in s:
            owners[g].append(k)
        kept.append(d)
        if len(kept) >= limit:
            break
    return kept


# ---------------------------------------------------------------- edits

def replace_words(rng, text, frac, pool):
    words = text.split(" ")
    for i in rng.sample(range(len(words)), round(len(words) * frac)):
        words[i] = rng.choice(pool)
    return " ".join(words)


def indel(rng, text, frac, pool):
    words = text.split(" ")
    n = round(len(words) * frac)
    for i in sorted(rng.sample(range(len(words)), n), reverse=True):
        del words[i]
    for _ in range(n):
        words.insert(rng.randrange(len(words) + 1), rng.choice(pool))
    return " ".join(words)


def reorder_par(rng, text):
    paras = text.split("\n\n")
    if len(paras) < 3:
        return reorder_sent(rng, text)
    rng.shuffle(paras)
    return "\n\n".join(paras)


def reorder_sent(rng, text):
    sents = re.split(r"(?<=[.!?:;])\s+", text)
    if len(sents) < 3:
        sents = text.split("\n")
    rng.shuffle(sents)
    return " ".join(sents)


def typos(rng, text, frac):
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 4]
    for i in rng.sample(idx, min(len(idx), round(len(words) * frac))):
        w = words[i]
        j = rng.randrange(len(w) - 1)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def numbers(rng, text):
    out = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), text)
    if out == text:  # no number: change a year-like token in
        out = text + f" ({rng.randint(1990, 2030)})"
    return out


def boiler(rng, blocks, share, words):
    return " ".join(rng.choice(blocks).split()[: max(5, round(share * words))])


def make_variant(rng, kind, d, pool, boilers):
    t = d["text"]
    if kind.startswith("words_"):
        return replace_words(rng, t, int(kind[-2:]) / 100, pool)
    if kind == "indel_10":
        return indel(rng, t, 0.10, pool)
    n = len(t.split())
    if kind.startswith("boiler_"):
        return t + "\n\n" + boiler(rng, boilers, BOILER_SHARE[kind[-1]], n)
    if kind == "reorder_par":
        return reorder_par(rng, t)
    if kind == "reorder_sent":
        return reorder_sent(rng, t)
    if kind == "numbers":
        return numbers(rng, t)
    if kind == "truncate":
        w = t.split(" ")
        return " ".join(w[: round(len(w) * 0.85)])
    if kind == "typos":
        return typos(rng, t, 0.05)
    if kind == "mixed":
        return replace_words(rng, t, 0.05, pool) + "\n\n" + boiler(rng, boilers, 0.3, n)
    raise ValueError(kind)


def build_corpus(seed, n_bases, debian_root):
    rng = random.Random(seed)
    raw = pydoc_documents()
    if debian_root and os.path.isdir(debian_root):
        raw += debian_documents(debian_root)
    else:
        print(f"no Debian documents under {debian_root}: pydoc only", file=sys.stderr)
    rng.shuffle(raw)
    cands, rest = [], []
    for r in raw:
        text, n = cut(r["paras"], rng.randint(150, 1500))
        if n >= 80:
            cands.append(dict(r, text=text, words=n))
        elif n >= 20:
            rest.append(dict(r, text=text, words=n))
    # One document in five is held back from the bases: boilerplate blocks are cut from those.
    split = len(cands) // 5
    boiler_src, cands = cands[:split] + rest, cands[split:]
    bases = distinct_bases(cands, n_bases)
    pools = collections.defaultdict(list)
    for d in bases:
        pools[(d["group"], d["lang"])].extend(d["text"].split())
    by_lang = collections.defaultdict(list)
    for d in boiler_src:
        by_lang[d["lang"]].append(d)
    boilers = {}
    for lang, cand in by_lang.items():
        blocks = []
        for d in rng.sample(cand, min(3, len(cand))):
            w = " ".join(d["paras"]).split()
            if len(w) >= 40:
                blocks.append(" ".join(w[:1000]))
        if blocks:
            boilers[lang] = blocks
    fallback = [b for bl in boilers.values() for b in bl]
    docs = []
    for ci, d in enumerate(bases):
        docs.append({"id": f"c{ci}-base", "cluster": ci, "kind": "base", "lang": d["lang"],
                     "source": d["source"], "text": d["text"]})
        if rng.random() >= 0.4:
            continue
        pool = pools[(d["group"], d["lang"])]
        bl = boilers.get(d["lang"]) or fallback
        for vi in range(rng.randint(1, 3)):
            kind = rng.choice(KINDS)
            docs.append({"id": f"c{ci}-v{vi}", "cluster": ci, "kind": kind, "lang": d["lang"],
                         "source": d["source"], "text": make_variant(rng, kind, d, pool, bl)})
    rng.shuffle(docs)
    return docs


# ---------------------------------------------------------------- methods

def read_removal_list(path):
    """doc index -> survivor index, from garbell's dedup/duplicates.bin (crates/dedup records)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"GBDDUP" and data[6:7] == b"L", path
    words = struct.unpack("<I", data[12:16])[0]
    count = struct.unpack("<Q", data[-16:-8])[0]
    out = {}
    for i in range(count):
        doc, survivor, _ = struct.unpack_from("<3Q", data, 16 + i * 8 * words)
        out[doc] = survivor
    return out


def garbell_groups(docs, dedup_table, binary, work, name):
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    chain = os.path.join(d, "chain.toml")
    with open(chain, "w") as f:
        f.write(f'name = "eval-{name}"\nsteps = []\n\n{dedup_table}\n')
    corpus = os.path.join(work, "corpus.jsonl")
    out = os.path.join(d, "out")
    subprocess.run([binary, "run", "--chain", chain, "-o", out, corpus], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    surv = read_removal_list(os.path.join(out, "dedup", "duplicates.bin"))
    with open(os.path.join(out, "dedup", "completions", "cluster.json")) as f:
        stats = json.load(f)["stats"]
    return [surv.get(i, i) for i in range(len(docs))], stats


def datatrove_groups(docs):
    try:
        import datatrove.pipeline.dedup.minhash as dm
        import xxhash
    except ImportError as e:
        print(f"datatrove not available ({e}); skipping it", file=sys.stderr)
        return None

    class Whitespace:
        def word_tokenize(self, text):
            return text.split()

    # datatrove tokenizes words with spaCy for English; on its punctuation-free simplified text
    # a whitespace split yields the same words up to rare cases (and works for every language).
    dm.load_word_tokenizer = lambda language: Whitespace()
    sig = dm.MinhashDedupSignature(output_folder=tempfile.mkdtemp(), config=dm.MinhashConfig())
    # datatrove 0.10.1 passes str to xxhash, which recent xxhash releases refuse: encode first.
    sig._hash_func = lambda s: xxhash.xxh64_intdigest(s.encode("utf-8"))
    parent = list(range(len(docs)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first = {}
    for i, d in enumerate(docs):
        s = sig.get_shingles(d["text"])
        if not s.size:
            continue
        for b, band in enumerate(sig.get_signature(s)):
            key = (b, tuple(band))
            if key in first:
                ra, rb = find(first[key]), find(i)
                if ra != rb:  # the smaller index survives, as garbell's "first"
                    parent[max(ra, rb)] = min(ra, rb)
            else:
                first[key] = i
    return [find(i) for i in range(len(docs))]


# ---------------------------------------------------------------- scoring

def score(docs, groups):
    label = [d["cluster"] for d in docs]
    base_of = {d["cluster"]: i for i, d in enumerate(docs) if d["kind"] == "base"}
    removed = [i for i, g in enumerate(groups) if g != i]
    correct = sum(label[i] == label[groups[i]] for i in removed)
    members = collections.defaultdict(set)
    for i, g in enumerate(groups):
        members[g].add(label[i])
    false_pairs = sum(len(s) * (len(s) - 1) // 2 for s in members.values())
    spread = collections.defaultdict(set)
    size = collections.Counter(label)
    for i, g in enumerate(groups):
        spread[label[i]].add(g)
    ideal = sum(n - 1 for n in size.values())
    achieved = sum(size[c] - len(spread[c]) for c in size)
    per_kind = collections.defaultdict(lambda: [0, 0])
    for i, d in enumerate(docs):
        if d["kind"] == "base":
            continue
        per_kind[d["kind"]][1] += 1
        per_kind[d["kind"]][0] += groups[i] == groups[base_of[d["cluster"]]]
    return {
        "removed": len(removed),
        "precision": correct / len(removed) if removed else float("nan"),
        "false_merges": false_pairs,
        "recall": achieved / ideal if ideal else float("nan"),
        "per_kind": {k: v[0] / v[1] for k, v in sorted(per_kind.items())},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bases", type=int, default=2500, help="base documents at most")
    ap.add_argument("--debian", default=os.path.expanduser("~/.cache/garbell/lid_eval/x"))
    ap.add_argument("--binary", default="target/release/garbell")
    ap.add_argument("--chain", default="filters/chains/dedup.toml",
                    help="chain whose [dedup] table is evaluated as `garbell`")
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME=TOML: another [dedup] table to evaluate")
    ap.add_argument("--no-datatrove", action="store_true")
    ap.add_argument("--out", default=None, help="directory for corpus.jsonl and report.json")
    args = ap.parse_args()

    work = args.out or tempfile.mkdtemp(prefix="garbell-near-dups-")
    os.makedirs(work, exist_ok=True)
    docs = build_corpus(args.seed, args.bases, args.debian)
    with open(os.path.join(work, "corpus.jsonl"), "w") as f:
        for d in docs:
            f.write(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n")
    with open(os.path.join(work, "labels.jsonl"), "w") as f:
        for d in docs:
            f.write(json.dumps({k: d[k] for k in ("id", "cluster", "kind", "lang", "source")})
                    + "\n")
    with open(args.chain) as f:
        text = f.read()
    dedup_table = text[re.search(r"^\[dedup", text, re.M).start():]
    methods = {"garbell": dedup_table}
    for v in args.variant:
        name, table = v.split("=", 1)
        methods[name] = table.replace("\\n", "\n")
    results = {}
    for name, table in methods.items():
        groups, stats = garbell_groups(docs, table, os.path.abspath(args.binary), work, name)
        results[name] = score(docs, groups)
        results[name]["cluster_stats"] = stats
    if not args.no_datatrove:
        g = datatrove_groups(docs)
        if g is not None:
            results["datatrove"] = score(docs, g)
    langs = collections.Counter(d["lang"] for d in docs if d["kind"] == "base")
    kinds = collections.Counter(d["kind"] for d in docs)
    print(f"{len(docs)} documents, {len(langs)} languages, "
          f"{sum(1 for d in docs if d['kind'] == 'base')} clusters, "
          f"{len(docs) - len(langs and [d for d in docs if d['kind'] == 'base'])} variants")
    names = list(results)
    print(f"{'':<14}" + "".join(f"{n:>14}" for n in names))
    for key in ["removed", "precision", "false_merges", "recall"]:
        print(f"{key:<14}" + "".join(f"{results[n][key]:>14.4f}" if isinstance(results[n][key], float)
                                     else f"{results[n][key]:>14}" for n in names))
    for k in KINDS:
        print(f"  {k:<12}" + "".join(f"{results[n]['per_kind'].get(k, float('nan')):>14.3f}"
                                     for n in names) + f"   (n={kinds[k]})")
    report = {"seed": args.seed, "documents": len(docs), "languages": dict(langs),
              "kinds": dict(kinds), "python": platform.python_version(), "methods": methods,
              "results": results}
    with open(os.path.join(work, "report.json"), "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    print(f"report: {os.path.join(work, 'report.json')}")


if __name__ == "__main__":
    main()
