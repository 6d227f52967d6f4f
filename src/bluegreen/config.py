"""`bluegreen.toml` and command-line overrides, parsed and validated into frozen settings.

Every error names the key path (`deploy.canary_percent: …`) and what to do; nothing is
changed on the platform before the configuration is valid.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bluegreen.errors import ConfigError
from bluegreen.evidence.settings import OnInconclusive, PlatformTiming, timing_for, timing_problems

DEFAULT_CONFIG = Path("bluegreen.toml")
StrategyName = Literal["all-at-once", "canary", "linear"]
Target = Literal["local", "aws"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeploySettings(_Frozen):
    """How a deployment runs: tasks, strategy, bake, approval, waits, smoke test."""

    tasks: int = Field(2, ge=1, le=50)
    strategy: StrategyName = "all-at-once"
    canary_percent: int = Field(10, ge=1, le=99)
    step_percent: int = Field(25, ge=1, le=99)
    interval: float = Field(10.0, ge=0, le=3600)  # AWS: 240 unless set (see load_settings)
    bake: float = Field(0.0, ge=0, le=86400)
    approve: bool = False
    approve_timeout: float = Field(3600.0, gt=0, le=7 * 86400)
    # Unset: 60 s locally, 600 s on AWS (see `health_timeout_for`).
    health_timeout: float | None = Field(None, gt=0, le=3600)
    drain_timeout: float = Field(60.0, gt=0, le=3600)
    smoke: str | None = None
    lock_lease: float = Field(300.0, ge=10, le=3600)
    # The path the probe requests (`--probe`); any path of the service that answers 2xx.
    probe_path: str = Field("/", pattern=r"^/")
    # The expand/contract guard for a migration tool other than Alembic: a command printing
    # the pending revisions' kinds (`migration_check`); unset, the guard reads Alembic files.
    migrate_check_command: str | None = Field(None, min_length=1)

    def interval_for(self, target: str) -> float:
        """Seconds a partial step holds at least on `target` (AWS unless set: `AWS_INTERVAL`,
        what CloudWatch can judge; `load_settings` fills it in)."""
        if target == "aws" and "interval" not in self.model_fields_set:
            return AWS_INTERVAL
        return self.interval

    def health_timeout_for(self, target: str) -> float:
        """Seconds the new colour has to turn healthy on `target`.

        Locally a gunicorn task is up in a second or two. A Fargate task needs an ENI attached,
        its image pulled (cold: tens of seconds to minutes for a large image), the app started,
        then `healthy_threshold` (2) passing ALB checks at the target group's interval
        (terraform/modules/alb): 600 s covers a cold start with room, and a release that never
        turns healthy still fails on its own (crashes and a FAILED rollout stop the wait early).
        """
        if self.health_timeout is not None:
            return self.health_timeout
        return DEFAULT_HEALTH_TIMEOUT[target]


DEFAULT_HEALTH_TIMEOUT = {"local": 60.0, "aws": 600.0}


class AnalysisLoad(_Frozen):
    """Analysis traffic: requests sent straight to the new colour during each watched step, so
    a quiet service still gathers evidence (locally its own port; on AWS the test listener)."""

    rps: float = Field(gt=0, le=200)
    path: str = Field("/health", pattern=r"^/")


class AnalysisSettings(_Frozen):
    """How the new colour is judged while it takes traffic (see docs/verdict.md).

    Unset timing keys take the target's defaults (`bluegreen.evidence.timing_for`): locally
    HAProxy's counters are live; on AWS CloudWatch publishes per minute, late.
    """

    max_error_rate: float = Field(0.01, ge=0, le=1)
    min_requests: int = Field(20, ge=1)
    window: float | None = Field(None, gt=0, le=3600)
    max_p99_ms: float | None = Field(None, gt=0)
    poll: float | None = Field(None, gt=0, le=60)
    max_wait: float | None = Field(None, gt=0, le=4 * 86400)
    on_inconclusive: OnInconclusive = "rollback"
    publish_delay: float | None = Field(None, ge=0, le=3600)
    load: AnalysisLoad | None = None

    def poll_for(self, target: str) -> float:
        """Seconds between looks on `target`."""
        return self.poll if self.poll is not None else _timing(target).poll

    def window_for(self, target: str) -> float:
        """Seconds of the sliding window on `target`."""
        return self.window if self.window is not None else _timing(target).window

    def publish_delay_for(self, target: str) -> float:
        """Seconds after a period ends before its data counts as complete on `target`."""
        if self.publish_delay is not None:
            return self.publish_delay
        return _timing(target).publish_delay


def _timing(target: str) -> PlatformTiming:
    return timing_for("aws" if target == "aws" else "local")


class LocalSettings(_Frozen):
    """The local platform: where its state lives and which ports it uses."""

    state_dir: Path = Path(".bluegreen")
    port: int = Field(8080, ge=1024, le=65535)
    stats_port: int | None = Field(None, ge=1024, le=65535)
    db_port: int = Field(15432, ge=1024, le=65535)
    base_port: int = Field(18000, ge=1024, le=65000)
    app_dir: Path = Path("app")
    command: tuple[str, ...] | None = None
    migrate_command: tuple[str, ...] | None = None
    # HAProxy's active check (GET); a task is healthy once this path answers 200.
    health_path: str = Field("/health", pattern=r"^/")
    # PostgreSQL for the tasks (DATABASE_URL); off for a service without a database.
    database: bool = True


class HookSettings(_Frozen):
    """Shell commands run at fixed points of a deployment, as Kamal's hooks.

    Each gets BLUEGREEN_* variables (operation, versions, colours, weights, URL, id). A failing
    pre-hook aborts before anything changes; a failing post-hook is journaled and reported.
    """

    pre_deploy: str | None = None
    pre_shift: str | None = None
    post_shift: str | None = None
    post_deploy: str | None = None
    on_rollback: str | None = None
    timeout: float = Field(300.0, gt=0, le=3600)


def _output(description: str, *, required: bool = True) -> Any:
    """A Terraform output of the contract (marked required or optional for the resolver)."""
    return Field(default=None, description=description, json_schema_extra={"required": required})


class TerraformOutputs(_Frozen):
    """The contract between Terraform and the controller, written once: every environment
    outputs these names, and `[aws]` in bluegreen.toml accepts the same keys."""

    aws_region: str | None = _output("region of every resource")
    app_url: str | None = _output("the public URL of the production listener")
    ecs_cluster_name: str | None = _output("the ECS cluster of both services")
    blue_service_name: str | None = _output("the blue ECS service")
    green_service_name: str | None = _output("the green ECS service")
    listener_arn: str | None = _output("the production listener (weighted forward)")
    test_listener_arn: str | None = _output("the test listener (smoke tests)", required=False)
    blue_target_group_arn: str | None = _output("blue's target group")
    green_target_group_arn: str | None = _output("green's target group")
    blue_alarm_names: tuple[str, ...] | None = _output("blue's alarms", required=False)
    green_alarm_names: tuple[str, ...] | None = _output("green's alarms", required=False)
    deploy_table_name: str | None = _output("the DynamoDB table: lock, journal, history")
    live_color_parameter: str | None = _output("the SSM parameter with the live colour")
    container_name: str | None = _output("the app container's name", required=False)
    # A task-definition template's usual values (docs/task-definition-template.md).
    execution_role_arn: str | None = _output("the tasks' execution role", required=False)
    task_role_arn: str | None = _output("the tasks' own role", required=False)
    log_group_name: str | None = _output("the tasks' log group", required=False)
    container_port: int | None = _output("the service's port", required=False)
    # The platform's optional database, for a template's DB_* variables and secret (null, and
    # absent from the outputs, without one).
    db_host: str | None = _output("the database's address", required=False)
    db_port: int | None = _output("the database's port", required=False)
    db_name: str | None = _output("the database's name", required=False)
    db_user: str | None = _output("the database's user", required=False)
    db_password_parameter_name: str | None = _output(
        "the SSM parameter of the database password", required=False
    )
    db_password_parameter_arn: str | None = _output(
        "the SSM parameter of the database password (ARN)", required=False
    )


def contract_keys(*, required: bool) -> tuple[str, ...]:
    """The names of the contract's required (or optional) outputs, in declaration order."""
    return tuple(
        name
        for name, field in TerraformOutputs.model_fields.items()
        if isinstance(field.json_schema_extra, dict)
        and field.json_schema_extra.get("required") is required
    )


class AwsSettings(TerraformOutputs):
    """The Terraform outputs (or where to read them) and the controller's own AWS settings."""

    terraform_outputs: Path | None = None
    # Off unless configured: a service without Alembic must not fail its first deploy.
    migrate_command: tuple[str, ...] = ()
    # The task-definition template (docs/task-definition-template.md) and its values file;
    # without a template, new revisions are copies of the running one with the new image.
    task_definition_template: Path | None = None
    task_definition_values: Path | None = None


class Settings(_Frozen):
    """The whole configuration."""

    target: Target = "local"
    deploy: DeploySettings = DeploySettings()
    analysis: AnalysisSettings = AnalysisSettings()
    local: LocalSettings = LocalSettings()
    aws: AwsSettings = AwsSettings()
    hooks: HookSettings = HookSettings()
    # Set by the loader (the file the settings came from); not a key of the file.
    source: Path | None = None

    def base_dir(self) -> Path:
        """The directory relative paths of the file are taken from (cwd without a file)."""
        return self.source.parent if self.source is not None else Path.cwd()


def _format(error: ValidationError, prefix: str = "") -> str:
    lines = []
    for item in error.errors():
        path = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see the configuration reference in README)"
        lines.append(f"{prefix}{path}: {message}")
    return "\n".join(lines)


def _merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping):
            current = merged.get(key)
            merged[key] = _merge(current if isinstance(current, Mapping) else {}, value)
        elif value is not None:
            merged[key] = value
    return merged


def load_settings(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read `path` (default ./bluegreen.toml if present), apply overrides, validate.

    `overrides` mirrors the file's shape (`{"deploy": {"tasks": 3}}`); None values are ignored,
    so a flag that was not given keeps the file's value.
    """
    explicit = path is not None
    path = path or DEFAULT_CONFIG
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc
    elif explicit:
        raise ConfigError(
            f"{path}: no such configuration file",
            hint="pass an existing file with --config, or leave it out to use the defaults",
        )
    if "source" in raw:
        raise ConfigError(
            f"{path}: source: unknown key (check the spelling; see the configuration "
            "reference in README)"
        )
    data = _merge(raw, overrides or {})
    if path.exists():
        data["source"] = path
    where = f"{path}: " if path.exists() else ""
    if data.get("target") == "aws":
        # AWS's default step is the shortest CloudWatch can judge (docs/verdict.md).
        deploy = data.get("deploy")
        if isinstance(deploy, Mapping) and "interval" not in deploy:
            data["deploy"] = {**deploy, "interval": AWS_INTERVAL}
        elif deploy is None:
            data["deploy"] = {"interval": AWS_INTERVAL}
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format(exc, where)) from None
    problems = analysis_problems(settings)
    if problems:
        raise ConfigError(
            where + "analysis settings cannot judge a step:\n" + "\n".join(problems),
            hint="see docs/verdict.md for the shortest step each platform can judge",
        )
    return settings


AWS_INTERVAL = 240.0
"""`deploy.interval` on AWS unless set: CloudWatch's 180 s publishing delay + one 60 s period."""


def analysis_problems(settings: Settings) -> list[str]:
    """Each way the settings cannot judge a watched step (or the bake), naming the key."""
    target = settings.target
    analysis = settings.analysis
    deploy = settings.deploy
    problems: list[str] = []
    watched = [("deploy.interval", deploy.interval if deploy.strategy != "all-at-once" else 0.0)]
    watched.append(("deploy.bake", deploy.bake))
    for key, interval in watched:
        for problem in timing_problems(
            target,
            interval=interval,
            window=analysis.window_for(target),
            poll=analysis.poll_for(target),
            publish_delay=analysis.publish_delay_for(target),
            max_wait=analysis.max_wait,
            interval_key=key,
        ):
            if problem not in problems:
                problems.append(problem)
    if (
        target == "aws"
        and analysis.load is not None
        and settings.aws.test_listener_arn is None
        and settings.aws.terraform_outputs is None
    ):
        problems.append(
            "analysis.load: on AWS analysis traffic goes through the test listener, and none "
            "is configured; output test_listener_arn from Terraform (or set "
            "aws.test_listener_arn), or remove analysis.load"
        )
    return problems
