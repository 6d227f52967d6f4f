"""Analysis traffic (`analysis.load`): steady requests straight to the new colour during a
watched step, so a service with little real traffic still gathers evidence.

Bounded on purpose: one request in flight at a time, each with a short timeout, at most `rps`
a second, and the sender stops (and is joined) when the step ends, whatever its outcome. The
answers are not judged here: they reach the load balancer's counters like any other request
to the new colour, and the verdict reads them there.
"""

from __future__ import annotations

import contextlib
import threading
import time
from types import TracebackType

from bluegreen.config import AnalysisLoad

TIMEOUT = 2.0
"""Seconds for one analysis request: longer would let a stuck colour hold the sender."""


class AnalysisTraffic:
    """Send `load.rps` requests a second to `base_url + load.path` until closed."""

    def __init__(self, base_url: str, load: AnalysisLoad) -> None:
        self.url = base_url.rstrip("/") + load.path
        self.rps = load.rps
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._send, name="analysis-load", daemon=True)

    def __enter__(self) -> AnalysisTraffic:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=TIMEOUT + 1)

    def _send(self) -> None:
        import httpx  # noqa: PLC0415 - only with analysis.load: slow to import for every command

        gap = 1.0 / self.rps
        next_at = time.monotonic()
        with httpx.Client(timeout=TIMEOUT) as client:
            while not self._stop.is_set():
                # A refused or timed-out request counts at the load balancer, if at all.
                with contextlib.suppress(httpx.HTTPError):
                    client.get(self.url)
                self.sent += 1
                next_at = max(next_at + gap, time.monotonic())
                self._stop.wait(max(next_at - time.monotonic(), 0.0))
