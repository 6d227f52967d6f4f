"""`bluegreen config`: the effective configuration, and where each value came from.

Sources, later ones winning: `default` (the code), `terraform outputs` (the `aws.<output>` keys,
when `aws.terraform_outputs` is set), `file` (bluegreen.toml or --config), `environment`
(a flag's environment variable, e.g. BLUEGREEN_TARGET) and `flag`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bluegreen.config import DEFAULT_CONFIG, Settings, TerraformOutputs

Source = str  # "default", "file", "environment", "flag", "terraform outputs"


@dataclass(frozen=True)
class ConfigValue:
    """One key of the effective configuration."""

    key: str
    value: Any
    source: Source

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        value = str(value) if isinstance(value, Path) else value
        return {"key": self.key, "value": value, "source": self.source}


def _walk(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _walk(value, f"{prefix}{name}.")
        elif f"{prefix}{name}" != "source":
            yield f"{prefix}{name}", value


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        elif value is not None:
            flat[f"{prefix}{key}"] = value
    return flat


def effective_config(
    settings: Settings,
    *,
    file_data: Mapping[str, Any],
    flags: Mapping[str, Any],
    from_environment: frozenset[str] = frozenset(),
    outputs: Mapping[str, Any] | None = None,
) -> list[ConfigValue]:
    """Every key with its effective value and source (pure: the caller read the inputs).

    `flags` mirrors the file's shape; `from_environment` names the flag keys whose value came
    from an environment variable; `outputs` are the Terraform outputs (None when not read).
    """
    in_file = _flat(file_data)
    given = _flat(flags)
    contract = set(TerraformOutputs.model_fields)
    rows = []
    for key, effective in _walk(settings):
        value = effective
        if key in given:
            source = "environment" if key in from_environment else "flag"
        elif key in in_file:
            source = "file"
        elif outputs and key.startswith("aws.") and key[4:] in contract and key[4:] in outputs:
            source, value = "terraform outputs", outputs[key[4:]]
        else:
            source = "default"
        rows.append(ConfigValue(key, value, source))
    return rows


def read_file_data(settings: Settings, config_path: Path | None) -> dict[str, Any]:
    """The configuration file's own keys (empty without one)."""
    path = settings.source or config_path or DEFAULT_CONFIG
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def read_outputs(settings: Settings) -> dict[str, Any] | None:
    """The Terraform outputs `aws.terraform_outputs` names, when the target is AWS."""
    if settings.target != "aws" or settings.aws.terraform_outputs is None:
        return None
    from bluegreen.aws.outputs import load_terraform_outputs  # noqa: PLC0415 - aws only

    location = settings.aws.terraform_outputs
    if not location.is_absolute():
        location = settings.base_dir() / location
    return load_terraform_outputs(location)
