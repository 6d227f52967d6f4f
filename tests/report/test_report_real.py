"""A real deployment under probe traffic: its page shows what `history` and the probe recorded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fakes import command
from tests.report.pages import read_page

pytestmark = pytest.mark.integration

BLUEGREEN = Path(sys.executable).with_name("bluegreen")
APP_DIR = Path(__file__).resolve().parents[2] / "app"  # the reference service of this repo


def run(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`bluegreen ARGS --config CONFIG` as a user runs it (a real process: probe, signals)."""
    return subprocess.run(
        [str(BLUEGREEN), *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )


@pytest.fixture
def platform() -> Iterator[Path]:
    """A local platform of its own (state dir, free ports), up with 1.0.0; down afterwards."""
    # A short path (PostgreSQL's unix socket path is limited) in a 0755 directory (PostgreSQL
    # runs as an unprivileged user), not pytest's deep tmp_path. The release is the `ok` fake:
    # real gunicorn behind real HAProxy, without the reference service's start-up and
    # migrations, which other tests cover and which would only make this one slower.
    base = Path(tempfile.mkdtemp(prefix="bg-report-"))
    base.chmod(0o755)
    config = base / "bluegreen.toml"
    config.write_text(
        f"""
[deploy]
tasks = 1
health_timeout = 30
drain_timeout = 10

[local]
state_dir = "{base / ".bluegreen"}"
port = {free_port()}
db_port = {free_port()}
base_port = {free_port()}
app_dir = "{APP_DIR}"
command = {json.dumps(list(command("ok")))}
""",
        encoding="utf-8",
    )
    up = run(config, "up", "--version", "1.0.0", timeout=120)
    try:
        assert up.returncode == 0, up.stderr
        yield config
    finally:
        run(config, "down", timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def _number(text: str) -> float:
    return float(text.split(maxsplit=1)[0])


def test_real_deploy_report_matches_history_and_probe(platform: Path) -> None:
    deploy = run(platform, "deploy", "--version", "2.0.0", "--probe", "50", "--report", "--json")
    assert deploy.returncode == 0, deploy.stderr
    outcome: dict[str, Any] = json.loads(deploy.stdout)
    report_lines = [line for line in deploy.stderr.splitlines() if line.startswith("report: ")]
    assert report_lines, deploy.stderr
    page_path = Path(report_lines[-1].removeprefix("report: ").strip())

    history = run(platform, "history", "--json")
    assert history.returncode == 0, history.stderr
    record = next(r for r in json.loads(history.stdout) if r["id"] == outcome["id"])
    state_dir = page_path.parent.parent
    probe = json.loads((state_dir / "probes" / f"{record['id']}.json").read_text("utf-8"))

    html = page_path.read_text(encoding="utf-8")
    summary = read_page(html).summary
    assert page_path.name == f"{record['id']}.html"
    assert summary["id"] == record["id"]
    assert summary["outcome"] == record["outcome"] == "succeeded"
    assert summary["strategy"] == record["strategy"]
    assert summary["from"] == f"{record['from']['version']} ({record['from']['color']})"
    assert summary["to"] == f"{record['to']['version']} ({record['to']['color']})"
    assert _number(summary["duration_s"]) == pytest.approx(record["duration_s"], abs=0.0005)
    assert int(summary["requests"]) == probe["sent"] == outcome["probe"]["sent"]
    assert int(summary["failed"]) == probe["failed"] == 0
    assert summary["by_version"] == ", ".join(f"{v}: {n}" for v, n in probe["by_version"].items())
    assert _number(summary["p99_ms"]) == pytest.approx(probe["p99_ms"], abs=0.0005)
    cutover = probe["cutover"]["to_first_new_ms"]
    assert _number(summary["cutover_first_new_ms"]) == pytest.approx(cutover, abs=0.0005)
    assert sum(row["requests"] for row in probe["series"]) == probe["sent"]
    assert "<svg" in html
