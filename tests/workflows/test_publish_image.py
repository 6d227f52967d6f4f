"""publish-image.sh: one image built once, published by digest, safe to re-run (issue 13 item 10).

Against a real registry (Debian's docker-registry on 127.0.0.1) with skopeo, as the Action runs
it. ECR's IMMUTABLE tags are modelled by what the script must do without them: a re-run is
served the same storage read-only, so any push would fail; a tag that holds another image is
refused rather than overwritten.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .registry import local_registry, manifest_digest, oci_archive

SCRIPT = Path(__file__).resolve().parents[2] / ".github" / "actions" / "deploy" / "publish-image.sh"


def _publish(
    archive: Path, repository: str, tag: str, *expected: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own script, on our own registry
        [str(SCRIPT), str(archive), repository, tag, *expected],
        env={**os.environ, "SKOPEO_TLS_VERIFY": "false"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_archive_is_published_with_its_digest_kept_to_every_repository(tmp_path: Path) -> None:
    archive = tmp_path / "image.tar"
    digest = oci_archive(archive, "release abc123")
    with local_registry(tmp_path / "storage") as registry:
        staging = _publish(archive, f"{registry}/staging/app", "abc123")
        prod = _publish(archive, f"{registry}/prod/app", "abc123", digest)

        assert staging.returncode == 0, staging.stderr
        assert prod.returncode == 0, prod.stderr
        assert staging.stdout.strip() == f"{registry}/staging/app@{digest}"
        assert prod.stdout.strip() == f"{registry}/prod/app@{digest}"
        assert manifest_digest(f"{registry}/staging/app:abc123") == digest
        assert manifest_digest(f"{registry}/prod/app:abc123") == digest


def test_a_rerun_pushes_nothing_when_the_tag_already_holds_the_same_digest(tmp_path: Path) -> None:
    archive = tmp_path / "image.tar"
    digest = oci_archive(archive, "release abc123")
    storage = tmp_path / "storage"
    with local_registry(storage) as registry:
        assert _publish(archive, f"{registry}/app", "abc123").returncode == 0

    with local_registry(storage, readonly=True) as registry:
        rerun = _publish(archive, f"{registry}/app", "abc123", digest)
        # the read-only registry refuses pushes: a new tag cannot be published there
        refused = _publish(archive, f"{registry}/app", "other-tag")

    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.strip() == f"{registry}/app@{digest}"
    assert "nothing to push" in rerun.stderr
    assert refused.returncode == 4, refused.stderr


def test_a_tag_that_holds_another_image_is_refused_and_left_alone(tmp_path: Path) -> None:
    first, second = tmp_path / "first.tar", tmp_path / "second.tar"
    first_digest = oci_archive(first, "release one")
    second_digest = oci_archive(second, "release two")
    with local_registry(tmp_path / "storage") as registry:
        assert _publish(first, f"{registry}/app", "abc123").returncode == 0

        done = _publish(second, f"{registry}/app", "abc123")

        assert done.returncode == 1
        assert f"already holds {first_digest}, not {second_digest}" in done.stderr
        assert done.stdout == ""
        assert manifest_digest(f"{registry}/app:abc123") == first_digest


def test_an_archive_that_is_not_the_expected_digest_is_not_published(tmp_path: Path) -> None:
    archive = tmp_path / "image.tar"
    digest = oci_archive(archive, "release abc123")
    with local_registry(tmp_path / "storage") as registry:
        done = _publish(archive, f"{registry}/app", "abc123", "sha256:" + "0" * 64)

        assert done.returncode == 2
        assert f"holds {digest}, not the expected" in done.stderr
        assert manifest_digest(f"{registry}/app:abc123") is None
