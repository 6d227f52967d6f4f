"""The expand/contract guard for tools other than Alembic: the check command's report.

The parser is pure (exact-output tests); the guard runs a real shell command inside the
procedure on the in-memory platform.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from bluegreen.deployment import Deployment
from bluegreen.errors import ConfigError, DeployError
from bluegreen.migration_check import NotPending, parse_check_output
from bluegreen.migrations import Revision, refused_contracts
from bluegreen.model import Release, Weights
from bluegreen.progress import SilentProgress
from bluegreen.records import DeploymentRecord
from bluegreen.request import DeployRequest
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider

CMD = "./pending"


def test_the_report_parses_into_revisions_in_order() -> None:
    text = (
        "# pending for 2.0.0\n"
        "\n"
        "V2__add_sku expand\n"
        "  V3__drop_name   contract   safe-after=V2__add_sku  \n"
        "V4 contract\n"
    )
    assert parse_check_output(text, CMD) == [
        Revision("V2__add_sku", None, "expand", None, ""),
        Revision("V3__drop_name", None, "contract", "V2__add_sku", ""),
        Revision("V4", None, "contract", None, ""),
    ]


def test_empty_output_means_nothing_is_pending() -> None:
    assert parse_check_output("", CMD) == []
    assert parse_check_output("# nothing\n\n", CMD) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "0002 expand\n0003\n",
            "deploy.migrate_check_command `./pending`: line 2 ('0003'): "
            "expected `<revision> <kind>`",
        ),
        (
            "0003 drop\n",
            "deploy.migrate_check_command `./pending`: line 1 ('0003 drop'): "
            "kind 'drop' is not expand or contract",
        ),
        (
            "0003 contract after=0002\n",
            "deploy.migrate_check_command `./pending`: line 1 ('0003 contract after=0002'): "
            "expected safe-after=<revision>",
        ),
        (
            "0003 contract safe-after=\n",
            "deploy.migrate_check_command `./pending`: line 1 ('0003 contract safe-after='): "
            "expected safe-after=<revision>",
        ),
        (
            "0003 expand safe-after=0002\n",
            "deploy.migrate_check_command `./pending`: line 1 ('0003 expand safe-after=0002'): "
            "safe-after is only for a contract",
        ),
        (
            "0003 expand\n# c\n0003 contract\n",
            "deploy.migrate_check_command `./pending`: line 3 ('0003 contract'): "
            "revision 0003 is listed twice",
        ),
        (
            "0003 contract safe-after=0002 now\n",
            "deploy.migrate_check_command `./pending`: line 1 "
            "('0003 contract safe-after=0002 now'): expected `<revision> <kind>`",
        ),
        (
            "Pending migrations:\n",
            "deploy.migrate_check_command `./pending`: line 1 ('Pending migrations:'): "
            "kind 'migrations:' is not expand or contract",
        ),
    ],
)
def test_a_malformed_report_is_an_error_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_check_output(text, CMD)
    assert caught.value.message == message
    assert caught.value.hint is not None
    assert "<revision> contract safe-after=" in caught.value.hint


def test_the_live_code_has_every_revision_the_command_does_not_list() -> None:
    live_has = NotPending.of(parse_check_output("0003 expand\n0004 contract\n", CMD))
    assert "0002" in live_has
    assert "0003" not in live_has
    assert "0004" not in live_has


def test_the_alembic_rule_applies_to_a_commands_report() -> None:
    pending = parse_check_output(
        "0003 expand\n"
        "0004 contract safe-after=0002\n"  # 0002 is not pending: the live code has it
        "0005 contract safe-after=0003\n"  # 0003 is pending: the live code predates it
        "0006_drop_sku contract\n",
        CMD,
    )
    assert refused_contracts(pending, NotPending.of(pending), "blue (1.0.0)") == [
        "revision 0005 contracts the schema, but blue (1.0.0) still runs code that predates "
        "it (its code does not include 0003, the revision it is safe after)",
        "revision 0006_drop_sku contracts the schema, but blue (1.0.0) still runs code that "
        "predates it",
    ]


# ------------------------------------------------------------------ inside a deployment


def deploy(
    platform: MemoryProvider,
    clock: FakeClock,
    check: str | None,
    progress: SilentProgress | None = None,
    release: Release | None = None,
) -> DeploymentRecord:
    request = DeployRequest(
        release=release or Release("2.0.0", migrate_command=("migrate",)),
        tasks=2,
        migrate_check=check,
    )
    return Deployment(
        platform, request, progress or SilentProgress(), clock=clock, readiness=lambda _u: None
    ).run()


def printing(tmp_path: Path, report: str) -> str:
    """A check command that prints `report` and records the variables it was given."""
    out = tmp_path / "report.txt"
    out.write_text(report)
    seen = tmp_path / "seen.txt"
    return (
        f"cat {shlex.quote(str(out))}; "
        f'echo "$BLUEGREEN_OLD_VERSION $BLUEGREEN_NEW_VERSION $BLUEGREEN_OLD_COLOR" '
        f"> {shlex.quote(str(seen))}"
    )


def test_a_contract_the_command_reports_is_refused_before_anything_runs(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    check = printing(tmp_path, "0002 expand\n0003_drop_name contract\n")
    with pytest.raises(DeployError) as caught:
        deploy(platform, clock, check)
    assert caught.value.message == (
        "refusing to migrate: revision 0003_drop_name contracts the schema, but "
        "blue (1.0.0) still runs code that predates it"
    )
    assert caught.value.hint is not None
    assert "Split the change" in caught.value.hint
    assert platform.calls == []  # no migration, no task
    assert platform.weights == Weights(100, 0)
    assert (tmp_path / "seen.txt").read_text() == "1.0.0 2.0.0 blue\n"


def test_expanding_revisions_the_command_reports_are_migrated_and_journaled(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    progress = SilentProgress()
    record = deploy(platform, clock, printing(tmp_path, "0002 expand\n"), progress)
    assert platform.calls[0] == ("migrate", "2.0.0")
    assert platform.weights == Weights(0, 100)
    steps = [e.step for e in platform.state.events(record.id)]
    assert "guard-skipped" not in steps
    assert "migrating the database for 2.0.0: 0002 (expand)" in progress.lines
    assert not [line for line in progress.lines if "guard skipped" in line]


def test_nothing_pending_skips_the_migration_as_for_alembic(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    record = deploy(platform, clock, printing(tmp_path, "# up to date\n"))
    assert ("migrate", "2.0.0") not in platform.calls
    assert "migrate-skipped" in [e.step for e in platform.state.events(record.id)]


def test_a_failing_check_command_stops_the_deployment_before_the_migration(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    with pytest.raises(DeployError) as caught:
        deploy(platform, clock, "echo cannot reach the database >&2; exit 3")
    assert caught.value.message == (
        "the migration check `echo cannot reach the database >&2; exit 3` failed (exit 3):\n"
        "cannot reach the database"
    )
    assert platform.calls == []


def test_a_malformed_report_stops_the_deployment_naming_the_line(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    with pytest.raises(DeployError, match=r"line 2 \('0003 contracts'\)"):
        deploy(platform, clock, printing(tmp_path, "0002 expand\n0003 contracts\n"))
    assert platform.calls == []


def test_without_a_command_or_revision_files_the_guard_is_skipped_with_a_notice(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    progress = SilentProgress()
    record = deploy(platform, clock, None, progress)
    reason = (
        "no Alembic revisions to read (2.0.0 is an image, whose files the controller does "
        "not open) and no deploy.migrate_check_command"
    )
    events = platform.state.events(record.id)
    assert [e.data for e in events if e.step == "guard-skipped"] == [{"reason": reason}]
    note = (
        f"expand/contract guard skipped: {reason}; the migration is not checked against "
        "blue (1.0.0)"
    )
    assert record.notes == (note,)
    assert f"notice: {note} (set deploy.migrate_check_command: docs/migrations.md)" in (
        progress.lines
    )
    assert "migrating the database for 2.0.0: revisions not readable here" in progress.lines
    assert platform.calls[0] == ("migrate", "2.0.0")  # the deploy proceeds


def test_a_first_deployment_has_no_live_colour_to_guard_and_no_notice(clock: FakeClock) -> None:
    empty = MemoryProvider(clock=clock)
    progress = SilentProgress()
    record = deploy(empty, clock, None, progress)
    assert "guard-skipped" not in [e.step for e in empty.state.events(record.id)]
    assert record.notes == ()
