"""checkov over terraform/ finds nothing, and every skip sits next to its resource with a reason."""

from __future__ import annotations

import json
import re
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


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return run_checkov(TERRAFORM)


def test_checkov_finds_no_failed_check(report: dict[str, Any]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} {c['file_path']}" for c in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["passed"] > 300  # it really scanned the tree


def test_checkov_skips_are_inline_with_a_reason_and_nowhere_else() -> None:
    assert not list(REPO.glob(".checkov.y*ml")) and not list(TERRAFORM.rglob(".checkov.y*ml"))
    skips = [
        line.strip()
        for path in TERRAFORM.rglob("*.tf")
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips
    malformed = [s for s in skips if not re.fullmatch(r"# checkov:skip=CKV2?_AWS_\d+:\S.{15,}", s)]
    assert malformed == []


def test_checkov_flags_an_unencrypted_public_database(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_db_instance" "bad" {\n'
        '  engine              = "postgres"\n'
        '  instance_class      = "db.t4g.micro"\n'
        "  publicly_accessible = true\n"
        "  storage_encrypted   = false\n"
        "}\n"
    )
    failed = {c["check_id"] for c in run_checkov(tmp_path)["results"]["failed_checks"]}
    assert {"CKV_AWS_16", "CKV_AWS_17"} <= failed
