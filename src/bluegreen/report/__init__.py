"""The report of one deployment: a self-contained HTML page and, on request, a PNG figure.

`write_report` is what `bluegreen report` and `deploy --report` call. It reads the journal,
the history record and the probe file (`sources`), builds the series (`series`, pure), draws
the figure (`render`) and writes the page (`page`).
"""

from __future__ import annotations

import time
from pathlib import Path

from bluegreen import __version__
from bluegreen.config import Settings
from bluegreen.report import page, render, series
from bluegreen.report.markdown import render_markdown
from bluegreen.report.sources import HasRecords, load_probe, recent_ids, resolve

__all__ = ["recent_ids", "write_report"]


def write_report(
    settings: Settings,
    provider: HasRecords,
    deployment_id: str | None,
    *,
    out: Path | None = None,
    png: Path | None = None,
    markdown: Path | None = None,
) -> Path:
    """Write the report of `deployment_id` (the last deployment when None); its path.

    Default place: `<state_dir>/reports/<id>.html`. `markdown` is appended to (a CI job
    summary file collects several). Raises ConfigError, listing the recent ids, when the id
    is unknown.
    """
    deployment_id, events, record = resolve(provider, deployment_id)
    probe = load_probe(settings.local.state_dir, deployment_id)
    data = series.build(deployment_id, events, record, probe)
    fig = render.figure(data)
    generated = f"{__version__} on {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}"
    html = page.render_page(data, render.svg_text(fig), generated)
    target = out or settings.local.state_dir / "reports" / f"{deployment_id}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    if png is not None:
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(render.png_bytes(fig))
    if markdown is not None:
        with markdown.open("a", encoding="utf-8") as summary:
            summary.write(render_markdown(data))
    return target
