"""The deploy bench reads each switch and the lead time from an operation's journal."""

from __future__ import annotations

import json

import pytest

from bench.bench_deploy import Switch, lead_time, switch_of


def _line(seq: int, at: float, kind: str, **data: object) -> str:
    return json.dumps({"deployment_id": "d", "seq": seq, "at": at, "step": kind, "data": data})


DEPLOY = [
    _line(1, 10.0, "begin", old="blue", new="green"),
    _line(2, 10.5, "shift", step=1, of=2),
    _line(3, 10.6, "shifted", step=1, of=2),
    _line(4, 11.0, "shift", step=2, of=2),
    _line(5, 11.02, "shifted", step=2, of=2),
    _line(6, 11.5, "drained"),
]


def test_the_switch_is_the_final_shift_and_its_weights_applied_at_the_shifted_after_it() -> None:
    assert switch_of(DEPLOY) == Switch(at=11.0, applied=11.02, old="blue", new="green")


def test_a_restore_switches_back_to_the_old_colour() -> None:
    failed = [
        *DEPLOY[:5],
        _line(6, 12.0, "restore"),
        _line(7, 12.01, "restored"),
    ]
    assert switch_of(failed) == Switch(at=12.0, applied=12.01, old="green", new="blue")


def test_a_journal_without_a_full_switch_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no switch of all traffic"):
        switch_of(DEPLOY[:3])


def test_lead_time_runs_from_the_command_start_to_the_last_full_shift() -> None:
    assert lead_time(DEPLOY, started=9.0) == pytest.approx(2.02)
