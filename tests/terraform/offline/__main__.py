"""`make tf-plan`: init, validate and plan every environment offline, one line each."""

from __future__ import annotations

import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.terraform.offline.runner import EnvironmentPlan, Workspace, plan_environment


def _line(result: EnvironmentPlan) -> str:
    validate = result.step("validate")
    valid = "valid" if validate and validate.ok else "INVALID" if validate else "not run"
    return (
        f"{result.environment:<10} validate: {valid:<8} {result.summary}  ({result.seconds:.1f} s)"
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bluegreen-tf-plan-") as scratch:
        workspace = Workspace.create(Path(scratch))
        print(f"terraform: {' '.join(workspace.command)}  (fake hashicorp/aws, hashicorp/random)")
        # The environments are independent directories: plan them side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(
                pool.map(
                    lambda env: plan_environment(workspace, env, show=False),
                    workspace.environments(),
                )
            )
    for result in results:
        print(_line(result))
    for result in results:
        if not result.ok:
            print(f"\n{result.environment}: {result.failure}", file=sys.stderr)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
