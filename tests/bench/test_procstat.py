"""Per-request cost figures of bench_app: CPU and context switches read from /proc."""

from __future__ import annotations

import os
import subprocess
import sys

from bench import procstat
from tests.support.platform import wait_until

_BUSY_THEN_NAPS = """
import time
end = time.process_time() + 0.3
while time.process_time() < end:
    pass
for _ in range(20):
    time.sleep(0.001)
print("done", flush=True)
time.sleep(60)
"""


def test_usage_counts_the_cpu_and_the_waits_of_a_process_tree() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _BUSY_THEN_NAPS], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "done\n"
        assert child.pid in procstat.tree(os.getpid())
        spent = procstat.usage(child.pid)
        assert spent.cpu_s >= 0.25
        assert spent.voluntary >= 20  # each sleep gives the core up
        ours = procstat.usage(os.getpid())
        assert ours.cpu_s >= spent.cpu_s  # the tree from here includes the child
    finally:
        child.kill()
        child.wait()
    wait_until(lambda: child.pid not in procstat.tree(os.getpid()), 10, "the child to be gone")


def test_usage_difference_is_field_by_field() -> None:
    later = procstat.Usage(cpu_s=2.5, voluntary=30, involuntary=7)
    earlier = procstat.Usage(cpu_s=1.0, voluntary=10, involuntary=2)
    assert later - earlier == procstat.Usage(cpu_s=1.5, voluntary=20, involuntary=5)
