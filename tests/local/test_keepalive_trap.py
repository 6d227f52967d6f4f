"""The keep-alive trap: an app with gunicorn's 2 s keep-alive behind HAProxy, switched under load.

gunicorn closes a connection idle for 2 s; HAProxy may pick that very connection from its idle
pool for the next request. With `retry-on conn-failure empty-response response-timeout` (safe
methods) and `http-reuse safe`, HAProxy retries on another connection: no request fails.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from bluegreen.local.provider import LocalProvider
from bluegreen.model import Release, Weights
from tests.fakes import command
from tests.support.platform import wait_until

pytestmark = pytest.mark.integration


@dataclass
class Load:
    """Requests sent and failed by the load threads, with the failures' reasons."""

    sent: int = 0
    failed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, reason: str | None) -> None:
        with self.lock:
            self.sent += 1
            if reason is not None:
                self.failed += 1
                self.reasons[reason] = self.reasons.get(reason, 0) + 1


def switch_under_load(
    provider: LocalProvider, *, switches: int, busy: int = 4, sparse: int = 16, seed: int = 7
) -> Load:
    """Keep-alive clients send GET / while weights flip between the colours.

    `busy` clients send nonstop; `sparse` ones pause 1.9 to 2.1 s between requests, so
    HAProxy keeps picking server connections that have been idle for about gunicorn's 2 s
    keep-alive. Each flip comes 1.8 to 2.4 s after the previous one, when the idle pool of
    the colour coming back holds connections that gunicorn is about to close.
    """
    load = Load()
    stop = threading.Event()

    def client(pause: tuple[float, float] | None, rng: random.Random) -> None:
        with httpx.Client(timeout=10) as http:
            while not stop.is_set():
                try:
                    response = http.get(provider.url + "/")
                    load.record(None if response.status_code == 200 else str(response.status_code))
                except httpx.HTTPError as exc:
                    load.record(type(exc).__name__)
                if pause is not None:
                    stop.wait(rng.uniform(*pause))

    threads = [
        threading.Thread(target=client, args=(None if i < busy else (1.9, 2.1), random.Random(i)))
        for i in range(busy + sparse)
    ]
    for thread in threads:
        thread.start()
    rng = random.Random(seed)
    try:
        for i in range(switches):
            time.sleep(rng.uniform(1.8, 2.4))
            provider.set_weights(Weights.all_on("green" if i % 2 == 0 else "blue"))
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return load


def start_both(provider: LocalProvider) -> None:
    """Two tasks per colour of the `ok` fake with gunicorn's default 2 s keep-alive."""
    provider.start("blue", Release("1.0.0", command=command("ok")), 2)
    provider.start("green", Release("2.0.0", command=command("ok")), 2)
    wait_until(
        lambda: provider.health("blue").ready and provider.health("green").ready,
        what="both colours healthy",
    )
    provider.set_weights(Weights.all_on("blue"))


def test_switching_weights_under_load_fails_no_request_with_a_2s_keep_alive_app(
    provider: LocalProvider,
) -> None:
    start_both(provider)
    load = switch_under_load(provider, switches=6)
    assert load.sent > 500
    assert (load.failed, load.reasons) == (0, {})
