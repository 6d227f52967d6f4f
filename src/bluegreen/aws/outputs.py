"""Where the AWS provider finds its resources: `[aws]` keys and/or Terraform outputs.

One contract between Terraform and the controller, declared once in `config.TerraformOutputs`:
each environment outputs those names and `bluegreen.toml` `[aws]` accepts the same keys.
`terraform_outputs` points at a saved `terraform output -json` file, or at an environment
directory where `terraform output -json` is run. Keys given explicitly in `[aws]` win over the
outputs (an operator can point one command elsewhere without editing Terraform).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bluegreen.config import AwsSettings, contract_keys
from bluegreen.errors import ConfigError
from bluegreen.model import Color

# The contract is declared once, in `config.TerraformOutputs`.
REQUIRED_KEYS = contract_keys(required=True)
OPTIONAL_KEYS = contract_keys(required=False)

TerraformRunner = Callable[[Path], str]


@dataclass(frozen=True)
class AwsResources:
    """Every AWS name the provider needs, resolved and present."""

    region: str
    app_url: str
    cluster: str
    services: Mapping[Color, str]
    listener_arn: str
    target_groups: Mapping[Color, str]
    alarm_names: Mapping[Color, tuple[str, ...]]
    table: str
    live_color_parameter: str
    test_listener_arn: str | None = None
    container_name: str | None = None
    # Every value by name (outputs with `[aws]` keys over them): a task-definition template
    # may use any of them (`${execution_role_arn}`, `${log_group_name}`).
    outputs: Mapping[str, Any] = field(default_factory=dict)


def run_terraform_output(directory: Path) -> str:
    """`terraform output -json` in `directory`; its stdout."""
    terraform = shutil.which("terraform")
    if terraform is None:
        raise ConfigError(
            f"terraform_outputs = {str(directory)!r} is a directory, but terraform is not on PATH",
            hint="install terraform, or save the outputs: terraform output -json > outputs.json",
        )
    try:
        done = subprocess.run(
            [terraform, "output", "-json"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"terraform output -json in {directory} failed: {exc}") from exc
    if done.returncode != 0:
        raise ConfigError(
            f"terraform output -json in {directory} failed: {done.stderr.strip()[:500]}",
            hint="run terraform init/apply in that directory first",
        )
    return done.stdout


def parse_terraform_outputs(text: str, where: str) -> dict[str, Any]:
    """`terraform output -json` text -> {name: value}."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not the JSON of `terraform output -json`: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: not the JSON of `terraform output -json` (no object)")
    values: dict[str, Any] = {}
    for name, entry in raw.items():
        # `terraform output -json` wraps each value as {"value": …, "type": …, "sensitive": …}.
        values[name] = entry["value"] if isinstance(entry, dict) and "value" in entry else entry
    return values


def load_terraform_outputs(
    location: Path, *, runner: TerraformRunner = run_terraform_output
) -> dict[str, Any]:
    """Outputs from a saved JSON file or from an environment directory."""
    if location.is_dir():
        return parse_terraform_outputs(runner(location), f"terraform output -json in {location}")
    try:
        text = location.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"aws.terraform_outputs: cannot read {location}: {exc.strerror}",
            hint="point it at a saved `terraform output -json` file or an environment directory",
        ) from exc
    return parse_terraform_outputs(text, str(location))


def resolve_aws_resources(
    settings: AwsSettings,
    *,
    base_dir: Path | None = None,
    runner: TerraformRunner = run_terraform_output,
) -> AwsResources:
    """Merge `[aws]` keys over the Terraform outputs; name any missing key and where we looked.

    A relative `terraform_outputs` is taken relative to `base_dir` (the configuration file's
    directory).
    """
    outputs: dict[str, Any] = {}
    where = "[aws] in bluegreen.toml"
    if settings.terraform_outputs is not None:
        location = settings.terraform_outputs
        if not location.is_absolute() and base_dir is not None:
            location = base_dir / location
        outputs = load_terraform_outputs(location, runner=runner)
        where = f"[aws] in bluegreen.toml and the Terraform outputs of {location}"
    explicit = settings.model_dump(exclude_unset=True, exclude_defaults=True)
    values = {**outputs, **{k: v for k, v in explicit.items() if v not in (None, ())}}

    missing = [key for key in REQUIRED_KEYS if not values.get(key)]
    if missing:
        raise ConfigError(
            f"aws.{missing[0]}: missing (looked in {where})"
            + (f"; also missing: {', '.join(missing[1:])}" if missing[1:] else ""),
            hint="run terraform apply for the environment, or set the key under [aws]",
        )

    def names(key: str) -> tuple[str, ...]:
        value = values.get(key) or ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"aws.{key}: expected a list of alarm names, got {value!r}")
        return tuple(str(v) for v in value)

    return AwsResources(
        region=str(values["aws_region"]),
        app_url=str(values["app_url"]),
        cluster=str(values["ecs_cluster_name"]),
        services={
            "blue": str(values["blue_service_name"]),
            "green": str(values["green_service_name"]),
        },
        listener_arn=str(values["listener_arn"]),
        target_groups={
            "blue": str(values["blue_target_group_arn"]),
            "green": str(values["green_target_group_arn"]),
        },
        alarm_names={"blue": names("blue_alarm_names"), "green": names("green_alarm_names")},
        table=str(values["deploy_table_name"]),
        live_color_parameter=str(values["live_color_parameter"]),
        test_listener_arn=str(values["test_listener_arn"])
        if values.get("test_listener_arn")
        else None,
        container_name=str(values["container_name"]) if values.get("container_name") else None,
        outputs={k: v for k, v in values.items() if not isinstance(v, Path)},
    )
