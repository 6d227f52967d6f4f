"""The expand/contract guard for migration tools other than Alembic: a command's report, parsed.

`deploy.migrate_check_command` names a command (Flyway, Prisma, knex, a script of your own)
that prints the revisions the new release would apply and the live release's code does not
have, one per line, in the order they would run:

    <revision> expand
    <revision> contract
    <revision> contract safe-after=<revision>

Blank lines and lines starting with `#` are ignored; anything else is an error naming the line.
Empty output means nothing is pending. The guard then applies the Alembic rule
(`migrations.refused_contracts`): a contracting revision is refused while the live colour runs,
unless it is safe after a revision the live release's code has, which here is any revision the
command does not list as pending (the live release's deployment applied it). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from bluegreen.errors import ConfigError
from bluegreen.migrations import KINDS, Revision

SAFE_AFTER = "safe-after="
FORMAT_HINT = (
    "print one line per pending revision, in the order they run: `<revision> expand`, "
    "`<revision> contract` or `<revision> contract safe-after=<revision>` "
    "(docs/migrations.md)"
)


def _malformed(command: str, number: int, line: str, problem: str) -> ConfigError:
    return ConfigError(
        f"deploy.migrate_check_command `{command}`: line {number} ({line!r}): {problem}",
        hint=FORMAT_HINT,
    )


def parse_check_output(text: str, command: str) -> list[Revision]:
    """The pending revisions `command` reported in `text`; ConfigError naming a bad line."""
    pending: list[Revision] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) < 2 or len(fields) > 3:
            raise _malformed(command, number, line, "expected `<revision> <kind>`")
        revision, kind, *rest = fields
        if kind not in KINDS:
            raise _malformed(command, number, line, f"kind {kind!r} is not expand or contract")
        if revision in seen:
            raise _malformed(command, number, line, f"revision {revision} is listed twice")
        safe_after = None
        if rest:
            if not rest[0].startswith(SAFE_AFTER) or rest[0] == SAFE_AFTER:
                raise _malformed(command, number, line, f"expected {SAFE_AFTER}<revision>")
            if kind != "contract":
                raise _malformed(command, number, line, "safe-after is only for a contract")
            safe_after = rest[0].removeprefix(SAFE_AFTER)
        seen.add(revision)
        pending.append(Revision(revision, None, kind, safe_after, path=""))
    return pending


@dataclass(frozen=True)
class NotPending:
    """The revisions the live release's code has, as a check command reports them: every
    revision it does not list as pending."""

    pending: frozenset[str]

    @classmethod
    def of(cls, pending: list[Revision]) -> NotPending:
        """What the live release has, given the pending revisions."""
        return cls(frozenset(r.id for r in pending))

    def __contains__(self, revision: object) -> bool:
        return revision not in self.pending
