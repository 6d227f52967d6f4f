#!/usr/bin/env bash
# Refuses (exit 1) while a bluegreen deployment holds the environment: running, paused for
# approval or interrupted. terraform.yml runs it right before `terraform apply`, because an apply
# during a canary or bake resets the listener weights the controller owns (issue 13 item 8).
#
#   OUTPUTS_FILE=outputs.json [BLUEGREEN=bluegreen] check-idle.sh
#
# OUTPUTS_FILE is `terraform output -json` of the environment; `{}` (a first apply: no stack
# yet) passes. Exit codes: 0 idle, 1 a deployment is in progress, 2/4 bluegreen could not tell
# (its own exit code: bad configuration, platform error); never 0 when it could not look.
set -uo pipefail

BLUEGREEN=${BLUEGREEN:-bluegreen}
: "${OUTPUTS_FILE:?OUTPUTS_FILE must name the terraform output -json of the environment}"

if [ "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$OUTPUTS_FILE")" = 0 ]; then
  echo "check-idle: no Terraform outputs yet (a first apply): no deployment can be running"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf "[aws]\nterraform_outputs = '%s'\n" "$OUTPUTS_FILE" >"$work/bluegreen.toml"
"$BLUEGREEN" status --target aws --config "$work/bluegreen.toml" --json >"$work/status.json"
code=$?
if [ "$code" != 0 ]; then
  echo "check-idle: \`bluegreen status\` exited $code, so whether a deployment is running is unknown: not applying" >&2
  exit "$code"
fi
python3 - "$work/status.json" <<'PY'
import json
import sys

deployment = json.load(open(sys.argv[1])).get("deployment")
if deployment is None:
    print("check-idle: no deployment in progress")
    sys.exit(0)
print(
    f"::error::deployment {deployment.get('id')} ({deployment.get('operation')}, "
    f"{deployment.get('state')}, step {deployment.get('step')}, by {deployment.get('who')}) "
    "holds this environment: an apply now would reset the listener weights it owns. "
    "Let it finish (promote or rollback it), then re-run this job."
)
sys.exit(1)
PY
