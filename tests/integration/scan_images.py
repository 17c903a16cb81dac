"""Images and vulnerability data for the scanning tests (test_scanning.py), all made by the tests:
layers written with tarfile (package databases, os-release files, OCI whiteouts), an RPM database
made by Debian's rpm tool from packages rpmbuild makes, and a small OSV feed whose ranges sit
around the installed versions, with the findings each image must have under it.

The images:

* DEBIAN: Debian 12, a dpkg status with an epoch (1:2.3-4), a tilde (1.0~rc1-1), a binary package
  built from a source of another name and version (libssl3 from openssl), a package of which only
  the config files remain; Python packages; a last layer that whites out one dist-info directory
  and rewrites the status without curl.
* ALPINE: Alpine 3.19.1, an apk database with _rc1-r0 and -r3 versions; npm packages, one of them
  whited out by the last layer.
* ROCKY: Rocky Linux 9.3, var/lib/rpm/rpmdb.sqlite (rpmbuild + rpm --justdb), with an epoch and
  releases that order numerically (9.el9 < 10.el9); Python packages.
* AMD64_PART and ARM64_PART: the two platforms of a Debian index.

Findings are compared as (id, package, installed_version, fixed_version, severity)."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from oci_helpers import (OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, descriptor, encode, oci_index, oci_manifest,
                         platform, push_blob, push_manifest, sha256)

FIXED_MTIME = 1_700_000_000

# CVSS v3.1 base vectors and the level their base score rates.
CRITICAL_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"   # 9.8
HIGH_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"       # 7.5
HIGH_PRIVILEGED_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"  # 7.2
MEDIUM_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"     # 6.1
LOW_VECTOR = "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N"        # 2.5
NONE_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"       # 0.0

SEVERITIES = ("critical", "high", "medium", "low", "none", "unknown")


# ---------------------------------------------------------------- layers and images

def layer_tar(files: dict[str, bytes]) -> bytes:
    """An uncompressed layer: parent directories first, then the files (root-owned, 0644, fixed
    mtime). A whiteout is an empty file named `<dir>/.wh.<name>`, as the OCI image spec has it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = sorted({str(parent) for path in files for parent in Path(path).parents if str(parent) != "."})
        for d in dirs:
            info = tarfile.TarInfo(d + "/")
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, FIXED_MTIME
            tar.addfile(info)
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(files[path]), 0o644, FIXED_MTIME
            tar.addfile(info, io.BytesIO(files[path]))
    return buf.getvalue()


def whiteout(path: str) -> str:
    """The whiteout entry removing `path` (a file or a directory) of the layers below."""
    parent, _, name = path.rstrip("/").rpartition("/")
    return f"{parent}/.wh.{name}" if parent else f".wh.{name}"


@dataclass
class Image:
    """A single-platform OCI image: its layers' files (lowest first), the blobs and the manifest."""
    layer_files: list[dict[str, bytes]]
    architecture: str = "amd64"
    layers: list[bytes] = field(init=False)      # gzip blobs
    diff_ids: list[str] = field(init=False)
    config: bytes = field(init=False)
    manifest: bytes = field(init=False)

    def __post_init__(self):
        tars = [layer_tar(files) for files in self.layer_files]
        self.layers = [gzip.compress(t, mtime=0) for t in tars]
        self.diff_ids = [sha256(t) for t in tars]
        self.config = encode({
            "created": "2023-11-14T22:13:20Z", "architecture": self.architecture, "os": "linux",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": self.diff_ids},
            "history": [{"created": "2023-11-14T22:13:20Z", "created_by": f"pier scan test layer {i}"}
                        for i in range(len(tars))]})
        self.manifest = oci_manifest(descriptor(OCI_CONFIG, self.config),
                                     [descriptor(OCI_LAYER, blob) for blob in self.layers])

    @property
    def digest(self) -> str:
        return sha256(self.manifest)

    def push(self, reg, repository: str, tag: str | None = None) -> str:
        """Pushes the blobs and the manifest (by tag, else by digest); returns the digest."""
        push_blob(reg, repository, self.config)
        for blob in self.layers:
            push_blob(reg, repository, blob)
        return push_manifest(reg, repository, tag or self.digest, self.manifest, OCI_MANIFEST)


def push_index(reg, repository: str, images: list[Image], tag: str | None = None) -> str:
    """Pushes each image by digest, then an OCI index of them (one per architecture)."""
    for image in images:
        image.push(reg, repository)
    body = oci_index([descriptor(OCI_MANIFEST, image.manifest, platform=platform(image.architecture))
                      for image in images])
    return push_manifest(reg, repository, tag or sha256(body), body, OCI_INDEX)


def tar_listing(blob: bytes) -> list[str]:
    """`tar tvf` of a (gzip) layer blob, for self-checks and failure messages."""
    return subprocess.run(["tar", "tvzf", "-"], input=blob, capture_output=True, check=True).stdout.decode().splitlines()


# ---------------------------------------------------------------- what the layers hold

def os_release(id_: str, version_id: str, pretty: str, codename: str | None = None, id_like: str | None = None) -> bytes:
    lines = [f'PRETTY_NAME="{pretty}"', f"ID={id_}", f'VERSION_ID="{version_id}"']
    if codename:
        lines.append(f"VERSION_CODENAME={codename}")
    if id_like:
        lines.append(f'ID_LIKE="{id_like}"')
    lines.append('HOME_URL="https://example.org/"')
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Dpkg:
    name: str
    version: str
    source: str | None = None          # the Source: field, e.g. "openssl (3.0.11-1~deb12u2)"
    status: str = "install ok installed"

    def stanza(self) -> str:
        lines = [f"Package: {self.name}", f"Status: {self.status}", "Priority: optional", "Section: misc",
                 "Installed-Size: 100", "Maintainer: Pier Tests <tests@example.org>", "Architecture: amd64"]
        if self.source:
            lines.append(f"Source: {self.source}")
        lines += [f"Version: {self.version}", f"Description: {self.name}, made by Pier's scanning tests",
                  " A package that exists only in a test's dpkg status file."]
        return "\n".join(lines) + "\n"


def dpkg_status(packages: list[Dpkg]) -> bytes:
    return "\n".join(p.stanza() for p in packages).encode()


@dataclass(frozen=True)
class Apk:
    name: str
    version: str

    def stanza(self) -> str:
        return (f"C:Q1{'A' * 26}=\nP:{self.name}\nV:{self.version}\nA:x86_64\nS:10000\nI:40000\n"
                f"T:{self.name}, made by Pier's scanning tests\nU:https://example.org/\nL:MIT\no:{self.name}\n"
                f"m:Pier Tests <tests@example.org>\nt:1700000000\nc:0123456789abcdef0123456789abcdef01234567\n"
                f"F:usr/share/{self.name}\n")


def apk_installed(packages: list[Apk]) -> bytes:
    return "\n".join(p.stanza() for p in packages).encode() + b"\n"


def python_metadata(name: str, version: str) -> bytes:
    return (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {name} for Pier's tests\n"
            f"License: MIT\nRequires-Python: >=3.8\n\nA package that exists only in a test image.\n").encode()


def python_files(site_packages: str, packages: list[tuple[str, str]]) -> dict[str, bytes]:
    """<site-packages>/<name>-<version>.dist-info/METADATA (and RECORD) of each (name, version)."""
    files = {}
    for name, version in packages:
        dist_info = f"{site_packages}/{name}-{version}.dist-info"
        files[f"{dist_info}/METADATA"] = python_metadata(name, version)
        files[f"{dist_info}/RECORD"] = f"{dist_info}/METADATA,,\n".encode()
    return files


def npm_files(node_modules: str, packages: list[tuple[str, str]]) -> dict[str, bytes]:
    """<node_modules>/<name>/package.json (and index.js) of each (name, version); scoped names too."""
    files = {}
    for name, version in packages:
        files[f"{node_modules}/{name}/package.json"] = json.dumps(
            {"name": name, "version": version, "description": "for Pier's tests", "main": "index.js",
             "license": "MIT"}, indent=2).encode()
        files[f"{node_modules}/{name}/index.js"] = b"module.exports = {};\n"
    return files


@dataclass(frozen=True)
class Rpm:
    name: str
    version: str
    release: str
    epoch: int | None = None

    @property
    def evr(self) -> str:
        """[epoch:]version-release, as rpm -q prints it."""
        return (f"{self.epoch}:" if self.epoch is not None else "") + f"{self.version}-{self.release}"

    def spec(self) -> str:
        epoch = f"Epoch: {self.epoch}\n" if self.epoch is not None else ""
        return (f"Name: {self.name}\n{epoch}Version: {self.version}\nRelease: {self.release}\n"
                f"Summary: {self.name}, made by Pier's scanning tests\nLicense: MIT\nBuildArch: noarch\n\n"
                f"%description\nA package that exists only in a test's RPM database.\n\n%files\n")


def _run(args: list, env: dict) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, f"$ {' '.join(map(str, args))}\n-> {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def rpm_database(workdir: Path, packages: list[Rpm]) -> bytes:
    """var/lib/rpm/rpmdb.sqlite listing `packages`: each built by rpmbuild -bb from a spec (noarch,
    no files), then recorded with rpm --justdb into a database of its own. Debian's rpm package
    provides both tools; without them this fails (the tests never skip)."""
    for tool in ("rpmbuild", "rpm"):
        assert shutil.which(tool), f"{tool} is missing: the scanning tests need Debian's rpm package"
    workdir.mkdir(parents=True, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "LANG": "C.UTF-8"}
    top = workdir / "rpmbuild"
    defines = ["--define", f"_topdir {top}", "--define", f"_tmppath {workdir / 'tmp'}",
               "--define", "_build_id_links none"]
    (workdir / "tmp").mkdir(exist_ok=True)
    for package in packages:
        spec = workdir / f"{package.name}.spec"
        spec.write_text(package.spec())
        _run(["rpmbuild", "-bb", *defines, spec], env)
    built = sorted((top / "RPMS" / "noarch").glob("*.rpm"))
    assert len(built) == len(packages), built
    dbpath = workdir / "root" / "var" / "lib" / "rpm"
    dbpath.mkdir(parents=True)
    _run(["rpm", "--dbpath", dbpath, "--define", "_db_backend sqlite", "--justdb", "--nodeps", "--noscripts",
          "-i", *built], env)
    data = (dbpath / "rpmdb.sqlite").read_bytes()
    # The file alone (as the layer carries it, without -wal or -shm) lists every package.
    check = workdir / "check"
    check.mkdir()
    (check / "rpmdb.sqlite").write_bytes(data)
    listed = _run(["rpm", "--dbpath", check, "--define", "_db_backend sqlite", "-qa",
                   "--qf", "%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n"], env)
    assert sorted(listed.splitlines()) == sorted(f"{p.name} {p.evr}" for p in packages), listed
    return data


# ---------------------------------------------------------------- the images

SITE_PACKAGES = "usr/local/lib/python3.11/site-packages"
NODE_MODULES = "app/node_modules"

DEBIAN_OS = os_release("debian", "12", "Debian GNU/Linux 12 (bookworm)", codename="bookworm")
DEBIAN_DPKG = [
    Dpkg("base-files", "12.4+deb12u5"),
    Dpkg("tzdata", "2024a-0+deb12u1"),
    Dpkg("epoch-demo", "1:2.3-4"),
    Dpkg("tilde-demo", "1.0~rc1-1"),
    Dpkg("libssl3", "3.0.11-1~deb12u2+b1", source="openssl (3.0.11-1~deb12u2)"),
    Dpkg("curl", "7.88.1-10+deb12u4"),                      # removed by the last layer's status
    Dpkg("config-only-demo", "0.9-1", status="deinstall ok config-files"),  # not installed
]
DEBIAN_PYTHON = [("requests", "2.31.0"), ("Jinja2", "3.1.2"), ("cryptography", "42.0.0rc1"), ("urllib3", "1.26.5")]


def debian_image(salt: str = "") -> Image:
    """With a `salt`, an image of its own (another first layer, the same packages)."""
    return Image([
        {"etc/os-release": DEBIAN_OS, "var/lib/dpkg/status": dpkg_status(DEBIAN_DPKG),
         "etc/debian_version": b"12.4\n", **({"etc/pier-test-salt": salt.encode()} if salt else {})},
        python_files(SITE_PACKAGES, DEBIAN_PYTHON),
        {whiteout(f"{SITE_PACKAGES}/urllib3-1.26.5.dist-info"): b"",
         "var/lib/dpkg/status": dpkg_status([p for p in DEBIAN_DPKG if p.name != "curl"])},
    ])


# Packages of the final filesystem: (name as the scanner names it, version).
DEBIAN_PACKAGES = {("base-files", "12.4+deb12u5"), ("tzdata", "2024a-0+deb12u1"), ("epoch-demo", "1:2.3-4"),
                   ("tilde-demo", "1.0~rc1-1"), ("libssl3", "3.0.11-1~deb12u2+b1"), ("requests", "2.31.0"),
                   ("jinja2", "3.1.2"), ("cryptography", "42.0.0rc1")}
DEBIAN_GONE = {"curl", "config-only-demo", "urllib3"}

ALPINE_OS = os_release("alpine", "3.19.1", "Alpine Linux v3.19")
ALPINE_APK = [Apk("alpine-baselayout", "3.4.3-r2"), Apk("busybox", "1.36.1_rc1-r0"), Apk("expat", "2.5.0-r3"),
              Apk("musl", "1.2.4-r2")]
ALPINE_NPM = [("lodash", "4.17.20"), ("minimist", "1.2.5"), ("@babel/traverse", "7.22.5"), ("semver", "7.5.0"),
              ("express", "4.19.2"), ("left-pad", "1.3.0")]


def alpine_image() -> Image:
    return Image([
        {"etc/os-release": ALPINE_OS, "lib/apk/db/installed": apk_installed(ALPINE_APK),
         "etc/alpine-release": b"3.19.1\n"},
        npm_files(NODE_MODULES, ALPINE_NPM),
        {whiteout(f"{NODE_MODULES}/left-pad"): b"", "app/server.js": b"require('express');\n"},
    ])


ALPINE_PACKAGES = {(p.name, p.version) for p in ALPINE_APK} | {p for p in ALPINE_NPM if p[0] != "left-pad"}
ALPINE_GONE = {"left-pad"}

ROCKY_OS = os_release("rocky", "9.3", "Rocky Linux 9.3 (Blue Onyx)", id_like="rhel centos fedora")
ROCKY_RPM = [Rpm("pier-lib", "1.0", "9.el9"), Rpm("pier-tool", "3.1", "2.el9", epoch=2), Rpm("pier-extra", "0.5", "1.el9")]
ROCKY_PYTHON = [("PyYAML", "5.3.1"), ("six", "1.16.0")]


def rocky_image(workdir: Path) -> Image:
    return Image([
        {"etc/os-release": ROCKY_OS, "var/lib/rpm/rpmdb.sqlite": rpm_database(workdir, ROCKY_RPM),
         "etc/rocky-release": b"Rocky Linux release 9.3 (Blue Onyx)\n"},
        python_files("usr/lib/python3.9/site-packages", ROCKY_PYTHON),
    ])


ROCKY_PACKAGES = {(p.name, p.evr) for p in ROCKY_RPM} | {("pyyaml", "5.3.1"), ("six", "1.16.0")}


def index_parts() -> list[Image]:
    """The two platforms of a Debian index: both have base-files; only amd64 has epoch-demo, only
    arm64 tilde-demo."""
    amd64 = Image([{"etc/os-release": DEBIAN_OS, "var/lib/dpkg/status": dpkg_status(
        [Dpkg("base-files", "12.4+deb12u5"), Dpkg("epoch-demo", "1:2.3-4")])}], architecture="amd64")
    arm64 = Image([{"etc/os-release": DEBIAN_OS, "var/lib/dpkg/status": dpkg_status(
        [Dpkg("base-files", "12.4+deb12u5"), Dpkg("tilde-demo", "1.0~rc1-1")])}], architecture="arm64")
    return [amd64, arm64]


INDEX_AMD64_PACKAGES = {("base-files", "12.4+deb12u5"), ("epoch-demo", "1:2.3-4")}
INDEX_ARM64_PACKAGES = {("base-files", "12.4+deb12u5"), ("tilde-demo", "1.0~rc1-1")}


# ---------------------------------------------------------------- the OSV feed

def osv(id_: str, ecosystem: str, package: str, events: list[dict] | None = None, *, aliases=(),
        cvss: str | None = None, severity: str | None = None, versions: list[str] | None = None) -> dict:
    """One OSV record affecting one package. `cvss`: a CVSS_V3 vector in `severity`; `severity`:
    database_specific.severity (a feed's own word). A record never has both, so which one wins
    is never in question."""
    affected = {"package": {"ecosystem": ecosystem, "name": package}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    record = {"schema_version": "1.6.0", "id": id_, "modified": "2024-01-02T03:04:05Z",
              "published": "2024-01-01T00:00:00Z", "aliases": list(aliases),
              "summary": f"{id_}: a vulnerability made up by Pier's tests", "details": "Not a real issue.",
              "affected": [affected]}
    if cvss:
        record["severity"] = [{"type": "CVSS_V3", "score": cvss}]
    if severity:
        record["database_specific"] = {"severity": severity}
    return record


def fixed(version: str, introduced: str = "0") -> list[dict]:
    return [{"introduced": introduced}, {"fixed": version}]


# Each record says in a comment whether it matches, and why.
FEED = [
    # ---- Debian 12 (dpkg order)
    # 1:2.3-4 < 1:2.3-5: affected. No aliases: the worst finding of the Debian image.
    osv("CVE-2099-9001", "Debian:12", "epoch-demo", fixed("1:2.3-5"), cvss=CRITICAL_VECTOR),
    # "2.4" has epoch 0, and epoch 1 is above every epoch-0 version: not affected.
    osv("DEBIAN-CVE-2099-9002", "Debian:12", "epoch-demo", fixed("2.4"), cvss=CRITICAL_VECTOR),
    # 1.0~rc1-1 < 1.0-1 (a tilde sorts before the end): affected.
    osv("DSA-9003-1", "Debian:12", "tilde-demo", fixed("1.0-1"), aliases=["CVE-2099-9003"], cvss=HIGH_VECTOR),
    # 1.0~beta1-1 < 1.0~rc1-1: fixed below what is installed.
    osv("DEBIAN-CVE-2099-9004", "Debian:12", "tilde-demo", fixed("1.0~beta1-1"), cvss=CRITICAL_VECTOR),
    # Names the source package: libssl3's source openssl 3.0.11-1~deb12u2 is below the fix.
    osv("DSA-9005-1", "Debian:12", "openssl", fixed("3.0.11-1~deb12u3"), aliases=["CVE-2099-9005"],
        severity="moderate"),
    # Affected up to the source's version 3.0.11-1~deb12u2 included; libssl3's own version (a binNMU,
    # +b1) is above it, so only a scanner comparing the source's version finds it. No fix.
    osv("DEBIAN-CVE-2099-9011", "Debian:12", "openssl", [{"introduced": "0"}, {"last_affected": "3.0.11-1~deb12u2"}],
        cvss=LOW_VECTOR),
    # curl is gone from the final status file.
    osv("DSA-9006-1", "Debian:12", "curl", fixed("7.88.1-10+deb12u5"), cvss=CRITICAL_VECTOR),
    # Only the config files of config-only-demo remain: not installed.
    osv("DEBIAN-CVE-2099-9007", "Debian:12", "config-only-demo", fixed("1.0-1"), cvss=CRITICAL_VECTOR),
    # Another Debian release.
    osv("DSA-9008-1", "Debian:11", "epoch-demo", fixed("1:2.3-9"), cvss=CRITICAL_VECTOR),
    # Another distribution.
    osv("UBUNTU-CVE-2099-9009", "Ubuntu:22.04", "tilde-demo", fixed("1.0-1"), cvss=CRITICAL_VECTOR),
    # No fix yet, no severity: affected, fixed_version "", severity unknown.
    osv("DEBIAN-CVE-2099-9010", "Debian:12", "base-files", [{"introduced": "0"}]),
    # ---- PyPI (PEP 440)
    osv("GHSA-p1er-0000-0011", "PyPI", "requests", fixed("2.32.0"), aliases=["CVE-2099-0011"], severity="MODERATE"),
    # The record's name is the normalized one; METADATA says "Jinja2".
    osv("PYSEC-2099-12", "PyPI", "jinja2", fixed("3.1.3"), cvss=MEDIUM_VECTOR),
    # Fixed in 2.11.3, below 3.1.2.
    osv("PYSEC-2099-13", "PyPI", "jinja2", fixed("2.11.3"), cvss=CRITICAL_VECTOR),
    # 42.0.0rc1 < 42.0.0: affected.
    osv("GHSA-p1er-0000-0014", "PyPI", "cryptography", fixed("42.0.0", introduced="37.0.0"), severity="LOW"),
    # urllib3's dist-info is whited out.
    osv("PYSEC-2099-15", "PyPI", "urllib3", fixed("1.26.18"), cvss=CRITICAL_VECTOR),
    # PyYAML 5.3.1 (Rocky image) < 5.4.
    osv("PYSEC-2099-16", "PyPI", "pyyaml", fixed("5.4"), cvss=CRITICAL_VECTOR),
    # A PyPI package named like an npm one in the Alpine image: another ecosystem.
    osv("PYSEC-2099-17", "PyPI", "lodash", fixed("99.0"), cvss=CRITICAL_VECTOR),
    # ---- Alpine v3.19 (apk order)
    # 1.36.1_rc1-r0 < 1.36.1-r0: affected.
    osv("ALPINE-CVE-2099-2001", "Alpine:v3.19", "busybox", fixed("1.36.1-r0"), cvss=HIGH_VECTOR),
    # _beta2 < _rc1: fixed below what is installed.
    osv("ALPINE-CVE-2099-2002", "Alpine:v3.19", "busybox", fixed("1.36.1_beta2-r0"), cvss=CRITICAL_VECTOR),
    # -r3 < -r10 (numerically, not as text): affected.
    osv("ALPINE-CVE-2099-2003", "Alpine:v3.19", "expat", fixed("2.5.0-r10"), cvss=CRITICAL_VECTOR),
    # -r2 < -r3: fixed.
    osv("ALPINE-CVE-2099-2004", "Alpine:v3.19", "expat", fixed("2.5.0-r2"), cvss=CRITICAL_VECTOR),
    # Another Alpine release.
    osv("ALPINE-CVE-2099-2005", "Alpine:v3.18", "expat", fixed("2.5.0-r10"), cvss=CRITICAL_VECTOR),
    # CVSS base score 0.0: severity none.
    osv("ALPINE-CVE-2099-2006", "Alpine:v3.19", "musl", fixed("1.2.4-r3"), cvss=NONE_VECTOR),
    # ---- npm (semver)
    osv("GHSA-p1er-0000-0021", "npm", "lodash", fixed("4.17.21"), aliases=["CVE-2099-0021"], cvss=HIGH_PRIVILEGED_VECTOR),
    osv("GHSA-p1er-0000-0022", "npm", "minimist", fixed("1.2.6"), severity="CRITICAL"),
    osv("GHSA-p1er-0000-0023", "npm", "@babel/traverse", fixed("7.23.2"), severity="HIGH"),
    osv("GHSA-p1er-0000-0024", "npm", "semver", fixed("7.5.2", introduced="7.0.0"), severity="MODERATE"),
    # left-pad's directory is whited out.
    osv("GHSA-p1er-0000-0025", "npm", "left-pad", fixed("1.3.1"), cvss=CRITICAL_VECTOR),
    # Fixed in 4.17.3, below 4.19.2.
    osv("GHSA-p1er-0000-0026", "npm", "express", fixed("4.17.3"), cvss=CRITICAL_VECTOR),
    # ---- Rocky Linux 9 (rpm order)
    # 1.0-9.el9 < 1.0-10.el9 (release compared numerically): affected.
    osv("RLSA-2099:3001", "Rocky Linux:9", "pier-lib", fixed("1.0-10.el9"), severity="Important"),
    # 1.0-8.el9 < 1.0-9.el9: fixed.
    osv("RLSA-2099:3002", "Rocky Linux:9", "pier-lib", fixed("1.0-8.el9"), severity="Critical"),
    # 2:3.1-2.el9 < 2:3.1-3.el9: affected.
    osv("RLSA-2099:3003", "Rocky Linux:9", "pier-tool", fixed("2:3.1-3.el9"), severity="Moderate"),
    # 3.2-1.el9 has epoch 0, below epoch 2: not affected.
    osv("RLSA-2099:3004", "Rocky Linux:9", "pier-tool", fixed("3.2-1.el9"), severity="Critical"),
    # Another distribution and another release.
    osv("ALSA-2099:3005", "AlmaLinux:9", "pier-lib", fixed("1.0-10.el9"), severity="Critical"),
    osv("RLSA-2099:3006", "Rocky Linux:8", "pier-tool", fixed("2:3.1-9.el8"), severity="Critical"),
]

# What each image must show: (id, package, installed_version, fixed_version, severity).
DEBIAN_FINDINGS = {
    ("CVE-2099-9001", "epoch-demo", "1:2.3-4", "1:2.3-5", "critical"),
    ("DSA-9003-1", "tilde-demo", "1.0~rc1-1", "1.0-1", "high"),
    ("DSA-9005-1", "libssl3", "3.0.11-1~deb12u2+b1", "3.0.11-1~deb12u3", "medium"),
    ("DEBIAN-CVE-2099-9011", "libssl3", "3.0.11-1~deb12u2+b1", "", "low"),
    ("DEBIAN-CVE-2099-9010", "base-files", "12.4+deb12u5", "", "unknown"),
    ("GHSA-p1er-0000-0011", "requests", "2.31.0", "2.32.0", "medium"),
    ("PYSEC-2099-12", "jinja2", "3.1.2", "3.1.3", "medium"),
    ("GHSA-p1er-0000-0014", "cryptography", "42.0.0rc1", "42.0.0", "low"),
}
ALPINE_FINDINGS = {
    ("ALPINE-CVE-2099-2001", "busybox", "1.36.1_rc1-r0", "1.36.1-r0", "high"),
    ("ALPINE-CVE-2099-2003", "expat", "2.5.0-r3", "2.5.0-r10", "critical"),
    ("ALPINE-CVE-2099-2006", "musl", "1.2.4-r2", "1.2.4-r3", "none"),
    ("GHSA-p1er-0000-0021", "lodash", "4.17.20", "4.17.21", "high"),
    ("GHSA-p1er-0000-0022", "minimist", "1.2.5", "1.2.6", "critical"),
    ("GHSA-p1er-0000-0023", "@babel/traverse", "7.22.5", "7.23.2", "high"),
    ("GHSA-p1er-0000-0024", "semver", "7.5.0", "7.5.2", "medium"),
}
ROCKY_FINDINGS = {
    ("RLSA-2099:3001", "pier-lib", "1.0-9.el9", "1.0-10.el9", "high"),
    ("RLSA-2099:3003", "pier-tool", "2:3.1-2.el9", "2:3.1-3.el9", "medium"),
    ("PYSEC-2099-16", "pyyaml", "5.3.1", "5.4", "critical"),
}
INDEX_AMD64_FINDINGS = {
    ("CVE-2099-9001", "epoch-demo", "1:2.3-4", "1:2.3-5", "critical"),
    ("DEBIAN-CVE-2099-9010", "base-files", "12.4+deb12u5", "", "unknown"),
}
INDEX_ARM64_FINDINGS = {
    ("DSA-9003-1", "tilde-demo", "1.0~rc1-1", "1.0-1", "high"),
    ("DEBIAN-CVE-2099-9010", "base-files", "12.4+deb12u5", "", "unknown"),
}
# The ecosystem each finding is reported in.
ECOSYSTEMS = {
    "CVE-2099-9001": "Debian:12", "DSA-9003-1": "Debian:12", "DSA-9005-1": "Debian:12",
    "DEBIAN-CVE-2099-9010": "Debian:12", "DEBIAN-CVE-2099-9011": "Debian:12", "GHSA-p1er-0000-0011": "PyPI", "PYSEC-2099-12": "PyPI",
    "GHSA-p1er-0000-0014": "PyPI", "PYSEC-2099-16": "PyPI",
    "ALPINE-CVE-2099-2001": "Alpine:v3.19", "ALPINE-CVE-2099-2003": "Alpine:v3.19",
    "ALPINE-CVE-2099-2006": "Alpine:v3.19", "GHSA-p1er-0000-0021": "npm", "GHSA-p1er-0000-0022": "npm",
    "GHSA-p1er-0000-0023": "npm", "GHSA-p1er-0000-0024": "npm",
    "RLSA-2099:3001": "Rocky Linux:9", "RLSA-2099:3003": "Rocky Linux:9",
}

# A record the rescan test adds: tzdata is in the Debian image and no other record names it.
EXTRA_RECORD = osv("DSA-9100-1", "Debian:12", "tzdata", fixed("2024b-0+deb12u1"), cvss=HIGH_VECTOR)
EXTRA_FINDING = ("DSA-9100-1", "tzdata", "2024a-0+deb12u1", "2024b-0+deb12u1", "high")


def summary_of(findings: set) -> dict:
    counts = Counter(f[4] for f in findings)
    return {level: counts.get(level, 0) for level in SEVERITIES}
