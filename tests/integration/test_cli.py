"""The client half of the pier command (pier login, whoami, user, org, team, robot, perm, repo,
tag, manifest, default-perm, role-binding, token, audit, logout), run as the real binary against a real Pier.

Each command's output is checked in every --output format it has: json and yaml are parsed
and compared with the management API's own answer (fetched with requests), tables by their
header and rows. Exit codes: 0 success, 1 a server error or no connection, 2 bad usage, 3 not
logged in, 4 authentication refused.

One Pier serves the module; each test signs in from a home folder of its own
(HOME and XDG_CONFIG_HOME point into tmp_path) and makes its own accounts."""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import select
import socket
import stat
import subprocess
from pathlib import Path

import pytest
import requests

import yaml_subset
from api_client import Api, expect, message, new_organization, new_user, unique
from oci_helpers import push_oci_image, sha256
from registry_auth import get_token, granted
from servers import ADMIN_PASSWORD, PIER_BINARY, free_port, start_pier
from signing_tools import CosignKey, push_cosign_signature

TIMEOUT = 60


class Cli:
    """The pier binary run with a home folder of its own; standard input is never a terminal."""

    def __init__(self, home: Path, xdg: bool = True):
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if k not in ("PIER_SERVER", "PIER_TOKEN", "XDG_CONFIG_HOME")}
        self.env["HOME"] = str(home)
        if xdg:
            self.env["XDG_CONFIG_HOME"] = str(home / "xdg")
        self.config = (home / "xdg" if xdg else home / ".config") / "pier" / "config.yaml"

    def run(self, *args, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(PIER_BINARY), *map(str, args)], input=stdin,
                              capture_output=True, text=True, timeout=TIMEOUT, env={**self.env, **(env or {})})

    def ok(self, *args, **kwargs) -> str:
        result = self.run(*args, **kwargs)
        assert result.returncode == 0, (args, result.returncode, result.stdout, result.stderr)
        return result.stdout

    def json(self, *args, **kwargs):
        return json.loads(self.ok(*args, "--output", "json", **kwargs))

    def yaml(self, *args, **kwargs):
        return yaml_subset.loads(self.ok(*args, "--output", "yaml", **kwargs))

    def table(self, *args, **kwargs) -> list[list[str]]:
        return parse_table(self.ok(*args, **kwargs))

    def fails(self, code: int, *args, **kwargs) -> str:
        """Standard error of a run that must exit with `code`."""
        result = self.run(*args, **kwargs)
        assert result.returncode == code, (args, result.returncode, result.stdout, result.stderr)
        return result.stderr

    def login(self, reg, user: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        return self.ok("login", reg.host, "-u", user, "--password-stdin", stdin=password + "\n")

    def stored_token(self) -> str:
        return yaml_subset.loads(self.config.read_text())["token"]


@pytest.fixture
def cli(tmp_path, server):
    """A pier signed in as admin."""
    c = Cli(tmp_path / "home")
    c.login(server)
    return c


def parse_table(text: str) -> list[list[str]]:
    """A table's lines, header first, each cut where the header's columns start."""
    header, *rows = text.splitlines()
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", header)]
    ends = starts[1:] + [None]
    return [[line[start:end].strip() for start, end in zip(starts, ends)] for line in [header, *rows]]


def fields(table: list[list[str]]) -> list[dict]:
    """A parsed table as one dict per row, keyed by the header."""
    header, *rows = table
    return [dict(zip(header, row)) for row in rows]


# ---------------------------------------------------------------- login, whoami, logout

def test_login_keeps_a_token_and_never_the_password(tmp_path, server, admin):
    c = Cli(tmp_path / "home")
    result = c.run("login", server.host, "-u", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"logged in to {server.url} as admin (token saved in {c.config})\n"

    assert stat.S_IMODE(c.config.stat().st_mode) == 0o600
    assert stat.S_IMODE(c.config.parent.stat().st_mode) == 0o700
    text = c.config.read_text()
    assert ADMIN_PASSWORD not in text
    stored = yaml_subset.loads(text)
    assert stored["server"] == server.url and stored["user"] == "admin"
    token = stored["token"]
    assert token.startswith("pier_") and token not in result.stdout + result.stderr

    # A token named for this machine, with the scopes of an administrator.
    tokens = admin.ok("GET", "/user/tokens")["tokens"]
    mine = next(t for t in tokens if t["id"] == stored["token_id"])
    assert mine["name"] == f"pier-cli@{socket.gethostname()}"
    assert mine["scopes"] == ["repo:admin", "org:admin", "super:user"]
    assert Api(server, token=token).ok("GET", "/user")["kind"] == "token"

    # Signing in again replaces the token rather than leaving the old one behind.
    c.login(server)
    assert yaml_subset.loads(c.config.read_text())["token"] != token
    expect(Api(server, token=token).get("/user"), 401)

    # Without XDG_CONFIG_HOME the file is under ~/.config.
    plain = Cli(tmp_path / "plain", xdg=False)
    plain.login(server)
    assert (tmp_path / "plain" / ".config" / "pier" / "config.yaml").exists()
    assert stat.S_IMODE(plain.config.stat().st_mode) == 0o600


def run_on_terminal(cli: Cli, args: list[str], answers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """Runs pier on a pseudo-terminal, typing each answer after its prompt: (exit code, all it showed)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(str(PIER_BINARY), ["pier", *args], cli.env)
    shown = b""

    def read_until(marker: bytes) -> None:
        nonlocal shown
        while marker not in shown:
            ready, _, _ = select.select([fd], [], [], TIMEOUT)
            assert ready, f"no {marker!r} in {shown!r}"
            try:
                shown += os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                raise AssertionError(f"no {marker!r} in {shown!r}")

    for prompt, answer in answers:
        read_until(prompt)
        os.write(fd, answer)
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown


def test_login_on_a_terminal_asks_without_echo(tmp_path, server):
    c = Cli(tmp_path / "home")
    code, shown = run_on_terminal(c, ["login", server.host], [(b"Username: ", b"admin\n"),
                                                               (b"Password for admin: ", ADMIN_PASSWORD.encode() + b"\n")])
    assert code == 0, shown
    assert b"logged in to" in shown and ADMIN_PASSWORD.encode() not in shown
    assert c.json("whoami")["name"] == "admin"
    code, shown = run_on_terminal(c, ["user", "create", unique("typed")], [(b"Password for ", b"typed-password\n"),
                                                                          (b"Again: ", b"other-password\n")])
    assert code == 2 and b"the passwords differ" in shown and b"typed-password" not in shown


def test_login_refused_exits_4_with_the_servers_message(tmp_path, server):
    c = Cli(tmp_path / "home")
    expected = message(Api(server, "admin", "wrong-password").get("/user"))
    stderr = c.fails(4, "login", server.host, "-u", "admin", "--password-stdin", stdin="wrong-password\n")
    assert stderr == f"pier: {expected}\n"
    assert "wrong-password" not in stderr
    assert not c.config.exists()
    # Nothing to type the password on: a usage error.
    assert "--password-stdin" in c.fails(2, "login", server.host, "-u", "admin")
    # -p works, with a warning.
    result = c.run("login", server.host, "-u", "admin", "-p", ADMIN_PASSWORD)
    assert result.returncode == 0 and "warning" in result.stderr


def test_a_user_who_is_not_a_superuser_gets_no_super_scope(tmp_path, server, admin):
    user = new_user(admin)
    c = Cli(tmp_path / "home")
    c.login(server, user.user, user.password)
    assert c.json("whoami")["scopes"] == ["repo:admin", "org:admin"]
    # What the token may do follows: no user management.
    stderr = c.fails(1, "user", "create", unique("eve"), "--password-stdin", stdin="eve-password\n")
    assert stderr.startswith("pier: ")


def test_whoami_in_each_format(cli, server):
    answer = Api(server, token=cli.stored_token()).ok("GET", "/user")
    assert cli.json("whoami") == answer
    assert cli.yaml("whoami") == answer
    assert fields(cli.table("whoami")) == [{"SERVER": server.url, "NAME": "admin", "EMAIL": "", "SUPERUSER": "true",
                                            "KIND": "token", "SCOPES": "repo:admin,org:admin,super:user"}]
    output = cli.ok("whoami")
    assert output.splitlines()[0].split() == ["SERVER", "NAME", "EMAIL", "SUPERUSER", "KIND", "SCOPES"]
    assert cli.stored_token() not in output


def test_logout_revokes_the_token(tmp_path, server):
    c = Cli(tmp_path / "home")
    c.login(server)
    token = c.stored_token()
    # It takes the password (no token may delete tokens); without one nothing changes.
    assert "--password-stdin" in c.fails(2, "logout")
    assert c.config.exists()
    assert c.ok("logout", "--password-stdin", stdin=ADMIN_PASSWORD + "\n") == f"logged out of {server.url}\n"
    assert not c.config.exists()
    expect(Api(server, token=token).get("/user"), 401)
    expect(requests.get(f"{server.url}/api/v1/user", headers={"Authorization": f"Bearer {token}"}, timeout=10), 401)
    c.fails(3, "whoami")
    c.fails(3, "logout", "--password-stdin", stdin=ADMIN_PASSWORD + "\n")

    # --local forgets the token here only.
    c.login(server)
    token = c.stored_token()
    result = c.run("logout", "--local")
    assert result.returncode == 0 and "stays valid" in result.stderr
    assert not c.config.exists()
    assert Api(server, token=token).ok("GET", "/user")["name"] == "admin"


def test_password_changes_ones_own_password(tmp_path, server, admin):
    user = new_user(admin)
    c = Cli(tmp_path / "home")
    c.login(server, user.user, user.password)
    # The current password, then the new one, a line each; the stored token goes on working.
    assert c.ok("password", "--password-stdin", stdin=f"{user.password}\nbrand-new-password\n") == \
        f"changed the password of {user.user}\n"
    expect(Api(server, user.user, user.password).get("/user"), 401)
    assert Api(server, user.user, "brand-new-password").ok("GET", "/user")["name"] == user.user
    assert c.json("whoami")["name"] == user.user
    # A wrong current password does not even sign in (exit 4); a missing new one is bad usage.
    stderr = c.fails(4, "password", "--password-stdin", stdin=f"{user.password}\nanother-password\n")
    assert stderr == "pier: invalid username or password\n"
    assert "a line each" in c.fails(2, "password", "--password-stdin", stdin="brand-new-password\n")
    # Not logged in: -u names the account.
    other = Cli(tmp_path / "other")
    assert other.ok("password", "-u", user.user, "--server", server.url, "--password-stdin",
                    stdin="brand-new-password\nthird-password\n") == f"changed the password of {user.user}\n"


def test_not_logged_in_exits_3(tmp_path, server):
    c = Cli(tmp_path / "home")
    for args in (["whoami"], ["org", "create", unique("org")], ["team", "ls", "acme"], ["audit"]):
        assert c.fails(3, *args).startswith("pier: not logged in")
    # A server without a token is not a session either.
    c.fails(3, "whoami", "--server", server.host)


def test_server_and_token_from_flags_or_environment(tmp_path, cli, server):
    token = cli.stored_token()
    other = Cli(tmp_path / "other")
    assert other.json("whoami", "--server", server.url, "--token", token)["name"] == "admin"
    env = {"PIER_SERVER": server.host, "PIER_TOKEN": token}
    assert other.json("whoami", env=env)["name"] == "admin"
    # Flags come before the environment.
    assert other.fails(4, "whoami", "--token", "pier_not-a-token", env=env).startswith("pier: ")
    # The stored token is never sent to another server (here: the same one by another name).
    cli.fails(3, "whoami", "--server", f"localhost:{server.host.split(':')[1]}")
    assert cli.json("whoami", "--server", f"http://{server.host}/")["name"] == "admin"


def test_usage_errors_exit_2(cli):
    for args in (["team", "create", "acme"], ["perm", "grant", "acme/app", "user", "bob", "superpower"],
                 ["perm", "grant", "acme/app", "group", "bob", "read"], ["whoami", "--output", "xml"],
                 ["nosuchcommand"], ["team"], [], ["token", "create", "x", "--scope", "everything"],
                 ["audit", "--since", "yesterday"], ["audit", "--since", "2024-01-01", "--from", "1"],
                 ["robot", "create", "acme", "ci", "--format", "k8s", "--output", "json"],
                 ["whoami", "--server", "ftp://example.org", "--token", "pier_x"]):
        assert cli.run(*args).returncode == 2, args
    result = cli.run("robot", "--help")
    assert result.returncode == 0 and "secret" in result.stdout
    assert "REGENERATES" in cli.ok("robot", "secret", "--help")


def test_server_errors_exit_1_with_the_servers_message(cli, server, admin):
    org = unique("nowhere")
    expected = message(admin.get(f"/organizations/{org}/teams"))
    assert cli.fails(1, "team", "ls", org) == f"pier: {expected}\n"
    expected = message(admin.post("/organizations", {"name": "Not_Valid"}))
    assert cli.fails(1, "org", "create", "Not_Valid") == f"pier: {expected}\n"
    # No server there.
    stderr = cli.fails(1, "whoami", "--server", f"127.0.0.1:{free_port()}", "--token", "pier_x")
    assert stderr.startswith("pier: cannot reach http://127.0.0.1:")
    # A token the server does not know.
    assert cli.fails(4, "whoami", "--token", "pier_not-a-token") == \
        f"pier: {message(Api(server, token='pier_not-a-token').get('/user'))}\n"


# ---------------------------------------------------------------- users, organizations, teams

def test_users(cli, server, admin):
    names = {fmt: unique("user") for fmt in ("table", "json", "yaml")}
    out = cli.ok("user", "create", names["table"], "--password-stdin", "--email", "t@example.com",
                 stdin="table-password\n")
    assert fields(parse_table(out)) == \
        [{"NAME": names["table"], "EMAIL": "t@example.com", "SUPERUSER": "false", "DISABLED": "false"}]
    assert "table-password" not in out
    assert cli.json("user", "create", names["json"], "--password-stdin", "--superuser", stdin="json-password\n") == \
        {"name": names["json"], "email": "", "superuser": True, "kind": "user", "disabled": False}
    assert cli.yaml("user", "create", names["yaml"], "--password-stdin", stdin="yaml-password\n") == \
        {"name": names["yaml"], "email": "", "superuser": False, "kind": "user", "disabled": False}
    for fmt, name in names.items():
        assert Api(server, name, f"{fmt}-password").ok("GET", "/user")["name"] == name
    assert Api(server, names["json"], "json-password").ok("GET", "/user")["superuser"] is True

    # The password is typed twice on a terminal; there is none here.
    assert "--password-stdin" in cli.fails(2, "user", "create", unique("user"))

    # Changing a user: a new password, promoted, disabled and enabled again.
    yaml_user = names["yaml"]
    assert cli.json("user", "set", yaml_user, "--password-stdin", "--superuser", "true",
                    stdin="new-yaml-password\n") == \
        {"name": yaml_user, "email": "", "superuser": True, "kind": "user", "disabled": False}
    expect(Api(server, yaml_user, "yaml-password").get("/user"), 401)
    assert Api(server, yaml_user, "new-yaml-password").ok("GET", "/user")["superuser"] is True
    assert fields(parse_table(cli.ok("user", "set", yaml_user, "--disabled", "true"))) == \
        [{"NAME": yaml_user, "EMAIL": "", "SUPERUSER": "true", "DISABLED": "true"}]
    expect(Api(server, yaml_user, "new-yaml-password").get("/user"), 401)
    cli.ok("user", "set", yaml_user, "--disabled", "false")
    assert Api(server, yaml_user, "new-yaml-password").ok("GET", "/user")["name"] == yaml_user
    assert "nothing to change" in cli.fails(2, "user", "set", yaml_user)
    assert "your own account" in cli.fails(1, "user", "set", "admin", "--disabled", "true")

    assert cli.ok("user", "delete", names["table"]) == f"deleted user {names['table']}\n"
    expect(Api(server, names["table"], "table-password").get("/user"), 401)
    gone = names["table"]
    assert cli.fails(1, "user", "delete", gone) == f"pier: {message(admin.delete(f'/users/{gone}'))}\n"


def test_organizations_and_teams(cli, server, admin):
    org, other = unique("org"), unique("org")
    created = cli.json("org", "create", org)
    assert created == {"name": org, "teams": [{"name": "owners", "role": "admin", "members": ["admin"]}]}
    assert cli.table("org", "create", other) == [["NAME", "TEAMS"], [other, "owners"]]

    alice = new_user(admin)
    assert cli.yaml("team", "create", org, "devs", "--role", "creator") == \
        {"name": "devs", "role": "creator", "members": []}
    assert cli.json("team", "create", org, "ops") == {"name": "ops", "role": "member", "members": []}
    assert cli.ok("team", "add-member", org, "devs", alice.user) == f"added {alice.user} to team {org}/devs\n"

    answer = admin.ok("GET", f"/organizations/{org}/teams")
    assert cli.json("team", "ls", org) == answer
    assert cli.yaml("team", "ls", org) == answer
    assert fields(cli.table("team", "ls", org)) == [
        {"NAME": "devs", "ROLE": "creator", "MEMBERS": alice.user},
        {"NAME": "ops", "ROLE": "member", "MEMBERS": ""},
        {"NAME": "owners", "ROLE": "admin", "MEMBERS": "admin"},
    ]
    assert [t["name"] for t in answer["teams"]] == ["devs", "ops", "owners"]

    assert cli.ok("team", "remove-member", org, "devs", alice.user) == f"removed {alice.user} from team {org}/devs\n"
    assert cli.fails(1, "team", "remove-member", org, "devs", alice.user) == \
        f"pier: {message(admin.delete(f'/organizations/{org}/teams/devs/members/{alice.user}'))}\n"
    assert cli.ok("team", "delete", org, "ops") == f"deleted team {org}/ops\n"
    assert [t["name"] for t in admin.ok("GET", f"/organizations/{org}/teams")["teams"]] == ["devs", "owners"]
    assert cli.ok("org", "delete", org) == f"deleted organization {org}\n"
    expect(admin.get(f"/organizations/{org}/teams"), 404)


# ---------------------------------------------------------------- robots

def decode_secret(secret_yaml: str) -> tuple[dict, dict]:
    """A Kubernetes Secret of type kubernetes.io/dockerconfigjson -> (the Secret, its auth.json)."""
    secret = yaml_subset.loads(secret_yaml)
    assert secret["apiVersion"] == "v1" and secret["kind"] == "Secret"
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    return secret, json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))


def robot_credentials(auth_json: dict, reg) -> tuple[str, str]:
    user, _, token = base64.b64decode(auth_json["auths"][reg.host]["auth"]).decode().partition(":")
    return user, token


def test_robot_create_k8s_secret_works_at_the_token_endpoint(cli, server, admin):
    org = new_organization(admin)
    repo = f"{org}/app"
    secret, auth_json = decode_secret(cli.ok("robot", "create", org, "ci", "--description", "CI builds",
                                             "--format", "k8s"))
    assert secret["metadata"]["name"] == f"{org}-ci-pull-secret"
    user, token = robot_credentials(auth_json, server)
    assert user == f"{org}+ci"

    assert cli.table("perm", "grant", repo, "robot", user, "read") == [["KIND", "NAME", "ROLE"], ["robot", user, "read"]]
    resp = get_token(server, f"repository:{repo}:pull", user=user, password=token)
    assert resp.status_code == 200, resp.text
    assert granted(resp.json()["token"])[f"repository:{repo}"] == {"pull"}

    # Listed, in each format, as the API lists it.
    answer = admin.ok("GET", f"/namespaces/{org}/robots")
    assert [r["name"] for r in answer["robots"]] == [user]
    assert answer["robots"][0]["description"] == "CI builds"
    assert cli.json("robot", "ls", org) == answer
    assert cli.yaml("robot", "ls", org) == answer
    rows = fields(cli.table("robot", "ls", org))
    assert [(r["NAME"], r["DESCRIPTION"]) for r in rows] == [(user, "CI builds")]
    assert token not in cli.ok("robot", "ls", org)

    assert cli.ok("robot", "delete", org, "ci") == f"deleted robot {user}\n"
    assert get_token(server, f"repository:{repo}:pull", user=user, password=token).status_code == 401


def test_robot_formats_and_regeneration(cli, server, admin):
    org = new_organization(admin)
    created = cli.json("robot", "create", org, "bot")
    assert set(created) == {"name", "description", "token", "logins", "created_at"}
    name, first = created["name"], created["token"]

    # regenerate: a new token in each --format; the old one stops working.
    podman = cli.ok("robot", "regenerate", org, "bot", "--format", "podman")
    assert podman.startswith(f"podman login -u='{name}' -p='") and podman.endswith(f"' {server.host}\n")
    second = podman.split("-p='")[1].split("'")[0]
    assert get_token(server, "", user=name, password=first).status_code == 401
    assert get_token(server, "", user=name, password=second).status_code == 200

    auth_json = json.loads(cli.ok("robot", "regenerate", org, "bot", "--format", "dockerconfigjson"))
    assert robot_credentials(auth_json, server)[0] == name
    third = robot_credentials(auth_json, server)[1]
    regenerated = cli.yaml("robot", "regenerate", org, "bot")
    assert regenerated["logins"]["auth_json"]["auths"][server.host]["auth"] == \
        base64.b64encode(f"{name}:{regenerated['token']}".encode()).decode()
    assert regenerated["logins"]["kubernetes_secret"].startswith("apiVersion: v1\n")
    assert decode_secret(regenerated["logins"]["kubernetes_secret"])[1] == regenerated["logins"]["auth_json"]
    assert get_token(server, "", user=name, password=third).status_code == 401
    current = regenerated["token"]
    rows = fields(cli.table("robot", "regenerate", org, "bot"))
    assert rows[0]["NAME"] == name and rows[0]["TOKEN"] != current
    current = rows[0]["TOKEN"]

    # secret: the same as regenerate, only with --yes.
    stderr = cli.fails(2, "robot", "secret", org, "bot", "--format", "k8s")
    assert "--yes" in stderr and "hash" in stderr
    assert get_token(server, "", user=name, password=current).status_code == 200
    _, auth_json = decode_secret(cli.ok("robot", "secret", org, "bot", "--format", "k8s", "--yes"))
    user, newest = robot_credentials(auth_json, server)
    assert get_token(server, "", user=name, password=current).status_code == 401
    assert get_token(server, "", user=user, password=newest).status_code == 200

    assert cli.fails(1, "robot", "create", org, "bot") == \
        f"pier: {message(admin.post(f'/namespaces/{org}/robots/bot'))}\n"


# ---------------------------------------------------------------- permissions and visibility

def test_repository_permissions_and_visibility(cli, server, admin):
    org = new_organization(admin)
    repo = f"{org}/team/app"
    bob, carol = new_user(admin), new_user(admin)
    cli.ok("team", "create", org, "devs")
    assert cli.json("perm", "grant", repo, "user", bob.user, "write") == {"kind": "user", "name": bob.user, "role": "write"}
    assert cli.yaml("perm", "grant", repo, "team", "devs", "read") == {"kind": "team", "name": "devs", "role": "read"}
    cli.ok("perm", "grant", repo, "user", carol.user, "admin")

    answer = admin.ok("GET", f"/repositories/{repo}/permissions")
    assert len(answer["permissions"]) == 3
    assert cli.json("perm", "ls", repo) == answer
    assert cli.yaml("perm", "ls", repo) == answer
    assert fields(cli.table("perm", "ls", repo)) == \
        [{"KIND": p["kind"], "NAME": p["name"], "ROLE": p["role"]} for p in answer["permissions"]]

    assert cli.ok("perm", "revoke", repo, "user", bob.user) == \
        f"revoked the permission of user {bob.user} on {repo}\n"
    assert bob.user not in [p["name"] for p in admin.ok("GET", f"/repositories/{repo}/permissions")["permissions"]]
    assert cli.fails(1, "perm", "revoke", repo, "user", bob.user) == \
        f"pier: {message(admin.delete(f'/repositories/{repo}/permissions/user/{bob.user}'))}\n"

    # Public: anyone may pull without signing in.
    push_oci_image(admin.registry(), repo, "v1")
    anonymous_pull = lambda: granted(get_token(server, f"repository:{repo}:pull").json()["token"])  # noqa: E731
    assert anonymous_pull() == {}
    assert cli.json("repo", "visibility", repo, "public") == {"repository": repo, "public": True}
    assert anonymous_pull() == {f"repository:{repo}": {"pull"}}
    assert cli.yaml("repo", "visibility", repo, "private") == {"repository": repo, "public": False}
    assert anonymous_pull() == {}
    assert cli.table("repo", "visibility", repo, "public") == [["REPOSITORY", "VISIBILITY"], [repo, "public"]]


def test_repositories_tags_and_manifests(cli, server, admin):
    org = new_organization(admin)
    repo = f"{org}/team/app"
    _, first = push_oci_image(admin.registry(), repo, "1.0", seed="cli-first", layers=2)
    _, second = push_oci_image(admin.registry(), repo, "1.0", seed="cli-second")
    push_oci_image(admin.registry(), repo, "latest", seed="cli-second")

    # repo ls / show: the API's answers, every page joined.
    listed = admin.ok("GET", f"/repositories?namespace={org}")
    assert cli.json("repo", "ls", "--namespace", org) == {"repositories": listed["repositories"]}
    assert cli.yaml("repo", "ls", "--namespace", org, "--search", "team") == {"repositories": listed["repositories"]}
    rows = fields(cli.table("repo", "ls", "--namespace", org))
    assert [(r["REPOSITORY"], r["VISIBILITY"], r["TAGS"]) for r in rows] == [(repo, "private", "2")]
    assert cli.json("repo", "show", repo) == admin.ok("GET", f"/repositories/{repo}")

    # tag ls: digest cut to 12 digits, sizes in binary units, platforms.
    tags = admin.ok("GET", f"/repositories/{repo}/tags")["tags"]
    assert cli.json("tag", "ls", repo) == {"tags": tags}
    rows = {r["TAG"]: r for r in fields(cli.table("tag", "ls", repo))}
    assert rows["1.0"]["DIGEST"] == second["digest"][:len("sha256:") + 12]
    assert rows["1.0"]["SIZE"].endswith((" B", " KiB"))
    assert set(rows) == {"1.0", "latest"}

    # history, restore (to where the tag was before its newest move), move, delete.
    history = cli.json("tag", "history", repo, "1.0")
    assert history == admin.ok("GET", f"/repositories/{repo}/tags/1.0/history")
    assert history["history"][0]["old_digest"] == first["digest"]
    assert cli.json("tag", "restore", repo, "1.0")["digest"] == first["digest"]
    assert admin.ok("GET", f"/repositories/{repo}/tags/1.0/history")["history"][0]["new_digest"] == first["digest"]
    assert cli.json("tag", "move", repo, "stable", second["digest"])["digest"] == second["digest"]
    assert cli.json("tag", "restore", repo, "1.0", "--to", second["digest"])["digest"] == second["digest"]
    assert "no earlier digest" in cli.fails(1, "tag", "restore", repo, "stable")
    assert cli.ok("tag", "delete", repo, "stable") == f"deleted tag {repo}:stable\n"
    assert "stable" not in [t["name"] for t in admin.ok("GET", f"/repositories/{repo}/tags")["tags"]]

    # manifest show: the layers of an image.
    details = admin.ok("GET", f"/repositories/{repo}/manifests/{first['digest']}")
    assert cli.json("manifest", "show", repo, first["digest"]) == details
    layers = fields(cli.table("manifest", "show", repo, first["digest"]))
    assert [r["LAYER"] for r in layers] == [l["digest"][:len("sha256:") + 12] for l in details["layers"]]
    assert len(layers) == 2

    # create and delete, which asks for --yes.
    empty = f"{org}/empty"
    assert cli.json("repo", "create", empty, "--public")["public"] is True
    assert admin.ok("GET", f"/repositories/{empty}")["tag_count"] == 0
    assert "--yes" in cli.fails(2, "repo", "delete", empty)
    assert cli.ok("repo", "delete", empty, "--yes") == f"deleted repository {empty}\n"
    expect(admin.get(f"/repositories/{empty}"), 404, "NAME_UNKNOWN")
    assert cli.fails(1, "repo", "show", empty).startswith("pier: ")


def test_lifecycle_commands(cli, server, admin):
    org = new_organization(admin)
    repo = f"{org}/app"
    for i in range(3):
        push_oci_image(admin.registry(), repo, f"build-{i}", seed=f"cli-lifecycle-{org}-{i}")

    # gc: a dry run and a collection, as the API reports them.
    dry = cli.json("gc", "--dry-run")
    assert dry["dry_run"] is True and set(dry) >= {"manifests_deleted", "blobs_deleted", "bytes_freed"}
    rows = fields(cli.table("gc"))
    assert rows[0]["DRY RUN"] == "false" and rows[0]["MANIFESTS"].isdigit()

    # quota: sizes with units, the API's view, and its removal.
    quota = cli.json("quota", "set", org, "10GiB", "--warning", "8GiB")
    assert quota == admin.ok("GET", f"/namespaces/{org}/quota")
    assert quota["limit_bytes"] == 10 << 30 and quota["warning_bytes"] == 8 << 30
    row = fields(cli.table("quota", "show", org))[0]
    assert row["LIMIT"] == "10.0 GiB" and row["STATE"] == "ok"
    assert "size" in cli.fails(1, "quota", "set", org, "lots")
    assert cli.ok("quota", "remove", org) == f"removed the quota of {org}\n"
    assert admin.ok("GET", f"/namespaces/{org}/quota")["limit_bytes"] is None

    # history window.
    assert cli.json("history-window", "set", org, "7d")["history_window"] == 7 * 86400
    assert cli.json("history-window", "show", org) == admin.ok("GET", f"/namespaces/{org}/history-window")
    cli.ok("history-window", "remove", org)
    assert admin.ok("GET", f"/namespaces/{org}/history-window")["default"] is True

    # immutable tags on a namespace and on a repository; exactly one of the two is named.
    assert cli.json("immutable-tags", "set", "--namespace", org, "v*", "release-*") == {"patterns": ["v*", "release-*"]}
    assert cli.json("immutable-tags", "show", "--namespace", org) == {"patterns": ["release-*", "v*"]}
    assert cli.json("immutable-tags", "show", "--repository", repo) == {"patterns": []}
    cli.fails(2, "immutable-tags", "show", "--repository", repo, "--namespace", org)
    cli.fails(2, "immutable-tags", "show")
    cli.json("immutable-tags", "set", "--namespace", org)
    assert admin.ok("GET", f"/namespaces/{org}/immutable-tags") == {"patterns": []}

    # retention: set, dry run (what the run then removes), run, remove.
    policy = cli.json("retention", "set", "--repository", repo, "--keep-newest", "1", "--include", "build-*")
    assert policy == admin.ok("GET", f"/repositories/{repo}/retention")
    dry = cli.json("retention", "run", "--repository", repo, "--dry-run")
    assert dry["dry_run"] is True and len(dry["removed"]) == 2
    done = cli.json("retention", "run", "--repository", repo)
    assert done["removed"] == dry["removed"]
    assert len(admin.ok("GET", f"/repositories/{repo}/tags")["tags"]) == 1
    cli.ok("retention", "remove", "--repository", repo)
    assert admin.ok("GET", f"/repositories/{repo}/retention") == {"policy": None}

    # tag expire: in, at, never.
    left = admin.ok("GET", f"/repositories/{repo}/tags")["tags"][0]["name"]
    assert cli.json("tag", "expire", repo, left, "--at", "4102444800")["expires_at"] == 4102444800
    row = {r["TAG"]: r for r in fields(cli.table("tag", "ls", repo))}[left]
    assert row["EXPIRES"].startswith("2100-01-01")
    assert cli.json("tag", "expire", repo, left, "--never")["expires_at"] is None
    assert cli.json("tag", "expire", repo, left, "--in", "3d")["expires_at"] > 0
    cli.fails(2, "tag", "expire", repo, left)


def test_signing_policy_and_signatures(cli, server, admin, tmp_path):
    org = new_organization(admin)
    repo = f"{org}/app"
    cosign = CosignKey(tmp_path)
    public_key = cosign.public
    body, _ = push_oci_image(admin.registry(), repo, "v1", seed=f"cli-signing-{org}")
    digest = sha256(body)
    assert cli.json("signatures", repo, digest) == {"signatures": []}

    # A namespace without a policy; then one trusted cosign key, not enforced by default.
    assert cli.json("signing-policy", "show", org) == {"namespace": org, "enforce": False, "keys": []}
    assert fields(cli.table("signing-policy", "show", org)) == [{"ENFORCE": "false", "TYPE": "-", "KEY ID": "-"}]
    policy = cli.json("signing-policy", "set", org, "--cosign-key", public_key)
    assert policy == admin.ok("GET", f"/namespaces/{org}/signing-keys")
    assert policy["enforce"] is False and len(policy["keys"]) == 1, policy
    key = policy["keys"][0]
    assert key["type"] == "cosign" and key["key_id"].startswith("sha256:"), key
    assert key["public_key"].strip() == public_key.read_text().strip()

    # The image's cosign signature, verified by the trusted key.
    push_cosign_signature(admin.registry(), repo, digest, cosign)
    [signature] = cli.json("signatures", repo, digest)["signatures"]
    assert (signature["type"], signature["key_id"], signature["verified"], signature["source"]) == (
        "cosign", key["key_id"], True, "tag"), signature
    assert fields(cli.table("signatures", repo, digest)) == [
        {"TYPE": "cosign", "KEY ID": key["key_id"], "VERIFIED": "true", "SOURCE": "tag"}]

    # Enforced, then not: the table shows the flag beside each key.
    assert cli.json("signing-policy", "set", org, "--enforce", "--cosign-key", public_key)["enforce"] is True
    assert fields(cli.table("signing-policy", "show", org)) == [
        {"ENFORCE": "true", "TYPE": "cosign", "KEY ID": key["key_id"]}]
    assert cli.yaml("signing-policy", "set", org, "--no-enforce", "--cosign-key", public_key)["enforce"] is False
    assert admin.ok("GET", f"/namespaces/{org}/signing-policy")["enforce"] is False

    # Refusals: the server's word on a key it cannot use, and a file that is not there.
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("hello\n")
    assert "keys[0]" in cli.fails(1, "signing-policy", "set", org, "--cosign-key", not_a_key)
    cli.fails(2, "signing-policy", "set", org, "--gpg-key", tmp_path / "missing.asc")
    assert "at least one trusted key" in cli.fails(1, "signing-policy", "set", org, "--enforce")

    assert cli.ok("signing-policy", "delete", org) == f"removed the signing policy of {org}\n"
    assert admin.ok("GET", f"/namespaces/{org}/signing-policy") == {"enforce": False, "keys": []}


def test_organization_and_user_listings(cli, server, admin):
    org = new_organization(admin)
    bob = new_user(admin)
    orgs = cli.json("org", "ls")["organizations"]
    assert org in [o["name"] for o in orgs]
    assert org in [r["ORGANIZATION"] for r in fields(cli.table("org", "ls"))]
    users = cli.json("user", "ls")["users"]
    assert {"admin", bob.user} <= {u["name"] for u in users}
    # Someone who is no superuser may not list users.
    other = Cli(cli.home.parent / "bob-home")
    other.login(server, bob.user, bob.password)
    other.fails(1, "user", "ls")
    assert other.json("org", "ls") == {"organizations": []}


def test_default_permissions_and_role_bindings(cli, server, admin):
    org = new_organization(admin)
    bob = new_user(admin)
    cli.ok("team", "create", org, "devs")
    assert cli.json("default-perm", "set", org, "team", "devs", "write") == {"kind": "team", "name": "devs", "role": "write"}
    assert cli.table("default-perm", "set", org, "user", bob.user, "read") == \
        [["KIND", "NAME", "ROLE"], ["user", bob.user, "read"]]
    answer = admin.ok("GET", f"/organizations/{org}/default-permissions")
    assert len(answer["default_permissions"]) == 2
    assert cli.json("default-perm", "ls", org) == answer
    assert cli.yaml("default-perm", "ls", org) == answer
    assert cli.ok("default-perm", "remove", org, "user", bob.user) == \
        f"removed the default permission of user {bob.user} in {org}\n"
    assert admin.ok("GET", f"/organizations/{org}/default-permissions")["default_permissions"] == \
        [{"kind": "team", "name": "devs", "role": "write"}]

    assert cli.ok("role-binding", "add", org, "system:image-puller", "user", bob.user) == \
        f"added the role binding system:image-puller of user {bob.user} in {org}\n"
    cli.ok("role-binding", "add", org, "registry-admin", "team", "devs")
    answer = admin.ok("GET", f"/namespaces/{org}/role-bindings")
    assert len(answer["role_bindings"]) == 2
    assert cli.json("role-binding", "ls", org) == answer
    assert cli.yaml("role-binding", "ls", org) == answer
    assert fields(cli.table("role-binding", "ls", org)) == \
        [{"ROLE": b["role"], "KIND": b["kind"], "NAME": b["name"]} for b in answer["role_bindings"]]
    assert cli.ok("role-binding", "remove", org, "registry-admin", "team", "devs") == \
        f"removed the role binding registry-admin of team devs in {org}\n"
    assert cli.fails(1, "role-binding", "remove", org, "registry-admin", "team", "devs") == \
        f"pier: {message(admin.delete(f'/namespaces/{org}/role-bindings/registry-admin/team/devs'))}\n"
    assert cli.run("role-binding", "add", org, "cluster-admin", "user", bob.user).returncode == 2


# ---------------------------------------------------------------- API tokens

def test_api_tokens(tmp_path, server, admin):
    bob = new_user(admin)
    c = Cli(tmp_path / "home")
    c.login(server, bob.user, bob.password)
    password = bob.password + "\n"
    made = c.json("token", "create", "ci", "--scope", "repo:read", "--scope", "repo:write",
                  "--expires-in-days", "7", "--password-stdin", stdin=password)
    assert made["name"] == "ci" and made["scopes"] == ["repo:read", "repo:write"]
    assert made["expires_at"] - made["created_at"] == 7 * 86400
    assert Api(server, token=made["token"]).ok("GET", "/user")["scopes"] == ["repo:read", "repo:write"]
    default = c.yaml("token", "create", "default", "--password-stdin", stdin=password)
    assert default["scopes"] == ["repo:read"] and default["expires_at"] is None
    rows = fields(c.table("token", "create", "shown", "--password-stdin", stdin=password))
    assert rows[0]["NAME"] == "shown" and rows[0]["TOKEN"].startswith("pier_")

    answer = bob.ok("GET", "/user/tokens")
    assert {t["name"] for t in answer["tokens"]} == {f"pier-cli@{socket.gethostname()}", "ci", "default", "shown"}
    assert c.json("token", "ls", "--password-stdin", stdin=password) == answer
    assert c.yaml("token", "ls", "--password-stdin", stdin=password) == answer
    listed = c.ok("token", "ls", "--password-stdin", stdin=password)
    assert parse_table(listed)[0] == ["ID", "NAME", "SCOPES", "CREATED", "EXPIRES", "LAST USED"]
    assert {row["NAME"]: row["EXPIRES"] for row in fields(parse_table(listed))}["default"] == "-"
    assert made["token"] not in listed and c.stored_token() not in listed

    # The stored token cannot manage tokens (the server's rule), so these take the password.
    assert "--password-stdin" in c.fails(2, "token", "ls")
    c.fails(4, "token", "ls", "--password-stdin", stdin="wrong-password\n")
    assert c.ok("token", "delete", str(made["id"]), "--password-stdin", stdin=password) == \
        f"deleted API token {made['id']}\n"
    expect(Api(server, token=made["token"]).get("/user"), 401)
    token_id = made["id"]
    assert c.fails(1, "token", "delete", str(token_id), "--password-stdin", stdin=password) == \
        f"pier: {message(bob.delete(f'/user/tokens/{token_id}'))}\n"


# ---------------------------------------------------------------- audit

def test_audit(cli, server, admin):
    org = new_organization(admin)
    cli.ok("team", "create", org, "devs")
    cli.ok("robot", "create", org, "ci")
    answer = admin.ok("GET", "/audit", params={"namespace": org, "limit": 2})
    assert [e["detail"]["change"] for e in answer["events"]] == ["robot_created", "team_created"]
    assert cli.json("audit", "--namespace", org, "--limit", "2") == answer
    assert cli.yaml("audit", "--namespace", org, "--limit", "2") == answer
    result = cli.run("audit", "--namespace", org, "--limit", "2")
    assert result.returncode == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["TIME", "ACTOR", "KIND", "ACTION", "NAMESPACE", "REPOSITORY", "ADDRESS", "DETAIL"]
    assert len(rows) == 2 and "robot_created" in rows[0]
    assert f"--before {answer['next']}" in result.stderr

    everything = admin.ok("GET", "/audit", params={"namespace": org})
    assert cli.json("audit", "--namespace", org, "--actor", "admin")["events"] == everything["events"]
    assert cli.json("audit", "--namespace", org, "--before", str(answer["next"])) == \
        admin.ok("GET", "/audit", params={"namespace": org, "before": answer["next"]})
    assert cli.json("audit", "--namespace", org, "--since", "2999-01-01T00:00:00Z")["events"] == []
    assert cli.json("audit", "--namespace", org, "--since", "2000-01-01")["events"] == everything["events"]
    assert cli.json("audit", "--namespace", org, "--from", "0")["events"] == everything["events"]
    assert cli.json("audit", "--repository", f"{org}/none")["events"] == []


# ---------------------------------------------------------------- TLS, and the server side

def test_login_over_tls(tmp_path):
    reg = start_pier(tmp_path / "tls", tls=True, auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        c = Cli(tmp_path / "home")
        url = f"https://{reg.host}"  # host:port alone would mean http:// for 127.0.0.1
        stderr = c.fails(1, "login", url, "-u", "admin", "--password-stdin", stdin=ADMIN_PASSWORD)
        assert stderr.startswith(f"pier: cannot reach {url}/api/v1/user: ")
        c.ok("login", url, "-u", "admin", "--password-stdin", "--ca-file", reg.ca_cert, stdin=ADMIN_PASSWORD)
        assert yaml_subset.loads(c.config.read_text())["ca_file"] == str(reg.ca_cert)
        assert c.json("whoami")["name"] == "admin"  # the stored CA file is used again

        insecure = Cli(tmp_path / "insecure")
        insecure.ok("login", url, "-u", "admin", "--password-stdin", "--insecure-skip-tls-verify", stdin=ADMIN_PASSWORD)
        assert insecure.json("whoami")["name"] == "admin"
    finally:
        reg.stop()


def test_serve_ignores_the_client_variables(tmp_path):
    env = {"PIER_SERVER": "https://registry.example.org", "PIER_TOKEN": "pier_x"}
    reg = start_pier(tmp_path / "pier", env=env)
    try:
        assert requests.get(f"{reg.url}/v2/", timeout=10).status_code == 200
    finally:
        reg.stop()
    check = subprocess.run([str(PIER_BINARY), "config", "check"], capture_output=True, text=True, timeout=TIMEOUT,
                           env={**os.environ, **env})
    assert check.returncode == 0, check.stderr


def test_offline_user_create_bootstraps_a_stopped_server(tmp_path):
    data = tmp_path / "pier"
    c = Cli(tmp_path / "home")
    # Before the server ever ran: the database is made on the way.
    made = c.json("user", "create", "rescue", "--superuser", "--offline", "--data-dir", data, "--password-stdin",
                  stdin="rescue-password\n")
    assert made == {"name": "rescue", "email": "", "superuser": True, "kind": "user", "disabled": False}
    # The same checks as the API: a bad name or a short password, and a taken name.
    assert "password" in c.fails(1, "user", "create", "shorty", "--offline", "--data-dir", data, "--password-stdin",
                                 stdin="short\n")
    assert "user" in c.fails(1, "user", "create", "Bad Name", "--offline", "--data-dir", data, "--password-stdin",
                             stdin="long-enough-password\n")
    assert "already exists" in c.fails(1, "user", "create", "rescue", "--offline", "--data-dir", data,
                                       "--password-stdin", stdin="rescue-password\n")
    # --config and --data-dir are for --offline only.
    c.fails(2, "user", "create", "x", "--data-dir", data, "--password-stdin", stdin="long-enough-password\n")

    reg = start_pier(data, auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        rescue = Api(reg, "rescue", "rescue-password")
        assert rescue.ok("GET", "/user")["superuser"] is True
        events = rescue.ok("GET", "/audit?actor=pier user create --offline")["events"]
        assert [e["detail"] for e in events] == [{"change": "user_created", "user": "rescue", "superuser": True,
                                                  "offline": True}]
        # While the server runs, too (SQLite lets both write).
        c.ok("user", "create", "second", "--offline", "--data-dir", data, "--password-stdin",
             stdin="second-password\n")
        assert Api(reg, "second", "second-password").ok("GET", "/user")["superuser"] is False
    finally:
        reg.stop()
