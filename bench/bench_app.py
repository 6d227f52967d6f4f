"""Items API throughput: req/s and p50/p99 per endpoint, 2 gunicorn gthread workers, wrk load.

gthread (2 workers x 4 threads) rather than sync: threads overlap PostgreSQL round trips,
and gthread keeps connections alive (sync closes each one), which is also how a load
balancer talks to it. wrk runs as a separate process on 127.0.0.1 (-t2 -c16, as the seed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bluegreen.local.postgres import PostgresServer
from tests.support.platform import free_port_run

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_DURATION", "10s")
BENCH_PASSWORD = "bench-pw"  # noqa: S105 - a throwaway local database
POST_LUA = """wrk.method = "POST"
wrk.body = '{"name": "bench item"}'
wrk.headers["Content-Type"] = "application/json"
"""


def _field(pattern: str, out: str) -> str:
    found = re.search(pattern, out)
    if found is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{out}")
    return found.group(1)


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise RuntimeError(f"unexpected wrk latency {text!r}")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _wrk(url: str, script: Path | None = None) -> tuple[float, float, float]:
    cmd = ["wrk", "-t2", "-c16", f"-d{DURATION}", "--latency", url]
    if script:
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(_field(r"Requests/sec:\s+([\d.]+)", out))
    # Anchored to the line start: "+/- Stdev 81.50%" must not read as the 50th percentile.
    p50 = _ms(_field(r"(?m)^\s+50%\s+(\S+)", out))
    p99 = _ms(_field(r"(?m)^\s+99%\s+(\S+)", out))
    if "Non-2xx" in out:
        print(out, file=sys.stderr)
    return rps, p50, p99


def main() -> None:
    """Run the scenarios and print a table."""
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install -y wrk")
        return
    base = Path(tempfile.mkdtemp(prefix="bluegreen-bench-"))
    base.chmod(0o755)
    pg = PostgresServer(base / "data", free_port_run(1))
    gunicorn: subprocess.Popen[bytes] | None = None
    try:
        pg.start()
        pg.ensure_role_and_database(user="bench", password=BENCH_PASSWORD, database="bench")
        url = pg.url(user="bench", password=BENCH_PASSWORD, database="bench")
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(
            [str(BIN / "alembic"), "-c", str(APP / "alembic.ini"), "upgrade", "head"],
            env=env,
            check=True,
            capture_output=True,
        )
        u = make_url(url)
        conn = psycopg.connect(
            host=u.host,
            port=u.port,
            user=u.username,
            password=u.password,
            dbname=u.database,
            autocommit=True,
        )
        conn.execute("INSERT INTO items (name) SELECT 'item-' || g FROM generate_series(1, 100) g")
        port = free_port_run(1)
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(APP / "gunicorn.conf.py"), "items_api:create_app()"],
            env={
                **env,
                "PORT": str(port),
                "WEB_WORKERS": "2",
                "WEB_THREADS": os.environ.get("BENCH_THREADS", "4"),
                "APP_VERSION": "bench",
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        script = base / "post.lua"
        script.write_text(POST_LUA)
        rows: list[tuple[str, tuple[float, float, float]]] = []
        rows.append(("GET /health", _wrk(f"{base_url}/health")))
        rows.append(("GET /items?limit=100 (100 rows)", _wrk(f"{base_url}/items?limit=100")))
        conn.execute(
            "INSERT INTO items (name) SELECT 'item-' || g FROM generate_series(1, 99900) g"
        )
        conn.execute("ANALYZE items")
        rows.append(("GET /items?limit=100 (100,000 rows)", _wrk(f"{base_url}/items?limit=100")))
        rows.append(("POST /items", _wrk(f"{base_url}/items", script)))
        conn.close()
        print(f"wrk -t2 -c16 -d{DURATION}; gunicorn 2 gthread workers x 4 threads; same host")
        print(f"{'scenario':<38}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
        for name, (rps, p50, p99) in rows:
            print(f"{name:<38}{rps:>10,.0f}{p50:>10.2f}{p99:>10.2f}")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=40)
        pg.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
