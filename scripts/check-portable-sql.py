#!/usr/bin/env python3
"""Run every saved query on polars SQL (through `faultline query`), Apache DataFusion and DuckDB
over the same store, and compare the results row by row.

    pip install datafusion duckdb
    scripts/check-portable-sql.py [CONFIG] [--bin PATH] [--lake DIR]

CONFIG defaults to the repository's faultline.toml (the sample company); its store must be
analyzed. Each query runs with the parameters the snapshot test uses. Values are compared as
numbers when both are numbers (to 6 significant decimals), else as text; row order matters, as
every saved query orders its rows fully. Exit code 1 when any engine disagrees.

With --lake DIR, DataFusion and DuckDB read the tables from a lake instead (Hive-partitioned
Parquet written by `faultline ingest --lake DIR --shard I/N` and `faultline analyze --lake DIR`,
every file under the table folders, as docs/scale.md tells other engines to read it), while
polars answers from CONFIG's store, which `analyze --lake` filled from the same lake.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tomllib

PARAMS = {
    "ai-commits-to-service": ["service=payments"],
    "suspects-of-incident": ["incident=INC-2026-021"],
    "ai-commits-by-blast-radius": ["since=2026-07-01", "until=2026-10-01", "top=5"],
}


def normalise(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        f = float(value)
        return round(f, 6) if math.isfinite(f) else str(f)
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    return str(value)


def rows_of(records):
    return [tuple(normalise(v) for v in r) for r in records]


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser()
    parser.add_argument("config", nargs="?", default=os.path.join(here, "faultline.toml"))
    parser.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(here, "target")), "release", "faultline"))
    parser.add_argument("--lake", help="read the tables from this lake (DataFusion and DuckDB)")
    args = parser.parse_args()
    import datafusion
    import duckdb

    config = tomllib.load(open(args.config, "rb"))
    store = os.path.join(os.path.dirname(os.path.abspath(args.config)), config.get("store", ".faultline"), "current")
    tables = [f[:-8] for f in sorted(os.listdir(store)) if f.endswith(".parquet")]
    fusion = datafusion.SessionContext()
    duck = duckdb.connect()
    if args.lake:
        lake = os.path.abspath(args.lake)
        tables = [t for t in sorted(os.listdir(lake)) if not t.startswith(("_", ".")) and os.path.isdir(os.path.join(lake, t))]
        for t in tables:
            folder = os.path.join(lake, t)
            if any(e.startswith("repo_bucket=") for e in os.listdir(folder)):
                fusion.register_parquet(t, folder + "/", table_partition_cols=[("repo_bucket", "string")], file_extension=".parquet")
                duck.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{folder}/*/*.parquet', hive_partitioning = true)")
            else:
                fusion.register_parquet(t, folder + "/", file_extension=".parquet")
                duck.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{folder}/*.parquet')")
    else:
        for t in tables:
            path = os.path.join(store, f"{t}.parquet")
            fusion.register_parquet(t, path)
            duck.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{path}')")

    def faultline(*extra):
        out = subprocess.run([args.bin, "--config", args.config, "query", *extra], capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"faultline query {' '.join(extra)}: {out.stderr.strip()}")
        return out.stdout

    listing = faultline("--list")
    names = [line for line in listing.splitlines() if line and not line.startswith(" ")]
    failures = 0
    for name in names:
        params = [a for p in PARAMS.get(name, []) for a in ("--param", p)]
        sql = faultline(name, *params, "--print-sql")
        polars_rows = json.loads(faultline(name, *params, "--format", "json"))
        columns = list(polars_rows[0].keys()) if polars_rows else []
        expected = rows_of([[r[c] for c in columns] for r in polars_rows])
        verdicts = []
        for engine, run in [
            ("datafusion", lambda: fusion.sql(sql).to_pylist()),
            ("duckdb", lambda: [dict(zip([d[0] for d in cur.description], row)) for cur in [duck.execute(sql)] for row in cur.fetchall()]),
        ]:
            try:
                got = run()
            except Exception as e:  # an engine that cannot run the SQL is a failure to report
                verdicts.append(f"{engine}: ERROR {str(e).splitlines()[0][:160]}")
                failures += 1
                continue
            got_rows = rows_of([[r.get(c) for c in columns] for r in got]) if columns else rows_of([list(r.values()) for r in got])
            if got_rows == expected:
                verdicts.append(f"{engine}: same")
            else:
                failures += 1
                first = next((i for i, (a, b) in enumerate(zip(expected, got_rows)) if a != b), min(len(expected), len(got_rows)))
                detail = f"row {first}: polars {expected[first] if first < len(expected) else None} vs {got_rows[first] if first < len(got_rows) else None}"
                verdicts.append(f"{engine}: DIFFERS ({len(got_rows)} rows; {detail})")
        print(f"{name}: {len(expected)} rows; " + "; ".join(verdicts))
    print(f"{len(names)} queries, {failures} disagreement(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
