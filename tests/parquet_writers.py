"""Writes one table as Parquet with every common writer and codec, or checks garbell's shards.

`write DIR`: writes DIR/in/<writer>.parquet, each with the writer's defaults unless the name
says otherwise, and DIR/expected.json (the rows every file holds).
`check DIR OUT`: reads OUT/shards/*.parquet with pyarrow and DuckDB and checks that every row of
every input came through with its text exactly and its list and struct columns as JSON; prints
{"<file name>": rows} as JSON.

Used by tests/parquet_inputs.rs (the real writers: pyarrow, pandas, DuckDB, polars, `datasets`).
"""

import glob
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 700  # more than two 256-row batches, and several row groups where a writer is told so


def table():
    texts = [
        "Bon dia a tothom. L'àvia hi és.",
        "Καλημέρα σε όλους · ελληνικά",
        "Привет, мир!\r\nВторая строка\tс табуляцией",
        "中文文本，没有空格。",
        "emoji 👩‍🔬 and a NUL-free line\n\nwith blank lines",
        "x" * 20000,
        "",
        "  leading and trailing spaces  ",
    ]
    ids, text, tags, info, n = [], [], [], [], []
    for i in range(ROWS):
        ids.append(f"doc-{i:04d}")
        text.append(f"{i}: {texts[i % len(texts)]}")
        tags.append([f"t{i % 3}", "ca" if i % 2 else "es"] if i % 5 else [])
        info.append({"score": i / 8, "source": f"s{i % 4}"})
        n.append(i)
    return pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "text": pa.array(text, pa.string()),
            "tags": pa.array(tags, pa.list_(pa.string())),
            "info": pa.array(info, pa.struct([("score", pa.float64()), ("source", pa.string())])),
            "n": pa.array(n, pa.int64()),
        }
    )


def write(root):
    d = f"{root}/in"
    os.makedirs(d, exist_ok=True)
    t = table()
    pq.write_table(t, f"{d}/pyarrow-default.parquet")
    for codec in ["snappy", "gzip", "brotli", "lz4", "zstd", "none"]:
        pq.write_table(t, f"{d}/pyarrow-{codec}.parquet", compression=codec, row_group_size=300)
    dict_text = t.set_column(1, "text", t["text"].dictionary_encode())
    pq.write_table(dict_text, f"{d}/pyarrow-dictionary.parquet", row_group_size=250)
    large = t.set_column(1, "text", t["text"].cast(pa.large_string()))
    pq.write_table(large, f"{d}/pyarrow-large-string.parquet")

    import pandas as pd

    df = t.to_pandas()
    df.to_parquet(f"{d}/pandas-default.parquet")
    # pandas' own dtype for text columns: a `category` becomes a dictionary-typed column.
    dfc = df.copy()
    dfc["text"] = dfc["text"].astype("category")
    dfc.to_parquet(f"{d}/pandas-category.parquet")

    import duckdb

    con = duckdb.connect()
    con.register("t", t)
    con.execute(f"COPY (SELECT * FROM t) TO '{d}/duckdb-copy.parquet'")

    import polars as pl

    pl.from_arrow(t).write_parquet(f"{d}/polars-default.parquet")

    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import datasets

    datasets.disable_progress_bars()
    datasets.Dataset(t).to_parquet(f"{d}/datasets-default.parquet")

    expected = {
        row["id"]: {"text": row["text"], "tags": row["tags"], "info": row["info"], "n": row["n"]}
        for row in t.to_pylist()
    }
    with open(f"{root}/expected.json", "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False)
    # What each file declares, for the test's log.
    for p in sorted(glob.glob(f"{d}/*.parquet")):
        md = pq.ParquetFile(p).metadata
        codecs = {md.row_group(g).column(c).compression for g in range(md.num_row_groups) for c in range(md.num_columns)}
        print(os.path.basename(p), md.created_by, sorted(codecs), md.num_row_groups, file=sys.stderr)


def check(d, out):
    with open(f"{d}/expected.json", encoding="utf-8") as f:
        expected = json.load(f)
    shards = sorted(glob.glob(f"{out}/shards/*.parquet"))
    t = pa.concat_tables([pq.read_table(s) for s in shards])
    seen = {}
    for row in t.select(["id", "text", "meta", "input"]).to_pylist():
        name = os.path.basename(row["input"])
        want = expected[row["id"]]
        assert row["text"] == want["text"], (name, row["id"], row["text"][:80], want["text"][:80])
        meta = json.loads(row["meta"])
        assert meta["tags"] == want["tags"], (name, row["id"], meta)
        assert meta["info"] == want["info"], (name, row["id"], meta)
        assert meta["n"] == want["n"], (name, row["id"], meta)
        seen.setdefault(name, set()).add(row["id"])
    counts = {name: len(ids) for name, ids in seen.items()}
    import duckdb

    total = duckdb.sql(f"select count(*) from read_parquet('{out}/shards/*.parquet')").fetchall()[0][0]
    assert total == t.num_rows == sum(counts.values()), (total, t.num_rows, counts)
    print(json.dumps(counts, sort_keys=True))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
