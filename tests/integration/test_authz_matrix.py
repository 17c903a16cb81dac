"""The authorization matrix: every route of /v2, of /api/v1 and of the server's own endpoints,
called by every kind of caller, each answer held to what the authorization policy says
(auth::decide and auth::decide_namespace, src/auth/authorizer.h).

Three tables drive it, and no cell is written out by hand:
  ACCOUNTS  who exists and what each holds: a permission on the target repositories, a team
            role in the organization, superuser; the world is built from it;
  CALLERS   how a request authenticates: a password, a robot token, an API token and its
            scopes, a browser session with or without its CSRF token, a bearer token from
            /v2/auth, a wrong password, nothing;
  ROUTES    one row per route (several for a route whose rule depends on its input): what it
            needs and what it answers when allowed.
expected() combines a caller's grants with a row's need as the authorizer does. Allowed calls
are made with valid input so that they succeed; refused ones name things that exist, so a
missing check would show as a success rather than hide behind a 404.

A route without a row fails test_every_*_route_has_a_row: /api/v1's routes are read from the
served OpenAPI document (tests/api/openapi_test.cc holds it equal to the route table), /v2's
from registry::Route (src/registry/routes.h), each probed for the methods it serves."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from typing import Callable

import pytest
import requests

from api_client import TIMEOUT, Api, unique
from oci_helpers import (MANIFEST_ACCEPT, OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, OCTET_STREAM, descriptor,
                         image_config, layer_bytes, oci_manifest, push_blob, push_manifest, request_target, sha256,
                         start_upload, url)
from registry_auth import Bearer, granted, parse_challenge
from servers import ADMIN_PASSWORD, REPO_ROOT
from test_sessions import PAGE

ORG = "acme"
NOTIFICATION_RULE = {"event": "delete", "method": "webhook", "config": {"url": "http://127.0.0.1:9/"}}
APP = f"{ORG}/app"        # the target repository: every ACCOUNTS permission is granted on it
SOURCE = f"{ORG}/source"  # holds blobs to mount; no permission is granted on it
BYSTANDER = "bystander"   # an account that calls nothing: the object of grants the matrix makes
SAFE_METHODS = {"GET", "HEAD"}

# ---------------------------------------------------------------- who exists


@dataclass(frozen=True)
class Account:
    superuser: bool = False
    repository_role: str | None = None  # permission on APP and on every repository like it
    team_role: str | None = None        # role of its team in ORG
    robot: bool = False


ACCOUNTS = {
    "admin": Account(superuser=True),
    "stranger": Account(),
    "reader": Account(repository_role="read"),
    "writer": Account(repository_role="write"),
    "owner": Account(repository_role="admin"),
    "builder": Account(team_role="creator"),
    "nsadmin": Account(team_role="admin"),
    # The session callers' own account: changing another account's password cannot end them.
    "browser": Account(team_role="admin"),
    f"{ORG}+ci": Account(robot=True, repository_role="write"),
    f"{ORG}+idle": Account(robot=True),
}
TEAMS = {"admin": "owners", "creator": "builders"}  # "owners" is made with the organization

# ---------------------------------------------------------------- how they call


@dataclass(frozen=True)
class Caller:
    name: str
    credential: str  # "none", "wrong password", "password", "robot token", "api token", "session"
    account: str | None = None
    scopes: tuple[str, ...] = ()
    csrf: bool = False
    # On /v2: trade the credential at /v2/auth for a bearer token, as docker and podman do.
    registry_token: bool = False

    @property
    def id(self) -> str:
        return self.name.replace(" ", "-")


CALLERS = [
    Caller("anonymous", "none"),
    Caller("wrong password", "wrong password", "reader"),
    Caller("user without grant", "password", "stranger"),
    Caller("user with read", "password", "reader"),
    Caller("user with write", "password", "writer"),
    Caller("repository admin", "password", "owner"),
    Caller("creator team member", "password", "builder"),
    Caller("namespace admin", "password", "nsadmin"),
    Caller("superuser", "password", "admin"),
    Caller("robot with grant", "robot token", f"{ORG}+ci"),
    Caller("robot without grant", "robot token", f"{ORG}+idle"),
    Caller("read-only API token", "api token", "nsadmin", ("repo:read",)),
    Caller("full API token", "api token", "nsadmin", ("repo:admin", "org:admin")),
    Caller("API token without repository scope", "api token", "nsadmin", ("org:admin",)),
    Caller("superuser API token", "api token", "admin", ("super:user",)),
    Caller("superuser read-only API token", "api token", "admin", ("repo:read",)),
    Caller("session with CSRF token", "session", "browser", csrf=True),
    Caller("session without CSRF token", "session", "browser"),
    Caller("anonymous bearer token", "none", registry_token=True),
    Caller("user with write bearer token", "password", "writer", registry_token=True),
    Caller("robot with grant bearer token", "robot token", f"{ORG}+ci", registry_token=True),
    Caller("read-only API token bearer token", "api token", "nsadmin", ("repo:read",), registry_token=True),
    Caller("API token without repository scope bearer token", "api token", "nsadmin", ("org:admin",),
           registry_token=True),
]

# ---------------------------------------------------------------- the policy, as auth::decide has it

RANK = {None: 0, "read": 1, "write": 2, "admin": 3}
ROLE_NEEDED = {"pull": "read", "list": "read", "push": "write", "delete": "admin", "manage": "admin"}
SCOPE_ROLE = {"repo:read": "read", "repo:write": "write", "repo:admin": "admin"}


@dataclass(frozen=True)
class Principal:
    """The caller as one API sees it: kind "anonymous", "user", "robot" or "token"."""
    kind: str
    account: Account = Account()
    scopes: tuple[str, ...] = ()


def principal_of(caller: Caller, family: str) -> Principal | None:
    """None for credentials that fail. A session cookie signs in to /api/v1 only."""
    if caller.credential == "wrong password":
        return None
    if caller.credential == "none" or (caller.credential == "session" and family != "api"):
        return Principal("anonymous")
    kind = {"password": "user", "session": "user", "robot token": "robot", "api token": "token"}[caller.credential]
    return Principal(kind, ACCOUNTS[caller.account], caller.scopes)


def strongest(roles) -> str | None:
    return max(roles, key=RANK.__getitem__, default=None)


def token_cap(p: Principal) -> str | None:
    return strongest([SCOPE_ROLE[s] for s in p.scopes if s in SCOPE_ROLE] +
                     (["admin"] if "super:user" in p.scopes and p.account.superuser else []))


def role_on(p: Principal, granted_repository: bool) -> str | None:
    """The caller's role on an existing private repository of ORG; `granted_repository`: one
    holding the ACCOUNTS permissions (APP and its like), else one holding none (SOURCE)."""
    if p.kind == "anonymous":
        return None
    a = p.account
    roles = [a.repository_role] if granted_repository else []
    if not a.robot:  # robots never get superuser, ownership or team rights
        roles += ["admin"] * (a.superuser + (a.team_role == "admin"))
    role = strongest(r for r in roles if r)
    if p.kind == "token":
        cap = token_cap(p)
        role = cap if role and RANK[cap] < RANK[role] else role
    return role


def may(p: Principal, action: str, granted_repository: bool = True) -> bool:
    return RANK[role_on(p, granted_repository)] >= RANK[ROLE_NEEDED[action]]


def may_create(p: Principal) -> bool:
    """Pushing a repository of ORG into existence."""
    if p.kind in ("anonymous", "robot"):
        return False
    if p.kind == "token" and RANK[token_cap(p)] < RANK["write"]:
        return False
    return p.account.superuser or p.account.team_role in ("admin", "creator")


def may_in_namespace(p: Principal, action: str) -> bool:
    """auth::decide_namespace: "manage" (ORG), "create organization", "administer", "own tokens"."""
    if p.kind not in ("user", "token"):
        return False
    a = p.account
    if p.kind == "token":
        as_superuser = a.superuser and "super:user" in p.scopes
        covers = {"manage": as_superuser or "org:admin" in p.scopes,
                  "create organization": as_superuser or "org:admin" in p.scopes,
                  "administer": as_superuser, "own tokens": False}
        if not covers[action]:
            return False
    return {"manage": a.superuser or a.team_role == "admin", "create organization": True,
            "administer": a.superuser, "own tokens": True}[action]


def in_a_team(p: Principal) -> bool:
    return p.kind in ("user", "token") and p.account.team_role is not None


# What a route needs, each a function of the principal. PUBLIC, SIGNING_IN and SESSION routes
# sign nobody in first: the server calls them whatever the credentials.
PUBLIC, SIGNING_IN, SESSION = "public", "signing in", "session"
SIGNED_IN = lambda p: p.kind != "anonymous"  # noqa: E731
OWN_PASSWORD = lambda p: p.kind == "user"  # noqa: E731  (an API token stands in for no password)
SEE_ORGANIZATION = lambda p: may_in_namespace(p, "manage") or in_a_team(p)  # noqa: E731
CREATE_REPOSITORY = may_create


def repository(action: str) -> Callable[[Principal], bool]:
    return lambda p: may(p, action)


def namespace(action: str) -> Callable[[Principal], bool]:
    return lambda p: may_in_namespace(p, action)


# ---------------------------------------------------------------- the world


@dataclass
class Req:
    path: str
    params: dict | None = None
    json: dict | None = None
    data: bytes | dict | None = None
    headers: dict = field(default_factory=dict)
    fresh_session: bool = False   # a session caller signs in anew (the call ends its session)
    form_credentials: bool = False  # the caller's credentials go in the form (OAuth2 password grant)


class World:
    """ACCOUNTS made real on `server`, with what the rows act on. Setup calls go as admin with an
    API token (Basic, so it works on /v2 too): no Argon2 verification per call."""

    def __init__(self, server):
        self.server = server
        self.passwords = {"admin": ADMIN_PASSWORD}
        admin = Api(server, "admin", ADMIN_PASSWORD)
        setup_token = admin.ok("POST", "/user/tokens", {"name": "matrix setup", "scopes": ["super:user"]},
                               status=201)["token"]
        self.setup = Api(server, "admin", setup_token)
        self.registry = self.setup.registry()
        self.robot_tokens: dict[str, str] = {}
        self.api_tokens: dict[tuple, str] = {}
        self.sessions: dict[str, tuple[str, str]] = {}
        for name, account in ACCOUNTS.items():
            if not account.robot and name != "admin":
                self.passwords[name] = f"{name}-password"
                self.setup.ok("POST", "/users", {"name": name, "password": self.passwords[name]}, status=201)
        self.passwords[BYSTANDER] = f"{BYSTANDER}-password"
        self.setup.ok("POST", "/users", {"name": BYSTANDER, "password": self.passwords[BYSTANDER]}, status=201)
        self.organization(ORG)
        for name, account in ACCOUNTS.items():
            if account.robot:
                short = name.split("+", 1)[1]
                self.robot_tokens[name] = self.setup.ok("POST", f"/namespaces/{ORG}/robots/{short}",
                                                        status=201)["token"]
        config, layer = image_config("matrix"), layer_bytes("matrix")
        self.config_digest = push_blob(self.registry, APP, config)
        self.layer_digest = push_blob(self.registry, APP, layer)
        self.image = (descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER, layer)])
        self.manifest = oci_manifest(*self.image)
        self.manifest_digest = push_manifest(self.registry, APP, "v1", self.manifest, OCI_MANIFEST)
        self.grant(APP)
        push_blob(self.registry, SOURCE, layer_bytes("source"))
        self.setup.ok("PUT", f"/organizations/{ORG}/teams/spare", {"role": "member"}, status=201)

    # Accounts and credentials.

    def organization(self, name: str) -> str:
        """An organization whose teams hold the ACCOUNTS team roles, and admin in none of them."""
        self.setup.ok("POST", "/organizations", {"name": name}, status=201)
        for role, team in TEAMS.items():
            if team != "owners":
                self.setup.ok("PUT", f"/organizations/{name}/teams/{team}", {"role": role}, status=201)
        for account_name, account in ACCOUNTS.items():
            if account.team_role:
                self.setup.ok("PUT", f"/organizations/{name}/teams/{TEAMS[account.team_role]}/members/{account_name}",
                              status=204)
        self.setup.ok("DELETE", f"/organizations/{name}/teams/owners/members/admin", status=204)
        return name

    def grant(self, repository_name: str) -> str:
        for name, account in ACCOUNTS.items():
            if account.repository_role:
                kind = "robot" if account.robot else "user"
                self.setup.ok("PUT", f"/repositories/{repository_name}/permissions/{kind}/{name}",
                              {"role": account.repository_role})
        return repository_name

    def secret_of(self, caller: Caller) -> str:
        if caller.credential == "robot token":
            return self.robot_tokens[caller.account]
        if caller.credential == "api token":
            return self.api_token(caller.account, caller.scopes)
        if caller.credential == "wrong password":
            return "not-" + self.passwords[caller.account]
        return self.passwords[caller.account]

    def as_user(self, name: str) -> Api:
        return Api(self.server, name, self.passwords[name])

    def api_token(self, account: str, scopes: tuple[str, ...]) -> str:
        if (account, scopes) not in self.api_tokens:
            made = self.as_user(account).ok("POST", "/user/tokens", {"name": unique("matrix"), "scopes": list(scopes)},
                                            status=201)
            self.api_tokens[(account, scopes)] = made["token"]
        return self.api_tokens[(account, scopes)]

    def sign_in(self, account: str) -> tuple[str, str]:
        """A new session: (cookie secret, CSRF token)."""
        resp = requests.post(f"{self.server.url}/api/v1/session",
                             json={"username": account, "password": self.passwords[account]},
                             headers=PAGE, timeout=TIMEOUT)
        assert resp.status_code == 200, resp.text
        return resp.cookies["pier_session"], resp.json()["csrf_token"]

    def session(self, account: str) -> tuple[str, str]:
        if account not in self.sessions:
            self.sessions[account] = self.sign_in(account)
        return self.sessions[account]

    # Things a call may consume, one for each call.

    def spare_user(self) -> str:
        name = unique("spare")
        self.setup.ok("POST", "/users", {"name": name, "password": f"{name}-password"}, status=201)
        return name

    def spare_token_id(self, caller: Caller) -> int:
        """A token of the caller's user (stranger's for callers with none): the one to delete."""
        account = caller.account if caller.account in self.passwords else "stranger"
        return self.as_user(account).ok("POST", "/user/tokens", {"name": unique("spare"), "scopes": ["repo:read"]},
                                        status=201)["id"]

    def spare_team(self, member: str | None = None) -> str:
        team = unique("team")
        self.setup.ok("PUT", f"/organizations/{ORG}/teams/{team}", {"role": "member"}, status=201)
        if member:
            self.setup.ok("PUT", f"/organizations/{ORG}/teams/{team}/members/{member}", status=204)
        return team

    def spare_robot(self) -> str:
        name = unique("robot")
        self.setup.ok("POST", f"/namespaces/{ORG}/robots/{name}", status=201)
        return name

    def spare_repository(self) -> str:
        """An empty repository of ORG holding the ACCOUNTS permissions, like APP."""
        name = f"{ORG}/{unique('spare')}"
        self.setup.ok("POST", "/repositories", {"name": name}, status=201)
        return self.grant(name)

    def spare_tag(self) -> str:
        tag = unique("spare")
        self.setup.ok("PUT", f"/repositories/{APP}/tags/{tag}", {"digest": self.manifest_digest})
        return tag

    def spare_notification(self) -> int:
        """A rule of ORG whose deliveries go nowhere: nothing listens on the discard port."""
        return self.setup.ok("POST", f"/namespaces/{ORG}/notifications", NOTIFICATION_RULE, status=201)["id"]

    def spare_manifest(self) -> str:
        body = oci_manifest(*self.image, annotations={"spare": unique("spare")})
        return push_manifest(self.registry, APP, sha256(body), body, OCI_MANIFEST)

    def spare_blob(self, repository_name: str) -> str:
        return push_blob(self.registry, repository_name, layer_bytes(unique("spare")))

    def spare_upload(self) -> str:
        """The path and query of a new upload session of APP."""
        return request_target(start_upload(self.registry, APP))


# ---------------------------------------------------------------- the routes


@dataclass(frozen=True)
class Row:
    family: str          # "api", "registry" or "server"
    method: str
    route: str           # as the route table names it: an OpenAPI path, a registry::Route, a path
    need: object         # PUBLIC, SIGNING_IN, SESSION or a function of the Principal
    success: int | Callable[[Principal], set]  # the answer of an allowed call
    build: Callable[[World, Caller], Req]
    variant: str = ""
    check: Callable | None = None  # more to hold an allowed answer to: (world, principal, response)
    csrf: bool | None = None       # whether a session must show its CSRF token; unsafe methods do
    # A refusal is 403, but a superusers-only view asks others for the narrower query instead.
    refused: int = 403

    @property
    def id(self) -> str:
        path = {"api": "/api/v1" + self.route, "registry": REGISTRY_PATHS.get(self.route)}.get(self.family, self.route)
        return f"{self.method} {path}" + (f" ({self.variant})" if self.variant else "")

    @property
    def wants_csrf(self) -> bool:
        return self.method not in SAFE_METHODS if self.csrf is None else self.csrf


def api_path(path: str) -> Callable[[World, Caller], Req]:
    return lambda w, c: Req("/api/v1" + path)


def api(method, path, need, success, build=None, **kwargs) -> Row:
    return Row("api", method, path, need, success, build or api_path(path), **kwargs)


def v2(method, route, need, success, build, **kwargs) -> Row:
    return Row("registry", method, route, need, success, build, **kwargs)


def listed(names: list, name: str, expected: bool, where: str):
    assert (name in names) == expected, f"{name} {'missing from' if expected else 'shown in'} {where}: {names}"


def check_repository_list(w, p, resp):
    listed([r["name"] for r in resp.json()["repositories"]], APP, may(p, "pull"), "the repository list")


def check_repository_view(w, p, resp):
    view = resp.json()
    assert (view["can_write"], view["can_admin"]) == (may(p, "push"), may(p, "manage")), view


def check_organization_list(w, p, resp):
    shown = may_in_namespace(p, "administer") or in_a_team(p)
    listed([o["name"] for o in resp.json()["organizations"]], ORG, shown, "the organization list")


def check_organization_view(w, p, resp):
    assert resp.json()["is_admin"] == may_in_namespace(p, "manage"), resp.text


def check_catalog(w, p, resp):
    names = resp.json()["repositories"]
    listed(names, APP, may(p, "list"), "the catalog")
    listed(names, SOURCE, may(p, "list", granted_repository=False), "the catalog")


def check_token(w, p, resp):
    """The token carries exactly the actions the policy allows now."""
    body = resp.json()
    actions = granted(body.get("token") or body["access_token"])
    want = {f"repository:{APP}": {a for a in ("pull", "push", "delete") if may(p, a)}}
    if p.kind != "anonymous" and (p.kind != "token" or token_cap(p)):  # who may read anything
        want["registry:catalog"] = {"*"}
    got = {k: ({"pull", "push", "delete"} if "*" in v and k.startswith("repository:") else v)
           for k, v in actions.items() if v}
    assert got == {k: v for k, v in want.items() if v}, (got, want)


def mount_from_source(p: Principal) -> set:
    """A blob is mounted from SOURCE only for a caller who may pull it there; for anyone else the
    request opens an ordinary upload session, as for a blob the source does not have."""
    return {201} if may(p, "pull", granted_repository=False) else {202}


def mount_from_anywhere(p: Principal) -> set:
    return {201, 202} if may(p, "pull", granted_repository=False) else {202}


TOKEN_SCOPES = [f"repository:{APP}:pull,push,delete", "registry:catalog:*"]

REGISTRY_PATHS = {  # registry::Route -> its path, with {name} the repository's
    "kBase": "/v2/", "kCatalog": "/v2/_catalog", "kTags": "/v2/{name}/tags/list",
    "kManifest": "/v2/{name}/manifests/{reference}", "kBlob": "/v2/{name}/blobs/{digest}",
    "kUploadStart": "/v2/{name}/blobs/uploads/", "kUpload": "/v2/{name}/blobs/uploads/{id}",
    "kReferrers": "/v2/{name}/referrers/{digest}", "kToken": "/v2/auth",
    "kSignatures": "/extensions/v2/{name}/signatures/{digest}",
}


def new_signature(w: World, c: Caller) -> Req:
    """A signature of the API extension under a fresh name (the name must be new each time)."""
    name = f"{w.manifest_digest}@{secrets.token_hex(16)}"
    return Req(f"/extensions/v2/{APP}/signatures/{w.manifest_digest}",
               json={"schemaVersion": 2, "type": "atomic", "name": name,
                     "content": base64.b64encode(b"signature").decode()})


def blob_upload(w: World, c: Caller, repository_name: str, **params) -> Req:
    return Req(f"/v2/{repository_name}/blobs/uploads/", params=params or None)


def monolithic_upload(w: World, c: Caller) -> Req:
    blob = layer_bytes(unique("made"))
    return Req(f"/v2/{APP}/blobs/uploads/", params={"digest": sha256(blob)}, data=blob,
               headers={"Content-Type": OCTET_STREAM})


def same_password(w: World, c: Caller) -> Req:
    """Changing one's password to itself: allowed calls leave every caller's password as it was."""
    password = w.passwords.get(c.account, "not-a-password")
    return Req("/api/v1/user", json={"current_password": password, "password": password})


def granted_first(path: str, body: dict | None, status: int = 200) -> Callable[[World, Caller], Req]:
    """Deleting what setup grants just before, at `path` below /api/v1."""
    def build(w, c):
        w.setup.ok("PUT", path, body, status=status)
        return Req("/api/v1" + path)
    return build


def uploaded(chunk: bytes, with_digest: bool) -> Callable[[World, Caller], Req]:
    def build(w, c):
        location = w.spare_upload()
        params = {"digest": sha256(chunk)} if with_digest else None
        return Req(location, params=params, data=chunk, headers={"Content-Type": OCTET_STREAM})
    return build


ROUTES = [
    # /api/v1: accounts
    api("GET", "/user", SIGNED_IN, 200),
    api("PATCH", "/user", OWN_PASSWORD, 200, same_password),
    api("GET", "/users", namespace("administer"), 200),
    api("POST", "/users", namespace("administer"), 201,
        lambda w, c: Req("/api/v1/users", json={"name": unique("made"), "password": "made-password"})),
    api("PATCH", "/users/{user}", namespace("administer"), 200,
        lambda w, c: Req(f"/api/v1/users/{w.spare_user()}", json={"disabled": True})),
    api("DELETE", "/users/{user}", namespace("administer"), 204,
        lambda w, c: Req(f"/api/v1/users/{w.spare_user()}")),
    api("GET", "/user/tokens", namespace("own tokens"), 200),
    api("POST", "/user/tokens", namespace("own tokens"), 201,
        lambda w, c: Req("/api/v1/user/tokens", json={"name": unique("made"), "scopes": ["repo:read"]})),
    api("DELETE", "/user/tokens/{id}", namespace("own tokens"), 204,
        lambda w, c: Req(f"/api/v1/user/tokens/{w.spare_token_id(c)}")),
    # organizations, teams, default permissions
    api("GET", "/organizations", SIGNED_IN, 200, check=check_organization_list),
    api("POST", "/organizations", namespace("create organization"), 201,
        lambda w, c: Req("/api/v1/organizations", json={"name": unique("made")})),
    api("GET", "/organizations/{org}", SEE_ORGANIZATION, 200, api_path(f"/organizations/{ORG}"),
        check=check_organization_view),
    api("DELETE", "/organizations/{org}", namespace("manage"), 204,
        lambda w, c: Req(f"/api/v1/organizations/{w.organization(unique('spare'))}")),
    api("GET", "/organizations/{org}/teams", namespace("manage"), 200, api_path(f"/organizations/{ORG}/teams")),
    api("PUT", "/organizations/{org}/teams/{team}", namespace("manage"), 201,
        lambda w, c: Req(f"/api/v1/organizations/{ORG}/teams/{unique('team')}", json={"role": "member"})),
    api("DELETE", "/organizations/{org}/teams/{team}", namespace("manage"), 204,
        lambda w, c: Req(f"/api/v1/organizations/{ORG}/teams/{w.spare_team()}")),
    api("PUT", "/organizations/{org}/teams/{team}/members/{user}", namespace("manage"), 204,
        lambda w, c: Req(f"/api/v1/organizations/{ORG}/teams/{w.spare_team()}/members/{BYSTANDER}")),
    api("DELETE", "/organizations/{org}/teams/{team}/members/{user}", namespace("manage"), 204,
        lambda w, c: Req(f"/api/v1/organizations/{ORG}/teams/{w.spare_team(BYSTANDER)}/members/{BYSTANDER}")),
    api("GET", "/organizations/{org}/default-permissions", namespace("manage"), 200,
        api_path(f"/organizations/{ORG}/default-permissions")),
    api("PUT", "/organizations/{org}/default-permissions/{kind}/{name}", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/organizations/{ORG}/default-permissions/user/{BYSTANDER}", json={"role": "read"})),
    api("DELETE", "/organizations/{org}/default-permissions/{kind}/{name}", namespace("manage"), 204,
        granted_first(f"/organizations/{ORG}/default-permissions/user/{BYSTANDER}", {"role": "read"})),
    # namespaces: robots and role bindings
    api("GET", "/namespaces/{ns}/robots", namespace("manage"), 200, api_path(f"/namespaces/{ORG}/robots")),
    api("POST", "/namespaces/{ns}/robots/{robot}", namespace("manage"), 201,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/robots/{unique('robot')}")),
    api("DELETE", "/namespaces/{ns}/robots/{robot}", namespace("manage"), 204,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/robots/{w.spare_robot()}")),
    api("POST", "/namespaces/{ns}/robots/{robot}/regenerate", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/robots/{w.spare_robot()}/regenerate")),
    api("GET", "/namespaces/{ns}/role-bindings", namespace("manage"), 200, api_path(f"/namespaces/{ORG}/role-bindings")),
    api("PUT", "/namespaces/{ns}/role-bindings/{role}/{kind}/{name}", namespace("manage"), 204,
        api_path(f"/namespaces/{ORG}/role-bindings/registry-viewer/user/{BYSTANDER}")),
    api("DELETE", "/namespaces/{ns}/role-bindings/{role}/{kind}/{name}", namespace("manage"), 204,
        granted_first(f"/namespaces/{ORG}/role-bindings/registry-viewer/user/{BYSTANDER}", None, status=204)),
    # repositories
    api("GET", "/repositories", SIGNED_IN, 200, lambda w, c: Req("/api/v1/repositories", params={"q": APP}),
        check=check_repository_list),
    api("POST", "/repositories", CREATE_REPOSITORY, 201,
        lambda w, c: Req("/api/v1/repositories", json={"name": f"{ORG}/{unique('made')}"})),
    api("GET", "/repositories/{repository}", repository("pull"), 200, api_path(f"/repositories/{APP}"),
        check=check_repository_view),
    api("DELETE", "/repositories/{repository}", repository("manage"), 204,
        lambda w, c: Req(f"/api/v1/repositories/{w.spare_repository()}")),
    api("GET", "/repositories/{repository}/permissions", repository("manage"), 200,
        api_path(f"/repositories/{APP}/permissions")),
    api("PUT", "/repositories/{repository}/permissions/{kind}/{name}", repository("manage"), 200,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/permissions/user/{BYSTANDER}", json={"role": "read"})),
    api("DELETE", "/repositories/{repository}/permissions/{kind}/{name}", repository("manage"), 204,
        granted_first(f"/repositories/{APP}/permissions/user/{BYSTANDER}", {"role": "read"})),
    api("PUT", "/repositories/{repository}/visibility", repository("manage"), 200,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/visibility", json={"public": False})),
    api("GET", "/repositories/{repository}/tags", repository("pull"), 200, api_path(f"/repositories/{APP}/tags")),
    api("PUT", "/repositories/{repository}/tags/{tag}", repository("push"), 200,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/tags/{unique('made')}", json={"digest": w.manifest_digest})),
    api("DELETE", "/repositories/{repository}/tags/{tag}", repository("delete"), 204,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/tags/{w.spare_tag()}")),
    api("GET", "/repositories/{repository}/tags/{tag}/history", repository("pull"), 200,
        api_path(f"/repositories/{APP}/tags/v1/history")),
    api("GET", "/repositories/{repository}/manifests/{digest}", repository("pull"), 200,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/manifests/{w.manifest_digest}")),
    # the web UI's session, the audit log, the document
    api("POST", "/session", SIGNING_IN, 200,
        lambda w, c: Req("/api/v1/session", json={"username": "stranger", "password": w.passwords["stranger"]}),
        csrf=False),
    api("GET", "/session", SESSION, 200),
    api("DELETE", "/session", SIGNING_IN, 204, lambda w, c: Req("/api/v1/session", fresh_session=True)),
    api("GET", "/audit", namespace("manage"), 200, lambda w, c: Req("/api/v1/audit", params={"namespace": ORG}),
        variant="of a namespace"),
    api("GET", "/audit", namespace("administer"), 200, variant="whole log", refused=400),
    api("GET", "/openapi.json", PUBLIC, 200),
    # jobs: the probe operators enqueue, and the list
    api("GET", "/jobs", namespace("administer"), 200),
    api("POST", "/jobs", namespace("administer"), 201,
        lambda w, c: Req("/api/v1/jobs", json={"kind": "probe", "args": {"hold_seconds": 0}})),

    # the image lifecycle: settings that change nothing the other rows rely on (no pattern, a
    # limit nothing reaches, a policy that keeps every tag, a dry run)
    api("GET", "/gc", namespace("administer"), 200),
    api("POST", "/gc", namespace("administer"), 200, lambda w, c: Req("/api/v1/gc", json={"dry_run": True})),
    api("GET", "/namespaces/{ns}/quota", namespace("manage"), 200, api_path(f"/namespaces/{ORG}/quota")),
    api("PUT", "/namespaces/{ns}/quota", namespace("administer"), 200,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/quota", json={"limit_bytes": 1 << 50})),
    api("DELETE", "/namespaces/{ns}/quota", namespace("administer"), 204, api_path(f"/namespaces/{ORG}/quota")),
    api("GET", "/namespaces/{ns}/signing-policy", namespace("manage"), 200,
        api_path(f"/namespaces/{ORG}/signing-policy")),
    api("PUT", "/namespaces/{ns}/signing-policy", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/signing-policy", json={"enforce": False, "keys": []})),
    api("DELETE", "/namespaces/{ns}/signing-policy", namespace("manage"), 204,
        api_path(f"/namespaces/{ORG}/signing-policy")),
    api("GET", "/namespaces/{ns}/signing-keys", namespace("manage"), 200, api_path(f"/namespaces/{ORG}/signing-keys")),
    # vulnerability scanning: the policy, the data (an import of nothing empties it), a report, and the SBOM
    # of an image whose layers are no tar archives (its scan fails, so an allowed call finds no SBOM)
    api("GET", "/namespaces/{ns}/vulnerability-policy", namespace("manage"), 200,
        api_path(f"/namespaces/{ORG}/vulnerability-policy")),
    api("PUT", "/namespaces/{ns}/vulnerability-policy", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/vulnerability-policy",
                         json={"block_severity": "critical", "allow": ["CVE-2000-0001"]})),
    api("DELETE", "/namespaces/{ns}/vulnerability-policy", namespace("manage"), 204,
        api_path(f"/namespaces/{ORG}/vulnerability-policy")),
    api("GET", "/vulnerabilities", SIGNED_IN, 200),
    api("POST", "/vulnerabilities/import", namespace("administer"), 200,
        lambda w, c: Req("/api/v1/vulnerabilities/import", json=[])),
    api("GET", "/repositories/{repository}/manifests/{digest}/vulnerabilities", repository("pull"), 200,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/manifests/{w.manifest_digest}/vulnerabilities")),
    api("GET", "/repositories/{repository}/manifests/{digest}/sbom", repository("pull"), 404,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/manifests/{w.manifest_digest}/sbom")),
    # notification rules: a namespace's are its managers', a repository's its admins'; a rule
    # someone may not manage is one they cannot see (404)
    api("GET", "/namespaces/{ns}/notifications", namespace("manage"), 200, api_path(f"/namespaces/{ORG}/notifications")),
    api("POST", "/namespaces/{ns}/notifications", namespace("manage"), 201,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/notifications", json=NOTIFICATION_RULE)),
    api("GET", "/repositories/{repository}/notifications", repository("manage"), 200,
        api_path(f"/repositories/{APP}/notifications")),
    api("POST", "/repositories/{repository}/notifications", repository("manage"), 201,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/notifications", json=NOTIFICATION_RULE)),
    api("GET", "/notifications/{id}", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/notifications/{w.spare_notification()}"), refused=404),
    api("PATCH", "/notifications/{id}", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/notifications/{w.spare_notification()}", json={"title": "renamed"}), refused=404),
    api("DELETE", "/notifications/{id}", namespace("manage"), 204,
        lambda w, c: Req(f"/api/v1/notifications/{w.spare_notification()}"), refused=404),
    api("POST", "/notifications/{id}/test", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/notifications/{w.spare_notification()}/test"), refused=404),
    api("GET", "/namespaces/{ns}/history-window", namespace("manage"), 200,
        api_path(f"/namespaces/{ORG}/history-window")),
    api("PUT", "/namespaces/{ns}/history-window", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/history-window", json={"history_window": "14d"})),
    api("DELETE", "/namespaces/{ns}/history-window", namespace("manage"), 204,
        api_path(f"/namespaces/{ORG}/history-window")),
    api("GET", "/namespaces/{ns}/immutable-tags", namespace("manage"), 200,
        api_path(f"/namespaces/{ORG}/immutable-tags")),
    api("PUT", "/namespaces/{ns}/immutable-tags", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/immutable-tags", json={"patterns": []})),
    api("GET", "/namespaces/{ns}/retention", namespace("manage"), 200, api_path(f"/namespaces/{ORG}/retention")),
    api("PUT", "/namespaces/{ns}/retention", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/retention", json={"keep_newest": 1000000})),
    api("DELETE", "/namespaces/{ns}/retention", namespace("manage"), 204, api_path(f"/namespaces/{ORG}/retention")),
    api("POST", "/namespaces/{ns}/retention/run", namespace("manage"), 200,
        lambda w, c: Req(f"/api/v1/namespaces/{ORG}/retention/run", json={"dry_run": True})),
    api("GET", "/repositories/{repository}/immutable-tags", repository("manage"), 200,
        api_path(f"/repositories/{APP}/immutable-tags")),
    api("PUT", "/repositories/{repository}/immutable-tags", repository("manage"), 200,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/immutable-tags", json={"patterns": []})),
    api("GET", "/repositories/{repository}/retention", repository("manage"), 200,
        api_path(f"/repositories/{APP}/retention")),
    api("PUT", "/repositories/{repository}/retention", repository("manage"), 200,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/retention", json={"keep_newest": 1000000})),
    api("DELETE", "/repositories/{repository}/retention", repository("manage"), 204,
        api_path(f"/repositories/{APP}/retention")),
    api("POST", "/repositories/{repository}/retention/run", repository("manage"), 200,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/retention/run", json={"dry_run": True})),
    api("PUT", "/repositories/{repository}/tags/{tag}/expiration", repository("push"), 200,
        lambda w, c: Req(f"/api/v1/repositories/{APP}/tags/{w.spare_tag()}/expiration", json={"expires_in": "52w"})),

    # /v2
    v2("GET", "kBase", SIGNED_IN, 200, lambda w, c: Req("/v2/")),
    v2("HEAD", "kBase", SIGNED_IN, 200, lambda w, c: Req("/v2/")),
    v2("GET", "kCatalog", SIGNED_IN, 200, lambda w, c: Req("/v2/_catalog", params={"n": 1000}), check=check_catalog),
    v2("HEAD", "kCatalog", SIGNED_IN, 200, lambda w, c: Req("/v2/_catalog")),
    v2("GET", "kTags", repository("pull"), 200, lambda w, c: Req(f"/v2/{APP}/tags/list")),
    v2("HEAD", "kTags", repository("pull"), 200, lambda w, c: Req(f"/v2/{APP}/tags/list")),
    v2("GET", "kManifest", repository("pull"), 200,
       lambda w, c: Req(f"/v2/{APP}/manifests/v1", headers={"Accept": MANIFEST_ACCEPT})),
    v2("HEAD", "kManifest", repository("pull"), 200,
       lambda w, c: Req(f"/v2/{APP}/manifests/v1", headers={"Accept": MANIFEST_ACCEPT})),
    v2("PUT", "kManifest", repository("push"), 201,
       lambda w, c: Req(f"/v2/{APP}/manifests/{unique('made')}", data=w.manifest,
                        headers={"Content-Type": OCI_MANIFEST})),
    v2("DELETE", "kManifest", repository("delete"), 202,
       lambda w, c: Req(f"/v2/{APP}/manifests/{w.spare_manifest()}")),
    v2("GET", "kBlob", repository("pull"), 200, lambda w, c: Req(f"/v2/{APP}/blobs/{w.layer_digest}")),
    v2("HEAD", "kBlob", repository("pull"), 200, lambda w, c: Req(f"/v2/{APP}/blobs/{w.layer_digest}")),
    v2("DELETE", "kBlob", repository("delete"), 202, lambda w, c: Req(f"/v2/{APP}/blobs/{w.spare_blob(APP)}")),
    v2("POST", "kUploadStart", repository("push"), 202, lambda w, c: blob_upload(w, c, APP), variant="session"),
    v2("POST", "kUploadStart", repository("push"), 201, monolithic_upload, variant="monolithic"),
    v2("POST", "kUploadStart", CREATE_REPOSITORY, 202,
       lambda w, c: blob_upload(w, c, f"{ORG}/{unique('made')}"), variant="into a new repository"),
    v2("POST", "kUploadStart", repository("push"), mount_from_source,
       lambda w, c: blob_upload(w, c, APP, mount=w.spare_blob(SOURCE), **{"from": SOURCE}),
       variant="mount from a repository"),
    v2("POST", "kUploadStart", repository("push"), mount_from_anywhere,
       lambda w, c: blob_upload(w, c, APP, mount=w.spare_blob(SOURCE)), variant="mount from anywhere"),
    v2("GET", "kUpload", repository("push"), 204, lambda w, c: Req(w.spare_upload())),
    v2("HEAD", "kUpload", repository("push"), 204, lambda w, c: Req(w.spare_upload())),
    v2("PATCH", "kUpload", repository("push"), 202, uploaded(b"chunk", with_digest=False)),
    v2("PUT", "kUpload", repository("push"), 201, uploaded(layer_bytes("put") + b"matrix", with_digest=True)),
    v2("DELETE", "kUpload", repository("push"), 204, lambda w, c: Req(w.spare_upload())),
    v2("GET", "kReferrers", repository("pull"), 200, lambda w, c: Req(f"/v2/{APP}/referrers/{w.manifest_digest}")),
    v2("HEAD", "kReferrers", repository("pull"), 200, lambda w, c: Req(f"/v2/{APP}/referrers/{w.manifest_digest}")),
    v2("GET", "kSignatures", repository("pull"), 200,
       lambda w, c: Req(f"/extensions/v2/{APP}/signatures/{w.manifest_digest}")),
    v2("HEAD", "kSignatures", repository("pull"), 200,
       lambda w, c: Req(f"/extensions/v2/{APP}/signatures/{w.manifest_digest}")),
    v2("PUT", "kSignatures", repository("push"), 201, new_signature),
    v2("GET", "kToken", PUBLIC, 200,
       lambda w, c: Req("/v2/auth", params={"service": "pier", "scope": TOKEN_SCOPES}), check=check_token),
    v2("HEAD", "kToken", PUBLIC, 200, lambda w, c: Req("/v2/auth", params={"service": "pier", "scope": TOKEN_SCOPES})),
    v2("POST", "kToken", SIGNED_IN, 200,
       lambda w, c: Req("/v2/auth", data={"grant_type": "password", "service": "pier", "scope": " ".join(TOKEN_SCOPES)},
                        form_credentials=True),
       check=check_token),

    # the server's own endpoints, outside both route tables
    Row("server", "GET", "/healthz", PUBLIC, 200, lambda w, c: Req("/healthz")),
    Row("server", "GET", "/readyz", PUBLIC, 200, lambda w, c: Req("/readyz")),
    Row("server", "GET", "/metrics", PUBLIC, 200, lambda w, c: Req("/metrics")),
]

# Cells whose answer disagrees with the policy, awaiting a fix: row id -> (which callers, why).
# Each fails the matrix again the day it is fixed, so that its entry gets removed. None now.
KNOWN_DEFECTS: dict[str, tuple[Callable[[Caller], bool], str]] = {}

# ---------------------------------------------------------------- expectations


def expected(row: Row, caller: Caller) -> set:
    """The statuses the policy allows for this cell."""
    p = principal_of(caller, row.family)

    def success():
        return row.success(p) if callable(row.success) else {row.success}

    if row.family == "api":
        unsafe_session = caller.credential == "session" and not caller.csrf and row.wants_csrf
        if row.need == PUBLIC:
            return success()
        if row.need == SIGNING_IN:
            return {403} if unsafe_session else success()
        if row.need == SESSION:
            return success() if caller.credential == "session" else {401}
        if p is None or p.kind == "anonymous":
            return {401}
        if unsafe_session or p.kind == "robot":  # robots may not use the management API
            return {403}
        return success() if row.need(p) else {row.refused}
    if row.need == PUBLIC:  # the token endpoint still checks credentials that are sent
        return {401} if p is None and row.family == "registry" else success()
    if p is None:
        return {401}
    if row.need(p):
        return success()
    return {401} if p.kind == "anonymous" else {403}


def known_defect(row: Row, caller: Caller) -> str | None:
    applies, why = KNOWN_DEFECTS.get(row.id, (lambda c: False, None))
    return why if applies(caller) else None


# ---------------------------------------------------------------- calling


def session_headers(w: World, caller: Caller, fresh: bool) -> tuple[dict, dict]:
    secret, csrf = w.sign_in(caller.account) if fresh else w.session(caller.account)
    headers = dict(PAGE)
    if caller.csrf:
        headers["X-CSRF-Token"] = csrf
    return headers, {"pier_session": secret}


def registry_token(w: World, caller: Caller, challenge: str, row: Row) -> str:
    """What docker does with a challenge: a token for its scope from /v2/auth."""
    scheme, params = parse_challenge(challenge)
    assert scheme == "bearer" and params["realm"] == f"{w.server.url}/v2/auth", challenge
    query = {"service": params["service"]}
    if "scope" in params:
        query["scope"] = params["scope"].split(" ")
    if row.variant == "mount from a repository":
        query.setdefault("scope", []).append(f"repository:{SOURCE}:pull")
    auth = (caller.account, w.secret_of(caller)) if caller.credential != "none" else None
    resp = requests.get(f"{w.server.url}/v2/auth", params=query, auth=auth, timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    return resp.json()["token"]


def call(w: World, row: Row, caller: Caller) -> requests.Response:
    req = row.build(w, caller)
    headers, cookies, auth, data = dict(req.headers), None, None, req.data
    if req.form_credentials:
        if caller.credential not in ("none", "session"):
            data = {**data, "username": caller.account, "password": w.secret_of(caller)}
    elif caller.credential == "session":
        page, cookies = session_headers(w, caller, req.fresh_session)
        headers.update(page)
    elif caller.credential == "api token" and row.family == "api":
        auth = Bearer(w.secret_of(caller))
    elif caller.credential != "none":
        auth = (caller.account, w.secret_of(caller))

    def send(auth):
        return requests.request(row.method, url(w.server, req.path), params=req.params, json=req.json, data=data,
                                headers=headers, cookies=cookies, auth=auth, timeout=TIMEOUT, allow_redirects=False)

    if not caller.registry_token:
        return send(auth)
    first = send(None)
    if first.status_code != 401:
        return first
    return send(Bearer(registry_token(w, caller, first.headers["WWW-Authenticate"], row)))


def assert_refusal(row: Row, resp: requests.Response):
    if row.method != "HEAD" and resp.status_code in (400, 401, 403):
        errors = resp.json()["errors"]
        assert errors and errors[0]["code"] and errors[0]["message"], resp.text
        code = {401: "UNAUTHORIZED", 403: "DENIED"}.get(resp.status_code)
        assert code is None or errors[0]["code"] == code, resp.text
    if resp.status_code == 401 and row.family == "registry":
        assert resp.headers.get("WWW-Authenticate", "").split(" ")[0] in ("Bearer", "Basic"), resp.headers


def cells():
    for row in ROUTES:
        for caller in CALLERS:
            if caller.registry_token and (row.family != "registry" or row.route == "kToken"):
                continue  # a registry bearer token is for /v2's repository routes alone
            why = known_defect(row, caller)
            marks = [pytest.mark.xfail(reason=why, strict=True)] if why else []
            yield pytest.param(row, caller, id=f"{row.id} | {caller.id}", marks=marks)


@pytest.fixture(scope="module")
def world(server):
    return World(server)


@pytest.mark.parametrize("row,caller", list(cells()))
def test_cell(world, row, caller):
    resp = call(world, row, caller)
    want = expected(row, caller)
    assert resp.status_code in want, \
        f"{row.id} as {caller.name}: {resp.status_code}, policy says {sorted(want)}: {resp.text[:300]!r}"
    assert_refusal(row, resp)
    if row.check and resp.status_code < 300:
        row.check(world, principal_of(caller, row.family), resp)


# ---------------------------------------------------------------- every route has its row


def test_every_management_route_has_a_row(server):
    """The OpenAPI document is the route table as served; each operation needs a row, and each
    row an operation."""
    document = requests.get(f"{server.url}/api/v1/openapi.json", timeout=TIMEOUT).json()
    served = {(method.upper(), path) for path, item in document["paths"].items()
              for method in item if method in ("get", "put", "post", "patch", "delete", "head")}
    rows = {(row.method, row.route) for row in ROUTES if row.family == "api"}
    assert served - rows == set(), "routes without a row in the authorization matrix"
    assert rows - served == set(), "rows for routes the server does not serve"


def registry_routes() -> list[str]:
    header = (REPO_ROOT / "src" / "registry" / "routes.h").read_text()
    body = re.search(r"enum class Route \{(.*?)\};", header, re.S).group(1)
    return re.findall(r"^\s*(k\w+)", body, re.M)


def test_every_registry_route_has_a_row(server):
    """Each registry::Route, with each method it does not refuse as not allowed, needs a row."""
    routes = registry_routes()
    assert set(routes) <= set(REGISTRY_PATHS), "registry routes without a path in the matrix"
    served = set()
    for route in routes:
        path = REGISTRY_PATHS[route].format(name=APP, reference="v1", digest=sha256(b""), id="an-upload")
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
            resp = requests.request(method, f"{server.url}{path}", timeout=TIMEOUT)
            if resp.status_code != 405:
                served.add((method, route))
    rows = {(row.method, row.route) for row in ROUTES if row.family == "registry"}
    assert served - rows == set(), "routes without a row in the authorization matrix"
    assert rows - served == set(), "rows for routes the server does not serve"
