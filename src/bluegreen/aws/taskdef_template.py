"""The task-definition template, filled in: pure functions, exact-output tests.

One source of truth for the task definition, as ecspresso has it: a JSON file in the repository
with `${name}` placeholders (Terraform's `templatefile` syntax, so Terraform can render the same
file; `$${` writes a literal `${`). The values come, later ones winning, from the Terraform
outputs (every output by its name: `execution_role_arn`, `log_group_name`, ...), the values file
(`aws.task_definition_values`), and the release: `image`, `version`, `color`. After filling in,
the release's `--env` and `APP_VERSION` are set on the application container, so a deploy's
revision is exactly: template + values + release. docs/task-definition-template.md describes it.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any

from bluegreen.aws.requests import (
    APP_VERSION,
    READ_ONLY_TASK_DEFINITION_FIELDS,
    app_container_name,
    with_environment,
)
from bluegreen.errors import ConfigError

PLACEHOLDER = re.compile(r"(\$?)\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
RELEASE_KEYS = ("image", "version", "color")


def template_values(
    outputs: Mapping[str, Any], values: Mapping[str, Any], *, image: str, version: str, color: str
) -> dict[str, str]:
    """Every name a template may use, as text: outputs, then the values file, then the release.

    Lists and objects (alarm names) are written as JSON; null outputs are left out.
    """
    merged: dict[str, str] = {}
    for source in (outputs, values):
        for name, value in source.items():
            if value is None:
                continue
            merged[name] = value if isinstance(value, str) else json.dumps(value)
    merged.update(image=image, version=version, color=color)
    return merged


def fill(text: str, values: Mapping[str, str], where: str) -> str:
    """`text` with every `${name}` replaced; ConfigError naming each unknown name."""
    missing = sorted(
        {m.group(2) for m in PLACEHOLDER.finditer(text) if not m.group(1)} - set(values)
    )
    if missing:
        raise ConfigError(
            f"{where}: no value for {', '.join('${' + n + '}' for n in missing)}",
            hint="add it to aws.task_definition_values, or output it from Terraform; the "
            f"release gives {', '.join(RELEASE_KEYS)}",
        )

    def replace(match: re.Match[str]) -> str:
        if match.group(1):  # `$${name}`: a literal `${name}`, as in Terraform
            return match.group(0)[1:]
        return values[match.group(2)]

    return PLACEHOLDER.sub(replace, text)


def render_task_definition(
    text: str,
    values: Mapping[str, str],
    *,
    where: str,
    container_name: str | None,
    env: Mapping[str, str],
) -> dict[str, Any]:
    """The RegisterTaskDefinition body the template gives for these values and release env."""
    filled = fill(text, values, where)
    try:
        body = json.loads(filled)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{where}: not JSON once filled in (line {exc.lineno}, column {exc.colno}): {exc.msg}",
            hint="a placeholder inside a string must not hold quotes; numbers go unquoted",
        ) from exc
    if not isinstance(body, dict) or not body.get("containerDefinitions"):
        raise ConfigError(f"{where}: a task definition needs `family` and `containerDefinitions`")
    read_only = sorted(set(body) & set(READ_ONLY_TASK_DEFINITION_FIELDS))
    if read_only:
        raise ConfigError(f"{where}: {', '.join(read_only)} are set by AWS, not by a template")
    name = app_container_name(body, container_name)
    container = next(c for c in body["containerDefinitions"] if c.get("name") == name)
    container["environment"] = with_environment(
        container.get("environment") or [], {**env, APP_VERSION: values["version"]}
    )
    return body


# Lists ECS keeps as sets of named entries: their order is not a difference (Terraform's
# rendering keeps the template's order; the controller appends APP_VERSION and --env).
_NAMED_SETS = ("environment", "secrets")


def _pruned(value: Any) -> Any:
    """`value` without empty lists, objects and nulls at any depth (AWS adds them on its own:
    `mountPoints: []`, `volumesFrom: []`), so they never show up as a difference."""
    if isinstance(value, Mapping):
        pruned = {
            k: sorted(_pruned(v), key=lambda e: str(e.get("name")))
            if k in _NAMED_SETS and isinstance(v, list) and all(isinstance(e, Mapping) for e in v)
            else _pruned(v)
            for k, v in value.items()
        }
        # a container's `cpu: 0` is ECS's own default for "no reservation"
        return {
            k: v
            for k, v in pruned.items()
            if v not in ([], {}, None) and not (k == "cpu" and v == 0)
        }
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _canonical(body: Mapping[str, Any]) -> list[str]:
    """Comparable lines: read-only fields and what AWS adds on its own left out."""
    kept = {k: v for k, v in body.items() if k not in READ_ONLY_TASK_DEFINITION_FIELDS}
    return json.dumps(_pruned(kept), indent=2, sort_keys=True).splitlines()


def task_definition_diff(
    running: Mapping[str, Any], rendered: Mapping[str, Any], *, running_name: str
) -> list[str]:
    """Unified diff from the running revision to the rendered one (empty when the same)."""
    return list(
        difflib.unified_diff(
            _canonical(running),
            _canonical(rendered),
            fromfile=running_name,
            tofile="rendered from the template",
            lineterm="",
        )
    )
