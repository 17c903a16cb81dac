"""OCI distribution-spec conformance, "Content Management" category: deleting
manifests, tags and blobs, and blobs addressed by sha512 digests."""

import json

from oci_helpers import (OCI_MANIFEST, OCTET_STREAM, assert_error, assert_status,
                         blob_exists, call, encode, get_manifest, layer_bytes, manifest_exists,
                         patch_chunk, push_blob, push_manifest, push_oci_image, sha256,
                         sha512, start_upload, verifies, with_query)

REPO = "conformance/management"


def test_delete_manifest_by_digest(registry):
    body, desc = push_oci_image(registry, REPO, "doomed", seed="doomed")
    push_manifest(registry, REPO, "alias", body, OCI_MANIFEST)
    digest = desc["digest"]
    resp = call(registry, "DELETE", f"/v2/{REPO}/manifests/{digest}")
    assert_status(resp, 202)
    assert_error(get_manifest(registry, REPO, digest), 404, "MANIFEST_UNKNOWN")
    assert_status(get_manifest(registry, REPO, digest, method="HEAD"), 404)
    # every tag that pointed at it is gone too
    for tag in ("doomed", "alias"):
        assert_error(get_manifest(registry, REPO, tag), 404, "MANIFEST_UNKNOWN")
    # deleting again: it is unknown now
    assert_error(call(registry, "DELETE", f"/v2/{REPO}/manifests/{digest}"),
                 404, "MANIFEST_UNKNOWN")


def test_delete_manifest_keeps_others(registry):
    _, gone = push_oci_image(registry, REPO, "gone", seed="gone")
    kept_body, kept = push_oci_image(registry, REPO, "kept", seed="kept")
    assert_status(call(registry, "DELETE", f"/v2/{REPO}/manifests/{gone['digest']}"), 202)
    assert get_manifest(registry, REPO, "kept").content == kept_body
    assert get_manifest(registry, REPO, kept["digest"]).content == kept_body


def test_delete_manifest_in_unknown_repository(registry):
    resp = call(registry, "DELETE", f"/v2/conformance/nowhere/manifests/{sha256(b'x')}")
    assert_status(resp, 404)


def test_delete_unknown_manifest(registry):
    push_oci_image(registry, REPO, "present", seed="present")
    resp = call(registry, "DELETE", f"/v2/{REPO}/manifests/{sha256(b'absent')}")
    assert_error(resp, 404, "MANIFEST_UNKNOWN")


# distribution 2.8 does not delete tags: DELETE by tag answers 400 DIGEST_INVALID
# (which the spec permits when tag deletion is disabled; Pier enables it).
def test_delete_tag_removes_only_the_tag(pier):
    body, desc = push_oci_image(pier, REPO, "v1", seed="tagged")
    push_manifest(pier, REPO, "v1-alias", body, OCI_MANIFEST)
    resp = call(pier, "DELETE", f"/v2/{REPO}/manifests/v1")
    assert_status(resp, 202)
    assert_error(get_manifest(pier, REPO, "v1"), 404, "MANIFEST_UNKNOWN")
    assert get_manifest(pier, REPO, "v1-alias").content == body
    assert get_manifest(pier, REPO, desc["digest"]).content == body
    resp = call(pier, "GET", f"/v2/{REPO}/tags/list")
    assert_status(resp, 200)
    assert resp.json()["tags"] == ["v1-alias"]
    assert_error(call(pier, "DELETE", f"/v2/{REPO}/manifests/v1"), 404, "MANIFEST_UNKNOWN")


def test_delete_blob(registry):
    data = layer_bytes("deleted-blob", 3000)
    digest = push_blob(registry, REPO, data)
    kept = push_blob(registry, REPO, layer_bytes("kept-blob", 3000))
    resp = call(registry, "DELETE", f"/v2/{REPO}/blobs/{digest}")
    assert_status(resp, 202)
    assert_error(call(registry, "GET", f"/v2/{REPO}/blobs/{digest}"), 404, "BLOB_UNKNOWN")
    assert_status(call(registry, "HEAD", f"/v2/{REPO}/blobs/{digest}"), 404)
    assert_error(call(registry, "DELETE", f"/v2/{REPO}/blobs/{digest}"), 404, "BLOB_UNKNOWN")
    assert blob_exists(registry, REPO, kept)


def test_delete_blob_is_per_repository(registry):
    data = layer_bytes("shared-blob", 3000)
    digest = push_blob(registry, REPO, data)
    push_blob(registry, "conformance/sibling", data)
    assert_status(call(registry, "DELETE", f"/v2/{REPO}/blobs/{digest}"), 202)
    assert not blob_exists(registry, REPO, digest)
    assert call(registry, "GET", f"/v2/conformance/sibling/blobs/{digest}").content == data


def test_deleted_blob_can_be_pushed_again(registry):
    data = layer_bytes("phoenix", 2000)
    digest = push_blob(registry, REPO, data)
    assert_status(call(registry, "DELETE", f"/v2/{REPO}/blobs/{digest}"), 202)
    push_blob(registry, REPO, data)
    assert call(registry, "GET", f"/v2/{REPO}/blobs/{digest}").content == data


# ---------------------------------------------------------------- sha512

def test_sha512_blob(registry):
    """Upload and fetch by a sha512 digest. Docker-Content-Digest MAY use another
    algorithm (distribution 2.8 answers sha256) but must match the content."""
    data = layer_bytes("sha512-blob", 5000)
    digest = sha512(data)
    location = start_upload(registry, REPO)
    resp = call(registry, "PUT", with_query(location, digest=digest), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_status(resp, 201)
    assert verifies(resp.headers.get("Docker-Content-Digest", digest), data)
    got = call(registry, "GET", resp.headers["Location"])
    assert_status(got, 200)
    assert got.content == data
    resp = call(registry, "GET", f"/v2/{REPO}/blobs/{digest}")
    assert_status(resp, 200)
    assert resp.content == data
    assert verifies(resp.headers["Docker-Content-Digest"], data)
    head = call(registry, "HEAD", f"/v2/{REPO}/blobs/{digest}")
    assert_status(head, 200)
    assert int(head.headers["Content-Length"]) == len(data)


def test_sha512_blob_wrong_content(registry):
    data = layer_bytes("sha512-wrong", 100)
    location = start_upload(registry, REPO)
    resp = call(registry, "PUT", with_query(location, digest=sha512(b"other")), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_error(resp, 400, "DIGEST_INVALID")
    assert not blob_exists(registry, REPO, sha512(b"other"))
    assert not blob_exists(registry, REPO, sha512(data))


# distribution 2.8 ignores digest-algorithm and names sha512 blobs by their sha256 digest.
def test_sha512_chunked_upload_with_digest_algorithm(pier):
    data = layer_bytes("sha512-chunked", 10_000)
    digest = sha512(data)
    location = start_upload(pier, REPO, **{"digest-algorithm": "sha512"})
    resp = patch_chunk(pier, location, data[:6000], start=0)
    assert_status(resp, 202)
    resp = patch_chunk(pier, resp.headers["Location"], data[6000:], start=6000)
    assert_status(resp, 202)
    resp = call(pier, "PUT", with_query(resp.headers["Location"], digest=digest))
    assert_status(resp, 201)
    assert resp.headers["Docker-Content-Digest"] == digest
    for method in ("GET", "HEAD"):
        got = call(pier, method, f"/v2/{REPO}/blobs/{digest}")
        assert_status(got, 200)
        assert got.headers["Docker-Content-Digest"] == digest
        assert int(got.headers["Content-Length"]) == len(data)
    assert call(pier, "GET", f"/v2/{REPO}/blobs/{digest}").content == data


def test_sha512_blob_in_manifest_then_delete(registry):
    layer = layer_bytes("sha512-layer", 4000)
    digest = push_blob(registry, REPO, layer, algorithm="sha512")
    assert digest == sha512(layer)
    body, desc = push_oci_image(registry, REPO, "with-sha512", seed="sha512-image")
    # a manifest naming the sha512 layer next to sha256 ones is accepted
    manifest = json.loads(body)
    manifest["layers"].append({"mediaType": manifest["layers"][0]["mediaType"],
                               "digest": digest, "size": len(layer)})
    mixed = encode(manifest)
    push_manifest(registry, REPO, "mixed", mixed, OCI_MANIFEST)
    assert get_manifest(registry, REPO, "mixed").content == mixed
    assert_status(call(registry, "DELETE", f"/v2/{REPO}/blobs/{digest}"), 202)
    assert_error(call(registry, "GET", f"/v2/{REPO}/blobs/{digest}"), 404, "BLOB_UNKNOWN")
    assert manifest_exists(registry, REPO, desc["digest"])
