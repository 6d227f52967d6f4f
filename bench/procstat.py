"""What a server's processes spent: CPU seconds and context switches, read from /proc.

bench_app divides them by the requests wrk counted, so the table says why one side serves
more: CPU per request (user + system, every process and thread of the server) and how often
its threads were switched out (voluntary: they waited; involuntary: the scheduler took the
core). Linux only, like the rest of the benches.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    """Totals over a process tree at one moment."""

    cpu_s: float
    voluntary: int
    involuntary: int

    def __sub__(self, earlier: Usage) -> Usage:
        return Usage(
            self.cpu_s - earlier.cpu_s,
            self.voluntary - earlier.voluntary,
            self.involuntary - earlier.involuntary,
        )


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    return text.rsplit(")", 1)[1].split()


def tree(root: int) -> set[int]:
    """``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    found = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def _switches(pid: int) -> tuple[int, int]:
    voluntary = involuntary = 0
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return 0, 0
    for task in tasks:
        try:
            lines = (task / "status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            name, _, value = line.partition(":")
            if name == "voluntary_ctxt_switches":
                voluntary += int(value)
            elif name == "nonvoluntary_ctxt_switches":
                involuntary += int(value)
    return voluntary, involuntary


def usage(root: int) -> Usage:
    """CPU seconds (user + system) and context switches of ``root``'s whole process tree."""
    cpu = 0.0
    voluntary = involuntary = 0
    for pid in tree(root):
        fields = _stat_fields(pid)
        if fields is None:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
        v, n = _switches(pid)
        voluntary += v
        involuntary += n
    return Usage(cpu, voluntary, involuntary)
