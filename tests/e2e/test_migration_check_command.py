"""The expand/contract guard for a service whose migrations are not Alembic's.

examples/node-service on a real local platform (HAProxy, node processes), driven through the
CLI, with a migration command of its own and `deploy.migrate_check_command` reporting the
pending revisions. A contracting revision is refused as an Alembic one is (exit 1, the live
colour untouched, nothing migrated); without a check command the deploy proceeds and says the
guard was skipped, and why.
"""

from __future__ import annotations

import shlex
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_own_service import EXAMPLE, example_platform, write_config
from tests.support.platform import make_short_dir

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
]


@pytest.fixture
def tmp() -> Iterator[Path]:
    path = make_short_dir("bgm")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def flat(text: str) -> str:
    """`text` with every run of whitespace one space (the console wraps long lines)."""
    return " ".join(text.split())


def migrations_run(tmp: Path) -> list[str]:
    """The versions whose migration ran, in order (the migration command appends them)."""
    log = tmp / "migrated.log"
    return log.read_text().split() if log.exists() else []


def test_a_contract_reported_by_the_check_command_is_refused_and_no_command_gives_a_notice(
    tmp: Path,
) -> None:
    report = tmp / "pending.txt"
    check = f"cat {shlex.quote(str(report))}"
    migrate = ["sh", "-c", f"echo $APP_VERSION >> {shlex.quote(str(tmp / 'migrated.log'))}"]
    platform = example_platform(
        tmp,
        {"local": {"migrate_command": migrate}, "deploy": {"migrate_check_command": check}},
    )
    try:
        report.write_text("0001_create_greetings expand\n")
        up = platform.run("up", "--version", "1.0.0")
        assert up.code == 0, up.err[-3000:]
        assert migrations_run(tmp) == ["1.0.0"]
        assert "migrating the database for 1.0.0: 0001_create_greetings (expand)" in flat(up.err)

        # The release drops what 1.0.0 still reads: refused as for Alembic, before migrating.
        report.write_text("# pending\n0002_add_locale expand\n0003_drop_greeting contract\n")
        refused = platform.run("deploy", "--version", "2.0.0")
        assert refused.code == 1, refused.err[-3000:]
        assert (
            "refusing to migrate: revision 0003_drop_greeting contracts the schema, but blue "
            "(1.0.0) still runs code that predates it"
        ) in flat(refused.err)
        assert "Split the change" in flat(refused.err)
        assert migrations_run(tmp) == ["1.0.0"]
        status = platform.status()
        assert status["live"] == "blue"
        assert status["colors"]["blue"]["version"] == "1.0.0"

        # A report the guard cannot read stops the deploy and names the line.
        report.write_text("0002_add_locale expand\n0003_drop_greeting drop\n")
        malformed = platform.run("deploy", "--version", "2.0.0")
        assert malformed.code == 1, malformed.err[-3000:]
        assert "line 2 ('0003_drop_greeting drop'): kind 'drop' is not expand or contract" in (
            flat(malformed.err)
        )
        assert migrations_run(tmp) == ["1.0.0"]

        # No check command and no Alembic files: the deploy proceeds, with a notice.
        config = tomllib.loads(platform.config.read_text())
        del config["deploy"]["migrate_check_command"]
        write_config(platform.config, config)
        deployed = platform.run("deploy", "--version", "2.0.0")
        assert deployed.code == 0, deployed.err[-3000:]
        reason = (
            f"no Alembic revisions to read ({EXAMPLE} has no migrations/versions/) and no "
            "deploy.migrate_check_command"
        )
        assert f"notice: expand/contract guard skipped: {reason}" in flat(deployed.err)
        assert migrations_run(tmp) == ["1.0.0", "2.0.0"]
        history = platform.run("history", "--json")
        assert history.code == 0, history.err
        latest = history.json()[0]
        assert latest["outcome"] == "succeeded"
        assert any("expand/contract guard skipped" in note for note in latest["notes"])
        assert platform.status()["colors"]["green"]["version"] == "2.0.0"
    finally:
        platform.run("down", "--purge", timeout=60)
