"""Requests an attacker would send: malformed HTTP framing, oversized trailers, a forged Host,
blob mounts reaching into other people's repositories, sign-in floods aimed at locking an
account, and manifests whose descriptors lie about sizes. Each is refused with a clear 4xx, the
connection is closed where its framing cannot be trusted, and the server goes on serving."""

import base64
import http.client
import socket
import time

import pytest
import requests

from api_client import Api
from oci_helpers import (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, assert_error, call, descriptor, image_config,
                         layer_bytes, oci_manifest, push_blob, put_manifest, sha256)
from servers import ADMIN_PASSWORD, start_pier

TIMEOUT = 10


def host_port(reg) -> tuple[str, int]:
    host, port = reg.host.rsplit(":", 1)
    return host, int(port)


def exchange(reg, raw: bytes, timeout: float = TIMEOUT) -> bytes:
    """Sends `raw` on a new connection and returns everything the server sends before closing
    it (or until `timeout`)."""
    with socket.create_connection(host_port(reg), timeout=timeout) as sock:
        sock.sendall(raw)
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            received += chunk
        return received


def status_of(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), f"no HTTP response: {response[:200]!r}"
    return int(response.split(b" ", 2)[1])


def assert_alive(reg):
    assert requests.get(f"{reg.url}/v2/", timeout=TIMEOUT).status_code in (200, 401)
    assert reg.process.poll() is None, reg.log()


@pytest.fixture
def plain(tmp_path):
    reg = start_pier(tmp_path / "pier", config="limits:\n  header_max_bytes: 8KiB\n")
    yield reg
    reg.stop()


# ---------------------------------------------------------------- framing and trailers

def chunked_get(reg, trailer: bytes) -> bytes:
    return (f"GET /v2/ HTTP/1.1\r\nHost: {reg.host}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n").encode() + \
        trailer + b"\r\n"


def test_a_trailer_field_too_long_for_any_parser_is_refused_and_the_server_lives(plain):
    response = exchange(plain, chunked_get(plain, b"X-T: " + b"a" * 70_000 + b"\r\n"))
    assert status_of(response) == 431, response[:300]
    assert b"SIZE_INVALID" in response
    assert_alive(plain)


def test_trailers_count_against_the_header_limit(plain):
    many = b"".join(b"X-T%d: v\r\n" % i for i in range(5000))
    response = exchange(plain, chunked_get(plain, many))
    assert status_of(response) == 431, response[:300]
    # Within the limit, trailers are accepted (and ignored).
    response = exchange(plain, chunked_get(plain, b"X-Checksum: abc\r\n") + b"")
    assert status_of(response) == 200, response[:300]
    assert_alive(plain)


def test_a_trailer_that_never_ends_does_not_grow_memory_without_bound(plain):
    with socket.create_connection(host_port(plain), timeout=TIMEOUT) as sock:
        sock.sendall(chunked_get(plain, b"")[:-2] + b"X-T: ")
        sent = 0
        try:
            while sent < 64 * 1024 * 1024:
                sock.sendall(b"a" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert sent < 64 * 1024 * 1024, "the server kept reading a trailer of 64 MiB"
    assert_alive(plain)


@pytest.mark.parametrize("size", [b"zz", b"-5", b"1" * 20, b""])
def test_an_invalid_chunk_size_gets_400(plain, size):
    raw = (f"PATCH /v2/x/blobs/uploads/abc HTTP/1.1\r\nHost: {plain.host}\r\n"
           "Transfer-Encoding: chunked\r\n\r\n").encode() + size + b"\r\nabc\r\n0\r\n\r\n"
    upload = call(plain, "POST", "/v2/x/blobs/uploads/")
    raw = raw.replace(b"/v2/x/blobs/uploads/abc", upload.headers["Location"].encode())
    response = exchange(plain, raw)
    assert status_of(response) == 400, response[:300]
    assert b"UNSUPPORTED" in response or b"BLOB_UPLOAD_INVALID" in response
    assert_alive(plain)


def test_an_invalid_chunk_size_on_a_buffered_route_gets_400(plain):
    raw = (f"PUT /v2/x/manifests/v1 HTTP/1.1\r\nHost: {plain.host}\r\nContent-Type: {OCI_MANIFEST}\r\n"
           "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n").encode()
    assert status_of(exchange(plain, raw)) == 400


@pytest.mark.parametrize("encoding", ["gzip", "chunked, gzip", "identity"])
def test_a_transfer_encoding_not_ending_in_chunked_gets_400_and_a_close(plain, encoding):
    raw = (f"POST /v2/x/blobs/uploads/ HTTP/1.1\r\nHost: {plain.host}\r\nTransfer-Encoding: {encoding}\r\n\r\n"
           f"GET /v2/ HTTP/1.1\r\nHost: {plain.host}\r\n\r\n").encode()
    response = exchange(plain, raw)
    assert status_of(response) == 400, response[:300]
    # The smuggled second request was never answered: the connection closed after the first.
    assert response.count(b"HTTP/1.1 ") == 1, response
    assert b"Connection: close" in response or b"connection: close" in response.lower()


def test_transfer_encoding_with_content_length_gets_400(plain):
    raw = (f"POST /v2/x/blobs/uploads/ HTTP/1.1\r\nHost: {plain.host}\r\nContent-Length: 5\r\n"
           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n").encode()
    assert status_of(exchange(plain, raw)) == 400


def test_expect_continue_over_the_limit_gets_413_without_100(tmp_path):
    reg = start_pier(tmp_path / "pier", config="limits:\n  manifest_max_bytes: 2KiB\n")
    try:
        with socket.create_connection(host_port(reg), timeout=TIMEOUT) as sock:
            sock.sendall((f"PUT /v2/x/manifests/v1 HTTP/1.1\r\nHost: {reg.host}\r\nContent-Type: {OCI_MANIFEST}\r\n"
                          "Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n").encode())
            first = sock.recv(65536)
            assert first.startswith(b"HTTP/1.1 413"), first[:200]
            assert b"100 Continue" not in first
        # Within the limit the client is told to go on, and the request is answered.
        body = b"{}"
        with socket.create_connection(host_port(reg), timeout=TIMEOUT) as sock:
            sock.sendall((f"PUT /v2/x/manifests/v1 HTTP/1.1\r\nHost: {reg.host}\r\nContent-Type: {OCI_MANIFEST}\r\n"
                          f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
            assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue")
            sock.sendall(body)
            assert status_of(sock.recv(65536)) == 400  # MANIFEST_INVALID: the body is no manifest
    finally:
        reg.stop()


@pytest.mark.parametrize("host", ['evil.example",error="x', "a b", "x@evil.example", "evil.example/path",
                                  "host:99999", "host:port", ""])
def test_an_invalid_host_header_gets_400(plain, host):
    response = exchange(plain, f"GET /v2/x/tags/list HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    assert status_of(response) == 400, response[:300]
    assert b"WWW-Authenticate" not in response


def test_no_host_or_two_hosts_get_400(plain):
    assert status_of(exchange(plain, b"GET /v2/ HTTP/1.1\r\n\r\n")) == 400
    two = f"GET /v2/ HTTP/1.1\r\nHost: {plain.host}\r\nHost: other\r\n\r\n".encode()
    assert status_of(exchange(plain, two)) == 400
    # HTTP/1.0 needs none.
    assert status_of(exchange(plain, b"GET /v2/ HTTP/1.0\r\n\r\n")) == 200


def test_the_realm_names_only_a_valid_host(tmp_path):
    reg = start_pier(tmp_path / "pier", auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        response = exchange(reg, b"GET /v2/ HTTP/1.1\r\nHost: registry.example:5000\r\n\r\n")
        assert status_of(response) == 401
        assert b'realm="http://registry.example:5000/v2/auth"' in response
        response = exchange(reg, b'GET /v2/ HTTP/1.1\r\nHost: evil.example",error="x\r\n\r\n')
        assert status_of(response) == 400 and b"realm" not in response
    finally:
        reg.stop()


# ---------------------------------------------------------------- blob mounts

@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    reg = start_pier(tmp_path_factory.mktemp("hardening") / "pier", auth=True,
                     env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_AUTH_LOGIN_MAX_FAILURES": "3"})
    admin = Api(reg, "admin", ADMIN_PASSWORD)
    for name in ("alice", "mallory"):
        admin.ok("POST", "/users", {"name": name, "password": f"{name}-password"}, status=201)
    yield reg
    reg.stop()


def basic(user):
    return (user, f"{user}-password")


def test_a_mount_without_from_takes_only_blobs_the_caller_may_pull(secured):
    secret = layer_bytes("alice's private layer", 4096)
    digest = push_blob_as(secured, "alice/private", secret, basic("alice"))
    # Mallory names the digest without "from": a plain upload session, never the blob.
    resp = requests.post(f"{secured.url}/v2/mallory/app/blobs/uploads/", params={"mount": digest},
                         auth=basic("mallory"), timeout=TIMEOUT)
    assert resp.status_code == 202, resp.text
    resp = requests.get(f"{secured.url}/v2/mallory/app/blobs/{digest}", auth=basic("mallory"), timeout=TIMEOUT)
    assert_error(resp, 404, "BLOB_UNKNOWN")
    # Naming alice's repository as "from" gets no further.
    resp = requests.post(f"{secured.url}/v2/mallory/app/blobs/uploads/",
                         params={"mount": digest, "from": "alice/private"}, auth=basic("mallory"), timeout=TIMEOUT)
    assert resp.status_code == 202, resp.text
    # Alice mounts her own blob into another of her repositories without naming where it is.
    resp = requests.post(f"{secured.url}/v2/alice/copy/blobs/uploads/", params={"mount": digest},
                         auth=basic("alice"), timeout=TIMEOUT)
    assert resp.status_code == 201, resp.text
    resp = requests.get(f"{secured.url}/v2/alice/copy/blobs/{digest}", auth=basic("alice"), timeout=TIMEOUT)
    assert resp.status_code == 200 and resp.content == secret


def test_a_mount_without_from_finds_a_public_source(secured):
    admin = Api(secured, "admin", ADMIN_PASSWORD)
    shared = layer_bytes("a public base layer", 4096)
    digest = push_blob_as(secured, "alice/base", shared, basic("alice"))
    admin.ok("PUT", "/repositories/alice/base/visibility", {"public": True})
    resp = requests.post(f"{secured.url}/v2/mallory/derived/blobs/uploads/", params={"mount": digest},
                         auth=basic("mallory"), timeout=TIMEOUT)
    assert resp.status_code == 201, resp.text
    resp = requests.get(f"{secured.url}/v2/mallory/derived/blobs/{digest}", auth=basic("mallory"), timeout=TIMEOUT)
    assert resp.content == shared


def push_blob_as(reg, repo, data, auth) -> str:
    digest = sha256(data)
    resp = requests.post(f"{reg.url}/v2/{repo}/blobs/uploads/", params={"digest": digest}, data=data,
                         headers={"Content-Type": "application/octet-stream"}, auth=auth, timeout=TIMEOUT)
    assert resp.status_code == 201, resp.text
    return digest


# ---------------------------------------------------------------- sign-in throttling

def token_from(reg, source_ip: str, user: str, password: str) -> int:
    host, port = host_port(reg)
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT, source_address=(source_ip, 0))
    try:
        credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
        conn.request("GET", "/v2/auth?service=pier&scope=repository:admin/x:pull",
                     headers={"Authorization": f"Basic {credentials}"})
        return conn.getresponse().status
    finally:
        conn.close()


def test_failed_sign_ins_slow_only_the_address_they_come_from(secured):
    # The fixture allows 3 failures per account and address.
    for _ in range(3):
        assert token_from(secured, "127.0.0.7", "admin", "guess") == 401
    assert token_from(secured, "127.0.0.7", "admin", ADMIN_PASSWORD) == 429
    # The owner, elsewhere, is not locked out.
    assert token_from(secured, "127.0.0.8", "admin", ADMIN_PASSWORD) == 200
    # Nor are other accounts at the attacker's address, until it has failed ten times as often.
    assert token_from(secured, "127.0.0.7", "alice", "alice-password") == 200
    for i in range(30):
        token_from(secured, "127.0.0.7", f"nobody{i}", "guess")
    assert token_from(secured, "127.0.0.7", "alice", "alice-password") == 429
    assert token_from(secured, "127.0.0.9", "alice", "alice-password") == 200


# ---------------------------------------------------------------- descriptor sizes

def test_a_descriptor_with_a_wrong_size_is_refused_naming_it(pier):
    repo = "sizes/app"
    config = image_config("sizes")
    layer = layer_bytes("sizes", 2048)
    push_blob(pier, repo, config)
    push_blob(pier, repo, layer)
    lying_config = dict(descriptor(OCI_CONFIG, config), size=1)
    resp = put_manifest(pier, repo, "v1", oci_manifest(lying_config, [descriptor(OCI_LAYER, layer)]), OCI_MANIFEST)
    assert_error(resp, 400, "MANIFEST_INVALID")
    assert "config" in resp.json()["errors"][0]["message"]
    lying_layer = dict(descriptor(OCI_LAYER, layer), size=len(layer) + 1)
    resp = put_manifest(pier, repo, "v1", oci_manifest(descriptor(OCI_CONFIG, config), [lying_layer]), OCI_MANIFEST)
    assert_error(resp, 400, "MANIFEST_INVALID")
    assert "layers[0]" in resp.json()["errors"][0]["message"]
    # Nothing was stored; the honest manifest is.
    assert call(pier, "GET", f"/v2/{repo}/manifests/v1").status_code == 404
    honest = oci_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER, layer)])
    assert put_manifest(pier, repo, "v1", honest, OCI_MANIFEST).status_code == 201
