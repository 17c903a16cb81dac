"""Real clients signing in to Pier over TLS: skopeo and podman with `login`, `--creds` and
`--authfile`, pushing and pulling where allowed and refused where not."""

import base64
import json

import pytest

from client_tools import Clients, build_single_arch_layout, docker_ref, sha256_digest
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
