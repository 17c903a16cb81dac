"""Three Pier replicas sharing only one PostgreSQL database, one S3 bucket (s3rver) and the
token signing key: whatever one replica was told, the others serve; uploads continue on any
replica; concurrent tag moves are all recorded; a replica killed mid-push loses nothing that
was acknowledged."""
import hashlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from client_tools import Clients, OciLayout, build_multi_arch_layout, build_single_arch_layout, docker_ref
from registry_auth import Bearer, fetch_token
from servers import ADMIN_PASSWORD, PIER_BINARY, start_pier
from shared_backends import bucket, database, postgres, s3_server  # noqa: F401 (fixtures)

PART = 5 * 1024 * 1024  # storage.s3.part_size in these tests: S3's smallest
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = {"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"}


@pytest.fixture
def replicas(tmp_path, database, bucket):
    key = tmp_path / "token-signing-key.pem"
    started = []
    env = {"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_METADATA_DRIVER": "postgres",
           "PIER_METADATA_POSTGRES_URL": database, "PIER_AUTH_TOKEN_KEY": str(key),
           "PIER_STORAGE_S3_PART_SIZE": str(PART), **bucket}
    try:
        for n in (1, 2, 3):
            started.append(start_pier(tmp_path / f"replica{n}", auth=True, env=env))
        yield started
    finally:
        for reg in started:
            reg.stop()


@pytest.fixture
def clients(tmp_path):
    c = Clients(tmp_path / "clients")
    yield c
    c.close()


def token_for(reg, repository, actions="pull,push,delete"):
    return Bearer(fetch_token(reg, f"repository:{repository}:{actions}", user="admin", password=ADMIN_PASSWORD))


def pattern(size: int, seed: int) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_on(reg, auth, repository, digest):
    r = requests.get(f"{reg.url}/v2/{repository}/blobs/{digest}", auth=auth, timeout=30)
    return r.status_code, r.content


def assert_serves_image(reg, repository, tag, image, layout):
    """`reg` serves the image's manifest by tag and each of its blobs, byte for byte."""
    auth = token_for(reg, repository, "pull")
    r = requests.get(f"{reg.url}/v2/{repository}/manifests/{tag}", auth=auth, headers=ACCEPT, timeout=10)
    assert r.status_code == 200 and r.content == image.manifest
    for digest in [image.config_digest, *image.layer_digests]:
        assert blob_on(reg, auth, repository, digest) == (200, layout.blob(digest))


def test_images_pushed_to_one_replica_are_served_byte_identical_by_the_others(tmp_path, replicas, clients):
    one, two, three = replicas
    single, image = build_single_arch_layout(tmp_path / "single", tag="v1", salt=str(tmp_path))
    multi, index = build_multi_arch_layout(tmp_path / "multi", tag="all", salt=str(tmp_path))
    clients.skopeo("login", "--tls-verify=false", "-u", "admin", "-p", ADMIN_PASSWORD, one.host)
    clients.skopeo_copy(f"oci:{single.path}:v1", docker_ref(one, "admin/single", "v1"), dest_registry=one)
    clients.skopeo("copy", "--all", "--dest-tls-verify=false", f"oci:{multi.path}:all",
                   docker_ref(one, "admin/multi", "all"))
    for reg in (two, three):
        assert_serves_image(reg, "admin/single", "v1", image, single)
        auth = token_for(reg, "admin/multi", "pull")
        r = requests.get(f"{reg.url}/v2/admin/multi/manifests/all", auth=auth, headers=ACCEPT, timeout=10)
        assert r.status_code == 200 and r.content == index.index
        for arch_image in index.images.values():
            r = requests.get(f"{reg.url}/v2/admin/multi/manifests/{arch_image.manifest_digest}", auth=auth,
                             headers=ACCEPT, timeout=10)
            assert r.status_code == 200 and r.content == arch_image.manifest
            for digest in arch_image.layer_digests:
                assert blob_on(reg, auth, "admin/multi", digest) == (200, multi.blob(digest))
        # A whole pull with skopeo, from a replica that took no part in the push.
        back = OciLayout(tmp_path / f"back-{reg.host.replace(':', '-')}")
        clients.skopeo("copy", "--all", "--src-tls-verify=false", "--src-creds", f"admin:{ADMIN_PASSWORD}",
                       docker_ref(reg, "admin/multi", "all"), f"oci:{back.path}:all")
        assert back.ref_digest("all") == index.index_digest


def test_a_chunked_upload_started_on_one_replica_continues_on_the_next_and_ends_on_the_third(replicas):
    one, two, three = replicas
    repository = "admin/chunked"
    chunks = [pattern(PART + PART // 2, 1), pattern(PART // 2 + 17, 2), pattern(1000, 3)]
    data = b"".join(chunks)
    digest = digest_of(data)
    started = requests.post(f"{one.url}/v2/{repository}/blobs/uploads/", auth=token_for(one, repository), timeout=10)
    assert started.status_code == 202, started.text
    location = started.headers["Location"]
    offset = 0
    for reg, chunk in ((two, chunks[0]), (three, chunks[1])):
        r = requests.patch(f"{reg.url}{location}" if location.startswith("/") else location.replace(one.url, reg.url),
                           data=chunk, auth=token_for(reg, repository), timeout=30,
                           headers={"Content-Type": "application/octet-stream",
                                    "Content-Range": f"{offset}-{offset + len(chunk) - 1}"})
        assert r.status_code == 202, r.text
        offset += len(chunk)
        assert r.headers["Range"] == f"0-{offset - 1}"
        location = r.headers["Location"]
    # The status of the upload, asked of the replica that has not seen it yet.
    status = requests.get(f"{one.url}{location}", auth=token_for(one, repository), timeout=10)
    assert status.status_code == 204 and status.headers["Range"] == f"0-{offset - 1}"
    done = requests.put(f"{three.url}{location}", params={"digest": digest}, data=chunks[2],
                        auth=token_for(three, repository), timeout=30,
                        headers={"Content-Type": "application/octet-stream"})
    assert done.status_code == 201, done.text
    for reg in replicas:
        assert blob_on(reg, token_for(reg, repository, "pull"), repository, digest) == (200, data)
    # A range of it, across the first part's end.
    r = requests.get(f"{two.url}/v2/{repository}/blobs/{digest}", auth=token_for(two, repository, "pull"),
                     headers={"Range": f"bytes={PART - 3}-{PART + 3}"}, timeout=10)
    assert r.status_code == 206 and r.content == data[PART - 3:PART + 4]


def test_a_wrong_digest_on_another_replica_is_refused_and_leaves_nothing(replicas):
    one, two, _ = replicas
    repository = "admin/wrong"
    started = requests.post(f"{one.url}/v2/{repository}/blobs/uploads/", auth=token_for(one, repository), timeout=10)
    location = started.headers["Location"]
    r = requests.patch(f"{two.url}{location}", data=pattern(PART + 5, 9), auth=token_for(two, repository),
                       headers={"Content-Type": "application/octet-stream"}, timeout=30)
    assert r.status_code == 202
    wrong = digest_of(b"something else")
    r = requests.put(f"{one.url}{r.headers['Location']}", params={"digest": wrong}, auth=token_for(one, repository),
                     timeout=30)
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "DIGEST_INVALID"
    assert blob_on(one, token_for(one, repository, "pull"), repository, wrong)[0] == 404


def manifest_variant(image, n: int) -> bytes:
    """The image's manifest with an annotation: a new digest over the same blobs."""
    body = json.loads(image.manifest)
    body["annotations"] = {"variant": str(n)}
    return json.dumps(body, separators=(",", ":")).encode()


def test_tags_move_across_replicas_at_once_and_no_concurrent_move_is_lost(tmp_path, replicas, clients):
    one, two, three = replicas
    layout, image = build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))
    clients.skopeo("login", "--tls-verify=false", "-u", "admin", "-p", ADMIN_PASSWORD, one.host)
    clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(one, "admin/race", "v1"), dest_registry=one)
    auth = {reg.host: token_for(reg, "admin/race") for reg in replicas}

    def put(reg, tag, body):
        return requests.put(f"{reg.url}/v2/admin/race/manifests/{tag}", data=body, auth=auth[reg.host], timeout=30,
                            headers={"Content-Type": OCI_MANIFEST})

    # Moved on one replica, served at its new digest by another at once.
    for n in (1, 2):
        body = manifest_variant(image, n)
        assert put(one, "moving", body).status_code == 201
        r = requests.get(f"{two.url}/v2/admin/race/manifests/moving", auth=auth[two.host], headers=ACCEPT, timeout=10)
        assert r.status_code == 200 and r.content == body

    # Two replicas moving one tag at the same moment, round after round.
    rounds = 12
    outcomes = []
    for n in range(rounds):
        barrier = threading.Barrier(2)
        bodies = {one.host: manifest_variant(image, 100 + 2 * n), three.host: manifest_variant(image, 101 + 2 * n)}

        def move(reg):
            barrier.wait()
            outcomes.append(put(reg, "raced", bodies[reg.host]).status_code)

        threads = [threading.Thread(target=move, args=(reg,)) for reg in (one, three)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert outcomes == [201] * (2 * rounds)
    history = requests.get(f"{two.url}/api/v1/repositories/admin/race/tags/raced/history",
                           auth=("admin", ADMIN_PASSWORD), timeout=10).json()["history"]
    assert len(history) == 2 * rounds
    # Newest first; each move starts from where the one before it left the tag.
    oldest_first = list(reversed(history))
    assert oldest_first[0]["old_digest"] in ("", None)
    for before, after in zip(oldest_first, oldest_first[1:]):
        assert after["old_digest"] == before["new_digest"]


def test_tokens_and_web_sessions_from_one_replica_work_on_another(replicas):
    one, _, three = replicas
    token = fetch_token(one, "repository:admin/anything:pull,push", user="admin", password=ADMIN_PASSWORD)
    r = requests.post(f"{three.url}/v2/admin/anything/blobs/uploads/", auth=Bearer(token), timeout=10)
    assert r.status_code == 202, r.text
    browser = requests.Session()
    signed_in = browser.post(f"{one.url}/api/v1/session", json={"username": "admin", "password": ADMIN_PASSWORD},
                             timeout=10)
    assert signed_in.status_code in (200, 201), signed_in.text
    me = requests.get(f"{three.url}/api/v1/user", cookies={"pier_session": browser.cookies["pier_session"]},
                      timeout=10)
    assert me.status_code == 200 and me.json()["name"] == "admin"


def test_a_replica_killed_mid_push_loses_nothing_acknowledged(tmp_path, replicas, clients):
    one, two, three = replicas
    layout, image = build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))
    clients.skopeo("login", "--tls-verify=false", "-u", "admin", "-p", ADMIN_PASSWORD, one.host)
    clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(one, "admin/kept", "v1"), dest_registry=one)

    repository = "admin/interrupted"
    first = pattern(PART + 100, 21)
    # An upload with one acknowledged chunk...
    started = requests.post(f"{one.url}/v2/{repository}/blobs/uploads/", auth=token_for(one, repository), timeout=10)
    r = requests.patch(f"{one.url}{started.headers['Location']}", data=first, auth=token_for(one, repository),
                       headers={"Content-Type": "application/octet-stream"}, timeout=30)
    assert r.status_code == 202
    acknowledged_location = r.headers["Location"]

    # ...and a second chunk arriving when the replica dies.
    second = pattern(3 * PART, 22)
    sent_some = threading.Event()

    def slow_body():
        yield second[:PART]
        sent_some.set()
        time.sleep(30)  # the replica is killed meanwhile
        yield second[PART:]

    def send():
        try:
            requests.patch(f"{one.url}{acknowledged_location}", data=slow_body(), auth=token_for(one, repository),
                           headers={"Content-Type": "application/octet-stream"}, timeout=60)
        except requests.RequestException:
            pass

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    assert sent_some.wait(30)
    time.sleep(0.5)
    os.kill(one.process.pid, signal.SIGKILL)
    one.process.wait()

    # Everything acknowledged is served by the others, byte for byte.
    for reg in (two, three):
        assert_serves_image(reg, "admin/kept", "v1", image, layout)
    # The upload stands where its last acknowledged chunk left it, and finishes on another replica.
    status = requests.get(f"{two.url}{acknowledged_location}", auth=token_for(two, repository), timeout=10)
    assert status.status_code == 204 and status.headers["Range"] == f"0-{len(first) - 1}"
    done = requests.put(f"{two.url}{acknowledged_location}", params={"digest": digest_of(first + second)},
                        data=second, auth=token_for(two, repository), timeout=60,
                        headers={"Content-Type": "application/octet-stream"})
    assert done.status_code == 201, done.text
    assert blob_on(three, token_for(three, repository, "pull"), repository, digest_of(first + second)) == \
        (200, first + second)
    # The interrupted push, retried whole on another replica, succeeds.
    retry, image2 = build_single_arch_layout(tmp_path / "retry", tag="v1", salt=f"{tmp_path}-retry")
    clients.skopeo("login", "--tls-verify=false", "-u", "admin", "-p", ADMIN_PASSWORD, two.host)
    clients.skopeo_copy(f"oci:{retry.path}:v1", docker_ref(two, "admin/interrupted", "v1"), dest_registry=two)
    r = requests.get(f"{three.url}/v2/admin/interrupted/manifests/v1", auth=token_for(three, repository, "pull"),
                     headers=ACCEPT, timeout=10)
    assert r.status_code == 200 and r.content == image2.manifest


def test_an_embedded_installation_moves_to_postgres_and_s3(tmp_path, database, bucket, clients):
    embedded = tmp_path / "embedded"
    layout, image = build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))
    reg = start_pier(embedded, auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        clients.skopeo("login", "--tls-verify=false", "-u", "admin", "-p", ADMIN_PASSWORD, reg.host)
        clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(reg, "admin/moved", "v1"), dest_registry=reg)
    finally:
        reg.stop()
    env = {**os.environ, **bucket, "PIER_METADATA_DRIVER": "postgres", "PIER_METADATA_POSTGRES_URL": database}
    metadata = subprocess.run([str(PIER_BINARY), "migrate", "--data-dir", str(embedded), "--to", database],
                              capture_output=True, text=True, timeout=60)
    assert metadata.returncode == 0, metadata.stderr
    blobs = subprocess.run([str(PIER_BINARY), "migrate", "--data-dir", str(tmp_path / "scratch"),
                            "--blobs-from", str(embedded / "blobs")], env=env, capture_output=True, text=True,
                           timeout=120)
    assert blobs.returncode == 0, blobs.stderr
    assert "copied" in blobs.stdout
    # Run again, it copies nothing twice.
    again = subprocess.run([str(PIER_BINARY), "migrate", "--data-dir", str(tmp_path / "scratch"),
                            "--blobs-from", str(embedded / "blobs")], env=env, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0 and again.stdout.startswith("0 blobs copied"), again.stdout

    replica = start_pier(tmp_path / "replica", auth=True, env={
        "PIER_METADATA_DRIVER": "postgres", "PIER_METADATA_POSTGRES_URL": database,
        "PIER_AUTH_TOKEN_KEY": str(embedded / "token-signing-key.pem"), **bucket})
    try:
        clients.skopeo("login", "--tls-verify=false", "-u", "admin", "-p", ADMIN_PASSWORD, replica.host)
        back = OciLayout(tmp_path / "back")
        clients.skopeo_copy(docker_ref(replica, "admin/moved", "v1"), f"oci:{back.path}:v1", src_registry=replica)
        assert back.ref_digest("v1") == image.manifest_digest
        for digest in image.layer_digests:
            assert back.blob(digest) == layout.blob(digest)
    finally:
        replica.stop()


def test_blob_reads_can_be_handed_to_the_bucket_by_presigned_redirects(tmp_path, database, bucket):
    reg = start_pier(tmp_path / "redirecting", auth=True, env={
        "PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_METADATA_DRIVER": "postgres",
        "PIER_METADATA_POSTGRES_URL": database, "PIER_STORAGE_S3_REDIRECT": "true", **bucket})
    try:
        repository = "admin/redirected"
        data = pattern(100_000, 5)
        auth = token_for(reg, repository)
        r = requests.post(f"{reg.url}/v2/{repository}/blobs/uploads/", params={"digest": digest_of(data)},
                          data=data, auth=auth, headers={"Content-Type": "application/octet-stream"}, timeout=30)
        assert r.status_code == 201, r.text
        url = f"{reg.url}/v2/{repository}/blobs/{digest_of(data)}"
        r = requests.get(url, auth=auth, allow_redirects=False, timeout=10)
        assert r.status_code == 307
        location = r.headers["Location"]
        assert location.startswith(bucket["PIER_STORAGE_S3_ENDPOINT"]) and "X-Amz-Signature=" in location
        assert "S3RVER%2F" in location and "secret" not in location.lower()
        fetched = requests.get(location, timeout=10)  # no credentials: the URL carries them
        assert fetched.status_code == 200 and fetched.content == data
        # HEAD is answered by Pier itself, and a client that follows redirects gets the bytes.
        assert requests.head(url, auth=auth, timeout=10).headers["Content-Length"] == str(len(data))
        assert requests.get(url, auth=auth, timeout=10).content == data
    finally:
        reg.stop()
