"""Expand/contract guard: which Alembic revisions a release brings, and whether they are safe.

Both colours share one database, so a migration runs while the old release still serves. Each
revision declares `bluegreen_change = "expand"` (adds: safe for older code) or `"contract"`
(drops, renames, tightens: breaks code that still uses what it removes). A contracting revision
may also declare `bluegreen_safe_after = "<revision>"`: the revision of the release whose code
stopped using what it removes. Pure: `migration_files` reads the revision files as text (never
imported: the controller does not run the app's code) and hands them to `parse_revision`.
"""

from __future__ import annotations

import ast
from collections.abc import Container
from dataclasses import dataclass

from bluegreen.errors import ConfigError

KINDS = ("expand", "contract")


@dataclass(frozen=True)
class Revision:
    """One Alembic revision as declared in its file."""

    id: str
    down: str | None
    change: str
    safe_after: str | None
    path: str  # the revision's file ("" when a check command reported it)

    @property
    def slug(self) -> str:
        """The file name without the revision prefix and extension."""
        name = self.path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".py")
        return name.split("_", 1)[1] if "_" in name else name


def _constant(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id == name and value is not None:
                return ast.literal_eval(value)
    return None


def parse_revision(text: str, path: str) -> Revision:
    """Parse one revision file's text; ConfigError when it lacks a valid `bluegreen_change`."""
    tree = ast.parse(text, filename=path)
    revision = _constant(tree, "revision")
    down = _constant(tree, "down_revision")
    change = _constant(tree, "bluegreen_change")
    safe_after = _constant(tree, "bluegreen_safe_after")
    if not isinstance(revision, str):
        raise ConfigError(f'{path}: no `revision = "..."` found')
    if change not in KINDS:
        raise ConfigError(
            f'{path}: revision {revision} must declare bluegreen_change = "expand" or '
            f'"contract" (found {change!r})',
            hint="expand: adds (tables, nullable columns, indexes); contract: drops, renames, "
            "tightens (NOT NULL, constraints)",
        )
    if down is not None and not isinstance(down, str):
        raise ConfigError(f"{path}: merge revisions are not supported (down_revision {down!r})")
    return Revision(
        revision, down, str(change), safe_after if isinstance(safe_after, str) else None, path
    )


def order_chain(revisions: list[Revision], where: str) -> list[Revision]:
    """The revisions ordered from the first to the head; ConfigError on a branch or a gap."""
    by_id = {r.id: r for r in revisions}
    children: dict[str | None, list[Revision]] = {}
    for rev in by_id.values():
        children.setdefault(rev.down, []).append(rev)
    chain: list[Revision] = []
    parent: str | None = None
    while parent in children:
        nxt = children[parent]
        if len(nxt) > 1:
            names = ", ".join(r.id for r in nxt)
            raise ConfigError(f"{where}: revisions {names} branch from {parent}: merge them")
        chain.append(nxt[0])
        parent = nxt[0].id
    if len(chain) != len(by_id):
        raise ConfigError(f"{where}: some revisions are not reachable from the first one")
    return chain


def new_revisions(new: list[Revision], live: list[Revision]) -> list[Revision]:
    """Revisions the new release brings that the live release's code does not have."""
    known = {r.id for r in live}
    return [r for r in new if r.id not in known]


def contract_problems(pending: list[Revision], live: list[Revision], live_name: str) -> list[str]:
    """Why the pending revisions may not run while the live release serves (empty when safe)."""
    return refused_contracts(pending, {r.id for r in live}, live_name)


def refused_contracts(
    pending: list[Revision], live_has: Container[str], live_name: str
) -> list[str]:
    """The rule, whoever reports the revisions (Alembic files or a check command): a pending
    contracting revision is refused unless the live code has the revision it is safe after."""
    problems = []
    for rev in pending:
        if rev.change != "contract":
            continue
        if rev.safe_after is not None and rev.safe_after in live_has:
            continue
        label = f"{rev.id} ({rev.slug})" if rev.slug and rev.slug != rev.id else rev.id
        problems.append(
            f"revision {label} contracts the schema, but {live_name} still runs "
            f"code that predates it"
            + (
                f" (its code does not include {rev.safe_after}, the revision it is safe after)"
                if rev.safe_after
                else ""
            )
        )
    return problems


EXPAND_CONTRACT_HINT = (
    "both colours share the database, so the old release must keep working on the new schema. "
    "Split the change: release N expands (adds the new column or table, writes both, reads the "
    "new) and stops using the old shape; once N is live, release N+1 ships the contracting "
    'revision with bluegreen_safe_after = "<N\'s revision>"'
)
