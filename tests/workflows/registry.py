"""A real OCI registry on 127.0.0.1 (Debian's docker-registry) and OCI image archives to push.

The Action publishes images with skopeo; these let the tests push to a registry that behaves as
registries do (manifests addressed by digest, `manifest unknown` for a missing tag), and serve
the same storage read-only to prove that a re-run pushes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ..conftest import free_port


def _tar_member(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def oci_archive(path: Path, content: str) -> str:
    """Write a one-layer OCI image archive holding `content`; return its manifest digest."""
    blobs: dict[str, bytes] = {}

    def blob(data: bytes) -> dict[str, Any]:
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"digest": f"sha256:{digest}", "size": len(data)}

    layer_tar = io.BytesIO()
    with tarfile.open(fileobj=layer_tar, mode="w") as layer_archive:
        _tar_member(layer_archive, "release.txt", content.encode())
    layer = gzip.compress(layer_tar.getvalue(), mtime=0)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {
            "type": "layers",
            "diff_ids": ["sha256:" + hashlib.sha256(layer_tar.getvalue()).hexdigest()],
        },
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            **blob(json.dumps(config).encode()),
        },
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **blob(layer)}],
    }
    entry = blob(json.dumps(manifest).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **entry}],
    }
    with tarfile.open(path, "w") as archive:
        _tar_member(archive, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        _tar_member(archive, "index.json", json.dumps(index).encode())
        for digest, data in blobs.items():
            _tar_member(archive, f"blobs/sha256/{digest}", data)
    return str(entry["digest"])


def registry_binary() -> str:
    """docker-registry from Debian (`make setup` installs it), or fail saying so."""
    found = shutil.which("docker-registry")
    if found is None or shutil.which("skopeo") is None:
        pytest.fail("docker-registry and skopeo are missing: run `make setup` (Debian packages)")
    return found


@contextmanager
def local_registry(storage: Path, *, readonly: bool = False) -> Iterator[str]:
    """An OCI registry serving `storage` on a free 127.0.0.1 port; yields `127.0.0.1:PORT`."""
    address = f"127.0.0.1:{free_port()}"
    config = storage.parent / f"registry-{address.rsplit(':', 1)[1]}.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: error\n"
        f"storage:\n  filesystem:\n    rootdirectory: {storage}\n"
        f"  maintenance:\n    readonly:\n      enabled: {str(readonly).lower()}\n"
        f"http:\n  addr: {address}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(  # our own local registry
        [registry_binary(), "serve", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    try:  # poll our own local registry until it answers
        while True:
            try:
                with urllib.request.urlopen(f"http://{address}/v2/", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"docker-registry did not start on {address}") from None
                time.sleep(0.1)  # polling a starting server; not a timing assertion
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)


def manifest_digest(image: str) -> str | None:
    """The digest of the manifest `image` (REGISTRY/REPO:TAG) names, or None if there is none."""
    done = subprocess.run(  # skopeo from Debian, on our own registry
        ["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{image}"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        return None
    return "sha256:" + hashlib.sha256(done.stdout).hexdigest()
