#!/usr/bin/env python3
"""Times garbell and datatrove on the same WARC input (called by run.sh; stdlib only).

Each run: `/usr/bin/time -v` around the whole process (children included: datatrove's
trafilatura sandbox process and its worker processes), so CPU-seconds = user + sys of the tree;
peak RSS = the largest single process of the tree (getrusage semantics), not a sum.
"""
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH = os.environ.get("BENCH_DIR", os.path.expanduser("~/.cache/garbell/bench"))
PY = os.path.join(BENCH, "venv", "bin", "python")
GARBELL = os.environ.get("GARBELL", os.path.join(BENCH, "garbell-bin"))


def count_pages(d):
    n = 0
    for f in sorted(glob.glob(os.path.join(d, "*.warc.gz"))):
        with gzip.open(f, "rb") as fh:
            for line in fh:
                if line.startswith(b"WARC-Type: response"):
                    n += 1
    return n


def mb(d):
    return sum(os.path.getsize(f) for f in glob.glob(os.path.join(d, "*.warc.gz"))) / 1e6


def timed(cmd, env=None):
    out = os.path.join(BENCH, "time.txt")
    p = subprocess.run(["/usr/bin/time", "-v", "-o", out] + cmd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode()[-3000:])
        raise SystemExit("failed: %s" % " ".join(cmd))
    t = {}
    for line in open(out):
        k, _, v = line.strip().rpartition(": ")
        t[k] = v
    h, m_, s = (["0"] + t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"))[-3:]
    wall = int(h) * 3600 + int(m_) * 60 + float(s)
    cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
    return wall, cpu, int(t["Maximum resident set size (kbytes)"]) / 1024


def main():
    runs = sys.argv[1:] or ["all"]
    small = os.path.join(BENCH, "warc-20")
    sets = {"20": small, "50": os.path.join(BENCH, "warc-50"), "200": os.path.join(BENCH, "warc")}
    pages = {k: count_pages(v) for k, v in sets.items()
             if k == "20" or "all" in runs or "scale" in runs or ("big" in runs and k == "200")}
    env = dict(os.environ, PYTHONPATH=HERE, GARBELL_LID_MODEL=os.path.join(ROOT, "languages/lid/lid.176.ftz"))
    plan = []
    for j in (1, 2):
        if "all" in runs or "datatrove" in runs:
            plan.append(("datatrove trafilatura", j, "20",
                         [PY, os.path.join(HERE, "datatrove_chain.py"), small, None, str(j), "trafilatura"]))
            plan.append(("datatrove simple-extractor", j, "20",
                         [PY, os.path.join(HERE, "datatrove_chain.py"), small, None, str(j), "simple"]))
        if "all" in runs or "garbell" in runs:
            plan.append(("garbell web (full dedup)", j, "20", [GARBELL, "run", "--chain", "web", "-o", None, "-j", str(j), small]))
            plan.append(("garbell web-nodedup", j, "20", [GARBELL, "run", "--chain", os.path.join(HERE, "web-nodedup.toml"), "-o", None, "-j", str(j), small]))
    if "big" in runs:
        # The bar: both chains on the same >= 200 MB of WARC, 1 and 2 workers.
        big = sets["200"]
        for j in (1, 2):
            plan.append(("garbell web (full dedup)", j, "200", [GARBELL, "run", "--chain", "web", "-o", None, "-j", str(j), big]))
        plan.append(("datatrove trafilatura", 2, "200",
                     [PY, os.path.join(HERE, "datatrove_chain.py"), big, None, "2", "trafilatura"]))
    if "all" in runs or "scale" in runs:
        for size in ("50", "200"):
            for j in (1, 2):
                plan.append(("garbell web (full dedup)", j, size, [GARBELL, "run", "--chain", "web", "-o", None, "-j", str(j), sets[size]]))
    results = []
    print("load before: %s" % open("/proc/loadavg").read().strip(), flush=True)
    for name, j, size, cmd in plan:
        out = os.path.join(BENCH, "out", "%s-j%d-%s" % (name.split()[0] + "-" + name.split()[1], j, size))
        shutil.rmtree(out, ignore_errors=True)
        cmd = [out if c is None else c for c in cmd]
        wall, cpu, rss = timed(cmd, env)
        n, size_mb = pages[size], mb(sets[size])
        r = dict(name=name, threads=j, input_mb=round(size_mb, 1), pages=n, wall_s=round(wall, 2),
                 cpu_s=round(cpu, 2), docs_per_s=round(n / wall, 1), mb_per_s=round(size_mb / wall, 2),
                 docs_per_cpu_s=round(n / cpu, 1), peak_rss_mb=round(rss, 1))
        results.append(r)
        print("%-28s -j%d %5.0f MB %6d pages  wall %7.2f s  cpu %7.2f s  %8.1f docs/s  %6.2f MB/s  %8.1f docs/cpu-s  RSS %6.1f MB"
              % (name, j, size_mb, n, wall, cpu, n / wall, size_mb / wall, n / cpu, rss), flush=True)
    print("load after: %s" % open("/proc/loadavg").read().strip())
    by = {(r["name"], r["threads"], r["input_mb"]): r for r in results}
    print("\nratios garbell/datatrove per CPU-second (docs per CPU-s), 20 MB set:")
    for g in ("garbell web (full dedup)", "garbell web-nodedup"):
        for d in ("datatrove trafilatura", "datatrove simple-extractor"):
            for j in (1, 2):
                a = [r for r in results if r["name"] == g and r["threads"] == j and r["pages"] == pages["20"]]
                b = [r for r in results if r["name"] == d and r["threads"] == j]
                if a and b:
                    print("  %-26s / %-28s -j%d: %6.1fx (wall %6.1fx)" % (
                        g, d, j, a[0]["docs_per_cpu_s"] / b[0]["docs_per_cpu_s"], b[0]["wall_s"] / a[0]["wall_s"]))
    if "big" in runs:
        print("\nratios on the 200 MB set (docs per CPU-second; wall at the same worker count):")
        dt = [r for r in results if r["name"] == "datatrove trafilatura" and r["pages"] == pages["200"]]
        for r in results:
            if r["name"].startswith("garbell") and r["pages"] == pages["200"] and dt:
                same = [d for d in dt if d["threads"] == r["threads"]]
                wall = " (wall %.1fx)" % (same[0]["wall_s"] / r["wall_s"]) if same else ""
                print("  %-26s -j%d / datatrove trafilatura -j%d: %6.1fx per CPU-s%s" % (
                    r["name"], r["threads"], dt[0]["threads"], r["docs_per_cpu_s"] / dt[0]["docs_per_cpu_s"], wall))
        g = {r["threads"]: r for r in results if r["name"].startswith("garbell") and r["pages"] == pages["200"]}
        if 1 in g and 2 in g:
            print("  garbell 1 -> 2 threads: %.2fx (wall)" % (g[1]["wall_s"] / g[2]["wall_s"]))
    with open(os.path.join(BENCH, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
