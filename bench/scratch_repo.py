"""A throwaway git repository holding a copy of the reference app, for deploys with `--ref`.

`bluegreen deploy --ref SHA` (run with this repository as its working directory) builds the
release from `app/` of that commit. Each `add_revision()` commits one new expanding Alembic
revision chained on the previous head, so every deploy of the new commit has exactly one
migration pending that the live release does not have: the controller's expand/contract guard
and `alembic upgrade head` really run against the platform's PostgreSQL.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bluegreen.migration_files import read_chain

VERSIONS = Path("app") / "migrations" / "versions"
REVISION_PREFIX = "bench"


def revision_id(number: int) -> str:
    """The id of the bench's `number`th revision (never one of the app's own, `0001`...)."""
    return f"{REVISION_PREFIX}{number:03d}"


def revision_file_name(revision: str) -> str:
    """The revision's file name, as the app's `file_template` (`<rev>_<slug>`) writes it."""
    return f"{revision}_add_items_{revision}.py"


def revision_text(revision: str, down_revision: str) -> str:
    """An Alembic revision adding the nullable column `items.<revision>` (an expand)."""
    return f'''"""Add a nullable column items.{revision} (written by bench/bench_leadtime.py).

Revision ID: {revision}
Revises: {down_revision}
"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None

# A nullable column with no default: the live release, which does not know it, keeps working.
bluegreen_change = "expand"


def upgrade() -> None:
    """Add items.{revision}."""
    op.add_column("items", sa.Column("{revision}", sa.String(length=100), nullable=True))


def downgrade() -> None:
    """Drop items.{revision}."""
    op.drop_column("items", "{revision}")
'''


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        command = " ".join(args)
        raise RuntimeError(f"git {command} in {repo} exited {done.returncode}: {done.stderr}")
    return done.stdout.strip()


@dataclass
class ScratchRepo:
    """A git repository at `path` whose `app/` is a copy of the reference app."""

    path: Path
    head_revision: str
    added: int = 0

    @classmethod
    def create(cls, path: Path, checkout: Path) -> ScratchRepo:
        """Copy `app/` of `checkout` as its working tree is (committed or not, without what git
        ignores: bytecode, mypy's cache) and commit it."""
        listed = _git(
            checkout, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "app"
        )
        names = [name for name in listed.split("\0") if name]
        if not names:
            raise RuntimeError(f"git lists no app/ in {checkout}: the bench needs a checkout")
        path.mkdir(parents=True, exist_ok=True)
        for name in names:
            source = checkout / name
            if source.is_file():  # a tracked file deleted in the working tree is left out
                (path / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, path / name)
        _git(path, "init", "-q", "-b", "main")
        _git(path, "add", "-A")
        _git(path, "commit", "-q", "-m", "the reference app")
        return cls(path, read_chain(path / VERSIONS)[-1].id)

    def add_revision(self) -> str:
        """Commit one more expanding revision on the head; the new commit's sha."""
        self.added += 1
        revision = revision_id(self.added)
        name = revision_file_name(revision)
        (self.path / VERSIONS / name).write_text(revision_text(revision, self.head_revision))
        _git(self.path, "add", str(VERSIONS / name))
        _git(self.path, "commit", "-q", "-m", f"revision {revision}")
        self.head_revision = revision
        return _git(self.path, "rev-parse", "HEAD")
