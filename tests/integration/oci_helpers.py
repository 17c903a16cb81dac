"""Shared building blocks for the OCI distribution-spec conformance tests
(test_conformance_*.py): content builders that return exact bytes, digests, and thin
HTTP helpers that speak the registry API of a RunningRegistry (see servers.py)."""

import hashlib
import http.client
import json
import re
import socket
from urllib.parse import urlencode, urljoin, urlsplit

import requests

TIMEOUT = 15

# Media types.
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
OCTET_STREAM = "application/octet-stream"

# What a client that understands every manifest type sends (distribution 2.8 refuses
# to serve OCI manifests to a client that does not list them).
MANIFEST_ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST])

EMPTY_JSON = b"{}"


# ---------------------------------------------------------------- digests and content

def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha512(data: bytes) -> str:
    return "sha512:" + hashlib.sha512(data).hexdigest()


def digest_of(data: bytes, algorithm: str) -> str:
    return f"{algorithm}:" + hashlib.new(algorithm, data).hexdigest()


def verifies(digest: str, data: bytes) -> bool:
    """Whether `digest` (any algorithm hashlib knows) is the digest of `data`."""
    algorithm, _, _ = digest.partition(":")
    return digest == digest_of(data, algorithm)


def encode(document: dict) -> bytes:
    """JSON bytes deliberately not in canonical form (indentation, unsorted keys), so
    a registry that re-serialises a manifest instead of storing its bytes is caught."""
    return (json.dumps(document, indent=3) + "\n").encode()


def descriptor(media_type: str, data: bytes, **extra) -> dict:
    return {"mediaType": media_type, "digest": sha256(data), "size": len(data), **extra}


def layer_bytes(seed: str, size: int = 512) -> bytes:
    """Deterministic, incompressible-looking bytes standing in for a layer."""
    out = bytearray()
    block = seed.encode()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def image_config(seed: str = "") -> bytes:
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Env": [f"SEED={seed}"]},
              "rootfs": {"type": "layers", "diff_ids": []}}
    return encode(config)


def oci_manifest(config: dict, layers: list, *, subject: dict | None = None,
                 artifact_type: str | None = None, annotations: dict | None = None,
                 media_type_field: bool = True) -> bytes:
    document = {"schemaVersion": 2}
    if media_type_field:
        document["mediaType"] = OCI_MANIFEST
    if artifact_type is not None:
        document["artifactType"] = artifact_type
    document["config"] = config
    document["layers"] = layers
    if subject is not None:
        document["subject"] = subject
    if annotations is not None:
        document["annotations"] = annotations
    return encode(document)


def oci_index(manifests: list, *, subject: dict | None = None,
              artifact_type: str | None = None, annotations: dict | None = None) -> bytes:
    document = {"schemaVersion": 2, "mediaType": OCI_INDEX}
    if artifact_type is not None:
        document["artifactType"] = artifact_type
    document["manifests"] = manifests
    if subject is not None:
        document["subject"] = subject
    if annotations is not None:
        document["annotations"] = annotations
    return encode(document)


def docker_manifest(config: dict, layers: list) -> bytes:
    return encode({"schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
                   "config": config, "layers": layers})


def docker_manifest_list(manifests: list) -> bytes:
    return encode({"schemaVersion": 2, "mediaType": DOCKER_MANIFEST_LIST,
                   "manifests": manifests})


def platform(architecture: str = "amd64", os: str = "linux") -> dict:
    return {"architecture": architecture, "os": os}


# ---------------------------------------------------------------- HTTP plumbing

def url(reg, path: str) -> str:
    """Absolute URL for a path (or a Location header, absolute or relative)."""
    return urljoin(reg.url + "/", path)


def call(reg, method: str, path: str, **kwargs) -> requests.Response:
    """A request to the registry, with its credentials if a test gave it some
    (reg.extra["auth"], a requests auth object)."""
    kwargs.setdefault("timeout", TIMEOUT)
    kwargs.setdefault("verify", reg.verify)
    if reg.extra.get("auth") is not None:
        kwargs.setdefault("auth", reg.extra["auth"])
    return requests.request(method, url(reg, path), **kwargs)


def with_query(location: str, **params) -> str:
    """Append query parameters to an upload location that may already carry some."""
    return location + ("&" if "?" in location else "?") + urlencode(params)


def path_of(location: str) -> str:
    return urlsplit(location).path


def request_target(location: str) -> str:
    """Path and query of a URL, as they go on an HTTP request line."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def error_codes(resp: requests.Response) -> list:
    body = resp.json()
    assert isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"], \
        f"not an OCI error body: {resp.text!r}"
    for error in body["errors"]:
        assert re.fullmatch(r"[A-Z_]+", error["code"]), error
    return [error["code"] for error in body["errors"]]


def assert_error(resp: requests.Response, status: int, *codes: str) -> None:
    """`status`, and an OCI error body holding at least one of `codes` (with no codes,
    any body will do)."""
    assert_status(resp, status)
    if codes:
        found = error_codes(resp)
        assert set(found) & set(codes), f"expected one of {codes}, got {found}"


def expected(reg, pier, distribution):
    """What this registry must answer where distribution 2.8 deviates from the spec
    (Pier follows the spec). Each caller says in a comment how distribution differs."""
    return distribution if reg.kind == "distribution" else pier


def assert_status(resp: requests.Response, status: int) -> None:
    assert resp.status_code == status, \
        f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text[:500]!r}"


def next_link(resp: requests.Response) -> str | None:
    """The absolute URL (resolved against the request's) of an RFC 5988 Link header
    with rel="next", if any."""
    header = resp.headers.get("Link")
    if header is None:
        return None
    for part in header.split(","):
        m = re.fullmatch(r'\s*<([^>]*)>\s*;(.*)', part)
        assert m, f"malformed Link header {header!r}"
        if re.search(r'(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)', m.group(2)):
            return urljoin(resp.url, m.group(1))
    return None


def walk_pages(reg, first: str, key: str, max_pages: int = 100) -> list:
    """Follow Link rel="next" from `first`; returns the JSON list `key` of every page."""
    pages, link = [], url(reg, first)
    while link is not None:
        assert len(pages) < max_pages, "pagination does not terminate"
        resp = call(reg, "GET", link)
        assert_status(resp, 200)
        pages.append(resp.json()[key])
        link = next_link(resp)
    return pages


# ---------------------------------------------------------------- blobs

def start_upload(reg, repo: str, **params) -> str:
    """POST /v2/<repo>/blobs/uploads/ and return the absolute upload location."""
    path = f"/v2/{repo}/blobs/uploads/"
    if params:
        path += "?" + urlencode(params)
    resp = call(reg, "POST", path)
    assert_status(resp, 202)
    assert resp.headers.get("Location"), "upload session without Location"
    return url(reg, resp.headers["Location"])


def patch_chunk(reg, location: str, chunk: bytes, start: int | None = None) -> requests.Response:
    """PATCH a chunk; with `start`, as the spec's chunked upload (Content-Range)."""
    headers = {"Content-Type": OCTET_STREAM, "Content-Length": str(len(chunk))}
    if start is not None:
        headers["Content-Range"] = f"{start}-{start + len(chunk) - 1}"
    return call(reg, "PATCH", location, data=chunk, headers=headers)


def push_blob(reg, repo: str, data: bytes, algorithm: str = "sha256") -> str:
    """Upload with POST then PUT; returns the digest. Asserts success."""
    digest = digest_of(data, algorithm)
    location = start_upload(reg, repo)
    resp = call(reg, "PUT", with_query(location, digest=digest), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_status(resp, 201)
    return digest


def blob_exists(reg, repo: str, digest: str) -> bool:
    resp = call(reg, "HEAD", f"/v2/{repo}/blobs/{digest}")
    assert resp.status_code in (200, 404), resp.status_code
    return resp.status_code == 200


# ---------------------------------------------------------------- manifests

def put_manifest(reg, repo: str, reference: str, body: bytes, media_type: str,
                 params: dict | None = None) -> requests.Response:
    path = f"/v2/{repo}/manifests/{reference}"
    if params:
        path += "?" + urlencode(params, doseq=True)
    return call(reg, "PUT", path, data=body, headers={"Content-Type": media_type})


def push_manifest(reg, repo: str, reference: str, body: bytes, media_type: str) -> str:
    """PUT a manifest, assert 201, return its digest."""
    resp = put_manifest(reg, repo, reference, body, media_type)
    assert_status(resp, 201)
    return sha256(body)


def get_manifest(reg, repo: str, reference: str, method: str = "GET") -> requests.Response:
    return call(reg, method, f"/v2/{repo}/manifests/{reference}",
                headers={"Accept": MANIFEST_ACCEPT})


def manifest_exists(reg, repo: str, reference: str) -> bool:
    resp = get_manifest(reg, repo, reference, method="HEAD")
    assert resp.status_code in (200, 404), resp.status_code
    return resp.status_code == 200


def push_oci_image(reg, repo: str, tag: str | None = None, seed: str = "image",
                   layers: int = 1, **manifest_args) -> tuple[bytes, dict]:
    """Push config, layers and an OCI image manifest (by tag, else by digest).
    Returns (manifest bytes, its descriptor)."""
    config = image_config(seed)
    push_blob(reg, repo, config)
    layer_descs = []
    for i in range(layers):
        data = layer_bytes(f"{seed}-{i}")
        push_blob(reg, repo, data)
        layer_descs.append(descriptor(OCI_LAYER, data))
    body = oci_manifest(descriptor(OCI_CONFIG, config), layer_descs, **manifest_args)
    push_manifest(reg, repo, tag or sha256(body), body, OCI_MANIFEST)
    return body, descriptor(OCI_MANIFEST, body)


def push_docker_image(reg, repo: str, tag: str | None = None,
                      seed: str = "docker") -> tuple[bytes, dict]:
    config = image_config(seed)
    data = layer_bytes(seed)
    push_blob(reg, repo, config)
    push_blob(reg, repo, data)
    body = docker_manifest(descriptor(DOCKER_CONFIG, config), [descriptor(DOCKER_LAYER, data)])
    push_manifest(reg, repo, tag or sha256(body), body, DOCKER_MANIFEST)
    return body, descriptor(DOCKER_MANIFEST, body)


def push_empty_config(reg, repo: str) -> dict:
    """Push the OCI empty JSON blob and return the empty descriptor."""
    push_blob(reg, repo, EMPTY_JSON)
    return descriptor(OCI_EMPTY, EMPTY_JSON)


# Every kind of manifest the suite pushes: name -> function(reg, repo) building and
# pushing whatever the manifest refers to, returning (manifest bytes, media type).

def _build_oci_manifest(reg, repo):
    body, _ = push_oci_image(reg, repo, seed="kind-oci", layers=2)
    return body, OCI_MANIFEST


def _build_oci_index(reg, repo):
    _, amd = push_oci_image(reg, repo, seed="kind-amd64")
    _, arm = push_oci_image(reg, repo, seed="kind-arm64")
    body = oci_index([dict(amd, platform=platform("amd64")),
                      dict(arm, platform=platform("arm64"))])
    return body, OCI_INDEX


def _build_docker_manifest(reg, repo):
    body, _ = push_docker_image(reg, repo, seed="kind-docker")
    return body, DOCKER_MANIFEST


def _build_docker_manifest_list(reg, repo):
    _, amd = push_docker_image(reg, repo, seed="kind-docker-amd64")
    _, arm = push_docker_image(reg, repo, seed="kind-docker-arm64")
    body = docker_manifest_list([dict(amd, platform=platform("amd64")),
                                 dict(arm, platform=platform("arm64"))])
    return body, DOCKER_MANIFEST_LIST


def _build_helm_chart(reg, repo):
    config = encode({"name": "demo", "version": "0.1.0", "apiVersion": "v2"})
    chart = layer_bytes("helm-chart")
    push_blob(reg, repo, config)
    push_blob(reg, repo, chart)
    body = oci_manifest(descriptor(HELM_CONFIG, config), [descriptor(HELM_CHART, chart)],
                        annotations={"org.opencontainers.image.title": "demo"})
    return body, OCI_MANIFEST


def _build_artifact_empty_config(reg, repo):
    payload = b'{"sbom": "example"}'
    push_blob(reg, repo, payload)
    body = oci_manifest(push_empty_config(reg, repo),
                        [descriptor("application/vnd.example.sbom.v1+json", payload)],
                        artifact_type="application/vnd.example.sbom.v1")
    return body, OCI_MANIFEST


def _build_artifact_no_layers(reg, repo):
    body = oci_manifest(push_empty_config(reg, repo), [],
                        artifact_type="application/vnd.example.attestation.v1",
                        annotations={"org.example.note": "no blobs at all"})
    return body, OCI_MANIFEST


MANIFEST_KINDS = {
    "oci-manifest": _build_oci_manifest,
    "oci-index": _build_oci_index,
    "docker-manifest": _build_docker_manifest,
    "docker-manifest-list": _build_docker_manifest_list,
    "helm-chart": _build_helm_chart,
    "artifact-empty-config": _build_artifact_empty_config,
    "artifact-no-layers": _build_artifact_no_layers,
}


# ---------------------------------------------------------------- raw HTTP

def _host_port(reg) -> tuple[str, int]:
    parts = urlsplit(reg.url)
    return parts.hostname, parts.port


def raw_request(reg, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, follow_redirects: int = 5):
    """A request whose path goes on the wire exactly as given (requests/urllib3 would
    remove dot segments). Follows redirects, as the spec says statuses are those seen
    after redirects. Returns (status, headers, body)."""
    assert reg.ca_cert is None, "raw_request speaks plain HTTP only"
    host, port = _host_port(reg)
    for _ in range(follow_redirects + 1):
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            status, resp_headers, resp_body = resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()
        location = {k.lower(): v for k, v in resp_headers.items()}.get("location")
        if status in (301, 302, 303, 307, 308) and location:
            target = urlsplit(urljoin(f"http://{host}:{port}{path}", location))
            assert (target.hostname, target.port) == (host, port), f"redirected off-host: {location}"
            path = request_target(target.geturl())
            if status == 303:
                method, body = "GET", None
            continue
        return status, resp_headers, resp_body
    raise AssertionError(f"too many redirects for {method} {path}")


def send_partial_request(reg, method: str, path: str, headers: dict, declared_length: int,
                         body_part: bytes) -> None:
    """Send a request announcing `declared_length` body bytes, send only `body_part`,
    then close the connection (a client dying mid-upload)."""
    host, port = _host_port(reg)
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}",
            f"Content-Length: {declared_length}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sock.sendall(body_part)
        sock.shutdown(socket.SHUT_WR)


def manifest_of_size(reg, repo: str, size: int, seed: str = "big") -> bytes:
    """A valid OCI manifest padded with an annotation to exactly `size` bytes (its config
    pushed to `repo`)."""
    config = image_config(seed)
    push_blob(reg, repo, config)
    config_desc = descriptor(OCI_CONFIG, config)
    base = oci_manifest(config_desc, [], annotations={"pad": ""})
    body = oci_manifest(config_desc, [], annotations={"pad": "x" * (size - len(base))})
    assert len(body) == size
    return body
