"""The benchmark's report: one Markdown table per database, and the targets checked against them."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

CEILING = "ceiling: bare FastAPI GET (32 clients)"

# Issue 16's targets: the least `x ceiling` of each throughput scenario, per database; None where
# the figure is shown without a target.
RATIO_TARGETS: dict[str, dict[str, float | None]] = {
    "sqlite": {"GET /users/me": 0.30, "GET /tasks": 0.15, "GET /posts": 0.15},
    "postgresql": {"GET /users/me": 0.20, "GET /tasks": 0.12, "GET /posts": None},
}
BEGIN = "<!-- bench/run.py: results begin -->"
END = "<!-- bench/run.py: results end -->"


@dataclass
class Row:
    scenario: str
    per_second: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    ratio: float | None = None
    note: str = ""

    @classmethod
    def ceiling(cls, per_second: float) -> "Row":
        return cls(CEILING, per_second, ratio=1.0, note="median of every ceiling round")

    @classmethod
    def figure(cls, scenario: str, value: float) -> "Row":
        """A single figure, such as a memory high-water mark, shown in the rate column."""
        return cls(scenario, value)


def write_report(path: Path, report: str) -> None:
    """Replace the results between the markers of an existing document (its prose stays), or
    write a new document holding just the results."""
    block = f"{BEGIN}\n{report}\n{END}"
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        path.write_text(before + block + after)
    else:
        path.write_text(f"# Benchmarks\n\n{block}\n")


def render(
    runs: list[tuple[str, list[Row]]],
    machine: str,
    command: str,
    when: datetime,
    minutes: float,
) -> str:
    lines = [
        "Throughput is in requests per second, latencies in milliseconds; `x ceiling` is the ratio",
        "to the bare FastAPI app measured in the same run. Errors count non-2xx answers and",
        "socket errors.",
        "",
        f"- Machine: {machine}",
        f"- Run: `{command}`, {when:%Y-%m-%d %H:%M} UTC, {minutes:.1f} minutes",
        "- Argon2 verify: one verify with Tessera's defaults (t=3, m=64 MiB, p=4) in the benchmark",
        "  process, median of 14 taken just before and after the 1-client login round.",
        "",
    ]
    for database, rows in runs:
        lines += [
            f"### {database}",
            "",
            "| scenario | req/s | x ceiling | p50 ms | p99 ms | errors | note |",
            "|---|--:|--:|--:|--:|--:|---|",
        ]
        lines += [_line(row) for row in rows]
        lines += ["", *_targets(database, rows), ""]
    return "\n".join(lines)


def _line(row: Row) -> str:
    def number(value: float | None, digits: int = 1) -> str:
        return "" if value is None else f"{value:.{digits}f}"

    return (
        f"| {row.scenario} | {row.per_second:.0f} | {number(row.ratio, 2)} | "
        f"{number(row.p50_ms)} | {number(row.p99_ms)} | {row.errors if row.p50_ms else ''} | "
        f"{row.note} |"
    )


def _find(rows: list[Row], start: str) -> Row:
    return next(row for row in rows if row.scenario.startswith(start))


def _ratio_check(name: str, row: Row | None, target: float | None) -> list[tuple[str, str, str]]:
    """The line of one ratio target; none when the row was not measured (an older report)."""
    if row is None:
        return []
    ratio = row.ratio or 0
    if target is None:
        return [(f"{name}: no target, x ceiling shown", f"{ratio:.2f}x", "-")]
    return [(f"{name} >= {target:.2f}x ceiling", f"{ratio:.2f}x", _met(ratio >= target))]


def _met(met: bool) -> str:
    return "yes" if met else "**no**"


def _targets(database: str, rows: list[Row]) -> list[str]:
    ratios = RATIO_TARGETS.get(database, RATIO_TARGETS["sqlite"])
    me = _find(rows, "GET /users/me (32")
    tasks = _find(rows, "GET /tasks?limit=20, 1 000")
    posts = next((row for row in rows if row.scenario.startswith("GET /posts?limit=20")), None)
    first = _find(rows, "GET /tasks page 1,")
    deep = _find(rows, "GET /tasks page 5")
    login = _find(rows, "POST /auth/login, 1")
    idle = _find(rows, "GET /users/me, 4 clients, idle")
    storm = _find(rows, "GET /users/me, 4 clients, while")
    rss = _find(rows, "peak RSS")
    argon2_verify_ms = _find(rows, "Argon2 verify").per_second
    checks = [
        *_ratio_check("GET /users/me", me, ratios["GET /users/me"]),
        *_ratio_check("GET /tasks?limit=20", tasks, ratios["GET /tasks"]),
        *_ratio_check("GET /posts?limit=20", posts, ratios["GET /posts"]),
    ]
    checks += [
        (
            "page 500 within 1.2x of page 1",
            f"{first.per_second / deep.per_second:.2f}x",
            _met(first.per_second <= 1.2 * deep.per_second),
        ),
        (
            "1 000 000 rows within 1.5x of 1 000",
            f"{tasks.per_second / first.per_second:.2f}x",
            _met(tasks.per_second <= 1.5 * first.per_second),
        ),
        (
            "login p50 <= Argon2 verify + 10 ms",
            f"{login.p50_ms or 0:.0f} ms (verify {argon2_verify_ms:.0f} ms)",
            _met((login.p50_ms or 0) <= argon2_verify_ms + 10),
        ),
        (
            "/users/me p99 during 8 logins <= 100 ms",
            f"{storm.p99_ms or 0:.0f} ms",
            _met((storm.p99_ms or 0) <= 100),
        ),
        (
            "/users/me throughput during logins >= 10% of idle",
            f"{100 * storm.per_second / idle.per_second:.0f}%",
            _met(storm.per_second >= 0.10 * idle.per_second),
        ),
        ("peak RSS <= 400 MB", f"{rss.per_second:.0f} MiB", _met(rss.per_second * 1.048576 <= 400)),
    ]
    lines = ["| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {met} |" for name, value, met in checks]
    return lines
