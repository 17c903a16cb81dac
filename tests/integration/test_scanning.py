"""Vulnerability scanning: images the tests build (a Debian image with dpkg and Python packages, an
Alpine image with apk and npm packages, a Rocky Linux image whose RPM database Debian's rpm tool
made; see scan_images.py) are scanned after each push against an OSV feed the tests import, and
their findings must be exactly those the feed's ranges give under each ecosystem's version order:
dpkg epochs and tildes, apk _rc and -r suffixes, rpm releases, PEP 440 and semver, with packages
whited out or removed by a later layer gone. Then: a rescan after an import, from the stored
layer inventories; the SPDX SBOM as an OCI referrer, read with skopeo; the namespace policy that
refuses to serve vulnerable images to podman and skopeo; imports refused whole; the CLI; an
index's report as the union of its images'."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

import pytest
import requests

import scan_images as images
from api_client import Api, expect, message, new_organization, new_user
from client_tools import Clients, docker_ref
from oci_helpers import MANIFEST_ACCEPT, call, get_manifest
from scan_images import (ALPINE_FINDINGS, ALPINE_PACKAGES, DEBIAN_FINDINGS, DEBIAN_GONE, DEBIAN_PACKAGES, ECOSYSTEMS,
                         EXTRA_FINDING, EXTRA_RECORD, FEED, INDEX_AMD64_FINDINGS, INDEX_AMD64_PACKAGES,
                         INDEX_ARM64_FINDINGS, INDEX_ARM64_PACKAGES, ROCKY_FINDINGS, ROCKY_PACKAGES,
                         summary_of)
from servers import ADMIN_PASSWORD, start_pier
from test_cli import Cli, parse_table

SCAN_TIMEOUT = 60           # seconds a push (or an import) may take to show in a report
# The code of a malformed import: every 400 of the management API has code UNSUPPORTED
# (common/error.cc).
BAD_REQUEST_CODE = "UNSUPPORTED"
SPDX = "application/spdx+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reg = start_pier(tmp_path_factory.mktemp("scanning") / "pier", auth=True,
                     env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def admin(server):
    return Api(server, "admin", ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def token_registry(admin):
    return admin.token_registry()


@pytest.fixture(scope="module")
def reader(admin):
    """admin's reports through an API token: a token is checked by its hash, a password by Argon2,
    so a report is read within milliseconds of a push."""
    token = admin.ok("POST", "/user/tokens", {"name": "scan-reader", "scopes": ["repo:read"]}, status=201)["token"]
    return Api(admin.reg, token=token)


@pytest.fixture(scope="module")
def feed(admin):
    """The module's server holds FEED, imported once; tests that change the vulnerability
    database run a server of their own (own_server)."""
    answer = import_records(admin, FEED)
    expect(answer, 200)
    assert answer.json()["imported"] == len(FEED), answer.text
    return answer.json()


@pytest.fixture
def own_server(tmp_path):
    reg = start_pier(tmp_path / "own", auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def rocky(tmp_path_factory):
    return images.rocky_image(tmp_path_factory.mktemp("rpm"))


@pytest.fixture
def clients(tmp_path, server):
    c = Clients(tmp_path / "clients")
    c.skopeo("login", "--tls-verify=false", "-u", "admin", "-p", ADMIN_PASSWORD, server.host)
    yield c
    c.close()


# ---------------------------------------------------------------- helpers

def import_records(api: Api, records) -> requests.Response:
    return api.request("POST", "/vulnerabilities/import", records)


def import_zip(api: Api, records: list[dict], content_type: str = "application/zip") -> requests.Response:
    """The records as osv.dev's all.zip has them: one .json file each."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i, record in enumerate(records):
            archive.writestr(f"record-{i:03}.json", json.dumps(record, indent=1))
    return api.request("POST", "/vulnerabilities/import", data=buf.getvalue(), headers={"Content-Type": content_type})


def report(api: Api, repository: str, digest: str) -> dict:
    return api.ok("GET", f"/repositories/{repository}/manifests/{digest}/vulnerabilities")


def wait_scanned(api: Api, repository: str, digest: str, until=None, timeout: float = SCAN_TIMEOUT) -> dict:
    """The report once its status is "scanned" (and `until(report)` holds, if given). A "failed"
    scan fails at once, with the server's reason."""
    deadline = time.monotonic() + timeout
    while True:
        got = report(api, repository, digest)
        assert got["status"] in ("queued", "scanned", "failed"), got
        assert got["status"] != "failed", f"{repository}@{digest}: scan failed: {got.get('error')}"
        if got["status"] == "scanned" and (until is None or until(got)):
            return got
        assert time.monotonic() < deadline, f"{repository}@{digest} not scanned as expected after {timeout}s: {got}"
        time.sleep(0.2)


def findings(got: dict) -> set:
    rows = [(v["id"], v["package"], v["installed_version"], v["fixed_version"], v["severity"])
            for v in got["vulnerabilities"]]
    assert len(rows) == len(set(rows)), f"a finding is listed twice: {sorted(rows)}"
    return set(rows)


def assert_findings(got: dict, expected: set) -> None:
    # A finding matched through a dpkg Source field names the package installed, at its version.
    rows = findings(got)
    assert rows == expected, f"unexpected: {sorted(rows - expected)}\nmissing: {sorted(expected - rows)}"
    assert got["summary"] == summary_of(expected), got["summary"]


def metric(server, name: str) -> float:
    text = requests.get(f"{server.url}/metrics", timeout=10).text
    values = re.findall(rf"^{name}(?:\{{[^}}]*\}})?\s+(\S+)$", text, flags=re.M)
    assert values, f"{name} missing from /metrics"
    return sum(float(v) for v in values)


def refused_events(admin: Api, namespace: str) -> list[dict]:
    deadline = time.time() + 10
    while True:
        events = [e for e in admin.ok("GET", "/audit", params={"namespace": namespace, "limit": 1000})["events"]
                  if e["action"] == "pull_refused"]
        if events or time.time() > deadline:
            return events
        time.sleep(0.3)


def push(api: Api, image: images.Image, repository: str, tag: str | None = None) -> str:
    """Pushes with a new API token of `api`'s user (a password costs an Argon2 hash per request)."""
    return image.push(api.token_registry(), repository, tag)


# ---------------------------------------------------------------- findings

IMAGES = {
    # name: (build, os, packages of the final filesystem, findings)
    "debian": (lambda rocky: images.debian_image(), "Debian:12", DEBIAN_PACKAGES, DEBIAN_FINDINGS),
    "alpine": (lambda rocky: images.alpine_image(), "Alpine:v3.19", ALPINE_PACKAGES, ALPINE_FINDINGS),
    "rocky": (lambda rocky: rocky, "Rocky Linux:9", ROCKY_PACKAGES, ROCKY_FINDINGS),
}


@pytest.mark.parametrize("name", IMAGES)
def test_findings_are_exactly_what_the_feed_says(name, admin, token_registry, feed, rocky):
    build, os_name, packages, expected = IMAGES[name]
    image = build(rocky)
    repository = f"{new_organization(admin)}/{name}"
    digest = image.push(token_registry, repository, "v1")
    got = wait_scanned(admin, repository, digest)

    assert got["os"] == os_name
    assert got["packages"] == len(packages), (got["packages"], sorted(packages))
    assert got["error"] is None
    assert isinstance(got["scanned_at"], int) and got["scanned_at"] > 1_700_000_000
    assert_findings(got, expected)
    assert report(admin, repository, digest) == got   # stable once scanned
    by_id = {v["id"]: v for v in got["vulnerabilities"]}
    assert {i: v["ecosystem"] for i, v in by_id.items()} == {f[0]: ECOSYSTEMS[f[0]] for f in expected}
    records = {r["id"]: r for r in FEED}
    for i, v in by_id.items():
        assert v["aliases"] == records[i]["aliases"], v
        assert v["summary"] == records[i]["summary"], v


def test_the_database_status_counts_the_import(admin, feed):
    status = admin.ok("GET", "/vulnerabilities")
    assert status["records"] == len(FEED)
    assert status["generation"] == feed["generation"]
    assert isinstance(status["imported_at"], int) and abs(status["imported_at"] - time.time()) < 3600


def test_an_index_report_is_the_union_of_its_images(admin, token_registry, feed):
    repository = f"{new_organization(admin)}/multi"
    amd64, arm64 = images.index_parts()
    index = images.push_index(token_registry, repository, [amd64, arm64], tag="v1")
    parts = {arch: wait_scanned(admin, repository, image.digest) for arch, image in
             (("amd64", amd64), ("arm64", arm64))}
    assert_findings(parts["amd64"], INDEX_AMD64_FINDINGS)
    assert_findings(parts["arm64"], INDEX_ARM64_FINDINGS)
    assert parts["amd64"]["packages"] == len(INDEX_AMD64_PACKAGES)
    assert parts["arm64"]["packages"] == len(INDEX_ARM64_PACKAGES)

    got = wait_scanned(admin, repository, index)
    assert_findings(got, INDEX_AMD64_FINDINGS | INDEX_ARM64_FINDINGS)
    assert findings(got) == findings(parts["amd64"]) | findings(parts["arm64"])
    # base-files is in both: the union counts it once.
    assert got["packages"] == len(INDEX_AMD64_PACKAGES | INDEX_ARM64_PACKAGES)
    assert got["os"] == "Debian:12"


# ---------------------------------------------------------------- SBOM

def check_sbom(reader: Api, registry, clients: Clients, server, repository: str, digest: str, out) -> None:
    """Once the image is scanned its report names an SBOM that the repository lists as a referrer
    of the image and that skopeo fetches: an SPDX 2.3 document listing the final filesystem's
    packages, the one the API serves."""
    got = wait_scanned(reader, repository, digest, until=lambda r: r["sbom"] is not None)
    assert got["sbom"]["artifact_type"] == SPDX
    sbom_digest = got["sbom"]["digest"]

    path = f"/v2/{repository}/referrers/{digest}"
    for params in (None, {"artifactType": SPDX}):
        listed = call(registry, "GET", path, params=params)
        assert listed.status_code == 200, listed.text
        spdx = [m for m in listed.json()["manifests"] if m.get("artifactType") == SPDX]
        assert [m["digest"] for m in spdx] == [sbom_digest], \
            f"the scanned report names SBOM {sbom_digest}; GET {listed.url} lists: {listed.text}"

    manifest = json.loads(clients.raw_manifest(docker_ref(server, repository, sbom_digest), server))
    assert manifest["artifactType"] == SPDX
    assert manifest["subject"]["digest"] == digest
    assert [layer["mediaType"] for layer in manifest["layers"]] == [SPDX]
    clients.skopeo_copy(docker_ref(server, repository, sbom_digest), f"dir:{out}", src_registry=server)
    document = json.loads((out / manifest["layers"][0]["digest"].split(":", 1)[1]).read_bytes())
    assert document["spdxVersion"] == "SPDX-2.3"
    listed = {(p["name"].lower(), p.get("versionInfo")) for p in document["packages"]}
    assert {(n.lower(), v) for n, v in DEBIAN_PACKAGES} <= listed, sorted(listed)
    assert not {n for n, _ in listed} & DEBIAN_GONE, sorted(listed)

    # The API serves the same document.
    api_sbom = reader.get(f"/repositories/{repository}/manifests/{digest}/sbom")
    assert api_sbom.status_code == 200 and api_sbom.headers["Content-Type"].startswith(SPDX), api_sbom.text[:300]
    assert api_sbom.json() == document
    # The SBOM manifest has no filesystem layers: scanned, no packages.
    sbom_report = wait_scanned(reader, repository, sbom_digest)
    assert sbom_report["packages"] == 0 and sbom_report["vulnerabilities"] == []


def test_the_sbom_is_a_referrer_that_skopeo_fetches(admin, reader, token_registry, feed, clients, server, tmp_path):
    repository = f"{new_organization(admin)}/app"
    digest = images.debian_image(salt=repository).push(token_registry, repository, "v1")
    check_sbom(reader, token_registry, clients, server, repository, digest, tmp_path / "sbom")


# ---------------------------------------------------------------- the pull policy

def test_the_namespace_policy_refuses_vulnerable_images(admin, token_registry, feed, clients, server, tmp_path):
    namespace = new_organization(admin)
    repository = f"{namespace}/app"
    digest = images.debian_image().push(token_registry, repository, "v1")
    other = f"{new_organization(admin)}/app"          # the same image in another namespace
    images.debian_image().push(token_registry, other, "v1")
    wait_scanned(admin, repository, digest)
    wait_scanned(admin, other, digest)

    policy_path = f"/namespaces/{namespace}/vulnerability-policy"
    assert admin.ok("GET", policy_path) == {"block_severity": None, "allow": []}
    admin.ok("PUT", policy_path, {"block_severity": "high", "allow": []})
    assert admin.ok("GET", policy_path) == {"block_severity": "high", "allow": []}

    flags = clients.registry_flags(server)
    pulled = clients.podman("pull", *flags, f"{server.host}/{repository}:v1", check=False)
    assert pulled.returncode != 0 and "CVE-2099-9001" in pulled.stderr, pulled
    copied = clients.skopeo_copy(docker_ref(server, repository, "v1"), f"dir:{tmp_path / 'refused'}",
                                 src_registry=server, check=False)
    assert copied.returncode != 0 and "CVE-2099-9001" in copied.stderr, copied
    inspected = clients.skopeo_inspect(docker_ref(server, repository, "v1"), server, check=False)
    assert inspected.returncode != 0 and "CVE-2099-9001" in inspected.stderr, inspected
    for reference in ("v1", digest):
        refused = expect(get_manifest(admin.registry(), repository, reference), 403, "DENIED")
        assert "CVE-2099-9001" in message(refused) and "critical" in message(refused), message(refused)
    # Another namespace's policy does not apply.
    assert get_manifest(admin.registry(), other, "v1").status_code == 200
    clients.podman("pull", *flags, f"{server.host}/{other}:v1")

    # With the worst allowed, the next worst (high) still refuses.
    admin.ok("PUT", policy_path, {"block_severity": "high", "allow": ["CVE-2099-9001"]})
    refused = expect(get_manifest(admin.registry(), repository, "v1"), 403, "DENIED")
    assert "DSA-9003-1" in message(refused) and "high" in message(refused), message(refused)
    # DSA-9003-1 allowed by its alias: nothing at or above high is left.
    allow = ["CVE-2099-9001", "CVE-2099-9003"]
    admin.ok("PUT", policy_path, {"block_severity": "high", "allow": allow})
    assert admin.ok("GET", policy_path) == {"block_severity": "high", "allow": allow}
    response = call(admin.registry(), "GET", f"/v2/{repository}/manifests/v1", headers={"Accept": MANIFEST_ACCEPT})
    assert response.status_code == 200, response.text
    clients.podman("pull", *flags, f"{server.host}/{repository}:v1")
    clients.skopeo_copy(docker_ref(server, repository, "v1"), f"dir:{tmp_path / 'served'}", src_registry=server)
    clients.skopeo_inspect(docker_ref(server, repository, "v1"), server)

    events = refused_events(admin, namespace)
    assert events and {e["repository"] for e in events} == {repository}, events
    assert all(e["actor"] == "admin" for e in events), events

    deleted = admin.request("DELETE", policy_path)
    assert deleted.status_code in (200, 204), deleted.text
    assert admin.ok("GET", policy_path) == {"block_severity": None, "allow": []}


# ---------------------------------------------------------------- imports

def test_a_bad_import_changes_nothing_and_only_superusers_import(own_server):
    admin = Api(own_server, "admin", ADMIN_PASSWORD)
    empty = admin.ok("GET", "/vulnerabilities")
    assert empty["records"] == 0 and empty["imported_at"] is None, empty
    answer = import_records(admin, FEED)
    expect(answer, 200)
    assert answer.json()["imported"] == len(FEED)
    before = admin.ok("GET", "/vulnerabilities")
    assert before["records"] == len(FEED) and before["generation"] == answer.json()["generation"]
    assert before["generation"] != empty["generation"]
    repository = f"{new_organization(admin)}/app"
    digest = push(admin, images.debian_image(), repository, "v1")
    scanned = wait_scanned(admin, repository, digest)
    assert_findings(scanned, DEBIAN_FINDINGS)

    for bad in ([EXTRA_RECORD, {"summary": "a record without an id"}],
                [EXTRA_RECORD, {**EXTRA_RECORD, "id": "DSA-9101-1", "affected": "not an array"}],
                {"id": 5, "affected": []}):
        expect(import_records(admin, bad), 400, BAD_REQUEST_CODE)
    expect(admin.request("POST", "/vulnerabilities/import", data=b"{not json",
                         headers={"Content-Type": "application/json"}), 400, BAD_REQUEST_CODE)
    expect(import_zip(admin, [EXTRA_RECORD, {"summary": "no id in the zip either"}]), 400, BAD_REQUEST_CODE)
    user = new_user(admin)
    expect(import_records(user, FEED + [EXTRA_RECORD]), 403)

    assert admin.ok("GET", "/vulnerabilities") == before
    # The previous database is still the one in effect: a new push is scanned against it.
    alpine = f"{new_organization(admin)}/alpine"
    alpine_digest = push(admin, images.alpine_image(), alpine, "v1")
    assert_findings(wait_scanned(admin, alpine, alpine_digest), ALPINE_FINDINGS)
    assert_findings(report(admin, repository, digest), DEBIAN_FINDINGS)


def test_a_zip_import(own_server):
    admin = Api(own_server, "admin", ADMIN_PASSWORD)
    answer = import_zip(admin, FEED)
    expect(answer, 200)
    assert answer.json()["imported"] == len(FEED)
    assert admin.ok("GET", "/vulnerabilities")["records"] == len(FEED)
    repository = f"{new_organization(admin)}/alpine"
    digest = push(admin, images.alpine_image(), repository, "v1")
    assert_findings(wait_scanned(admin, repository, digest), ALPINE_FINDINGS)
    # A zip is known by its magic number too, whatever its Content-Type says.
    answer = import_zip(admin, FEED + [EXTRA_RECORD], content_type="application/octet-stream")
    expect(answer, 200)
    assert answer.json()["imported"] == len(FEED) + 1
    assert admin.ok("GET", "/vulnerabilities")["records"] == len(FEED) + 1
    # One record alone, as a JSON object, replaces them all.
    answer = import_records(admin, EXTRA_RECORD)
    expect(answer, 200)
    assert answer.json()["imported"] == 1
    assert admin.ok("GET", "/vulnerabilities")["records"] == 1


def test_an_import_rescans_from_stored_inventories(own_server):
    admin = Api(own_server, "admin", ADMIN_PASSWORD)
    expect(import_records(admin, FEED), 200)
    repository = f"{new_organization(admin)}/app"
    digest = push(admin, images.debian_image(), repository, "v1")
    # Once the SBOM is made too, nothing is left to read the layers for.
    first = wait_scanned(admin, repository, digest, until=lambda r: r["sbom"] is not None)
    assert_findings(first, DEBIAN_FINDINGS)
    reads = metric(own_server, "pier_scan_layer_reads")
    assert reads >= 3, reads      # the image's three layers were read once

    generation = admin.ok("GET", "/vulnerabilities")["generation"]
    answer = import_records(admin, FEED + [EXTRA_RECORD])
    expect(answer, 200)
    assert answer.json()["generation"] != generation
    rescanned = wait_scanned(admin, repository, digest,
                             until=lambda r: EXTRA_FINDING[0] in {v["id"] for v in r["vulnerabilities"]})
    assert_findings(rescanned, DEBIAN_FINDINGS | {EXTRA_FINDING})
    assert metric(own_server, "pier_scan_layer_reads") == reads
    assert rescanned["packages"] == first["packages"]


# ---------------------------------------------------------------- the CLI

def test_cli_imports_a_directory_and_shows_a_scan(own_server, tmp_path):
    admin = Api(own_server, "admin", ADMIN_PASSWORD)
    cli = Cli(tmp_path / "home")
    cli.login(own_server)
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    for i, record in enumerate(FEED):
        (feed_dir / f"record-{i:03}.json").write_text(json.dumps(record, indent=2))
    out = cli.ok("vuln", "import", feed_dir)
    assert str(len(FEED)) in out, out
    assert admin.ok("GET", "/vulnerabilities")["records"] == len(FEED)
    assert str(len(FEED)) in cli.ok("vuln", "status")

    repository = f"{new_organization(admin)}/app"
    digest = push(admin, images.debian_image(), repository, "v1")
    got = wait_scanned(admin, repository, digest)
    for reference in (f"{repository}@{digest}", f"{repository}:v1"):
        text = cli.ok("scan", "show", reference)
        lines = text.splitlines()
        header = next((i for i, line in enumerate(lines) if line.split()[:2] == ["ID", "PACKAGE"]), None)
        assert header is not None, text
        preamble = "\n".join(lines[:header])
        assert re.search(r"\bscanned\b", preamble) and re.search(rf"\b{got['packages']}\b", preamble), text
        table = parse_table("\n".join(line for line in lines[header:] if line.strip()))
        assert table[0] == ["ID", "PACKAGE", "INSTALLED", "FIXED", "SEVERITY"], text
        rows = {(r[0], r[1], r[2], "" if r[3] == "-" else r[3], r[4]) for r in table[1:]}
        assert rows == DEBIAN_FINDINGS, text
        assert json.loads(cli.ok("scan", "show", reference, "-o", "json")) == report(admin, repository, digest)


# ---------------------------------------------------------------- SBOM: one image in two repositories

def test_the_same_image_in_another_repository_has_the_sbom_there_too(admin, reader, token_registry, feed, clients,
                                                                      server, tmp_path):
    """The report of an image is kept by digest: pushed to a second repository, it is "scanned" at
    once, and the SBOM it names must be a referrer there as well."""
    first, second = f"{new_organization(admin)}/app", f"{new_organization(admin)}/copy"
    image = images.debian_image(salt=first)
    digest = image.push(token_registry, first, "v1")
    check_sbom(reader, token_registry, clients, server, first, digest, tmp_path / "first")
    assert image.push(token_registry, second, "v1") == digest
    check_sbom(reader, token_registry, clients, server, second, digest, tmp_path / "second")
