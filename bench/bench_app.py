"""Items API against a naive baseline, side by side in one run: req/s ratios, A/A spread.

Both run under gunicorn with 2 workers on the same PostgreSQL and the same 2 cores:
- ours (A): the reference service with its production settings (gunicorn.conf.py, JSON
  access log to a file, request IDs, statement timeout);
- the baseline (B): bench/baseline_app.py, Flask + psycopg raw SQL, sync workers, no logging.
Each scenario runs wrk -t2 -c16 alternately A B A B ... (BENCH_REPS pairs of BENCH_DURATION),
so drift from the shared machine hits both alike. Printed per scenario: the medians, the
ratio of medians (ours / baseline, above 1 is faster) and the A/A spread (max - min over
median of each side's own runs: what noise alone moves a figure by). Then both services'
start time (process start to ready), alternated the same way.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench import load_average, procstat, wrk
from bench.servers import APP, BIN, Server, baseline, ours
from bluegreen.local.postgres import PostgresServer
from tests.support.platform import free_port_run

DURATION = os.environ.get("BENCH_DURATION", "4s")
REPS = int(os.environ.get("BENCH_REPS", "5"))
STARTS = int(os.environ.get("BENCH_STARTS", "3"))
PASSWORD = "bench-pw"  # noqa: S105 - a throwaway local database


@dataclass(frozen=True)
class Scenario:
    """One row of the table: what wrk requests, and what to do to the data first."""

    label: str
    path: str
    post: str | None = None  # "plain" or "keyed": POST a new item (with a new Idempotency-Key)
    before: Callable[[psycopg.Connection[tuple[object, ...]]], None] | None = None


def _grow_to_100k(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    conn.execute(
        "INSERT INTO items (name) SELECT 'item-' || g FROM generate_series(1, 100000 - "
        "(SELECT count(*) FROM items)) g"
    )
    conn.execute("ANALYZE items")


SCENARIOS = (
    Scenario("GET /health", "/health"),
    Scenario("GET /items/{id}", "/items/50"),
    Scenario("GET /items?limit=100 (100 rows)", "/items?limit=100"),
    Scenario("GET /items?limit=100 (100,000 rows)", "/items?limit=100", before=_grow_to_100k),
    Scenario("POST /items", "/items", post="plain"),
    Scenario("POST /items + Idempotency-Key", "/items", post="keyed"),
)


@dataclass(frozen=True)
class Run:
    """One wrk run against one server, and what the server's processes spent serving it."""

    result: wrk.Result
    spent: procstat.Usage

    @property
    def cpu_us(self) -> float:
        """CPU microseconds (user + system, all of the server's processes) per request."""
        return self.spent.cpu_s * 1e6 / max(self.result.requests, 1)

    @property
    def switches(self) -> float:
        """Context switches of the server's threads per request."""
        return (self.spent.voluntary + self.spent.involuntary) / max(self.result.requests, 1)


def _spread(values: list[float]) -> float:
    return (max(values) - min(values)) / statistics.median(values)


def _measure(
    exe: str, scenario: Scenario, servers: list[Server], scratch: Path
) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {s.name: [] for s in servers}
    for rep in range(REPS):
        for server in servers:
            script = None
            if scenario.post:
                tag = f"{server.name}-{scenario.post}-{rep}"
                script = wrk.post_script(scratch, tag, keyed=scenario.post == "keyed", prefix=tag)
            before = procstat.usage(server.pid)
            result = wrk.run(exe, server.url + scenario.path, DURATION, script)
            spent = procstat.usage(server.pid) - before
            if result.non_2xx or result.errors:
                raise RuntimeError(
                    f"{server.name} {scenario.label}: {result.non_2xx} non-2xx responses and "
                    f"{result.errors} socket errors; see {server.log_path}"
                )
            runs[server.name].append(Run(result, spent))
    return runs


def _print_row(label: str, a: list[Run], b: list[Run]) -> tuple[float, float]:
    a_rps = statistics.median(r.result.rps for r in a)
    b_rps = statistics.median(r.result.rps for r in b)
    spread = max(_spread([r.result.rps for r in a]), _spread([r.result.rps for r in b]))
    latencies = "".join(
        f"{statistics.median(r.result.p50_ms for r in side):>7.1f}"
        f"{statistics.median(r.result.p99_ms for r in side):>7.1f}"
        for side in (a, b)
    )
    print(
        f"{label:<36}{a_rps:>8,.0f}{b_rps:>8,.0f}{a_rps / b_rps:>7.2f}x{latencies}{spread:>8.0%}",
        flush=True,
    )
    return a_rps / b_rps, spread


def _cost_row(label: str, a: list[Run], b: list[Run]) -> str:
    figures = [statistics.median(r.cpu_us for r in side) for side in (a, b)]
    figures += [statistics.median(r.switches for r in side) for side in (a, b)]
    return (
        f"{label:<36}{figures[0]:>9,.0f}{figures[1]:>9,.0f}{figures[2]:>12.1f}{figures[3]:>12.1f}"
    )


def _start_times(servers: list[Server]) -> None:
    times: dict[str, list[float]] = {s.name: [] for s in servers}
    for _ in range(STARTS):
        for server in servers:
            server.stop()
            times[server.name].append(server.start())
    a, b = (statistics.median(times[s.name]) for s in servers)
    spreads = " / ".join(f"{_spread(times[s.name]):.0%}" for s in servers)
    print(
        f"start to ready (gunicorn start to first 200 on /ready; baseline /health), "
        f"median of {STARTS}, alternated: ours {a:.2f} s, baseline {b:.2f} s, "
        f"ratio {a / b:.2f}x (A/A spread {spreads})"
    )


def main() -> None:
    """Start PostgreSQL and both services, run the scenarios, print the table."""
    exe = wrk.ensure_wrk()
    print(f"load average at the start: {load_average()}", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="bluegreen-bench-"))
    scratch.chmod(0o755)
    pg = PostgresServer(scratch / "data", free_port_run(1))
    servers: list[Server] = []
    try:
        pg.start()
        pg.ensure_role_and_database(user="bench", password=PASSWORD, database="bench")
        url = pg.url(user="bench", password=PASSWORD, database="bench")
        libpq_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        subprocess.run(
            [str(BIN / "alembic"), "-c", str(APP / "alembic.ini"), "upgrade", "head"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        conn = psycopg.connect(libpq_url, autocommit=True)
        conn.execute("INSERT INTO items (name) SELECT 'item-' || g FROM generate_series(1, 100) g")
        servers = [ours(url, scratch), baseline(libpq_url, scratch)]
        for server in servers:
            server.start()
            wrk.run(exe, server.url + "/items?limit=100", "1s")  # warm up: connections, caches
        print(
            f"wrk -t{wrk.THREADS} -c{wrk.CONNECTIONS} -d{DURATION}, {REPS} runs each, alternated "
            "A B A B; A = ours (production settings), B = naive baseline (bench/baseline_app.py)"
        )
        print(
            f"{'scenario':<36}{'A req/s':>8}{'B req/s':>8}{'A/B':>8}"
            f"{'A p50':>7}{'A p99':>7}{'B p50':>7}{'B p99':>7}{'A/A':>8}"
        )
        rows, costs = [], []
        for scenario in SCENARIOS:
            if scenario.before:
                scenario.before(conn)
            runs = _measure(exe, scenario, servers, scratch)
            rows.append(_print_row(scenario.label, *(runs[s.name] for s in servers)))
            costs.append(_cost_row(scenario.label, *(runs[s.name] for s in servers)))
        conn.close()
        lowest = min(ratio for ratio, _ in rows)
        print(
            f"(req/s and ms are medians; A/B = ratio of median req/s; A/A = the larger side's "
            f"spread of its own runs, max {max(spread for _, spread in rows):.0%})"
        )
        print(
            f"goal: at least 1.0x the baseline on every endpoint: "
            f"{'met' if lowest >= 1.0 else 'NOT met'} (lowest {lowest:.2f}x)"
        )
        print(
            "cost per request, medians of the same runs: CPU = user + system microseconds of "
            "all the server's processes; switches = its threads' context switches"
        )
        print(f"{'scenario':<36}{'A CPU us':>9}{'B CPU us':>9}{'A switches':>12}{'B switches':>12}")
        print("\n".join(costs))
        _start_times(servers)
        print(f"load average at the end: {load_average()}")
    finally:
        for server in servers:
            server.stop()
        pg.stop("immediate")
        shutil.rmtree(scratch, ignore_errors=True)
