"""Crash consistency: Pier killed with SIGKILL at random moments, round after round, while
clients push blobs (monolithic, in one POST, and in chunks; kept in the database and in
files), push manifests, move one tag from several clients at once, mount blobs across
repositories, delete manifests and blobs, and leave upload sessions unfinished.

After every restart:
- every acknowledged push pulls back byte for byte, and every acknowledged delete stays deleted;
- an operation cut off by the kill may have happened or not, but nothing in between: the
  object is absent or whole. Whatever the restart shows is from then on held to the same
  standard as an acknowledged change;
- an upload session cut off mid-body holds a prefix of what was sent, reports its length,
  and completes from there (resume_interrupted_uploads says what a completion cut off may
  leave);
- the moved tag names the manifest of one move M that no acknowledged move followed, i.e. no
  move that started after M was acknowledged. Moves in flight at the kill count as never
  acknowledged: each may be the last one applied, or may not have been applied at all;
- no request was answered with a 5xx or an unexpected status.
At the end, once upload expiry has run, no upload file is left and every abandoned session
answers 404 BLOB_UPLOAD_UNKNOWN; after a clean stop the database passes integrity_check and
every blob file holds the bytes its name is the digest of.

A kill leaves the kernel's page cache in place, so this tests what a process crash can do,
not a power cut.

The random choices come from one seed, printed with every failure; replay with
PIER_CRASH_SEED=<seed>."""

import hashlib
import os
import random
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import dataclass, field

import pytest
import requests

from oci_helpers import (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, OCTET_STREAM, assert_error, call,
                         descriptor, error_codes, get_manifest, image_config, oci_manifest,
                         path_of, push_blob, request_target, sha256, with_query)
from servers import start_pier
from test_operations import blob_files, blob_path, upload_file_size, upload_files, wait_for

SHARED_REPO = "crash/shared"
MOVED_TAG = "current"
WORKERS = 4
UPLOAD_EXPIRY_S = 6
PURGE_INTERVAL_S = 1
CONFIG = f"uploads:\n  expiry: {UPLOAD_EXPIRY_S}s\n  purge_interval: {PURGE_INTERVAL_S}s\n"
# Rounds run until this much time has passed, and at least MIN_ROUNDS of them.
ROUNDS_BUDGET_S = 28
MIN_ROUNDS = 4
# Below and above storage.inline_max_bytes (16 KiB), and larger than one 1 MiB body chunk.
BLOB_SIZES = [300, 4 * 1024, 16 * 1024, 16 * 1024 + 1, 200 * 1024, 1200 * 1024]
CHUNK = 64 * 1024


class ServerGone(Exception):
    """The request got no answer: the server was killed while it was on its way."""


@dataclass
class Move:
    digest: str
    body: bytes
    started: float
    acknowledged: float | None = None  # None: no answer came (in flight at the kill)


@dataclass
class Ledger:
    """What the clients were told. `present` and `absent` are keyed by (repository,
    digest); `uncertain` holds what was in flight at the kill, resolved by the next
    restart's observation."""
    present_blobs: dict = field(default_factory=dict)       # -> bytes
    absent_blobs: set = field(default_factory=set)
    uncertain_blobs: dict = field(default_factory=dict)     # -> bytes
    present_manifests: dict = field(default_factory=dict)   # -> bytes
    absent_manifests: set = field(default_factory=set)
    uncertain_manifests: dict = field(default_factory=dict)  # -> bytes
    loose_blobs: set = field(default_factory=set)           # pushed or mounted with no manifest
    tags: dict = field(default_factory=dict)                # (repository, tag) -> digest
    moves: list = field(default_factory=list)               # of MOVED_TAG in SHARED_REPO
    abandoned_uploads: list = field(default_factory=list)   # upload locations
    interrupted_uploads: list = field(default_factory=list)  # (repository, location, bytes)
    problems: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Worker:
    """One client: pushes into its own repository, moves the shared tag, deletes what it
    pushed, mounts other clients' blobs."""

    def __init__(self, reg, ledger: Ledger, rng: random.Random, index: int, round_: int, stop: threading.Event):
        self.reg, self.ledger, self.rng, self.stop = reg, ledger, rng, stop
        self.repo = f"crash/w{index}"
        self.prefix = f"w{index}-r{round_}"
        self.count = 0

    # -- plumbing

    def unique(self) -> str:
        self.count += 1
        return f"{self.prefix}-{self.count}"

    def request(self, method: str, path: str, expect: tuple, **kwargs) -> requests.Response:
        try:
            resp = call(self.reg, method, path, **kwargs)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as e:
            raise ServerGone() from e
        if resp.status_code not in expect:
            with self.ledger.lock:
                self.ledger.problems.append(f"{method} {path}: {resp.status_code} {resp.text[:300]!r}")
            raise ServerGone()  # this operation's outcome is unknown from here on
        return resp

    def record(self, kind: str, key: tuple, data: bytes | None, outcome: str) -> None:
        """outcome: 'done' (acknowledged), 'deleted' (acknowledged delete) or 'unsure'."""
        ledger = self.ledger
        present, absent, uncertain = (
            (ledger.present_blobs, ledger.absent_blobs, ledger.uncertain_blobs) if kind == "blob" else
            (ledger.present_manifests, ledger.absent_manifests, ledger.uncertain_manifests))
        with ledger.lock:
            present.pop(key, None)
            absent.discard(key)
            uncertain.pop(key, None)
            if outcome == "done":
                present[key] = data
            elif outcome == "deleted":
                absent.add(key)
            else:
                uncertain[key] = data

    # -- operations

    def push_blob(self, repo: str, data: bytes, how: str | None = None) -> str:
        digest = sha256(data)
        key = (repo, digest)
        how = how or self.rng.choice(["post-put", "single-post", "chunked"])
        location = None
        try:
            if how == "single-post":
                self.request("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", (201,), data=data,
                             headers={"Content-Type": OCTET_STREAM})
            else:
                location = self.request("POST", f"/v2/{repo}/blobs/uploads/", (202,)).headers["Location"]
                body = data
                if how == "chunked":
                    for start in range(0, len(data), CHUNK):
                        chunk = data[start:start + CHUNK]
                        location = self.request(
                            "PATCH", location, (202,), data=chunk,
                            headers={"Content-Type": OCTET_STREAM,
                                     "Content-Range": f"{start}-{start + len(chunk) - 1}"}).headers["Location"]
                    body = b""
                self.request("PUT", with_query(location, digest=digest), (201,), data=body,
                             headers={"Content-Type": OCTET_STREAM})
        except ServerGone:
            self.record("blob", key, data, "unsure")
            if location is not None:
                with self.ledger.lock:
                    self.ledger.interrupted_uploads.append((repo, location, data))
            raise
        self.record("blob", key, data, "done")
        return digest

    def push_loose_blob(self) -> None:
        data = self.rng.randbytes(self.rng.choice(BLOB_SIZES))
        digest = self.push_blob(self.repo, data)
        with self.ledger.lock:
            self.ledger.loose_blobs.add((self.repo, digest))

    def push_image(self) -> None:
        """Config, one layer and a manifest; by a tag of its own or by digest (then deletable)."""
        config = image_config(self.unique())
        layer = self.rng.randbytes(self.rng.choice(BLOB_SIZES))
        self.push_blob(self.repo, config)
        self.push_blob(self.repo, layer)
        body = oci_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER, layer)])
        digest = sha256(body)
        tag = self.unique() if self.rng.random() < 0.5 else None
        key = (self.repo, digest)
        try:
            self.request("PUT", f"/v2/{self.repo}/manifests/{tag or digest}", (201,), data=body,
                         headers={"Content-Type": OCI_MANIFEST})
        except ServerGone:
            self.record("manifest", key, body, "unsure")
            raise
        self.record("manifest", key, body, "done")
        if tag:
            with self.ledger.lock:
                self.ledger.tags[(self.repo, tag)] = digest

    def move_tag(self) -> None:
        config = image_config(self.unique())
        self.push_blob(SHARED_REPO, config, how="single-post")
        body = oci_manifest(descriptor(OCI_CONFIG, config), [])
        move = Move(sha256(body), body, time.monotonic())
        with self.ledger.lock:
            self.ledger.moves.append(move)
        self.request("PUT", f"/v2/{SHARED_REPO}/manifests/{MOVED_TAG}", (201,), data=body,
                     headers={"Content-Type": OCI_MANIFEST})
        move.acknowledged = time.monotonic()

    def delete(self, kind: str, deletable) -> None:
        """Deletes one acknowledged object of this worker's repository that `deletable(key)`."""
        present = self.ledger.present_blobs if kind == "blob" else self.ledger.present_manifests
        with self.ledger.lock:
            candidates = sorted(key for key in present if key[0] == self.repo and deletable(key))
            if not candidates:
                return
            key = self.rng.choice(candidates)
            data = present.pop(key)
        repo, digest = key
        route = "blobs" if kind == "blob" else "manifests"
        try:
            self.request("DELETE", f"/v2/{repo}/{route}/{digest}", (202,))
        except ServerGone:
            self.record(kind, key, data, "unsure")
            raise
        self.record(kind, key, None, "deleted")

    def delete_blob(self) -> None:
        self.delete("blob", lambda key: key in self.ledger.loose_blobs)

    def delete_manifest(self) -> None:
        self.delete("manifest", lambda key: (key[0], key[1]) not in
                    {(repo, digest) for (repo, _), digest in self.ledger.tags.items()})

    def mount_blob(self) -> None:
        """Mounts another client's loose blob; it may be deleted from there meanwhile, and
        then the answer is an upload session, left unfinished."""
        with self.ledger.lock:
            others = sorted(key for key in self.ledger.present_blobs
                            if key[0] != self.repo and key[0] != SHARED_REPO
                            and (self.repo, key[1]) not in self.ledger.present_blobs)
            if not others:
                return
            source, digest = self.rng.choice(others)
            data = self.ledger.present_blobs[(source, digest)]
        key = (self.repo, digest)
        try:
            resp = self.request("POST", f"/v2/{self.repo}/blobs/uploads/?mount={digest}&from={source}",
                                (201, 202))
        except ServerGone:
            self.record("blob", key, data, "unsure")
            raise
        if resp.status_code == 202:
            with self.ledger.lock:
                self.ledger.abandoned_uploads.append(resp.headers["Location"])
            return
        self.record("blob", key, data, "done")
        with self.ledger.lock:
            self.ledger.loose_blobs.add(key)

    def abandon_upload(self) -> None:
        location = self.request("POST", f"/v2/{self.repo}/blobs/uploads/", (202,)).headers["Location"]
        with self.ledger.lock:
            self.ledger.abandoned_uploads.append(location)
        chunk = self.rng.randbytes(self.rng.choice(BLOB_SIZES[:4]))
        self.request("PATCH", location, (202,), data=chunk,
                     headers={"Content-Type": OCTET_STREAM, "Content-Range": f"0-{len(chunk) - 1}"})

    def run(self) -> None:
        operations = [(self.push_loose_blob, 3), (self.push_image, 3), (self.move_tag, 3),
                      (self.delete_blob, 1), (self.delete_manifest, 1), (self.mount_blob, 1),
                      (self.abandon_upload, 1)]
        functions, weights = zip(*operations)
        while not self.stop.is_set():
            operation = self.rng.choices(functions, weights)[0]
            try:
                operation()
            except ServerGone:
                if self.stop.is_set():
                    return
            except Exception as e:  # noqa: BLE001: reported with the round's failures
                with self.ledger.lock:
                    self.ledger.problems.append(f"{operation.__name__}: {e!r}")
                return


# ---------------------------------------------------------------- checks after a restart

def observe_blob(reg, key: tuple) -> bytes | None:
    repo, digest = key
    resp = call(reg, "GET", f"/v2/{repo}/blobs/{digest}")
    if resp.status_code == 404:
        assert "BLOB_UNKNOWN" in error_codes(resp), resp.text
        return None
    assert resp.status_code == 200, f"GET blob {key}: {resp.status_code} {resp.text[:300]!r}"
    return resp.content


def observe_manifest(reg, key: tuple) -> bytes | None:
    repo, reference = key
    resp = get_manifest(reg, repo, reference)
    if resp.status_code == 404:
        assert "MANIFEST_UNKNOWN" in error_codes(resp), resp.text
        return None
    assert resp.status_code == 200, f"GET manifest {key}: {resp.status_code} {resp.text[:300]!r}"
    assert resp.headers["Docker-Content-Digest"] == sha256(resp.content)
    return resp.content


def check_objects(reg, observe, present: dict, absent: set, uncertain: dict, what: str) -> None:
    """Asserts the acknowledged state, then resolves what was uncertain into `present` or
    `absent` by what the registry shows."""
    for key, data in present.items():
        got = observe(reg, key)
        assert got is not None, f"acknowledged {what} {key} lost"
        assert got == data, f"acknowledged {what} {key} changed ({len(got)} bytes, pushed {len(data)})"
    for key in absent:
        assert observe(reg, key) is None, f"deleted {what} {key} is back"
    for key, data in uncertain.items():
        got = observe(reg, key)
        if got is None:
            absent.add(key)
        else:
            assert got == data, f"{what} {key} in flight at the kill is there but not whole"
            present[key] = data
            absent.discard(key)
    uncertain.clear()


def possible_tag_targets(moves: list) -> dict:
    """digest -> body of each move that may be the last one applied: one that no
    acknowledged move followed (started after it was acknowledged)."""
    return {m.digest: m.body for m in moves
            if not any(o.acknowledged is not None and m.acknowledged is not None and o.started > m.acknowledged
                       for o in moves)}


def check_moved_tag(reg, ledger: Ledger) -> None:
    resp = get_manifest(reg, SHARED_REPO, MOVED_TAG)
    possible = possible_tag_targets(ledger.moves)
    if resp.status_code == 404:
        assert all(m.acknowledged is None for m in ledger.moves), \
            f"tag {MOVED_TAG} lost after {sum(m.acknowledged is not None for m in ledger.moves)} acknowledged moves"
        ledger.moves = []  # none of them happened
        return
    assert resp.status_code == 200, resp.text
    digest = resp.headers["Docker-Content-Digest"]
    assert digest in possible, \
        f"tag {MOVED_TAG} names {digest}, not one of the {len(possible)} moves that may have been last"
    assert resp.content == possible[digest]
    # From here on this is the tag's value, acknowledged before any later move started.
    ledger.moves = [Move(digest, resp.content, float("-inf"), time.monotonic())]


def resume_interrupted_uploads(reg, ledger: Ledger) -> None:
    """Each upload session cut off by the kill holds a prefix of what its client sent, says
    how long it is, and completes from there. Or its completion got through: the session is
    closed and the blob whole. Or the kill came between the two steps of completing a blob
    kept in a file (the file moved into place, then the link committed): the session is
    unknown, the blob not linked, its file whole, and the client starts over."""
    for repo, location, data in ledger.interrupted_uploads:
        digest = sha256(data)
        status = call(reg, "GET", request_target(location))
        if status.status_code == 404:
            assert_error(status, 404, "BLOB_UPLOAD_UNKNOWN")
            got = observe_blob(reg, (repo, digest))
            if got is None:
                moved = blob_path(reg.data_dir, digest)
                assert moved.exists() and moved.read_bytes() == data, \
                    f"upload {location} closed, its blob neither linked nor moved into place whole"
                push_blob(reg, repo, data)
            else:
                assert got == data, f"upload {location} closed, blob not whole"
        else:
            assert status.status_code == 204, status.text
            stored = upload_file_size(reg.data_dir, location)
            assert status.headers["Range"] == f"0-{max(stored - 1, 0)}"
            assert stored <= len(data), f"upload {location} holds more than was sent"
            if stored < len(data):
                resp = call(reg, "PATCH", request_target(location), data=data[stored:],
                            headers={"Content-Type": OCTET_STREAM, "Content-Range": f"{stored}-{len(data) - 1}"})
                assert resp.status_code == 202, resp.text
            resp = call(reg, "PUT", with_query(request_target(location), digest=digest))
            assert resp.status_code == 201, f"resumed upload {location}: {resp.status_code} {resp.text[:300]}"
        ledger.uncertain_blobs.pop((repo, digest), None)
        ledger.absent_blobs.discard((repo, digest))
        ledger.present_blobs[(repo, digest)] = data
    ledger.interrupted_uploads.clear()


def check_after_restart(reg, ledger: Ledger) -> None:
    # First, while the interrupted sessions are younger than the upload expiry.
    resume_interrupted_uploads(reg, ledger)
    assert call(reg, "GET", "/v2/").status_code == 200
    check_objects(reg, observe_blob, ledger.present_blobs, ledger.absent_blobs, ledger.uncertain_blobs, "blob")
    check_objects(reg, observe_manifest, ledger.present_manifests, ledger.absent_manifests,
                  ledger.uncertain_manifests, "manifest")
    for (repo, tag), digest in ledger.tags.items():
        got = observe_manifest(reg, (repo, tag))
        assert got == ledger.present_manifests[(repo, digest)], f"tag {repo}:{tag} does not give its manifest"
    check_moved_tag(reg, ledger)
    catalog = call(reg, "GET", "/v2/_catalog?n=1000")
    assert catalog.status_code == 200, catalog.text
    expected_repos = {repo for repo, _ in ledger.present_blobs}
    assert expected_repos <= set(catalog.json()["repositories"])
    tags = call(reg, "GET", f"/v2/{SHARED_REPO}/tags/list")
    if ledger.moves:
        assert tags.status_code == 200 and MOVED_TAG in tags.json()["tags"], tags.text


def check_uploads_expired(reg, ledger: Ledger) -> None:
    """Once expiry has had its time, no upload file is left (nothing is uploading now) and
    every abandoned session is unknown."""
    def leftover():
        now = time.time()
        return [(p.name, round(now - p.stat().st_mtime, 1)) for p in upload_files(reg.data_dir)]
    allowed = UPLOAD_EXPIRY_S + 2 * PURGE_INTERVAL_S + 2
    try:
        wait_for(lambda: not leftover(), timeout=allowed, what="upload files expired")
    except AssertionError:
        raise AssertionError(f"upload files outlive the expiry of {UPLOAD_EXPIRY_S}s (name, age): {leftover()}")
    for location in ledger.abandoned_uploads:
        assert_error(call(reg, "GET", request_target(location)), 404, "BLOB_UPLOAD_UNKNOWN")
        assert_error(call(reg, "PATCH", path_of(location), data=b"late",
                          headers={"Content-Type": OCTET_STREAM}), 404, "BLOB_UPLOAD_UNKNOWN")


def check_stored_files(data_dir) -> None:
    """After a clean stop: the database is intact and every blob file holds the bytes its
    name is the digest of (a file torn by a kill would not)."""
    with closing(sqlite3.connect(data_dir / "pier.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    for path in blob_files(data_dir):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, f"blob file {path} torn"


# ---------------------------------------------------------------- the test

def crash_seed() -> int:
    value = os.environ.get("PIER_CRASH_SEED")
    return int(value) if value else random.SystemRandom().randrange(1 << 32)


def run_round(reg, ledger: Ledger, rng: random.Random, round_: int) -> None:
    stop = threading.Event()
    workers = [Worker(reg, ledger, random.Random(rng.random()), i, round_, stop) for i in range(WORKERS)]
    threads = [threading.Thread(target=w.run) for w in workers]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(0.3, 1.5))
    assert reg.process.poll() is None, f"pier exited by itself:\n{reg.log()[-3000:]}"
    # Whatever a client has started by now is in flight at the kill; nothing starts after.
    stop.set()
    reg.process.kill()
    reg.process.wait()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a client is stuck after the kill"


def test_acknowledged_state_survives_kills_at_random_moments(tmp_path):
    seed = crash_seed()
    rng = random.Random(seed)
    ledger = Ledger()
    data_dir = tmp_path / "pier"
    started = time.monotonic()
    round_ = 0
    reg = start_pier(data_dir, config=CONFIG)
    try:
        while round_ < MIN_ROUNDS or time.monotonic() - started < ROUNDS_BUDGET_S:
            run_round(reg, ledger, rng, round_)
            assert not ledger.problems, f"seed {seed}, round {round_}: {ledger.problems}"
            reg = start_pier(data_dir, config=CONFIG)
            try:
                check_after_restart(reg, ledger)
            except AssertionError as e:
                raise AssertionError(f"seed {seed}, after round {round_}: {e}") from e
            round_ += 1
        try:
            check_uploads_expired(reg, ledger)
        except AssertionError as e:
            raise AssertionError(f"seed {seed}: {e}") from e
        assert reg.stop() == 0, reg.log()[-3000:]
        check_stored_files(data_dir)
        print(f"seed {seed}: {round_} rounds, {len(ledger.present_blobs)} blobs, "
              f"{len(ledger.present_manifests)} manifests, {len(ledger.absent_blobs)} blobs and "
              f"{len(ledger.absent_manifests)} manifests absent, "
              f"{len(ledger.abandoned_uploads)} abandoned uploads")
    finally:
        reg.stop()
