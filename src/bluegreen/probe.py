"""The probe: constant-rate requests to the public URL while an operation runs, measured.

Open loop: request i is sent at start + i/rps whether or not earlier ones have answered, as
users would, so a stall shows up as latency and failures instead of quietly slowing the probe.
The probe keeps at most a fixed number of requests in flight; a request due while all of them
wait for answers is counted as `unsent` and skipped, never queued: a queue would send it late
(its latency would hide the wait) and, on a slow service, grow without bound and keep the
command from exiting long after the operation ended.
Each response's colour tells when the new colour started answering and when the old one
stopped: the cutover, as users saw it. The colour comes from the load balancer first (the
`X-Bluegreen-Server` header HAProxy sets, `green-1`), so it works for any service; where the
balancer names no server (the ALB adds no such header) it comes from the service itself:
its `X-Bluegreen-Color` header or the `deployment`/`color` field of a JSON body.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class Sample:
    """One probe request: when it was sent, how long it took, what answered."""

    sent_at: float
    latency_ms: float
    status: int  # 0 for a connection error or timeout
    version: str | None
    color: str | None = None  # which colour answered (load balancer header, else the service)
    error: str | None = None  # the client's exception class when no answer came (status 0)

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by nearest rank, or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass(frozen=True)
class ProbeReport:
    """What the probe saw."""

    url: str
    rps: float
    started_at: float
    duration_s: float
    samples: tuple[Sample, ...] = field(repr=False)
    unsent: int = 0  # due while every connection still waited for an answer (see above)

    @property
    def sent(self) -> int:
        """Requests sent."""
        return len(self.samples)

    @property
    def failed(self) -> int:
        """Non-2xx answers and connection errors."""
        return sum(1 for s in self.samples if not s.ok)

    def by_version(self) -> dict[str, int]:
        """Successful answers per version."""
        return dict(Counter(s.version or "unknown" for s in self.samples if s.ok))

    def cutover(self, switch_at: float, old: str | None, new: str) -> dict[str, float | None]:
        """Milliseconds from the switch to the first answer of colour `new` and to the last
        answer of colour `old` (colours, not versions: both may run the same version)."""
        after = [s for s in self.samples if s.ok and s.sent_at >= switch_at]
        first_new = next((s for s in after if s.color == new), None)
        old_after = [s for s in after if old is not None and s.color == old]
        return {
            "to_first_new_ms": _ms(first_new.sent_at + first_new.latency_ms / 1000 - switch_at)
            if first_new
            else None,
            "to_last_old_ms": _ms(
                max(s.sent_at + s.latency_ms / 1000 for s in old_after) - switch_at
            )
            if old_after
            else 0.0,
        }

    def window(self, start: float, end: float) -> ProbeReport:
        """The samples sent from `start` (wall clock, inclusive) to `end` (exclusive), as a
        report of their own: one operation's share of a probe that ran through many."""
        kept = tuple(s for s in self.samples if start <= s.sent_at < end)
        return ProbeReport(self.url, self.rps, start, end - start, kept)

    def series(self) -> list[dict[str, Any]]:
        """Per-second buckets: requests per version, failures, p50/p99 latency."""
        buckets: dict[int, list[Sample]] = {}
        for s in self.samples:
            buckets.setdefault(int(s.sent_at - self.started_at), []).append(s)
        out = []
        for second in sorted(buckets):
            group = buckets[second]
            latencies = [s.latency_ms for s in group if s.ok]
            out.append(
                {
                    "t": second,
                    "at": self.started_at + second,
                    "requests": len(group),
                    "failed": sum(1 for s in group if not s.ok),
                    "by_version": dict(Counter(s.version or "unknown" for s in group if s.ok)),
                    "p50_ms": _round(percentile(latencies, 50)),
                    "p99_ms": _round(percentile(latencies, 99)),
                }
            )
        return out

    def summary(self) -> dict[str, Any]:
        """The figures a person reads: sent, failed, per version, latency percentiles."""
        latencies = [s.latency_ms for s in self.samples if s.ok]
        errors = Counter(
            str(s.status) if s.status else "connection" for s in self.samples if not s.ok
        )
        return {
            "url": self.url,
            "rps": self.rps,
            "duration_s": round(self.duration_s, 3),
            "sent": self.sent,
            "unsent": self.unsent,
            "failed": self.failed,
            "errors": dict(errors),
            "by_version": self.by_version(),
            "p50_ms": _round(percentile(latencies, 50)),
            "p99_ms": _round(percentile(latencies, 99)),
        }

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        """Write the summary and per-second series as JSON (the report reads it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {**self.summary(), "started_at": self.started_at, "series": self.series()}
        path.write_text(json.dumps({**data, **(extra or {})}, indent=1), encoding="utf-8")


def _ms(seconds: float) -> float:
    return round(max(seconds, 0.0) * 1000, 1)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


class Probe:
    """Sends `rps` requests per second to `url` until stopped (or for a duration)."""

    def __init__(self, url: str, rps: float, *, path: str = "/", timeout: float = 5.0) -> None:
        if rps <= 0:
            raise ValueError("rps must be positive")
        self.url = url.rstrip("/") + path
        self.base_url = url
        self.rps = rps
        self.timeout = timeout
        self._samples: list[Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_at = 0.0
        self._started_mono = 0.0
        workers = max(8, min(128, int(rps * timeout / 10) + 8))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe")
        self._slots = threading.BoundedSemaphore(workers)  # requests in flight, at most
        self._unsent = 0
        import httpx  # noqa: PLC0415 - only with --probe: httpx (and rich.progress) is slow to import

        self._httpx_error = httpx.HTTPError
        self._client = httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers),
        )

    def start(self) -> Probe:
        """Start sending in the background."""
        self._started_at = time.time()
        self._started_mono = time.monotonic()
        self._thread = threading.Thread(target=self._schedule, name="probe-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> ProbeReport:
        """Stop sending, wait for the answers in flight, return the report."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._pool.shutdown(wait=True)
        self._client.close()
        duration = time.monotonic() - self._started_mono
        with self._lock:
            samples = tuple(sorted(self._samples, key=lambda s: s.sent_at))
        return ProbeReport(
            self.base_url, self.rps, self._started_at, duration, samples, self._unsent
        )

    def run_for(self, seconds: float) -> ProbeReport:
        """Send for `seconds`, then report."""
        self.start()
        time.sleep(seconds)
        return self.stop()

    def _schedule(self) -> None:
        period = 1.0 / self.rps
        index = 0
        while not self._stop.is_set():
            due = self._started_mono + index * period
            delay = due - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                break
            if self._slots.acquire(blocking=False):
                self._pool.submit(self._one)
            else:
                self._unsent += 1
            index += 1

    def _one(self) -> None:
        try:
            self._send()
        finally:
            self._slots.release()

    def _send(self) -> None:
        sent_at = time.time()
        began = time.perf_counter()
        status, version, color, error = 0, None, None, None
        try:
            response = self._client.get(self.url)
            status = response.status_code
            version, color = identity(response)
        except self._httpx_error as exc:
            error = type(exc).__name__
        latency = (time.perf_counter() - began) * 1000
        sample = Sample(sent_at, latency, status, version, color, error)
        with self._lock:
            self._samples.append(sample)


def identity(response: httpx.Response) -> tuple[str | None, str | None]:
    """(version, colour) of the release that answered: the colour from the load balancer's
    `X-Bluegreen-Server` header when it names one, else from the service's headers or body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    version = response.headers.get("x-app-version") or body.get("version")
    server = response.headers.get("x-bluegreen-server", "").split("-", 1)[0]
    color = (
        (server if server in ("blue", "green") else None)
        or response.headers.get("x-bluegreen-color")
        or body.get("deployment")
        or body.get("color")
    )
    return (
        None if version is None else str(version),
        None if color is None else str(color),
    )
