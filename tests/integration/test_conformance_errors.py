"""OCI distribution-spec conformance: error paths. Each asserts the status and the
{"errors": [{"code": ...}]} body, and that a refused request stored nothing."""

import time
import uuid

import pytest

from oci_helpers import (manifest_of_size, DOCKER_CONFIG, DOCKER_LAYER, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST,
                         OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, OCTET_STREAM,
                         assert_error, assert_status, blob_exists, call, descriptor,
                         docker_manifest, docker_manifest_list, expected, get_manifest,
                         image_config, layer_bytes, manifest_exists, oci_index, oci_manifest,
                         patch_chunk, platform, push_blob, push_manifest, push_oci_image,
                         put_manifest, raw_request, request_target, send_partial_request,
                         sha256, start_upload, url, with_query)

REPO = "conformance/errors"


def catalog(reg) -> list:
    resp = call(reg, "GET", "/v2/_catalog")
    assert_status(resp, 200)
    return resp.json()["repositories"]


# ---------------------------------------------------------------- names

INVALID_NAMES = [
    "UPPER",
    "conformance/Mixed",
    "-leading-dash",
    "conformance/_leading-underscore",
    "conformance/.leading-dot",
    "trailing-dash-",
    "conformance/trailing.",
    "three___underscores",
    "double..dot",
    "dot.-dash",
    "conformance/sp ace",
]


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_repository_name(registry, name):
    data = b"some blob"
    digest = sha256(data)
    body, _ = push_oci_image(registry, REPO, "valid", seed="valid")
    attempts = [
        ("GET", f"/v2/{name}/tags/list", {}),
        ("GET", f"/v2/{name}/manifests/valid", {"headers": {"Accept": OCI_MANIFEST}}),
        ("PUT", f"/v2/{name}/manifests/valid",
         {"data": body, "headers": {"Content-Type": OCI_MANIFEST}}),
        ("GET", f"/v2/{name}/blobs/{digest}", {}),
        ("POST", f"/v2/{name}/blobs/uploads/", {}),
        ("POST", f"/v2/{name}/blobs/uploads/?digest={digest}",
         {"data": data, "headers": {"Content-Type": OCTET_STREAM}}),
    ]
    for method, path, kwargs in attempts:
        resp = call(registry, method, path, **kwargs)
        # distribution 2.8 has no route for such names: a plain-text 404.
        assert_error(resp, *expected(registry, pier=(400, "NAME_INVALID"), distribution=(404,)))
    assert catalog(registry) == [REPO]


# distribution 2.8 answers 500 UNKNOWN for names over 255 characters.
@pytest.mark.parametrize("name", ["a" * 256, "conformance/" + "/".join(["b" * 60] * 5)])
def test_repository_name_too_long(pier, name):
    assert len(name) >= 256
    data = b"long name"
    for method, path, body in [("GET", f"/v2/{name}/tags/list", None),
                               ("POST", f"/v2/{name}/blobs/uploads/", None),
                               ("POST", f"/v2/{name}/blobs/uploads/?digest={sha256(data)}", data),
                               ("GET", f"/v2/{name}/manifests/latest", None)]:
        assert_error(call(pier, method, path, data=body), 400, "NAME_INVALID")
    assert catalog(pier) == []


def test_repository_name_of_255_characters(registry):
    name = "conformance/" + "/".join(["c" * 59] * 4)
    name += "d" * (255 - len(name))
    assert len(name) == 255
    body, _ = push_oci_image(registry, name, "latest", seed="long")
    assert get_manifest(registry, name, "latest").content == body
    assert name in catalog(registry)


def test_unknown_repository(registry):
    assert_error(call(registry, "GET", "/v2/conformance/nowhere/tags/list"), 404, "NAME_UNKNOWN")
    assert_error(get_manifest(registry, "conformance/nowhere", "latest"), 404,
                 "MANIFEST_UNKNOWN", "NAME_UNKNOWN")
    assert_error(call(registry, "GET", f"/v2/conformance/nowhere/blobs/{sha256(b'x')}"), 404,
                 "BLOB_UNKNOWN", "NAME_UNKNOWN")


# ---------------------------------------------------------------- unknown content

def test_unknown_manifest(registry):
    push_oci_image(registry, REPO, "present", seed="present")
    for reference in ("absent", sha256(b"absent")):
        assert_error(get_manifest(registry, REPO, reference), 404, "MANIFEST_UNKNOWN")
        assert_status(get_manifest(registry, REPO, reference, method="HEAD"), 404)


def test_unknown_blob(registry):
    push_blob(registry, REPO, b"present")
    digest = sha256(b"absent")
    assert_error(call(registry, "GET", f"/v2/{REPO}/blobs/{digest}"), 404, "BLOB_UNKNOWN")
    assert_status(call(registry, "HEAD", f"/v2/{REPO}/blobs/{digest}"), 404)
    assert_error(call(registry, "DELETE", f"/v2/{REPO}/blobs/{digest}"), 404, "BLOB_UNKNOWN")


def test_blob_unknown_in_other_repository(registry):
    digest = push_blob(registry, "conformance/owner", b"private to its repository")
    push_blob(registry, REPO, b"present")
    assert_error(call(registry, "GET", f"/v2/{REPO}/blobs/{digest}"), 404, "BLOB_UNKNOWN")


# ---------------------------------------------------------------- digests

MALFORMED_DIGESTS = [
    "sha256:xyz",
    "sha256:" + "A" * 64,                       # upper-case hex
    "sha256:" + "a" * 63,                       # too short
    "sha256:" + "a" * 65,                       # too long
    "sha512:" + "a" * 64,                       # length of the wrong algorithm
    "md5:" + "a" * 32,                          # unsupported algorithm
    "foo:" + "a" * 64,                          # unknown algorithm
]


@pytest.mark.parametrize("digest", MALFORMED_DIGESTS)
def test_malformed_digest(registry, digest):
    push_blob(registry, REPO, b"present")
    assert_error(call(registry, "GET", f"/v2/{REPO}/blobs/{digest}"), 400, "DIGEST_INVALID")
    assert_status(call(registry, "HEAD", f"/v2/{REPO}/blobs/{digest}"), 400)
    location = start_upload(registry, REPO)
    resp = call(registry, "PUT", with_query(location, digest=digest), data=b"content",
                headers={"Content-Type": OCTET_STREAM})
    assert_error(resp, 400, "DIGEST_INVALID")
    assert not blob_exists(registry, REPO, sha256(b"content"))


# distribution 2.8 answers 500 UNKNOWN (it looks such references up as tags).
@pytest.mark.parametrize("digest", MALFORMED_DIGESTS)
def test_malformed_manifest_digest(pier, digest):
    push_oci_image(pier, REPO, "present", seed="present")
    assert_error(get_manifest(pier, REPO, digest), 400, "DIGEST_INVALID")
    assert_status(get_manifest(pier, REPO, digest, method="HEAD"), 400)


def test_upload_without_digest(registry):
    location = start_upload(registry, REPO)
    resp = call(registry, "PUT", location, data=b"content", headers={"Content-Type": OCTET_STREAM})
    assert_error(resp, 400, "DIGEST_INVALID")
    assert not blob_exists(registry, REPO, sha256(b"content"))


def test_monolithic_upload_digest_mismatch(registry):
    data, claimed = b"the real content", sha256(b"something else")
    location = start_upload(registry, REPO)
    resp = call(registry, "PUT", with_query(location, digest=claimed), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_error(resp, 400, "DIGEST_INVALID")
    assert not blob_exists(registry, REPO, claimed)
    assert not blob_exists(registry, REPO, sha256(data))


def test_single_post_digest_mismatch(registry):
    data, claimed = b"the real content", sha256(b"something else")
    resp = call(registry, "POST", f"/v2/{REPO}/blobs/uploads/?digest={claimed}", data=data,
                headers={"Content-Type": OCTET_STREAM})
    if resp.status_code != 202:          # a registry without single-POST uploads says 202
        assert_error(resp, 400, "DIGEST_INVALID")
    assert not blob_exists(registry, REPO, claimed)
    assert not blob_exists(registry, REPO, sha256(data))


def test_chunked_upload_digest_mismatch(registry):
    data = layer_bytes("chunked-mismatch", 8192)
    location = start_upload(registry, REPO)
    resp = patch_chunk(registry, location, data[:4096], start=0)
    assert_status(resp, 202)
    resp = patch_chunk(registry, resp.headers["Location"], data[4096:], start=4096)
    assert_status(resp, 202)
    resp = call(registry, "PUT", with_query(resp.headers["Location"], digest=sha256(data[:-1])))
    assert_error(resp, 400, "DIGEST_INVALID")
    assert not blob_exists(registry, REPO, sha256(data))
    assert not blob_exists(registry, REPO, sha256(data[:-1]))


def test_manifest_digest_mismatch(registry):
    body, _ = push_oci_image(registry, REPO, "present", seed="present")
    other = body + b"\n"
    resp = put_manifest(registry, REPO, sha256(body), other, OCI_MANIFEST)
    assert_error(resp, 400, "DIGEST_INVALID")
    assert not manifest_exists(registry, REPO, sha256(other))


# ---------------------------------------------------------------- manifests

def missing_blob_manifests(reg):
    """name -> (body, media type): manifests referring to something never pushed."""
    config = image_config("errors")
    layer = layer_bytes("errors-layer")
    push_blob(reg, REPO, config)
    push_blob(reg, REPO, layer)
    missing = layer_bytes("never pushed")
    return {
        "oci-missing-layer": (oci_manifest(descriptor(OCI_CONFIG, config),
                                           [descriptor(OCI_LAYER, layer),
                                            descriptor(OCI_LAYER, missing)]), OCI_MANIFEST),
        "oci-missing-config": (oci_manifest(descriptor(OCI_CONFIG, missing),
                                            [descriptor(OCI_LAYER, layer)]), OCI_MANIFEST),
        "docker-missing-layer": (docker_manifest(descriptor(DOCKER_CONFIG, config),
                                                 [descriptor(DOCKER_LAYER, missing)]),
                                 DOCKER_MANIFEST),
        "oci-index-missing-child": (oci_index([descriptor(OCI_MANIFEST, missing,
                                                          platform=platform())]), OCI_INDEX),
        "docker-list-missing-child": (docker_manifest_list([descriptor(
            DOCKER_MANIFEST, missing, platform=platform())]), DOCKER_MANIFEST_LIST),
    }


@pytest.mark.parametrize("kind", ["oci-missing-layer", "oci-missing-config",
                                  "docker-missing-layer", "oci-index-missing-child",
                                  "docker-list-missing-child"])
def test_manifest_referring_to_unknown_content(registry, kind):
    body, media_type = missing_blob_manifests(registry)[kind]
    resp = put_manifest(registry, REPO, "broken", body, media_type)
    # distribution 2.8 answers 400 with the same code.
    assert_error(resp, *expected(registry, pier=(404, "MANIFEST_BLOB_UNKNOWN"),
                                 distribution=(400, "MANIFEST_BLOB_UNKNOWN")))
    assert not manifest_exists(registry, REPO, "broken")
    assert not manifest_exists(registry, REPO, sha256(body))


MALFORMED_MANIFESTS = {
    "not-json": b"{not json",
    "empty": b"",
    "truncated": b'{"schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode() + b'", "config": ',
    "string": b'"a manifest"',
    "array": b"[1, 2, 3]",
}


@pytest.mark.parametrize("kind", sorted(MALFORMED_MANIFESTS))
def test_malformed_manifest(registry, kind):
    body = MALFORMED_MANIFESTS[kind]
    resp = put_manifest(registry, REPO, "malformed", body, OCI_MANIFEST)
    assert_error(resp, 400, "MANIFEST_INVALID")
    assert not manifest_exists(registry, REPO, "malformed")


# distribution 2.8 answers 500 UNKNOWN to these.
@pytest.mark.parametrize("body", [b"null", b'{"schemaVersion": 1}', b"{}",
                                  b'{"schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode()
                                  + b'", "config": 7, "layers": {}}'])
def test_invalid_manifest_document(pier, body):
    resp = put_manifest(pier, REPO, "invalid", body, OCI_MANIFEST)
    assert_error(resp, 400, "MANIFEST_INVALID")
    assert not manifest_exists(pier, REPO, "invalid")


MIB = 1024 * 1024


def test_manifest_of_4_mib_accepted(registry):
    body = manifest_of_size(registry, REPO, 4 * MIB)
    push_manifest(registry, REPO, "big", body, OCI_MANIFEST)
    assert get_manifest(registry, REPO, "big").content == body


def test_manifest_over_4_mib_refused(registry):
    body = manifest_of_size(registry, REPO, 4 * MIB + 1)
    resp = put_manifest(registry, REPO, "too-big", body, OCI_MANIFEST)
    # distribution 2.8 refuses with 400 MANIFEST_INVALID ("request body too large").
    assert_error(resp, *expected(registry, pier=(413,), distribution=(400, "MANIFEST_INVALID")))
    assert not manifest_exists(registry, REPO, "too-big")
    assert not manifest_exists(registry, REPO, sha256(body))


@pytest.mark.parametrize("tag", ["-leading-dash", ".leading-dot", "t" * 129, "sp ace"])
def test_invalid_tag(registry, tag):
    """The spec names no error code for a malformed tag; the request must fail with a
    client error and create nothing."""
    body, _ = push_oci_image(registry, REPO, "valid", seed="valid")
    resp = put_manifest(registry, REPO, tag, body, OCI_MANIFEST)
    # distribution 2.8 has no route for such references: 404.
    assert resp.status_code == expected(registry, pier=400, distribution=404), resp.text
    tags = call(registry, "GET", f"/v2/{REPO}/tags/list").json()["tags"]
    assert tags == ["valid"]


# ---------------------------------------------------------------- upload sessions

# distribution 2.8 accepts chunks at any offset: no 416.
@pytest.mark.parametrize("bad_start", [0, 500, 1001, 5000])
def test_chunk_out_of_order(pier, bad_start):
    data = layer_bytes("out-of-order", 6000)
    location = start_upload(pier, REPO)
    resp = patch_chunk(pier, location, data[:1000], start=0)
    assert_status(resp, 202)
    location = url(pier, resp.headers["Location"])
    # the next chunk must start at 1000
    resp = patch_chunk(pier, location, data[bad_start:bad_start + 500], start=bad_start)
    assert_error(resp, 416, "BLOB_UPLOAD_INVALID")
    status = call(pier, "GET", location)
    assert_status(status, 204)
    assert status.headers["Range"] == "0-999"
    # the session is intact: it completes from where it was
    resp = patch_chunk(pier, url(pier, status.headers["Location"]), data[1000:], start=1000)
    assert_status(resp, 202)
    resp = call(pier, "PUT", with_query(resp.headers["Location"], digest=sha256(data)))
    assert_status(resp, 201)
    assert call(pier, "GET", f"/v2/{REPO}/blobs/{sha256(data)}").content == data


# distribution 2.8 accepts chunks at any offset: no 416.
def test_first_chunk_not_at_zero(pier):
    location = start_upload(pier, REPO)
    assert_error(patch_chunk(pier, location, b"x" * 100, start=100), 416, "BLOB_UPLOAD_INVALID")
    status = call(pier, "GET", location)
    assert_status(status, 204)


# distribution 2.8 does not check the Content-Range of the closing PUT.
def test_final_chunk_out_of_order(pier):
    data = layer_bytes("final-out-of-order", 3000)
    location = start_upload(pier, REPO)
    resp = patch_chunk(pier, location, data[:1000], start=0)
    assert_status(resp, 202)
    location = url(pier, resp.headers["Location"])
    last = data[1500:]
    resp = call(pier, "PUT", with_query(location, digest=sha256(data)), data=last,
                headers={"Content-Type": OCTET_STREAM, "Content-Length": str(len(last)),
                         "Content-Range": f"1500-{len(data) - 1}"})
    assert_error(resp, 416, "BLOB_UPLOAD_INVALID")
    assert not blob_exists(pier, REPO, sha256(data))


UNKNOWN_SESSION_METHODS = ["GET", "PATCH", "PUT", "DELETE"]


def session_request(reg, method: str, location: str):
    if method == "PATCH":
        return patch_chunk(reg, location, b"data", start=0)
    if method == "PUT":
        return call(reg, "PUT", with_query(location, digest=sha256(b"data")), data=b"data",
                    headers={"Content-Type": OCTET_STREAM})
    return call(reg, method, location)


@pytest.mark.parametrize("method", UNKNOWN_SESSION_METHODS)
def test_unknown_upload_session(registry, method):
    push_blob(registry, REPO, b"repository exists")
    location = f"/v2/{REPO}/blobs/uploads/{uuid.uuid4()}"
    # distribution 2.8 says BLOB_UPLOAD_INVALID for a session id it never issued.
    assert_error(session_request(registry, method, location),
                 *expected(registry, pier=(404, "BLOB_UPLOAD_UNKNOWN"),
                           distribution=(404, "BLOB_UPLOAD_INVALID")))
    assert not blob_exists(registry, REPO, sha256(b"data"))


@pytest.mark.parametrize("method", UNKNOWN_SESSION_METHODS)
def test_upload_session_of_another_repository(registry, method):
    location = start_upload(registry, "conformance/owner")
    push_blob(registry, REPO, b"repository exists")
    stolen = location.replace("/conformance/owner/", f"/{REPO}/")
    assert stolen != location
    # distribution 2.8 says BLOB_UPLOAD_INVALID.
    assert_error(session_request(registry, method, stolen),
                 *expected(registry, pier=(404, "BLOB_UPLOAD_UNKNOWN"),
                           distribution=(404, "BLOB_UPLOAD_INVALID")))
    assert not blob_exists(registry, REPO, sha256(b"data"))
    # the owner's session is unaffected
    assert_status(call(registry, "GET", location), 204)


def test_finished_upload_session_is_gone(registry):
    location = start_upload(registry, REPO)
    resp = call(registry, "PUT", with_query(location, digest=sha256(b"done")), data=b"done",
                headers={"Content-Type": OCTET_STREAM})
    assert_status(resp, 201)
    assert_error(call(registry, "GET", location), 404, "BLOB_UPLOAD_UNKNOWN")


# ---------------------------------------------------------------- path traversal

TRAVERSALS = [
    "/v2/../etc/passwd",
    "/v2/../../../../../../etc/passwd",
    "/v2/%2e%2e/etc/passwd",
    "/v2/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/v2/..%2f..%2f..%2fetc%2fpasswd",
    f"/v2/{REPO}/../../../../etc/passwd",
    f"/v2/{REPO}/manifests/..",
    f"/v2/{REPO}/manifests/%2e%2e",
    f"/v2/{REPO}/manifests/..%2f..%2f..%2f..%2fetc%2fpasswd",
    f"/v2/{REPO}/manifests/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    f"/v2/{REPO}/blobs/..",
    f"/v2/{REPO}/blobs/..%2f..%2f..%2f..%2fetc%2fpasswd",
    f"/v2/{REPO}/blobs/sha256:..%2f..%2f..%2f..%2fetc%2fpasswd",
    f"/v2/{REPO}/blobs/uploads/..",
    f"/v2/{REPO}/blobs/uploads/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/v2/conformance/%2e%2e/%2e%2e/%2e%2e/etc/tags/list",
    "/v2/conformance%2f..%2f..%2f..%2fetc/tags/list",
    "/v2/_catalog/../../etc/passwd",
]


def assert_not_served(status: int, body: bytes) -> None:
    assert status in (400, 404), status
    assert b"root:" not in body


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_read(registry, path):
    push_oci_image(registry, REPO, "present", seed="present")
    for method in ("GET", "HEAD"):
        status, _, body = raw_request(registry, method, path,
                                      headers={"Accept": OCI_MANIFEST})
        assert_not_served(status, body)
    # files of the registry itself are not reachable through references either
    status, _, body = raw_request(registry, "GET", f"/v2/{REPO}/manifests/..%2f..%2f..%2f"
                                  f"{registry.log_path.name}")
    assert_not_served(status, body)


@pytest.mark.parametrize("path", [
    f"/v2/{REPO}/manifests/..%2f..%2f..%2fpwned",
    f"/v2/{REPO}/manifests/%2e%2e",
    "/v2/..%2f..%2fpwned/manifests/latest",
    "/v2/%2e%2e/%2e%2e/pwned/manifests/latest",
    f"/v2/{REPO}/../../pwned/manifests/latest",
])
def test_path_traversal_write(registry, path):
    body, _ = push_oci_image(registry, REPO, "present", seed="present")
    status, _, _ = raw_request(registry, "PUT", path, body=body,
                               headers={"Content-Type": OCI_MANIFEST})
    assert status in (400, 404), status
    for blob_path in ("/v2/..%2fpwned/blobs/uploads/", "/v2/%2e%2e/pwned/blobs/uploads/"):
        status, _, _ = raw_request(registry, "POST", blob_path, body=b"")
        assert status in (400, 404), status
    tmp_root = registry.data_dir.parent
    assert not [p for p in tmp_root.rglob("*pwned*")]
    assert catalog(registry) == [REPO]


# ---------------------------------------------------------------- aborted requests

@pytest.mark.parametrize("how", ["put-to-session", "single-post", "patch-chunk"])
def test_client_disconnects_mid_upload(registry, how):
    data = layer_bytes("half-sent", 1024 * 1024)
    digest = sha256(data)
    headers = {"Content-Type": OCTET_STREAM}
    if how == "single-post":
        path = f"/v2/{REPO}/blobs/uploads/?digest={digest}"
        method = "POST"
    else:
        path = request_target(start_upload(registry, REPO))
        if how == "put-to-session":
            method, path = "PUT", with_query(path, digest=digest)
        else:
            method = "PATCH"
            headers["Content-Range"] = f"0-{len(data) - 1}"
    send_partial_request(registry, method, path, headers, len(data), data[:len(data) // 2])

    # the registry keeps serving, and never stores the half blob under the digest
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        assert_status(call(registry, "GET", "/v2/"), 200)
        assert not blob_exists(registry, REPO, digest)
        time.sleep(0.1)
    assert not blob_exists(registry, REPO, sha256(data[:len(data) // 2]))
    # and a complete upload of the same blob afterwards works
    push_blob(registry, REPO, data)
    assert call(registry, "GET", f"/v2/{REPO}/blobs/{digest}").content == data
