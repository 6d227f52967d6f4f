"""Dry run: one wrapper around any provider that records the changes an operation would make.

`provider.DryRun` is the wrapper, `state.DryRunState` its state store, `calls` the typed plan.
"""

from bluegreen.dryrun.calls import Call, call_json
from bluegreen.dryrun.provider import DryRun

__all__ = ["Call", "DryRun", "call_json"]
