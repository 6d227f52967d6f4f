#!/usr/bin/env bash
# Installs the bluegreen CLI alone into a new virtualenv: the hashed lock of its runtime
# dependencies (requirements/cli.lock), then the package itself without dependencies. No dev
# tools, no PostgreSQL or HAProxy: the AWS target needs none of them.
#
#   install.sh VENV [PACKAGE]     PACKAGE: a built wheel or a source tree (default: this repository)
#
# UV names a uv binary to install with (faster; the tests use it offline); else pip.
set -euo pipefail

venv=${1:?usage: install.sh VENV [WHEEL_OR_SOURCE_DIR]}
root=$(cd "$(dirname "$0")/../../.." && pwd)
package=${2:-$root}
lock=$root/requirements/cli.lock
python=${PYTHON:-python3}

[ -f "$lock" ] || { echo "install.sh: $lock is missing (run \`make lock\`)" >&2; exit 2; }
"$python" -m venv "$venv"
if [ -n "${UV:-}" ]; then
  "$UV" pip install --quiet --python "$venv/bin/python" --require-hashes -r "$lock"
  "$UV" pip install --quiet --python "$venv/bin/python" --no-deps "$package"
else
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$lock"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$package"
fi
"$venv/bin/bluegreen" --version
