"""The image lifecycle on the embedded default (SQLite + filesystem): garbage collection frees
what deleted images alone reached and nothing else, also while pushes go on and after a
kill -9 in the middle of a collection; tag expiry by label and by API; retention (dry run
equal to the real run); immutable tags refused for the API, skopeo and podman; quotas that
count a shared layer once, refuse the push over them, and drop after deletes and GC.

The same collection under concurrent pushes on PostgreSQL + S3 is in test_lifecycle_shared.py."""

import dataclasses
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from api_client import Api, expect, message, new_organization, new_user, unique
from client_tools import Clients, OciLayout, add_image, docker_ref
from oci_helpers import (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, call, descriptor, encode, get_manifest, layer_bytes,
                         oci_manifest, push_blob, push_manifest, sha256)
from servers import ADMIN_PASSWORD, start_pier

LAYER = 40_000  # above storage.inline_max_bytes: kept as a file in the blob store


def wait_for_first_collection(reg):
    """The scheduled collection of the slot a server starts in runs at once; with a grace of 0s
    it would take the blobs of a push in flight, so tests push only after it ran."""
    api = Api(reg, "admin", ADMIN_PASSWORD)
    deadline = time.time() + 60
    while time.time() < deadline:
        if api.ok("GET", "/jobs", params={"kind": "gc", "state": "completed"})["jobs"]:
            return
        time.sleep(0.2)
    raise AssertionError("the first scheduled collection did not run")


def lifecycle_server(tmp_path, **settings):
    env = {"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_AUTH_LOGIN_MAX_FAILURES": "100000",
           "PIER_GC_INTERVAL": "24h", "PIER_GC_HISTORY_WINDOW": "0s", "PIER_GC_BLOB_GRACE": "0s"}
    env.update({f"PIER_{k.upper()}": v for k, v in settings.items()})
    reg = start_pier(tmp_path, auth=True, env=env)
    wait_for_first_collection(reg)
    return reg


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """History window and blob grace 0s: whatever nothing reaches goes at the next collection."""
    reg = lifecycle_server(tmp_path_factory.mktemp("lifecycle") / "pier")
    yield reg
    reg.stop()


@pytest.fixture
def admin(server):
    return Api(server, "admin", ADMIN_PASSWORD)


@pytest.fixture
def clients(tmp_path):
    c = Clients(tmp_path / "clients")
    yield c
    c.close()


def stored_files(reg) -> dict[str, int]:
    """Every file of the blob store by name (a digest's hex), with its size."""
    root = Path(reg.data_dir) / "blobs"
    return {p.name: p.stat().st_size for p in root.rglob("*") if p.is_file() and len(p.name) == 64}


def image(reg, repo, tag, config_seed, layers, labels=None, annotations=None):
    """Pushes a config and `layers` (bytes) and an image manifest; returns (manifest, digest)."""
    config = {"architecture": "amd64", "os": "linux", "config": {"Env": [f"SEED={config_seed}"]},
              "rootfs": {"type": "layers", "diff_ids": []}}
    if labels:
        config["config"]["Labels"] = labels
    config_bytes = encode(config)
    push_blob(reg, repo, config_bytes)
    for data in layers:
        push_blob(reg, repo, data)
    body = oci_manifest(descriptor(OCI_CONFIG, config_bytes), [descriptor(OCI_LAYER, d) for d in layers],
                        annotations=annotations)
    push_manifest(reg, repo, tag, body, OCI_MANIFEST)
    return body, sha256(body)


def collect(admin, dry_run=False):
    return admin.ok("POST", "/gc", {"dry_run": dry_run})


def pulls_back(reg, repo, tag, body, layers):
    resp = get_manifest(reg, repo, tag)
    assert resp.status_code == 200, resp.text
    assert resp.content == body
    for data in layers:
        got = call(reg, "GET", f"/v2/{repo}/blobs/{sha256(data)}")
        assert got.status_code == 200 and got.content == data


def test_collection_frees_only_what_deleted_images_alone_reached(server, admin):
    reg = admin.token_registry()
    org = new_organization(admin)
    shared = layer_bytes(unique("shared"), LAYER)
    kept_only = layer_bytes(unique("kept"), LAYER)
    gone_a = layer_bytes(unique("gone-a"), LAYER)
    gone_b = layer_bytes(unique("gone-b"), LAYER + 123)
    # Two repositories share a layer; one image of each goes.
    kept_body, _ = image(reg, f"{org}/one", "kept", unique("c"), [shared, kept_only])
    _, gone_digest = image(reg, f"{org}/one", "gone", unique("c"), [shared, gone_a])
    other_body, _ = image(reg, f"{org}/two", "kept", unique("c"), [shared])
    _, other_gone = image(reg, f"{org}/two", "gone", unique("c"), [gone_b, shared])
    assert {sha256(d)[7:] for d in (shared, kept_only, gone_a, gone_b)} <= set(stored_files(server))

    expect(call(reg, "DELETE", f"/v2/{org}/one/manifests/{gone_digest}"), 202)
    expect(call(reg, "DELETE", f"/v2/{org}/two/manifests/{other_gone}"), 202)
    before = stored_files(server)
    preview = collect(admin, dry_run=True)
    report = collect(admin)
    after = stored_files(server)

    removed = set(before) - set(after)
    assert removed == {sha256(gone_a)[7:], sha256(gone_b)[7:]}
    # The manifests went with their DELETE; their layers and configs go now.
    assert report["blobs_deleted"] == 4 and report["database_bytes_freed"] > 0
    assert report["bytes_freed"] == sum(before[name] for name in removed) == len(gone_a) + len(gone_b)
    # The dry run counted what the collection then removed (nothing else was collectable).
    assert {k: preview[k] for k in ("manifests_deleted", "blobs_deleted", "bytes_freed")} == \
        {k: report[k] for k in ("manifests_deleted", "blobs_deleted", "bytes_freed")}
    pulls_back(reg, f"{org}/one", "kept", kept_body, [shared, kept_only])
    pulls_back(reg, f"{org}/two", "kept", other_body, [shared])
    assert get_manifest(reg, f"{org}/one", gone_digest).status_code == 404
    # A second collection finds nothing more.
    again = collect(admin)
    assert again["manifests_deleted"] == 0 and again["blobs_deleted"] == 0 and again["bytes_freed"] == 0


def test_index_children_and_referrers_live_and_go_with_what_reaches_them(server, admin):
    reg = admin.token_registry()
    org = new_organization(admin)
    repo = f"{org}/multi"
    children = []
    for arch in ("amd64", "arm64"):
        layer = layer_bytes(unique(arch), LAYER)
        config = encode({"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}})
        push_blob(reg, repo, config)
        push_blob(reg, repo, layer)
        child = oci_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER, layer)])
        push_manifest(reg, repo, sha256(child), child, OCI_MANIFEST)
        children.append((child, layer))
    index = encode({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": [descriptor(OCI_MANIFEST, c, platform={"architecture": a, "os": "linux"})
                                  for (c, _), a in zip(children, ("amd64", "arm64"))]})
    push_manifest(reg, repo, "multi", index, "application/vnd.oci.image.index.v1+json")
    # A signature-like referrer of the index.
    sig_layer = layer_bytes(unique("sig"), LAYER)
    push_blob(reg, repo, b"{}")
    push_blob(reg, repo, sig_layer)
    referrer = oci_manifest(descriptor("application/vnd.oci.empty.v1+json", b"{}"),
                            [descriptor("application/vnd.dev.cosign.simplesigning.v1+json", sig_layer)],
                            subject=descriptor("application/vnd.oci.image.index.v1+json", index),
                            artifact_type="application/vnd.dev.cosign.artifact.sig.v1+json")
    push_manifest(reg, repo, sha256(referrer), referrer, OCI_MANIFEST)

    report = collect(admin)
    for child, layer in children:
        assert get_manifest(reg, repo, sha256(child)).status_code == 200
        assert sha256(layer)[7:] in stored_files(server)
    assert get_manifest(reg, repo, sha256(referrer)).status_code == 200
    assert sha256(sig_layer)[7:] in stored_files(server)
    assert report["manifests_deleted"] == 0 or get_manifest(reg, repo, "multi").status_code == 200

    # Untagged, the index goes, and with it its children and its referrer.
    expect(call(reg, "DELETE", f"/v2/{repo}/manifests/multi"), 202)
    collect(admin)
    for child, layer in children:
        assert get_manifest(reg, repo, sha256(child)).status_code == 404
        assert sha256(layer)[7:] not in stored_files(server)
    assert get_manifest(reg, repo, sha256(referrer)).status_code == 404
    assert sha256(sig_layer)[7:] not in stored_files(server)


def test_history_window_keeps_an_untagged_manifest_restorable(server, admin):
    reg = admin.token_registry()
    keeping = new_organization(admin)
    admin.ok("PUT", f"/namespaces/{keeping}/history-window", {"history_window": "1d"})
    assert admin.ok("GET", f"/namespaces/{keeping}/history-window") == \
        {"namespace": keeping, "history_window": 86400, "default": False}
    layer = layer_bytes(unique("window"), LAYER)
    old_body, old_digest = image(reg, f"{keeping}/app", "latest", unique("c"), [layer])
    image(reg, f"{keeping}/app", "latest", unique("c"), [layer_bytes(unique("new"), LAYER)])  # moves the tag

    collect(admin)
    # Left its tag within the namespace's window: kept, and the tag can go back to it.
    assert get_manifest(reg, f"{keeping}/app", old_digest).status_code == 200
    admin.ok("PUT", f"/repositories/{keeping}/app/tags/latest", {"digest": old_digest})
    pulls_back(reg, f"{keeping}/app", "latest", old_body, [layer])

    # Back to the server's window (0s): a manifest that left its tag goes at once.
    admin.ok("DELETE", f"/namespaces/{keeping}/history-window", status=204)
    history = admin.ok("GET", f"/repositories/{keeping}/app/tags/latest/history")["history"]
    replaced = history[1]["new_digest"]  # the second image, replaced by the restore
    collect(admin)
    assert get_manifest(reg, f"{keeping}/app", replaced).status_code == 404
    assert get_manifest(reg, f"{keeping}/app", "latest").status_code == 200


def test_blob_grace_keeps_blobs_uploaded_or_looked_up_recently(tmp_path):
    reg = lifecycle_server(tmp_path / "pier", gc_blob_grace="1h")
    try:
        admin = Api(reg, "admin", ADMIN_PASSWORD)
        r = admin.token_registry()
        data = layer_bytes(unique("pending"), LAYER)
        push_blob(r, "admin/app", data)  # no manifest references it yet
        assert collect(admin)["blobs_deleted"] == 0
        assert sha256(data)[7:] in stored_files(reg)
        # A manifest pushed now can still reference it.
        config = encode({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}})
        push_blob(r, "admin/app", config)
        body = oci_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER, data)])
        push_manifest(r, "admin/app", "v1", body, OCI_MANIFEST)
    finally:
        reg.stop()


def test_deleting_a_repository_frees_its_blobs_at_the_next_collection(server, admin):
    reg = admin.token_registry()
    org = new_organization(admin)
    shared = layer_bytes(unique("shared"), LAYER)
    own = layer_bytes(unique("own"), LAYER)
    kept_body, _ = image(reg, f"{org}/stays", "v1", unique("c"), [shared])
    image(reg, f"{org}/goes", "v1", unique("c"), [shared, own])
    admin.ok("DELETE", f"/repositories/{org}/goes", status=204)
    assert sha256(own)[7:] in stored_files(server)
    collect(admin)
    assert sha256(own)[7:] not in stored_files(server)
    pulls_back(reg, f"{org}/stays", "v1", kept_body, [shared])


def test_deleting_an_organization_frees_what_its_repositories_reached(server, admin):
    reg = admin.token_registry()
    org = new_organization(admin)
    other = new_organization(admin)
    shared = layer_bytes(unique("shared"), LAYER)
    own = layer_bytes(unique("own"), LAYER)
    kept_body, _ = image(reg, f"{other}/stays", "v1", unique("c"), [shared])
    image(reg, f"{org}/a", "v1", unique("c"), [shared, own])
    image(reg, f"{org}/b/c", "v1", unique("c"), [own])
    admin.ok("PUT", f"/namespaces/{org}/quota", {"limit_bytes": 1 << 40})
    # An immutable tag holds the whole organization.
    admin.ok("PUT", f"/repositories/{org}/a/immutable-tags", {"patterns": ["v1"]})
    refused = expect(admin.delete(f"/organizations/{org}"), 403)
    assert f"{org}/a:v1" in message(refused)
    assert get_manifest(reg, f"{org}/b/c", "v1").status_code == 200
    admin.ok("PUT", f"/repositories/{org}/a/immutable-tags", {"patterns": []})
    admin.ok("DELETE", f"/organizations/{org}", status=204)
    assert admin.ok("GET", "/repositories", params={"namespace": org})["repositories"] == []
    collect(admin)
    assert sha256(own)[7:] not in stored_files(server)
    pulls_back(reg, f"{other}/stays", "v1", kept_body, [shared])
    # Made again under the name, it starts afresh.
    new_organization(admin, org)
    assert admin.ok("GET", f"/namespaces/{org}/quota")["limit_bytes"] is None


def test_expiry_from_the_label_and_from_the_api(server, admin):
    reg = admin.token_registry()
    org = new_organization(admin)
    repo = f"{org}/app"
    pushed_at = time.time()
    _, labelled = image(reg, repo, "labelled", unique("c"), [layer_bytes(unique("l"), 100)],
                        labels={"quay.expires-after": "2w"})
    _, annotated = image(reg, repo, "annotated", unique("c"), [layer_bytes(unique("a"), 100)],
                         labels={"quay.expires-after": "2w"}, annotations={"quay.expires-after": "3d"})
    _, plain = image(reg, repo, "plain", unique("c"), [layer_bytes(unique("p"), 100)],
                     labels={"quay.expires-after": "never"})
    tags = {t["name"]: t for t in admin.ok("GET", f"/repositories/{repo}/tags")["tags"]}
    assert abs(tags["labelled"]["expires_at"] - (pushed_at + 14 * 86400)) < 60
    assert abs(tags["annotated"]["expires_at"] - (pushed_at + 3 * 86400)) < 60  # annotations win
    assert tags["plain"]["expires_at"] is None  # not a duration: ignored, as Quay does

    # An index gets the label its images agree on.
    children = []
    for arch, label in (("amd64", "1w"), ("arm64", "1w"), ("s390x", "2d")):
        body, digest = image(reg, repo, f"child-{arch}", unique("c"), [layer_bytes(unique(arch), 100)],
                             labels={"quay.expires-after": label})
        children.append((body, arch))
    index_type = "application/vnd.oci.image.index.v1+json"
    for name, members in (("agreed", children[:2]), ("disagreed", children)):
        index = encode({"schemaVersion": 2, "mediaType": index_type,
                        "manifests": [descriptor(OCI_MANIFEST, b, platform={"architecture": a, "os": "linux"})
                                      for b, a in members]})
        push_manifest(reg, repo, name, index, index_type)
    tags = {t["name"]: t for t in admin.ok("GET", f"/repositories/{repo}/tags")["tags"]}
    assert abs(tags["agreed"]["expires_at"] - (pushed_at + 7 * 86400)) < 60
    assert tags["disagreed"]["expires_at"] is None

    # Moving the tag drops the expiry the old image gave it.
    image(reg, repo, "labelled", unique("c"), [layer_bytes(unique("m"), 100)])
    assert admin.ok("GET", f"/repositories/{repo}/tags", params={"q": "labelled"})["tags"][0]["expires_at"] is None

    # Through the API: removed within a minute of its expiry, recorded as a deletion.
    expires_at = int(time.time()) + 2
    tag = admin.ok("PUT", f"/repositories/{repo}/tags/plain/expiration", {"expires_at": expires_at})
    assert tag["expires_at"] == expires_at
    deadline = time.time() + 75
    while time.time() < deadline and get_manifest(reg, repo, "plain").status_code == 200:
        time.sleep(1)
    assert get_manifest(reg, repo, "plain").status_code == 404, "the expired tag is still served"
    assert time.time() - expires_at <= 62
    history = admin.ok("GET", f"/repositories/{repo}/tags/plain/history")["history"]
    assert history[0]["old_digest"] == plain and history[0]["new_digest"] is None
    # Restorable: the manifest is still there within... this server's window is 0s, so the
    # restore goes through the API before any collection.
    admin.ok("PUT", f"/repositories/{repo}/tags/plain", {"digest": plain})
    assert get_manifest(reg, repo, "plain").status_code == 200
    # Clearing and bad input.
    assert admin.ok("PUT", f"/repositories/{repo}/tags/annotated/expiration", {})["expires_at"] is None
    expect(admin.put(f"/repositories/{repo}/tags/annotated/expiration", {"expires_in": "soon"}), 400)
    expect(admin.put(f"/repositories/{repo}/tags/nope/expiration", {"expires_in": "1d"}), 404)
    assert annotated


def test_retention_dry_run_lists_exactly_what_the_run_removes(server, admin):
    reg = admin.token_registry()
    org = new_organization(admin)
    repo = f"{org}/app"
    for i in range(6):
        image(reg, repo, f"build-{i}", unique("c"), [layer_bytes(unique("r"), 100)])
        time.sleep(1.1)  # distinct push times
    image(reg, repo, "release-1", unique("c"), [layer_bytes(unique("r"), 100)])
    admin.ok("PUT", f"/repositories/{repo}/immutable-tags", {"patterns": ["build-0"]})
    policy = admin.ok("PUT", f"/namespaces/{org}/retention",
                      {"keep_newest": 2, "include": ["build-*"], "exclude": ["build-1"]})
    assert policy["policy"]["keep_newest"] == 2
    preview = admin.ok("POST", f"/namespaces/{org}/retention/run", {"dry_run": True})
    assert preview["dry_run"] is True
    # build-5 and build-4 are the newest two; build-1 is excluded, build-0 immutable.
    assert sorted(r["tag"] for r in preview["removed"]) == ["build-2", "build-3"]
    assert all(r["repository"] == repo and r["reason"] for r in preview["removed"])
    done = admin.ok("POST", f"/namespaces/{org}/retention/run", {"dry_run": False})
    assert done["removed"] == preview["removed"]
    left = sorted(t["name"] for t in admin.ok("GET", f"/repositories/{repo}/tags")["tags"])
    assert left == ["build-0", "build-1", "build-4", "build-5", "release-1"]
    history = admin.ok("GET", f"/repositories/{repo}/tags/build-2/history")["history"]
    assert history[0]["new_digest"] is None
    expect(admin.put(f"/namespaces/{org}/retention", {"include": ["x"]}), 400)
    expect(admin.put(f"/namespaces/{org}/retention", {"keep_newest": 1, "include": ["[unclosed"]}), 400)
    admin.ok("DELETE", f"/namespaces/{org}/retention", status=204)
    assert admin.ok("GET", f"/namespaces/{org}/retention") == {"policy": None}


def build_layout(path: Path, salt: str, files: int = 1) -> OciLayout:
    layout = OciLayout(path)
    add_image(layout, [{f"file-{salt}-{i}": os.urandom(1000) for i in range(files)}], tag="v1")
    return layout


def test_immutable_tags_are_refused_to_the_api_skopeo_and_podman(server, admin, clients, tmp_path):
    reg = admin.token_registry()
    org = new_organization(admin)
    repo = f"{org}/app"
    admin.ok("PUT", f"/namespaces/{org}/immutable-tags", {"patterns": ["v*"]})
    assert admin.ok("GET", f"/namespaces/{org}/immutable-tags") == {"patterns": ["v*"]}
    first = build_layout(tmp_path / "first", "first")
    second = build_layout(tmp_path / "second", "second")
    creds = ["--dest-creds", f"admin:{ADMIN_PASSWORD}"]
    # Created once...
    clients.skopeo_copy(f"oci:{first.path}:v1", docker_ref(server, repo, "v1.0"), dest_registry=server, extra=creds)
    # ...never moved: skopeo and podman get the rule in the error.
    refused = clients.skopeo_copy(f"oci:{second.path}:v1", docker_ref(server, repo, "v1.0"), dest_registry=server,
                                  extra=creds, check=False)
    assert refused.returncode != 0
    assert "immutable" in refused.stderr and "v*" in refused.stderr, refused.stderr
    clients.podman("pull", *clients.registry_flags(server), "--creds", f"admin:{ADMIN_PASSWORD}",
                   f"{server.host}/{repo}:v1.0")
    clients.skopeo_copy(f"oci:{second.path}:v1", docker_ref(server, repo, "other"), dest_registry=server, extra=creds)
    clients.podman("pull", *clients.registry_flags(server), "--creds", f"admin:{ADMIN_PASSWORD}",
                   f"{server.host}/{repo}:other")
    clients.podman("tag", f"{server.host}/{repo}:other", f"{server.host}/{repo}:v1.0")
    pushed = clients.podman("push", *clients.registry_flags(server), "--creds", f"admin:{ADMIN_PASSWORD}",
                            f"{server.host}/{repo}:v1.0", check=False)
    assert pushed.returncode != 0 and "immutable" in pushed.stderr, pushed.stderr
    # The registry API answers DENIED naming the rule.
    other = get_manifest(reg, repo, "other")
    resp = call(reg, "PUT", f"/v2/{repo}/manifests/v1.0", data=other.content,
                headers={"Content-Type": other.headers["Content-Type"]})
    expect(resp, 403, "DENIED")
    assert "v*" in message(resp) and org in message(resp)
    # Deletes and API moves too; a tag outside the patterns moves freely.
    original = get_manifest(reg, repo, "v1.0").headers["Docker-Content-Digest"]
    expect(call(reg, "DELETE", f"/v2/{repo}/manifests/v1.0"), 403, "DENIED")
    expect(call(reg, "DELETE", f"/v2/{repo}/manifests/{original}"), 403, "DENIED")
    expect(admin.put(f"/repositories/{repo}/tags/v1.0", {"digest": other.headers["Docker-Content-Digest"]}), 403)
    expect(admin.delete(f"/repositories/{repo}/tags/v1.0"), 403)
    expect(admin.put(f"/repositories/{repo}/tags/v1.0/expiration", {"expires_in": "1d"}), 403)
    expect(admin.delete(f"/repositories/{repo}"), 403)
    admin.ok("PUT", f"/repositories/{repo}/tags/other", {"digest": original})
    assert get_manifest(reg, repo, "v1.0").headers["Docker-Content-Digest"] == original
    # Repository rules add to the namespace's; clearing the namespace's frees the tag.
    admin.ok("PUT", f"/repositories/{repo}/immutable-tags", {"patterns": ["release-*"]})
    admin.ok("PUT", f"/repositories/{repo}/tags/release-1", {"digest": original})
    expect(admin.delete(f"/repositories/{repo}/tags/release-1"), 403)
    admin.ok("PUT", f"/namespaces/{org}/immutable-tags", {"patterns": []})
    admin.ok("DELETE", f"/repositories/{repo}/tags/v1.0", status=204)
    expect(admin.put(f"/namespaces/{org}/immutable-tags", {"patterns": ["[oops"]}), 400)


def test_quota_counts_shared_layers_once_and_refuses_the_push_over_it(server, admin, clients, tmp_path):
    reg = admin.token_registry()
    org = new_organization(admin)
    shared = layer_bytes(unique("q-shared"), LAYER)
    image(reg, f"{org}/one", "v1", unique("c"), [shared])
    first = admin.ok("GET", f"/namespaces/{org}/quota")
    assert first["limit_bytes"] is None and first["state"] == "ok"
    # The same layer in a second repository costs nothing more.
    _, second_digest = image(reg, f"{org}/two", "v1", unique("c"), [shared])
    usage = admin.ok("GET", f"/namespaces/{org}/quota")
    config_growth = usage["used_bytes"] - first["used_bytes"]
    assert 0 < config_growth < 1000, usage  # only the second image's small config
    limit = usage["used_bytes"] + LAYER // 2
    quota = admin.ok("PUT", f"/namespaces/{org}/quota", {"limit_bytes": limit, "warning_bytes": usage["used_bytes"]})
    assert quota["limit_bytes"] == limit and quota["state"] == "warning"
    # A new layer would cross the limit: refused with DENIED naming the quota.
    big = layer_bytes(unique("q-big"), LAYER)
    location = call(reg, "POST", f"/v2/{org}/two/blobs/uploads/").headers["Location"]
    resp = call(reg, "PUT", location + ("&" if "?" in location else "?") + f"digest={sha256(big)}", data=big,
                headers={"Content-Type": "application/octet-stream"})
    expect(resp, 403, "DENIED")
    assert "quota" in message(resp) and org in message(resp)
    assert sha256(big)[7:] not in stored_files(server)
    # skopeo gets the refusal too.
    layout = build_layout(tmp_path / "big", "quota", files=60)  # ~60 kB of random layer
    failed = clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(server, f"{org}/three", "v1"),
                                 dest_registry=server, extra=["--dest-creds", f"admin:{ADMIN_PASSWORD}"], check=False)
    assert failed.returncode != 0 and "quota" in failed.stderr, failed.stderr
    # Deleting and collecting lowers the usage.
    expect(call(reg, "DELETE", f"/v2/{org}/two/manifests/{second_digest}"), 202)
    collect(admin)
    after = admin.ok("GET", f"/namespaces/{org}/quota")
    assert after["used_bytes"] == first["used_bytes"]
    admin.ok("DELETE", f"/repositories/{org}/one", status=204)
    collect(admin)
    assert admin.ok("GET", f"/namespaces/{org}/quota")["used_bytes"] == 0
    # Only superusers set quotas; a namespace's owner may read its own.
    owner = new_user(admin)
    owned = new_organization(owner)
    expect(owner.put(f"/namespaces/{owned}/quota", {"limit_bytes": 10}), 403)
    assert owner.ok("GET", f"/namespaces/{owned}/quota")["used_bytes"] == 0
    expect(admin.put(f"/namespaces/{owned}/quota", {"limit_bytes": -1}), 400)
    expect(admin.get(f"/namespaces/{unique('missing')}/quota"), 404)
    admin.ok("DELETE", f"/namespaces/{org}/quota", status=204)


def test_collection_in_a_loop_while_skopeo_pushes_reuse_layers_of_deleted_images(tmp_path):
    """Layers older than the grace, whose images were just deleted, are pushed again by
    skopeo (which finds them present and skips their upload) while collections run back to
    back: every push succeeds and pulls back byte-identical."""
    reg = lifecycle_server(tmp_path / "pier", gc_blob_grace="4s")
    clients = Clients(tmp_path / "clients")
    stop = threading.Event()
    errors = []
    collections = [0]

    def collect_forever():
        api = Api(reg, "admin", ADMIN_PASSWORD)
        while not stop.is_set():
            resp = api.post("/gc", {"dry_run": False})
            if resp.status_code != 200:
                errors.append(resp.text)
            collections[0] += 1

    try:
        admin = Api(reg, "admin", ADMIN_PASSWORD)
        creds = ["--dest-creds", f"admin:{ADMIN_PASSWORD}"]
        layouts = [build_layout(tmp_path / f"layout{i}", f"loop{i}", files=30) for i in range(6)]
        for i, layout in enumerate(layouts):
            clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(reg, "admin/first", f"t{i}"),
                                dest_registry=reg, extra=creds)
        time.sleep(5)  # the layers are now older than the grace
        collector = threading.Thread(target=collect_forever, daemon=True)
        collector.start()
        r = admin.token_registry()
        for i, layout in enumerate(layouts):
            digest = get_manifest(r, "admin/first", f"t{i}").headers["Docker-Content-Digest"]
            expect(call(r, "DELETE", f"/v2/admin/first/manifests/{digest}"), 202)
            # Same layers, same config: skopeo HEADs each blob and skips what it finds.
            clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(reg, "admin/second", f"t{i}"),
                                dest_registry=reg, extra=creds)
        stop.set()
        collector.join(timeout=60)
        assert not errors, errors
        assert collections[0] > len(layouts), "collections did not overlap the pushes"
        for i, layout in enumerate(layouts):
            pulled = tmp_path / f"pulled{i}"
            clients.skopeo_copy(docker_ref(reg, "admin/second", f"t{i}"), f"oci:{pulled}:v1", src_registry=reg,
                                extra=["--src-creds", f"admin:{ADMIN_PASSWORD}"])
            assert OciLayout(pulled).image_layer_files("v1") == layout.image_layer_files("v1")
    finally:
        stop.set()
        clients.close()
        reg.stop()


def test_kill_during_a_collection_loses_nothing_reachable_and_the_next_one_finishes(tmp_path):
    reg = lifecycle_server(tmp_path / "pier")
    data_dir = reg.data_dir
    admin = Api(reg, "admin", ADMIN_PASSWORD)
    r = admin.token_registry()
    kept = []
    doomed = []
    for i in range(200):
        layers = [layer_bytes(f"kill-{i}", LAYER)]
        body, digest = image(r, f"admin/app{i % 6}", f"t{i}", f"kill-{i}", layers)
        (doomed if i % 2 else kept).append((f"admin/app{i % 6}", f"t{i}", body, digest, layers))
    for repo, _, _, digest, _ in doomed:
        expect(call(r, "DELETE", f"/v2/{repo}/manifests/{digest}"), 202)
    doomed_files = {sha256(layers[0])[7:] for *_, layers in doomed}
    # Killed as soon as the collection has removed its first file (its request goes unanswered).
    collecting = threading.Thread(target=lambda: admin.post("/gc", {"dry_run": False}), daemon=True)
    collecting.start()
    deadline = time.time() + 60
    while time.time() < deadline and doomed_files <= set(stored_files(reg)):
        time.sleep(0.001)
    os.kill(reg.process.pid, signal.SIGKILL)
    reg.process.wait()
    collecting.join(timeout=30)
    left = doomed_files & set(stored_files(reg))
    assert 0 < len(left) < len(doomed_files), "the kill did not land inside the collection"
    reg = lifecycle_server(data_dir)
    try:
        admin = Api(reg, "admin", ADMIN_PASSWORD)
        r = admin.token_registry()
        for repo, tag, body, _, layers in kept:
            pulls_back(r, repo, tag, body, layers)
        collect(admin)
        files = stored_files(reg)
        assert not doomed_files & set(files)
        for repo, tag, body, digest, layers in doomed:
            assert get_manifest(r, repo, digest).status_code == 404
        for repo, tag, body, _, layers in kept:
            pulls_back(r, repo, tag, body, layers)
        assert collect(admin)["blobs_deleted"] == 0
    finally:
        reg.stop()


def test_only_superusers_collect_and_gc_shows_in_metrics(server, admin):
    someone = new_user(admin)
    expect(someone.post("/gc", {"dry_run": True}), 403)
    expect(admin.post("/gc", {"dry_run": "yes"}), 400)
    collect(admin)
    status = admin.ok("GET", "/gc")
    assert status["history_window"] == 0 and status["blob_grace"] == 0 and status["runs"] >= 1
    metrics = requests.get(f"{server.url}/metrics", timeout=10).text
    assert "pier_gc_runs " in metrics and "pier_gc_bytes_freed " in metrics
