"""The CLI's progress off a terminal: timestamped step lines and a line per interval of a wait."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from datetime import UTC, datetime

from rich.console import Console

from bluegreen.console import RichProgress, interval_from_env

FIXED = datetime(2026, 12, 1, 11, 30, 5, tzinfo=UTC)


def _ci_console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=160), out


def test_off_a_terminal_each_step_line_carries_the_utc_time_and_seconds_since_start() -> None:
    console, out = _ci_console()
    RichProgress(console, now=lambda: FIXED).info("starting green")
    assert re.fullmatch(r"2026-12-01T11:30:05Z +\d+\.\ds starting green\n", out.getvalue())


def test_off_a_terminal_a_long_wait_prints_a_line_every_interval_with_its_latest_detail() -> None:
    console, out = _ci_console()
    progress = RichProgress(console, interval=0.05, now=lambda: FIXED)
    with progress.waiting("waiting for green to pass health checks") as update:
        update("1/2 healthy")
        time.sleep(0.32)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith(" waiting for green to pass health checks")
    beats = [line for line in lines if " still waiting for green" in line]
    assert len(beats) >= 3, lines
    assert all(": 1/2 healthy after " in line for line in beats)
    assert re.search(r" waiting for green to pass health checks: 1/2 healthy after \d", lines[-1])
    assert "still" not in lines[-1]


def test_no_line_per_interval_once_the_wait_is_over() -> None:
    console, out = _ci_console()
    progress = RichProgress(console, interval=0.05)
    with progress.waiting("draining blue"):
        pass
    printed = out.getvalue()
    time.sleep(0.2)
    assert out.getvalue() == printed
    assert "still" not in printed


def test_the_interval_comes_from_the_environment_and_a_bad_value_keeps_the_default() -> None:
    assert interval_from_env({"BLUEGREEN_PROGRESS_INTERVAL": "2.5"}) == 2.5
    assert interval_from_env({"BLUEGREEN_PROGRESS_INTERVAL": "soon"}) == 15.0
    assert interval_from_env({"BLUEGREEN_PROGRESS_INTERVAL": "0"}) == 15.0
    assert interval_from_env({}) == 15.0


def test_the_cli_off_a_terminal_prints_timestamped_lines_and_beats_during_a_wait() -> None:
    """A real process whose stderr is a pipe, as in a CI job."""
    script = (
        "import time\n"
        "from bluegreen.console import RichProgress\n"
        "from bluegreen.output import err_console\n"
        "p = RichProgress(err_console)\n"
        "p.info('starting green')\n"
        "with p.waiting('waiting for green') as update:\n"
        "    update('0/2 healthy'); time.sleep(0.5)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"BLUEGREEN_PROGRESS_INTERVAL": "0.1", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    lines = done.stderr.splitlines()
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +\d+\.\ds "
    assert re.fullmatch(stamp + "starting green", lines[0]), lines
    assert sum("still waiting for green: 0/2 healthy" in line for line in lines) >= 2, lines
    assert all(re.match(stamp, line) for line in lines), lines
