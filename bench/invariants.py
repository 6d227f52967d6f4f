"""The invariants a platform must hold once recovered, each checked from outside.

* traffic only to healthy targets: every server HAProxy weights above 0 passes its checks, and
  every colour `status` weights above 0 has all its targets healthy; the public URL serves;
* one live colour takes all traffic; the lock is free (`status` shows no deployment);
* `status` agrees with the load balancer (HAProxy's runtime API): per-server weights, each
  colour's share of traffic and its number of tasks;
* one history record per deployment: every journal has exactly one record, no id twice;
* the live release is one the operation could leave (the one before it, or its target).

Each check returns the violations it found, as sentences (empty: the invariant holds).
Acknowledged writes are checked by `bench.load.verify`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from bench.load import served
from bench.rig import Rig
from bluegreen.local.haproxy import ServerStat

COLOURS = ("blue", "green")


def _colour(server: str) -> str:
    return server.rsplit("-", 1)[0]


def traffic_to_healthy(status: Mapping[str, Any], stats: Sequence[ServerStat]) -> list[str]:
    """Weight above 0 only on healthy targets, at HAProxy and in `status`."""
    found = []
    routed = [s for s in stats if s.weight > 0 and not s.status.startswith("MAINT")]
    if not routed:
        found.append("HAProxy weights no server above 0: nothing takes traffic")
    found += [
        f"HAProxy sends traffic (weight {s.weight}) to {s.server}, which is not healthy "
        f"({s.status}, check {s.check_status or '-'})"
        for s in routed
        if not s.healthy
    ]
    for colour in COLOURS:
        info = status["colors"][colour]
        if status["weights"][colour] > 0 and (
            info["desired"] == 0 or info["healthy"] < info["desired"]
        ):
            found.append(
                f"status weights {colour} at {status['weights'][colour]}% with "
                f"{info['healthy']} of {info['desired']} targets healthy"
            )
    return found


def status_matches_lb(status: Mapping[str, Any], stats: Sequence[ServerStat]) -> list[str]:
    """`status --json` says what HAProxy's runtime API says."""
    found = []
    active = {s.server: s.weight for s in stats if not s.status.startswith("MAINT")}
    if dict(status.get("server_weights") or {}) != active:
        found.append(f"status server_weights {status.get('server_weights')} != HAProxy's {active}")
    total = sum(active.values())
    for colour in COLOURS:
        weight = sum(w for name, w in active.items() if _colour(name) == colour)
        share = round(100 * weight / total) if total else 0
        if abs(share - status["weights"][colour]) > 1:
            found.append(
                f"status gives {colour} {status['weights'][colour]}% of traffic, HAProxy {share}%"
            )
        servers = sum(1 for name in active if _colour(name) == colour)
        if servers != status["colors"][colour]["tasks"]:
            found.append(
                f"status counts {status['colors'][colour]['tasks']} {colour} task(s), "
                f"HAProxy has {servers} {colour} server(s) in service"
            )
    return found


def lock_free(status: Mapping[str, Any]) -> list[str]:
    """No deployment holds the lock."""
    deployment = status.get("deployment")
    if deployment is None:
        return []
    return [
        f"the lock is held by {deployment.get('operation')} {deployment.get('id')} "
        f"({deployment.get('state')} at step {deployment.get('step')})"
    ]


def one_record_per_deployment(
    history: Sequence[Mapping[str, Any]], journals: Collection[str]
) -> list[str]:
    """Every deployment with a journal has exactly one history record."""
    counts = Counter(str(r.get("id")) for r in history)
    found = [f"deployment {i} has {n} history records" for i, n in counts.items() if n > 1]
    found += [
        f"deployment {i} has a journal but no history record"
        for i in sorted(journals)
        if i not in counts
    ]
    return found


RELEASE_CHANGED = "live release changed:"


def one_live_colour(status: Mapping[str, Any]) -> list[str]:
    """All traffic on one colour (not split, not on nothing)."""
    if status.get("live") in COLOURS:
        return []
    return [f"no single live colour: traffic {status.get('weights')}"]


def live_release(status: Mapping[str, Any], allowed: Collection[str]) -> list[str]:
    """The live colour runs one of the `allowed` versions."""
    live = status.get("live")
    if live not in COLOURS:
        return []  # one_live_colour says so
    version = status["colors"][live]["version"]
    if not allowed or version in allowed:
        return []
    return [f"{RELEASE_CHANGED} {live} runs {version}, expected one of {sorted(allowed)}"]


def blocking(violations: Sequence[str]) -> list[str]:
    """The violations that leave no healthy live colour, or a platform that disagrees with
    itself (all but a changed live release: the platform serves, on another release)."""
    return [v for v in violations if not v.startswith(RELEASE_CHANGED)]


def check(rig: Rig, allowed_versions: Collection[str] = ()) -> list[str]:
    """Every invariant above, read once now."""
    status, outcome = rig.status()
    if status is None:
        return [f"`bluegreen status` fails: {outcome.message}"]
    found = []
    ok, why = served(rig.url)
    if not ok:
        found.append(f"the public URL does not serve: {why}")
    stats = rig.show_stat()
    if stats is None:
        found.append("HAProxy's runtime API does not answer")
    else:
        found += traffic_to_healthy(status, stats)
        found += status_matches_lb(status, stats)
    found += one_live_colour(status)
    found += lock_free(status)
    if status.get("deployment") is None:  # a journal without a record is fine while running
        found += one_record_per_deployment(rig.history(), rig.journal_ids())
    found += live_release(status, allowed_versions)
    return found


def settle(rig: Rig, allowed_versions: Collection[str] = (), timeout: float = 15.0) -> list[str]:
    """`check` until nothing `blocking` is found or `timeout` passes (checks need a moment
    after a restart); the last violations found."""
    deadline = time.monotonic() + timeout
    while True:
        found = check(rig, allowed_versions)
        if not blocking(found) or time.monotonic() >= deadline:
            return found
        time.sleep(1.0)
