"""`make tf-plan`: init, validate and plan every environment offline, one line each."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.terraform.offline.runner import Workspace, plan_environment


def main() -> int:
    failed = 0
    with tempfile.TemporaryDirectory(prefix="bluegreen-tf-plan-") as scratch:
        workspace = Workspace.create(Path(scratch))
        print(
            f"terraform: {' '.join(workspace.command)}  (fake hashicorp/aws and hashicorp/random)"
        )
        for environment in workspace.environments():
            result = plan_environment(workspace, environment)
            validate = result.step("validate")
            valid = "valid" if validate and validate.ok else "INVALID" if validate else "not run"
            print(
                f"{environment:<10} validate: {valid:<8} {result.summary}  ({result.seconds:.1f} s)"
            )
            if not result.ok:
                failed += 1
                print(result.failure, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
