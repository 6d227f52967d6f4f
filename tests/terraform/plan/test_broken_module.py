"""A mistake in a module fails `terraform validate` with Terraform's own message.

Each test breaks a scratch copy of terraform/ the way people do (a misspelt argument, a
reference to something that is not there) and checks what Terraform says.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.terraform.offline.runner import Outcome, Workspace
from tests.terraform.plan.conftest import ENVIRONMENTS

_RESOURCE = re.compile(r'^resource "aws_\w+" "\w+" \{\n(?P<body>(?:  .*\n|\n)*?)\}', re.M)


def _first_module_file(root: Path) -> Path:
    """A module file that declares an AWS resource (whichever exists after refactors)."""
    for path in sorted((root / "modules").glob("*/main.tf")):
        if _RESOURCE.search(path.read_text()):
            return path
    raise AssertionError("no module declares an aws_* resource")


def _validate(workspace: Workspace) -> Outcome:
    environment = ENVIRONMENTS[0]
    init = workspace.init(environment)
    assert init.ok, init.output
    return workspace.validate(environment)


def test_misspelt_argument_in_a_module_fails_validate(tmp_path: Path) -> None:
    workspace = Workspace.create(tmp_path)
    module = _first_module_file(workspace.root)
    text = module.read_text()
    block = _RESOURCE.search(text)
    assert block is not None
    argument = re.search(r"^  (\w+)\s*=", block.group("body"), re.M)
    assert argument is not None, block.group(0)
    wrong = argument.group(1) + "x"
    start = block.start("body") + argument.start(1)
    module.write_text(text[:start] + wrong + text[start + len(argument.group(1)) :])

    outcome = _validate(workspace)

    assert not outcome.ok
    assert "Error: Unsupported argument" in outcome.output
    assert f'An argument named "{wrong}" is not expected here.' in outcome.output
    assert module.name in outcome.output


def test_broken_reference_in_a_module_fails_validate(tmp_path: Path) -> None:
    workspace = Workspace.create(tmp_path)
    module = _first_module_file(workspace.root)
    text = module.read_text()
    reference = re.search(r"(?<![\w.])(aws_\w+)\.(\w+)\.(\w+)\b", text)  # not data.aws_x
    assert reference is not None
    type_, name = reference.group(1), reference.group(2)
    broken = f"{type_}.{name}_gone.{reference.group(3)}"
    module.write_text(text[: reference.start()] + broken + text[reference.end() :])

    outcome = _validate(workspace)

    assert not outcome.ok
    assert "Error: Reference to undeclared resource" in outcome.output
    assert f'A managed resource "{type_}" "{name}_gone" has not been declared' in outcome.output
