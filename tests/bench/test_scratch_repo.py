"""The lead-time bench's scratch repository: each commit brings one pending expanding revision."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bench.scratch_repo import (
    VERSIONS,
    ScratchRepo,
    revision_file_name,
    revision_id,
    revision_text,
)
from bluegreen.migration_files import read_chain
from bluegreen.migrations import new_revisions, parse_revision

EXPECTED_TEXT = '''"""Add a nullable column items.bench007 (written by bench/bench_leadtime.py).

Revision ID: bench007
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "bench007"
down_revision = "0002"
branch_labels = None
depends_on = None

# A nullable column with no default: the live release, which does not know it, keeps working.
bluegreen_change = "expand"


def upgrade() -> None:
    """Add items.bench007."""
    op.add_column("items", sa.Column("bench007", sa.String(length=100), nullable=True))


def downgrade() -> None:
    """Drop items.bench007."""
    op.drop_column("items", "bench007")
'''

FIRST = """revision = "0001"
down_revision = None
bluegreen_change = "expand"
"""


def test_revision_ids_and_file_names_never_collide_with_the_apps_numbered_revisions() -> None:
    assert revision_id(1) == "bench001"
    assert revision_id(42) == "bench042"
    assert revision_file_name("bench001") == "bench001_add_items_bench001.py"


def test_revision_text_is_an_expanding_alembic_revision_adding_one_nullable_column() -> None:
    text = revision_text("bench007", "0002")
    assert text == EXPECTED_TEXT
    parsed = parse_revision(text, "bench007_add_items_bench007.py")
    assert (parsed.id, parsed.down, parsed.change, parsed.safe_after) == (
        "bench007",
        "0002",
        "expand",
        None,
    )


def _files_at(repo: Path, sha: str) -> list[str]:
    done = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", sha, str(VERSIONS)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return [Path(line).name for line in done.stdout.splitlines()]


def _checkout(root: Path) -> Path:
    """A git checkout with an app/ holding one revision, committed and not."""
    versions = root / VERSIONS
    versions.mkdir(parents=True)
    (root / ".gitignore").write_text("__pycache__/\n.mypy_cache/\n")
    (root / "app" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (versions / "0001_first.py").write_text(FIRST)
    (root / "README.md").write_text("not part of the app\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "app"],
        cwd=root,
        check=True,
    )
    (root / "app" / "new_module.py").write_text("# not committed yet\n")
    (versions / "__pycache__").mkdir()
    (versions / "__pycache__" / "0001_first.cpython-311.pyc").write_bytes(b"x")
    (root / "app" / ".mypy_cache").mkdir()
    (root / "app" / ".mypy_cache" / "big.json").write_text("{}")
    return root


def test_the_copy_is_the_checkouts_app_as_its_working_tree_is_without_ignored_files(
    tmp_path: Path,
) -> None:
    repo = ScratchRepo.create(tmp_path / "repo", _checkout(tmp_path / "checkout"))
    copied = sorted(str(p.relative_to(repo.path)) for p in repo.path.rglob("*") if p.is_file())
    assert [p for p in copied if not p.startswith(".git/")] == [
        "app/migrations/versions/0001_first.py",
        "app/new_module.py",
        "app/pyproject.toml",
    ]
    assert repo.head_revision == "0001"


def test_each_commit_chains_one_new_revision_on_the_previous_head(tmp_path: Path) -> None:
    repo = ScratchRepo.create(tmp_path / "repo", _checkout(tmp_path / "checkout"))

    first = repo.add_revision()
    second = repo.add_revision()

    assert first != second
    assert _files_at(repo.path, first) == ["0001_first.py", "bench001_add_items_bench001.py"]
    assert _files_at(repo.path, second) == [
        "0001_first.py",
        "bench001_add_items_bench001.py",
        "bench002_add_items_bench002.py",
    ]
    chain = read_chain(repo.path / VERSIONS)
    assert [(r.id, r.down) for r in chain] == [
        ("0001", None),
        ("bench001", "0001"),
        ("bench002", "bench001"),
    ]
    # What the guard sees deploying `second` while `first` is live: exactly one pending.
    live, new = chain[:2], chain
    assert [r.id for r in new_revisions(new, live)] == ["bench002"]


def test_a_directory_that_is_not_a_checkout_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "plain" / "app").mkdir(parents=True)
    # git says it is not a repository (or, inside another one, lists no app/ here)
    with pytest.raises(RuntimeError, match=re.escape(str(tmp_path / "plain"))):
        ScratchRepo.create(tmp_path / "repo", tmp_path / "plain")
