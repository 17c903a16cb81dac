"""Pier with its metadata on PostgreSQL (metadata.driver: postgres): a PostgreSQL 15 server of
the tests' own (tests/postgres.sh, a Unix socket in a folder under /tmp), real clients, and
several Pier processes sharing one database."""
import subprocess

import pytest
import requests

from api_client import Api, new_user
from client_tools import Clients, OciLayout, build_single_arch_layout, docker_ref, sha256_digest
from registry_auth import Bearer, fetch_token
from servers import ADMIN_PASSWORD, PIER_BINARY, start_pier

from shared_backends import database, postgres, start_on_postgres  # noqa: F401 (fixtures)


@pytest.fixture
def clients(tmp_path):
    c = Clients(tmp_path / "clients")
    yield c
    c.close()


def login(clients, reg, user="admin", password=ADMIN_PASSWORD):
    clients.skopeo("login", "--tls-verify=false", "-u", user, "-p", password, reg.host)


def test_an_image_pushed_is_kept_in_postgres_across_restarts(tmp_path, database, clients):
    layout, image = build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))
    blobs, key = tmp_path / "blobs", tmp_path / "token-key.pem"
    reg = start_on_postgres(tmp_path / "one", database, blobs, key)
    try:
        login(clients, reg)
        ref = docker_ref(reg, "admin/app", "v1")
        clients.skopeo_copy(f"oci:{layout.path}:v1", ref, dest_registry=reg)
        assert sha256_digest(clients.raw_manifest(ref, reg)) == image.manifest_digest
    finally:
        reg.stop()
    # Nothing of the metadata was written beside the blobs.
    assert not list((tmp_path / "one").glob("*.db*"))

    # A new process with a new data folder finds the account, the repository and the tag.
    again = start_on_postgres(tmp_path / "two", database, blobs, key)
    try:
        login(clients, again)
        ref = docker_ref(again, "admin/app", "v1")
        assert sha256_digest(clients.raw_manifest(ref, again)) == image.manifest_digest
        assert clients.list_tags(f"docker://{again.host}/admin/app", again) == ["v1"]
        admin = Api(again, "admin", ADMIN_PASSWORD)
        names = [r["name"] for r in admin.ok("GET", "/repositories")["repositories"]]
        assert "admin/app" in names
    finally:
        again.stop()


def test_replicas_share_accounts_tokens_and_images(tmp_path, database, clients):
    layout, image = build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))
    blobs, key = tmp_path / "blobs", tmp_path / "token-key.pem"
    first = start_on_postgres(tmp_path / "r1", database, blobs, key)
    second = start_on_postgres(tmp_path / "r2", database, blobs, key)
    try:
        # An account made on one replica signs in on the other.
        bob = new_user(Api(first, "admin", ADMIN_PASSWORD), name="bob")
        login(clients, second, "bob", "bob-password")
        ref = docker_ref(second, "bob/tool", "1.0")
        clients.skopeo_copy(f"oci:{layout.path}:v1", ref, dest_registry=second)

        # Pushed through the second, served by the first, byte for byte.
        token = fetch_token(first, "repository:bob/tool:pull", user="bob", password="bob-password")
        manifest = requests.get(f"{first.url}/v2/bob/tool/manifests/1.0", auth=Bearer(token), timeout=10,
                                headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        assert manifest.status_code == 200 and manifest.content == image.manifest
        # A token from one replica is accepted by the other (they share the signing key).
        on_second = requests.get(f"{second.url}/v2/bob/tool/tags/list", auth=Bearer(token), timeout=10)
        assert on_second.status_code == 200 and on_second.json()["tags"] == ["1.0"]
        assert bob.ok("GET", "/repositories/bob/tool")["name"] == "bob/tool"
    finally:
        first.stop()
        second.stop()


def test_a_tag_moved_on_one_replica_is_served_by_the_other_at_once(tmp_path, database, clients):
    blobs, key = tmp_path / "blobs", tmp_path / "token-key.pem"
    first = start_on_postgres(tmp_path / "r1", database, blobs, key)
    second = start_on_postgres(tmp_path / "r2", database, blobs, key)
    try:
        login(clients, first)
        images = []
        for version in ("1", "2"):
            layout, image = build_single_arch_layout(tmp_path / f"layout-{version}", tag="v1",
                                                     salt=f"{tmp_path}-{version}")
            clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(first, "admin/moving", version),
                                dest_registry=first)
            images.append(image)
        token = fetch_token(second, "repository:admin/moving:pull,push", user="admin", password=ADMIN_PASSWORD)
        accept = {"Accept": "application/vnd.oci.image.manifest.v1+json"}

        def latest_on(reg):
            r = requests.get(f"{reg.url}/v2/admin/moving/manifests/latest", auth=Bearer(token), headers=accept,
                             timeout=10)
            return r.status_code, r.content

        # "latest" set on the first replica; the second has read it (and would have kept it).
        first_token = fetch_token(first, "repository:admin/moving:pull,push,delete", user="admin", password=ADMIN_PASSWORD)
        for image in images:
            put = requests.put(f"{first.url}/v2/admin/moving/manifests/latest", data=image.manifest, timeout=10,
                               auth=Bearer(first_token),
                               headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            assert put.status_code == 201, put.text
            assert latest_on(second) == (200, image.manifest)
            assert latest_on(first) == (200, image.manifest)
        # A tag deleted on one is gone on the other.
        gone = requests.delete(f"{first.url}/v2/admin/moving/manifests/latest", auth=Bearer(first_token), timeout=10)
        assert gone.status_code == 202, gone.text
        assert latest_on(second)[0] == 404
    finally:
        first.stop()
        second.stop()


def test_an_embedded_installation_moves_to_postgres_with_pier_migrate(tmp_path, database, clients):
    layout, image = build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))
    embedded = tmp_path / "embedded"
    reg = start_pier(embedded, auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        login(clients, reg)
        clients.skopeo_copy(f"oci:{layout.path}:v1", docker_ref(reg, "admin/kept", "v1"), dest_registry=reg)
        new_user(Api(reg, "admin", ADMIN_PASSWORD), name="carol")
    finally:
        reg.stop()

    moved = subprocess.run([str(PIER_BINARY), "migrate", "--data-dir", str(embedded), "--to", database],
                           capture_output=True, text=True, timeout=60)
    assert moved.returncode == 0, moved.stderr
    assert "users" in moved.stdout and "copied" in moved.stdout
    # Into a database that now holds data, a second copy is refused.
    again = subprocess.run([str(PIER_BINARY), "migrate", "--data-dir", str(embedded), "--to", database],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "already holds data" in again.stderr

    replica = start_on_postgres(tmp_path / "replica", database, embedded / "blobs", embedded / "token-signing-key.pem")
    try:
        login(clients, replica, "carol", "carol-password")
        ref = docker_ref(replica, "admin/kept", "v1")
        login(clients, replica)
        assert sha256_digest(clients.raw_manifest(ref, replica)) == image.manifest_digest
        back = OciLayout(tmp_path / "back")
        clients.skopeo_copy(ref, f"oci:{back.path}:back", src_registry=replica)
        assert back.ref_digest("back") == image.manifest_digest
    finally:
        replica.stop()
