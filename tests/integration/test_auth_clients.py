"""Real clients signing in to Pier over TLS: skopeo and podman with `login`, `--creds` and
`--authfile`, pushing and pulling where allowed and refused where not."""

import base64
import json

import pytest

from client_tools import Clients, build_single_arch_layout, docker_ref, sha256_digest
from api_client import Api
from servers import start_pier

ADMIN_PASSWORD = "admin-secret-for-client-tests"


@pytest.fixture
def secured_tls(tmp_path):
    reg = start_pier(tmp_path / "pier", tls=True, auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield reg
    reg.stop()


@pytest.fixture
def clients(tmp_path):
    c = Clients(tmp_path / "clients")
    yield c
    c.close()


@pytest.fixture
def single(tmp_path):
    return build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))


def oci_ref(layout, tag):
    return f"oci:{layout.path}:{tag}"


def test_skopeo_login_push_inspect_logout(clients, secured_tls, single):
    layout, image = single
    ref = docker_ref(secured_tls, "admin/app", "v1")
    # Not signed in: refused.
    refused = clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_registry=secured_tls, check=False)
    assert refused.returncode != 0
    assert "authentication required" in refused.stderr or "unauthorized" in refused.stderr.lower(), refused

    cert_dir = clients.ca_dir(secured_tls)
    wrong = clients.skopeo("login", f"--cert-dir={cert_dir}", "-u", "admin", "-p", "wrong", secured_tls.host,
                           check=False)
    assert wrong.returncode != 0 and "invalid username/password" in wrong.stderr, wrong
    clients.skopeo("login", f"--cert-dir={cert_dir}", "-u", "admin", "-p", ADMIN_PASSWORD, secured_tls.host)
    saved = json.loads(clients.auth_file.read_text())
    assert secured_tls.host in saved["auths"]

    clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_registry=secured_tls)
    raw = clients.raw_manifest(ref, secured_tls)
    assert sha256_digest(raw) == image.manifest_digest
    assert clients.list_tags(f"docker://{secured_tls.host}/admin/app", secured_tls) == ["v1"]

    clients.skopeo("logout", secured_tls.host)
    after = clients.skopeo_inspect(ref, secured_tls, raw=True, check=False)
    assert after.returncode != 0


def test_skopeo_creds_and_authfile(clients, secured_tls, single, tmp_path):
    layout, image = single
    ref = docker_ref(secured_tls, "admin/creds", "v1")
    clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_registry=secured_tls,
                        extra=["--dest-creds", f"admin:{ADMIN_PASSWORD}"])
    bad = clients.skopeo_inspect(ref, secured_tls, raw=True, extra=["--creds", "admin:wrong"], check=False)
    assert bad.returncode != 0 and ("invalid username" in bad.stderr or "unauthorized" in bad.stderr), bad

    authfile = tmp_path / "auth.json"
    token = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
    authfile.write_text(json.dumps({"auths": {secured_tls.host: {"auth": token}}}))
    raw = clients.raw_manifest(ref, secured_tls, extra=["--authfile", str(authfile)])
    assert sha256_digest(raw) == image.manifest_digest


def test_podman_login_push_pull(clients, secured_tls, single):
    layout, image = single
    flags = clients.registry_flags(secured_tls)
    loaded_id = clients.podman("pull", oci_ref(layout, "v1")).stdout.strip()
    clients.podman("tag", loaded_id, "localhost/pier-test/loaded:v1")
    ref = docker_ref(secured_tls, "admin/podman", "v1")

    refused = clients.podman("push", *flags, "localhost/pier-test/loaded:v1", ref, check=False)
    assert refused.returncode != 0, refused
    wrong = clients.podman("login", *flags, "-u", "admin", "-p", "wrong", secured_tls.host, check=False)
    assert wrong.returncode != 0, wrong
    clients.podman("login", *flags, "-u", "admin", "-p", ADMIN_PASSWORD, secured_tls.host)

    digest_file = clients.base / "pushed.digest"
    clients.podman("push", *flags, "--digestfile", digest_file, "localhost/pier-test/loaded:v1", ref)
    pushed_digest = digest_file.read_text().strip()
    clients.podman("rmi", "-f", "localhost/pier-test/loaded:v1", loaded_id)
    clients.podman("pull", *flags, ref.removeprefix("docker://"))
    assert sha256_digest(clients.raw_manifest(ref, secured_tls)) == pushed_digest

    clients.podman("logout", secured_tls.host)
    again = clients.podman("pull", *flags, ref.removeprefix("docker://"), check=False)
    assert again.returncode != 0, again


# ---------------------------------------------------------------- robots and users with grants

def robot_with_write(reg, org, repository, name="ci"):
    """A robot of a new organization `org` with write on `repository`; its creation answer."""
    admin = Api(reg, "admin", ADMIN_PASSWORD)
    admin.ok("POST", "/organizations", {"name": org}, status=201)
    robot = admin.ok("POST", f"/namespaces/{org}/robots/{name}", status=201)
    admin.ok("PUT", f"/repositories/{repository}/permissions/robot/{robot['name']}", {"role": "write"})
    return robot


def test_robot_pushes_and_pulls_with_its_generated_auth_json(clients, secured_tls, single, tmp_path):
    layout, image = single
    robot = robot_with_write(secured_tls, "acme", "acme/app")
    authfile = tmp_path / "robot-auth.json"
    authfile.write_text(json.dumps(robot["logins"]["auth_json"]))

    ref = docker_ref(secured_tls, "acme/app", "v1")
    clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_registry=secured_tls, extra=["--dest-authfile", str(authfile)])
    raw = clients.raw_manifest(ref, secured_tls, extra=["--authfile", str(authfile)])
    assert sha256_digest(raw) == image.manifest_digest

    # Nowhere else: another repository of the organization is refused.
    other = clients.skopeo_copy(oci_ref(layout, "v1"), docker_ref(secured_tls, "acme/other", "v1"),
                                dest_registry=secured_tls, extra=["--dest-authfile", str(authfile)], check=False)
    assert other.returncode != 0, other
    assert any(word in other.stderr.lower() for word in ("denied", "403", "unauthorized")), other

    # Once regenerated, the old auth.json no longer works.
    Api(secured_tls, "admin", ADMIN_PASSWORD).ok("POST", "/namespaces/acme/robots/ci/regenerate")
    stale = clients.skopeo_inspect(ref, secured_tls, raw=True, extra=["--authfile", str(authfile)], check=False)
    assert stale.returncode != 0, stale


def test_podman_login_line_of_a_robot(clients, secured_tls, single):
    layout, image = single
    robot = robot_with_write(secured_tls, "shop", "shop/web")
    # The login line as handed out, with this client's TLS flags.
    line = robot["logins"]["podman"]
    assert line.startswith("podman login ") and line.endswith(secured_tls.host)
    user = robot["name"]
    clients.podman("login", *clients.registry_flags(secured_tls), "-u", user, "-p", robot["token"], secured_tls.host)
    loaded_id = clients.podman("pull", oci_ref(layout, "v1")).stdout.strip()
    ref = docker_ref(secured_tls, "shop/web", "v1")
    clients.podman("push", *clients.registry_flags(secured_tls), loaded_id, ref)
    clients.podman("pull", *clients.registry_flags(secured_tls), ref.removeprefix("docker://"))
    refused = clients.podman("push", *clients.registry_flags(secured_tls), loaded_id,
                             docker_ref(secured_tls, "admin/web", "v1"), check=False)
    assert refused.returncode != 0, refused


def test_reader_may_pull_but_not_push(clients, secured_tls, single):
    layout, image = single
    admin = Api(secured_tls, "admin", ADMIN_PASSWORD)
    admin.ok("POST", "/users", {"name": "reader", "password": "reader-pw"}, status=201)
    ref = docker_ref(secured_tls, "admin/shared", "v1")
    clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_registry=secured_tls,
                        extra=["--dest-creds", f"admin:{ADMIN_PASSWORD}"])
    creds = ["--creds", "reader:reader-pw"]
    # No grant yet: the reader cannot even see it.
    assert clients.skopeo_inspect(ref, secured_tls, raw=True, extra=creds, check=False).returncode != 0
    admin.ok("PUT", "/repositories/admin/shared/permissions/user/reader", {"role": "read"})
    assert sha256_digest(clients.raw_manifest(ref, secured_tls, extra=creds)) == image.manifest_digest
    pushed = clients.skopeo_copy(oci_ref(layout, "v1"), docker_ref(secured_tls, "admin/shared", "v2"),
                                 dest_registry=secured_tls, extra=["--dest-creds", "reader:reader-pw"], check=False)
    assert pushed.returncode != 0, pushed
    # Made public, anyone pulls without credentials.
    admin.ok("PUT", "/repositories/admin/shared/visibility", {"public": True})
    assert sha256_digest(clients.raw_manifest(ref, secured_tls)) == image.manifest_digest


def test_api_token_as_the_password(clients, secured_tls, single):
    layout, image = single
    admin = Api(secured_tls, "admin", ADMIN_PASSWORD)
    admin.ok("POST", "/users", {"name": "dev", "password": "dev-password"}, status=201)
    dev = Api(secured_tls, "dev", "dev-password")
    writer = dev.ok("POST", "/user/tokens", {"name": "ci", "scopes": ["repo:write"]}, status=201)["token"]
    reader = dev.ok("POST", "/user/tokens", {"name": "ro", "scopes": ["repo:read"]}, status=201)["token"]
    ref = docker_ref(secured_tls, "dev/app", "v1")
    clients.skopeo_copy(oci_ref(layout, "v1"), ref, dest_registry=secured_tls, extra=["--dest-creds", f"dev:{writer}"])
    clients.skopeo("login", f"--cert-dir={clients.ca_dir(secured_tls)}", "-u", "dev", "-p", reader, secured_tls.host)
    assert sha256_digest(clients.raw_manifest(ref, secured_tls)) == image.manifest_digest
    refused = clients.skopeo_copy(oci_ref(layout, "v1"), docker_ref(secured_tls, "dev/app", "v2"),
                                  dest_registry=secured_tls, check=False)
    assert refused.returncode != 0, refused
