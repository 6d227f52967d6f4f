"""Tasks told to stop that may still be exiting, kept so that a later command finishes them.

A drained colour (its slots in maintenance, HAProxy counting no request in flight on them)
gets SIGTERM and the deployment goes on without waiting for its processes to exit: nothing
can reach them any more, yet gunicorn's graceful stop still takes seconds (a worker notices
the signal within a second, then keeps kept-alive connections open up to 2 s). Their records
go to ``<state_dir>/exiting.json`` with a deadline (the graceful timeout). Every later command
that starts or stops tasks (`start`, `up`'s healing, `down`) calls `reap` or `finish`: what
exited is forgotten, what outlived its deadline is killed (SIGKILL to its process group), so
nothing is left running and no port or process is taken for a new task's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluegreen.local.files import read_json, write_atomic
from bluegreen.local.tasks import TaskRecord, is_running, wait_then_kill
from bluegreen.model import Color


@dataclass(frozen=True)
class Exiting:
    """A task sent SIGTERM, and when it is killed if it has not exited by then."""

    task: TaskRecord
    deadline: float  # time.time()

    @property
    def color(self) -> str:
        """The colour it belonged to (its slot name is ``<colour>-<i>``)."""
        return self.task.name.rsplit("-", 1)[0]


class ExitingTasks:
    """The tasks of ``exiting.json``: added by a stop that does not wait, finished later."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "exiting.json"

    def _load(self) -> list[Exiting]:
        data = read_json(self.path)
        entries: list[Any] = data if isinstance(data, list) else []
        return [
            Exiting(TaskRecord.from_dict(e["task"]), float(e["deadline"]))
            for e in entries
            if isinstance(e, dict)
        ]

    def _save(self, entries: Sequence[Exiting]) -> None:
        if not entries and not self.path.exists():
            return
        data = [{"task": e.task.to_dict(), "deadline": e.deadline} for e in entries]
        write_atomic(self.path, json.dumps(data, indent=1))

    def add(self, tasks: Sequence[TaskRecord], deadline: float) -> None:
        """Remember `tasks` (already sent SIGTERM) until they exit or `deadline` passes."""
        if tasks:
            self._save([*self._load(), *(Exiting(t, deadline) for t in tasks)])

    def recorded(self) -> list[TaskRecord]:
        """Every task recorded, whether it still runs or not (until `reap` or `finish`)."""
        return [e.task for e in self._load()]

    def running(self, color: Color | None = None) -> list[TaskRecord]:
        """The recorded tasks (of `color`, or all) whose processes still run; changes nothing."""
        return [
            e.task
            for e in self._load()
            if (color is None or e.color == color) and is_running(e.task)
        ]

    def reap(self, now: float | None = None) -> list[TaskRecord]:
        """Forget the tasks that exited, kill those past their deadline; the ones killed."""
        now = time.time() if now is None else now
        entries = self._load()
        kept = [e for e in entries if e.deadline > now and is_running(e.task)]
        done = [e.task for e in entries if e not in kept]
        killed = wait_then_kill(done, deadline=0.0, first=None)  # overdue: no wait
        self._save(kept)
        return killed

    def finish(self, color: Color | None = None, timeout: float | None = None) -> None:
        """Wait for the tasks (of `color`, or all) to exit, at most until their deadline (or
        `timeout`), kill what remains, forget them."""
        limit = None if timeout is None else time.time() + timeout
        mine = [e for e in self._load() if color is None or e.color == color]
        deadline = max(
            (
                e.deadline if limit is None else min(e.deadline, limit)
                for e in mine
                if is_running(e.task)
            ),
            default=0.0,
        )
        wait_then_kill([e.task for e in mine], deadline, first=None)
        self._save([e for e in self._load() if e not in mine])
