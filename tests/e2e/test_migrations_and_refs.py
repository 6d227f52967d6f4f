"""Releases built from git refs, and migrations that cannot break the colour still serving.

A temporary clone of this repository gets commits of its own: one with an expanding revision
and a visible difference, one that contracts, one whose migration fails.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import REPO, Platform

pytestmark = pytest.mark.integration

EXPAND = """
revision = "0090"
down_revision = "{down}"
bluegreen_change = "expand"

from alembic import op
import sqlalchemy as sa


def upgrade() -> None:
    op.add_column("items", sa.Column("colour_hint", sa.String(20), nullable=True))
"""

CONTRACT = """
revision = "0091"
down_revision = "0090"
bluegreen_change = "contract"

from alembic import op


def upgrade() -> None:
    op.drop_column("items", "name")
"""

BROKEN = """
revision = "0091"
down_revision = "0090"
bluegreen_change = "expand"


def upgrade() -> None:
    raise RuntimeError("this migration is broken on purpose")
"""


def git(clone: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=clone, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(clone: Path, files: dict[str, str], message: str, base: str) -> str:
    git(clone, "checkout", "-q", "--detach", base)
    for name, text in files.items():
        path = clone / name
        path.write_text(text)
        git(clone, "add", name)
    git(clone, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message)
    return git(clone, "rev-parse", "HEAD")


def head_revision() -> str:
    versions = sorted((REPO / "app" / "migrations" / "versions").glob("[0-9]*_*.py"))
    return versions[-1].name.split("_", 1)[0]


def test_ref_releases_expand_run_once_contract_is_refused_and_a_broken_migration_moves_nothing(
    platform: Platform, platform_dir: Path
) -> None:
    clone = platform_dir / "repo"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    base = git(clone, "rev-parse", "HEAD")
    config_py = (clone / "app/src/items_api/config.py").read_text()
    renamed = config_py.replace('default="items-api"', 'default="items-api-from-branch"')
    assert renamed != config_py
    expand = commit(
        clone,
        {
            "app/migrations/versions/0090_colour_hint.py": EXPAND.format(down=head_revision()),
            "app/src/items_api/config.py": renamed,
        },
        "expand",
        base,
    )
    contract = commit(clone, {"app/migrations/versions/0091_drop_name.py": CONTRACT}, "c", expand)
    broken = commit(clone, {"app/migrations/versions/0091_broken.py": BROKEN}, "b", expand)

    up = platform.run("up", "--ref", base, "--version", "1.0.0", cwd=clone, timeout=600)
    assert up.code == 0, up.err

    deployed = platform.run(
        "deploy", "--ref", expand, "--version", "2.0.0", "--probe", "50", "--json", cwd=clone
    )
    assert deployed.code == 0, deployed.err
    record = deployed.json()
    assert record["to"]["release"]["source"] == expand
    assert record["probe"]["failed"] == 0
    health = httpx.get(f"{platform.url}/health").json()
    assert health == {
        "status": "healthy",
        "service": "items-api-from-branch",
        "version": "2.0.0",
        "deployment": "green",
    }
    events = platform.events(record["id"])
    migrations = [e for e in events if e["step"] == "migrate"]
    assert [e["data"]["revisions"] for e in migrations] == [["0090:expand"]]
    live_check = next(e for e in events if e["step"] == "live-checked")
    assert live_check["data"] == {"color": "blue", "problem": None}
    steps = [e["step"] for e in events]
    assert steps.index("migrated") < steps.index("start") < steps.index("shift")

    before = platform.status()
    refused = platform.run("deploy", "--ref", contract, "--version", "3.0.0", cwd=clone)
    assert refused.code == 1
    assert "revision 0091 (drop_name) contracts the schema" in refused.err
    assert "Split the change" in refused.err
    assert platform.status()["weights"] == before["weights"]
    created = httpx.post(f"{platform.url}/items", json={"name": "still has a name"})
    assert created.status_code == 201

    failed = platform.run("deploy", "--ref", broken, "--version", "3.0.1", cwd=clone)
    assert failed.code == 1
    assert "broken on purpose" in failed.err
    history = platform.run("history", "--json").json()
    assert history[0]["outcome"] == "rolled_back"
    broken_events = [e["step"] for e in platform.events(history[0]["id"])]
    assert "start" not in broken_events
    assert "shift" not in broken_events
    assert platform.status()["weights"] == before["weights"]
