"""`bluegreen` on its own: the wheel built from the repository installs into a clean virtualenv
with no dev dependency, through the same install.sh the GitHub Action runs, and works as a CLI
against AWS (moto_server) with no PostgreSQL or HAProxy anywhere on its PATH.

Offline: uv builds and installs from its cache, which `make setup` filled (the hashed
requirements/cli.lock still checks every wheel).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import bluegreen
from tests.support.aws_stack import MotoServer, terraform_output_json

from ..aws.conftest import moto_server, server_stack
from ..aws.e2e_support import app_endpoint
from .locks import CLI_LOCK, pins

__all__ = ["moto_server", "server_stack"]  # fixtures from tests/aws, used by name below

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".venv" / "bin" / "uv"
INSTALL = ROOT / ".github" / "actions" / "deploy" / "install.sh"
# A PATH with the system's tools but not /usr/sbin (HAProxy) nor PostgreSQL's bin directory.
BARE_PATH = "/usr/bin:/bin"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own build, install and CLI
        list(args), capture_output=True, text=True, timeout=300, check=False, env=env
    )


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtualenv holding the wheel and the locked runtime dependencies, nothing else."""
    dist = tmp_path_factory.mktemp("dist")
    offline = {**os.environ, "UV_OFFLINE": "1"}
    built = _run(str(UV), "build", "--wheel", "--out-dir", str(dist), str(ROOT), env=offline)
    assert built.returncode == 0, built.stderr
    [wheel] = dist.glob("bluegreen-*.whl")
    target = tmp_path_factory.mktemp("clean") / "venv"
    installed = _run(str(INSTALL), str(target), str(wheel), env={**offline, "UV": str(UV)})
    assert installed.returncode == 0, installed.stderr
    return target


def _distributions(venv: Path) -> dict[str, str]:
    listing = _run(
        str(venv / "bin" / "python"),
        "-c",
        "import importlib.metadata as m, json; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
    )
    assert listing.returncode == 0, listing.stderr
    return {canonicalize_name(n): v for n, v in json.loads(listing.stdout).items()}


def test_version_and_help_run_from_the_clean_venv(venv: Path) -> None:
    env = {"PATH": BARE_PATH, "HOME": str(venv)}
    version = _run(str(venv / "bin" / "bluegreen"), "--version", env=env)
    assert (version.returncode, version.stdout.strip()) == (
        0,
        f"bluegreen, version {bluegreen.__version__}",
    )
    helped = _run(str(venv / "bin" / "bluegreen"), "--help", env=env)
    assert helped.returncode == 0, helped.stderr
    for command in ("deploy", "promote", "rollback", "status", "report", "history"):
        assert f"  {command} " in helped.stdout


def test_the_clean_venv_holds_the_wheel_and_the_locked_runtime_dependencies_only(
    venv: Path,
) -> None:
    installed = _distributions(venv)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {canonicalize_name(Requirement(r).name) for r in pyproject["dependencies"]}
    dev_tools = {
        canonicalize_name(Requirement(r).name) for r in pyproject["optional-dependencies"]["dev"]
    }
    assert installed.pop("bluegreen") == bluegreen.__version__
    assert runtime <= set(installed)
    assert dev_tools & set(installed) == set()
    installed.pop("pip", None)  # the virtualenv's own installers
    installed.pop("setuptools", None)
    assert installed == pins(CLI_LOCK)


@pytest.fixture
def outputs_file(server_stack: dict[str, Any], tmp_path: Path) -> Iterator[Path]:
    with app_endpoint() as url:
        path = tmp_path / "outputs.json"
        path.write_text(terraform_output_json({**server_stack, "app_url": url}), encoding="utf-8")
        yield path


def test_the_installed_cli_reads_an_aws_stack_without_postgresql_or_haproxy(
    venv: Path, moto_server: MotoServer, outputs_file: Path, tmp_path: Path
) -> None:
    assert shutil.which("haproxy", path=BARE_PATH) is None
    assert shutil.which("pg_ctl", path=BARE_PATH) is None
    config = tmp_path / "bluegreen.toml"
    config.write_text(f'[aws]\nterraform_outputs = "{outputs_file}"\n', encoding="utf-8")
    env = {**moto_server.env(), "PATH": BARE_PATH, "HOME": str(tmp_path)}

    done = _run(
        str(venv / "bin" / "bluegreen"),
        "status",
        "--target",
        "aws",
        "--config",
        str(config),
        "--json",
        env=env,
    )

    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert (status["target"], status["live"]) == ("aws", "blue")
    assert status["colors"]["blue"]["healthy"] == 2
