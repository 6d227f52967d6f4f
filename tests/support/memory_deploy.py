"""One deployment on the in-memory platform with a fake clock, as the procedure's tests run it
(tests/test_deployment_*.py)."""

from bluegreen.deployment import Deployment
from bluegreen.model import Release
from bluegreen.progress import SilentProgress
from bluegreen.records import DeploymentRecord
from bluegreen.request import DeployRequest
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider


def run(provider: MemoryProvider, clock: FakeClock, **kwargs: object) -> DeploymentRecord:
    """Deploy `release` (2.0.0 with a migration by default) on two tasks; other keywords go to
    the `DeployRequest`; readiness passes unless `readiness=` says otherwise."""
    release = kwargs.pop("release", Release("2.0.0", migrate_command=("migrate",)))
    readiness = kwargs.pop("readiness", lambda _url: None)
    request = DeployRequest(release=release, tasks=2, **kwargs)  # type: ignore[arg-type]  # test-only kwargs
    return Deployment(provider, request, SilentProgress(), clock=clock, readiness=readiness).run()  # type: ignore[arg-type]  # test-only kwargs
