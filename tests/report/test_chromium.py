"""The report renders in a real browser: Debian's headless Chromium, offline, not blank."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from bluegreen.config import Settings
from bluegreen.report import write_report
from tests.report.conftest import CANARY_OK_ID, FakeProvider, probe_file

# Debian's chromium by default; BLUEGREEN_CHROMIUM names another build (GitHub's Ubuntu
# runners ship Google Chrome instead).
CHROMIUM = os.environ.get("BLUEGREEN_CHROMIUM", "/usr/bin/chromium")


def screenshot(page: Path, png: Path, profile: Path) -> None:
    """Chromium's own screenshot of `page`, with everything that would reach a network off."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: run `make setup` (it installs Debian's chromium)")
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",  # tests run as root in containers, where the sandbox cannot start
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            "--window-size=1200,1600",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert png.is_file(), f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr}"


def test_report_renders_in_headless_chromium_with_its_chart(
    settings: Settings, provider: FakeProvider, tmp_path: Path
) -> None:
    probe = settings.local.state_dir / "probes" / f"{CANARY_OK_ID}.json"
    probe.parent.mkdir(parents=True)
    probe.write_text(json.dumps(probe_file(CANARY_OK_ID, 999.2)), encoding="utf-8")
    page = write_report(settings, provider, CANARY_OK_ID)
    profile = tmp_path / "profile"
    profile.mkdir()
    png = tmp_path / "screenshot.png"

    screenshot(page, png, profile)

    pixels = imread(png)[:, :, :3]  # floats 0..1; drop alpha
    assert pixels.shape[:2] == (1600, 1200)
    not_white = np.any(pixels < 0.95, axis=2)
    assert not_white.mean() > 0.05, "the screenshot is (almost) blank"
    colours = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50, "the screenshot has too few colours to hold text and a chart"
    # The inline SVG was drawn: many pixels of the blue and the green of the weights panel.
    r, g, b = pixels[:, :, 0], pixels[:, :, 1], pixels[:, :, 2]
    assert ((b > r + 0.3) & (b > g + 0.1)).sum() > 10_000, "no blue fleet area in the chart"
    assert ((g > r + 0.2) & (g > b + 0.1)).sum() > 10_000, "no green fleet area in the chart"
