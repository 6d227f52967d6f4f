"""Reading the lock files that scripts/lock.sh writes (`uv pip compile`'s requirements format)."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
DEV_LOCK = ROOT / "requirements" / "dev.lock"
CLI_LOCK = ROOT / "requirements" / "cli.lock"
APP_LOCK = ROOT / "app" / "requirements.lock"


def entries(lock: Path) -> list[tuple[Requirement, str]]:
    """Each pinned requirement with its whole entry (continuation lines: the hashes)."""
    text = lock.read_text(encoding="utf-8")
    found = []
    for block in re.split(r"\n(?=[A-Za-z0-9])", text.strip()):
        first = block.splitlines()[0].rstrip("\\ ").strip()
        if first and not first.startswith("#"):
            found.append((Requirement(first), block))
    return found


def pins(lock: Path) -> dict[str, str]:
    """{name: version} of the entries whose marker holds on this interpreter."""
    result: dict[str, str] = {}
    for requirement, _ in entries(lock):
        if requirement.marker is None or requirement.marker.evaluate():
            [spec] = requirement.specifier
            result[canonicalize_name(requirement.name)] = spec.version
    return result


def universal_pins(lock: Path) -> set[tuple[str, str, str]]:
    """(name, version, marker) of every entry, whatever the interpreter."""
    return {
        (canonicalize_name(r.name), next(iter(r.specifier)).version, str(r.marker or ""))
        for r, _ in entries(lock)
    }
