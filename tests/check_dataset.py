#!/usr/bin/env python3
"""Reads a zhaoshang output root with DuckDB and pyarrow, as an analyst would, and checks
that the figures recomputed from the dataset equal metrics.json. Usage: check_dataset.py OUT"""
import glob
import json
import os
import sys

import duckdb
import pyarrow.dataset as ds

out = sys.argv[1]
reports = sorted(glob.glob(os.path.join(out, "reports", "*", "metrics.json")))
assert reports, f"no metrics.json under {out}"
failures = []


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


for path in reports:
    m = json.load(open(path, encoding="utf-8"))
    year, month = map(int, m["period"].split("-"))
    city = {x["id"]: x for x in m["metrics"] if x["scope"] == "city"}
    county = {(x["id"], x["scope_value"]): x for x in m["metrics"] if x["scope"] == "county"}
    pc = os.path.join(out, "dataset", "projects_current", "*", "*", "*.parquet")
    con = duckdb.connect()
    q = f"""SELECT county, SUM(planned_investment_yi) AS inv, COUNT(*) FILTER (WHERE planned_investment_yi >= 10) AS big
            FROM read_parquet('{pc}', hive_partitioning = true)
            WHERE year = {year} AND month = {month} AND sector = '制造业'
              AND signed_date BETWEEN DATE '{year}-01-01' AND last_day(DATE '{year}-{month:02d}-01')
            GROUP BY ROLLUP (county)"""
    for c, inv, big in con.execute(q).fetchall():
        if c is None:
            want_inv, want_big = city["mfg_investment_yi"]["value"], city["big_projects_count"]["value"]
        else:
            want_inv, want_big = county[("mfg_investment_yi", c)]["value"], county[("big_projects_count", c)]["value"]
        if not close(inv, want_inv) or not close(float(big), want_big):
            failures.append(f"{m['period']} {c or 'city'}: duckdb {inv}/{big} vs metrics.json {want_inv}/{want_big}")
    # pyarrow: the metrics table of the dataset holds the same values as metrics.json.
    t = ds.dataset(os.path.join(out, "dataset", "metrics"), format="parquet", partitioning="hive").to_table(
        filter=(ds.field("year") == year) & (ds.field("month") == month)).to_pylist()
    by_key = {(r["metric_id"], r["scope"], r["scope_value"]): r for r in t}
    assert len(by_key) == len(m["metrics"]), (len(by_key), len(m["metrics"]))
    for x in m["metrics"]:
        r = by_key[(x["id"], x["scope"], x["scope_value"])]
        if not close(r["value"], x["value"]):
            failures.append(f"{m['period']} {x['id']} {x['scope_value']}: parquet {r['value']} vs json {x['value']}")
    # Accounting: read = accepted + rejected + skipped, and rejects hold every rejected row.
    a = m["accounting"]
    assert a["rows_read"] == a["rows_accepted"] + a["rows_rejected"] + a["rows_skipped"], a
    rj = os.path.join(out, "dataset", "rejects", "*", "*", "*.parquet")
    n = con.execute(f"SELECT COUNT(DISTINCT source_file || sheet || source_row) FROM read_parquet('{rj}', hive_partitioning = true) WHERE year = {year} AND month = {month} AND source_row IS NOT NULL").fetchone()[0]
    if n != a["rows_rejected"]:
        failures.append(f"{m['period']}: rejects table has {n} rows, metrics.json says {a['rows_rejected']} rejected")
    print(f"checked {m['period']}: {len(m['metrics'])} metrics, {a['rows_read']} rows")

if failures:
    print("dataset check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("dataset check ok")
