#!/usr/bin/env python3
"""Check the hand-written markers of markers.tsv against the other members' dictionaries: a
marker that counts for some members of a group should not occur in the words of the others. An ekavian infix for Serbian (`vreme`, `dete`) that matches Croatian or Bosnian
(ijekavian) words — `vremena` (the oblique cases are the same in all three), `budete`,
`detekcija` — pushes Croatian and Bosnian text to Serbian; this lists such collisions.

Dictionaries (Debian bookworm hunspell packages, fetched and unpacked as make_disambig.py does,
never installed): for `sc`, hr_HR and bs_BA expanded to full forms with hunspell-tools'
`unmunch`, sr_Latn_RS as its entries (stems: `unmunch` crashes on it; the Serbian dictionary also
has the ijekavian forms, so ijekavian markers "collide" with it by design); for the other groups,
make_disambig.py's dictionaries in the same form (full forms or stems) as it reads them.
Software translation catalogs and documentation (the evaluation set) are not used.

Output: one line per marker with collisions, most first:
`kind member(s) pattern: N in <other member> [examples]`.

Usage: python3 languages/lid/disambig/check_markers.py [--group sc|no|ibero|cssk]
       [--work ~/.cache/garbell/hunspell] [--min 1]
"""
from __future__ import annotations

import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_disambig import GROUPS, fetch, load  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SC = [("hr", [("hunspell-hr", "hr_HR", "forms")]), ("bs", [("hunspell-bs", "bs_BA", "forms")]),
      ("sr", [("hunspell-sr", "sr_Latn_RS", "stems")])]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.path.expanduser("~/.cache/garbell/hunspell"))
    ap.add_argument("--min", type=int, default=1, help="report markers with at least N hits")
    ap.add_argument("--group", default="sc", choices=["sc", *GROUPS])
    a = ap.parse_args()
    members = dict(SC if a.group == "sc" else GROUPS[a.group])
    os.makedirs(a.work, exist_ok=True)
    fetch(a.work, {p for dicts in members.values() for p, _, _ in dicts} | {"hunspell-tools"})
    words = {m: set().union(*(load(a.work, d, mode, max_len=40) for _, d, mode in dicts))
             for m, dicts in members.items()}
    # (kind, pattern) -> the members it counts for
    counts_for = collections.defaultdict(set)
    for line in open(os.path.join(HERE, "markers.tsv"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 4 and f[1] == a.group and f[0] in ("word", "infix", "suffix"):
            counts_for[(f[0], f[3])].add(f[2])
    rows = []
    for (kind, pat), ms in counts_for.items():
        for other, ws in sorted(words.items()):
            if other in ms:
                continue
            if kind == "word":
                hits = [w for w in ws if w == pat]
            elif kind == "infix":
                hits = [w for w in ws if pat in w]
            else:
                hits = [w for w in ws if w.endswith(pat) and len(w) >= len(pat) + 2]
            if len(hits) >= a.min:
                rows.append((len(hits), kind, "+".join(sorted(ms)), pat, other, sorted(hits)[:8]))
    for n, kind, ms, pat, other, ex in sorted(rows, key=lambda r: (-r[0], r[3], r[4])):
        print(f"{kind} {ms} {pat}: {n} in {other} {' '.join(ex)}")


if __name__ == "__main__":
    main()
