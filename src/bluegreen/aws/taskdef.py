"""The task-definition template of `[aws]`: read from the repository, filled in per release.

`aws.task_definition_template` names the JSON template, `aws.task_definition_values` an optional
JSON object of values; both are relative to bluegreen.toml. The filling in is pure
(`taskdef_template`); this module only reads the files, so that `render`, `diff` and every deploy
register exactly what the files in the checkout say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluegreen.aws.outputs import AwsResources
from bluegreen.aws.taskdef_template import render_task_definition, template_values
from bluegreen.config import Settings
from bluegreen.errors import ConfigError
from bluegreen.model import Color, Release


def _read(path: Path, key: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"aws.{key}: cannot read {path}: {exc.strerror}",
            hint="paths are relative to bluegreen.toml",
        ) from exc


@dataclass(frozen=True)
class TaskDefinitionTemplate:
    """A template and its values, read once."""

    path: Path
    text: str
    values: dict[str, Any]

    @classmethod
    def from_settings(cls, settings: Settings) -> TaskDefinitionTemplate | None:
        """The configured template, or None (new revisions then copy the running one)."""
        aws = settings.aws
        if aws.task_definition_template is None:
            if aws.task_definition_values is not None:
                raise ConfigError(
                    "aws.task_definition_values is set without aws.task_definition_template",
                    hint="set the template too, or remove the values",
                )
            return None
        base = settings.base_dir()
        path = base / aws.task_definition_template
        values: dict[str, Any] = {}
        if aws.task_definition_values is not None:
            values_path = base / aws.task_definition_values
            try:
                loaded = json.loads(_read(values_path, "task_definition_values"))
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{values_path}: not JSON: {exc}") from exc
            if not isinstance(loaded, dict):
                raise ConfigError(f"{values_path}: expected a JSON object of name: value")
            values = loaded
        return cls(path, _read(path, "task_definition_template"), values)

    def render(self, resources: AwsResources, release: Release, color: Color) -> dict[str, Any]:
        """The RegisterTaskDefinition body of `release` on `color`."""
        if not release.image:
            raise ConfigError(f"release {release.version} has no image", hint="pass --image")
        values = template_values(
            resources.outputs,
            self.values,
            image=release.image,
            version=release.version,
            color=color,
        )
        name = resources.container_name or (
            str(self.values["container_name"]) if "container_name" in self.values else None
        )
        return render_task_definition(
            self.text, values, where=str(self.path), container_name=name, env=release.env
        )
