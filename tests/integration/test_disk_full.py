"""A full disk: Pier's blobs and database on a 64 MiB tmpfs, filled by pushes until pushes
fail. A push (or a delete, which writes to the database too) that does not fit gets a clear
error (an OCI error body saying storage is full), never a dropped connection or a bare 500,
whether the blob files or the database's log ran out; what was acknowledged before stays
whole; pulls keep working while full, across a restart too; the database passes
integrity_check; and once space is freed, pushes work again.

The tmpfs is mounted in a private mount namespace (unshare --mount, with --user
--map-root-user when not root), so the test needs no privilege and leaves no mount behind;
Pier runs inside it through nsenter, and the test reaches its files through /proc/<pid>/root
of the process holding it."""

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from oci_helpers import (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, OCTET_STREAM, assert_status, call,
                         descriptor, error_codes, get_manifest, image_config, layer_bytes,
                         oci_manifest, request_target, sha256, start_upload, with_query)
from servers import start_pier

MIB = 1024 * 1024
FILESYSTEM_SIZE = "64m"
FILLER_BYTES = 8 * MIB
LAYER_BYTES = MIB  # a body Pier drains on failure, so the client reads the answer
REPO = "full/app"


@dataclass
class SmallFilesystem:
    inside: Path            # where it is mounted, as Pier sees it
    outside: Path           # the same folder as this process sees it
    run_inside: list        # a command prefix that runs a program where the mount is

    def sqlite_integrity(self, database: Path) -> str:
        script = ("import sqlite3, sys\n"
                  "db = sqlite3.connect(sys.argv[1])\n"
                  "print(' '.join(row[0] for row in db.execute('PRAGMA integrity_check')))\n")
        done = subprocess.run(self.run_inside + [sys.executable, "-c", script, str(database)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@contextmanager
def small_filesystem(mount_point: Path, size: str):
    # root needs no user namespace (and may be where they are not allowed); others get one,
    # in which they may mount.
    as_root = os.geteuid() == 0
    unshare = ["unshare", "--mount"] if as_root else ["unshare", "--user", "--map-root-user", "--mount"]
    mount_point.mkdir(parents=True)
    holder = subprocess.Popen(
        unshare + ["sh", "-c", 'mount -t tmpfs -o size="$1" tmpfs "$2" && echo mounted && exec sleep infinity',
                   "sh", size, str(mount_point)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if holder.stdout.readline().strip() != "mounted":
            holder.wait(timeout=10)
            pytest.fail(f"cannot mount a tmpfs in a private mount namespace ({' '.join(unshare)}"
                        f"{'' if as_root else '; are user namespaces allowed?'}): {holder.stderr.read()}")
        enter = ["--mount"] if as_root else ["--user", "--mount", "--preserve-credentials"]
        yield SmallFilesystem(
            inside=mount_point, outside=Path(f"/proc/{holder.pid}/root{mount_point}"),
            run_inside=["nsenter", f"--target={holder.pid}", *enter])
    finally:
        holder.kill()
        holder.wait()


def is_storage_full_error(resp: requests.Response) -> bool:
    """A clear refusal: a 4xx or 5xx other than a bare 500, with an OCI error body whose
    message says storage is full."""
    if resp.status_code < 400 or resp.status_code == 500:
        return False
    error_codes(resp)  # asserts the body is an OCI error body
    return any("full" in e.get("message", "") or "space" in e.get("message", "")
               for e in resp.json()["errors"])


class Pushes:
    """Pushes that record what was acknowledged, and check every refusal is a clear one."""

    def __init__(self, reg):
        self.reg = reg
        self.blobs = {}      # digest -> bytes, acknowledged
        self.manifests = {}  # tag -> bytes, acknowledged
        self.refusals = 0

    def answered(self, resp: requests.Response, success: int) -> bool:
        if resp.status_code == success:
            return True
        assert is_storage_full_error(resp), \
            f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text[:300]!r}"
        self.refusals += 1
        return False

    def blob(self, data: bytes, how: str = "post-put") -> bool:
        digest = sha256(data)
        if how == "single-post":
            resp = call(self.reg, "POST", f"/v2/{REPO}/blobs/uploads/?digest={digest}", data=data,
                        headers={"Content-Type": OCTET_STREAM})
        else:
            resp = call(self.reg, "POST", f"/v2/{REPO}/blobs/uploads/")
            if not self.answered(resp, 202):
                return False
            resp = call(self.reg, "PUT", with_query(resp.headers["Location"], digest=digest), data=data,
                        headers={"Content-Type": OCTET_STREAM})
        if not self.answered(resp, 201):
            return False
        self.blobs[digest] = data
        return True

    def image(self, tag: str, layer: bytes, how: str = "post-put") -> bool:
        config = image_config(tag)
        if not (self.blob(config, how) and self.blob(layer, how)):
            return False
        return self.manifest(tag, oci_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER, layer)]))

    def manifest(self, tag: str, body: bytes) -> bool:
        resp = call(self.reg, "PUT", f"/v2/{REPO}/manifests/{tag}", data=body,
                    headers={"Content-Type": OCI_MANIFEST})
        if not self.answered(resp, 201):
            return False
        self.manifests[tag] = body
        return True

    def check_pulls(self, reg) -> None:
        for digest, data in self.blobs.items():
            resp = call(reg, "GET", f"/v2/{REPO}/blobs/{digest}")
            assert_status(resp, 200)
            assert resp.content == data, f"blob {digest} changed"
        for tag, body in self.manifests.items():
            resp = get_manifest(reg, REPO, tag)
            assert_status(resp, 200)
            assert resp.content == body, f"manifest {tag} changed"
        tags = call(reg, "GET", f"/v2/{REPO}/tags/list?n=10000")
        assert_status(tags, 200)
        assert set(self.manifests) <= set(tags.json()["tags"])


def start_on(fs: SmallFilesystem, data_dir: Path):
    """Pier with its blobs and database on `fs` (its log and key stay in `data_dir`)."""
    config = (f"storage:\n  filesystem:\n    root: {fs.inside / 'blobs'}\n"
              f"metadata:\n  sqlite:\n    path: {fs.inside / 'pier.db'}\n")
    return start_pier(data_dir, config=config, run_under=fs.run_inside)


def fill(make, limit: int) -> int:
    """Pushes `make(i)` until one is refused; returns how many were acknowledged."""
    for i in range(limit):
        if not make(i):
            return i
    raise AssertionError(f"{limit} pushes and storage still not full")


def patch_at(reg, location: str, start: int, chunk: bytes) -> requests.Response:
    return call(reg, "PATCH", request_target(location), data=chunk,
                headers={"Content-Type": OCTET_STREAM, "Content-Range": f"{start}-{start + len(chunk) - 1}"})


def upload_offset(reg, location: str) -> int:
    resp = call(reg, "GET", request_target(location))
    assert_status(resp, 204)
    return int(resp.headers["Range"].split("-")[1]) + 1


def test_full_disk_refuses_pushes_clearly_and_keeps_what_it_holds(tmp_path):
    with small_filesystem(tmp_path / "small", FILESYSTEM_SIZE) as fs:
        (fs.outside / "filler").write_bytes(b"\0" * FILLER_BYTES)
        (fs.outside / "reserve").write_bytes(b"\0" * MIB)
        reg = start_on(fs, tmp_path / "pier")
        try:
            pushes = Pushes(reg)
            # A chunked upload under way when the disk fills.
            chunked = layer_bytes("chunked", 64 * 1024 + LAYER_BYTES)
            location = start_upload(reg, REPO)
            assert_status(patch_at(reg, location, 0, chunked[:64 * 1024]), 202)

            # Large blobs fill the disk through blob files; then, with a little space given
            # back, small blobs (kept in the database) and manifests fill it through the
            # database's log.
            images = fill(lambda i: pushes.image(f"v{i}", layer_bytes(f"layer-{i}", LAYER_BYTES)), 200)
            assert images > 10, "the filesystem filled before it held anything"
            (fs.outside / "reserve").unlink()
            small = fill(lambda i: pushes.image(f"small{i}", layer_bytes(f"small-{i}", 2000), "single-post"), 5000)
            assert small > 0, "the space given back took no small push"

            # While full: each way of pushing is refused clearly (or still fits), a refused
            # chunk leaves its upload as it was, and pulls work.
            for how in ("post-put", "single-post"):
                for size in (300, 20 * 1024, LAYER_BYTES, 4 * LAYER_BYTES):
                    pushes.blob(layer_bytes(f"while-full-{how}-{size}", size), how)
            pushes.manifest("while-full", pushes.manifests["v0"])
            if pushes.answered(call(reg, "DELETE", f"/v2/{REPO}/manifests/{sha256(pushes.manifests['v1'])}"), 202):
                del pushes.manifests["v1"]
            assert not pushes.answered(patch_at(reg, location, 64 * 1024, chunked[64 * 1024:]), 202)
            assert upload_offset(reg, location) == 64 * 1024
            pushes.check_pulls(reg)
            assert_status(call(reg, "GET", "/v2/_catalog"), 200)

            assert reg.stop() == 0, reg.log()[-3000:]
            assert fs.sqlite_integrity(fs.inside / "pier.db") == "ok"
            reg = start_on(fs, tmp_path / "pier")  # a restart while full
            pushes.reg = reg
            pushes.check_pulls(reg)

            (fs.outside / "filler").unlink()
            assert pushes.image("after", layer_bytes("after-freeing", LAYER_BYTES)), "push refused after freeing"
            assert pushes.image("after-small", layer_bytes("after-freeing-small", 2000), "single-post")
            assert_status(patch_at(reg, location, 64 * 1024, chunked[64 * 1024:]), 202)
            resp = call(reg, "PUT", with_query(request_target(location), digest=sha256(chunked)))
            assert_status(resp, 201)
            pushes.blobs[sha256(chunked)] = chunked
            pushes.check_pulls(reg)
        finally:
            reg.stop()
        assert fs.sqlite_integrity(fs.inside / "pier.db") == "ok"
