#!/usr/bin/env bash
# `make lock`: re-resolve every lock file from the pyproject.toml files. Run it after changing a
# dependency (and at merge time when two branches both touched one); commit the result.
#
#   requirements/dev.lock      constraints for .venv (both packages with their dev extras)
#   requirements/cli.lock      the bluegreen CLI alone, hashed (the GitHub Action installs it)
#   requirements/checkov.lock  .venv-checkov (checkov pins an old boto3, so it lives apart)
#   app/requirements.lock      the app image, hashed (app/Dockerfile installs it)
#
# Universal (any OS, Python >= 3.11) so one lock serves a laptop, CI and the image.
set -euo pipefail
cd "$(dirname "$0")/.."

UV=.venv/bin/uv
[ -x "$UV" ] || { echo "lock: run \`make setup\` first (it installs uv into .venv)" >&2; exit 2; }
CHECKOV_VERSION=3.3.30

compile() { "$UV" pip compile --quiet --universal --python-version 3.11 --no-header "$@"; }

compile pyproject.toml app/pyproject.toml --extra dev -o requirements/dev.lock
# The CLI and the image get the very versions the tests ran with (dev.lock as constraints).
compile pyproject.toml --generate-hashes -c requirements/dev.lock -o requirements/cli.lock
compile app/pyproject.toml --generate-hashes -c requirements/dev.lock -o app/requirements.lock
printf 'checkov==%s\n' "$CHECKOV_VERSION" | compile - -o requirements/checkov.lock
echo "lock: requirements/{dev,cli,checkov}.lock and app/requirements.lock are up to date"
