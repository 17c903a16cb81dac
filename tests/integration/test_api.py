"""The management API (/api/v1): users, organizations, teams and members, robots, repository
permissions and visibility, default permissions, role bindings, API tokens and the audit log.
For each endpoint: success, 401 without credentials, 403 for a caller without rights, 400 for
bad input, 404 for unknown names; and that what it sets takes effect at the registry's token
endpoint and on registry requests.

One Pier serves the module (starting one per test would cost more than the tests); each test
makes its own accounts with fresh names. Failed sign-ins are many here, all from 127.0.0.1, so
the sign-in throttle is raised (test_auth.py tests it)."""

import base64
import json
import socket

import pytest
import requests

from api_client import Api, expect, message, new_organization, new_user, unique
from oci_helpers import MANIFEST_ACCEPT, call, push_oci_image
from registry_auth import Bearer, fetch_token, get_token, granted, token_url
from servers import ADMIN_PASSWORD



@pytest.fixture
def anonymous(server):
    return Api(server)


def actions(reg, repository, user, password, wanted="pull,push,delete"):
    """What the token endpoint grants `user` on `repository`."""
    token = fetch_token(reg, f"repository:{repository}:{wanted}", user=user, password=password)
    return granted(token).get(f"repository:{repository}", set())


def audit(admin, **params):
    return admin.ok("GET", "/audit", params=params)["events"]


def changes(admin, namespace):
    """The `change` of each management event of a namespace, oldest first."""
    events = audit(admin, namespace=namespace, limit=1000)
    return [e["detail"]["change"] for e in reversed(events) if e["action"] in ("account_change", "permission_change")]


# ---------------------------------------------------------------- signing in

def test_current_user_and_how_to_sign_in(server, admin, anonymous):
    assert admin.ok("GET", "/user") == {"name": "admin", "email": "", "superuser": True, "kind": "user", "disabled": False}

    resp = expect(anonymous.get("/user"), 401, "UNAUTHORIZED")
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="pier"'
    expect(Api(server, "admin", "wrong").get("/user"), 401, "UNAUTHORIZED")
    expect(Api(server, "nobody", "wrong").get("/user"), 401, "UNAUTHORIZED")
    expect(Api(server, token="pier_not-a-token").get("/user"), 401, "UNAUTHORIZED")
    expect(Api(server, token="eyJhbGciOi.not.a-registry-token").get("/user"), 401, "UNAUTHORIZED")
    expect(anonymous.get("/user", headers={"Authorization": "Digest username=admin"}), 401, "UNAUTHORIZED")

    # The registry API is served as before, beside the management API.
    resp = requests.get(f"{server.url}/v2/", timeout=10)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer ")
    assert resp.headers["Docker-Distribution-API-Version"] == "registry/2.0"
    # ...and only the registry's responses say they are the registry's.
    assert "Docker-Distribution-API-Version" not in admin.get("/user").headers
    assert "Docker-Distribution-API-Version" not in anonymous.get("/user").headers


def test_unknown_endpoints_and_methods(admin, anonymous):
    expect(admin.get("/nothing"), 404)
    expect(anonymous.get("/nothing"), 404)  # before signing in: there is nothing to sign in for
    expect(admin.request("PUT", "/user"), 405)
    expect(admin.get("/users/someone"), 405)
    resp = requests.get(f"{admin.reg.url}/api/v2/user", auth=admin.auth, timeout=10)
    assert resp.status_code == 404


def raw_request(reg, head: bytes) -> int:
    host, port = reg.host.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        status_line = sock.makefile("rb").readline()
    return int(status_line.split()[1])


def test_bodies_are_json_of_at_most_one_mebibyte(server, admin):
    expect(admin.post("/users", data="{"), 400, "UNSUPPORTED")
    assert message(admin.post("/users", data="{")).startswith("malformed JSON body")
    assert message(admin.post("/users", data="[]")) == "the body must be a JSON object"
    credentials = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
    head = (f"POST /api/v1/users HTTP/1.1\r\nHost: {server.host}\r\nAuthorization: Basic {credentials}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {1024 * 1024 + 1}\r\n\r\n").encode()
    assert raw_request(server, head) == 413
    # Exactly the limit is read (and then refused for what it says).
    at_limit = json.dumps({"name": ""})
    at_limit = json.dumps({"name": "x" * (1024 * 1024 - len(at_limit))})
    assert len(at_limit) == 1024 * 1024
    assert message(expect(admin.post("/users", data=at_limit), 400)).startswith("invalid user name")


# ---------------------------------------------------------------- users

def test_superusers_create_and_delete_users(server, admin, anonymous):
    name = unique("bob")
    created = admin.ok("POST", "/users", {"name": name, "password": "bob-password", "email": "bob@example.com"},
                       status=201)
    assert created == {"name": name, "email": "bob@example.com", "superuser": False, "kind": "user", "disabled": False}
    bob = Api(server, name, "bob-password")
    assert bob.ok("GET", "/user")["name"] == name

    # Only superusers.
    expect(bob.post("/users", {"name": unique("eve"), "password": "eve-password"}), 403, "DENIED")
    expect(bob.delete(f"/users/{name}"), 403, "DENIED")
    expect(anonymous.post("/users", {"name": unique("eve"), "password": "eve-password"}), 401)
    expect(anonymous.delete(f"/users/{name}"), 401)
    second = new_user(admin, superuser=True)
    assert second.ok("GET", "/user")["superuser"] is True

    # Bad input.
    for body, problem in [
        ({"password": "long-enough"}, "name: missing"),
        ({"name": "Bob", "password": "long-enough"}, "invalid user name"),
        ({"name": "b", "password": "long-enough"}, "invalid user name"),
        ({"name": "has+plus", "password": "long-enough"}, "invalid user name"),
        ({"name": unique("u")}, "password: missing"),
        ({"name": unique("u"), "password": "short"}, "password: must be 8 to 1024 bytes long"),
        ({"name": unique("u"), "password": "long-enough", "email": "nope"}, "email: not an email address"),
        ({"name": unique("u"), "password": "long-enough", "superuser": "yes"}, "superuser: must be true or false"),
        ({"name": unique("u"), "password": "long-enough", "admin": True}, "admin: unknown field"),
        ({"name": 7, "password": "long-enough"}, "name: must be a string"),
    ]:
        assert message(expect(admin.post("/users", body), 400, "UNSUPPORTED")).startswith(problem), body
    assert "already exists" in message(expect(admin.post("/users", {"name": name, "password": "x" * 8}), 400))
    expect(admin.delete("/users/UPPER"), 400)

    # Deleting.
    expect(admin.delete(f"/users/{unique('ghost')}"), 404, "NAME_UNKNOWN")
    assert message(expect(admin.delete("/users/admin"), 400)) == "you cannot delete your own account"
    expect(admin.delete(f"/users/{name}"), 204)
    expect(bob.get("/user"), 401)
    assert changes(admin, name) == ["user_created", "user_deleted"]


def test_superusers_change_passwords_and_disable_or_promote_users(server, admin, anonymous):
    name = unique("carol")
    admin.ok("POST", "/users", {"name": name, "password": "first-password"}, status=201)
    carol = Api(server, name, "first-password")
    assert carol.ok("GET", "/user")["name"] == name

    # A new password replaces the old one at once.
    changed = admin.ok("PATCH", f"/users/{name}", {"password": "second-password"})
    assert changed == {"name": name, "email": "", "superuser": False, "kind": "user", "disabled": False}
    expect(carol.get("/user"), 401)
    carol = Api(server, name, "second-password")
    assert carol.ok("GET", "/user")["name"] == name

    # Disabled: no password, session or registry login works until enabled again.
    admin.ok("PATCH", f"/users/{name}", {"disabled": True})
    expect(carol.get("/user"), 401)
    assert requests.get(f"{server.url}/v2/auth", auth=(name, "second-password"), timeout=10).status_code == 401
    admin.ok("PATCH", f"/users/{name}", {"disabled": False})
    assert carol.ok("GET", "/user")["name"] == name

    # Promoted, carol may administer users too; demoted, no more.
    assert admin.ok("PATCH", f"/users/{name}", {"superuser": True})["superuser"] is True
    assert carol.ok("GET", "/users")["users"]
    admin.ok("PATCH", f"/users/{name}", {"superuser": False})
    expect(carol.get("/users"), 403, "DENIED")

    # Only superusers, never against themselves, and only sensible changes.
    expect(carol.request("PATCH", f"/users/{name}", {"superuser": True}), 403, "DENIED")
    expect(anonymous.request("PATCH", f"/users/{name}", {"disabled": True}), 401)
    for body in ({"superuser": False}, {"disabled": True}):
        assert "your own account" in message(expect(admin.request("PATCH", "/users/admin", body), 400))
    for body, problem in [
        ({}, "nothing to change"),
        ({"password": "short"}, "password: must be 8 to 1024 bytes long"),
        ({"disabled": "yes"}, "disabled: must be true or false"),
        ({"email": "x@example.com"}, "email: unknown field"),
    ]:
        assert message(expect(admin.request("PATCH", f"/users/{name}", body), 400)).startswith(problem), body
    expect(admin.request("PATCH", f"/users/{unique('ghost')}", {"disabled": True}), 404, "NAME_UNKNOWN")
    expect(admin.request("PATCH", "/users/UPPER", {"disabled": True}), 400)

    # On record, without the password.
    assert changes(admin, name) == ["user_created"] + ["user_updated"] * 5
    updates = [e["detail"] for e in reversed(audit(admin, namespace=name, limit=1000))
               if e["detail"].get("change") == "user_updated"]
    assert [u["password_changed"] for u in updates] == [True, False, False, False, False]
    assert [u.get("disabled") for u in updates] == [None, True, False, None, None]
    assert all("password" not in json.dumps(u).replace("password_changed", "") for u in updates)


# ---------------------------------------------------------------- organizations and teams

def test_any_user_creates_an_organization_and_owns_it(server, admin, anonymous):
    alice, bob = new_user(admin), new_user(admin)
    org = unique("acme")
    created = alice.ok("POST", "/organizations", {"name": org}, status=201)
    assert created == {"name": org, "teams": [{"name": "owners", "role": "admin", "members": [alice.user]}]}
    assert alice.ok("GET", f"/organizations/{org}/teams")["teams"] == created["teams"]

    expect(anonymous.post("/organizations", {"name": unique("org")}), 401)
    expect(alice.post("/organizations", {"name": "Not_Valid"}), 400)
    expect(alice.post("/organizations", {}), 400)
    assert "already exists" in message(expect(bob.post("/organizations", {"name": org}), 400))
    assert "already exists" in message(expect(bob.post("/organizations", {"name": alice.user}), 400))

    expect(bob.delete(f"/organizations/{org}"), 403, "DENIED")
    expect(anonymous.delete(f"/organizations/{org}"), 401)
    expect(admin.delete(f"/organizations/{unique('nowhere')}"), 404, "NAME_UNKNOWN")
    expect(bob.delete(f"/organizations/{unique('nowhere')}"), 403)  # nothing learnt about which exist
    expect(alice.delete(f"/organizations/{alice.user}"), 404)  # her own namespace is not an organization
    expect(alice.delete("/organizations/Bad_Name"), 400)
    expect(alice.delete(f"/organizations/{org}"), 204)
    expect(alice.get(f"/organizations/{org}/teams"), 403)
    expect(admin.get(f"/organizations/{org}/teams"), 404)
    assert changes(admin, org) == ["organization_created", "organization_deleted"]


def test_teams_and_their_members(server, admin, anonymous):
    alice, bob = new_user(admin), new_user(admin)
    org = new_organization(alice)
    base = f"/organizations/{org}/teams"

    assert alice.ok("PUT", f"{base}/devs", {"role": "member"}, status=201) == \
        {"name": "devs", "role": "member", "members": []}
    assert alice.ok("PUT", f"{base}/devs", {"role": "creator"}) == {"name": "devs", "role": "creator", "members": []}
    assert alice.ok("PUT", f"{base}/devs", {"role": "creator"})["role"] == "creator"  # unchanged
    expect(alice.put(f"{base}/devs/members/{bob.user}"), 204)
    expect(alice.put(f"{base}/devs/members/{bob.user}"), 204)  # idempotent
    teams = {t["name"]: t for t in alice.ok("GET", base)["teams"]}
    assert teams["devs"] == {"name": "devs", "role": "creator", "members": [bob.user]}
    assert teams["owners"]["members"] == [alice.user]

    # A member of a creator team does not manage the organization; of an admin team, does.
    expect(bob.get(base), 403, "DENIED")
    expect(bob.put(f"{base}/ops", {"role": "member"}), 403)
    expect(bob.delete(f"{base}/devs"), 403)
    expect(bob.put(f"{base}/devs/members/{bob.user}"), 403)
    expect(bob.delete(f"{base}/devs/members/{bob.user}"), 403)
    for method in ("GET", "PUT", "DELETE"):
        expect(anonymous.request(method, base if method == "GET" else f"{base}/devs"), 401)
    alice.ok("PUT", f"{base}/devs", {"role": "admin"})
    assert bob.ok("GET", base)["teams"]

    # Bad input and unknown names.
    for body in ({}, {"role": "owner"}, {"role": 1}, {"role": "member", "extra": 1}):
        expect(alice.put(f"{base}/ops", body), 400)
    expect(alice.put(f"{base}/Ops", {"role": "member"}), 400)
    expect(alice.delete(f"{base}/Ops"), 400)
    expect(alice.get("/organizations/Bad_Name/teams"), 400)
    expect(alice.delete(f"{base}/devs/members/No_Such"), 400)
    expect(anonymous.put(f"{base}/devs/members/{bob.user}"), 401)
    expect(anonymous.delete(f"{base}/devs/members/{bob.user}"), 401)
    expect(alice.put(f"{base}/devs/members/No_Such"), 400)
    expect(alice.put(f"{base}/devs/members/{unique('ghost')}"), 404, "NAME_UNKNOWN")
    expect(alice.put(f"{base}/nope/members/{bob.user}"), 404)
    expect(alice.delete(f"{base}/nope"), 404)
    expect(admin.get(f"/organizations/{unique('nowhere')}/teams"), 404)
    expect(admin.put(f"/organizations/{alice.user}/teams/devs", {"role": "member"}), 404)  # a user namespace

    expect(alice.delete(f"{base}/devs/members/{bob.user}"), 204)
    expect(alice.delete(f"{base}/devs/members/{bob.user}"), 404)
    expect(bob.get(base), 403)
    expect(alice.delete(f"{base}/devs"), 204)
    assert [t["name"] for t in alice.ok("GET", base)["teams"]] == ["owners"]
    assert changes(admin, org) == ["organization_created", "team_created", "team_role_changed", "team_member_added",
                                   "team_member_added", "team_role_changed", "team_member_removed", "team_deleted"]


# ---------------------------------------------------------------- robots

def basic(auth: str) -> dict:
    return {"Authorization": f"Basic {auth}"}


def test_robots_their_logins_and_tokens(server, admin, anonymous):
    alice, bob = new_user(admin), new_user(admin)
    org = new_organization(alice)
    robot = f"{org}+ci"
    repository = f"{org}/app"
    scope = f"repository:{repository}:pull"

    created = alice.ok("POST", f"/namespaces/{org}/robots/ci", {"description": "CI pulls"}, status=201)
    token = created["token"]
    assert created["name"] == robot
    assert created["description"] == "CI pulls"
    logins = created["logins"]
    assert logins["podman"] == f"podman login -u='{robot}' -p='{token}' {server.host}"
    auth = logins["auth_json"]["auths"][server.host]["auth"]
    assert base64.b64decode(auth).decode() == f"{robot}:{token}"
    secret = logins["kubernetes_secret"]
    assert "kind: Secret\n" in secret and "type: kubernetes.io/dockerconfigjson\n" in secret
    assert f"  name: {org}-ci-pull-secret\n" in secret
    encoded = secret.split(".dockerconfigjson: ")[1].strip()
    assert json.loads(base64.b64decode(encoded)) == logins["auth_json"]

    listed = alice.ok("GET", f"/namespaces/{org}/robots")["robots"]
    assert [(r["name"], r["description"]) for r in listed] == [(robot, "CI pulls")]
    assert token not in json.dumps(listed) and "token" not in listed[0]

    # With a permission, the auth.json credentials get a pull token from the token endpoint.
    alice.ok("PUT", f"/repositories/{repository}/permissions/robot/{robot}", {"role": "read"})
    resp = requests.get(token_url(server, scope), headers=basic(auth), timeout=10)
    assert resp.status_code == 200, resp.text
    assert granted(resp.json()["token"])[f"repository:{repository}"] == {"pull"}

    # Robots may not use the management API, even their own namespace's.
    expect(Api(server, robot, token).get("/user"), 403, "DENIED")
    expect(requests.get(f"{server.url}/api/v1/namespaces/{org}/robots", headers=basic(auth), timeout=10), 403)

    # A new token replaces the old one at once.
    renewed = alice.ok("POST", f"/namespaces/{org}/robots/ci/regenerate")
    assert renewed["name"] == robot and renewed["description"] == "CI pulls"
    assert renewed["token"] != token
    assert requests.get(token_url(server, scope), headers=basic(auth), timeout=10).status_code == 401
    new_auth = renewed["logins"]["auth_json"]["auths"][server.host]["auth"]
    resp = requests.get(token_url(server, scope), headers=basic(new_auth), timeout=10)
    assert resp.status_code == 200 and granted(resp.json()["token"])[f"repository:{repository}"] == {"pull"}

    # Rights, input, unknown names.
    expect(bob.post(f"/namespaces/{org}/robots/other"), 403, "DENIED")
    expect(bob.get(f"/namespaces/{org}/robots"), 403)
    expect(bob.post(f"/namespaces/{org}/robots/ci/regenerate"), 403)
    expect(bob.delete(f"/namespaces/{org}/robots/ci"), 403)
    expect(anonymous.post(f"/namespaces/{org}/robots/other"), 401)
    expect(anonymous.get(f"/namespaces/{org}/robots"), 401)
    expect(anonymous.post(f"/namespaces/{org}/robots/ci/regenerate"), 401)
    expect(anonymous.delete(f"/namespaces/{org}/robots/ci"), 401)
    for bad in ("CI", "ci-bot", "ci.bot", "_ci"):
        expect(alice.post(f"/namespaces/{org}/robots/{bad}"), 400)
        expect(alice.post(f"/namespaces/{org}/robots/{bad}/regenerate"), 400)
        expect(alice.delete(f"/namespaces/{org}/robots/{bad}"), 400)
    expect(alice.get("/namespaces/Bad_Name/robots"), 400)
    expect(alice.post(f"/namespaces/{org}/robots/other", {"description": "x" * 1025}), 400)
    expect(alice.post(f"/namespaces/{org}/robots/other", {"name": "x"}), 400)
    assert "already exists" in message(expect(alice.post(f"/namespaces/{org}/robots/ci"), 400))
    expect(alice.post(f"/namespaces/{org}/robots/nope/regenerate"), 404, "NAME_UNKNOWN")
    expect(alice.delete(f"/namespaces/{org}/robots/nope"), 404)
    expect(admin.get(f"/namespaces/{unique('nowhere')}/robots"), 404)

    # A user's own namespace has robots too.
    mine = alice.ok("POST", f"/namespaces/{alice.user}/robots/builder", status=201)
    assert mine["name"] == f"{alice.user}+builder"

    expect(alice.delete(f"/namespaces/{org}/robots/ci"), 204)
    assert requests.get(token_url(server, scope), headers=basic(new_auth), timeout=10).status_code == 401
    assert alice.ok("GET", f"/namespaces/{org}/robots")["robots"] == []
    events = audit(admin, namespace=org, limit=1000)
    assert token not in json.dumps(events) and renewed["token"] not in json.dumps(events)
    assert [c for c in changes(admin, org) if c.startswith("robot")] == \
        ["robot_created", "robot_token_regenerated", "robot_deleted"]


# ---------------------------------------------------------------- repositories

def test_repository_permissions(server, admin, anonymous):
    alice, bob, carol = new_user(admin), new_user(admin), new_user(admin)
    org = new_organization(alice)
    repository = f"{org}/team/app"  # names hold slashes
    base = f"/repositories/{repository}/permissions"
    push_oci_image(alice.registry(), repository, "v1")  # which makes alice its admin
    alice.ok("PUT", f"/organizations/{org}/teams/devs", {"role": "member"}, status=201)
    alice.ok("POST", f"/namespaces/{org}/robots/ci", status=201)

    assert alice.ok("PUT", f"{base}/user/{bob.user}", {"role": "read"}) == \
        {"kind": "user", "name": bob.user, "role": "read"}
    alice.ok("PUT", f"{base}/team/devs", {"role": "write"})
    alice.ok("PUT", f"{base}/robot/{org}+ci", {"role": "admin"})
    alice.ok("PUT", f"{base}/user/{bob.user}", {"role": "write"})  # replaces
    listed = alice.ok("GET", base)["permissions"]
    assert sorted((p["kind"], p["name"], p["role"]) for p in listed) == \
        [("robot", f"{org}+ci", "admin"), ("team", "devs", "write"), ("user", alice.user, "admin"),
         ("user", bob.user, "write")]
    assert actions(server, repository, bob.user, bob.password) == {"pull", "push"}

    # Only those who may manage the repository: bob may write, not manage.
    expect(bob.get(base), 403, "DENIED")
    expect(bob.put(f"{base}/user/{carol.user}", {"role": "admin"}), 403)
    expect(bob.delete(f"{base}/user/{bob.user}"), 403)
    expect(carol.get(base), 403)
    expect(anonymous.get(base), 401)
    expect(anonymous.put(f"{base}/user/{carol.user}", {"role": "read"}), 401)
    expect(anonymous.delete(f"{base}/user/{bob.user}"), 401)
    assert actions(server, repository, carol.user, carol.password) == set()

    # Bad input.
    for path, body in [(f"{base}/user/{carol.user}", {"role": "owner"}),
                       (f"{base}/user/{carol.user}", {}),
                       (f"{base}/group/{carol.user}", {"role": "read"}),
                       (f"{base}/user/Carol", {"role": "read"}),
                       (f"{base}/robot/ci", {"role": "read"}),
                       (f"/repositories/{org}/Team/permissions/user/{carol.user}", {"role": "read"}),
                       (f"/repositories/{org}//x/permissions/user/{carol.user}", {"role": "read"})]:
        expect(alice.put(path, body), 400)
    expect(alice.get(f"/repositories/{org}/Bad/permissions"), 400, "NAME_INVALID")
    expect(alice.delete(f"{base}/user/Carol"), 400)
    expect(alice.delete(f"{base}/users/{bob.user}"), 400)

    # Unknown names.
    expect(alice.put(f"{base}/user/{unique('ghost')}", {"role": "read"}), 404, "NAME_UNKNOWN")
    expect(alice.put(f"{base}/team/nope", {"role": "read"}), 404)
    expect(alice.put(f"{base}/robot/{org}+nope", {"role": "read"}), 404)
    expect(alice.delete(f"{base}/user/{carol.user}"), 404)  # carol has no permission here

    expect(alice.delete(f"{base}/user/{bob.user}"), 204)
    expect(alice.delete(f"{base}/user/{bob.user}"), 404)
    assert actions(server, repository, bob.user, bob.password) == set()
    events = [e for e in audit(admin, repository=repository) if e["action"] == "permission_change"]
    assert {e["detail"]["change"] for e in events} == {"permission_granted", "permission_revoked"}
    assert all(e["namespace"] == org and e["actor"] == alice.user for e in events)


def test_repository_visibility(server, admin, anonymous):
    alice, bob = new_user(admin), new_user(admin)
    org = new_organization(alice)
    repository = f"{org}/public-app"
    push_oci_image(alice.registry(), repository, "v1")
    manifest = f"{server.url}/v2/{repository}/manifests/v1"
    assert requests.get(manifest, headers={"Accept": MANIFEST_ACCEPT}, timeout=10).status_code == 401

    assert alice.ok("PUT", f"/repositories/{repository}/visibility", {"public": True}) == \
        {"repository": repository, "public": True}
    anonymous_token = get_token(server, f"repository:{repository}:pull").json()["token"]
    resp = requests.get(manifest, headers={"Accept": MANIFEST_ACCEPT}, auth=Bearer(anonymous_token), timeout=10)
    assert resp.status_code == 200
    assert actions(server, repository, bob.user, bob.password) == {"pull"}

    expect(bob.put(f"/repositories/{repository}/visibility", {"public": False}), 403, "DENIED")
    expect(anonymous.put(f"/repositories/{repository}/visibility", {"public": False}), 401)
    for body in ({}, {"public": "yes"}, {"public": 1}, {"public": True, "private": False}):
        expect(alice.put(f"/repositories/{repository}/visibility", body), 400)
    expect(alice.put("/repositories/UPPER/visibility", {"public": True}), 400)

    alice.ok("PUT", f"/repositories/{repository}/visibility", {"public": False})
    assert granted(get_token(server, f"repository:{repository}:pull").json()["token"]) == {}
    assert [e["detail"] for e in reversed(audit(admin, repository=repository))
            if e["action"] == "permission_change"] == \
        [{"change": "visibility_changed", "public": True}, {"change": "visibility_changed", "public": False}]


# ---------------------------------------------------------------- default permissions and role bindings

def test_default_permissions_apply_to_new_repositories(server, admin, anonymous):
    alice, bob, carol = new_user(admin), new_user(admin), new_user(admin)
    org = new_organization(alice)
    base = f"/organizations/{org}/default-permissions"

    assert alice.ok("PUT", f"{base}/user/{bob.user}", {"role": "write"}) == \
        {"kind": "user", "name": bob.user, "role": "write"}
    alice.ok("PUT", f"/organizations/{org}/teams/readers", {"role": "member"}, status=201)
    alice.ok("PUT", f"{base}/team/readers", {"role": "read"})
    assert sorted((p["kind"], p["name"], p["role"]) for p in alice.ok("GET", base)["default_permissions"]) == \
        [("team", "readers", "read"), ("user", bob.user, "write")]

    repository = f"{org}/fresh"
    push_oci_image(alice.registry(), repository, "v1")
    assert actions(server, repository, bob.user, bob.password) == {"pull", "push"}

    expect(bob.put(f"{base}/user/{carol.user}", {"role": "admin"}), 403, "DENIED")
    expect(bob.get(base), 403)
    expect(bob.delete(f"{base}/user/{bob.user}"), 403)
    expect(anonymous.put(f"{base}/user/{carol.user}", {"role": "read"}), 401)
    expect(anonymous.get(base), 401)
    expect(alice.put(f"{base}/user/{carol.user}", {"role": "none"}), 400)
    expect(alice.put(f"{base}/users/{carol.user}", {"role": "read"}), 400)
    expect(alice.delete(f"{base}/user/Carol"), 400)
    expect(alice.get("/organizations/Bad_Name/default-permissions"), 400)
    expect(anonymous.delete(f"{base}/user/{bob.user}"), 401)
    expect(admin.get(f"/organizations/{unique('nowhere')}/default-permissions"), 404, "NAME_UNKNOWN")
    expect(alice.put(f"{base}/team/nope", {"role": "read"}), 404, "NAME_UNKNOWN")
    expect(alice.put(f"{base}/user/{unique('ghost')}", {"role": "read"}), 404)
    expect(alice.put(f"/organizations/{alice.user}/default-permissions/user/{bob.user}", {"role": "read"}), 404)

    expect(alice.delete(f"{base}/user/{bob.user}"), 204)
    expect(alice.delete(f"{base}/user/{bob.user}"), 404)
    push_oci_image(alice.registry(), f"{org}/later", "v1")
    assert actions(server, f"{org}/later", bob.user, bob.password) == set()
    assert [c for c in changes(admin, org) if "default" in c] == \
        ["default_permission_set", "default_permission_set", "default_permission_removed"]


def test_role_bindings_of_a_namespace(server, admin, anonymous):
    alice, bob, carol = new_user(admin), new_user(admin), new_user(admin)
    org = new_organization(alice)
    base = f"/namespaces/{org}/role-bindings"
    repository = f"{org}/anything"
    push_oci_image(alice.registry(), repository, "v1")

    expect(alice.put(f"{base}/system:image-puller/user/{bob.user}"), 204)
    expect(alice.put(f"{base}/system:image-puller/user/{bob.user}"), 204)  # idempotent
    assert alice.ok("GET", base)["role_bindings"] == [{"role": "system:image-puller", "kind": "user",
                                                       "name": bob.user}]
    assert actions(server, repository, bob.user, bob.password) == {"pull"}
    expect(bob.get(f"/organizations/{org}/teams"), 403)

    # registry-admin on the namespace lets bob manage it.
    expect(alice.put(f"{base}/registry-admin/user/{bob.user}"), 204)
    assert bob.ok("GET", f"/organizations/{org}/teams")
    expect(bob.delete(f"{base}/registry-admin/user/{bob.user}"), 204)
    expect(bob.get(f"/organizations/{org}/teams"), 403)

    # Teams and robots.
    alice.ok("PUT", f"/organizations/{org}/teams/builders", {"role": "member"}, status=201)
    alice.ok("PUT", f"/organizations/{org}/teams/builders/members/{carol.user}", status=204)
    expect(alice.put(f"{base}/system:image-pusher/team/builders"), 204)
    assert actions(server, repository, carol.user, carol.password) == {"pull", "push"}
    alice.ok("POST", f"/namespaces/{org}/robots/deployer", status=201)
    expect(alice.put(f"{base}/registry-viewer/robot/{org}+deployer"), 204)

    expect(carol.put(f"{base}/registry-admin/user/{carol.user}"), 403, "DENIED")
    expect(carol.get(base), 403)
    expect(carol.delete(f"{base}/system:image-puller/user/{bob.user}"), 403)
    expect(anonymous.put(f"{base}/registry-admin/user/{carol.user}"), 401)
    expect(anonymous.get(base), 401)
    expect(alice.put(f"{base}/cluster-admin/user/{carol.user}"), 400)
    expect(alice.delete(f"{base}/cluster-admin/user/{carol.user}"), 400)
    expect(alice.get("/namespaces/Bad_Name/role-bindings"), 400)
    expect(anonymous.delete(f"{base}/system:image-puller/user/{bob.user}"), 401)
    expect(admin.get(f"/namespaces/{unique('nowhere')}/role-bindings"), 404, "NAME_UNKNOWN")
    expect(alice.put(f"{base}/registry-admin/people/{carol.user}"), 400)
    expect(alice.put(f"{base}/registry-admin/user/{carol.user}", {"unexpected": True}), 400)
    expect(alice.put(f"{base}/registry-admin/user/{unique('ghost')}"), 404, "NAME_UNKNOWN")
    expect(alice.put(f"{base}/registry-admin/robot/{org}+nope"), 404)
    expect(alice.put(f"/namespaces/{alice.user}/role-bindings/registry-viewer/team/builders"), 404)
    expect(alice.delete(f"{base}/registry-admin/user/{carol.user}"), 404)  # never bound

    expect(alice.delete(f"{base}/system:image-puller/user/{bob.user}"), 204)
    assert actions(server, repository, bob.user, bob.password) == set()
    assert sorted(b["role"] for b in alice.ok("GET", base)["role_bindings"]) == \
        ["registry-viewer", "system:image-pusher"]


# ---------------------------------------------------------------- API tokens

def test_api_tokens(server, admin, anonymous):
    alice, bob = new_user(admin), new_user(admin)
    repository = f"{alice.user}/app"
    push_oci_image(alice.registry(), repository, "v1")

    created = alice.ok("POST", "/user/tokens", {"name": "ci read", "scopes": ["repo:read"], "expires_in_days": 30},
                       status=201)
    token = created["token"]
    assert token.startswith("pier_")
    assert created["name"] == "ci read" and created["scopes"] == ["repo:read"]
    assert created["expires_at"] - created["created_at"] == 30 * 86400
    listed = alice.ok("GET", "/user/tokens")["tokens"]
    assert [(t["id"], t["name"], t["scopes"]) for t in listed] == [(created["id"], "ci read", ["repo:read"])]
    assert token not in json.dumps(listed)

    # As a Bearer token alone, and as the password of its user.
    me = Api(server, token=token).ok("GET", "/user")
    assert me == {"name": alice.user, "email": "", "superuser": False, "kind": "token", "disabled": False,
                  "scopes": ["repo:read"]}
    assert Api(server, alice.user, token).ok("GET", "/user")["kind"] == "token"
    expect(Api(server, bob.user, token).get("/user"), 401)

    # At the registry: repo:read pulls, and does not push.
    assert actions(server, repository, alice.user, token) == {"pull"}
    jwt = fetch_token(server, f"repository:{repository}:pull,push", user=alice.user, password=token)
    resp = requests.get(f"{server.url}/v2/{repository}/manifests/v1", headers={"Accept": MANIFEST_ACCEPT},
                        auth=Bearer(jwt), timeout=10)
    assert resp.status_code == 200
    # The registry token carries the API token's scopes, so a push is refused as the API token's
    # to make, not as a token too narrow (which would send the client for a better one in vain).
    resp = requests.post(f"{server.url}/v2/{repository}/blobs/uploads/", auth=Bearer(jwt), timeout=10)
    expect(resp, 403, "DENIED")
    resp = call(Api(server, alice.user, token).registry(), "POST", f"/v2/{repository}/blobs/uploads/")
    expect(resp, 403, "DENIED")

    # A token manages nothing beyond its scopes, and never tokens.
    expect(Api(server, token=token).post("/user/tokens", {"name": "more", "scopes": ["repo:admin"]}), 403)
    expect(Api(server, token=token).get("/user/tokens"), 403)
    expect(Api(server, token=token).delete(f"/user/tokens/{created['id']}"), 403)
    expect(Api(server, token=token).post("/organizations", {"name": unique("org")}), 403)
    expect(Api(server, token=token).put(f"/repositories/{repository}/visibility", {"public": True}), 403)
    org_token = alice.ok("POST", "/user/tokens", {"name": "org", "scopes": ["org:admin"]}, status=201)
    assert org_token["expires_at"] is None
    org = new_organization(Api(server, token=org_token["token"]))
    assert Api(server, token=org_token["token"]).ok("GET", f"/organizations/{org}/teams")["teams"][0]["members"] == \
        [alice.user]
    expect(Api(server, token=org_token["token"]).put(f"/repositories/{repository}/visibility", {"public": True}), 403)
    repo_token = alice.ok("POST", "/user/tokens", {"name": "repo", "scopes": ["repo:admin"]}, status=201)["token"]
    Api(server, token=repo_token).ok("PUT", f"/repositories/{repository}/visibility", {"public": False})
    expect(Api(server, token=repo_token).get(f"/organizations/{org}/teams"), 403)
    expect(Api(server, token=repo_token).post("/users", {"name": unique("u"), "password": "long-enough"}), 403)
    admin_token = admin.ok("POST", "/user/tokens", {"name": "su", "scopes": ["super:user"]}, status=201)["token"]
    Api(server, token=admin_token).ok("POST", "/users", {"name": unique("u"), "password": "long-enough"}, status=201)

    # Bad input.
    for body in ({"scopes": ["repo:read"]}, {"name": "", "scopes": ["repo:read"]},
                 {"name": "x\n", "scopes": ["repo:read"]}, {"name": "x"}, {"name": "x", "scopes": []},
                 {"name": "x", "scopes": "repo:read"}, {"name": "x", "scopes": ["repo:delete"]},
                 {"name": "x", "scopes": ["repo:read"], "expires_in_days": 0},
                 {"name": "x", "scopes": ["repo:read"], "expires_in_days": 1.5},
                 {"name": "x", "scopes": ["repo:read"], "lifetime": 3}):
        expect(alice.post("/user/tokens", body), 400)
    expect(anonymous.post("/user/tokens", {"name": "x", "scopes": ["repo:read"]}), 401)
    expect(anonymous.get("/user/tokens"), 401)
    expect(anonymous.delete(f"/user/tokens/{created['id']}"), 401)

    # Deleting: one's own only.
    expect(alice.delete("/user/tokens/abc"), 400)
    expect(alice.delete("/user/tokens/999999"), 404, "NAME_UNKNOWN")
    expect(bob.delete(f"/user/tokens/{created['id']}"), 404)
    expect(alice.delete(f"/user/tokens/{created['id']}"), 204)
    expect(alice.delete(f"/user/tokens/{created['id']}"), 404)
    expect(Api(server, token=token).get("/user"), 401)
    events = audit(admin, namespace=alice.user, limit=1000)
    assert token not in json.dumps(events)
    assert [e["detail"]["change"] for e in reversed(events) if e["action"] == "account_change"] == \
        ["user_created", "api_token_created", "api_token_created", "api_token_created", "api_token_deleted"]


# ---------------------------------------------------------------- audit

def test_audit_log(server, admin, anonymous):
    alice, bob = new_user(admin), new_user(admin)
    org = new_organization(alice)
    alice.ok("PUT", f"/organizations/{org}/teams/devs", {"role": "member"}, status=201)
    alice.ok("PUT", f"/organizations/{org}/teams/devs/members/{bob.user}", status=204)
    alice.ok("PUT", f"/repositories/{org}/app/permissions/team/devs", {"role": "write"})

    events = alice.ok("GET", "/audit", params={"namespace": org})["events"]
    assert [e["detail"]["change"] for e in events] == \
        ["permission_granted", "team_member_added", "team_created", "organization_created"]
    latest = events[0]
    assert latest["action"] == "permission_change"
    assert latest["actor"] == alice.user and latest["actor_kind"] == "user"
    assert latest["client_address"] == "127.0.0.1"
    assert latest["namespace"] == org and latest["repository"] == f"{org}/app"
    assert latest["detail"] == {"change": "permission_granted", "kind": "team", "name": "devs", "role": "write"}
    assert events[-1]["repository"] is None and isinstance(events[-1]["at"], int)

    # Pages, newest first.
    page = alice.ok("GET", "/audit", params={"namespace": org, "limit": 3})
    assert [e["id"] for e in page["events"]] == [e["id"] for e in events[:3]]
    assert page["next"] == events[2]["id"]
    rest = alice.ok("GET", "/audit", params={"namespace": org, "limit": 3, "before": page["next"]})
    assert [e["id"] for e in rest["events"]] == [events[3]["id"]] and rest["next"] is None
    assert alice.ok("GET", "/audit", params={"namespace": org, "actor": bob.user})["events"] == []
    assert len(alice.ok("GET", "/audit", params={"namespace": org, "repository": f"{org}/app"})["events"]) == 1
    at = latest["at"]
    assert alice.ok("GET", "/audit", params={"namespace": org, "from": at + 1})["events"] == []
    assert len(alice.ok("GET", "/audit", params={"namespace": org, "to": at + 1})["events"]) == 4

    # Superusers read everything, sign-ins included; others one namespace they manage.
    everything = audit(admin, limit=1000)
    assert {"login", "account_change", "permission_change"} <= {e["action"] for e in everything}
    assert all(ADMIN_PASSWORD not in json.dumps(e) and "-password" not in json.dumps(e) for e in everything)
    assert message(expect(bob.get("/audit"), 400)).startswith("namespace: required")
    expect(bob.get("/audit", params={"namespace": org}), 403, "DENIED")
    assert bob.ok("GET", "/audit", params={"namespace": bob.user})["events"][-1]["detail"]["change"] == "user_created"
    expect(anonymous.get("/audit", params={"namespace": org}), 401)
    for params in ({"namespace": org, "limit": 0}, {"namespace": org, "limit": 1001}, {"namespace": org, "from": "x"},
                   {"namespace": org, "before": -1}, {"namespace": "Bad"}, {"namespace": org, "repository": "A"}):
        expect(alice.get("/audit", params=params), 400)
