"""`up --watch`: a small supervisor for the idle local platform.

Every second it heals what died (PostgreSQL, HAProxy with all traffic on the live colour, a
crashed task) and puts one healthy colour back in front, exactly as `up` would; a running
deployment is left to its own controller. Bounded by `seconds`; Ctrl-C stops it. Each restart
is printed as it happens ("watch: restarted task blue-1 …"), then, once the round put a healthy
colour back in front, what the round did ("watch: restored (…)").
"""

from __future__ import annotations

from bluegreen.clock import Clock, SystemClock
from bluegreen.config import Settings
from bluegreen.errors import BluegreenError
from bluegreen.operations.platforms import provider_for
from bluegreen.operations.restoring import restore
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.request import RollbackRequest


def watch(
    settings: Settings,
    progress: Progress,
    *,
    seconds: float,
    interval: float = 1.0,
    clock: Clock | None = None,
) -> int:
    """Supervise the platform of `settings` for `seconds`; how many times something had to be
    restored."""
    request = RollbackRequest.from_settings(settings, reason="up --watch")
    return supervise(
        provider_for(settings), request, progress, seconds=seconds, interval=interval, clock=clock
    )


def supervise(
    provider: Provider,
    request: RollbackRequest,
    progress: Progress,
    *,
    seconds: float,
    interval: float = 1.0,
    clock: Clock | None = None,
) -> int:
    """A round every `interval` for `seconds`; how many rounds had to restore something."""
    clock = clock or SystemClock()
    deadline = clock.time() + seconds
    restorations = 0
    progress.info(f"watching the platform for {seconds:.0f} s (Ctrl-C stops)")

    def say(line: str) -> None:  # each restart when it happens, not at the round's end
        progress.info(f"watch: {line}")

    while clock.time() < deadline:
        try:
            restored = restore(
                provider, request, progress, operation="heal", clock=clock, report=say
            )
        except BluegreenError as exc:  # e.g. a deployment took the lock meanwhile: next round
            progress.info(f"watch: not restored yet: {exc.message}")
        else:
            if restored.actions:
                restorations += 1
                progress.info("watch: restored (" + "; ".join(restored.actions) + ")")
        clock.sleep(interval)
    progress.info(f"watch: done after {seconds:.0f} s; {restorations} restoration(s)")
    return restorations
