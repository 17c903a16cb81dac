"""Docker registry token auth on the registry API: challenges, the token endpoint, what a
token carries and how the registry checks it, Basic credentials, throttling and the audit
trail. Accounts other than admin are made through the management API in test_api.py's
suites; here the principals are admin, anonymous callers and forged tokens."""

import json
import sqlite3
import time

import pytest
import requests

from oci_helpers import (MANIFEST_ACCEPT, OCI_MANIFEST, call, error_codes, push_oci_image, sha256)
from registry_auth import (Bearer, b64url, fetch_token, get_token, granted, jwt_parts, make_ec_key,
                           parse_challenge, sign_jwt)
from servers import start_pier

ADMIN_PASSWORD = "admin-secret-for-tests"


@pytest.fixture
def secured(tmp_path):
    reg = start_pier(tmp_path / "pier", auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield reg
    reg.stop()


def admin_token(reg, *scopes):
    return fetch_token(reg, *scopes, user="admin", password=ADMIN_PASSWORD)


def as_admin(reg, repository):
    """reg, set to send an admin token for pull, push and delete on `repository`."""
    reg.extra["auth"] = Bearer(admin_token(reg, f"repository:{repository}:pull,push,delete"))
    return reg


def challenge_of(resp):
    assert resp.status_code == 401, (resp.status_code, resp.text)
    assert error_codes(resp) == ["UNAUTHORIZED"], resp.text
    return parse_challenge(resp.headers["WWW-Authenticate"])


def server_claims(reg, **overrides):
    now = int(time.time())
    claims = {"iss": "pier", "aud": "pier", "sub": "admin", "iat": now, "nbf": now, "exp": now + 300,
              "jti": "forged", "access": [{"type": "repository", "name": "team/app", "actions": ["pull"]}]}
    claims.update(overrides)
    return claims


def server_key(reg):
    return reg.data_dir / "token-signing-key.pem"


def header_for(token):
    header, _, _ = jwt_parts(token)
    return header


# ---------------------------------------------------------------- challenges

def test_base_endpoint_challenges_anonymous_callers(secured):
    scheme, params = challenge_of(requests.get(f"{secured.url}/v2/", timeout=10))
    assert scheme == "bearer"
    assert params == {"realm": f"{secured.url}/v2/auth", "service": "pier"}


def test_pull_of_private_repository_names_the_scope(secured):
    push_oci_image(as_admin(secured, "team/app"), "team/app", "v1")
    resp = requests.get(f"{secured.url}/v2/team/app/manifests/v1", timeout=10)
    _, params = challenge_of(resp)
    assert params["scope"] == "repository:team/app:pull"
    resp = requests.post(f"{secured.url}/v2/team/app/blobs/uploads/", timeout=10)
    _, params = challenge_of(resp)
    assert params["scope"] == "repository:team/app:pull,push"
    _, params = challenge_of(requests.get(f"{secured.url}/v2/_catalog", timeout=10))
    assert params["scope"] == "registry:catalog:*"


def test_configured_realm_and_service_are_used(tmp_path):
    reg = start_pier(tmp_path / "pier", auth=True, env={
        "PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_AUTH_REALM": "https://auth.example.test/token",
        "PIER_AUTH_SERVICE": "registry.example.test"})
    try:
        _, params = challenge_of(requests.get(f"{reg.url}/v2/", timeout=10))
        assert params == {"realm": "https://auth.example.test/token", "service": "registry.example.test"}
        # The service must match: "pier" is not this registry's name.
        resp = get_token(reg, "repository:a/b:pull", user="admin", password=ADMIN_PASSWORD)
        assert resp.status_code == 400 and "unknown service" in resp.text
        resp = get_token(reg, "repository:a/b:pull", user="admin", password=ADMIN_PASSWORD,
                         service="registry.example.test")
        assert resp.status_code == 200
        _, claims, _ = jwt_parts(resp.json()["token"])
        assert claims["aud"] == "registry.example.test"
    finally:
        reg.stop()


# ---------------------------------------------------------------- the token endpoint

def test_token_carries_requested_actions_for_admin(secured):
    resp = get_token(secured, "repository:team/app:pull,push", "repository:team/other:*",
                     "registry:catalog:*", user="admin", password=ADMIN_PASSWORD)
    assert resp.status_code == 200
    body = resp.json()
    assert body["token"] == body["access_token"]
    assert body["expires_in"] == 300
    assert body["issued_at"].endswith("Z")
    assert resp.headers["Cache-Control"] == "no-store"
    header, claims, signature = jwt_parts(body["token"])
    assert header["alg"] == "ES256" and header["typ"] == "JWT" and len(header["kid"].split(":")) == 12
    assert len(signature) == 64
    assert claims["iss"] == "pier" and claims["aud"] == "pier" and claims["sub"] == "admin"
    assert claims["exp"] - claims["iat"] == 300
    assert granted(body["token"]) == {"repository:team/app": {"pull", "push"},
                                      "repository:team/other": {"*"}, "registry:catalog": {"*"}}


def test_anonymous_token_grants_nothing_private(secured):
    push_oci_image(as_admin(secured, "team/app"), "team/app", "v1")
    resp = get_token(secured, "repository:team/app:pull,push")
    assert resp.status_code == 200
    token = resp.json()["token"]
    _, claims, _ = jwt_parts(token)
    assert claims["sub"] == ""
    assert granted(token) == {}
    # And the registry then asks for credentials again (not 403: nobody signed in).
    resp = requests.get(f"{secured.url}/v2/team/app/manifests/v1", auth=Bearer(token), timeout=10)
    challenge_of(resp)


def test_wrong_credentials_are_refused_alike(secured):
    wrong = get_token(secured, "repository:team/app:pull", user="admin", password="not-it")
    unknown = get_token(secured, "repository:team/app:pull", user="nobody", password="not-it")
    for resp in (wrong, unknown):
        assert resp.status_code == 401
        assert error_codes(resp) == ["UNAUTHORIZED"]
        assert resp.json()["errors"][0]["message"] == "invalid username or password"
        assert resp.headers["WWW-Authenticate"].startswith("Basic ")


def test_malformed_scope_is_a_bad_request(secured):
    resp = get_token(secured, "repository:team/app", user="admin", password=ADMIN_PASSWORD)
    assert resp.status_code == 400


def test_oauth2_password_and_refresh_grants(secured):
    form = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD, "service": "pier",
            "scope": "repository:team/app:pull repository:team/app:push", "access_type": "offline",
            "client_id": "tests"}
    resp = requests.post(f"{secured.url}/v2/auth", data=form, timeout=10)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert "token" not in body
    assert granted(body["access_token"]) == {"repository:team/app": {"pull", "push"}}
    refresh = body["refresh_token"]
    # A refresh token is not an access token.
    challenge_of(requests.get(f"{secured.url}/v2/", auth=Bearer(refresh), timeout=10))

    resp = requests.post(f"{secured.url}/v2/auth", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refresh, "service": "pier",
        "scope": "repository:team/app:pull"})
    assert resp.status_code == 200, resp.text
    assert granted(resp.json()["access_token"]) == {"repository:team/app": {"pull"}}

    resp = requests.post(f"{secured.url}/v2/auth", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refresh[:-4] + "AAAA", "service": "pier"})
    assert resp.status_code == 401
    resp = requests.post(f"{secured.url}/v2/auth", data={**form, "password": "wrong"}, timeout=10)
    assert resp.status_code == 401
    resp = requests.post(f"{secured.url}/v2/auth", data={"grant_type": "magic"}, timeout=10)
    assert resp.status_code == 400


# ---------------------------------------------------------------- the registry checks tokens

def test_admin_token_pushes_and_pulls(secured):
    reg = as_admin(secured, "team/app")
    body, desc = push_oci_image(reg, "team/app", "v1")
    resp = call(reg, "GET", "/v2/team/app/manifests/v1", headers={"Accept": MANIFEST_ACCEPT})
    assert resp.status_code == 200 and resp.content == body
    assert call(reg, "GET", "/v2/").status_code == 200


def test_token_for_one_repository_does_not_open_another(secured):
    push_oci_image(as_admin(secured, "team/app"), "team/app", "v1")
    push_oci_image(as_admin(secured, "team/other"), "team/other", "v1")
    token = admin_token(secured, "repository:team/app:pull")
    resp = requests.get(f"{secured.url}/v2/team/other/manifests/v1", auth=Bearer(token), timeout=10,
                        headers={"Accept": MANIFEST_ACCEPT})
    _, params = challenge_of(resp)
    # admin would be allowed: the client is told to fetch a token for this scope.
    assert params["error"] == "insufficient_scope" and params["scope"] == "repository:team/other:pull"
    # Nor does pull give push.
    resp = requests.post(f"{secured.url}/v2/team/app/blobs/uploads/", auth=Bearer(token), timeout=10)
    _, params = challenge_of(resp)
    assert params["scope"] == "repository:team/app:pull,push"


@pytest.mark.parametrize("tamper", ["signature", "payload", "alg-none", "other-key", "audience", "issuer",
                                    "expired", "not-yet-valid", "garbage"])
def test_tampered_tokens_are_refused(secured, tmp_path, tamper):
    push_oci_image(as_admin(secured, "team/app"), "team/app", "v1")
    real = admin_token(secured, "repository:team/app:pull")
    head, payload, signature = real.split(".")
    kid = header_for(real)["kid"]
    now = int(time.time())
    if tamper == "signature":
        token = f"{head}.{payload}.{signature[:-6]}{'AAAAAA' if signature[-6:] != 'AAAAAA' else 'BBBBBB'}"
    elif tamper == "payload":
        _, claims, _ = jwt_parts(real)
        claims["access"] = [{"type": "repository", "name": "team/app", "actions": ["*"]}]
        token = f"{head}.{b64url(json.dumps(claims).encode())}.{signature}"
    elif tamper == "alg-none":
        none_header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        token = f"{none_header}.{payload}."
    elif tamper == "other-key":
        token = sign_jwt(make_ec_key(tmp_path / "other.pem"), {"typ": "JWT", "alg": "ES256", "kid": kid},
                         server_claims(secured))
    elif tamper == "audience":
        token = sign_jwt(server_key(secured), {"typ": "JWT", "alg": "ES256"}, server_claims(secured, aud="other"))
    elif tamper == "issuer":
        token = sign_jwt(server_key(secured), {"typ": "JWT", "alg": "ES256"}, server_claims(secured, iss="other"))
    elif tamper == "expired":
        token = sign_jwt(server_key(secured), {"typ": "JWT", "alg": "ES256"},
                         server_claims(secured, iat=now - 1000, nbf=now - 1000, exp=now - 120))
    elif tamper == "not-yet-valid":
        token = sign_jwt(server_key(secured), {"typ": "JWT", "alg": "ES256"},
                         server_claims(secured, nbf=now + 600, exp=now + 900))
    else:
        token = "not.a.token"
    resp = requests.get(f"{secured.url}/v2/team/app/manifests/v1", auth=Bearer(token), timeout=10,
                        headers={"Accept": MANIFEST_ACCEPT})
    challenge_of(resp)


def test_token_signed_with_the_server_key_is_accepted(secured):
    """The forging above is sound: the same construction with the right claims passes."""
    push_oci_image(as_admin(secured, "team/app"), "team/app", "v1")
    token = sign_jwt(server_key(secured), {"typ": "JWT", "alg": "ES256"}, server_claims(secured))
    resp = requests.get(f"{secured.url}/v2/team/app/manifests/v1", auth=Bearer(token), timeout=10,
                        headers={"Accept": MANIFEST_ACCEPT})
    assert resp.status_code == 200


def test_tokens_outlive_a_restart(tmp_path):
    data_dir = tmp_path / "pier"
    env = {"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD}
    reg = start_pier(data_dir, auth=True, env=env)
    token = admin_token(reg, "repository:team/app:pull,push")
    reg.stop()
    assert oct(server_key(reg).stat().st_mode & 0o777) == "0o600"
    reg = start_pier(data_dir, auth=True, env=env)
    try:
        reg.extra["auth"] = Bearer(token)
        push_oci_image(reg, "team/app", "v1")
    finally:
        reg.stop()


# ---------------------------------------------------------------- Basic credentials

def test_basic_credentials_work_directly(secured):
    reg = as_admin(secured, "team/app")
    body, _ = push_oci_image(reg, "team/app", "v1")
    resp = requests.get(f"{secured.url}/v2/team/app/manifests/v1", auth=("admin", ADMIN_PASSWORD),
                        headers={"Accept": MANIFEST_ACCEPT}, timeout=10)
    assert resp.status_code == 200 and resp.content == body
    resp = requests.get(f"{secured.url}/v2/team/app/manifests/v1", auth=("admin", "wrong"),
                        headers={"Accept": MANIFEST_ACCEPT}, timeout=10)
    challenge_of(resp)


def test_failed_logins_are_throttled(tmp_path):
    reg = start_pier(tmp_path / "pier", auth=True, env={
        "PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_AUTH_LOGIN_MAX_FAILURES": "3"})
    try:
        for _ in range(3):
            assert get_token(reg, user="admin", password="wrong").status_code == 401
        # Now even the right password waits.
        resp = get_token(reg, user="admin", password=ADMIN_PASSWORD)
        assert resp.status_code == 429 and error_codes(resp) == ["TOOMANYREQUESTS"]
    finally:
        reg.stop()


# ---------------------------------------------------------------- catalog and audit

def test_catalog_needs_a_token_with_the_catalog_scope(secured):
    push_oci_image(as_admin(secured, "team/app"), "team/app", "v1")
    token = admin_token(secured, "registry:catalog:*")
    resp = requests.get(f"{secured.url}/v2/_catalog", auth=Bearer(token), timeout=10)
    assert resp.status_code == 200 and resp.json()["repositories"] == ["team/app"]
    token = admin_token(secured, "repository:team/app:pull")
    _, params = challenge_of(requests.get(f"{secured.url}/v2/_catalog", auth=Bearer(token), timeout=10))
    assert params["error"] == "insufficient_scope"


def test_catalog_lists_only_what_the_caller_may_pull(secured):
    from api_client import Api
    admin = Api(secured, "admin", ADMIN_PASSWORD)
    for name in ("alice", "bob"):
        admin.ok("POST", "/users", {"name": name, "password": f"{name}-password"}, status=201)
    for user, repo in (("alice", "alice/one"), ("alice", "alice/two"), ("bob", "bob/one")):
        reg = Api(secured, user, f"{user}-password").registry()
        reg.extra["auth"] = Bearer(fetch_token(secured, f"repository:{repo}:pull,push", user=user,
                                               password=f"{user}-password"))
        push_oci_image(reg, repo, "v1", seed=repo)

    def catalog(user, **params):
        token = fetch_token(secured, "registry:catalog:*", user=user, password=f"{user}-password")
        resp = requests.get(f"{secured.url}/v2/_catalog", params=params, auth=Bearer(token), timeout=10)
        assert resp.status_code == 200, resp.text
        return resp

    assert catalog("alice").json()["repositories"] == ["alice/one", "alice/two"]
    assert catalog("bob").json()["repositories"] == ["bob/one"]
    admin.ok("PUT", "/repositories/bob/one/visibility", {"public": True})
    assert catalog("alice").json()["repositories"] == ["alice/one", "alice/two", "bob/one"]
    # Pages hold the caller's entries only.
    first = catalog("alice", n=2)
    assert first.json()["repositories"] == ["alice/one", "alice/two"]
    assert 'last=alice/two' in first.headers["Link"]
    assert catalog("alice", n=2, last="alice/two").json()["repositories"] == ["bob/one"]


def audit_rows(reg):
    with sqlite3.connect(reg.data_dir / "pier.db") as db:
        return db.execute("SELECT actor, actor_kind, client_address, action, namespace, repository, detail "
                          "FROM audit_events ORDER BY id").fetchall()


def test_pushes_pulls_deletes_and_logins_are_audited(secured):
    reg = as_admin(secured, "team/app")
    body, desc = push_oci_image(reg, "team/app", "v1")
    assert call(reg, "GET", "/v2/team/app/manifests/v1", headers={"Accept": OCI_MANIFEST}).status_code == 200
    assert call(reg, "DELETE", f"/v2/team/app/manifests/{desc['digest']}").status_code == 202
    get_token(secured, user="admin", password="wrong")
    reg.stop()  # the trail is flushed at shutdown
    rows = audit_rows(reg)
    actions = [(r[0], r[1], r[3], r[5]) for r in rows]
    assert ("admin", "user", "login", None) in actions
    assert ("admin", "user", "login_failed", None) in actions
    assert ("admin", "user", "push", "team/app") in actions
    assert ("admin", "user", "pull", "team/app") in actions
    assert ("admin", "user", "delete", "team/app") in actions
    push = next(r for r in rows if r[3] == "push")
    assert push[2] == "127.0.0.1" and push[4] == "team"
    assert desc["digest"] in push[6] and '"reference":"v1"' in push[6]


def test_auth_off_is_announced(tmp_path):
    reg = start_pier(tmp_path / "pier", auth=False)
    try:
        assert "AUTHENTICATION IS OFF" in reg.log()
        assert "sign in first" not in reg.log()
        assert requests.get(f"{reg.url}/v2/", timeout=10).status_code == 200
    finally:
        reg.stop()


def test_start_tells_how_to_sign_in_and_push(secured):
    log = secured.log()
    port = secured.host.split(":")[1]
    assert f"skopeo login --tls-verify=false -u admin localhost:{port}" in log
    assert f"docker://localhost:{port}/admin/app:1.0" in log
