"""The management API's view of what repositories hold (/api/v1/repositories, their tags and
manifests), and the organization and user listings: real images pushed with skopeo (one
image, one multi-arch index) and read back through the API with their sizes and platforms;
tags moved, restored and deleted with their history, and the registry serving each change at
once; repositories created, listed, filtered, paged and deleted; who may do each, and how bad
input is refused.

One Pier serves the module (conftest.py `server`); each test makes its own accounts and
organizations with fresh names."""

import json
import time

import pytest

from api_client import Api, expect, new_organization, new_user, unique
from client_tools import Clients, build_multi_arch_layout, build_single_arch_layout, docker_ref
from oci_helpers import OCI_INDEX, OCI_MANIFEST, get_manifest, push_oci_image
from servers import ADMIN_PASSWORD

BAD_DIGEST = "sha256:not-hex"
UNKNOWN_DIGEST = "sha256:" + "0" * 64


@pytest.fixture
def anonymous(server):
    return Api(server)


@pytest.fixture
def clients(tmp_path):
    c = Clients(tmp_path / "clients")
    yield c
    c.close()


def skopeo_push(clients, server, layout, source_tag, repository, tag, all_images=False):
    clients.skopeo_copy(f"oci:{layout.path}:{source_tag}", docker_ref(server, repository, tag), dest_registry=server,
                        all_images=all_images, extra=["--dest-creds", f"admin:{ADMIN_PASSWORD}"])


def image_size(manifest: bytes) -> int:
    document = json.loads(manifest)
    return document["config"]["size"] + sum(layer["size"] for layer in document["layers"])


def tags_of(api, repository, **params):
    return api.ok("GET", f"/repositories/{repository}/tags", params=params)


def pulled_digest(api, repository, reference):
    resp = get_manifest(api.registry(), repository, reference)
    return resp.headers.get("Docker-Content-Digest") if resp.status_code == 200 else resp.status_code


def repository_events(admin, repository):
    events = admin.ok("GET", "/audit", params={"repository": repository, "limit": 1000})["events"]
    return [e["detail"] for e in reversed(events) if e["action"] == "repository_change"]


# ---------------------------------------------------------------- tags and manifests of real images

def test_tags_show_digest_size_platforms_and_time_of_real_images(server, admin, clients, tmp_path):
    org = new_organization(admin)
    repository = f"{org}/app"
    single_layout, image = build_single_arch_layout(tmp_path / "single", tag="v1", salt=str(tmp_path))
    multi_layout, index = build_multi_arch_layout(tmp_path / "multi", tag="multi", salt=str(tmp_path))
    before = int(time.time())
    skopeo_push(clients, server, single_layout, "v1", repository, "1.0")
    skopeo_push(clients, server, multi_layout, "multi", repository, "multi", all_images=True)

    answer = tags_of(admin, repository)
    assert answer["next"] is None
    by_name = {tag["name"]: tag for tag in answer["tags"]}
    assert list(by_name) == ["1.0", "multi"]
    single = by_name["1.0"]
    assert single["digest"] == image.manifest_digest
    assert single["media_type"] == OCI_MANIFEST
    assert single["size"] == image_size(image.manifest)
    assert single["platforms"] == [{"os": "linux", "architecture": "amd64", "variant": ""}]
    assert before - 1 <= single["last_modified"] <= int(time.time()) + 1
    multi = by_name["multi"]
    assert multi["digest"] == index.index_digest
    assert multi["media_type"] == OCI_INDEX
    assert multi["size"] == sum(image_size(img.manifest) for img in index.images.values())
    assert sorted(p["architecture"] for p in multi["platforms"]) == ["amd64", "arm64"]
    assert {p["os"] for p in multi["platforms"]} == {"linux"}

    summary = admin.ok("GET", f"/repositories/{repository}")
    assert summary == {"name": repository, "namespace": org, "public": False, "tag_count": 2,
                       "last_modified": summary["last_modified"], "can_write": True, "can_admin": True}
    assert summary["last_modified"] >= single["last_modified"]

    # The index in detail: its images with their platforms, and the tag on it.
    detail = admin.ok("GET", f"/repositories/{repository}/manifests/{index.index_digest}")
    assert detail["digest"] == index.index_digest
    assert detail["media_type"] == OCI_INDEX
    assert detail["size"] == len(index.index)
    assert detail["total_size"] == multi["size"]
    assert detail["config"] is None and detail["layers"] == []
    assert detail["artifact_type"] is None and detail["subject"] is None and detail["annotations"] == {}
    assert detail["tags"] == ["multi"]
    assert [(m["digest"], m["platform"]["architecture"]) for m in detail["manifests"]] == \
        [(img.manifest_digest, arch) for arch, img in index.images.items()]
    assert all(m["media_type"] == OCI_MANIFEST and m["size"] > 0 for m in detail["manifests"])

    # One of its images: config and layers as the manifest lists them, and no tag.
    arm = index.images["arm64"]
    child = admin.ok("GET", f"/repositories/{repository}/manifests/{arm.manifest_digest}")
    manifest = json.loads(arm.manifest)
    assert child["config"] == {"digest": arm.config_digest, "media_type": manifest["config"]["mediaType"],
                               "size": len(arm.config)}
    assert [layer["digest"] for layer in child["layers"]] == arm.layer_digests
    assert child["manifests"] == [] and child["tags"] == []
    assert child["total_size"] == image_size(arm.manifest)
    assert child["platforms"] == [{"os": "linux", "architecture": "arm64", "variant": ""}]


def test_moving_restoring_and_deleting_a_tag(server, admin):
    alice = new_user(admin)
    org = new_organization(alice)
    repository = f"{org}/moving"
    _, first = push_oci_image(alice.registry(), repository, "1.0", seed=unique("first"))
    _, second = push_oci_image(alice.registry(), repository, "1.0", seed=unique("second"))
    assert pulled_digest(alice, repository, "1.0") == second["digest"]  # now in the registry's cache

    moved = alice.ok("PUT", f"/repositories/{repository}/tags/1.0", {"digest": first["digest"]})
    assert moved["name"] == "1.0" and moved["digest"] == first["digest"] and moved["media_type"] == OCI_MANIFEST
    assert pulled_digest(alice, repository, "1.0") == first["digest"]
    alice.ok("PUT", f"/repositories/{repository}/tags/stable", {"digest": second["digest"]})
    assert pulled_digest(alice, repository, "stable") == second["digest"]
    restored = alice.ok("PUT", f"/repositories/{repository}/tags/1.0", {"digest": second["digest"]})
    assert restored["digest"] == second["digest"]
    assert pulled_digest(alice, repository, "1.0") == second["digest"]

    history = alice.ok("GET", f"/repositories/{repository}/tags/1.0/history")["history"]
    assert [(e["old_digest"], e["new_digest"]) for e in history] == [
        (first["digest"], second["digest"]),  # restored
        (second["digest"], first["digest"]),  # moved
        (first["digest"], second["digest"]),  # second push
        (None, first["digest"]),              # first push
    ]
    assert all(e["tag"] == "1.0" and isinstance(e["changed_at"], int) for e in history)
    assert history[0]["changed_at"] >= history[-1]["changed_at"]
    assert alice.ok("GET", f"/repositories/{repository}/manifests/{second['digest']}")["tags"] == ["1.0", "stable"]

    alice.ok("DELETE", f"/repositories/{repository}/tags/stable", status=204)
    assert pulled_digest(alice, repository, "stable") == 404
    assert pulled_digest(alice, repository, second["digest"]) == second["digest"]  # the manifest stays
    deleted = alice.ok("GET", f"/repositories/{repository}/tags/stable/history")["history"][0]
    assert (deleted["old_digest"], deleted["new_digest"]) == (second["digest"], None)
    expect(alice.delete(f"/repositories/{repository}/tags/stable"), 404, "MANIFEST_UNKNOWN")
    expect(alice.put(f"/repositories/{repository}/tags/1.0", {"digest": UNKNOWN_DIGEST}), 404, "MANIFEST_UNKNOWN")
    assert [t["name"] for t in tags_of(alice, repository)["tags"]] == ["1.0"]

    assert [(d["change"], d["tag"]) for d in repository_events(admin, repository)] == [
        ("tag_moved", "1.0"), ("tag_moved", "stable"), ("tag_moved", "1.0"), ("tag_deleted", "stable")]


# ---------------------------------------------------------------- repositories

def test_creating_a_repository(server, admin, anonymous):
    alice, bob = new_user(admin), new_user(admin)
    org = new_organization(alice)
    repository = f"{org}/empty"
    created = alice.ok("POST", "/repositories", {"name": repository}, status=201)
    assert created == {"name": repository, "namespace": org, "public": False, "tag_count": 0, "last_modified": None}
    expect(alice.post("/repositories", {"name": repository}), 400, "UNSUPPORTED")
    assert tags_of(alice, repository) == {"tags": [], "next": None}
    # Its creator may push into it, and it holds what is pushed.
    push_oci_image(alice.registry(), repository, "v1", seed=unique("empty"))
    assert alice.ok("GET", f"/repositories/{repository}")["tag_count"] == 1

    public = alice.ok("POST", "/repositories", {"name": f"{org}/open", "public": True}, status=201)
    assert public["public"] is True
    assert alice.ok("GET", f"/repositories/{org}/open/permissions")["permissions"] == \
        [{"kind": "user", "name": alice.user, "role": "admin"}]
    # Bob may create only in his own namespace; a public repository is his to read, not to change.
    expect(bob.post("/repositories", {"name": f"{org}/bobs"}), 403, "DENIED")
    bob.ok("POST", "/repositories", {"name": f"{bob.user}/mine"}, status=201)
    assert bob.ok("GET", f"/repositories/{org}/open")["can_write"] is False
    expect(anonymous.post("/repositories", {"name": f"{org}/anon"}), 401, "UNAUTHORIZED")
    for body in ({}, {"name": "UPPER/case"}, {"name": f"{org}/x", "public": "yes"}, {"name": f"{org}/x", "extra": 1}):
        expect(alice.post("/repositories", body), 400)
    expect(alice.post("/repositories", {"name": "bad//name"}), 400, "NAME_INVALID")
    assert [d["change"] for d in repository_events(admin, repository)] == ["repository_created"]


def test_deleting_a_repository(server, admin, anonymous):
    alice, bob = new_user(admin), new_user(admin)
    org = new_organization(alice)
    repository = f"{org}/doomed"
    _, image = push_oci_image(alice.registry(), repository, "v1", seed=unique("doomed"))
    alice.ok("PUT", f"/repositories/{repository}/permissions/user/{bob.user}", {"role": "write"})
    alice.ok("PUT", f"/repositories/{repository}/visibility", {"public": True})
    assert pulled_digest(alice, repository, "v1") == image["digest"]  # cached by the registry

    expect(bob.delete(f"/repositories/{repository}"), 403, "DENIED")
    expect(anonymous.delete(f"/repositories/{repository}"), 401, "UNAUTHORIZED")
    alice.ok("DELETE", f"/repositories/{repository}", status=204)
    assert pulled_digest(admin, repository, "v1") == 404
    assert pulled_digest(admin, repository, image["digest"]) == 404
    expect(admin.get(f"/repositories/{repository}"), 404, "NAME_UNKNOWN")
    assert admin.ok("GET", f"/repositories/{repository}/permissions") == {"permissions": []}
    assert repository not in [r["name"] for r in admin.ok("GET", "/repositories", params={"namespace": org})["repositories"]]
    expect(admin.delete(f"/repositories/{repository}"), 404, "NAME_UNKNOWN")
    assert repository_events(admin, repository)[-1] == {"change": "repository_deleted"}

    # The name starts afresh: pushing again makes a new, private repository.
    push_oci_image(alice.registry(), repository, "v2", seed=unique("again"))
    again = alice.ok("GET", f"/repositories/{repository}")
    assert again["public"] is False and again["tag_count"] == 1


def test_listing_filters_pages_and_shows_only_what_the_caller_may_pull(server, admin, anonymous):
    alice, bob, carol = new_user(admin), new_user(admin), new_user(admin)
    org = new_organization(alice)
    for name in ("api", "web", "worker", "tools"):
        alice.ok("POST", "/repositories", {"name": f"{org}/{name}"}, status=201)
    alice.ok("PUT", f"/repositories/{org}/web/permissions/user/{bob.user}", {"role": "read"})
    alice.ok("PUT", f"/repositories/{org}/tools/visibility", {"public": True})

    names = lambda answer: [r["name"] for r in answer["repositories"]]  # noqa: E731
    everything = alice.ok("GET", "/repositories", params={"namespace": org})
    assert names(everything) == [f"{org}/api", f"{org}/tools", f"{org}/web", f"{org}/worker"]
    assert everything["next"] is None
    assert everything["repositories"][1] == {"name": f"{org}/tools", "namespace": org, "public": True,
                                             "tag_count": 0, "last_modified": None}
    assert names(alice.ok("GET", "/repositories", params={"namespace": org, "q": "W"})) == [f"{org}/web", f"{org}/worker"]

    first = alice.ok("GET", "/repositories", params={"namespace": org, "limit": 3})
    assert names(first) == [f"{org}/api", f"{org}/tools", f"{org}/web"] and first["next"] == f"{org}/web"
    second = alice.ok("GET", "/repositories", params={"namespace": org, "limit": 3, "after": first["next"]})
    assert names(second) == [f"{org}/worker"] and second["next"] is None

    # Bob sees what he was given and what is public; the pages hold only that.
    assert names(bob.ok("GET", "/repositories", params={"namespace": org})) == [f"{org}/tools", f"{org}/web"]
    bob_first = bob.ok("GET", "/repositories", params={"namespace": org, "limit": 1})
    assert names(bob_first) == [f"{org}/tools"] and bob_first["next"] == f"{org}/tools"
    assert names(bob.ok("GET", "/repositories", params={"namespace": org, "after": bob_first["next"]})) == [f"{org}/web"]
    assert names(carol.ok("GET", "/repositories", params={"namespace": org})) == [f"{org}/tools"]
    assert len(names(admin.ok("GET", "/repositories", params={"namespace": org}))) == 4
    expect(anonymous.get("/repositories"), 401, "UNAUTHORIZED")
    for params in ({"limit": 0}, {"limit": 1001}, {"limit": "x"}, {"namespace": "UP"}, {"q": "x" * 300}):
        expect(alice.get("/repositories", params=params), 400)


# ---------------------------------------------------------------- who may do what, and bad input

def test_authorization_of_tags_and_manifests(server, admin, anonymous):
    alice, reader, stranger = new_user(admin), new_user(admin), new_user(admin)
    org = new_organization(alice)
    repository = f"{org}/guarded"
    _, image = push_oci_image(alice.registry(), repository, "v1", seed=unique("guarded"))
    alice.ok("PUT", f"/repositories/{repository}/permissions/user/{reader.user}", {"role": "read"})
    tag_path = f"/repositories/{repository}/tags/v1"

    assert [t["name"] for t in tags_of(reader, repository)["tags"]] == ["v1"]
    assert reader.ok("GET", f"/repositories/{repository}/manifests/{image['digest']}")["tags"] == ["v1"]
    view = reader.ok("GET", f"/repositories/{repository}")
    assert view["can_write"] is False and view["can_admin"] is False
    expect(reader.put(tag_path, {"digest": image["digest"]}), 403, "DENIED")
    expect(reader.put(f"/repositories/{repository}/tags/new", {"digest": image["digest"]}), 403, "DENIED")
    expect(reader.delete(tag_path), 403, "DENIED")
    expect(reader.delete(f"/repositories/{repository}"), 403, "DENIED")

    for path in (f"/repositories/{repository}", f"/repositories/{repository}/tags", f"{tag_path}/history",
                 f"/repositories/{repository}/manifests/{image['digest']}"):
        expect(stranger.get(path), 403, "DENIED")
        expect(anonymous.get(path), 401, "UNAUTHORIZED")
    expect(stranger.put(tag_path, {"digest": image["digest"]}), 403, "DENIED")
    expect(anonymous.put(tag_path, {"digest": image["digest"]}), 401, "UNAUTHORIZED")
    expect(anonymous.delete(tag_path), 401, "UNAUTHORIZED")
    assert repository not in [r["name"] for r in stranger.ok("GET", "/repositories")["repositories"]]
    # A tag put on a repository nobody created makes nothing.
    expect(stranger.put(f"/repositories/{stranger.user}/none/tags/v1", {"digest": image["digest"]}), 404, "NAME_UNKNOWN")
    expect(stranger.get(f"/repositories/{stranger.user}/none"), 404, "NAME_UNKNOWN")
    assert pulled_digest(alice, repository, "v1") == image["digest"]


def test_bad_input_is_refused_with_clear_errors(server, admin):
    org = new_organization(admin)
    repository = f"{org}/input"
    _, image = push_oci_image(admin.registry(), repository, "v1", seed=unique("input"))

    expect(admin.get("/repositories/UPPER/case"), 400, "NAME_INVALID")
    expect(admin.get("/repositories/bad..name/tags"), 400, "NAME_INVALID")
    expect(admin.put("/repositories/UPPER/tags/v1", {"digest": image["digest"]}), 400, "NAME_INVALID")
    expect(admin.get(f"/repositories/{repository}/manifests/{BAD_DIGEST}"), 400, "DIGEST_INVALID")
    expect(admin.put(f"/repositories/{repository}/tags/v2", {"digest": BAD_DIGEST}), 400, "DIGEST_INVALID")
    for body in ({}, {"digest": 5}, {"digest": image["digest"], "tag": "x"}):
        expect(admin.put(f"/repositories/{repository}/tags/v2", body), 400, "UNSUPPORTED")
    expect(admin.put(f"/repositories/{repository}/tags/.bad", {"digest": image["digest"]}), 400, "UNSUPPORTED")
    expect(admin.put(f"/repositories/{repository}/tags/{'t' * 129}", {"digest": image["digest"]}), 400, "UNSUPPORTED")
    expect(admin.delete(f"/repositories/{repository}/tags/nope"), 404, "MANIFEST_UNKNOWN")
    expect(admin.get(f"/repositories/{repository}/manifests/{UNKNOWN_DIGEST}"), 404, "MANIFEST_UNKNOWN")
    expect(admin.get(f"/repositories/{org}/missing"), 404, "NAME_UNKNOWN")
    expect(admin.get(f"/repositories/{org}/missing/tags"), 404, "NAME_UNKNOWN")
    assert admin.ok("GET", f"/repositories/{repository}/tags/nope/history") == {"history": []}
    for params in ({"limit": 0}, {"after": "a" * 300}):
        expect(admin.get(f"/repositories/{repository}/tags", params=params), 400, "UNSUPPORTED")


def test_tag_lists_filter_and_page(server, admin):
    org = new_organization(admin)
    repository = f"{org}/many"
    _, image = push_oci_image(admin.registry(), repository, "base", seed=unique("many"))
    for tag in ("1.0", "1.1", "2.0-RC", "latest"):
        admin.ok("PUT", f"/repositories/{repository}/tags/{tag}", {"digest": image["digest"]})
    names = lambda answer: [t["name"] for t in answer["tags"]]  # noqa: E731
    first = tags_of(admin, repository, limit=2)
    assert names(first) == ["1.0", "1.1"] and first["next"] == "1.1"
    rest = tags_of(admin, repository, limit=10, after=first["next"])
    assert names(rest) == ["2.0-RC", "base", "latest"] and rest["next"] is None
    assert names(tags_of(admin, repository, q="rc")) == ["2.0-RC"]
    assert names(tags_of(admin, repository, q="1.")) == ["1.0", "1.1"]
    assert admin.ok("GET", f"/repositories/{repository}")["tag_count"] == 5


# ---------------------------------------------------------------- organizations and users

def test_organizations_and_users_listings(server, admin, anonymous):
    alice, bob = new_user(admin), new_user(admin)
    org = new_organization(alice)
    other = new_organization(admin)
    alice.ok("PUT", f"/organizations/{org}/teams/devs", {"role": "member"}, status=201)
    alice.ok("PUT", f"/organizations/{org}/teams/devs/members/{bob.user}", status=204)

    assert [o["name"] for o in alice.ok("GET", "/organizations")["organizations"]] == [org]
    assert [o["name"] for o in bob.ok("GET", "/organizations")["organizations"]] == [org]
    listed = admin.ok("GET", "/organizations", params={"limit": 1000})
    assert {org, other} <= {o["name"] for o in listed["organizations"]} and listed["next"] is None
    assert all(isinstance(o["created_at"], int) for o in listed["organizations"])
    page = admin.ok("GET", "/organizations", params={"limit": 1})
    assert len(page["organizations"]) == 1 and page["next"] == page["organizations"][0]["name"]

    assert alice.ok("GET", f"/organizations/{org}")["is_admin"] is True
    member_view = bob.ok("GET", f"/organizations/{org}")
    assert member_view["name"] == org and member_view["is_admin"] is False
    expect(bob.get(f"/organizations/{other}"), 403, "DENIED")
    expect(admin.get("/organizations/nosuchorg"), 404, "NAME_UNKNOWN")
    expect(anonymous.get("/organizations"), 401, "UNAUTHORIZED")

    users = admin.ok("GET", "/users", params={"limit": 1000})
    by_name = {u["name"]: u for u in users["users"]}
    assert by_name["admin"]["superuser"] is True
    assert by_name[alice.user] == {"name": alice.user, "email": "", "superuser": False, "kind": "user", "disabled": False}
    first = admin.ok("GET", "/users", params={"limit": 1})
    assert first["next"] == first["users"][0]["name"]
    assert admin.ok("GET", "/users", params={"after": first["next"], "limit": 1})["users"][0]["name"] > first["next"]
    expect(alice.get("/users"), 403, "DENIED")
    expect(anonymous.get("/users"), 401, "UNAUTHORIZED")
