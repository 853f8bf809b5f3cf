#!/usr/bin/env python3
"""Near-duplicate detection quality of garbell's MinHash (and SimHash) vs datatrove's MinHash.

Builds a labelled set of document pairs from text we did not write -- the plain-text pydoc
rendering of Python standard-library modules (Python Software Foundation License; provenance
is recorded per document: module name, Python version) -- with controlled edits:
5/10/20/40 % of words replaced by words drawn from other documents, an added boilerplate
paragraph, reordered paragraphs, and unrelated pairs (two different modules).

For each edit level it reports the detection rate (recall) and the pairwise precision against
an equal number of unrelated pairs, for
  * garbell MinHash, 14 x 8 bands, 5-grams (examples/pairs.rs, default config),
  * garbell SimHash, Hamming distance <= 3,
  * datatrove 0.10.1 MinhashDedupSignature with the same parameters (MinhashConfig()).
datatrove's English word tokenizer needs spaCy; it is replaced by a whitespace split, which is
what spaCy yields on datatrove's punctuation-free simplified text up to rare cases.

Usage (from the workspace root):
    python3 -m venv /tmp/ddvenv
    /tmp/ddvenv/bin/pip install datatrove==0.10.1 regex xxhash nltk tokenizers
    cargo build --release -p garbell-dedup --example pairs
    /tmp/ddvenv/bin/python crates/dedup/scripts/eval_near_dups.py [--pairs 200] [--out DIR]
Without datatrove installed, only garbell is evaluated.
"""
import argparse
import json
import os
import pkgutil
import platform
import pydoc
import random
import re
import subprocess
import sys
import tempfile

BOILERPLATE = (
    "We use cookies to improve your experience on our website. By continuing to browse you "
    "agree to our use of cookies. Read our privacy policy and terms of service for details. "
    "Subscribe to our newsletter to receive the latest updates."
)
LEVELS = ["words_05", "words_10", "words_20", "words_40", "boilerplate", "reordered"]


def stdlib_documents(min_words, max_words, limit):
    """Plain-text pydoc renderings of stdlib modules, cut to at most max_words words."""
    docs = []
    names = sorted(
        m.name for m in pkgutil.iter_modules()
        if not m.name.startswith("_") and m.module_finder.path.startswith(sys.base_prefix)
        and "site-packages" not in m.module_finder.path
    )
    for name in names:
        if len(docs) >= limit:
            break
        if name in {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo"}:
            continue
        try:
            mod = __import__(name)
            text = pydoc.render_doc(mod, renderer=pydoc.plaintext)
            # Default arguments such as cgi's environ=os.environ would copy the environment
            # into the corpus; object addresses change between runs.
            text = re.sub(r"environ\(\{[^\n]*", "environ(...)", text)
            text = re.sub(r"( at 0x| handle )[0-9a-f]+", "", text)
        except BaseException:  # noqa: BLE001 -- some modules fail to import; skip them
            continue
        # Drop the header block naming the file and the docs.python.org location.
        paras = [p for p in text.split("\n\n") if p.strip() and "MODULE REFERENCE" not in p
                 and not p.startswith("FILE") and not p.startswith("Python Library Documentation")]
        out, count = [], 0
        for p in paras:
            w = len(p.split())
            if count + w > max_words:
                break
            out.append(p)
            count += w
        if count >= min_words:
            docs.append({"module": name, "text": "\n\n".join(out), "words": count})
    return docs


def replace_words(rng, text, fraction, pool):
    words = text.split()
    n = round(len(words) * fraction)
    for i in rng.sample(range(len(words)), n):
        words[i] = rng.choice(pool)
    return " ".join(words)


def reorder(rng, text):
    paras = text.split("\n\n")
    if len(paras) < 2:
        lines = text.split("\n")
        rng.shuffle(lines)
        return "\n".join(lines)
    rng.shuffle(paras)
    return "\n\n".join(paras)


def build_pairs(docs, per_level, seed):
    rng = random.Random(seed)
    pool = [w for d in docs for w in d["text"].split()]
    pairs = []
    for level in LEVELS:
        for k in range(per_level):
            d = docs[rng.randrange(len(docs))]
            t = d["text"]
            if level.startswith("words_"):
                b = replace_words(rng, t, int(level[-2:]) / 100, pool)
            elif level == "boilerplate":
                b = t + "\n\n" + BOILERPLATE
            else:
                b = reorder(rng, t)
            pairs.append({"id": f"{level}-{k}", "level": level, "module_a": d["module"],
                          "module_b": d["module"], "a": t, "b": b})
    for k in range(per_level):
        i, j = rng.sample(range(len(docs)), 2)
        pairs.append({"id": f"unrelated-{k}", "level": "unrelated", "module_a": docs[i]["module"],
                      "module_b": docs[j]["module"], "a": docs[i]["text"], "b": docs[j]["text"]})
    return pairs


def garbell_scores(pairs, binary):
    inp = "".join(json.dumps({"id": p["id"], "a": p["a"], "b": p["b"]}) + "\n" for p in pairs)
    out = subprocess.run([binary], input=inp, capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        r = json.loads(line)
        d = r["simhash_distance"]
        res[r["id"]] = {"garbell_minhash": r["minhash_candidate"],
                        "garbell_simhash_k3": d is not None and d <= 3}
    return res


def datatrove_scores(pairs):
    try:
        import datatrove.pipeline.dedup.minhash as dm
    except ImportError as e:
        print(f"datatrove not available ({e}); skipping it", file=sys.stderr)
        return None

    class Whitespace:
        def word_tokenize(self, text):
            return text.split()

    dm.load_word_tokenizer = lambda language: Whitespace()
    sig = dm.MinhashDedupSignature(output_folder=tempfile.mkdtemp(), config=dm.MinhashConfig())
    # Recent `xxhash` releases refuse str input, which datatrove 0.10.1 passes: encode first.
    import xxhash

    sig._hash_func = lambda s: xxhash.xxh64_intdigest(s.encode("utf-8"))
    res = {}
    for p in pairs:
        sa, sb = sig.get_shingles(p["a"]), sig.get_shingles(p["b"])
        hit = False
        if sa.size and sb.size:
            ba, bb = sig.get_signature(sa), sig.get_signature(sb)
            hit = any(x == y for x, y in zip(ba, bb))
        res[p["id"]] = hit
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=200, help="pairs per edit level")
    ap.add_argument("--docs", type=int, default=400, help="stdlib modules to use at most")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--binary", default="target/release/examples/pairs")
    ap.add_argument("--out", default=None, help="directory for pairs.jsonl and report.json")
    args = ap.parse_args()

    docs = stdlib_documents(150, 600, args.docs)
    pairs = build_pairs(docs, args.pairs, args.seed)
    scores = garbell_scores(pairs, args.binary)
    dt = datatrove_scores(pairs)
    for p in pairs:
        if dt is not None:
            scores[p["id"]]["datatrove_minhash"] = dt[p["id"]]
    methods = sorted(next(iter(scores.values())).keys())
    report = {
        "source": {"kind": "pydoc plain-text rendering of Python stdlib modules",
                   "python": platform.python_version(), "licence": "PSF-2.0",
                   "modules": len(docs), "modules_list": [d["module"] for d in docs]},
        "pairs_per_level": args.pairs, "seed": args.seed, "levels": {},
    }
    fp = {m: sum(scores[p["id"]][m] for p in pairs if p["level"] == "unrelated") for m in methods}
    print(f"{len(docs)} stdlib modules, {args.pairs} pairs per level")
    print(f"{'level':<12}" + "".join(f"{m + ' R/P':>28}" for m in methods))
    for level in LEVELS + ["unrelated"]:
        row = {}
        ids = [p["id"] for p in pairs if p["level"] == level]
        line = f"{level:<12}"
        for m in methods:
            tp = sum(scores[i][m] for i in ids)
            if level == "unrelated":
                row[m] = {"false_positive_rate": tp / len(ids)}
                line += f"{'fp ' + format(tp / len(ids), '.3f'):>28}"
            else:
                prec = tp / (tp + fp[m]) if tp + fp[m] else float("nan")
                row[m] = {"recall": tp / len(ids), "precision": prec}
                line += f"{format(tp / len(ids), '.3f') + ' / ' + format(prec, '.3f'):>28}"
        report["levels"][level] = row
        print(line)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "pairs.jsonl"), "w") as f:
            for p in pairs:
                f.write(json.dumps(p) + "\n")
        with open(os.path.join(args.out, "report.json"), "w") as f:
            json.dump(report, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
