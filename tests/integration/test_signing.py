"""Image signing with real clients: skopeo's GPG signatures through the signature API extension,
cosign-format signatures (made with OpenSSL, as Debian's skopeo cannot make them) as a
`sha256-<hex>.sig` tag and as a referrer, verification against a namespace's trusted keys, and
the signing policy that refuses to serve unsigned images to podman and skopeo."""

import base64
import dataclasses
import json
import time
from pathlib import Path

import pytest
import requests

from api_client import Api, expect, message, new_organization, unique
from client_tools import Clients, build_multi_arch_layout, build_single_arch_layout, docker_ref
from oci_helpers import (OCI_CONFIG, OCI_MANIFEST, call, descriptor, encode, get_manifest, push_blob,
                         push_manifest, push_oci_image)
from servers import ADMIN_PASSWORD, start_distribution, start_pier
from signing_tools import CosignKey, Gpg, push_cosign_signature
from shared_backends import bucket, database, postgres, s3_server  # noqa: F401 (fixtures)

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reg = start_pier(tmp_path_factory.mktemp("signing") / "pier", auth=True,
                     env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def admin(server):
    return Api(server, "admin", ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def token_registry(admin):
    return admin.token_registry()


@pytest.fixture(scope="module")
def gpg():
    g = Gpg()
    yield g
    g.close()


@pytest.fixture(scope="module")
def signer(gpg):
    return gpg.new_key("trusted")


@pytest.fixture(scope="module")
def stranger(gpg):
    return gpg.new_key("stranger")


@pytest.fixture(scope="module")
def cosign_key(tmp_path_factory):
    return CosignKey(tmp_path_factory.mktemp("cosign"))


@pytest.fixture
def clients(tmp_path, server, gpg):
    c = Clients(tmp_path / "clients")
    c.env["GNUPGHOME"] = str(gpg.home)
    c.skopeo("login", "--tls-verify=false", "-u", "admin", "-p", ADMIN_PASSWORD, server.host)
    yield c
    c.close()


def push_image(clients, server, tmp_path, repository: str, *, sign_by: str | None = None, multi: bool = False) -> str:
    """Pushes a new image (an index with `multi`) with skopeo, signed by GPG key `sign_by` if
    given; returns the pushed manifest's digest."""
    layout_dir = tmp_path / unique("layout")
    if multi:
        layout, _ = build_multi_arch_layout(layout_dir, tag="v1", salt=str(layout_dir))
    else:
        layout, _ = build_single_arch_layout(layout_dir, tag="v1", salt=str(layout_dir))
    extra = ["--sign-by", sign_by] if sign_by else []
    clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(server, repository, "v1"), dest_registry=server,
                        all_images=multi, extra=extra)
    return layout.ref_digest("v1")


def signatures(admin, repository: str, digest: str) -> list[dict]:
    return admin.ok("GET", f"/repositories/{repository}/manifests/{digest}")["signatures"]


def write_policy(clients, server, namespace: str, key_file: Path) -> None:
    """A client policy requiring the GPG key in `key_file` for the namespace's images."""
    clients.policy.write_text(json.dumps({
        "default": [{"type": "insecureAcceptAnything"}],
        "transports": {"docker": {f"{server.host}/{namespace}": [
            {"type": "signedBy", "keyType": "GPGKeys", "keyPath": str(key_file)}]}}}))


def set_policy(admin, namespace: str, enforce: bool, keys: list[tuple[str, str]]) -> dict:
    return admin.ok("PUT", f"/namespaces/{namespace}/signing-policy",
                    {"enforce": enforce, "keys": [{"type": t, "public_key": k} for t, k in keys]})


def test_every_v2_answer_offers_the_signature_extension(server):
    unauthenticated = requests.get(f"{server.url}/v2/", timeout=10)
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["X-Registry-Supports-Signatures"] == "1"
    signed_in = requests.get(f"{server.url}/v2/", auth=("admin", ADMIN_PASSWORD), timeout=10)
    assert signed_in.status_code == 200 and signed_in.headers["X-Registry-Supports-Signatures"] == "1"


def test_skopeo_signs_into_pier_and_verifies_out_of_it(clients, server, admin, gpg, signer, tmp_path):
    namespace = new_organization(admin)
    signed_repo, unsigned_repo = f"{namespace}/signed", f"{namespace}/unsigned"
    digest = push_image(clients, server, tmp_path, signed_repo, sign_by=signer)
    push_image(clients, server, tmp_path, unsigned_repo)

    # Stored through the extension, in the shape containers/image reads.
    listed = call(admin.registry(), "GET", f"/extensions/v2/{signed_repo}/signatures/{digest}").json()["signatures"]
    assert len(listed) == 1
    assert listed[0]["schemaVersion"] == 2 and listed[0]["type"] == "atomic"
    assert listed[0]["name"].startswith(digest + "@")
    # Not yet trusted: shown with its signer, not verified.
    assert signatures(admin, signed_repo, digest) == [
        {"type": "gpg", "key_id": signer, "verified": False, "source": "extension", "name": listed[0]["name"]}]
    set_policy(admin, namespace, False, [("gpg", gpg.public_key(signer))])
    assert [(s["type"], s["key_id"], s["verified"]) for s in signatures(admin, signed_repo, digest)] == [
        ("gpg", signer, True)]

    key_file = tmp_path / "trusted.gpg"
    key_file.write_text(gpg.public_key(signer))
    write_policy(clients, server, namespace, key_file)
    out = tmp_path / "out"
    clients.skopeo_copy(docker_ref(server, signed_repo, "v1"), f"dir:{out}", src_registry=server)
    assert (out / "manifest.json").exists()
    refused = clients.skopeo_copy(docker_ref(server, unsigned_repo, "v1"), f"dir:{tmp_path / 'out2'}",
                                  src_registry=server, check=False)
    assert refused.returncode != 0 and "signature" in refused.stderr.lower(), refused


def test_signature_extension_refuses_bad_requests(admin, token_registry, server):
    namespace = new_organization(admin)
    repository = f"{namespace}/app"
    reg = token_registry
    config = b'{"architecture":"amd64","os":"linux"}'
    push_blob(reg, repository, config)
    body = encode({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": descriptor(OCI_CONFIG, config),
                   "layers": []})
    digest = push_manifest(reg, repository, "v1", body, OCI_MANIFEST)
    path = f"/extensions/v2/{repository}/signatures/{digest}"
    good = {"schemaVersion": 2, "type": "atomic", "name": f"{digest}@{'ab' * 16}",
            "content": base64.b64encode(b"not really a signature").decode()}
    expect(call(reg, "PUT", path, json={**good, "type": "cosign"}), 400)
    expect(call(reg, "PUT", path, json={**good, "name": "sha256:" + "0" * 64 + "@" + "ab" * 16}), 400)
    expect(call(reg, "PUT", path, json={**good, "content": "%%%"}), 400)
    unknown = "sha256:" + "1" * 64
    expect(call(reg, "GET", f"/extensions/v2/{repository}/signatures/{unknown}"), 404, "MANIFEST_UNKNOWN")
    expect(call(reg, "PUT", f"/extensions/v2/{repository}/signatures/{unknown}",
                json={**good, "name": f"{unknown}@{'ab' * 16}"}), 404, "MANIFEST_UNKNOWN")
    assert call(reg, "PUT", path, json=good).status_code == 201
    expect(call(reg, "PUT", path, json=good), 400)  # the name is taken
    # A garbage signature is kept and shown, never verified.
    assert [(s["type"], s["verified"]) for s in signatures(admin, repository, digest)] == [("gpg", False)]
    # Pulling needs no more than pull; adding needs push.
    assert requests.get(f"{server.url}{path}", timeout=10).status_code == 401


def test_cosign_signatures_as_a_tag_and_as_a_referrer(clients, server, admin, token_registry, cosign_key, tmp_path):
    namespace = new_organization(admin)
    repository = f"{namespace}/cosigned"
    digest = push_image(clients, server, tmp_path, repository)
    size = len(get_manifest(admin.registry(), repository, digest).content)
    tagged = push_cosign_signature(token_registry, repository, digest, cosign_key, as_referrer=False)
    referrer = push_cosign_signature(token_registry, repository, digest, cosign_key, as_referrer=True,
                                     subject_size=size)

    shown = signatures(admin, repository, digest)
    assert sorted((s["type"], s["source"], s["name"], s["verified"]) for s in shown) == sorted([
        ("cosign", "tag", tagged, False), ("cosign", "referrer", referrer, False)])
    policy = set_policy(admin, namespace, False, [("cosign", cosign_key.public_pem)])
    assert policy == {"enforce": False, "keys": [{"type": "cosign", "public_key": cosign_key.public_pem}]}
    key_id = admin.ok("GET", f"/namespaces/{namespace}/signing-keys")["keys"][0]["key_id"]
    assert key_id.startswith("sha256:")
    shown = signatures(admin, repository, digest)
    assert {(s["source"], s["key_id"], s["verified"]) for s in shown} == {("tag", key_id, True),
                                                                          ("referrer", key_id, True)}
    # A signature whose payload names another image does not count for this one.
    other = push_image(clients, server, tmp_path, f"{namespace}/other")
    assert signatures(admin, f"{namespace}/other", other) == []

    # skopeo carries the .sig attachment to a second registry.
    second = start_distribution(tmp_path / "second")
    try:
        for reg in (server, second):
            (clients.registries_d / f"{reg.host.replace(':', '_')}.yaml").write_text(
                f"docker:\n  {reg.host}:\n    use-sigstore-attachments: true\n")
        clients.skopeo_copy(docker_ref(server, repository, "v1"), docker_ref(second, "copied", "v1"),
                            src_registry=server, dest_registry=second, all_images=True)
        tags = clients.list_tags(f"docker://{second.host}/copied", second)
        assert digest.replace(":", "-") + ".sig" in tags, tags
    finally:
        second.stop()


def test_signature_manifests_go_with_their_image(clients, server, admin, token_registry, cosign_key, signer, tmp_path):
    namespace = new_organization(admin)
    repository = f"{namespace}/app"
    digest = push_image(clients, server, tmp_path, repository, sign_by=signer)
    tagged = push_cosign_signature(token_registry, repository, digest, cosign_key, as_referrer=False)
    assert admin.ok("GET", f"/repositories/{repository}/manifests/{tagged}")["digest"] == tagged

    expect(call(admin.registry(), "DELETE", f"/v2/{repository}/manifests/{digest}"), 202)
    expect(get_manifest(admin.registry(), repository, digest.replace(":", "-") + ".sig"), 404, "MANIFEST_UNKNOWN")
    expect(get_manifest(admin.registry(), repository, tagged), 404, "MANIFEST_UNKNOWN")
    expect(call(admin.registry(), "GET", f"/extensions/v2/{repository}/signatures/{digest}"), 404, "MANIFEST_UNKNOWN")


def refused_events(admin, namespace: str) -> list[dict]:
    deadline = time.time() + 10
    while True:
        events = [e for e in admin.ok("GET", "/audit", params={"namespace": namespace, "limit": 1000})["events"]
                  if e["action"] == "pull_refused"]
        if events or time.time() > deadline:
            return events
        time.sleep(0.3)


def test_enforced_policy_serves_only_what_a_trusted_key_signed(clients, server, admin, token_registry, gpg, signer,
                                                               stranger, cosign_key, tmp_path):
    namespace = new_organization(admin)
    push_image(clients, server, tmp_path, f"{namespace}/gpg-signed", sign_by=signer)
    push_image(clients, server, tmp_path, f"{namespace}/multi", sign_by=signer, multi=True)
    push_image(clients, server, tmp_path, f"{namespace}/unsigned")
    push_image(clients, server, tmp_path, f"{namespace}/stranger", sign_by=stranger)
    cosigned = push_image(clients, server, tmp_path, f"{namespace}/cosigned")
    push_cosign_signature(token_registry, f"{namespace}/cosigned", cosigned, cosign_key, as_referrer=False)

    expect(admin.request("PUT", f"/namespaces/{namespace}/signing-policy", {"enforce": True, "keys": []}), 400)
    bad = admin.request("PUT", f"/namespaces/{namespace}/signing-policy",
                        {"enforce": True, "keys": [{"type": "cosign", "public_key": "not a key"}]})
    expect(bad, 400)
    assert "keys[0]" in message(bad)
    set_policy(admin, namespace, True, [("gpg", gpg.public_key(signer)), ("cosign", cosign_key.public_pem)])
    assert admin.ok("GET", f"/namespaces/{namespace}/signing-policy") == {
        "enforce": True, "keys": [{"type": "gpg", "public_key": gpg.public_key(signer)},
                                  {"type": "cosign", "public_key": cosign_key.public_pem}]}
    got = admin.ok("GET", f"/namespaces/{namespace}/signing-keys")
    assert got["enforce"] is True and [k["type"] for k in got["keys"]] == ["gpg", "cosign"]
    assert got["keys"][0]["key_id"] == signer

    flags = clients.registry_flags(server)
    for repository in ("unsigned", "stranger"):
        pulled = clients.podman("pull", *flags, f"{server.host}/{namespace}/{repository}:v1", check=False)
        assert pulled.returncode != 0 and "not signed by a key" in pulled.stderr, pulled
    copied = clients.skopeo_copy(docker_ref(server, f"{namespace}/unsigned", "v1"), f"dir:{tmp_path / 'u'}",
                                 src_registry=server, check=False)
    assert copied.returncode != 0 and "not signed by a key" in copied.stderr, copied
    refused = expect(call(admin.registry(), "GET", f"/v2/{namespace}/unsigned/manifests/v1"), 403, "DENIED")
    assert "signing policy" in message(refused)

    for repository in ("gpg-signed", "cosigned", "multi"):
        clients.podman("pull", *flags, f"{server.host}/{namespace}/{repository}:v1")
    clients.skopeo_copy(docker_ref(server, f"{namespace}/gpg-signed", "v1"), f"dir:{tmp_path / 'g'}",
                        src_registry=server)
    # The signature manifest itself is served: clients read it to verify.
    assert get_manifest(admin.registry(), f"{namespace}/cosigned", cosigned.replace(":", "-") + ".sig").status_code == 200

    events = refused_events(admin, namespace)
    assert {e["repository"] for e in events} >= {f"{namespace}/unsigned", f"{namespace}/stranger"}
    assert all(e["actor"] == "admin" for e in events)

    set_policy(admin, namespace, False, [("gpg", gpg.public_key(signer))])
    clients.podman("pull", *flags, f"{server.host}/{namespace}/unsigned:v1")
    admin.ok("DELETE", f"/namespaces/{namespace}/signing-policy", status=204)
    assert admin.ok("GET", f"/namespaces/{namespace}/signing-policy") == {"enforce": False, "keys": []}


def test_replicas_share_policies_keys_and_signatures(tmp_path, database, bucket, gpg, signer, cosign_key):
    """On PostgreSQL + S3: a policy set through one replica is enforced by the other at once, and
    the other verifies with keys it learns from the database."""
    env = {"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_METADATA_DRIVER": "postgres",
           "PIER_METADATA_POSTGRES_URL": database, "PIER_AUTH_TOKEN_KEY": str(tmp_path / "token-key.pem"), **bucket}
    first = start_pier(tmp_path / "replica1", auth=True, env=env)
    second = start_pier(tmp_path / "replica2", auth=True, env=env)
    try:
        on_first, on_second = Api(first, "admin", ADMIN_PASSWORD), Api(second, "admin", ADMIN_PASSWORD)
        namespace = new_organization(on_first)
        through_first = on_first.token_registry()
        through_second = dataclasses.replace(second, extra={**second.extra, "auth": through_first.extra["auth"]})
        push_oci_image(through_first, f"{namespace}/unsigned", "v1", seed=unique("u"))
        _, cosigned = push_oci_image(through_first, f"{namespace}/cosigned", "v1", seed=unique("c"))
        _, gpg_signed = push_oci_image(through_first, f"{namespace}/gpg-signed", "v1", seed=unique("g"))
        push_cosign_signature(through_first, f"{namespace}/cosigned", cosigned["digest"], cosign_key, as_referrer=True,
                              subject_size=cosigned["size"])
        payload = json.dumps({"critical": {"identity": {"docker-reference": f"{first.host}/{namespace}/gpg-signed:v1"},
                                           "image": {"docker-manifest-digest": gpg_signed["digest"]},
                                           "type": "atomic container signature"}, "optional": {}}).encode()
        signed_message = gpg.run("--local-user", signer, "--sign", data=payload)
        put = call(through_first, "PUT", f"/extensions/v2/{namespace}/gpg-signed/signatures/{gpg_signed['digest']}",
                   json={"schemaVersion": 2, "type": "atomic", "name": f"{gpg_signed['digest']}@{'0f' * 16}",
                         "content": base64.b64encode(signed_message).decode()})
        assert put.status_code == 201, put.text

        set_policy(on_first, namespace, True, [("gpg", gpg.public_key(signer)), ("cosign", cosign_key.public_pem)])
        expect(get_manifest(through_second, f"{namespace}/unsigned", "v1"), 403, "DENIED")
        for repository in ("cosigned", "gpg-signed"):
            assert get_manifest(through_second, f"{namespace}/{repository}", "v1").status_code == 200, repository
        assert [(s["type"], s["verified"]) for s in signatures(on_second, f"{namespace}/gpg-signed", gpg_signed["digest"])] \
            == [("gpg", True)]
        set_policy(on_first, namespace, False, [])
        assert get_manifest(through_second, f"{namespace}/unsigned", "v1").status_code == 200
    finally:
        first.stop()
        second.stop()
