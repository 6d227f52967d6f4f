"""The schema head read from the revision files, without Alembic, as Alembic reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from items_api.revisions import RevisionError, read_revisions

from tests.app.conftest import APP_DIR

MIGRATIONS = APP_DIR / "migrations"


def test_head_and_revisions_match_alembics_reading() -> None:
    scripts = ScriptDirectory(str(MIGRATIONS))
    head, known = read_revisions(MIGRATIONS)
    assert [head] == list(scripts.get_heads())
    assert known == {rev.revision for rev in scripts.walk_revisions()}


def _write(versions: Path, name: str, revision: str, down: str) -> None:
    (versions / name).write_text(
        f'"""A revision."""\nrevision: str = "{revision}"\ndown_revision = {down}\n'
    )


def test_merge_revision_with_a_tuple_of_parents_is_the_one_head(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    _write(versions, "a.py", "a", "None")
    _write(versions, "b.py", "b", '"a"')
    _write(versions, "c.py", "c", '"a"')
    _write(versions, "d.py", "d", '("b", "c")')
    (versions / "helpers.py").write_text("X = 1\n")  # no revision: not a revision file
    assert read_revisions(tmp_path) == ("d", frozenset("abcd"))


def test_two_heads_are_refused_with_their_names(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    _write(versions, "a.py", "a", "None")
    _write(versions, "b.py", "b", '"a"')
    _write(versions, "c.py", "c", '"a"')
    with pytest.raises(RevisionError, match=r"exactly one head, found \['b', 'c'\]"):
        read_revisions(tmp_path)
