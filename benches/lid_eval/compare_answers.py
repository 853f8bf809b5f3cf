#!/usr/bin/env python3
"""Compare the answers of two `garbell lid` binaries on a set built by build_set.py.

Prints how many answers changed, and per change gold -> before -> after (counts), so that a
rule can be checked to change only what it is meant to change. With --show, prints the texts of
the changed items (use on the dev half only when choosing; see docs/lid.md "what was seen when").
With --errors LANG, instead lists the items answered LANG by the first binary whose gold is
another language (false positives), with their text.

  python3 benches/lid_eval/compare_answers.py ~/.cache/garbell/lid_eval/docs.jsonl \
      --split dev --before target/release/garbell.before --after target/release/garbell
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import REPO, gold_of, package_half  # noqa: E402


def answers(binary, texts, extra=()):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
        path = f.name
    try:
        r = subprocess.run([binary, "lid", path, *extra], capture_output=True, text=True,
                           check=True)
    finally:
        os.unlink(path)
    out = {}
    for line in r.stdout.splitlines():
        if line.strip():
            o = json.loads(line)
            out[o["id"]] = (o["lang"], o.get("score"))
    return [out.get(str(i), ("other", 0.0)) for i in range(len(texts))]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set")
    ap.add_argument("--split", choices=["all", "dev", "test"], default="all")
    ap.add_argument("--before", default=os.path.join(REPO, "target", "release",
                                                     "garbell.before"))
    ap.add_argument("--after", default=os.path.join(REPO, "target", "release", "garbell"))
    ap.add_argument("--show", action="store_true", help="print the changed items' texts")
    ap.add_argument("--errors", metavar="LANG",
                    help="list the --before binary's false positives for LANG (with text)")
    ap.add_argument("--max-chars", type=int, default=400)
    args = ap.parse_args()
    items = [json.loads(l) for l in open(args.set, encoding="utf-8") if l.strip()]
    if args.split != "all":
        items = [it for it in items if package_half(it) == (0 if args.split == "dev" else 1)]
    texts = [it["text"] for it in items]
    gold = [gold_of(it["lang"]) for it in items]
    before = answers(args.before, texts)
    if args.errors:
        n = 0
        for it, g, (a, s) in zip(items, gold, before):
            if a == args.errors and g != a:
                n += 1
                print(f"--- gold {g}, answered {a} {s:.3f}, {it['source']}")
                print(it["text"][:args.max_chars])
        print(f"\n{n} items answered {args.errors} with another gold language")
        return
    after = answers(args.after, texts)
    changes = collections.Counter()
    fixed = broken = 0
    for it, g, (b, _), (a, s) in zip(items, gold, before, after):
        if a == b:
            continue
        changes[(g, b, a)] += 1
        fixed += a == g
        broken += b == g
        if args.show:
            print(f"--- gold {g}: {b} -> {a} ({s:.3f}), {it['source']}")
            print(it["text"][:args.max_chars])
    total = sum(changes.values())
    print(f"{len(items)} items, {total} answers changed: {fixed} now right, {broken} now wrong")
    for (g, b, a), c in changes.most_common():
        print(f"  gold {g}: {b} -> {a}  {c}")


if __name__ == "__main__":
    main()
