"""OCI distribution-spec conformance, "Push" category: monolithic, chunked and streamed
blob uploads, upload status and cancellation, cross-repository mounts, and manifest
pushes of every common manifest type."""

import re

import pytest

from oci_helpers import (MANIFEST_ACCEPT, MANIFEST_KINDS, OCI_MANIFEST, OCTET_STREAM,
                         assert_error, assert_status, blob_exists, call, get_manifest,
                         layer_bytes, manifest_exists, patch_chunk, path_of, push_blob,
                         push_oci_image, put_manifest, sha256, start_upload, url, with_query)

REPO = "conformance/push"
OTHER = "conformance/other"


def assert_upload_location(reg, resp, repo=REPO) -> str:
    """The Location of an upload session: /v2/<name>/blobs/uploads/<id>. Returns it absolute."""
    location = url(reg, resp.headers["Location"])
    assert re.fullmatch(rf"/v2/{re.escape(repo)}/blobs/uploads/[^/]+", path_of(location)), location
    return location


def assert_blob_created(reg, resp, data, repo=REPO) -> None:
    """A 201 for a finished upload: Location pullable, and the content is stored."""
    assert_status(resp, 201)
    digest = sha256(data)
    if "Docker-Content-Digest" in resp.headers:
        assert resp.headers["Docker-Content-Digest"] == digest
    got = call(reg, "GET", resp.headers["Location"])
    assert_status(got, 200)
    assert got.content == data
    assert blob_exists(reg, repo, digest)


# ---------------------------------------------------------------- monolithic uploads

def test_post_then_put(registry):
    data = layer_bytes("post-then-put", 4096)
    resp = call(registry, "POST", f"/v2/{REPO}/blobs/uploads/")
    assert_status(resp, 202)
    location = assert_upload_location(registry, resp)
    assert not blob_exists(registry, REPO, sha256(data))
    resp = call(registry, "PUT", with_query(location, digest=sha256(data)), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_blob_created(registry, resp, data)


def test_upload_sessions_are_distinct(registry):
    first = start_upload(registry, REPO)
    second = start_upload(registry, REPO)
    assert path_of(first) != path_of(second)


def test_single_post_monolithic_upload(registry):
    """Single POST ?digest= is optional: 201 with the blob stored, or 202 with a session
    that a PUT then completes (distribution 2.8 answers 202 and ignores the body)."""
    data = layer_bytes("single-post", 2048)
    digest = sha256(data)
    resp = call(registry, "POST", f"/v2/{REPO}/blobs/uploads/?digest={digest}", data=data,
                headers={"Content-Type": OCTET_STREAM})
    if resp.status_code == 201:
        assert_blob_created(registry, resp, data)
        return
    assert_status(resp, 202)
    location = assert_upload_location(registry, resp)
    assert not blob_exists(registry, REPO, digest)
    resp = call(registry, "PUT", with_query(location, digest=digest), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_blob_created(registry, resp, data)


def test_pushing_an_existing_blob_again(registry):
    data = layer_bytes("twice", 1000)
    push_blob(registry, REPO, data)
    location = start_upload(registry, REPO)
    resp = call(registry, "PUT", with_query(location, digest=sha256(data)), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_blob_created(registry, resp, data)


# ---------------------------------------------------------------- chunked uploads

def chunked_session(reg, seed: str, chunks: int = 4):
    """Start a session, and cut a blob into `chunks` pieces honouring any
    OCI-Chunk-Min-Length (the last piece is shorter). Returns (location, data, pieces)."""
    resp = call(reg, "POST", f"/v2/{REPO}/blobs/uploads/", headers={"Content-Length": "0"})
    assert_status(resp, 202)
    location = assert_upload_location(reg, resp)
    size = max(4096, int(resp.headers.get("OCI-Chunk-Min-Length", "0")))
    data = layer_bytes(seed, size * (chunks - 1) + 123)
    pieces = [data[i:i + size] for i in range(0, len(data), size)]
    assert len(pieces) == chunks
    return location, data, pieces


def upload_chunks(reg, location: str, pieces: list, offset: int = 0) -> str:
    """PATCH each piece with Content-Range; checks each 202. Returns the last Location."""
    for piece in pieces:
        resp = patch_chunk(reg, location, piece, start=offset)
        assert_status(resp, 202)
        offset += len(piece)
        assert resp.headers["Range"] == f"0-{offset - 1}"
        location = assert_upload_location(reg, resp)
    return location


def test_chunked_upload_closed_by_empty_put(registry):
    location, data, pieces = chunked_session(registry, "chunked-empty-put")
    location = upload_chunks(registry, location, pieces)
    assert not blob_exists(registry, REPO, sha256(data))
    resp = call(registry, "PUT", with_query(location, digest=sha256(data)),
                headers={"Content-Length": "0"})
    assert_blob_created(registry, resp, data)


def test_chunked_upload_last_chunk_in_put(registry):
    location, data, pieces = chunked_session(registry, "chunked-last-in-put")
    location = upload_chunks(registry, location, pieces[:-1])
    last = pieces[-1]
    start = len(data) - len(last)
    resp = call(registry, "PUT", with_query(location, digest=sha256(data)), data=last,
                headers={"Content-Type": OCTET_STREAM, "Content-Length": str(len(last)),
                         "Content-Range": f"{start}-{len(data) - 1}"})
    assert_blob_created(registry, resp, data)


@pytest.mark.parametrize("framing", ["content-length", "transfer-encoding-chunked"])
def test_streamed_patch_without_content_range(registry, framing):
    """A PATCH without Content-Range appends a stream (what docker push does, with
    Transfer-Encoding: chunked)."""
    data = layer_bytes("streamed", 300_000)
    location = start_upload(registry, REPO)
    halves = [data[:100_000], data[100_000:]]
    offset = 0
    for half in halves:
        if framing == "content-length":
            resp = call(registry, "PATCH", location, data=half,
                        headers={"Content-Type": OCTET_STREAM})
        else:
            resp = call(registry, "PATCH", location,
                        data=(half[i:i + 8192] for i in range(0, len(half), 8192)),
                        headers={"Content-Type": OCTET_STREAM})
            assert resp.request.headers.get("Transfer-Encoding") == "chunked"
        assert_status(resp, 202)
        offset += len(half)
        assert resp.headers["Range"] == f"0-{offset - 1}"
        location = assert_upload_location(registry, resp)
    resp = call(registry, "PUT", with_query(location, digest=sha256(data)))
    assert_blob_created(registry, resp, data)


def test_upload_status(registry):
    location, data, pieces = chunked_session(registry, "status", chunks=3)
    location = upload_chunks(registry, location, pieces[:2])
    received = len(pieces[0]) + len(pieces[1])
    resp = call(registry, "GET", location)
    assert_status(resp, 204)
    assert resp.content == b""
    assert resp.headers["Range"] == f"0-{received - 1}"
    location = assert_upload_location(registry, resp)
    # the upload continues from the Location the status gave
    location = upload_chunks(registry, location, pieces[2:], offset=received)
    resp = call(registry, "PUT", with_query(location, digest=sha256(data)))
    assert_blob_created(registry, resp, data)


def test_cancel_upload(registry):
    location, data, pieces = chunked_session(registry, "cancelled", chunks=2)
    location = upload_chunks(registry, location, pieces[:1])
    resp = call(registry, "DELETE", location, headers={"Content-Length": "0"})
    assert_status(resp, 204)
    assert_error(call(registry, "GET", location), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_error(patch_chunk(registry, location, pieces[1], start=len(pieces[0])),
                 404, "BLOB_UPLOAD_UNKNOWN")
    resp = call(registry, "PUT", with_query(location, digest=sha256(data)), data=pieces[1],
                headers={"Content-Type": OCTET_STREAM})
    assert_error(resp, 404, "BLOB_UPLOAD_UNKNOWN")
    assert not blob_exists(registry, REPO, sha256(data))


# ---------------------------------------------------------------- cross-repository mounts

def test_mount_from_other_repository(registry):
    data = layer_bytes("mounted", 5000)
    digest = push_blob(registry, OTHER, data)
    assert not blob_exists(registry, REPO, digest)
    resp = call(registry, "POST", f"/v2/{REPO}/blobs/uploads/?mount={digest}&from={OTHER}")
    assert_status(resp, 201)
    assert resp.headers["Docker-Content-Digest"] == digest
    assert path_of(url(registry, resp.headers["Location"])) == f"/v2/{REPO}/blobs/{digest}"
    assert_blob_created(registry, resp, data)
    assert blob_exists(registry, OTHER, digest)


def test_mount_of_blob_absent_from_source_starts_upload(registry):
    data = layer_bytes("never-pushed", 700)
    digest = sha256(data)
    push_blob(registry, OTHER, b"something else")
    resp = call(registry, "POST", f"/v2/{REPO}/blobs/uploads/?mount={digest}&from={OTHER}")
    assert_status(resp, 202)
    location = assert_upload_location(registry, resp)
    assert not blob_exists(registry, REPO, digest)
    resp = call(registry, "PUT", with_query(location, digest=digest), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_blob_created(registry, resp, data)


def test_mount_from_repository_lacking_the_blob(registry):
    """The blob is in the registry but not in `from`: either a 202 session or (the
    registry may mount any blob it can find) a 201."""
    data = layer_bytes("elsewhere", 900)
    digest = push_blob(registry, "conformance/third", data)
    push_blob(registry, OTHER, b"unrelated")
    resp = call(registry, "POST", f"/v2/{REPO}/blobs/uploads/?mount={digest}&from={OTHER}")
    if resp.status_code == 201:
        assert_blob_created(registry, resp, data)
    else:
        assert_status(resp, 202)
        assert_upload_location(registry, resp)
        assert not blob_exists(registry, REPO, digest)


def test_mount_without_from(registry):
    """`from` MAY be optional: 201 with the blob mounted, or a 202 upload session."""
    data = layer_bytes("mount-no-from", 800)
    digest = push_blob(registry, OTHER, data)
    resp = call(registry, "POST", f"/v2/{REPO}/blobs/uploads/?mount={digest}")
    if resp.status_code == 201:
        assert resp.headers["Docker-Content-Digest"] == digest
        assert_blob_created(registry, resp, data)
        return
    assert_status(resp, 202)
    location = assert_upload_location(registry, resp)
    assert_status(call(registry, "GET", location), 204)
    assert not blob_exists(registry, REPO, digest)


# ---------------------------------------------------------------- manifests

def assert_manifest_created(reg, resp, body, media_type, repo=REPO):
    assert_status(resp, 201)
    digest = sha256(body)
    assert resp.headers["Docker-Content-Digest"] == digest
    got = call(reg, "GET", resp.headers["Location"], headers={"Accept": MANIFEST_ACCEPT})
    assert_status(got, 200)
    assert got.content == body
    assert got.headers["Content-Type"] == media_type
    assert got.headers["Docker-Content-Digest"] == digest


@pytest.mark.parametrize("kind", sorted(MANIFEST_KINDS))
def test_push_manifest_by_tag(registry, kind):
    body, media_type = MANIFEST_KINDS[kind](registry, REPO)
    resp = put_manifest(registry, REPO, "v1.0", body, media_type)
    assert_manifest_created(registry, resp, body, media_type)
    got = get_manifest(registry, REPO, "v1.0")
    assert got.content == body
    assert got.headers["Content-Type"] == media_type


@pytest.mark.parametrize("kind", sorted(MANIFEST_KINDS))
def test_push_manifest_by_digest(registry, kind):
    body, media_type = MANIFEST_KINDS[kind](registry, REPO)
    digest = sha256(body)
    resp = put_manifest(registry, REPO, digest, body, media_type)
    assert_manifest_created(registry, resp, body, media_type)
    assert path_of(url(registry, resp.headers["Location"])) == f"/v2/{REPO}/manifests/{digest}"
    # pushing the same bytes again is idempotent
    assert_manifest_created(registry, put_manifest(registry, REPO, digest, body, media_type),
                            body, media_type)


def test_push_manifest_content_type_parameters_ignored(registry):
    body, _ = MANIFEST_KINDS["oci-manifest"](registry, REPO)
    resp = put_manifest(registry, REPO, "params", body, OCI_MANIFEST + "; charset=utf-8")
    assert_manifest_created(registry, resp, body, OCI_MANIFEST)


def test_retag_moves_tag(registry):
    first, first_desc = push_oci_image(registry, REPO, "latest", seed="first")
    second, _ = push_oci_image(registry, REPO, "latest", seed="second")
    assert get_manifest(registry, REPO, "latest").content == second
    # the previous manifest is still there by digest
    assert get_manifest(registry, REPO, first_desc["digest"]).content == first


# distribution 2.8 ignores ?tag= (the spec makes it optional; Pier is meant to support it).
def test_push_manifest_by_digest_with_tags(pier):
    body, media_type = MANIFEST_KINDS["oci-manifest"](pier, REPO)
    digest = sha256(body)
    tags = ["1.2.3", "1.2", "1", "latest"]
    resp = put_manifest(pier, REPO, digest, body, media_type, params={"tag": tags})
    assert_manifest_created(pier, resp, body, media_type)
    announced = [t.strip() for value in resp.raw.headers.getlist("OCI-Tag")
                 for t in value.split(",")]
    assert sorted(announced) == sorted(tags)
    for tag in tags:
        assert get_manifest(pier, REPO, tag).content == body
    assert manifest_exists(pier, REPO, digest)
