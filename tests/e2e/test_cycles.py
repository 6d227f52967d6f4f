"""Deploy and rollback cycles of the reference service under constant load: nothing is lost.

Real PostgreSQL, HAProxy and gunicorn; the probe requests / at a constant rate while a
writer creates items; afterwards every acknowledged item must still be there.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.e2e.conftest import Platform

pytestmark = pytest.mark.integration


class Writer:
    """Creates items through the public URL until stopped; remembers acknowledged ids."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: list[int] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=5) as client:
            while not self._stop.wait(0.02):
                key = uuid.uuid4().hex
                try:
                    response = client.post(
                        "/items", json={"name": f"item-{key[:8]}"}, headers={"Idempotency-Key": key}
                    )
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                    continue
                if response.status_code == 201:
                    self.acknowledged.append(response.json()["item"]["id"])
                else:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")

    @contextmanager
    def running(self) -> Iterator[Writer]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=10)


def all_item_ids(url: str) -> set[int]:
    ids: set[int] = set()
    cursor = None
    with httpx.Client(base_url=url, timeout=10) as client:
        while True:
            params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            page = client.get("/items", params=params).json()
            ids.update(item["id"] for item in page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return ids


def test_deploy_rollback_cycles_under_load_drop_no_request_and_lose_no_item(
    platform: Platform,
) -> None:
    result = platform.run("up", "--version", "1.0.0")
    assert result.code == 0, result.err
    writer = Writer(platform.url)
    probes = []
    with writer.running():
        for cycle in range(3):
            deployed = platform.run(
                "deploy", "--version", f"2.0.{cycle}", "--probe", "150", "--json"
            )
            assert deployed.code == 0, deployed.err
            probes.append(deployed.json()["probe"])
            rolled = platform.run("rollback", "--probe", "150", "--json")
            assert rolled.code == 0, rolled.err
            probes.append(rolled.json()["probe"])
    assert writer.failures == []
    assert len(writer.acknowledged) > 50
    assert set(writer.acknowledged) <= all_item_ids(platform.url)
    assert [p["failed"] for p in probes] == [0] * 6, [(p["errors"], p["p99_ms"]) for p in probes]
    assert all(p["sent"] > 0 for p in probes)
    for probe in probes[::2]:  # each deploy saw both versions answer
        assert len(probe["by_version"]) == 2
    status = platform.status()
    assert status["live"] == "blue"
    assert status["colors"]["blue"]["version"] == "1.0.0"
    history = platform.run("history", "--json").json()
    assert [r["operation"] for r in history[:6]] == ["rollback", "deploy"] * 3
    assert all(r["outcome"] == "succeeded" for r in history[:6])
