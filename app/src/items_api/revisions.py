"""This release's migration revisions, read from the revision files without Alembic.

/ready compares the database's revision with our head. Alembic's ScriptDirectory would
import Alembic (about a third of the service's import time) and execute every revision
module; the ids are plain literals at the top of each file, so reading them is enough.
Tests check the result against Alembic's own reading.
"""

from __future__ import annotations

import ast
from pathlib import Path

_FIELDS = ("revision", "down_revision")


class RevisionError(RuntimeError):
    """The revision files cannot be read into one chain with one head."""


def _literals(path: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(path.read_bytes(), str(path)).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            target, value = node.targets[0].id, node.value
        else:
            continue
        if target in _FIELDS and value is not None:
            try:
                found[target] = ast.literal_eval(value)
            except ValueError:
                raise RevisionError(f"{path.name}: {target} is not a literal") from None
    return found


def _as_set(value: object) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return set(value)
    raise RevisionError(f"down_revision must be a string, a tuple of strings or None: {value!r}")


def read_revisions(migrations_dir: Path) -> tuple[str, frozenset[str]]:
    """The single head revision in ``migrations_dir/versions``, and every revision there."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((migrations_dir / "versions").glob("*.py")):
        fields = _literals(path)
        revision = fields.get("revision")
        if not isinstance(revision, str):
            continue  # not a revision file (Alembic skips these too)
        revisions.add(revision)
        parents |= _as_set(fields.get("down_revision"))
    heads = sorted(revisions - parents)
    if len(heads) != 1:
        raise RevisionError(f"migrations must have exactly one head, found {heads}")
    return heads[0], frozenset(revisions)
