"""How the workflows use the deploy Action: deploy builds once and promotes the same digest behind
two gates, every use reads the outputs from state with the reader role, terraform applies only
after check-idle, rollback records a reason, the reusable workflow passes every input."""

from __future__ import annotations

import re
from typing import Any

from .github_files import (
    ACTIONS,
    GITHUB_FILES,
    WORKFLOWS,
    WORKFLOWS_DIR,
    job_steps,
    load_yaml,
    triggers,
)


def _action_uses(doc: dict[Any, Any], job_id: str) -> dict[str, Any]:
    [step] = [s for s in doc["jobs"][job_id]["steps"] if "actions/deploy" in str(s.get("uses"))]
    return dict(step["with"])


def test_deploy_builds_once_and_promotes_the_same_digest_behind_two_gates() -> None:
    doc = load_yaml(WORKFLOWS_DIR / "deploy.yml")
    jobs = doc["jobs"]
    assert "workflow_run" not in triggers(doc)
    assert jobs["build"]["needs"] == "ci"
    assert jobs["staging"]["needs"] == "build"
    assert set(jobs["prod"]["needs"]) == {"build", "staging"}
    assert jobs["promote"]["needs"] == "prod"
    gates = {job: jobs[job]["environment"]["name"] for job in ("staging", "prod", "promote")}
    assert gates == {"staging": "staging", "prod": "prod", "promote": "prod-promote"}
    staging, prod, promote = (_action_uses(doc, j) for j in ("staging", "prod", "promote"))
    digest = "${{ needs.build.outputs.digest }}"
    for uses in (staging, prod):
        assert uses["image-digest"] == digest
        assert uses["image-archive"] == "${{ runner.temp }}/image/app-image.tar"
        assert uses["health-timeout"] == "${{ env.HEALTH_TIMEOUT }}"
    assert (staging["approve"], prod["approve"]) == ("false", "true")
    assert (promote["command"], promote["environment"]) == ("promote", "prod")
    assert "300" in doc["env"]["HEALTH_TIMEOUT"]  # the Fargate-sized default
    staging_steps = [s.get("run", "") for s in jobs["staging"]["steps"]]
    assert any("verify-live.sh" in run for run in staging_steps)


def test_every_use_of_the_action_reads_the_outputs_from_state_with_the_reader_role() -> None:
    uses = [
        (path.name, step["with"])
        for path in WORKFLOWS
        for _, step in job_steps(load_yaml(path))
        if "actions/deploy" in str(step.get("uses"))
    ]
    assert len(uses) >= 5, uses
    for where, given in uses:
        assert {"outputs-role-to-assume", "role-to-assume", "state-bucket"} <= set(given), where
    for path in GITHUB_FILES:
        assert "TERRAFORM_OUTPUTS" not in path.read_text(encoding="utf-8"), path.name


def test_terraform_applies_only_after_checking_that_no_deployment_holds_the_environment() -> None:
    doc = load_yaml(WORKFLOWS_DIR / "terraform.yml")
    for job_id in ("apply-staging", "apply-prod"):
        runs = [step.get("run", "") for step in doc["jobs"][job_id]["steps"]]
        check = next(i for i, run in enumerate(runs) if "check-idle.sh" in run)
        apply = next(i for i, run in enumerate(runs) if re.search(r"terraform .*\bapply\b", run))
        assert check < apply, f"{job_id}: the check must come right before the apply"
        assert " apply " not in " ".join(runs[:check]), f"{job_id}: an apply before the check"


def test_rollback_asks_for_a_reason_and_records_it() -> None:
    rollback = load_yaml(WORKFLOWS_DIR / "rollback.yml")
    inputs = triggers(rollback)["workflow_dispatch"]["inputs"]
    assert inputs["reason"]["required"] is True
    uses = _action_uses(rollback, "rollback")
    assert (uses["command"], uses["reason"]) == ("rollback", "${{ inputs.reason }}")


def test_the_reusable_workflow_runs_the_action_with_every_input_it_declares() -> None:
    doc = load_yaml(WORKFLOWS_DIR / "bluegreen.yml")
    assert set(triggers(doc)) == {"workflow_call"}
    declared = set(triggers(doc)["workflow_call"]["inputs"])
    action_inputs = set(load_yaml(ACTIONS[0])["inputs"])
    passed = set(_action_uses(doc, "bluegreen"))
    assert passed <= action_inputs
    # every Action input is reachable from a caller (image-archive through image-artifact)
    assert action_inputs - passed == set()
    own = {"gate", "image-artifact", "image-archive-file", "bluegreen-repository", "bluegreen-ref"}
    assert declared - own <= passed
