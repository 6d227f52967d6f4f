#!/usr/bin/env bash
# The bluegreen GitHub Action's logic (action.yml only wires inputs, credentials and this).
# Runs one bluegreen command against an environment whose Terraform outputs are in
# OUTPUTS_FILE, writes the deployment report to the job summary, and exits with bluegreen's
# exit code (0 ok, 1 failed and traffic restored, 2 bad input, 3 locked, 4 platform error).
#
# Inputs (environment variables; action.yml maps the action's inputs onto them):
#   COMMAND          deploy | promote | rollback                           (default deploy)
#   OUTPUTS_FILE     `terraform output -json` of the environment (read_outputs.py writes it)
#   IMAGE, VERSION   deploy: image URI (tag or @sha256 digest); version (default: the tag)
#   IMAGE_ARCHIVE    deploy: instead of IMAGE, an OCI archive built once: published to the
#                    environment's repository (output ecr_repository_url) under IMAGE_TAG with
#                    its digest kept, then deployed by digest (publish-image.sh)
#   IMAGE_TAG        tag to publish it under (default: GITHUB_SHA); also the default VERSION
#   IMAGE_DIGEST     the digest the archive must have (the one staging ran), if given
#   STRATEGY         all-at-once | canary | linear                         (default canary)
#   APPROVE          true | false: pause before the final shift and hand control back
#   HEALTH_TIMEOUT   seconds for the new tasks to turn healthy             (default 300: Fargate)
#   CANARY_PERCENT, INTERVAL, BAKE, APPROVE_TIMEOUT, SMOKE                 (optional)
#   REASON           rollback: why (recorded in the history)
#   PROMOTE_WAIT     promote: seconds to wait for the approval pause       (default 0)
#   CONFIG           a bluegreen.toml with [deploy]/[analysis] settings (no [aws]: set here)
#   MIGRATE_COMMAND  the one-off migration as a JSON array (off when empty)
#   TASK_DEFINITION_TEMPLATE, TASK_DEFINITION_VALUES
#                    the task-definition template and its values file (paths in the checkout);
#                    without a template a new revision copies the running one
#   BLUEGREEN        the CLI to run                                        (default: on PATH)
#   WORK_DIR         where the config and the report go                    (default: RUNNER_TEMP)
#   SUMMARY_FILE     Markdown summary to append to          (default: GITHUB_STEP_SUMMARY)
set -uo pipefail

COMMAND=${COMMAND:-deploy}
STRATEGY=${STRATEGY:-canary}
APPROVE=${APPROVE:-false}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-300}
BLUEGREEN=${BLUEGREEN:-bluegreen}
WORK_DIR=${WORK_DIR:-${RUNNER_TEMP:-$(mktemp -d)}}
SUMMARY_FILE=${SUMMARY_FILE:-${GITHUB_STEP_SUMMARY:-/dev/null}}

fail() { # message; exit 2 before anything changed, as bluegreen does for bad input
  printf 'error: %s\n' "$1" >&2
  printf '### bluegreen %s: not started\n\n%s\n' "$COMMAND" "$1" >>"$SUMMARY_FILE"
  exit 2
}
is_number() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; }
output() { [ -z "${GITHUB_OUTPUT:-}" ] || printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; }
supports() { "$BLUEGREEN" "$1" --help 2>/dev/null | grep -q -- "$2"; }

# ---------------------------------------------------------------- inputs
[ -n "${OUTPUTS_FILE:-}" ] && [ -s "$OUTPUTS_FILE" ] ||
  fail "OUTPUTS_FILE (the environment's Terraform outputs) is missing or empty"
case $APPROVE in true | false) ;; *) fail "approve must be true or false, not '$APPROVE'" ;; esac
is_number "$HEALTH_TIMEOUT" || fail "health-timeout must be a number of seconds, not '$HEALTH_TIMEOUT'"
for name in CANARY_PERCENT INTERVAL BAKE APPROVE_TIMEOUT PROMOTE_WAIT; do
  value=${!name:-} input=${name,,}
  [ -z "$value" ] || is_number "$value" || fail "${input//_/-} must be a number, not '$value'"
done

mkdir -p "$WORK_DIR/report"
config=$WORK_DIR/bluegreen.toml
if [ -n "${CONFIG:-}" ]; then
  [ -f "$CONFIG" ] || fail "config: no file $CONFIG"
  ! grep -Eq '^[[:space:]]*\[aws[].]' "$CONFIG" ||
    fail "config: $CONFIG has an [aws] table; leave it out: the action points [aws] at the environment's Terraform outputs"
  cat "$CONFIG" >"$config"
else
  : >"$config"
fi
printf "\n[aws]\nterraform_outputs = '%s'\n" "$OUTPUTS_FILE" >>"$config" # a TOML literal string
if [ -n "${MIGRATE_COMMAND:-}" ]; then # off unless given: not every service has migrations
  # A JSON array of strings, written back by json.dumps: also a valid TOML array.
  migrate=$(python3 -c 'import json, sys
v = json.loads(sys.argv[1])
assert isinstance(v, list) and v and all(isinstance(x, str) and x for x in v)
print(json.dumps(v))' "$MIGRATE_COMMAND" 2>/dev/null) ||
    fail "migrate-command: give a JSON array of strings, e.g. [\"alembic\", \"upgrade\", \"head\"]"
  printf 'migrate_command = %s\n' "$migrate" >>"$config"
fi
# The template and values are read relative to the generated config, which is not in the
# checkout: write them as absolute paths (TOML literal strings).
[ -n "${TASK_DEFINITION_TEMPLATE:-}" ] || [ -z "${TASK_DEFINITION_VALUES:-}" ] ||
  fail "task-definition-values is set without task-definition-template"
for name in TASK_DEFINITION_TEMPLATE TASK_DEFINITION_VALUES; do
  path=${!name:-} input=${name,,}
  [ -n "$path" ] || continue
  [ -f "$path" ] || fail "${input//_/-}: no file $path (give a path in the checkout)"
  printf "%s = '%s'\n" "${name,,}" "$(realpath "$path")" >>"$config"
done
common=(--target aws --config "$config")

case $COMMAND in
  deploy)
    [ -z "${IMAGE:-}" ] || [ -z "${IMAGE_ARCHIVE:-}" ] || fail "give image or image-archive, not both"
    [ -n "${IMAGE:-}${IMAGE_ARCHIVE:-}" ] ||
      fail "image is required: an image URI with a tag or an @sha256 digest (or image-archive)"
    case $STRATEGY in all-at-once | canary | linear) ;;
      *) fail "strategy must be all-at-once, canary or linear, not '$STRATEGY'" ;;
    esac
    args=(deploy "${common[@]}" --strategy "$STRATEGY"
      --health-timeout "$HEALTH_TIMEOUT" --json)
    [ -z "${VERSION:-}" ] || args+=(--version "$VERSION")
    [ "$STRATEGY" != canary ] || [ -z "${CANARY_PERCENT:-}" ] || args+=(--canary-percent "$CANARY_PERCENT")
    [ "$STRATEGY" = all-at-once ] || [ -z "${INTERVAL:-}" ] || args+=(--interval "$INTERVAL")
    [ -z "${BAKE:-}" ] || args+=(--bake "$BAKE")
    [ -z "${SMOKE:-}" ] || args+=(--smoke "$SMOKE")
    if [ "$APPROVE" = true ]; then
      # The job must not outlive its credentials: the deploy ends at the approval pause (the
      # canary stays paused, journaled and locked) and `promote` or `rollback` in another
      # job, with fresh credentials, finishes it. Without that, refuse rather than wait.
      supports deploy --detach ||
        fail "approve: true needs \`bluegreen deploy --approve --detach\` (hand the approval pause back to the workflow), which this bluegreen ($("$BLUEGREEN" --version 2>&1)) lacks: upgrade bluegreen, or deploy without approve"
      args+=(--approve --detach)
      [ -z "${APPROVE_TIMEOUT:-}" ] || args+=(--approve-timeout "$APPROVE_TIMEOUT")
    else
      args+=(--no-approve)
    fi
    ;;
  promote)
    args=(promote "${common[@]}")
    [ -z "${PROMOTE_WAIT:-}" ] || args+=(--wait "$PROMOTE_WAIT")
    ;;
  rollback)
    args=(rollback "${common[@]}" --reason "${REASON:-rolled back from GitHub Actions}" --json)
    ;;
  *) fail "command must be deploy, promote or rollback, not '$COMMAND'" ;;
esac

# ---------------------------------------------------------------- publish (image-archive)
if [ "$COMMAND" = deploy ] && [ -n "${IMAGE_ARCHIVE:-}" ]; then
  IMAGE_TAG=${IMAGE_TAG:-${GITHUB_SHA:-}}
  [ -n "$IMAGE_TAG" ] || fail "image-tag is required with image-archive"
  repository=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ecr_repository_url"]["value"])' "$OUTPUTS_FILE" 2>/dev/null) ||
    fail "the Terraform outputs have no ecr_repository_url to publish image-archive to"
  published=$("$(dirname "$0")/publish-image.sh" "$IMAGE_ARCHIVE" "$repository" "$IMAGE_TAG" "${IMAGE_DIGEST:-}")
  code=$?
  if [ "$code" != 0 ]; then
    printf '### bluegreen deploy: image not published (exit %s)\n\nSee the log.\n' "$code" >>"$SUMMARY_FILE"
    output exit-code "$code"
    exit "$code"
  fi
  IMAGE=$published
  [ -n "${VERSION:-}" ] || args+=(--version "$IMAGE_TAG")
  output image "$published"
fi
[ "$COMMAND" != deploy ] || args+=(--image "$IMAGE")

# ---------------------------------------------------------------- run
record=$WORK_DIR/record.json
printf 'bluegreen %s\n' "${args[*]}" >&2 # progress follows on stderr, ungrouped: always in view
"$BLUEGREEN" "${args[@]}" >"$record"
code=$?
cat "$record"
output exit-code "$code"

deployment_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("id", ""))' "$record" 2>/dev/null)
output deployment-id "$deployment_id"

# ---------------------------------------------------------------- report
case $code in
  0 | 1)
    if [ "$COMMAND" = deploy ] && [ "$APPROVE" = true ] && [ "$code" = 0 ]; then
      {
        printf '### bluegreen: canary paused for approval\n\n'
        printf 'Approve the promote job to finish it, or run rollback.\n\n```\n'
        "$BLUEGREEN" status "${common[@]}" 2>&1
        printf '```\n'
      } >>"$SUMMARY_FILE"
    else
      report_args=(report "${common[@]}" --markdown "$SUMMARY_FILE"
        --out "$WORK_DIR/report/deployment.html" --png "$WORK_DIR/report/deployment.png")
      [ -z "$deployment_id" ] || report_args+=("$deployment_id")
      "$BLUEGREEN" "${report_args[@]}" >/dev/null ||
        printf '::warning::bluegreen report failed; the %s itself exited %s\n' "$COMMAND" "$code" >&2
    fi
    ;;
  *)
    {
      printf '### bluegreen %s exited %s\n\n' "$COMMAND" "$code"
      printf '2: bad input or configuration, nothing changed. 3: another deployment holds the lock. 4: platform error (see the log).\n'
    } >>"$SUMMARY_FILE"
    ;;
esac
exit "$code"
