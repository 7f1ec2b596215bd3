"""The benchmark summary: ratios against the bare endpoint for throughput rows, goals judged on the after figure."""
from __future__ import annotations

from bench import report


def _figures(rps: float, p99: float) -> dict:
    return {"rps": rps, "p50_ms": p99 / 2, "p99_ms": p99, "client_cpu": 0.02, "server_cpu": 0.6,
            "other_cpu": 0.1, "errors": 0}


def test_throughput_rows_show_ratios_and_the_goal_on_the_after_figure():
    rows = report.load_rows("form submission", "SQLite", _figures(800, 20),
                            {"before": _figures(100, 200), "after": _figures(400, 40)}, goal_ratio=0.4,
                            goal_p99_ms=50)
    text = report.table(rows)
    rate = next(line for line in text.splitlines() if line.startswith("form submission req/s"))
    assert "0.12×" in rate and "0.50×" in rate and "≥ 0.4× bare: met" in rate
    p99 = next(line for line in text.splitlines() if line.startswith("form submission p99"))
    assert "×" not in p99 and "< 50 ms: met" in p99
    assert "errors" not in text  # only when some run had errors


def test_a_missed_goal_and_a_missing_before_are_shown_as_such():
    rows = report.load_rows("webhook ingest", "PostgreSQL", _figures(800, 20), {"after": _figures(400, 40)},
                            goal_ratio=0.7)
    rate = next(line for line in report.table(rows).splitlines() if line.startswith("webhook ingest req/s"))
    assert "NOT met" in rate and "–" in rate


def test_rows_without_a_bare_figure_have_no_ratio():
    rows = [report.row("event → auto-reply p95", "SQLite", "ms", before=400, after=120, goal_max=150)]
    line = report.table(rows).splitlines()[2]
    assert "×" not in line and "< 150 ms: met" in line
