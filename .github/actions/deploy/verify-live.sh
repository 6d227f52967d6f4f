#!/usr/bin/env bash
# Checks an environment after a deploy: the live colour runs VERSION, takes all the traffic, every
# desired task is healthy, and no deployment is in progress. deploy.yml runs it on staging before
# the same image may go to prod.
#
#   OUTPUTS_FILE=outputs.json [BLUEGREEN=bluegreen] verify-live.sh VERSION
#
# Exit codes: 0 as expected, 1 not (what differs is printed), else bluegreen status's own code.
set -uo pipefail

expected=${1:?usage: verify-live.sh VERSION}
BLUEGREEN=${BLUEGREEN:-bluegreen}
: "${OUTPUTS_FILE:?OUTPUTS_FILE must name the terraform output -json of the environment}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf "[aws]\nterraform_outputs = '%s'\n" "$OUTPUTS_FILE" >"$work/bluegreen.toml"
"$BLUEGREEN" status --target aws --config "$work/bluegreen.toml" --json >"$work/status.json" || exit
python3 - "$work/status.json" "$expected" <<'PY'
import json
import sys

status, expected = json.load(open(sys.argv[1])), sys.argv[2]
live = status.get("live")
color = status.get("colors", {}).get(live) or {}
problems = []
if status.get("deployment") is not None:
    problems.append(f"deployment {status['deployment'].get('id')} is still in progress")
if color.get("version") != expected:
    problems.append(f"live colour {live} runs {color.get('version')!r}, not {expected!r}")
if status.get("weights", {}).get(live) != 100:
    problems.append(f"live colour {live} takes {status.get('weights')}, not 100%")
if not color.get("desired") or color.get("healthy") != color.get("desired"):
    problems.append(f"live colour {live}: {color.get('healthy')} of {color.get('desired')} tasks healthy")
for problem in problems:
    print(f"::error::{problem}")
if not problems:
    print(f"verified: {live} runs {expected} on 100% of traffic, {color['healthy']} tasks healthy")
sys.exit(1 if problems else 0)
PY
