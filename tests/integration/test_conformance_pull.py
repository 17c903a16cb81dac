"""OCI distribution-spec conformance, "Pull" category: /v2/, manifests and blobs by
GET and HEAD, and Range requests on blobs."""

import json

import pytest

from oci_helpers import (MANIFEST_KINDS, assert_status, call, get_manifest, layer_bytes,
                         push_blob, push_manifest, sha256, verifies)

REPO = "conformance/pull"


def test_api_version_check(registry):
    resp = call(registry, "GET", "/v2/")
    assert_status(resp, 200)
    assert resp.headers["Docker-Distribution-API-Version"] == "registry/2.0"


@pytest.mark.parametrize("kind", sorted(MANIFEST_KINDS))
def test_manifest_get_and_head_by_tag_and_digest(registry, kind):
    body, media_type = MANIFEST_KINDS[kind](registry, REPO)
    push_manifest(registry, REPO, "pulled", body, media_type)
    digest = sha256(body)
    for reference in ("pulled", digest):
        resp = get_manifest(registry, REPO, reference)
        assert_status(resp, 200)
        assert resp.content == body, "manifest bytes differ from what was pushed"
        assert resp.headers["Content-Type"] == media_type
        assert resp.headers["Docker-Content-Digest"] == digest
        assert int(resp.headers["Content-Length"]) == len(body)

        head = get_manifest(registry, REPO, reference, method="HEAD")
        assert_status(head, 200)
        assert head.content == b""
        assert head.headers["Content-Type"] == media_type
        assert head.headers["Docker-Content-Digest"] == digest
        assert int(head.headers["Content-Length"]) == len(body)


def test_pull_image_through_index(registry):
    """A full multi-platform pull: index by tag, each child by digest, then each blob."""
    body, media_type = MANIFEST_KINDS["oci-index"](registry, REPO)
    push_manifest(registry, REPO, "multi", body, media_type)
    index = json.loads(get_manifest(registry, REPO, "multi").content)
    assert len(index["manifests"]) == 2
    for child in index["manifests"]:
        resp = get_manifest(registry, REPO, child["digest"])
        assert_status(resp, 200)
        assert sha256(resp.content) == child["digest"]
        assert len(resp.content) == child["size"]
        assert resp.headers["Content-Type"] == child["mediaType"]
        manifest = json.loads(resp.content)
        for blob in [manifest["config"], *manifest["layers"]]:
            got = call(registry, "GET", f"/v2/{REPO}/blobs/{blob['digest']}")
            assert_status(got, 200)
            assert sha256(got.content) == blob["digest"]
            assert len(got.content) == blob["size"]


def test_blob_get_and_head(registry):
    data = layer_bytes("pull-blob", 100_000)
    digest = push_blob(registry, REPO, data)

    resp = call(registry, "GET", f"/v2/{REPO}/blobs/{digest}")
    assert_status(resp, 200)
    assert resp.content == data
    assert int(resp.headers["Content-Length"]) == len(data)
    assert verifies(resp.headers["Docker-Content-Digest"], resp.content)

    head = call(registry, "HEAD", f"/v2/{REPO}/blobs/{digest}")
    assert_status(head, 200)
    assert head.content == b""
    assert int(head.headers["Content-Length"]) == len(data)
    assert head.headers["Docker-Content-Digest"] == digest


def test_empty_blob(registry):
    digest = push_blob(registry, REPO, b"")
    assert digest == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    resp = call(registry, "GET", f"/v2/{REPO}/blobs/{digest}")
    assert_status(resp, 200)
    assert resp.content == b""
    assert resp.headers["Content-Length"] == "0"
    assert resp.headers["Docker-Content-Digest"] == digest


BLOB_SIZE = 1000


@pytest.mark.parametrize("range_header, first, last", [
    ("bytes=0-0", 0, 0),
    ("bytes=10-99", 10, 99),
    ("bytes=900-", 900, 999),
    ("bytes=-50", 950, 999),
    ("bytes=990-5000", 990, 999),      # the end is clipped to the blob
    ("bytes=0-999", 0, 999),
])
def test_blob_range_request(registry, range_header, first, last):
    data = layer_bytes("ranged", BLOB_SIZE)
    digest = push_blob(registry, REPO, data)
    resp = call(registry, "GET", f"/v2/{REPO}/blobs/{digest}", headers={"Range": range_header})
    assert_status(resp, 206)
    assert resp.headers["Content-Range"] == f"bytes {first}-{last}/{BLOB_SIZE}"
    assert int(resp.headers["Content-Length"]) == last - first + 1
    assert resp.content == data[first:last + 1]


@pytest.mark.parametrize("range_header", ["bytes=1000-", "bytes=2000-3000"])
def test_blob_range_unsatisfiable(registry, range_header):
    data = layer_bytes("ranged", BLOB_SIZE)
    digest = push_blob(registry, REPO, data)
    resp = call(registry, "GET", f"/v2/{REPO}/blobs/{digest}", headers={"Range": range_header})
    assert_status(resp, 416)
    assert resp.headers["Content-Range"] == f"bytes */{BLOB_SIZE}"
    # the blob itself is untouched
    assert call(registry, "GET", f"/v2/{REPO}/blobs/{digest}").content == data
