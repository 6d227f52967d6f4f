"""What a command loads before it does anything: only what the local deploy path needs.

Every `bluegreen` command is a new process, so its imports are part of every deployment's lead
time (docs/lead-time.md): httpx (which pulls in rich.progress for its own CLI) loads only for a
probe or analysis traffic, not for the live colour's readiness check after a migration; boto3
and botocore only for --target aws.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Slow to import and not needed to parse flags, load settings and run a local deployment.
NOT_AT_START = ("httpx", "rich.progress", "boto3", "botocore", "matplotlib", "alembic")


def loaded_after(*modules: str, then: str = "") -> set[str]:
    """The modules of NOT_AT_START that importing `modules` (then running `then`) loads, in a
    fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}: importlib.import_module(name)\n"
        f"{then}\n"
        f"print(json.dumps([m for m in {list(NOT_AT_START)!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout))


def test_the_cli_and_the_local_provider_load_none_of_the_slow_optional_libraries() -> None:
    assert loaded_after("bluegreen.cli", "bluegreen.local.provider") == set()


def test_the_readiness_check_after_a_migration_loads_no_httpx() -> None:
    check = "from bluegreen.readiness import live_readiness_problem as c; c('http://127.0.0.1:9')"
    assert loaded_after("bluegreen.cli", then=check) == set()


def test_the_libraries_still_load_where_they_are_used() -> None:
    # the check above would pass vacuously if nothing could ever load them
    probe = "from bluegreen.probe import Probe; Probe('http://127.0.0.1:9', rps=1).stop()"
    assert "httpx" in loaded_after("bluegreen.cli", then=probe)
    assert {"boto3", "botocore"} <= loaded_after("bluegreen.aws.provider")
