#!/usr/bin/env python3
"""Score language identifiers on a set built by build_set.py.

Tools (each answer mapped to garbell's 35 codes, anything else -> "other"):
  garbell    `garbell lid FILE` (the binary; --garbell PATH), answers used as they are
             (lid.176 + the second stage); `garbell-restrict` with --restrict (allowed
             label set), `garbell-lid176` with --first-stage-only (lid.176 alone),
             `garbell-no-ngrams` with --no-ngrams (groups and markers, no n-gram profiles)
  fasttext   lid.176.ftz through the Python fastText bindings (fasttext-predict or
             fasttext-wheel), text with newlines replaced by spaces, top-1 label mapped
             through the `[lid] labels` of languages/<code>.toml (so __label__nb -> no is
             NOT applied: lid.176 has __label__no; __label__bs -> other)
  langid     langid.py (pip `langid`), full 97-language model; nb -> no, bs -> other
  pycld2     pycld2.detect (pip `pycld2`), top-1 language code; nb/no -> no, nn -> nn,
             bs and sr-ME (Montenegrin) -> other, un/xx -> other
  heliport   HPLT's heliport (pip `heliport`: HeLI-OTS n-gram models, Rust), top-1 without
             confidence thresholds; ISO 639-3 answers mapped to the 35 codes; it answers
             `hbs` for all of Serbo-Croatian (-> sh)
  garbell2   crates/lid/examples/lid2: lid.176 top-5 + garbell_lid::Disambiguator (the
             second stage for confusable groups); `garbell2-merge` with --sh merge
  lid176     the same binary with --no-refine (lid.176 top-1 alone, same harness: the
             throughput baseline for garbell2)
Gold labels: the set's `lang`; Bosnian ("bs") and Montenegrin ("cnr") are scored as gold "sh"
(issue 24, decision 1: they land in Salamandra's Serbo-Croatian bucket).

Metrics per tool: accuracy; per-language precision/recall/F1; macro-F1 over the 34
languages other than sh (a language with no items in the set still counts, with F1 0 --
see --skip-empty); for the hr and sr F1, items whose gold is sh (bs, cnr) and whose answer
is in the group (hr, sr, sh) are left out (decision 1); the minimum per-language F1 and its
language; English precision; Serbo-Croatian group accuracy over items whose gold is
hr/sr/sh/bs/cnr (correct if the answer is hr, sr or sh); throughput in docs/s (garbell: wall time of the process minus
the wall time of a one-document run, i.e. without start-up/model load; Python tools:
prediction loop only); the top-10 confusion pairs gold->answer.

Usage:
  python3 benches/lid_eval/evaluate.py ~/.cache/garbell/lid_eval/docs.jsonl \
      [--tools garbell,fasttext,langid,pycld2] [--garbell target/release/garbell] \
      [--model languages/lid/lid.176.ftz] [--json out.json] [--install]
`--install` pip-installs langid, pycld2, heliport and fasttext-predict.
"""
from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
import zlib

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LANGS35 = ("bg ca cs cy da de el en es et eu fi fr ga gl hr hu it lt lv mt nl nn no oc "
           "pl pt ro ru sh sk sl sr sv uk").split()
MACRO = [l for l in LANGS35 if l != "sh"]
SC = {"hr", "sr", "sh"}


def gold_of(lang):
    if lang in ("bs", "cnr"):
        return "sh"
    return lang if lang in LANGS35 else "other"


def map_iso(code: str) -> str:
    c = code.lower().replace("_", "-")
    if c in ("nb", "no", "nob", "nor"):
        return "no"
    if c in ("hbs", "sh", "bs", "bos", "cnr", "sr-me"):
        return "sh"
    c = c.split("-")[0]
    return c if c in LANGS35 else "other"


# ----------------------------------------------------------------------------- tools
def run_garbell(texts, args, extra=()):
    binary = args.garbell
    if not os.path.exists(binary):
        sys.exit(f"garbell binary not found at {binary}: cd {REPO} && cargo build --release")

    def call(items):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                         encoding="utf-8") as f:
            for i, t in enumerate(items):
                f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
            path = f.name
        t0 = time.perf_counter()
        r = subprocess.run([binary, "lid", path, *extra], capture_output=True, text=True)
        dt = time.perf_counter() - t0
        os.unlink(path)
        if r.returncode != 0:
            sys.exit(f"garbell lid failed: {r.stderr[-2000:]}")
        out = {}
        for line in r.stdout.splitlines():
            if line.strip():
                o = json.loads(line)
                out[o["id"]] = (o["lang"], o.get("score"))
        return [out.get(str(i), ("other", 0.0)) for i in range(len(items))], dt

    _, startup = call(texts[:1])
    rows, dt = call(texts)
    preds = [r[0] for r in rows]
    run_garbell.scores = [r[1] for r in rows]
    return preds, max(dt - startup, 1e-9), preds


def run_lid2(texts, args, extra=()):
    """crates/lid/examples/lid2 (lid.176 + the second stage; `extra` = its flags)."""
    binary = args.lid2
    if not os.path.exists(binary):
        sys.exit(f"lid2 not found at {binary}: cd {REPO} && "
                 "cargo build --release -p garbell-lid --example lid2")

    def call(items):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                         encoding="utf-8") as f:
            for i, t in enumerate(items):
                f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
            path = f.name
        t0 = time.perf_counter()
        r = subprocess.run([binary, path, *extra], capture_output=True, text=True)
        dt = time.perf_counter() - t0
        os.unlink(path)
        if r.returncode != 0:
            sys.exit(f"lid2 failed: {r.stderr[-2000:]}")
        out = {}
        for line in r.stdout.splitlines():
            if line.strip():
                o = json.loads(line)
                out[o["id"]] = o
        rows = [out.get(str(i), {"lang": "other", "script": "Zzzz"}) for i in range(len(items))]
        return rows, dt

    _, startup = call(texts[:1])
    rows, dt = call(texts)
    preds = [r["lang"] for r in rows]
    return preds, max(dt - startup, 1e-9), [f"{r['lang']}/{r['script']}" for r in rows]


def fasttext_labels():
    m = {}
    for f in sorted(glob.glob(os.path.join(REPO, "languages", "*.toml"))):
        if os.path.basename(f).startswith("_"):
            continue
        d = tomllib.load(open(f, "rb"))
        for lab in d.get("lid", {}).get("labels", []):
            m[lab] = d["code"]
    return m


def run_fasttext(texts, args):
    import fasttext  # fasttext-predict or fasttext-wheel
    try:
        fasttext.FastText.eprint = lambda *a, **k: None
    except AttributeError:
        pass
    model = fasttext.load_model(args.model)
    labmap = fasttext_labels()
    clean = [t.replace("\n", " ").replace("\r", " ") for t in texts]
    t0 = time.perf_counter()
    raw = []
    # model.f.predict is the binding under model.predict; calling it directly avoids
    # fasttext-wheel's numpy-2 incompatibility (np.array(copy=False)).
    for t in clean:
        pred = model.f.predict(t, 1, 0.0, "strict")
        raw.append(pred[0][1] if pred else "")
    dt = time.perf_counter() - t0
    # lid.176's Bosnian label is Serbo-Croatian (decision 1), as garbell's second stage reads it.
    return [labmap.get(r, "sh" if r == "__label__bs" else "other") for r in raw], dt, raw


def run_langid(texts, args):
    import langid
    langid.classify("warm up")
    t0 = time.perf_counter()
    raw = [langid.classify(t)[0] for t in texts]
    dt = time.perf_counter() - t0
    return [map_iso(r) for r in raw], dt, raw


def run_pycld2(texts, args):
    import pycld2
    t0 = time.perf_counter()
    raw = []
    for t in texts:
        try:
            _, _, details = pycld2.detect(t)
            raw.append(details[0][1])
        except pycld2.error:
            raw.append("error")
    dt = time.perf_counter() - t0
    return [("other" if r in ("un", "xx", "error") else map_iso(r)) for r in raw], dt, raw


# ISO 639-3 codes of the 35 languages (heliport answers in 639-3); others map to "other".
ISO3 = {"bul": "bg", "cat": "ca", "ces": "cs", "cym": "cy", "dan": "da", "deu": "de",
        "ell": "el", "eng": "en", "spa": "es", "est": "et", "ekk": "et", "eus": "eu",
        "fin": "fi", "fra": "fr", "gle": "ga", "glg": "gl", "hrv": "hr", "hun": "hu",
        "ita": "it", "lit": "lt", "lav": "lv", "lvs": "lv", "mlt": "mt", "nld": "nl",
        "nno": "nn", "nob": "no", "nor": "no", "oci": "oc", "pol": "pl", "por": "pt",
        "ron": "ro", "rus": "ru", "hbs": "sh", "slk": "sk", "slv": "sl", "srp": "sr",
        "swe": "sv", "ukr": "uk"}


def run_heliport(texts, args):
    """HPLT's heliport (pip `heliport`, HeLI-OTS models), top-1 without its confidence
    thresholds, one text per call (one thread, like the other Python tools)."""
    import heliport
    ident = heliport.Identifier()
    ident.identify("warm up", ignore_confidence=True)
    t0 = time.perf_counter()
    raw = [ident.identify(t, ignore_confidence=True) for t in texts]
    dt = time.perf_counter() - t0
    return [ISO3.get(r.split("_")[0], map_iso(r)) for r in raw], dt, raw


TOOLS = {"garbell2": run_lid2,
         "lid176": lambda t, a: run_lid2(t, a, ("--no-refine",)),
         "garbell2-merge": lambda t, a: run_lid2(t, a, ("--sh", "merge")),
         "garbell": run_garbell,
         "garbell-restrict": lambda t, a: run_garbell(t, a, ("--restrict",)),
         "garbell-lid176": lambda t, a: run_garbell(t, a, ("--first-stage-only",)),
         "garbell-no-ngrams": lambda t, a: run_garbell(t, a, ("--no-ngrams",)),
         "garbell-split": lambda t, a: run_garbell(t, a, ("--serbo-croatian", "split")),
         "garbell-group": lambda t, a: run_garbell(t, a, ("--serbo-croatian", "group")),
         "garbell-no-mixed": lambda t, a: run_garbell(t, a, ("--no-mixed-vote",)),
         "fasttext": run_fasttext, "langid": run_langid,
         "pycld2": run_pycld2, "heliport": run_heliport}


# ----------------------------------------------------------------------------- metrics
def score(gold_raw, preds, skip_empty=False):
    gold = [gold_of(g) for g in gold_raw]
    n = len(gold)
    acc = sum(g == p for g, p in zip(gold, preds)) / n
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    for g, p in zip(gold, preds):
        if g == p:
            tp[g] += 1
        else:
            # Decision 1: gold sh (Bosnian, Montenegrin) answered hr or sr is a miss for sh
            # but not a false positive of hr or sr.
            if not (g == "sh" and p in SC):
                fp[p] += 1
            fn[g] += 1
    per = {}
    for l in LANGS35:
        prec = tp[l] / (tp[l] + fp[l]) if tp[l] + fp[l] else 0.0
        rec = tp[l] / (tp[l] + fn[l]) if tp[l] + fn[l] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[l] = {"precision": prec, "recall": rec, "f1": f1, "support": tp[l] + fn[l],
                  "predicted": tp[l] + fp[l]}
    macro_langs = [l for l in MACRO if not (skip_empty and per[l]["support"] == 0)]
    macro = sum(per[l]["f1"] for l in macro_langs) / len(macro_langs)
    mn = min(macro_langs, key=lambda l: (per[l]["f1"], l))
    sc_items = [(g, p) for g, p in zip(gold, preds) if g in SC]
    sc_ok = sum(p in SC for g, p in sc_items)
    conf = collections.Counter((g, p) for g, p in zip(gold, preds) if g != p)
    return {"n": n, "accuracy": acc, "macro_f1_34": macro, "macro_langs": len(macro_langs),
            "min_f1": per[mn]["f1"], "min_f1_lang": mn,
            "en_precision": per["en"]["precision"],
            "sc_group_accuracy": sc_ok / len(sc_items) if sc_items else None,
            "sc_items": len(sc_items),
            "top_confusions": [[f"{g}->{p}", c] for (g, p), c in conf.most_common(10)],
            "per_language": per}


def package_half(item) -> int:
    """0 (dev) or 1 (test): the CRC-32 parity of the item's source package name."""
    package = item["source"].split(":")[1].split("=")[0]
    return zlib.crc32(package.encode()) % 2


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", help="JSONL set files (docs.jsonl, segments.jsonl)")
    ap.add_argument("--tools", default="garbell,fasttext,langid,pycld2")
    ap.add_argument("--garbell", default=os.path.join(REPO, "target", "release", "garbell"))
    ap.add_argument("--lid2", default=os.path.join(REPO, "target", "release", "examples",
                                                    "lid2"),
                    help="crates/lid/examples/lid2 binary (tools garbell2, lid176)")
    ap.add_argument("--model", default=os.path.join(REPO, "languages", "lid", "lid.176.ftz"))
    ap.add_argument("--json", help="write all metrics (and raw answers) to this file")
    ap.add_argument("--skip-empty", action="store_true",
                    help="leave languages with no items out of the macro-F1")
    ap.add_argument("--install", action="store_true",
                    help="pip install langid pycld2 heliport fasttext-predict first")
    ap.add_argument("--split", choices=["all", "dev", "test"], default="all",
                    help="dev = items whose source package has an even CRC-32 (the half that "
                         "garbell's parameters and markers were chosen on), test = the other "
                         "half")
    ap.add_argument("--clean", action="store_true",
                    help="leave out the items label_noise.py calls label noise (decision 2; "
                         "the rule reads the text and gold label only)")
    ap.add_argument("--clean-rule", choices=["1", "2", "both"], default="both",
                    help="with --clean: label_noise.py's rule 1 (before 2026-12-07 16:45), "
                         "rule 2 (the stricter one), or either (default)")
    args = ap.parse_args()
    if args.install:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "langid", "pycld2", "heliport",
                        "fasttext-predict"], check=True)

    report = {}
    for path in args.sets:
        items = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
        if args.split != "all":
            items = [it for it in items if package_half(it) == (0 if args.split == "dev" else 1)]
        if args.clean:
            from label_noise import is_label_noise
            before = len(items)
            items = [it for it in items
                     if not is_label_noise(it["text"], it["lang"], args.clean_rule)]
            print(f"--clean: {before - len(items)} label-noise items left out")
        texts = [it["text"] for it in items]
        gold = [it["lang"] for it in items]
        name = os.path.basename(path)
        report[name] = {}
        print(f"\n=== {path}: {len(items)} items, "
              f"{len(set(gold))} gold labels ===")
        for tool in args.tools.split(","):
            preds, dt, raw = TOOLS[tool](texts, args)
            s = score(gold, preds, args.skip_empty)
            s["docs_per_s"] = len(texts) / dt
            s["raw_label_counts"] = dict(collections.Counter(raw).most_common(15))
            report[name][tool] = s
            if args.json:
                s["answers"] = preds
                s["gold"] = gold
                s["ids"] = [it["id"] for it in items]
                if tool.startswith("garbell") and hasattr(run_garbell, "scores"):
                    s["scores"] = run_garbell.scores
            sc = s["sc_group_accuracy"]
            print(f"\n[{tool}] accuracy {s['accuracy']:.4f}  macro-F1(34) "
                  f"{s['macro_f1_34']:.4f}  min F1 {s['min_f1']:.4f} ({s['min_f1_lang']})  "
                  f"en P {s['en_precision']:.4f}  "
                  f"SC-group acc {sc if sc is None else f'{sc:.4f}'} (n={s['sc_items']})  "
                  f"{s['docs_per_s']:.0f} docs/s")
            print("  top confusions: " + ", ".join(f"{k} {v}" for k, v in s["top_confusions"]))
        tools = list(report[name])
        print(f"\nper-language F1 ({name}); support = gold items")
        print(f"{'lang':5}{'n':>6} " + "".join(f"{t:>10}" for t in tools))
        for l in LANGS35:
            sup = report[name][tools[0]]["per_language"][l]["support"]
            print(f"{l:5}{sup:6d} " + "".join(
                f"{report[name][t]['per_language'][l]['f1']:10.3f}" for t in tools))
    if args.json:
        json.dump(report, open(args.json, "w"), indent=1)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
