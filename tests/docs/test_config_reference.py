"""The configuration the docs describe is the configuration the code reads.

- `bluegreen.toml` (the repository's commented reference) names every settings key: the keys
  are found by walking the pydantic models of `bluegreen.config` from `Settings` down, so a key
  added to the code without a line in the file fails here.
- Its uncommented values are the defaults (its header says so); a commented key is one that is
  unset by default.
- Every default documented in a `| key | default | meaning |` table of README.md or docs/, and
  every "`section.key` (default X)" in their prose, equals the code's default. Rows marked
  *new* announce keys that have not landed yet and are skipped until they do.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from bluegreen.config import Settings
from bluegreen.evidence.settings import EvidenceSettings

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "bluegreen.toml"
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
# Set by the loader (the file the settings were read from), not a key of the file.
NOT_FILE_KEYS = {"source"}
# Defaults the docs describe in words because the code's default stands for a behaviour.
DESCRIBED = {
    ("local.command", "reference service"),
    ("local.migrate_command", "reference service"),
}
UNSET = {"none", "off", "unset"}


def _walk(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, type[BaseModel]]]:
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _walk(annotation, f"{prefix}{name}.")
        elif f"{prefix}{name}" not in NOT_FILE_KEYS:
            yield f"{prefix}{name}", model


SETTINGS_KEYS = dict(_walk(Settings))


def default_of(key: str) -> Any:
    """The code's default for a dotted key (`deploy.tasks`, `target`)."""
    return SETTINGS_KEYS[key].model_fields[key.rsplit(".", 1)[-1]].default


def reference_lines() -> dict[str, str]:
    """Each key line of bluegreen.toml, commented or not, by dotted key."""
    keys: dict[str, str] = {}
    section = ""
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if header := re.fullmatch(r"\[(\w+)\]\s*", line):
            section = header.group(1) + "."
        elif match := re.match(r"#?\s*(\w+)\s*=", line):
            keys.setdefault(section + match.group(1), line)
    return keys


def test_the_walk_finds_nested_and_top_level_keys() -> None:
    assert {"target", "deploy.tasks", "local.stats_port", "aws.container_name"} <= set(
        SETTINGS_KEYS
    )
    assert "deploy" not in SETTINGS_KEYS
    assert "source" not in SETTINGS_KEYS


@pytest.mark.parametrize("key", sorted(SETTINGS_KEYS))
def test_bluegreen_toml_lists_every_settings_key(key: str) -> None:
    assert key in reference_lines(), (
        f"bluegreen.toml does not mention `{key}`: add it (commented when unset by default)"
    )


def test_bluegreen_toml_lists_no_key_the_code_does_not_read() -> None:
    assert set(reference_lines()) - set(SETTINGS_KEYS) == set()


def _flatten(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _validated(key: str, value: Any) -> Any:
    """`value` as the settings model holds it (a list becomes a tuple, a str a Path...)."""
    model = SETTINGS_KEYS[key]
    name = key.rsplit(".", 1)[-1]
    return getattr(model.model_validate({name: value}), name)


UNCOMMENTED = dict(_flatten(tomllib.loads(REFERENCE.read_text(encoding="utf-8"))))


@pytest.mark.parametrize(("key", "value"), sorted(UNCOMMENTED.items()))
def test_bluegreen_toml_values_are_the_defaults(key: str, value: Any) -> None:
    assert _validated(key, value) == default_of(key)


@pytest.mark.parametrize("key", sorted(set(SETTINGS_KEYS) - set(UNCOMMENTED)))
def test_keys_commented_out_in_bluegreen_toml_are_unset_by_default(key: str) -> None:
    assert default_of(key) in (None, ()), (
        f"`{key}` defaults to {default_of(key)!r}: write it uncommented with that value"
    )


# ---------------------------------------------------------------------------- docs


def _literal(text: str) -> str:
    return text.strip().strip("`").strip('"').strip()


def matches_default(key: str, documented: str) -> bool:  # noqa: PLR0911 - one return per form a page writes
    """Whether the documented default `documented` (as written in a page) is the code's."""
    text = _literal(documented)
    default = default_of(key)
    if per_target := re.fullmatch(r"([\d.]+) local, ([\d.]+) (?:on )?AWS", text):
        model = SETTINGS_KEYS[key]()
        return [getattr(model, f"{key.rsplit('.', 1)[-1]}_for")(t) for t in ("local", "aws")] == [
            float(per_target.group(1)),
            float(per_target.group(2)),
        ]
    if re.fullmatch(r"3 x (?:the |its |the step's )?interval", text):
        # unset, and the verdict then waits 3 x the step's interval (evidence.EvidenceSettings)
        return default is None and EvidenceSettings(interval=10).wait_limit == 30
    if text.lower() in UNSET:
        return default in (None, ())
    if text in {"true", "false"}:
        return default is (text == "true")
    if number := re.fullmatch(r"([\d.]+)\s*(%|s|seconds)?", text):
        value = float(number.group(1)) / (100 if number.group(2) == "%" else 1)
        return isinstance(default, int | float) and abs(default - value) < 1e-9
    if isinstance(default, tuple):
        return " ".join(default) == text
    return str(default) == text


def _table_rows(text: str) -> Iterator[tuple[list[str], list[str], str]]:
    """(keys, defaults, row) of each row of every `| key | default | meaning |` table."""
    in_table = False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            in_table = False
        elif [c.lower() for c in cells[:2]] == ["key", "default"]:
            in_table = True
        elif in_table and not set(cells[0]) <= {"-", " ", ":"}:
            names = re.findall(r"`([\w.<>]+)`", cells[0])
            if names and "." in names[0]:
                section = names[0].rsplit(".", 1)[0] + "."
                names = [names[0], *(section + n for n in names[1:])]
            defaults = [d.strip() for d in cells[1].split(" / ")]
            yield names, defaults if len(defaults) == len(names) else defaults * len(names), line


def documented_defaults() -> list[tuple[str, str, str]]:
    """(page, key, documented default) from every key/default table and "(default X)" phrase."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        name = str(page.relative_to(ROOT))
        for keys, defaults, row in _table_rows(text):
            if "*new" in row or any("<" in key for key in keys):
                continue  # announced, not implemented; `aws.<output>` stands for a list
            found += [(name, key, default) for key, default in zip(keys, defaults, strict=True)]
        for match in re.finditer(r"`((?:\w+\.)?\w+)` \((off by default|default [^)]+)\)", text):
            key, phrase = match.group(1), match.group(2)
            if key in SETTINGS_KEYS:  # prose may name keys of other things (Terraform, AWS)
                default = "off" if phrase == "off by default" else phrase.removeprefix("default ")
                found.append((name, key, default))
        # the local platform's addresses: "`127.0.0.1:8080` (`port`)"
        for match in re.finditer(r"`127\.0\.0\.1:(\d+)`[^|`]*\(`(\w+)`\)", text):
            if f"local.{match.group(2)}" in SETTINGS_KEYS:
                found.append((name, f"local.{match.group(2)}", match.group(1)))
    for key, line in reference_lines().items():
        if phrase := re.search(r"\(default ([^)]+)\)", line):
            found.append(("bluegreen.toml", key, phrase.group(1)))
    return found


def test_the_docs_parser_reads_tables_and_phrases() -> None:
    table = "| key | default | meaning |\n| --- | --- | --- |\n| `deploy.a` / `b` | 1 / `x` | m |\n"
    assert [(k, d) for k, d, _ in _table_rows(table)] == [(["deploy.a", "deploy.b"], ["1", "`x`"])]
    found = {(page, key) for page, key, _ in documented_defaults()}
    assert {("README.md", "deploy.tasks"), ("README.md", "analysis.poll")} <= found
    assert ("docs/runbooks/automatic-rollback.md", "analysis.max_error_rate") in found
    assert ("docs/local.md", "local.db_port") in found
    assert ("bluegreen.toml", "analysis.poll") in found


def test_the_default_matcher_understands_units_and_targets() -> None:
    assert matches_default("analysis.max_error_rate", "1%")
    assert not matches_default("analysis.max_error_rate", "2%")
    assert matches_default("analysis.window", "10 local, 120 AWS")
    assert matches_default("deploy.interval", "10 local, 240 AWS")
    assert matches_default("analysis.max_wait", "3 x the interval")
    assert matches_default("analysis.poll", "0.5 local, 15 on AWS")
    assert not matches_default("analysis.poll", "1 local, 15 AWS")
    assert matches_default("analysis.max_p99_ms", "none")
    assert matches_default("aws.migrate_command", "none")  # off unless configured (issue 14)
    assert not matches_default("aws.migrate_command", "`alembic upgrade head`")
    assert matches_default("local.state_dir", "`.bluegreen`")


@pytest.mark.parametrize(
    ("page", "key", "documented"),
    documented_defaults(),
    ids=lambda v: str(v).replace(" ", "_"),
)
def test_every_documented_default_is_the_codes(page: str, key: str, documented: str) -> None:
    assert key in SETTINGS_KEYS, f"{page}: documents `{key}`, which the settings do not have"
    if (key, _literal(documented)) in DESCRIBED:
        assert default_of(key) is None  # "the reference service": nothing configured
        return
    assert matches_default(key, documented), (
        f"{page}: `{key}` documented as {documented!r}, the code's default is {default_of(key)!r}"
    )
