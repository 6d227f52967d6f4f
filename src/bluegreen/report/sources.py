"""Where the report's data is read from: the journal, the history record and the probe file.

The only I/O of the report besides writing it. Ids are checked before they reach a path, so
`bluegreen report ../x` cannot read outside the state directory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from bluegreen.errors import ConfigError
from bluegreen.records import DeploymentRecord
from bluegreen.state import JournalEntry

# What new_deployment_id() makes (20261127T134501-3fa2), with room for ids made elsewhere.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


class Records(Protocol):
    """The part of the state store the report reads."""

    def events(self, deployment_id: str) -> Sequence[JournalEntry]:
        """The journal of one deployment, in order."""
        ...

    def history(self, limit: int = 50) -> Sequence[DeploymentRecord]:
        """History records, newest first."""
        ...

    def load_record(self, deployment_id: str) -> DeploymentRecord | None:
        """One history record, or None."""
        ...


class HasRecords(Protocol):
    """A provider, as far as the report is concerned."""

    @property
    def state(self) -> Records:
        """Its state store."""
        ...


def recent_ids(provider: HasRecords, n: int = 10) -> list[str]:
    """Ids of the `n` newest deployments in the history, newest first."""
    return [r.id for r in provider.state.history(limit=n)]


def _unknown(deployment_id: str, provider: HasRecords) -> ConfigError:
    recent = recent_ids(provider)
    listed = ", ".join(recent) if recent else "none yet"
    return ConfigError(
        f"unknown deployment {deployment_id!r}; recent deployments: {listed}",
        hint="`bluegreen history` lists them all",
    )


def resolve(
    provider: HasRecords, deployment_id: str | None
) -> tuple[str, list[JournalEntry], DeploymentRecord | None]:
    """The id (the newest in the history when None), its events and its history record."""
    if deployment_id is None:
        recent = recent_ids(provider, 1)
        if not recent:
            raise ConfigError(
                "no deployment in the history yet, so there is nothing to report",
                hint="run `bluegreen deploy` first",
            )
        deployment_id = recent[0]
    if not ID_PATTERN.fullmatch(deployment_id):
        raise _unknown(deployment_id, provider)
    events = list(provider.state.events(deployment_id))
    record = provider.state.load_record(deployment_id)
    if not events and record is None:
        raise _unknown(deployment_id, provider)
    return deployment_id, events, record


def load_probe(state_dir: Path, deployment_id: str) -> dict[str, Any] | None:
    """The probe file the CLI saved for this deployment, or None (no probe ran, or unreadable)."""
    path = state_dir / "probes" / f"{deployment_id}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
