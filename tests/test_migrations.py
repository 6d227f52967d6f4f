"""The expand/contract guard over Alembic revision files (read as text, never imported)."""

from pathlib import Path

import pytest

from bluegreen.errors import ConfigError
from bluegreen.migration_files import read_chain
from bluegreen.migrations import contract_problems, new_revisions


def revision(
    directory: Path, rev: str, down: str | None, change: str, safe_after: str | None = None
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        f"revision: str = {rev!r}",
        f"down_revision = {down!r}",
        f"bluegreen_change = {change!r}",
    ]
    if safe_after:
        lines.append(f"bluegreen_safe_after = {safe_after!r}")
    (directory / f"{rev}_change_{rev}.py").write_text("\n".join(lines) + "\n")


def test_chain_is_ordered_from_first_to_head(tmp_path: Path) -> None:
    revision(tmp_path, "0002", "0001", "expand")
    revision(tmp_path, "0001", None, "expand")
    revision(tmp_path, "0003", "0002", "contract")
    assert [(r.id, r.change, r.slug) for r in read_chain(tmp_path)] == [
        ("0001", "expand", "change_0001"),
        ("0002", "expand", "change_0002"),
        ("0003", "contract", "change_0003"),
    ]


def test_missing_declaration_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "0001_x.py").write_text("revision = '0001'\ndown_revision = None\n")
    with pytest.raises(ConfigError, match=r"revision 0001 must declare bluegreen_change"):
        read_chain(tmp_path)


def test_branches_are_refused(tmp_path: Path) -> None:
    revision(tmp_path, "0001", None, "expand")
    revision(tmp_path, "0002", "0001", "expand")
    revision(tmp_path, "0003", "0001", "expand")
    with pytest.raises(ConfigError, match="branch from 0001"):
        read_chain(tmp_path)


def test_expanding_revisions_are_allowed_while_old_code_runs(tmp_path: Path) -> None:
    revision(tmp_path / "old", "0001", None, "expand")
    revision(tmp_path / "new", "0001", None, "expand")
    revision(tmp_path / "new", "0002", "0001", "expand")
    live, new = read_chain(tmp_path / "old"), read_chain(tmp_path / "new")
    pending = new_revisions(new, live)
    assert [r.id for r in pending] == ["0002"]
    assert contract_problems(pending, live, "blue (1.0.0)") == []


def test_contracting_revision_is_refused_while_older_code_runs(tmp_path: Path) -> None:
    revision(tmp_path / "old", "0001", None, "expand")
    for rev, down, change in [("0001", None, "expand"), ("0002", "0001", "contract")]:
        revision(tmp_path / "new", rev, down, change)
    live, new = read_chain(tmp_path / "old"), read_chain(tmp_path / "new")
    assert contract_problems(new_revisions(new, live), live, "blue (1.0.0)") == [
        "revision 0002 (change_0002) contracts the schema, but blue (1.0.0) still runs code "
        "that predates it"
    ]


def test_contracting_revision_is_allowed_once_live_code_has_its_safe_after(tmp_path: Path) -> None:
    revision(tmp_path / "old", "0001", None, "expand")
    revision(tmp_path / "old", "0002", "0001", "expand")
    for rev, down, change in [
        ("0001", None, "expand"),
        ("0002", "0001", "expand"),
        ("0003", "0002", "contract"),
    ]:
        revision(tmp_path / "new", rev, down, change, safe_after="0002" if rev == "0003" else None)
    live, new = read_chain(tmp_path / "old"), read_chain(tmp_path / "new")
    assert contract_problems(new_revisions(new, live), live, "blue") == []
