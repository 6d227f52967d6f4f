#!/usr/bin/env bash
# Publishes an image built once (an OCI archive) to a repository under a tag, keeping its digest,
# so that staging and prod run byte-for-byte the same image. Safe to re-run with an IMMUTABLE
# repository: when the tag already holds this very digest (a re-run of a failed job) it pushes
# nothing; when it holds another image it stops with a clear error instead of retagging.
#
#   publish-image.sh ARCHIVE REPOSITORY TAG [EXPECTED_DIGEST]
#
# Prints `REPOSITORY@sha256:…` on stdout. ECR repositories (*.dkr.ecr.*.amazonaws.com) are
# logged in to with the AWS CLI and the current credentials; others must be reachable as they are
# (SKOPEO_TLS_VERIFY=false for a local test registry over plain HTTP).
# Exit codes: 0 published or already there, 1 the tag holds another image, 2 bad input
# (no archive, digest not the expected one), 4 registry or tool failure.
set -euo pipefail

archive=${1:?usage: publish-image.sh ARCHIVE REPOSITORY TAG [EXPECTED_DIGEST]}
repository=${2:?usage: publish-image.sh ARCHIVE REPOSITORY TAG [EXPECTED_DIGEST]}
tag=${3:?usage: publish-image.sh ARCHIVE REPOSITORY TAG [EXPECTED_DIGEST]}
expected=${4:-}
verify=${SKOPEO_TLS_VERIFY:-true}

say() { printf 'publish-image: %s\n' "$*" >&2; }
manifest_digest() { printf 'sha256:%s' "$(sha256sum | cut -d' ' -f1)"; }

command -v skopeo >/dev/null || { say "skopeo is not installed (apt-get install skopeo)"; exit 4; }
[ -f "$archive" ] || { say "no image archive at $archive"; exit 2; }

digest=$(skopeo inspect --raw "oci-archive:$archive" | manifest_digest)
if [ -n "$expected" ] && [ "$digest" != "$expected" ]; then
  say "$archive holds $digest, not the expected $expected (the image built for this commit)"
  exit 2
fi

registry=${repository%%/*}
if [[ $registry =~ ^[0-9]+\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$ ]]; then
  aws ecr get-login-password --region "${BASH_REMATCH[1]}" |
    skopeo login --username AWS --password-stdin "$registry" >/dev/null
fi

destination="docker://$repository:$tag"
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if existing=$(skopeo inspect --tls-verify="$verify" --raw "$destination" 2>"$errors"); then
  existing_digest=$(printf '%s' "$existing" | manifest_digest)
  if [ "$existing_digest" = "$digest" ]; then
    say "$repository:$tag already holds $digest: nothing to push (a re-run)"
  else
    say "$repository:$tag already holds $existing_digest, not $digest (another build pushed" \
      "that tag; tags are immutable): publish under another tag, or deploy the image it holds"
    exit 1
  fi
elif grep -Eqi 'manifest unknown|not found|name unknown|does not exist' "$errors"; then
  say "pushing $digest to $repository:$tag"
  skopeo copy --dest-tls-verify="$verify" --quiet --retry-times 3 --preserve-digests \
    "oci-archive:$archive" "$destination" >&2 || { say "push to $repository:$tag failed"; exit 4; }
else
  say "cannot read $repository:$tag: $(cat "$errors")"
  exit 4
fi
printf '%s@%s\n' "$repository" "$digest"
