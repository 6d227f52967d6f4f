"""checkov over terraform/ finds nothing, and every skip sits next to its resource with a reason."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.tfhelpers import REPO, TERRAFORM

CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"


def run_checkov(directory: Path) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: checkov lives in its own venv (it pins an old boto3)")
    completed = subprocess.run(
        [str(CHECKOV), "-d", str(directory), "--framework", "terraform", "--quiet", "--compact",
         "--skip-download", "--output", "json"],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert completed.stdout, completed.stderr[-2000:]
    report = json.loads(completed.stdout)
    reports = report if isinstance(report, list) else [report]
    (terraform,) = [r for r in reports if r.get("check_type") == "terraform"]
    result: dict[str, Any] = terraform
    return result


CANARY = (
    'resource "aws_db_instance" "canary" {\n'
    '  engine              = "postgres"\n'
    '  instance_class      = "db.t4g.micro"\n'
    "  publicly_accessible = true\n"
    "  storage_encrypted   = false\n"
    "}\n"
)


@pytest.fixture(scope="module")
def reports(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One checkov run (its start-up dominates) over a copy of terraform/ next to a deliberately
    bad canary directory; returns the failed checks of each."""
    tree = tmp_path_factory.mktemp("checkov")
    shutil.copytree(TERRAFORM, tree / "terraform")
    (tree / "canary").mkdir()
    (tree / "canary" / "main.tf").write_text(CANARY)
    failed: list[dict[str, Any]] = run_checkov(tree)["results"]["failed_checks"]
    ours = [c for c in failed if str(c["file_path"]).startswith("/terraform/")]
    canary = [c for c in failed if str(c["file_path"]).startswith("/canary/")]
    assert len(ours) + len(canary) == len(failed)
    return ours, canary


def test_checkov_finds_no_failed_check(
    reports: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    ours, _ = reports
    assert [f"{c['check_id']} {c['resource']} {c['file_path']}" for c in ours] == []


def test_checkov_skips_are_inline_with_a_reason_and_nowhere_else() -> None:
    assert not list(REPO.glob(".checkov.y*ml"))
    assert not list(TERRAFORM.rglob(".checkov.y*ml"))
    skips = [
        line.strip()
        for path in TERRAFORM.rglob("*.tf")
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips
    malformed = [s for s in skips if not re.fullmatch(r"# checkov:skip=CKV2?_AWS_\d+:\S.{15,}", s)]
    assert malformed == []


def test_checkov_flags_an_unencrypted_public_database_in_the_same_run(
    reports: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    _, canary = reports
    assert {"CKV_AWS_16", "CKV_AWS_17"} <= {c["check_id"] for c in canary}
