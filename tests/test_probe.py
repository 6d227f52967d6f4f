"""The probe: its figures from samples (exact), and a real run against a local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bluegreen.probe import Probe, ProbeReport, Sample, percentile


def report(*samples: Sample) -> ProbeReport:
    return ProbeReport("http://x", 10, 100.0, 3.0, samples)


OLD = [Sample(100.1, 2.0, 200, "1.0", "blue"), Sample(100.6, 4.0, 200, "1.0", "blue")]
NEW = [Sample(101.2, 3.0, 200, "2.0", "green"), Sample(101.7, 5.0, 200, "2.0", "green")]
FAILED = Sample(102.3, 1.0, 0, None, None)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([float(i) for i in range(1, 101)], 99) == 99.0


def test_summary_counts_failures_per_kind_and_answers_per_version() -> None:
    summary = report(*OLD, *NEW, FAILED, Sample(102.5, 1.0, 503, None, None)).summary()
    assert summary == {
        "url": "http://x",
        "rps": 10,
        "duration_s": 3.0,
        "sent": 6,
        "unsent": 0,
        "failed": 2,
        "errors": {"connection": 1, "503": 1},
        "by_version": {"1.0": 2, "2.0": 2},
        "p50_ms": 3.0,
        "p99_ms": 5.0,
    }


def test_series_has_one_bucket_per_second() -> None:
    assert report(*OLD, *NEW, FAILED).series() == [
        {"t": 0, "at": 100.0, "requests": 2, "failed": 0, "by_version": {"1.0": 2},
         "p50_ms": 2.0, "p99_ms": 4.0},
        {"t": 1, "at": 101.0, "requests": 2, "failed": 0, "by_version": {"2.0": 2},
         "p50_ms": 3.0, "p99_ms": 5.0},
        {"t": 2, "at": 102.0, "requests": 1, "failed": 1, "by_version": {},
         "p50_ms": None, "p99_ms": None},
    ]  # fmt: skip


def test_cutover_is_measured_by_colour_even_when_versions_are_equal() -> None:
    same_version = [
        Sample(100.0, 1.0, 200, "2.0", "blue"),
        Sample(100.5, 2.0, 200, "2.0", "blue"),  # in flight at the switch
        Sample(100.6, 1.0, 200, "2.0", "green"),
    ]
    assert report(*same_version).cutover(100.4, "blue", "green") == {
        "to_first_new_ms": 201.0,
        "to_last_old_ms": 102.0,
    }
    assert report(*OLD).cutover(100.0, "blue", "green")["to_first_new_ms"] is None


def test_a_window_keeps_the_samples_sent_in_it_and_its_own_duration() -> None:
    window = report(*OLD, *NEW, FAILED).window(100.6, 101.7)
    assert window.samples == (OLD[1], NEW[0])
    assert (window.started_at, window.url, window.rps) == (100.6, "http://x", 10)
    assert window.duration_s == pytest.approx(1.1)


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"version": "3.1", "deployment": "green"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_probe_sends_at_the_asked_rate_and_reads_version_and_colour(server: str) -> None:
    result = Probe(server, 50).run_for(1.0)
    assert 40 <= result.sent <= 55
    assert result.failed == 0
    assert {s.version for s in result.samples} == {"3.1"}
    assert {s.color for s in result.samples} == {"green"}


class _Slow(_Answer):
    def do_GET(self) -> None:
        time.sleep(1.5)
        super().do_GET()


def test_a_probe_whose_connections_all_wait_skips_requests_instead_of_queueing_them() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        # 23 connections (50 rps x 3 s / 10 + 8), each answered after 1.5 s: of the ~40
        # requests due in 0.8 s, 23 are sent and the rest skipped. A queue would have sent
        # them all, late, and kept `stop` waiting for them.
        result = Probe(f"http://127.0.0.1:{httpd.server_address[1]}", 50, timeout=3.0).run_for(0.8)
    finally:
        httpd.shutdown()
    assert result.sent == 23
    assert result.unsent >= 10
    assert result.failed == 0
    assert result.summary()["unsent"] == result.unsent


def test_probe_counts_a_refused_connection_as_failed() -> None:
    result = Probe("http://127.0.0.1:9", 20, timeout=0.5).run_for(0.3)
    assert result.sent > 0
    assert result.failed == result.sent
    assert result.summary()["errors"] == {"connection": result.sent}
    assert {s.error for s in result.samples} == {"ConnectError"}  # what the client raised
