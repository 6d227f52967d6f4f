"""Configuration: frozen settings, flags over the file, errors that name the key path."""

from pathlib import Path

import pytest

from bluegreen.config import load_settings
from bluegreen.errors import ConfigError
from bluegreen.model import Release
from bluegreen.request import DeployRequest, RollbackRequest


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bluegreen.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert (settings.target, settings.deploy.tasks, settings.deploy.strategy) == (
        "local",
        2,
        "all-at-once",
    )
    assert settings.analysis.max_error_rate == 0.01
    assert settings.analysis.min_requests == 20


def test_file_values_and_flag_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, '[deploy]\ntasks = 3\nstrategy = "canary"\ncanary_percent = 20\n')
    settings = load_settings(path, {"deploy": {"tasks": 4, "bake": None}})
    assert (settings.deploy.tasks, settings.deploy.strategy, settings.deploy.canary_percent) == (
        4,
        "canary",
        20,
    )
    assert settings.deploy.bake == 0


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""))
    with pytest.raises(ValueError, match="frozen"):
        settings.deploy.tasks = 5  # type: ignore[misc]  # the point of the test


def test_bad_value_names_the_key_path(tmp_path: Path) -> None:
    path = write(tmp_path, "[deploy]\ncanary_percent = 150\n")
    with pytest.raises(
        ConfigError,
        match=r"bluegreen.toml: deploy.canary_percent: Input should be less than or equal to 99",
    ):
        load_settings(path)


def test_unknown_key_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"analysis.max_eror_rate: unknown key"):
        load_settings(write(tmp_path, "[analysis]\nmax_eror_rate = 0.5\n"))


def test_bad_strategy_lists_the_choices(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"deploy.strategy: Input should be 'all-at-once', 'canary' or 'linear'"
    ):
        load_settings(write(tmp_path, '[deploy]\nstrategy = "yolo"\n'))


def test_invalid_toml_says_where(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[deploy\n"))


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "nope.toml")


def test_the_health_timeout_defaults_per_target_and_a_setting_overrides_both() -> None:
    assert load_settings(overrides={"target": "local"}).deploy.health_timeout_for("local") == 60
    aws = load_settings(overrides={"target": "aws"})
    assert (
        DeployRequest.from_settings(aws, Release(version="2", image="r/a:2")).health_timeout == 600
    )
    set_by_flag = load_settings(overrides={"target": "aws", "deploy": {"health_timeout": 900}})
    assert set_by_flag.deploy.health_timeout_for("aws") == 900
    assert RollbackRequest.from_settings(set_by_flag).health_timeout == 900


def test_each_target_gets_analysis_defaults_that_can_judge(tmp_path: Path) -> None:
    local = load_settings(write(tmp_path, '[deploy]\nstrategy = "canary"\n'))
    assert local.deploy.interval == 10
    assert (local.analysis.window_for("local"), local.analysis.poll_for("local")) == (10, 0.5)
    assert local.analysis.publish_delay_for("local") == 0
    aws = load_settings(write(tmp_path, 'target = "aws"\n[deploy]\nstrategy = "canary"\n'))
    assert aws.deploy.interval == 240  # CloudWatch: 180 s publishing delay + one 60 s period
    assert (aws.analysis.window_for("aws"), aws.analysis.poll_for("aws")) == (120, 15)
    assert aws.analysis.publish_delay_for("aws") == 180
    assert aws.analysis.on_inconclusive == "rollback"


def test_an_aws_step_too_short_for_cloudwatch_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'target = "aws"\n[deploy]\nstrategy = "canary"\ninterval = 60\n')
    with pytest.raises(ConfigError, match=r"deploy\.interval = 60 s is shorter than") as error:
        load_settings(path)
    assert error.value.exit_code == 2
    # lowering the publishing delay (metrics known to arrive sooner) makes it judgeable
    overrides = {"analysis": {"publish_delay": 0}}
    assert load_settings(path, overrides).deploy.interval == 60


def test_a_window_shorter_than_two_looks_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[analysis]\nwindow = 1\npoll = 1\n")
    with pytest.raises(ConfigError, match=r"analysis\.window = 1 s is shorter than two looks"):
        load_settings(path)


def test_max_wait_shorter_than_the_step_and_bad_policies_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[deploy]\nstrategy = "canary"\ninterval = 30\n[analysis]\nmax_wait = 10\n'
    )
    with pytest.raises(ConfigError, match=r"analysis\.max_wait = 10 s is shorter"):
        load_settings(path)
    with pytest.raises(ConfigError, match=r"analysis\.on_inconclusive"):
        load_settings(write(tmp_path, '[analysis]\non_inconclusive = "hope"\n'))


def test_analysis_load_on_aws_needs_a_test_listener(tmp_path: Path) -> None:
    path = write(tmp_path, 'target = "aws"\n[analysis]\nload = { rps = 5, path = "/health" }\n')
    with pytest.raises(ConfigError, match=r"analysis\.load: .*test listener"):
        load_settings(path)
    local = load_settings(write(tmp_path, "[analysis]\nload = { rps = 5 }\n"))
    assert local.analysis.load is not None
    assert (local.analysis.load.rps, local.analysis.load.path) == (5, "/health")
    with pytest.raises(ConfigError, match=r"analysis\.load\.path"):
        load_settings(write(tmp_path, '[analysis]\nload = { rps = 5, path = "health" }\n'))
