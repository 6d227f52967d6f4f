"""Local releases: the default one (a command, the configured one, or the reference service of
this checkout) and one built from a git ref, to rehearse a branch as green while main stays blue.

The ref's `app/` is exported into `.bluegreen/releases/<sha>` (a plain tree, no .git) and run
with an environment shared by every release whose `app/pyproject.toml` is the same (cached by
its hash), so a second deploy with the same dependencies takes seconds.
"""

from __future__ import annotations

import hashlib
import io
import shlex
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bluegreen.config import Settings
from bluegreen.errors import ConfigError, PlatformError
from bluegreen.model import Release

APP_DIR = "app"


def _reference_service(app: Path, bin_dir: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The reference service in `app` run by the environment in `bin_dir`: its gunicorn
    command and its Alembic migration."""
    serve = (
        str(bin_dir / "gunicorn"),
        "-c",
        str(app / "gunicorn.conf.py"),
        "items_api:create_app()",
    )
    migrate = (str(bin_dir / "alembic"), "-c", str(app / "alembic.ini"), "upgrade", "head")
    return serve, migrate


def _git(*args: str, cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise PlatformError("git is not installed", hint="apt-get install git") from exc
    if done.returncode != 0:
        raise ConfigError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def resolve(ref: str, repo: Path) -> str:
    """The full commit sha of `ref`; ConfigError naming the ref when git does not know it."""
    if ref.startswith("-"):
        raise ConfigError(f"--ref {ref!r}: not a git ref")
    try:
        return (
            _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=repo).decode().strip()
        )
    except ConfigError:
        raise ConfigError(
            f"--ref {ref!r}: no such commit, branch or tag in {repo}",
            hint="`git log --oneline` lists commits; fetch the branch first if it is remote",
        ) from None


def export_tree(sha: str, repo: Path, releases: Path) -> Path:
    """`app/` of commit `sha` under `releases/<sha>` (done once; atomic by rename)."""
    target = releases / sha
    if (target / APP_DIR).is_dir():
        return target
    archive = _git("archive", "--format=tar", sha, APP_DIR, cwd=repo)
    partial = releases / f".{sha}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(partial, filter="data")
    partial.rename(target)
    return target


def environment(project: Path, envs: Path, say: Callable[[str], None]) -> Path:
    """A virtualenv with the dependencies of `project/pyproject.toml`, cached by its hash."""
    digest = hashlib.sha256((project / "pyproject.toml").read_bytes()).hexdigest()[:16]
    env = envs / digest
    if (env / ".complete").exists():
        return env
    say(f"creating the release environment {env.name} (first deploy of these dependencies)")
    shutil.rmtree(env, ignore_errors=True)
    uv = Path(sys.executable).with_name("uv")
    commands: list[list[str]]
    if uv.exists():
        commands = [
            [str(uv), "venv", "-q", "--python", sys.executable, str(env)],
            [str(uv), "pip", "install", "-q", "--python", str(env / "bin" / "python"),
             "-r", str(project / "pyproject.toml")],
        ]  # fmt: skip
    else:
        commands = [
            [sys.executable, "-m", "venv", str(env)],
            [str(env / "bin" / "pip"), "install", "-q", "-r", str(project / "pyproject.toml")],
        ]
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(env, ignore_errors=True)
            raise PlatformError(
                f"could not build the release environment: {done.stderr.strip()[-800:]}"
            )
    (env / ".complete").touch()
    return env


def release_from_ref(
    settings: Settings,
    ref: str,
    *,
    version: str | None = None,
    env: dict[str, str] | None = None,
    repo: Path | None = None,
    say: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
) -> Release:
    """A release of the reference service as it is at `ref` of this repository."""
    root = repo or Path(_git("rev-parse", "--show-toplevel", cwd=Path.cwd()).decode().strip())
    sha = resolve(ref, root)
    state = settings.local.state_dir.resolve()
    tree = export_tree(sha, root, state / "releases")
    app = tree / APP_DIR
    if not (app / "pyproject.toml").exists():
        raise ConfigError(f"--ref {ref!r}: commit {sha[:12]} has no {APP_DIR}/pyproject.toml")
    venv = environment(app, state / "envs", say)
    serve, migrate = _reference_service(app, venv / "bin")
    return Release(
        version=version or f"{ref}@{sha[:7]}",
        command=serve,
        env={"PYTHONPATH": str(app / "src"), **(env or {})},
        migrate_command=migrate,
        workdir=str(app),
        source=sha,
    )


def _app_dir(settings: Settings) -> Path:
    app_dir = settings.local.app_dir
    if not app_dir.is_absolute() and settings.source is not None:
        app_dir = settings.source.absolute().parent / app_dir
    return app_dir.absolute()


def default_release(
    settings: Settings,
    version: str,
    command: str | Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Release:
    """A local release of `version`: `command` (a shell-like string or argv), else the
    configured ``local.command``, else the reference service under gunicorn."""
    app_dir = _app_dir(settings)
    serve, default_migrate = _reference_service(app_dir, app_dir.parent / ".venv" / "bin")
    if command is not None:
        argv = tuple(shlex.split(command) if isinstance(command, str) else command)
        source = "command"
    elif settings.local.command is not None:
        argv, source = tuple(settings.local.command), "config"
    else:
        argv, source = serve, "default"
    if not argv:
        raise ConfigError("the release command is empty", hint="pass --command 'CMD ARGS…'")
    # The reference service's migrations run by default; a custom command brings its own
    # (local.migrate_command) or none.
    migrate = settings.local.migrate_command or (default_migrate if source == "default" else ())
    return Release(
        version=version,
        command=argv,
        env=dict(env or {}),
        migrate_command=tuple(migrate),
        workdir=str(app_dir),
        source=source,
    )
