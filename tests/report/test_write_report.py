"""Which deployment is reported, where the page goes, and what an unknown id says."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.cli import main
from bluegreen.config import Settings
from bluegreen.errors import ConfigError
from bluegreen.report import recent_ids, write_report
from tests.report.conftest import (
    APPROVAL_ID,
    CANARY_FAIL_ID,
    CANARY_OK,
    CANARY_OK_ID,
    FakeProvider,
    MemoryRecords,
)
from tests.report.pages import read_page


def test_page_goes_to_the_reports_directory_by_default(
    settings: Settings, provider: FakeProvider
) -> None:
    path = write_report(settings, provider, CANARY_OK_ID)
    assert path == settings.local.state_dir / "reports" / f"{CANARY_OK_ID}.html"
    assert read_page(path.read_text(encoding="utf-8")).summary["id"] == CANARY_OK_ID


def test_without_an_id_the_last_deployment_is_reported(
    settings: Settings, provider: FakeProvider
) -> None:
    path = write_report(settings, provider, None)
    assert path.name == f"{APPROVAL_ID}.html"


def test_out_puts_the_page_where_asked(
    settings: Settings, provider: FakeProvider, tmp_path: Path
) -> None:
    out = tmp_path / "somewhere" / "page.html"
    assert write_report(settings, provider, CANARY_FAIL_ID, out=out) == out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_deployment_still_running_can_be_reported(settings: Settings) -> None:
    records = MemoryRecords()
    records.add(CANARY_OK_ID, CANARY_OK[:7], closed=False)
    path = write_report(settings, FakeProvider(records), CANARY_OK_ID)
    assert read_page(path.read_text(encoding="utf-8")).summary["outcome"] == "in progress"


def test_recent_ids_are_newest_first(provider: FakeProvider) -> None:
    assert recent_ids(provider) == [APPROVAL_ID, CANARY_FAIL_ID, CANARY_OK_ID]
    assert recent_ids(provider, 1) == [APPROVAL_ID]


@pytest.mark.parametrize("wrong", ["20261127T000000-zzzz", "../../etc/passwd", ""])
def test_unknown_id_is_a_config_error_listing_recent_ids(
    settings: Settings, provider: FakeProvider, wrong: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        write_report(settings, provider, wrong)
    assert raised.value.exit_code == 2
    assert f"recent deployments: {APPROVAL_ID}, {CANARY_FAIL_ID}, {CANARY_OK_ID}" in str(
        raised.value
    )
    assert not (settings.local.state_dir / "reports").exists()


def test_empty_history_says_there_is_nothing_to_report(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="no deployment in the history yet"):
        write_report(settings, FakeProvider(MemoryRecords()), None)


def test_cli_report_of_an_unknown_id_exits_2_with_the_recent_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bluegreen.toml"
    config.write_text(f'[local]\nstate_dir = "{tmp_path / ".bluegreen"}"\n', encoding="utf-8")
    assert main(["report", "nope", "--config", str(config)]) == 2
    assert "unknown deployment 'nope'; recent deployments: none yet" in capsys.readouterr().err
