"""Reading a release's Alembic revision files (as text) for the expand/contract guard."""

from __future__ import annotations

from pathlib import Path

from bluegreen.migrations import Revision, order_chain, parse_revision


def read_revision(path: Path) -> Revision:
    """Parse one revision file; ConfigError when it lacks a valid `bluegreen_change`."""
    return parse_revision(path.read_text(encoding="utf-8"), str(path))


def read_chain(versions_dir: Path) -> list[Revision]:
    """Every revision in `versions_dir`, ordered from the first to the head."""
    revisions = [read_revision(p) for p in sorted(versions_dir.glob("*.py"))]
    return order_chain(revisions, str(versions_dir))


def versions_dir(workdir: str | None) -> Path | None:
    """Where a release keeps its Alembic revisions (None when it has none we can read)."""
    if workdir is None:
        return None
    path = Path(workdir) / "migrations" / "versions"
    return path if path.is_dir() else None
