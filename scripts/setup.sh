#!/usr/bin/env bash
# Shared, idempotent set-up for `make demo`, `make test`, `make lint` and `make bench`.
# Installs PostgreSQL, HAProxy, Chromium, skopeo and docker-registry from Debian when missing
# (root only; otherwise prints the command), then the Python environments from the lock files:
# .venv (both packages + dev tools) and .venv-checkov (checkov pins an old boto3, so it lives
# apart). A stamp of the inputs' hash (the locks included) skips work that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# ---------------------------------------------------------------- system packages
install_system_packages() {
  local missing=()
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
  command -v haproxy >/dev/null || missing+=(haproxy)
  # skopeo and a local OCI registry: the GitHub Action's image publishing is tested against them.
  command -v skopeo >/dev/null || missing+=(skopeo)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  # `ss -K` ends a TIME_WAIT in the tests of a port's brief retry.
  command -v ss >/dev/null || missing+=(iproute2)
  # Chromium renders the deployment report in the tests (headless, from Debian).
  # BLUEGREEN_CHROMIUM names another build to use instead (the tests read it too).
  if [ -z "${BLUEGREEN_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
    missing+=(chromium fonts-liberation)
  fi
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "missing system packages: ${missing[*]}"
    say "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# BLUEGREEN_SKIP_SYSTEM_PACKAGES=1: only the Python environments (a CI job that just runs the
# CLI against AWS needs no PostgreSQL, HAProxy or Chromium).
if [ "${BLUEGREEN_SKIP_SYSTEM_PACKAGES:-0}" = 1 ]; then
  say "skipping system packages (BLUEGREEN_SKIP_SYSTEM_PACKAGES=1)"
else
  install_system_packages
fi
# Debian starts a system-wide HAProxy, PostgreSQL and registry on install; ours run per test.
for svc in haproxy postgresql docker-registry; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done

# ---------------------------------------------------------------- Python environments
# Versions come from the lock files (requirements/*.lock; `make lock` refreshes them), so a
# new machine installs what CI tested. The stamp covers every input, the locks included.
PY=${PYTHON:-python3}
UV_VERSION=0.13.9
inputs_hash=$(cat pyproject.toml app/pyproject.toml requirements/dev.lock scripts/setup.sh | sha256sum | cut -c1-16)
stamp=.venv/.setup-$inputs_hash
if [ ! -f "$stamp" ]; then
  say "creating .venv (both packages and the dev tools, as locked in requirements/dev.lock)"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  [ "$(.venv/bin/uv --version 2>/dev/null)" = "uv $UV_VERSION" ] ||
    .venv/bin/python -m pip install -q "uv==$UV_VERSION"
  # The lock as constraints: exact versions for everything it names; a dependency added to a
  # pyproject.toml since the last `make lock` still installs (tests/packaging flags the lock).
  .venv/bin/uv pip install -q --compile-bytecode --python .venv/bin/python \
    -c requirements/dev.lock -e ".[dev]" -e "./app[dev]"
  rm -f .venv/.setup-*
  touch "$stamp"
fi

checkov_hash=$(cat requirements/checkov.lock | sha256sum | cut -c1-16)
checkov_stamp=.venv-checkov/.setup-$checkov_hash
if [ ! -f "$checkov_stamp" ]; then
  say "creating .venv-checkov (requirements/checkov.lock)"
  [ -x .venv-checkov/bin/python ] || "$PY" -m venv .venv-checkov
  .venv/bin/uv pip install -q --python .venv-checkov/bin/python -r requirements/checkov.lock
  rm -f .venv-checkov/.setup-*
  touch "$checkov_stamp"
fi
say "ready"
