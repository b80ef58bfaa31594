"""The benchmark report: its targets are judged right, and rewriting it keeps the prose around it."""

from datetime import UTC, datetime
from pathlib import Path

from bench.report import BEGIN, END, Row, render, write_report


def rows(*, me_ratio: float, login_p50: float, storm_p99: float, rss: float) -> list[Row]:
    return [
        Row.ceiling(10_000),
        Row("GET /users/me (32 clients)", 10_000 * me_ratio, 1, 2, ratio=me_ratio),
        Row("GET /tasks?limit=20, 1 000 tasks (32 clients)", 2_500, 1, 2, ratio=0.25),
        Row("GET /users/me, 4 clients, idle", 4_000, 1, 2),
        Row("POST /auth/login, 1 client", 10, login_p50, 120),
        Row.figure("Argon2 verify alone, in the bench process (ms)", 80),
        Row("GET /users/me, 4 clients, while 8 log in", 1_000, 2, storm_p99),
        Row.figure("peak RSS of the server (MiB)", rss),
        Row("GET /tasks page 1, 1 000 000 rows (32 clients)", 2_400, 1, 2, ratio=0.24),
        Row("GET /tasks page 500, 1 000 000 rows (32 clients)", 2_300, 1, 2, ratio=0.23),
    ]


def report(table: list[Row]) -> str:
    return render(
        runs=[("sqlite", table)],
        machine="test",
        command="python -m bench.run",
        when=datetime(2026, 11, 23, tzinfo=UTC),
        minutes=1.0,
    )


def test_targets_met_and_missed_are_told_apart() -> None:
    met = report(rows(me_ratio=0.31, login_p50=89, storm_p99=99, rss=380))
    assert "**no**" not in met
    missed = report(rows(me_ratio=0.29, login_p50=91, storm_p99=101, rss=390))
    assert missed.count("**no**") == 4  # ratio, login, storm p99, and 390 MiB > 400 MB


def test_writing_replaces_only_the_results_between_the_markers(tmp_path: Path) -> None:
    document = tmp_path / "BENCHMARKS.md"
    document.write_text(f"# Title\n\nprose before\n\n{BEGIN}\nold figures\n{END}\n\nprose after\n")
    write_report(document, "new figures")
    assert document.read_text() == (
        f"# Title\n\nprose before\n\n{BEGIN}\nnew figures\n{END}\n\nprose after\n"
    )
