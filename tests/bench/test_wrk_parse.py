"""bench.wrk reads wrk's printed output into figures."""

from __future__ import annotations

from bench import wrk

_OUTPUT = """Running 4s test @ http://127.0.0.1:8000/items/50
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.60ms    3.10ms  41.20ms   81.50%
    Req/Sec     1.02k   120.33     1.30k    70.00%
  Latency Distribution
     50%    6.90ms
     75%    8.10ms
     90%   10.30ms
     99%   15.10ms
  8093 requests in 4.01s, 1.90MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   2018.20
Transfer/sec:    485.21KB
"""


def test_parse_reads_rate_requests_percentiles_and_failures() -> None:
    assert wrk.parse(_OUTPUT) == wrk.Result(
        rps=2018.2, requests=8093, p50_ms=6.9, p99_ms=15.1, non_2xx=4, errors=3
    )
