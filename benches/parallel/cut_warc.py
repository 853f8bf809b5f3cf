#!/usr/bin/env python3
"""Writes the first gzip members of a multi-member gzip WARC, up to about SIZE_MB megabytes
(whole members only, cut before the first member that would cross the size), so that inputs of
several sizes share their pages: `cut_warc.py IN.warc.gz OUT.warc.gz SIZE_MB`."""
import sys
import zlib


def main():
    src, dst, size_mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
    limit = int(size_mb * 1_000_000)
    data = memoryview(open(src, "rb").read(limit + (64 << 20)))
    pos = 0
    while pos < len(data):
        d = zlib.decompressobj(wbits=31)
        piece = data[pos:]
        # Feed the member in small steps so that unused_data stays small.
        fed = 0
        while not d.eof and fed < len(piece):
            d.decompress(piece[fed:fed + (64 << 10)])
            fed += min(64 << 10, len(piece) - fed)
        if not d.eof:
            break
        end = pos + fed - len(d.unused_data)
        if end > limit:
            break
        pos = end
    with open(dst, "wb") as f:
        f.write(data[:pos])
    print(f"{dst}: {pos} bytes")


if __name__ == "__main__":
    main()
