"""The report page stands alone, escapes what operators typed, and shows the recorded figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bluegreen.config import Settings
from bluegreen.report import write_report
from tests.report.conftest import (
    CANARY_FAIL,
    CANARY_FAIL_ID,
    CANARY_OK_ID,
    ROLLBACK_REASON,
    FakeProvider,
    probe_file,
    record,
)
from tests.report.pages import read_page


def _with_probe(settings: Settings, deployment_id: str, started_at: float) -> None:
    path = settings.local.state_dir / "probes" / f"{deployment_id}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(probe_file(deployment_id, started_at)), encoding="utf-8")


def test_page_loads_nothing_from_anywhere(settings: Settings, provider: FakeProvider) -> None:
    _with_probe(settings, CANARY_OK_ID, 999.2)
    html = write_report(settings, provider, CANARY_OK_ID).read_text(encoding="utf-8")
    page = read_page(html)
    # The inline SVG refers to its own glyphs and clip paths (`#id`); nothing else is linked.
    assert [url for url in page.urls if not url.startswith("#")] == []
    assert page.urls
    assert not {"script", "link", "iframe", "img", "object", "embed"} & page.tags
    assert "svg" in page.tags
    assert "@import" not in html
    assert re.findall(r"url\((?!#)", html) == []
    assert re.findall(r"(?:src|href)=[\"']?https?:", html) == []
    assert "default-src 'none'" in html


def test_page_summary_shows_the_record_and_probe_figures(
    settings: Settings, provider: FakeProvider
) -> None:
    _with_probe(settings, CANARY_OK_ID, 999.2)
    page = read_page(write_report(settings, provider, CANARY_OK_ID).read_text(encoding="utf-8"))
    assert page.summary == {
        "id": CANARY_OK_ID,
        "operation": "deploy",
        "outcome": "succeeded",
        "reason": "-",
        "target": "local",
        "who": "ci@runner",
        "strategy": "canary",
        "from": "1.0.0 (blue)",
        "to": "2.0.0 (green)",
        "started_at": "1970-01-01 00:16:40 UTC",
        "duration_s": "13.45 s",
        "time_to_healthy_s": "1.5 s",
        "shift_s": "5.15 s",
        "requests": "152",
        "failed": "3",
        "by_version": "1.0.0: 95, 2.0.0: 54",
        "p50_ms": "2.5 ms",
        "p99_ms": "9.5 ms",
        "cutover_first_new_ms": "3.2 ms",
        "cutover_last_old_ms": "41.7 ms",
    }


def test_page_lists_each_step_with_time_and_duration_and_the_rollback_reason(
    settings: Settings, provider: FakeProvider
) -> None:
    html = write_report(settings, provider, CANARY_FAIL_ID).read_text(encoding="utf-8")
    page = read_page(html)
    assert page.steps == [
        ["start green", "0.5 s", "1.5 s", "2 task(s) of 2.0.0 as green"],
        ["healthy", "2 s", "0.1 s", "2 task(s) healthy after 1.5 s"],
        ["shift 1/2", "2.1 s", "2.15 s", "green to 10% (blue 90% / green 10%)"],
        ["rollback", "4.25 s", "0.15 s", ROLLBACK_REASON],
        ["stop green", "4.4 s", "0.7 s", "stopping the tasks of green"],
        ["end", "5.1 s", "-", f"rolled_back: {ROLLBACK_REASON}"],
    ]
    assert f"<strong>Why it was rolled back:</strong> {ROLLBACK_REASON}" in html
    assert "<td>FAIL</td>" in html
    assert "10.00%" in html
    assert "No probe ran" in html


def test_operator_text_is_escaped_in_the_page_and_plain_in_the_chart(
    settings: Settings, provider: FakeProvider
) -> None:
    hostile = '<script>alert("x")</script> $\\alpha$ & co'
    provider.state.records[CANARY_FAIL_ID] = record(
        CANARY_FAIL_ID,
        CANARY_FAIL,
        reason=hostile,
        to={"color": "green", "version": hostile, "release": None},
    )
    html = write_report(settings, provider, CANARY_FAIL_ID).read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; $\\alpha$ &amp; co" in html
    assert read_page(html).summary["reason"] == hostile


def test_png_is_written_when_asked(
    settings: Settings, provider: FakeProvider, tmp_path: Path
) -> None:
    _with_probe(settings, CANARY_OK_ID, 999.2)
    png = tmp_path / "out" / "figure.png"
    write_report(settings, provider, CANARY_OK_ID, png=png)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 850)
