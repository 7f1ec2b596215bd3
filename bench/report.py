"""Benchmark results as rows: each benchmark writes var/bench/results/<name>.json, bench/summary.py prints them all.

A row is one figure on one database: its value before the change, after it, and (for throughput) on the bare
Flask endpoint measured in the same run, with an optional goal. Any benchmark contributes rows with `record()`;
nothing else needs to know about it.
"""
from __future__ import annotations

import json
import math
import os

from bench.harness import NOTES, ROOT

RESULTS = os.path.join(ROOT, "var", "bench", "results")


def row(figure: str, database: str, unit: str, *, before: float | None = None, after: float | None = None,
        bare: float | None = None, goal_ratio: float | None = None, goal_max: float | None = None) -> dict:
    """One figure. `goal_ratio`: after/bare must reach it; `goal_max`: after must stay below it."""
    return {"figure": figure, "database": database, "unit": unit, "before": before, "after": after, "bare": bare,
            "goal_ratio": goal_ratio, "goal_max": goal_max}


def load_rows(figure: str, database: str, bare: dict | None, by_tree: dict[str, dict], *,
              goal_ratio: float | None = None, goal_p99_ms: float | None = None) -> list[dict]:
    """Rows for a load run (loadgen.run figures per tree, the bare endpoint's beside them)."""
    def value(figures: dict | None, key: str, scale: float = 1) -> float | None:
        return None if figures is None else figures[key] * scale

    before, after = by_tree.get("before"), by_tree.get("after")
    rows = [row(f"{figure} req/s", database, "req/s", before=value(before, "rps"), after=value(after, "rps"),
                bare=value(bare, "rps"), goal_ratio=goal_ratio)]
    for key, label, goal in (("p50_ms", "p50", None), ("p99_ms", "p99", goal_p99_ms)):
        rows.append(row(f"{figure} {label}", database, "ms", before=value(before, key), after=value(after, key),
                        bare=value(bare, key), goal_max=goal))
    for key, label in (("client_cpu", "load generator CPU"), ("server_cpu", "server CPU"),
                       ("other_cpu", "rest of machine CPU")):
        rows.append(row(f"{figure}: {label}", database, "%", before=value(before, key, 100),
                        after=value(after, key, 100), bare=value(bare, key, 100)))
    errors = sum(f["errors"] for f in (bare, before, after) if f)
    if errors:
        rows.append(row(f"{figure} errors (non-2xx or socket)", database, "n", before=value(before, "errors"),
                        after=value(after, "errors"), bare=value(bare, "errors")))
    return rows


def _number(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "%":
        return f"{value:.0f}%"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _ratio(value: float | None, bare: float | None) -> str:
    return f"{value / bare:.2f}×" if value is not None and bare else "–"


def _goal(entry: dict) -> str:
    after, bare = entry["after"], entry["bare"]
    if entry["goal_ratio"] is not None:
        met = after is not None and bare and after / bare >= entry["goal_ratio"]
        return f"≥ {entry['goal_ratio']}× bare: {'met' if met else 'NOT met'}"
    if entry["goal_max"] is not None:
        met = after is not None and after < entry["goal_max"]
        return f"< {entry['goal_max']:g} {entry['unit']}: {'met' if met else 'NOT met'}"
    return ""


def table(rows: list[dict]) -> str:
    """The rows as a fixed-width table; ratios only for throughput (req/s) rows."""
    header = ("figure", "database", "unit", "before", "after", "bare", "before/bare", "after/bare", "goal (after)")
    lines = [header]
    for entry in rows:
        throughput = entry["unit"] == "req/s"
        lines.append((entry["figure"], entry["database"], entry["unit"], _number(entry["before"], entry["unit"]),
                      _number(entry["after"], entry["unit"]), _number(entry["bare"], entry["unit"]),
                      _ratio(entry["before"], entry["bare"]) if throughput else "",
                      _ratio(entry["after"], entry["bare"]) if throughput else "", _goal(entry)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(width) if i < 3 else cell.rjust(width) if i < 8 else cell
                      for i, (cell, width) in enumerate(zip(line, widths))).rstrip() for line in lines]
    text.insert(1, "-" * len(text[0]))
    return "\n".join(text)


def record(name: str, rows: list[dict], notes: list[str]) -> None:
    """Print the benchmark's table and notes, and keep them for bench/summary.py."""
    notes = [*NOTES, *notes]
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, f"{name}.json"), "w") as out:
        json.dump({"name": name, "rows": rows, "notes": notes}, out, indent=1)
    print(table(rows))
    for note in notes:
        print(f"  note: {note}")
