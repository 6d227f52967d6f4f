"""The CLI's contract: exit codes and clear messages for bad input, with nothing changed."""

from pathlib import Path

import pytest

from bluegreen import __version__
from bluegreen.cli import main


def test_version_prints_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["deploy", "--strategy", "yolo", "--version", "2"], "Invalid value for '--strategy'"),
        (["deploy", "--tasks", "0", "--version", "2"], "Invalid value for '--tasks'"),
        (["deploy", "--version", "2", "--env", "NOEQUALS"], "expected KEY=VALUE"),
        (["deploy", "--target", "aws", "--version", "2"], "--image is required with --target aws"),
        (["deploy", "--image", "x:1"], "--image is for --target aws"),
        (["deploy"], "--version is required"),
        (["deploy", "--version", "2", "--dry-run"], "--dry-run is for --target aws"),
        (["up", "--target", "aws"], "`up` starts the local platform"),
        (["nosuchcommand"], "No such command"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err + captured.out
    assert not (tmp_path / ".bluegreen").exists()


def test_bad_config_file_exits_2_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bluegreen.toml").write_text("[deploy]\ntasks = -1\n")
    assert main(["deploy", "--version", "2"]) == 2
    assert "deploy.tasks" in capsys.readouterr().err
    assert not (tmp_path / ".bluegreen").exists()


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (
        "up",
        "down",
        "deploy",
        "rollback",
        "promote",
        "status",
        "history",
        "probe",
        "report",
        "unlock",
    ):
        assert main([command, "--help"]) == 0
        assert "Usage: bluegreen " + command in capsys.readouterr().out
