"""`bluegreen config`: every key's effective value and where it came from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bluegreen.config import load_settings
from bluegreen.operations.configuration import effective_config

BLUEGREEN = Path(sys.executable).parent / "bluegreen"


def test_each_source_is_named_flag_environment_file_outputs_default(tmp_path: Path) -> None:
    path = tmp_path / "bluegreen.toml"
    path.write_text('[deploy]\ntasks = 3\n[aws]\nterraform_outputs = "o.json"\n')
    settings = load_settings(path, {"target": "aws", "deploy": {"bake": 300.0}})
    rows = {
        r.key: r
        for r in effective_config(
            settings,
            file_data={"deploy": {"tasks": 3}, "aws": {"terraform_outputs": "o.json"}},
            flags={"target": "aws", "deploy": {"bake": 300.0}},
            from_environment=frozenset({"target"}),
            outputs={"listener_arn": "arn:listener", "unrelated": 1},
        )
    }
    assert (rows["target"].value, rows["target"].source) == ("aws", "environment")
    assert (rows["deploy.bake"].value, rows["deploy.bake"].source) == (300.0, "flag")
    assert (rows["deploy.tasks"].value, rows["deploy.tasks"].source) == (3, "file")
    assert (rows["aws.listener_arn"].value, rows["aws.listener_arn"].source) == (
        "arn:listener",
        "terraform outputs",
    )
    # AWS: the per-target default that CloudWatch can judge
    assert (rows["deploy.interval"].value, rows["deploy.interval"].source) == (240.0, "default")
    assert "source" not in rows
    assert "aws.unrelated" not in rows


def test_the_command_prints_json_with_the_target_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "bluegreen.toml").write_text('[local]\nhealth_path = "/healthz"\n')
    done = subprocess.run(  # our own CLI with fixed arguments
        [str(BLUEGREEN), "config", "--json"],
        cwd=tmp_path,
        env={**os.environ, "BLUEGREEN_TARGET": "local"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    rows = {r["key"]: r for r in json.loads(done.stdout)}
    assert rows["local.health_path"] == {
        "key": "local.health_path",
        "value": "/healthz",
        "source": "file",
    }
    assert rows["target"]["source"] == "environment"
    assert rows["local.database"] == {"key": "local.database", "value": True, "source": "default"}


def test_source_is_not_a_key_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bluegreen.toml"
    path.write_text('source = "elsewhere"\n')
    done = subprocess.run(  # our own CLI with fixed arguments
        [str(BLUEGREEN), "config", "--config", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert "source: unknown key" in done.stderr
