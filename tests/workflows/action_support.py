"""Running the deploy Action's scripts as a workflow step would: their paths, environment and
inputs, and what they leave behind (GitHub outputs, the job summary)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.aws_stack import REGION, MotoServer

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / ".github" / "actions" / "deploy"
VENV_BIN = ROOT / ".venv" / "bin"
IMAGE = "registry.example/app@sha256:" + "ab" * 32
BUCKET = "bluegreen-tfstate"
KEY = "bluegreen/staging/terraform.tfstate"


def run_script(
    name: str, *args: str, env: dict[str, str], cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one of the Action's scripts (or the CLI's Python on one) as a workflow step would."""
    interpreter = [str(VENV_BIN / "python")] if name.endswith(".py") else []
    return subprocess.run(  # our own scripts, with fixed arguments
        [*interpreter, str(ACTION / name), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def cli_env(moto_server: MotoServer, outputs: Path) -> dict[str, str]:
    return script_env(moto_server, BLUEGREEN=str(VENV_BIN / "bluegreen"), OUTPUTS_FILE=str(outputs))


def script_env(moto_server: MotoServer, **extra: str) -> dict[str, str]:
    return {**moto_server.env(), "PATH": f"{VENV_BIN}:{os.environ['PATH']}", **extra}


def read_outputs(
    moto_server: MotoServer, out: Path, key: str = KEY
) -> subprocess.CompletedProcess[str]:
    args = ("--bucket", BUCKET, "--key", key, "--region", REGION, "--out", str(out))
    return run_script("read_outputs.py", *args, env=script_env(moto_server))


def deploy_sh(
    moto_server: MotoServer, tmp_path: Path, outputs: Path, cwd: str | None = None, **inputs: str
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "repo-bluegreen.toml"
    config.write_text(
        "[deploy]\ntasks = 2\nhealth_timeout = 20\ndrain_timeout = 10\n\n[analysis]\npoll = 0.2\n",
        encoding="utf-8",
    )
    defaults = {
        "BLUEGREEN": str(VENV_BIN / "bluegreen"),
        "OUTPUTS_FILE": str(outputs),
        "CONFIG": str(config),
        "WORK_DIR": str(tmp_path / "work"),
        "SUMMARY_FILE": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "github-output"),
        "HEALTH_TIMEOUT": "20",
    }
    return run_script("deploy.sh", env=script_env(moto_server, **{**defaults, **inputs}), cwd=cwd)


def github_outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "github-output").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


def read_summary(tmp_path: Path) -> str:
    return (tmp_path / "summary.md").read_text(encoding="utf-8")
