"""Garbage collection on PostgreSQL + S3 (s3rver), across two replicas: collections run back
to back on both while skopeo pushes, through either replica, images whose layers belong to
just-deleted images; every push succeeds and pulls back byte-identical, and what only deleted
images reached leaves the bucket. Also quotas and immutable tags seen by every replica."""

import dataclasses
import os
import threading
import time
import xml.etree.ElementTree as ElementTree

import pytest
import requests

from api_client import Api, expect, unique
from client_tools import Clients, OciLayout, add_image, docker_ref
from oci_helpers import (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, call, descriptor, encode, get_manifest, layer_bytes,
                         oci_manifest, push_blob, push_manifest, sha256)
from servers import ADMIN_PASSWORD, start_pier
from test_lifecycle import wait_for_first_collection
from shared_backends import bucket, database, postgres, s3_server  # noqa: F401 (fixtures)

LAYER = 40_000


@pytest.fixture
def replicas(tmp_path, database, bucket):
    key = tmp_path / "token-signing-key.pem"
    env = {"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_METADATA_DRIVER": "postgres",
           "PIER_METADATA_POSTGRES_URL": database, "PIER_AUTH_TOKEN_KEY": str(key),
           "PIER_STORAGE_S3_PART_SIZE": str(5 * 1024 * 1024), "PIER_GC_INTERVAL": "24h",
           "PIER_GC_HISTORY_WINDOW": "0s", "PIER_GC_BLOB_GRACE": "4s", **bucket}
    started = []
    try:
        for n in (1, 2):
            started.append(start_pier(tmp_path / f"replica{n}", auth=True, env=env))
        wait_for_first_collection(started[0])
        yield started
    finally:
        for reg in started:
            reg.stop()


@pytest.fixture
def clients(tmp_path):
    c = Clients(tmp_path / "clients")
    yield c
    c.close()


def bucket_blobs(s3_endpoint, bucket_env) -> set[str]:
    """The hex names of the blobs in the bucket (s3rver lists without a signature)."""
    name = bucket_env["PIER_STORAGE_S3_BUCKET"]
    names = set()
    token = None
    while True:
        params = {"list-type": "2", "prefix": "blobs/"}
        if token:
            params["continuation-token"] = token
        resp = requests.get(f"{s3_endpoint}/{name}", params=params, timeout=10)
        assert resp.status_code == 200, resp.text
        root = ElementTree.fromstring(resp.content)
        ns = {"s3": root.tag.split("}")[0].strip("{")} if root.tag.startswith("{") else {}
        find = (lambda e, t: e.findall(f"s3:{t}", ns)) if ns else (lambda e, t: e.findall(t))
        for item in find(root, "Contents"):
            key = (item.find("s3:Key", ns) if ns else item.find("Key")).text
            names.add(key.rsplit("/", 1)[-1])
        truncated = (root.find("s3:IsTruncated", ns) if ns else root.find("IsTruncated"))
        if truncated is None or truncated.text != "true":
            return names
        token = (root.find("s3:NextContinuationToken", ns) if ns else root.find("NextContinuationToken")).text


def image(reg, repo, tag, seed, layers):
    config = encode({"architecture": "amd64", "os": "linux", "config": {"Env": [f"SEED={seed}"]},
                     "rootfs": {"type": "layers", "diff_ids": []}})
    push_blob(reg, repo, config)
    for data in layers:
        push_blob(reg, repo, data)
    body = oci_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER, d) for d in layers])
    push_manifest(reg, repo, tag, body, OCI_MANIFEST)
    return body, sha256(body)


def build_layout(path, salt, files=30):
    layout = OciLayout(path)
    add_image(layout, [{f"file-{salt}-{i}": os.urandom(1000) for i in range(files)}], tag="v1")
    return layout


def test_collections_on_two_replicas_during_pushes_lose_nothing(replicas, clients, s3_server, bucket, tmp_path):
    one, two = replicas
    admins = [Api(reg, "admin", ADMIN_PASSWORD) for reg in replicas]
    creds = ["--dest-creds", f"admin:{ADMIN_PASSWORD}"]
    # Images whose layers only they reach, to be deleted and collected.
    r1 = admins[0].token_registry()
    doomed = [layer_bytes(unique("doomed"), LAYER) for _ in range(3)]
    doomed_digests = [image(r1, "admin/doomed", f"t{i}", unique("c"), [d])[1] for i, d in enumerate(doomed)]
    layouts = [build_layout(tmp_path / f"layout{i}", f"shared{i}") for i in range(6)]
    for i, layout in enumerate(layouts):
        clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(one, "admin/first", f"t{i}"), dest_registry=one,
                            extra=creds)
    assert {sha256(d)[7:] for d in doomed} <= bucket_blobs(s3_server, bucket)
    time.sleep(5)  # every blob is now older than the grace
    for digest in doomed_digests:
        expect(call(r1, "DELETE", f"/v2/admin/doomed/manifests/{digest}"), 202)

    stop = threading.Event()
    errors = []
    runs = [0, 0]

    def collect_forever(n):
        while not stop.is_set():
            resp = admins[n].post("/gc", {"dry_run": False})
            if resp.status_code != 200:
                errors.append(f"replica {n + 1}: {resp.status_code} {resp.text}")
            runs[n] += 1

    collectors = [threading.Thread(target=collect_forever, args=(n,), daemon=True) for n in (0, 1)]
    for t in collectors:
        t.start()
    try:
        for i, layout in enumerate(layouts):
            digest = get_manifest(r1, "admin/first", f"t{i}").headers["Docker-Content-Digest"]
            expect(call(r1, "DELETE", f"/v2/admin/first/manifests/{digest}"), 202)
            target = replicas[i % 2]
            clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(target, "admin/second", f"t{i}"),
                                dest_registry=target, extra=creds)
    finally:
        stop.set()
        for t in collectors:
            t.join(timeout=120)
    assert not errors, errors
    assert min(runs) > 1, runs

    for i, layout in enumerate(layouts):
        source = replicas[(i + 1) % 2]
        pulled = tmp_path / f"pulled{i}"
        clients.skopeo_copy(docker_ref(source, "admin/second", f"t{i}"), f"oci:{pulled}:v1", src_registry=source,
                            extra=["--src-creds", f"admin:{ADMIN_PASSWORD}"])
        assert OciLayout(pulled).image_layer_files("v1") == layout.image_layer_files("v1")
    in_bucket = bucket_blobs(s3_server, bucket)
    assert not {sha256(d)[7:] for d in doomed} & in_bucket
    final = admins[1].ok("POST", "/gc", {"dry_run": False})
    assert final["blobs_deleted"] == 0, final


def test_quota_and_immutable_tags_hold_on_every_replica(replicas, s3_server, bucket):
    one, two = replicas
    a1, a2 = (Api(reg, "admin", ADMIN_PASSWORD) for reg in replicas)
    org = unique("org")
    a1.ok("POST", "/organizations", {"name": org}, status=201)
    r1, r2 = a1.token_registry(), a2.token_registry()
    shared = layer_bytes(unique("q"), LAYER)
    image(r1, f"{org}/one", "v1", unique("c"), [shared])
    used = a2.ok("GET", f"/namespaces/{org}/quota")["used_bytes"]
    a1.ok("PUT", f"/namespaces/{org}/quota", {"limit_bytes": used + 1000})
    # Through the other replica: the shared layer is free, a new one is refused.
    image(r2, f"{org}/two", "v1", unique("c"), [shared])
    big = layer_bytes(unique("big"), LAYER)
    location = call(r2, "POST", f"/v2/{org}/two/blobs/uploads/").headers["Location"]
    resp = call(r2, "PUT", location + ("&" if "?" in location else "?") + f"digest={sha256(big)}", data=big,
                headers={"Content-Type": "application/octet-stream"})
    expect(resp, 403, "DENIED")
    assert sha256(big)[7:] not in bucket_blobs(s3_server, bucket)
    a2.ok("PUT", f"/namespaces/{org}/immutable-tags", {"patterns": ["v1"]})
    other, _ = image(r2, f"{org}/one", "other", unique("c"), [shared])
    expect(call(r1, "PUT", f"/v2/{org}/one/manifests/v1", data=other, headers={"Content-Type": OCI_MANIFEST}), 403,
           "DENIED")
