"""The workflows' and the Action's hardening: actions pinned by commit SHA with a version comment,
read-only permissions (only id-token may write), concurrency groups, checkouts without
persisted credentials, and no `${{ }}` expression inside a script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .github_files import (
    GITHUB_FILES,
    WORKFLOWS,
    action_steps,
    job_steps,
    load_yaml,
    triggers,
    workflow_jobs,
)

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\b")


@pytest.mark.parametrize("path", GITHUB_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_action_is_pinned_by_sha_with_a_version_comment(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if not match:
            continue
        ref, rest = match.groups()
        if ref.startswith("./"):
            continue  # a workflow or action of this repository, at this commit
        assert PINNED.match(ref), f"{path.name}:{number}: {ref} is not pinned by a commit SHA"
        assert VERSION_COMMENT.search(rest), f"{path.name}:{number}: add `# vX.Y.Z` after {ref}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_concurrency_and_checkout(path: Path) -> None:
    doc = load_yaml(path)
    top = doc.get("permissions")
    read_only = isinstance(top, dict) and set(top.values()) <= {"read", "none"}
    assert top == "read-all" or read_only, (
        f"{path.name}: top-level permissions must be {{}} or read-only, got {top!r}"
    )
    if set(triggers(doc)) == {"workflow_call"}:  # the caller's workflow runs it: per job
        for job_id, job in workflow_jobs(doc):
            assert "concurrency" in job, f"{path.name}:{job_id}: no concurrency group"
    else:
        assert "concurrency" in doc, f"{path.name}: no concurrency group"
    for job_id, job in workflow_jobs(doc):
        writes = {k for k, v in (job.get("permissions") or {}).items() if v == "write"}
        assert writes <= {"id-token"}, f"{path.name}:{job_id}: only id-token may be write"
    for job_id, step in job_steps(doc):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, (
                f"{path.name}:{job_id}: checkout needs persist-credentials: false"
            )


@pytest.mark.parametrize("path", GITHUB_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_expression_inside_a_script(path: Path) -> None:
    """`${{ }}` values reach scripts only through `env:` (no template injection)."""
    steps = [s for _, s in job_steps(load_yaml(path))] + list(action_steps(path))
    for step in steps:
        assert "${{" not in step.get("run", ""), f"{path.name}:{step.get('name')}: use env:"
