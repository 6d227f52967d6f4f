"""The probe around an operation: constant-rate requests while it runs, saved once after.

The probe file is named after the deployment that actually ran (for a rollback that told a
running deployment to roll back, that deployment's id), so no file is left without a journal.
Its cutover is measured from the journal's switch of all traffic (`DeploymentView.cutover`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluegreen import journal
from bluegreen.probe import Probe, ProbeReport
from bluegreen.provider import Provider
from bluegreen.state import StateStore


@dataclass
class ProbeRun:
    """A probe that ran around one operation (or none, when no rate was asked)."""

    probe: Probe | None
    report: ProbeReport | None = None

    def stop(self) -> None:
        """Stop sending; keep the report."""
        if self.probe is not None and self.report is None:
            self.report = self.probe.stop()

    def save(self, store: StateStore, state_dir: Path, deployment_id: str) -> dict[str, Any] | None:
        """Write the probe file of `deployment_id` once; its summary with the cutover.

        None when no probe ran.
        """
        if self.report is None:
            return None
        switch = journal.read(store, deployment_id).cutover()
        cutover = self.report.cutover(switch.at, switch.old, switch.new) if switch else {}
        extra = {"deployment_id": deployment_id, "cutover": cutover}
        self.report.save(state_dir / "probes" / f"{deployment_id}.json", extra)
        return {**self.report.summary(), **extra}


@contextmanager
def probing(provider: Provider, rps: float | None, *, path: str = "/") -> Iterator[ProbeRun]:
    """Probe `path` of the platform's URL at `rps` requests per second while the block runs."""
    run = ProbeRun(Probe(provider.snapshot().url, rps, path=path).start() if rps else None)
    try:
        yield run
    finally:
        run.stop()
