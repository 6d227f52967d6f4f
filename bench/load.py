"""Load for the chaos and soak benches: reads and acknowledged writes through the public URL.

Two paced threads: one reads ``GET /`` and one writes ``POST /items`` (each with its own
Idempotency-Key). A write is *acknowledged* when it answered 201 with the new item's id; every
acknowledged write must be readable later (`verify`), whatever was killed in between.
Every request is kept as a `Hit` so failures can be counted per time window (per fault).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Hit:
    """One request: when it was sent (monotonic), what it was, how it answered."""

    at: float
    kind: str  # "read" or "write"
    status: int  # 0: connection error or timeout

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300


class Load:
    """Paced reads and writes against `url` until `stop()`."""

    def __init__(self, url: str, *, read_rps: float = 20, write_rps: float = 8) -> None:
        self.url = url
        self.rates = {"read": read_rps, "write": write_rps}
        self.hits: list[Hit] = []
        self.acknowledged: dict[int, str] = {}  # item id -> name
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, args=(kind,), daemon=True) for kind in self.rates
        ]
        self._lock = threading.Lock()

    def start(self) -> Load:
        """Start both threads."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop and wait for the threads."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)

    def _loop(self, kind: str) -> None:
        period = 1 / self.rates[kind]
        next_at = time.monotonic()
        with httpx.Client(base_url=self.url, timeout=5.0) as client:
            while not self._stop.is_set():
                sent = time.monotonic()
                status = self._write(client) if kind == "write" else self._read(client)
                with self._lock:
                    self.hits.append(Hit(sent, kind, status))
                next_at = max(next_at + period, time.monotonic() - period)
                self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _read(self, client: httpx.Client) -> int:
        try:
            return client.get("/").status_code
        except httpx.HTTPError:
            return 0

    def _write(self, client: httpx.Client) -> int:
        name = f"chaos-{uuid.uuid4().hex[:12]}"
        try:
            response = client.post(
                "/items", json={"name": name}, headers={"Idempotency-Key": uuid.uuid4().hex}
            )
        except httpx.HTTPError:
            return 0
        if response.status_code == 201:
            item_id = int(response.json()["item"]["id"])
            with self._lock:
                self.acknowledged[item_id] = name
        return response.status_code

    def window(self, start: float, end: float) -> tuple[int, int]:
        """(failed, sent) among requests sent between `start` and `end` (monotonic)."""
        with self._lock:
            hits = [h for h in self.hits if start <= h.at <= end]
        return sum(1 for h in hits if not h.ok), len(hits)

    def totals(self) -> tuple[int, int]:
        """(failed, sent) over the whole run."""
        return self.window(0, float("inf"))


def verify(url: str, acknowledged: dict[int, str]) -> list[str]:
    """Every acknowledged write that cannot be read back as written (empty: all kept)."""
    problems = []
    with httpx.Client(base_url=url, timeout=10.0) as client:
        for item_id, name in sorted(acknowledged.items()):
            try:
                response = client.get(f"/items/{item_id}")
            except httpx.HTTPError as exc:
                problems.append(f"item {item_id}: {exc.__class__.__name__}")
                continue
            if response.status_code != 200:
                problems.append(f"item {item_id}: HTTP {response.status_code}")
            elif response.json().get("name") != name:
                problems.append(f"item {item_id}: name {response.json().get('name')!r} != {name!r}")
    return problems


def served(url: str, requests: int = 10) -> tuple[bool, str]:
    """Whether the public URL answers `requests` reads and one write in a row, and why not."""
    with httpx.Client(base_url=url, timeout=5.0) as client:
        try:
            for _ in range(requests):
                read = client.get("/")
                if read.status_code != 200:
                    return False, f"GET / answered {read.status_code}"
            write = client.post("/items", json={"name": "chaos-check"})
            if write.status_code != 201:
                return False, f"POST /items answered {write.status_code}: {write.text[:120]}"
        except httpx.HTTPError as exc:
            return False, f"{exc.__class__.__name__}: {exc}"
    return True, "serving reads and writes"
