"""The repository's GitHub workflows and Actions, found and parsed for the tests of
tests/workflows (YAML 1.1's bare `on` read back as the triggers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))
ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))


def load_yaml(path: Path) -> dict[Any, Any]:
    """A workflow or action.yml, parsed (a mapping, or the test fails naming the file)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    return data


def triggers(doc: dict[Any, Any]) -> Any:
    """A workflow's `on:` (its triggers)."""
    return doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true


def workflow_jobs(doc: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(job id, job) of a workflow."""
    yield from doc.get("jobs", {}).items()


def job_steps(doc: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(job id, step) of every step of every job of a workflow."""
    for job_id, job in workflow_jobs(doc):
        for step in job.get("steps", []):
            yield job_id, step


def action_steps(path: Path) -> Iterator[dict[str, Any]]:
    """The steps of a composite Action's action.yml."""
    yield from load_yaml(path).get("runs", {}).get("steps", [])


GITHUB_FILES = [*WORKFLOWS, *ACTIONS]
