#!/usr/bin/env python3
"""The comparison of issue 10: how long polars + fastexcel take just to read the same returns
into frames. Every sheet of every .xlsx/.xlsm/.xlsb/.xls/.ods file under DIR (any depth, not
Office lock files ~$…) is loaded with fastexcel (`load_sheet(name, header_row=None)`: every row
is data, since a return's header is not on its first row) and turned into a polars DataFrame;
every .csv with `polars.read_csv` (no header, every column as text, ragged lines allowed).
Nothing is done with the frames.

Usage: .ci/fastexcel_read.py DIR [--threads N]
Needs: python3 -m pip install fastexcel polars

Prints `fastexcel: N files, S sheets, M cells, T s on J threads`, where T is the wall time of
the reading alone (after Python has started and imported polars and fastexcel: the figure is
the libraries' own, not the interpreter's) and M the non-null cells of the frames. The files
are shared among N Python threads (default: one per core, as the floor and `zhaoshang run`;
fastexcel and polars release the GIL while they parse: on the fixture year 2 threads took 0.16 s
against 0.23 s on 1). Exit status 1 if a file could not be read.
"""

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import fastexcel
import polars as pl

SPREADSHEETS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}


def files_under(root):
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            ext = os.path.splitext(n)[1].lower()
            if not n.startswith("~$") and (ext in SPREADSHEETS or ext == ".csv"):
                out.append(os.path.join(d, n))
    return sorted(out)


def read(path):
    """(sheets, non-null cells) of one file, every sheet read into a polars frame."""
    if path.lower().endswith(".csv"):
        df = pl.read_csv(
            path,
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=True,
            encoding="utf8-lossy",
        )
        return 1, df.width * df.height - sum(df.null_count().row(0))
    reader = fastexcel.read_excel(path)
    sheets = cells = 0
    for name in reader.sheet_names:
        df = reader.load_sheet(name, header_row=None).to_polars()
        sheets += 1
        if df.width:
            cells += df.width * df.height - sum(df.null_count().row(0))
    return sheets, cells


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    files = files_under(args.dir)
    failed = 0

    def one(path):
        try:
            return read(path)
        except Exception as e:  # noqa: BLE001 - report the file and go on
            print(f"fastexcel: cannot read {path}: {e}", file=sys.stderr)
            return None

    t = time.perf_counter()
    if args.threads > 1:
        with ThreadPoolExecutor(args.threads) as pool:
            results = list(pool.map(one, files))
    else:
        results = [one(f) for f in files]
    secs = time.perf_counter() - t
    sheets = sum(r[0] for r in results if r)
    cells = sum(r[1] for r in results if r)
    failed = sum(1 for r in results if r is None)
    print(
        f"fastexcel: {len(files)} files, {sheets} sheets, {cells} cells, "
        f"{secs:.3f} s on {args.threads} threads"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
