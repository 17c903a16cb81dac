"""The web UI in a real browser: tests/browser/ui_flow.mjs and ui_admin_flow.mjs drive Debian's
Chromium (playwright-core from ui/node_modules) against a Pier with authentication on, serving
the freshly built ui/dist (PIER_UI_DIR: the build in the binary may be older; its serving is
tests/integration/test_ui_serving.py's). Screenshots of every step go to
build/test-artifacts/browser/ (the second flow's to its admin/ folder)."""

import gzip
import io
import json
import shutil
import tarfile
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "integration"))

from api_client import Api, new_organization, new_user  # noqa: E402
from client_tools import Clients, build_single_arch_layout  # noqa: E402
from oci_helpers import (OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, descriptor, encode, oci_manifest,  # noqa: E402
                         push_blob, push_manifest, push_oci_image, sha256)
from registry_auth import get_token, granted  # noqa: E402
from servers import start_pier  # noqa: E402
from signing_tools import CosignKey, push_cosign_signature  # noqa: E402

UI_DIST = REPO_ROOT / "ui" / "dist"
ARTIFACTS = REPO_ROOT / "build" / "test-artifacts" / "browser"
ADMIN_ARTIFACTS = ARTIFACTS / "admin"
ADMIN_PASSWORD = "browser-admin-secret"
FLOW_TIMEOUT = 300
# The pages as just built, whatever the binary embeds.
UI_ENV = {"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_UI_DIR": str(UI_DIST)}
# The lifecycle steps of the admin flow start retention and garbage collection themselves: the
# periodic runs wait an hour, untagged manifests are kept 14 days unless a namespace says
# otherwise, blobs may go at once, and every blob is a file of the blob store
# (none inline in the database), so what a collection frees is known to the byte.
LIFECYCLE_ENV = {"PIER_GC_INTERVAL": "1h", "PIER_RETENTION_INTERVAL": "1h", "PIER_GC_HISTORY_WINDOW": "14d",
                 "PIER_GC_BLOB_GRACE": "3s", "PIER_STORAGE_INLINE_MAX_BYTES": "0"}
LIFECYCLE_TAGS = ["v1.0", "stable", "dev-1", "dev-2", "dev-3"]


def fresh_artifacts(directory: Path) -> None:
    """Empties `directory` of an earlier run's files; the other flow's folder inside it stays."""
    directory.mkdir(parents=True, exist_ok=True)
    for entry in directory.iterdir():
        if entry.is_file():
            entry.unlink()


def check_prerequisites() -> str:
    assert (UI_DIST / "index.html").is_file(), "ui/dist is missing: run `make ui`"
    node = shutil.which("node")
    assert node, "node is needed to drive the browser"
    assert Path("/usr/bin/chromium").is_file(), "Debian's chromium is needed (scripts/install-deps.sh test)"
    return node


def flow_failure(script: str, flow: subprocess.CompletedProcess, pier) -> str:
    return (f"{script} exited {flow.returncode}\n--- stdout\n{flow.stdout}\n--- stderr\n{flow.stderr}\n"
            f"--- pier log (tail)\n{pier.log()[-4000:]}")


def push_spec(clients: Clients, layout_ref: str, path: Path) -> Path:
    """How ui_flow.mjs runs skopeo: inside the isolated client environment of Clients."""
    argv = ["skopeo"]
    if clients.sandbox:
        argv = ["unshare", "--mount", "--propagation", "private", "--", str(clients.sandbox_script), "skopeo"]
    path.write_text(json.dumps({"argv": argv, "env": clients.env, "cwd": str(clients.base), "source": layout_ref}))
    return path


class Receiver:
    """A webhook receiver on 127.0.0.1: answers every POST 200 and keeps what it was sent."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = None
                with receiver.lock:
                    receiver.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers),
                                              "body": body, "json": payload})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):  # noqa: A002 (the base class's name)
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/pier"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.requests)


def check_notifications(admin: Api, receiver: Receiver) -> None:
    """What the flow's notification steps left: the test event reached the receiver (unsigned: the
    rule has no secret), and the rule and that delivery as the server tells them."""
    tests = [r for r in receiver.received() if isinstance(r["json"], dict) and r["json"].get("event") == "test"]
    assert len(tests) == 1, [(r["path"], r["body"][:200]) for r in receiver.received()]
    [test] = tests
    headers = {k.lower(): v for k, v in test["headers"].items()}
    assert test["method"] == "POST" and test["path"] == "/hooks/pier", test
    assert headers.get("content-type", "").startswith("application/json"), headers
    assert headers.get("x-pier-event") == "test", headers
    assert "x-pier-signature-256" not in headers, headers
    assert test["json"]["namespace"] == "acme" and test["json"]["id"] and test["json"]["occurred_at"], test["json"]
    rules = admin.ok("GET", "/repositories/acme/app/notifications")["notifications"]
    assert [(r["event"], r["method"], r["title"], r["config"]["url"], r["enabled"]) for r in rules] == [
        ("push", "webhook", "CI hook", receiver.url, True)], rules
    delivered = [(d["event"], d["state"], d["status_code"]) for d in rules[0]["deliveries"]]
    assert ("test", "delivered", 200) in delivered, rules[0]["deliveries"]


def test_sign_in_create_grant_push_and_see_the_tag(tmp_path):
    node = check_prerequisites()
    fresh_artifacts(ARTIFACTS)
    layout, _ = build_single_arch_layout(tmp_path / "layout", tag="v1", salt=str(tmp_path))
    pier = start_pier(tmp_path / "pier", auth=True, env=UI_ENV)
    try:
        with Clients(tmp_path / "clients") as clients, Receiver() as receiver:
            spec = push_spec(clients, f"oci:{layout.path}:v1", tmp_path / "push.json")
            flow = subprocess.run(
                [node, str(HERE / "ui_flow.mjs"), "--base-url", pier.url, "--password", ADMIN_PASSWORD,
                 "--artifacts", str(ARTIFACTS), "--push-spec", str(spec), "--receiver", receiver.url],
                capture_output=True, text=True, timeout=FLOW_TIMEOUT, cwd=REPO_ROOT)
            assert flow.returncode == 0, flow_failure("ui_flow.mjs", flow, pier)
            assert "ui flow passed" in flow.stdout
            check_notifications(Api(pier, "admin", ADMIN_PASSWORD), receiver)
    finally:
        pier.stop()
        shutil.copy(pier.log_path, ARTIFACTS / "pier.log")


def audit_events(admin: Api, repository: str) -> list[dict]:
    return admin.ok("GET", "/audit", params={"repository": repository, "limit": 100})["events"]


def wait_for_pushes(admin: Api, repository: str, count: int, timeout: float = 15.0) -> None:
    """Registry events reach the audit log in batches; the flow must find them there."""
    deadline = time.monotonic() + timeout
    while True:
        pushes = [e for e in audit_events(admin, repository) if e["action"] == "push"]
        if len(pushes) >= count:
            return
        assert time.monotonic() < deadline, f"{count} pushes not in the audit log after {timeout}s: {pushes}"
        time.sleep(0.1)


def push_lifecycle_images(admin: Api) -> dict:
    """An organization with one repository of distinct single-layer images, one per tag: what the
    flow's quota, retention and garbage collection steps work on."""
    organization = new_organization(admin, "lab")
    repository = f"{organization}/api"
    images = {}
    for tag in LIFECYCLE_TAGS:
        body, _ = push_oci_image(admin.registry(), repository, tag, seed=f"{repository} {tag}")
        manifest = json.loads(body)
        blobs = [manifest["config"], *manifest["layers"]]
        images[tag] = {"digest": sha256(body), "bytes": sum(b["size"] for b in blobs), "blobs": len(blobs)}
    return {"organization": organization, "repository": repository, "images": images}


def check_lifecycle(admin: Api, lifecycle: dict) -> None:
    """What the flow's lifecycle steps left, as the server tells it."""
    organization, repository, images = lifecycle["organization"], lifecycle["repository"], lifecycle["images"]
    tags = {t["name"]: t for t in admin.ok("GET", f"/repositories/{repository}/tags")["tags"]}
    kept_dev = [t for t in tags if t.startswith("dev-")]
    assert sorted(tags) == sorted(["v1.0", "stable", *kept_dev]) and len(kept_dev) == 1, tags
    removed = [t for t in images if t not in tags]
    assert tags["stable"]["expires_at"] is not None and tags["stable"]["expires_at"] > time.time() + 9 * 86400, tags
    assert all(tags[t]["expires_at"] is None for t in tags if t != "stable"), tags
    freed = sum(images[t]["bytes"] for t in removed)
    used = sum(i["bytes"] for i in images.values()) - freed
    quota = admin.ok("GET", f"/namespaces/{organization}/quota")
    assert quota == {"namespace": organization, "limit_bytes": 1024 * 1024, "warning_bytes": 3 * 1024,
                     "used_bytes": used, "blob_count": sum(images[t]["blobs"] for t in tags), "state": "ok"}, quota
    assert admin.ok("GET", f"/namespaces/{organization}/history-window")["default"] is True
    assert admin.ok("GET", f"/namespaces/{organization}/immutable-tags") == {"patterns": ["v*"]}
    assert admin.ok("GET", f"/repositories/{repository}/immutable-tags") == {"patterns": ["release-*"]}
    assert admin.ok("GET", f"/namespaces/{organization}/retention") == {"policy": None}
    assert admin.ok("GET", f"/repositories/{repository}/retention") == {
        "policy": {"keep_newest": 1, "older_than": None, "include": ["dev-*"], "exclude": []}}
    gc = admin.ok("GET", "/gc")
    assert (gc["manifests_deleted"], gc["blobs_deleted"], gc["bytes_freed"]) == (
        len(removed), sum(images[t]["blobs"] for t in removed), freed), gc


def push_signed_image(admin: Api, organization: str, directory: Path) -> dict:
    """An image in a repository of its own with one cosign signature, for the flow's signing steps."""
    repository = f"{organization}/signed"
    key = CosignKey(directory)
    body, _ = push_oci_image(admin.registry(), repository, "v1", seed="signed build")
    push_cosign_signature(admin.registry(), repository, sha256(body), key)
    return {"repository": repository, "digest": sha256(body), "cosign_public_key": key.public_pem}


# What the flow's scanning steps find: one Debian package with one known vulnerability.
DPKG_STATUS = b"""Package: zlib1g
Status: install ok installed
Priority: required
Section: libs
Installed-Size: 168
Architecture: amd64
Multi-Arch: same
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime

"""
OS_RELEASE = b"""PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
"""
OSV_RECORD = {
    "schema_version": "1.6.0",
    "id": "DSA-9999-1",
    "aliases": ["CVE-2099-0001"],
    "modified": "2099-01-01T00:00:00Z",
    "published": "2099-01-01T00:00:00Z",
    "summary": "zlib - security update (browser test)",
    "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib1g"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.2.13.dfsg-2"}]}]}],
    "database_specific": {"severity": "high"},
}


def layer_of(files: dict[str, bytes]) -> tuple[bytes, bytes]:
    """A gzipped tar layer holding `files` (and their directories): (the blob, the tar it unpacks to)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        directories = sorted({"/".join(name.split("/")[:i]) for name in files for i in range(1, name.count("/") + 1)})
        for directory in directories:
            info = tarfile.TarInfo(directory + "/")
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0), raw.getvalue()


def push_scanned_image(admin: Api) -> dict:
    """A vulnerability database of one OSV record, and a Debian image with the package it affects in
    an organization of its own (no signing policy there), scanned before the flow starts."""
    imported = admin.ok("POST", "/vulnerabilities/import", OSV_RECORD)
    assert imported["imported"] == 1, imported
    organization = new_organization(admin, "sec")
    repository, tag = f"{organization}/debian", "12"
    layer, tar = layer_of({"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": DPKG_STATUS})
    config = encode({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/bin:/bin"]},
                     "rootfs": {"type": "layers", "diff_ids": [sha256(tar)]}})
    reg = admin.registry()
    push_blob(reg, repository, config)
    push_blob(reg, repository, layer)
    body = oci_manifest(descriptor(OCI_CONFIG, config), [descriptor(OCI_LAYER, layer)])
    digest = push_manifest(reg, repository, tag, body, OCI_MANIFEST)
    deadline = time.monotonic() + 60
    while True:
        report = admin.ok("GET", f"/repositories/{repository}/manifests/{digest}/vulnerabilities")
        if report["status"] != "queued":
            break
        assert time.monotonic() < deadline, f"the image is still queued after 60s: {report}"
        time.sleep(0.2)
    assert report["status"] == "scanned", report
    found = [(v["id"], v["package"], v["installed_version"], v["fixed_version"], v["severity"])
             for v in report["vulnerabilities"]]
    assert found == [("DSA-9999-1", "zlib1g", "1:1.2.13.dfsg-1", "1:1.2.13.dfsg-2", "high")], report
    assert report["sbom"] is not None, report
    return {"organization": organization, "repository": repository, "tag": tag, "digest": digest}


def test_keyboard_sign_in_teams_tokens_history_visibility_audit_lifecycle_signing_scanning(tmp_path):
    node = check_prerequisites()
    fresh_artifacts(ADMIN_ARTIFACTS)
    pier = start_pier(tmp_path / "pier", auth=True, env={**UI_ENV, **LIFECYCLE_ENV})
    try:
        admin = Api(pier, "admin", ADMIN_PASSWORD)
        member = new_user(admin, "dana").user
        organization = new_organization(admin, "ops")
        repository, tag = f"{organization}/web", "v1"
        old, _ = push_oci_image(admin.registry(), repository, tag, seed="first build")
        new, _ = push_oci_image(admin.registry(), repository, tag, seed="second build")
        assert sha256(old) != sha256(new)
        wait_for_pushes(admin, repository, 2)
        lifecycle = push_lifecycle_images(admin)
        signing = push_signed_image(admin, organization, tmp_path / "cosign")
        scanning = push_scanned_image(admin)
        anonymous = get_token(pier, f"repository:{repository}:pull")
        assert anonymous.status_code != 200 or "pull" not in granted(anonymous.json()["token"]).get(
            f"repository:{repository}", set()), "the repository should start private"

        setup = tmp_path / "setup.json"
        created_user, created_password = "erin", "erin-browser-secret"
        setup.write_text(json.dumps({"organization": organization, "member": member, "repository": repository,
                                     "tag": tag, "old_digest": sha256(old), "new_digest": sha256(new),
                                     "new_user": created_user, "new_password": created_password,
                                     "lifecycle": lifecycle, "signing": signing,
                                     "scanning": scanning}))
        flow = subprocess.run(
            [node, str(HERE / "ui_admin_flow.mjs"), "--base-url", pier.url, "--password", ADMIN_PASSWORD,
             "--artifacts", str(ADMIN_ARTIFACTS), "--setup", str(setup)],
            capture_output=True, text=True, timeout=FLOW_TIMEOUT, cwd=REPO_ROOT)
        assert flow.returncode == 0, flow_failure("ui_admin_flow.mjs", flow, pier)
        assert "ui admin flow passed" in flow.stdout

        # What the flow changed, as the server tells it.
        teams = {t["name"]: t for t in admin.ok("GET", f"/organizations/{organization}/teams")["teams"]}
        assert (teams["deployers"]["role"], teams["deployers"]["members"]) == ("creator", []), teams
        assert admin.ok("GET", "/user/tokens")["tokens"] == []
        users = {u["name"]: u for u in admin.ok("GET", "/users", params={"limit": 1000})["users"]}
        assert users[created_user] == {"name": created_user, "email": f"{created_user}@example.test", "superuser": False,
                                       "kind": "user", "disabled": False}, users
        updates = [e["detail"].get("disabled") for e in reversed(admin.ok("GET", "/audit", params={
            "namespace": created_user, "limit": 100})["events"]) if e["detail"].get("change") == "user_updated"]
        assert updates == [True, False], updates
        assert admin.ok("GET", f"/organizations/{organization}/default-permissions")["default_permissions"] == [
            {"kind": "team", "name": "deployers", "role": "write"}]
        assert admin.ok("GET", f"/namespaces/{organization}/role-bindings")["role_bindings"] == [
            {"role": "system:image-puller", "kind": "user", "name": created_user}]
        # The binding works: the new user, with the password set in the page, may pull.
        pull = get_token(pier, f"repository:{repository}:pull", user=created_user, password=created_password)
        assert pull.status_code == 200, pull.text
        assert "pull" in granted(pull.json()["token"]).get(f"repository:{repository}", set())
        tags = admin.ok("GET", f"/repositories/{repository}/tags")["tags"]
        assert [(t["name"], t["digest"]) for t in tags] == [(tag, sha256(old))], tags
        public = get_token(pier, f"repository:{repository}:pull")
        assert public.status_code == 200, public.text
        assert "pull" in granted(public.json()["token"])[f"repository:{repository}"]
        check_lifecycle(admin, lifecycle)
        policy = admin.ok("GET", f"/namespaces/{organization}/signing-policy")
        assert policy["enforce"] is True and [k["type"] for k in policy["keys"]] == ["cosign"], policy
        assert policy["keys"][0]["public_key"].strip() == signing["cosign_public_key"].strip(), policy
        assert admin.ok("GET", f"/namespaces/{scanning['organization']}/vulnerability-policy") == {
            "block_severity": None, "allow": []}
    finally:
        pier.stop()
        shutil.copy(pier.log_path, ADMIN_ARTIFACTS / "pier.log")
