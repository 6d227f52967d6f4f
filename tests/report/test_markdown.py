"""The Markdown summary a CI job shows: the report's figures as tables, appended."""

from __future__ import annotations

from pathlib import Path

from bluegreen.config import Settings
from bluegreen.report import write_report
from bluegreen.report.markdown import render_markdown
from bluegreen.report.series import build
from tests.report.conftest import (
    CANARY_FAIL,
    CANARY_FAIL_ID,
    ROLLBACK_REASON,
    FakeProvider,
    journal,
    record,
)


def test_rolled_back_canary_lists_reason_steps_and_failing_verdict() -> None:
    events = journal(CANARY_FAIL_ID, CANARY_FAIL)
    text = render_markdown(build(CANARY_FAIL_ID, events, record(CANARY_FAIL_ID, CANARY_FAIL), None))
    lines = text.splitlines()
    assert lines[0] == f"### bluegreen deploy {CANARY_FAIL_ID}: 1.0.0 → 2.0.0 (rolled_back)"
    assert lines[2] == f"**Why it was rolled back:** {ROLLBACK_REASON}"
    assert "| Outcome | rolled_back |" in lines
    assert "| step | at | duration | detail |" in lines
    fail_rows = [line for line in lines if "| FAIL |" in line]
    assert len(fail_rows) == 1
    assert "step 1/2" in fail_rows[0]


def test_markdown_is_appended_to_the_given_file(
    settings: Settings, provider: FakeProvider, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    write_report(settings, provider, CANARY_FAIL_ID, markdown=summary)
    text = summary.read_text()
    assert text.startswith("earlier step\n### bluegreen deploy")
    assert "| Probe failed requests |" in text
