"""The end of `make bench`: every benchmark's rows (var/bench/results/*.json) in one table, then their notes.

    python bench/summary.py bench/bench_a.py bench/bench_b.py   # names the scripts that wrote no rows
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.report import RESULTS, table  # noqa: E402


def main(scripts: list[str]) -> None:
    results = []
    if os.path.isdir(RESULTS):
        for entry in sorted(os.listdir(RESULTS)):
            if entry.endswith(".json"):
                with open(os.path.join(RESULTS, entry)) as source:
                    results.append(json.load(source))
    print("\n== Summary (one run; before = BENCH_BEFORE_REF, after = this tree; ratios against the bare Flask "
          "endpoint under the same gunicorn settings)")
    rows = [entry for result in results for entry in result["rows"]]
    print(table(rows) if rows else "no benchmark recorded rows")
    notes = dict.fromkeys(note for result in results for note in result["notes"])  # in order, once each
    for note in notes:
        print(f"  note: {note}")
    recorded = {result["name"] for result in results}
    silent = [script for script in scripts
              if os.path.basename(script).removeprefix("bench_").removesuffix(".py") not in recorded]
    if silent:
        print(f"  no rows from: {', '.join(silent)} (figures printed above only, or the script failed)")


if __name__ == "__main__":
    main(sys.argv[1:])
