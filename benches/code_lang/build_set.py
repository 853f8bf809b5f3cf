#!/usr/bin/env python3
"""Builds a labelled set of real source files and measures garbell's code language detection.

    python3 benches/code_lang/build_set.py --dir /tmp/codeset            # fetch + label + measure
    python3 benches/code_lang/build_set.py --dir /tmp/codeset --no-fetch # re-measure

Sources (all real files, none written for this set):
- Debian bookworm source packages (`apt-get source --download-only`, needs a `deb-src` line,
  e.g. /etc/apt/sources.list.d/debian-src.sources with `Types: deb-src`), unpacked with
  `tar` (upstream tarballs). Each labelled group is a path pattern in one package whose language is a
  fact of that package (bash-completion's `completions/` are bash scripts, gprolog's library is
  Prolog, gnustep-base Objective-C, libwww-perl Perl, leveldb C++, zstd's lib/ C).
- Debian bookworm binary packages (`apt-get download`, `dpkg-deb -x`) for the languages whose
  source packages the mirror lacks: D (libgphobos-12-dev: Phobos sources), MATLAB/Octave
  (octave-statistics, octave-signal), Lua (lua-penlight), Ruby (ruby-rack, ruby-rspec-core,
  including their extensionless /usr/bin scripts).
- Files of installed packages: Python modules of /usr/lib/python3, Tcl of /usr/share/tcltk,
  Rust crates of ~/.cargo/registry, and the extensionless scripts of /usr/bin and /usr/sbin
  labelled by `file -b` (libmagic, an independent implementation: "Python script", "Perl script",
  "POSIX shell script", ...; scripts it calls plain text are left out).

Labels are never taken from garbell. Each group keeps at most --per-group files (every k-th of
the sorted list, so the sample is deterministic). The labels are written to labels.tsv; the
detector (crates/io/examples/code_lang.rs) labels the same paths; mismatches are printed.
"""
import argparse
import glob
import os
import subprocess
import sys
from collections import Counter, defaultdict

# Debian source packages: (source package, glob relative to the unpacked upstream tarball,
# language).
DEB_GROUPS = [
    ("bash-completion", "completions/*", "Shell"),
    ("gprolog", "src/**/*.pl", "Prolog"),
    ("gnustep-base", "Source/**/*.m", "Objective-C"),
    ("gnustep-base", "Headers/**/*.h", "Objective-C"),
    ("libwww-perl", "lib/**/*.pm", "Perl"),
    ("libwww-perl", "t/**/*.t", "Perl"),
    ("libwww-perl", "bin/*", "Perl"),
    ("leveldb", "**/*.h", "C++"),
    ("leveldb", "**/*.cc", "C++"),
    ("libzstd", "lib/**/*.c", "C"),
    ("libzstd", "lib/**/*.h", "C"),
]
PACKAGES = ["bash-completion", "gprolog", "gnustep-base", "libwww-perl", "leveldb", "zstd"]
# Debian binary packages (`apt-get download`, unpacked with `dpkg-deb -x`; used where the source
# package is not on the mirror): (package, glob relative to the unpacked tree, language).
DEB_BIN_GROUPS = [
    ("libgphobos-12-dev", "usr/lib/gcc/*/12/include/d/**/*.d", "D"),
    ("octave-statistics", "usr/share/octave/packages/**/*.m", "MATLAB"),
    ("octave-signal", "usr/share/octave/packages/**/*.m", "MATLAB"),
    ("lua-penlight", "usr/share/lua/**/*.lua", "Lua"),
    ("ruby-rack", "usr/share/rubygems-integration/**/*.rb", "Ruby"),
    ("ruby-rack", "usr/bin/*", "Ruby"),
    ("ruby-rspec-core", "usr/share/rubygems-integration/**/*.rb", "Ruby"),
    ("ruby-rspec-core", "usr/bin/*", "Ruby"),
]
BIN_PACKAGES = sorted({p for p, _, _ in DEB_BIN_GROUPS})
# Local groups: (glob, language).
LOCAL_GROUPS = [
    ("/usr/lib/python3/dist-packages/**/*.py", "Python"),
    ("/usr/share/tcltk/**/*.tcl", "Tcl"),
    (os.path.expanduser("~/.cargo/registry/src/*/*/src/**/*.rs"), "Rust"),
    ("/usr/lib/node_modules/npm/**/*.js", "JavaScript"),
]
# `file -b` descriptions of scripts -> language.
MAGIC = [
    ("python", "Python"), ("perl", "Perl"), ("posix shell", "Shell"),
    ("bourne-again shell", "Shell"), ("dash script", "Shell"), ("zsh script", "Shell"),
    ("ruby", "Ruby"), ("tcl", "Tcl"), ("node", "JavaScript"), ("awk", "Awk"),
    ("php", "PHP"), ("lua", "Lua"),
]
SKIP_NAMES = {"Makefile.am", "Makefile.in", "Makefile", "CMakeLists.txt", "meson.build"}


def fetch(root):
    """Downloads the source packages and unpacks their upstream tarballs (the Debian patches
    are not needed: the set is upstream's files)."""
    src = os.path.join(root, "src")
    os.makedirs(src, exist_ok=True)
    for p in PACKAGES:
        # Not checked: a missing .debian.tar.xz (404 on some mirrors) does not matter.
        subprocess.run(["apt-get", "source", "--download-only", "-q", p], cwd=src,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for tarball in sorted(glob.glob(os.path.join(src, "*.orig.tar.*"))):
        if tarball.endswith(".asc"):
            continue
        name = os.path.basename(tarball).split("_")[0]
        out = os.path.join(root, "pkg", name)
        if not os.path.isdir(out):
            os.makedirs(out)
            subprocess.run(["tar", "xf", tarball, "-C", out, "--strip-components=1"],
                           check=True)
    if not glob.glob(os.path.join(src, "*.orig.tar.*")):
        sys.exit("no source tarballs downloaded (is a deb-src line configured?)")
    debs = os.path.join(root, "deb")
    os.makedirs(debs, exist_ok=True)
    for p in BIN_PACKAGES:
        if not glob.glob(os.path.join(debs, f"{p}_*.deb")):
            subprocess.run(["apt-get", "download", "-q", p], cwd=debs, check=True,
                           stdout=subprocess.DEVNULL)
        out = os.path.join(root, "bin", p)
        if not os.path.isdir(out):
            os.makedirs(out)
            deb = sorted(glob.glob(os.path.join(debs, f"{p}_*.deb")))[-1]
            subprocess.run(["dpkg-deb", "-x", deb, out], check=True)


def sample(paths, n):
    paths = sorted(p for p in set(paths)
                   if os.path.isfile(p) and not os.path.islink(p)
                   and os.path.basename(p) not in SKIP_NAMES and os.path.getsize(p) > 0)
    if len(paths) <= n:
        return paths
    step = len(paths) / n
    return [paths[int(i * step)] for i in range(n)]


def label(root, per_group):
    rows = []
    for pkg, pattern, lang in DEB_GROUPS:
        base = os.path.join(root, "pkg", pkg)
        for p in sample(glob.glob(os.path.join(base, pattern), recursive=True), per_group):
            rows.append((p, lang, f"{pkg}:{pattern}"))
    for pkg, pattern, lang in DEB_BIN_GROUPS:
        base = os.path.join(root, "bin", pkg)
        for p in sample(glob.glob(os.path.join(base, pattern), recursive=True), per_group):
            rows.append((p, lang, f"{pkg}.deb:{pattern}"))
    for pattern, lang in LOCAL_GROUPS:
        for p in sample(glob.glob(pattern, recursive=True), per_group):
            rows.append((p, lang, pattern))
    scripts = [p for d in ("/usr/bin", "/usr/sbin") for p in glob.glob(d + "/*")
               if "." not in os.path.basename(p)]
    scripts = [p for p in sorted(scripts) if os.path.isfile(p) and not os.path.islink(p)]
    if scripts:
        out = subprocess.run(["file", "-b", "--"] + scripts, capture_output=True, text=True).stdout
        by_lang = defaultdict(list)
        for p, desc in zip(scripts, out.splitlines()):
            d = desc.lower()
            if "script" not in d:
                continue
            for key, lang in MAGIC:
                if key in d:
                    by_lang[lang].append(p)
                    break
        for lang, ps in sorted(by_lang.items()):
            for p in sample(ps, per_group):
                rows.append((p, lang, "/usr/bin+/usr/sbin scripts (file -b)"))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--no-fetch", action="store_true")
    ap.add_argument("--per-group", type=int, default=500)
    ap.add_argument("--detector", default=None, help="path of the code_lang example binary")
    a = ap.parse_args()
    if not a.no_fetch:
        fetch(a.dir)
    rows = label(a.dir, a.per_group)
    with open(os.path.join(a.dir, "labels.tsv"), "w") as f:
        for p, lang, group in rows:
            f.write(f"{p}\t{lang}\t{group}\n")
    det = a.detector
    if det is None:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "garbell-io", "--example",
                        "code_lang"], check=True)
        det = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "examples",
                           "code_lang")
    out = subprocess.run([det], input="\n".join(p for p, _, _ in rows) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == len(rows), (len(out), len(rows))
    total, ok = Counter(), Counter()
    per_group = defaultdict(Counter)
    wrong = []
    for (p, lang, group), got in zip(rows, out):
        got = got.split("\t", 1)[1] if "\t" in got else got
        kind = "extension" if "." in os.path.basename(p).lstrip(".") else "extensionless"
        total[kind] += 1
        per_group[(group, lang)]["n"] += 1
        if got == lang:
            ok[kind] += 1
            per_group[(group, lang)]["ok"] += 1
        else:
            wrong.append((p, lang, got))
    print(f"{'group':62} {'language':12} {'files':>6} {'correct':>8}")
    for (group, lang), c in sorted(per_group.items()):
        print(f"{group[:62]:62} {lang:12} {c['n']:6} {c['ok'] / c['n']:8.2%}")
    langs = sorted({lang for _, lang, _ in rows})
    print(f"\n{len(langs)} languages: {', '.join(langs)}")
    for kind in ("extension", "extensionless"):
        if total[kind]:
            print(f"{kind:14} {ok[kind]}/{total[kind]} = {ok[kind] / total[kind]:.2%}")
    for p, lang, got in wrong[:60]:
        print(f"  WRONG {p}: labelled {lang}, detected {got or '-'}", file=sys.stderr)
    print(f"{len(wrong)} wrong", file=sys.stderr)


if __name__ == "__main__":
    main()
