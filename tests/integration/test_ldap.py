"""Signing in through a real LDAP directory (slapd started by the test): directory users
get accounts on their first sign-in, mapped groups become team memberships, and podman signs
in and pushes as a directory user."""

import pytest
import requests

from api_client import Api, expect
from client_tools import Clients, build_single_arch_layout, docker_ref
from oci_helpers import OCI_MANIFEST
from registry_auth import Bearer, fetch_token, get_token, granted
from servers import start_pier, start_slapd

ADMIN_PASSWORD = "admin-secret-for-ldap-tests"


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    d = start_slapd(tmp_path_factory.mktemp("slapd"), people={"alice": "alice-pw", "bob": "bob-pw"},
                    groups={"developers": ["alice"], "ops": ["bob"]})
    yield d
    d.stop()


@pytest.fixture
def pier(tmp_path, directory):
    config = (f"ldap:\n  url: {directory.url}\n  bind_dn: {directory.reader_dn}\n"
              f"  bind_password: {directory.reader_password}\n  user_base_dn: ou=people,{directory.base}\n"
              f"  group_base_dn: ou=groups,{directory.base}\n  team_sync: developers=acme/builders\n")
    reg = start_pier(tmp_path / "pier", auth=True, config=config, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    admin = Api(reg, "admin", ADMIN_PASSWORD)
    admin.ok("POST", "/organizations", {"name": "acme"}, status=201)
    admin.ok("PUT", "/organizations/acme/teams/builders", {"role": "creator"}, status=201)
    yield reg
    reg.stop()


def test_directory_users_sign_in_and_get_an_account(pier):
    me = Api(pier, "alice", "alice-pw").ok("GET", "/user")
    assert me["name"] == "alice" and me["email"] == "alice@example.org" and not me["superuser"]
    expect(Api(pier, "alice", "wrong").get("/user"), 401, "UNAUTHORIZED")
    expect(Api(pier, "carol", "carol-pw").get("/user"), 401, "UNAUTHORIZED")
    resp = get_token(pier, "repository:alice/app:pull", user="alice", password="wrong")
    assert resp.status_code == 401


def test_mapped_groups_give_team_rights(pier):
    # alice is in "developers", mapped to acme/builders (creator): she may create in acme.
    token = fetch_token(pier, "repository:acme/app:pull,push", user="alice", password="alice-pw")
    assert granted(token) == {"repository:acme/app": {"pull", "push"}}
    teams = Api(pier, "admin", ADMIN_PASSWORD).ok("GET", "/organizations/acme/teams")
    builders = next(t for t in (teams["teams"] if isinstance(teams, dict) else teams) if t["name"] == "builders")
    assert builders["members"] == ["alice"]
    # bob is not: nothing in acme for him.
    token = fetch_token(pier, "repository:acme/app:pull,push", user="bob", password="bob-pw")
    assert granted(token) == {}


def test_local_accounts_come_first(pier):
    admin = Api(pier, "admin", ADMIN_PASSWORD)
    admin.ok("POST", "/users", {"name": "bob", "password": "local-bob"}, status=201)
    assert fetch_token(pier, user="bob", password="local-bob")
    assert get_token(pier, user="bob", password="bob-pw").status_code == 401


def test_podman_signs_in_as_a_directory_user(pier, tmp_path):
    layout, image = build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))
    clients = Clients(tmp_path / "clients")
    try:
        flags = clients.registry_flags(pier)
        clients.podman("login", *flags, "-u", "alice", "-p", "alice-pw", pier.host)
        ref = docker_ref(pier, "acme/ldap", "v1")
        clients.skopeo_copy(f"oci:{layout.path}:v1", ref, dest_registry=pier)
        token = fetch_token(pier, "repository:acme/ldap:pull", user="alice", password="alice-pw")
        resp = requests.get(f"{pier.url}/v2/acme/ldap/manifests/v1", auth=Bearer(token),
                            headers={"Accept": OCI_MANIFEST}, timeout=10)
        assert resp.status_code == 200 and resp.content == image.manifest
    finally:
        clients.close()


def test_unreachable_directory_is_unavailable_not_a_wrong_password(tmp_path):
    config = "ldap:\n  url: ldap://127.0.0.1:9\n  user_base_dn: ou=people,dc=example,dc=org\n  timeout: 1s\n"
    reg = start_pier(tmp_path / "pier", auth=True, config=config, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        assert "LDAP directory ldap://127.0.0.1:9" in reg.log()
        resp = get_token(reg, user="alice", password="alice-pw")
        assert resp.status_code == 503 and "directory" in resp.json()["errors"][0]["message"]
        assert "127.0.0.1:9" not in resp.text
        # Local accounts still sign in.
        assert fetch_token(reg, user="admin", password=ADMIN_PASSWORD)
    finally:
        reg.stop()
