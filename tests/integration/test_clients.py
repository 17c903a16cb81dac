"""Real clients against the registry: skopeo, podman and buildah.

Images are built offline (client_tools), pushed and pulled over 127.0.0.1. Round trips
run against Pier and against CNCF distribution (the reference: both must behave the
same); TLS runs against Pier and, to prove the test itself, against distribution.
"""

import gzip
import json
import uuid

import pytest
import requests

from client_tools import (OCI_INDEX, OCI_MANIFEST, Clients, OciLayout, add_image,
                          build_multi_arch_layout, build_single_arch_layout, docker_ref,
                          image_name, read_layer_files, sha256_digest, two_layer_files)
from servers import make_tls_certificate, start_distribution, start_pier

STARTERS = {"pier": start_pier, "distribution": start_distribution}


# --------------------------------------------------------------------------- fixtures

@pytest.fixture
def make_clients(tmp_path):
    """Factory for isolated client environments (each with its own storage)."""
    made = []

    def make(name: str) -> Clients:
        made.append(Clients(tmp_path / name))
        return made[-1]
    yield make
    for c in made:
        c.close()


@pytest.fixture
def clients(make_clients):
    return make_clients("clients")


@pytest.fixture
def salt():
    """Makes every test's blobs unique, so no test can pass on another's leftovers."""
    return uuid.uuid4().hex


@pytest.fixture
def single(tmp_path, salt):
    """(layout, image): a two-layer linux/amd64 image at oci:<layout>:v1."""
    return build_single_arch_layout(tmp_path / "layout-single", tag="v1", salt=salt)


@pytest.fixture
def multi(tmp_path, salt):
    """(layout, index): linux/amd64 + linux/arm64 under oci:<layout>:multi."""
    return build_multi_arch_layout(tmp_path / "layout-multi", tag="multi", salt=salt)


@pytest.fixture(params=["pier", "distribution"])
def tls_registry(request, tmp_path):
    """A registry serving HTTPS with a self-signed certificate for 127.0.0.1."""
    if request.param == "pier":
        yield request.getfixturevalue("pier_tls")
        return
    reg = start_distribution(tmp_path / "distribution-tls", tls=True)
    yield reg
    reg.stop()


def oci_ref(layout: OciLayout, tag: str) -> str:
    return f"oci:{layout.path}:{tag}"


def push_layout(clients, layout, tag, registry, repository, dest_tag=None, all_images=False):
    clients.skopeo_copy(oci_ref(layout, tag), docker_ref(registry, repository, dest_tag or tag),
                        dest_registry=registry, all_images=all_images)


def assert_layout_blobs_equal(copy: OciLayout, original: OciLayout, digests):
    for digest in digests:
        assert copy.blob(digest) == original.blob(digest), f"blob {digest} differs after the copy"


# --------------------------------------------------------------------------- skopeo

def test_skopeo_copy_from_oci_layout_keeps_digest(clients, registry, single, tmp_path):
    layout, image = single
    push_layout(clients, layout, "v1", registry, "pier-test/single")

    ref = docker_ref(registry, "pier-test/single", "v1")
    raw = clients.raw_manifest(ref, registry)
    assert sha256_digest(raw) == image.manifest_digest
    assert raw == image.manifest
    # The same bytes by digest.
    by_digest = docker_ref(registry, "pier-test/single", image.manifest_digest)
    assert clients.raw_manifest(by_digest, registry) == image.manifest
    # The config as served is the original blob.
    config = clients.skopeo_inspect(ref, registry, raw=True, config=True).stdout_bytes
    assert sha256_digest(config) == image.config_digest

    # Back into a fresh OCI layout: every blob byte-identical.
    out = OciLayout(tmp_path / "layout-back")
    clients.skopeo_copy(ref, oci_ref(out, "back"), src_registry=registry)
    assert out.ref_digest("back") == image.manifest_digest
    assert_layout_blobs_equal(out, layout, [image.config_digest, *image.layer_digests])
    assert out.image_layer_files("back") == image.layer_files


@pytest.mark.parametrize("src_kind,dest_kind", [
    ("pier", "pier"),
    ("distribution", "pier"),
    ("pier", "distribution"),
    ("distribution", "distribution"),     # the reference: proves the test itself
])
def test_skopeo_copy_registry_to_registry_keeps_digests(clients, single, tmp_path,
                                                        src_kind, dest_kind):
    layout, image = single
    src = STARTERS[src_kind](tmp_path / f"src-{src_kind}")
    try:
        dest = STARTERS[dest_kind](tmp_path / f"dest-{dest_kind}")
        try:
            push_layout(clients, layout, "v1", src, "pier-test/origin")
            clients.skopeo_copy(docker_ref(src, "pier-test/origin", "v1"),
                                docker_ref(dest, "mirror/copied", "v1"),
                                src_registry=src, dest_registry=dest)
            # A copy addressed by digest, into a tag, must keep the digest too.
            clients.skopeo_copy(docker_ref(src, "pier-test/origin", image.manifest_digest),
                                docker_ref(dest, "mirror/by-digest", "pinned"),
                                src_registry=src, dest_registry=dest)

            for repository, tag in (("mirror/copied", "v1"), ("mirror/by-digest", "pinned")):
                raw = clients.raw_manifest(docker_ref(dest, repository, tag), dest)
                assert raw == image.manifest, f"{dest_kind}:{repository}:{tag} changed the manifest"
                info = clients.inspect_json(docker_ref(dest, repository, tag), dest)
                assert info["Digest"] == image.manifest_digest
                assert info["Layers"] == image.layer_digests

            out = OciLayout(tmp_path / "layout-back")
            clients.skopeo_copy(docker_ref(dest, "mirror/copied", "v1"), oci_ref(out, "back"),
                                src_registry=dest)
            assert_layout_blobs_equal(out, layout, [image.config_digest, *image.layer_digests])
        finally:
            dest.stop()
    finally:
        src.stop()


def test_skopeo_copy_all_multi_arch_keeps_index_and_children(clients, registry, multi, tmp_path):
    layout, index = multi
    push_layout(clients, layout, "multi", registry, "pier-test/multi", dest_tag="v1",
                all_images=True)

    ref = docker_ref(registry, "pier-test/multi", "v1")
    raw = clients.raw_manifest(ref, registry)
    assert sha256_digest(raw) == index.index_digest
    assert raw == index.index
    assert json.loads(raw)["mediaType"] == OCI_INDEX

    for arch, image in index.images.items():
        child = docker_ref(registry, "pier-test/multi", image.manifest_digest)
        assert clients.raw_manifest(child, registry) == image.manifest, arch
        # Resolving the index for a platform lands on that platform's image.
        info = clients.inspect_json(ref, registry, extra=["--override-arch", arch,
                                                          "--override-os", "linux"])
        assert info["Architecture"] == arch
        assert info["Layers"] == image.layer_digests
        config = clients.skopeo_inspect(ref, registry, raw=True, config=True,
                                        extra=["--override-arch", arch,
                                               "--override-os", "linux"]).stdout_bytes
        assert sha256_digest(config) == image.config_digest

    # The whole index back into a layout, byte for byte.
    out = OciLayout(tmp_path / "layout-back")
    clients.skopeo_copy(ref, oci_ref(out, "back"), src_registry=registry, all_images=True)
    assert out.ref_digest("back") == index.index_digest
    for image in index.images.values():
        blobs = [image.manifest_digest, image.config_digest, *image.layer_digests]
        assert_layout_blobs_equal(out, layout, blobs)


def test_skopeo_inspect_and_list_tags(clients, registry, single, tmp_path, salt):
    layout, image = single
    other = add_image(layout, two_layer_files(salt + "-other"), tag="other")
    for tag in ("v1", "v2", "latest"):
        push_layout(clients, layout, "v1", registry, "pier-test/tags", dest_tag=tag)
    push_layout(clients, layout, "other", registry, "pier-test/tags", dest_tag="v3")

    repo = f"docker://{registry.host}/pier-test/tags"
    assert sorted(clients.list_tags(repo, registry)) == ["latest", "v1", "v2", "v3"]

    info = clients.inspect_json(docker_ref(registry, "pier-test/tags", "v2"), registry)
    assert info["Name"] == f"{registry.host}/pier-test/tags"
    assert info["Digest"] == image.manifest_digest
    assert sorted(info["RepoTags"]) == ["latest", "v1", "v2", "v3"]
    assert info["Architecture"] == "amd64"
    assert info["Os"] == "linux"
    assert info["Created"].startswith("2023-11-14T22:13:20")
    assert info["Labels"] == {"org.example.pier-test": "yes"}
    assert info["Layers"] == image.layer_digests

    info = clients.inspect_json(docker_ref(registry, "pier-test/tags", "v3"), registry)
    assert info["Digest"] == other.manifest_digest
    assert info["Layers"] == other.layer_digests

    # A repository nobody pushed to has no tags to list and no manifest to inspect.
    missing = clients.skopeo_on("list-tags", f"docker://{registry.host}/pier-test/nothing-here",
                                registry, check=False)
    assert missing.returncode != 0, missing
    missing = clients.skopeo_inspect(docker_ref(registry, "pier-test/tags", "nope"), registry,
                                     check=False)
    assert missing.returncode != 0, missing


def test_skopeo_delete_then_inspect_fails(clients, registry, single, salt):
    layout, image = single
    keep = add_image(layout, two_layer_files(salt + "-keep"), tag="keep")
    push_layout(clients, layout, "v1", registry, "pier-test/delete")
    push_layout(clients, layout, "keep", registry, "pier-test/delete")
    ref = docker_ref(registry, "pier-test/delete", "v1")
    assert clients.inspect_json(ref, registry)["Digest"] == image.manifest_digest

    clients.skopeo_on("delete", ref, registry)

    gone = clients.skopeo_inspect(ref, registry, check=False)
    assert gone.returncode != 0, f"inspect after delete succeeded:\n{gone}"
    assert "manifest unknown" in gone.stderr.lower() or "not found" in gone.stderr.lower(), gone
    by_digest = docker_ref(registry, "pier-test/delete", image.manifest_digest)
    gone = clients.skopeo_inspect(by_digest, registry, raw=True, check=False)
    assert gone.returncode != 0, f"inspect by digest after delete succeeded:\n{gone}"
    again = clients.skopeo_on("delete", by_digest, registry, check=False)
    assert again.returncode != 0, f"deleting a deleted manifest succeeded:\n{again}"

    # The other image in the repository is untouched.
    kept = docker_ref(registry, "pier-test/delete", "keep")
    assert clients.raw_manifest(kept, registry) == keep.manifest
    assert clients.list_tags(f"docker://{registry.host}/pier-test/delete", registry) == ["keep"]


# --------------------------------------------------------------------------- podman

@pytest.mark.parametrize("destination", ["same-repository", "other-repository"])
def test_podman_pull_then_push_keeps_digests(clients, registry, single, destination):
    """podman pull of a registry image and podman push of it back: the compressed layers
    are reused (blob HEAD in the same repository, cross-repository mount otherwise), so
    the pushed manifest is the original, byte for byte."""
    layout, image = single
    push_layout(clients, layout, "v1", registry, "pier-test/podman-src")

    source = image_name(registry, "pier-test/podman-src", "v1")
    pulled_id = clients.podman("pull", *clients.registry_flags(registry), source).stdout.strip()
    assert pulled_id == image.config_digest.split(":", 1)[1]
    local = clients.podman_inspect(source)
    assert local["Digest"] == image.manifest_digest
    assert local["RootFS"]["Layers"] == image.diff_ids

    repository = "pier-test/podman-src" if destination == "same-repository" \
        else "pier-test/podman-dst"
    digest_file = clients.base / "pushed.digest"
    clients.podman("push", *clients.registry_flags(registry), "--digestfile", digest_file,
                   source, docker_ref(registry, repository, "pushed"))
    assert digest_file.read_text().strip() == image.manifest_digest
    raw = clients.raw_manifest(docker_ref(registry, repository, "pushed"), registry)
    assert raw == image.manifest


def test_podman_push_and_pull_round_trip(clients, make_clients, registry, single, tmp_path):
    """An image loaded from an OCI layout, pushed by podman (which recompresses the
    layers), pulled by a second podman with empty storage: the pushed digest survives
    the round trip and the layers' content (diff IDs) is the original."""
    layout, image = single
    loaded_id = clients.podman("pull", oci_ref(layout, "v1")).stdout.strip()
    assert loaded_id == image.config_digest.split(":", 1)[1]
    clients.podman("tag", loaded_id, "localhost/pier-test/loaded:v1")

    ref = docker_ref(registry, "pier-test/podman", "v1")
    digest_file = clients.base / "pushed.digest"
    clients.podman("push", *clients.registry_flags(registry), "--digestfile", digest_file,
                   "localhost/pier-test/loaded:v1", ref)
    pushed_digest = digest_file.read_text().strip()

    raw = clients.raw_manifest(ref, registry)
    assert sha256_digest(raw) == pushed_digest
    manifest = json.loads(raw)
    assert manifest["mediaType"] == OCI_MANIFEST
    assert manifest["config"]["digest"] == image.config_digest
    assert len(manifest["layers"]) == len(image.diff_ids)

    # What the registry holds is the original content.
    out = OciLayout(tmp_path / "layout-back")
    clients.skopeo_copy(ref, oci_ref(out, "back"), src_registry=registry)
    assert out.ref_digest("back") == pushed_digest
    assert out.blob(image.config_digest) == image.config
    assert out.image_layer_files("back") == image.layer_files

    # A podman with empty storage pulls it back.
    fresh = make_clients("clients-fresh")
    name = image_name(registry, "pier-test/podman", "v1")
    pulled_id = fresh.podman("pull", *fresh.registry_flags(registry), name).stdout.strip()
    assert pulled_id == loaded_id
    pulled = fresh.podman_inspect(name)
    assert pulled["Digest"] == pushed_digest
    assert pulled["RootFS"]["Layers"] == image.diff_ids
    assert f"{registry.host}/pier-test/podman@{pushed_digest}" in pulled["RepoDigests"]

    # ... and pushing it again from there reproduces the same digest.
    again_file = fresh.base / "again.digest"
    fresh.podman("push", *fresh.registry_flags(registry), "--digestfile", again_file,
                 name, docker_ref(registry, "pier-test/podman", "again"))
    assert again_file.read_text().strip() == pushed_digest
    assert clients.raw_manifest(docker_ref(registry, "pier-test/podman", "again"), registry) == raw


# --------------------------------------------------------------------------- buildah

def test_buildah_scratch_commit_push(clients, registry, tmp_path, salt):
    payload = f"built by buildah for {salt}\n".encode()
    src = tmp_path / "payload.txt"
    src.write_bytes(payload)

    container = clients.buildah("from", "--name", f"work-{salt[:12]}", "scratch").stdout.strip()
    clients.buildah("copy", container, src, "/srv/pier/payload.txt")
    clients.buildah("config", "--label", "org.example.built-by=buildah",
                    "--cmd", "/srv/pier/payload.txt", container)
    image_id = clients.buildah("commit", "--format", "oci", container,
                               "localhost/pier-test/built:v1").stdout.strip().splitlines()[-1]

    ref = docker_ref(registry, "pier-test/built", "v1")
    digest_file = clients.base / "pushed.digest"
    clients.buildah("push", *clients.registry_flags(registry), "--digestfile", digest_file,
                    "localhost/pier-test/built:v1", ref)
    pushed_digest = digest_file.read_text().strip()

    raw = clients.raw_manifest(ref, registry)
    assert sha256_digest(raw) == pushed_digest
    manifest = json.loads(raw)
    assert manifest["config"]["digest"] == f"sha256:{image_id}"
    assert len(manifest["layers"]) == 1

    out = OciLayout(tmp_path / "layout-back")
    clients.skopeo_copy(ref, oci_ref(out, "v1"), src_registry=registry)
    assert out.ref_digest("v1") == pushed_digest
    [layer] = manifest["layers"]
    blob = out.blob(layer["digest"])
    assert sha256_digest(blob) == layer["digest"]
    assert read_layer_files(blob) == {"srv/pier/payload.txt": payload}
    config = json.loads(out.blob(manifest["config"]["digest"]))
    assert config["config"]["Labels"]["org.example.built-by"] == "buildah"
    assert config["rootfs"]["diff_ids"] == [sha256_digest(gzip.decompress(blob))]


# --------------------------------------------------------------------------- TLS

def test_skopeo_tls_round_trip(clients, tls_registry, single, tmp_path):
    layout, image = single
    ca_dir = clients.ca_dir(tls_registry, "ca")
    assert (ca_dir / "ca.crt").read_bytes() == tls_registry.ca_cert.read_bytes()
    ref = docker_ref(tls_registry, "pier-test/tls", "v1")

    clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_cert_dir=ca_dir, dest_tls_verify=True)
    raw = clients.raw_manifest(ref, cert_dir=ca_dir, tls_verify=True)
    assert raw == image.manifest
    assert sha256_digest(raw) == image.manifest_digest

    out = OciLayout(tmp_path / "layout-back")
    clients.skopeo_copy(ref, oci_ref(out, "back"), src_cert_dir=ca_dir, src_tls_verify=True)
    assert out.ref_digest("back") == image.manifest_digest
    assert_layout_blobs_equal(out, layout, [image.config_digest, *image.layer_digests])

    # The registry really is speaking TLS on that port (and only TLS).
    r = requests.get(f"{tls_registry.url}/v2/pier-test/tls/manifests/v1", timeout=10,
                     verify=str(tls_registry.ca_cert), headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200 and r.content == image.manifest
    try:
        plain = requests.get(f"http://{tls_registry.host}/v2/", timeout=10)
    except requests.RequestException:
        pass
    else:
        assert plain.status_code not in (200, 401), \
            f"plain HTTP got a registry answer ({plain.status_code}) on the TLS port"


def test_skopeo_tls_without_ca_fails(clients, tls_registry, single, tmp_path):
    layout, image = single
    ref = docker_ref(tls_registry, "pier-test/tls-untrusted", "v1")

    # No CA at all, verification on.
    untrusted = clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_tls_verify=True, check=False)
    assert untrusted.returncode != 0, f"push to an untrusted certificate succeeded:\n{untrusted}"
    assert "certificate" in untrusted.stderr.lower() or "x509" in untrusted.stderr.lower(), \
        untrusted

    # A cert dir holding some other CA is no better.
    wrong = tmp_path / "wrong-ca"
    wrong.mkdir()
    wrong_cert, _ = make_tls_certificate(wrong)
    wrong_dir = tmp_path / "wrong-ca-dir"
    wrong_dir.mkdir()
    (wrong_dir / "ca.crt").write_bytes(wrong_cert.read_bytes())
    mismatched = clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_cert_dir=wrong_dir,
                                     dest_tls_verify=True, check=False)
    assert mismatched.returncode != 0, f"push with the wrong CA succeeded:\n{mismatched}"
    assert "certificate" in mismatched.stderr.lower() or "x509" in mismatched.stderr.lower()

    inspect = clients.skopeo_inspect(ref, tls_verify=True, check=False)
    assert inspect.returncode != 0, inspect

    # Nothing reached the registry.
    r = requests.get(f"{tls_registry.url}/v2/pier-test/tls-untrusted/manifests/v1", timeout=10,
                     verify=str(tls_registry.ca_cert), headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 404
    # And with the right CA the very same push works.
    clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_tls_verify=True,
                        dest_cert_dir=clients.ca_dir(tls_registry))
    assert clients.raw_manifest(ref, tls_registry) == image.manifest
