"""Helpers for the real-client tests (skopeo, podman, buildah).

Two halves:

* Offline OCI image layouts, built with tarfile/gzip/json/hashlib only: a single-arch
  image with two layers and a multi-arch index (linux/amd64 + linux/arm64). JSON is
  written compactly with Go's field order, the way containers/image re-serializes it,
  so a client that rebuilds a manifest from its parsed form reproduces the same bytes.

* `Clients`: runs skopeo, podman and buildah with state confined to one directory
  (normally the test's tmp_path): its own HOME/XDG dirs, registries.conf
  (CONTAINERS_REGISTRIES_CONF), auth file (REGISTRY_AUTH_FILE), containers.conf
  (CONTAINERS_CONF), storage.conf (CONTAINERS_STORAGE_CONF), signature policy, and
  vfs storage under --root/--runroot. Registries are addressed by host:port only on
  127.0.0.1; plain HTTP uses --tls-verify=false, TLS uses a cert dir holding the CA.

Environment quirks handled here:
  * podman rejects a --runroot longer than 50 characters, so the run root is a short
    /tmp/pier-rr-* directory (removed by Clients.close()); --root stays under the base.
  * As root, containers/image keeps its blob-info cache in /var/lib/containers/cache
    (no flag moves it) and netavark touches /run/containers. When possible each client
    runs in a private mount namespace (unshare --mount) with those bind-mounted from
    base/system; set PIER_TEST_NO_MOUNT_NS=1 to run the clients directly instead.
  * podman gets --cgroup-manager cgroupfs and --events-backend file explicitly (no
    systemd/journald in the container), and XDG_RUNTIME_DIR points into the base.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

OCI_LAYOUT_VERSION = "1.0.0"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"

FIXED_MTIME = 1_700_000_000          # 2023-11-14T22:13:20Z, keeps layers reproducible
FIXED_CREATED = "2023-11-14T22:13:20Z"

CLIENT_TIMEOUT = 60                  # seconds for any one client command


# --------------------------------------------------------------------------- JSON / digests

def canonical_json(obj) -> bytes:
    """Compact JSON in insertion order, like Go's encoding/json (callers order keys the
    way the Go structs declare them)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type: str, data: bytes, platform: dict | None = None,
               annotations: dict | None = None) -> dict:
    d = {"mediaType": media_type, "digest": sha256_digest(data), "size": len(data)}
    if annotations:
        d["annotations"] = annotations
    if platform:
        d["platform"] = platform
    return d


# --------------------------------------------------------------------------- layers

def make_layer_tar(files: dict[str, bytes]) -> bytes:
    """An uncompressed, reproducible layer tar: parent directories first, then files
    (mode 0644, owned by root, fixed mtime)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = sorted({str(Path(p).parents[i]) for p in files
                       for i in range(len(Path(p).parents) - 1)})
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, FIXED_MTIME
            tar.addfile(info)
        for path in sorted(files):
            data = files[path]
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, FIXED_MTIME
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_layer(files: dict[str, bytes]) -> tuple[bytes, str]:
    """Returns (gzip-compressed layer, diff_id of the uncompressed tar)."""
    tar = make_layer_tar(files)
    return gzip.compress(tar, mtime=0), sha256_digest(tar)


def read_layer_files(layer_blob: bytes) -> dict[str, bytes]:
    """Regular files in a (possibly gzip-compressed) layer tar, path -> content."""
    if layer_blob[:2] == b"\x1f\x8b":
        layer_blob = gzip.decompress(layer_blob)
    out = {}
    with tarfile.open(fileobj=io.BytesIO(layer_blob), mode="r:") as tar:
        for member in tar:
            if member.isfile():
                name = member.name.removeprefix("./").lstrip("/")
                out[name] = tar.extractfile(member).read()
    return out


# --------------------------------------------------------------------------- OCI layout

@dataclass
class ImageInfo:
    manifest: bytes
    manifest_digest: str
    config: bytes
    config_digest: str
    layer_digests: list[str]
    diff_ids: list[str]
    layer_files: list[dict[str, bytes]]
    architecture: str = "amd64"
    os: str = "linux"

    @property
    def manifest_json(self) -> dict:
        return json.loads(self.manifest)


@dataclass
class IndexInfo:
    index: bytes
    index_digest: str
    images: dict[str, ImageInfo] = field(default_factory=dict)   # architecture -> image

    @property
    def index_json(self) -> dict:
        return json.loads(self.index)


class OciLayout:
    """A directory in the OCI image layout format, usable as skopeo's/podman's oci:DIR:tag."""

    def __init__(self, path: Path):
        self.path = Path(path)
        (self.path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        layout = self.path / "oci-layout"
        if not layout.exists():
            layout.write_bytes(canonical_json({"imageLayoutVersion": OCI_LAYOUT_VERSION}))
        if not (self.path / "index.json").exists():
            self._write_index([])

    def _write_index(self, manifests: list[dict]) -> None:
        (self.path / "index.json").write_bytes(canonical_json(
            {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}))

    def put_blob(self, data: bytes) -> str:
        digest = sha256_digest(data)
        (self.path / "blobs" / "sha256" / digest.split(":", 1)[1]).write_bytes(data)
        return digest

    def blob(self, digest: str) -> bytes:
        return (self.path / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes()

    def index(self) -> dict:
        return json.loads((self.path / "index.json").read_bytes())

    def tag(self, media_type: str, data: bytes, name: str) -> None:
        """Points ref name `name` (the :tag of oci:DIR:tag) at the blob `data`."""
        manifests = [m for m in self.index()["manifests"]
                     if m.get("annotations", {}).get(REF_NAME) != name]
        manifests.append(descriptor(media_type, data, annotations={REF_NAME: name}))
        self._write_index(manifests)

    def ref_digest(self, name: str) -> str:
        for m in self.index()["manifests"]:
            if m.get("annotations", {}).get(REF_NAME) == name:
                return m["digest"]
        raise KeyError(f"no ref {name!r} in {self.path}/index.json")

    def manifest(self, name: str) -> bytes:
        return self.blob(self.ref_digest(name))

    def image_layer_files(self, name: str) -> list[dict[str, bytes]]:
        """The files of every layer of the single-arch image tagged `name`."""
        manifest = json.loads(self.manifest(name))
        return [read_layer_files(self.blob(layer["digest"])) for layer in manifest["layers"]]


def add_image(layout: OciLayout, layer_files: list[dict[str, bytes]], architecture: str = "amd64",
              os_name: str = "linux", tag: str | None = None) -> ImageInfo:
    """Writes the blobs of one image (config + layers + manifest) into `layout`."""
    layers = [make_layer(files) for files in layer_files]
    layer_descs = []
    for blob, _ in layers:
        layout.put_blob(blob)
        layer_descs.append(descriptor(OCI_LAYER_GZIP, blob))
    diff_ids = [diff_id for _, diff_id in layers]
    config = canonical_json({
        "created": FIXED_CREATED,
        "architecture": architecture,
        "os": os_name,
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["/bin/sh"], "Labels": {"org.example.pier-test": "yes"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": FIXED_CREATED, "created_by": f"pier test layer {i}"}
                    for i in range(len(layers))],
    })
    layout.put_blob(config)
    manifest = canonical_json({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": descriptor(OCI_CONFIG, config),
        "layers": layer_descs,
    })
    layout.put_blob(manifest)
    if tag:
        layout.tag(OCI_MANIFEST, manifest, tag)
    return ImageInfo(manifest, sha256_digest(manifest), config, sha256_digest(config),
                     [d["digest"] for d in layer_descs], diff_ids, layer_files,
                     architecture, os_name)


def two_layer_files(salt: str, architecture: str = "amd64") -> list[dict[str, bytes]]:
    """Contents of a small two-layer image; `salt` makes the blobs unique to a test."""
    return [
        {"etc/pier-test/base.txt": f"base layer {salt} {architecture}\n".encode(),
         "usr/share/pier-test/data.bin": hashlib.sha256(salt.encode()).digest() * 64},
        {"etc/pier-test/app.txt": f"app layer {salt} {architecture}\n".encode(),
         "app/run.sh": b"#!/bin/sh\necho hello from pier test\n"},
    ]


def build_single_arch_layout(path: Path, tag: str = "v1", salt: str = "single",
                             architecture: str = "amd64") -> tuple[OciLayout, ImageInfo]:
    layout = OciLayout(path)
    image = add_image(layout, two_layer_files(salt, architecture), architecture, tag=tag)
    return layout, image


def build_multi_arch_layout(path: Path, tag: str = "multi", salt: str = "multi",
                            architectures: tuple[str, ...] = ("amd64", "arm64")
                            ) -> tuple[OciLayout, IndexInfo]:
    """An OCI index with one two-layer image per architecture; index.json's `tag` points
    at the index itself, so oci:DIR:tag names the whole multi-arch image."""
    layout = OciLayout(path)
    images = {arch: add_image(layout, two_layer_files(salt, arch), arch) for arch in architectures}
    index = canonical_json({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [descriptor(OCI_MANIFEST, img.manifest,
                                 platform={"architecture": arch, "os": img.os})
                      for arch, img in images.items()],
    })
    layout.put_blob(index)
    layout.tag(OCI_INDEX, index, tag)
    return layout, IndexInfo(index, sha256_digest(index), images)


# --------------------------------------------------------------------------- clients

SANDBOX_BINDS = (("/var/lib/containers", "var-lib-containers"),
                 ("/run/containers", "run-containers"),
                 ("/var/cache/containers", "var-cache-containers"))

_mount_namespace_usable: bool | None = None


def use_mount_namespace() -> bool:
    """Whether clients can run in a private mount namespace (root with CAP_SYS_ADMIN).
    PIER_TEST_NO_MOUNT_NS=1 turns it off; without it clients share the system-wide
    containers/image caches, which only costs isolation, not correctness."""
    global _mount_namespace_usable
    if os.environ.get("PIER_TEST_NO_MOUNT_NS") == "1":
        return False
    if _mount_namespace_usable is None:
        probe = tempfile.mkdtemp(prefix="pier-mntns-probe-")
        try:
            _mount_namespace_usable = shutil.which("unshare") is not None and subprocess.run(
                ["unshare", "--mount", "--propagation", "private", "--",
                 "mount", "-t", "tmpfs", "tmpfs", probe],
                capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _mount_namespace_usable = False
        finally:
            os.rmdir(probe)
    return _mount_namespace_usable


class ClientError(AssertionError):
    pass


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout_bytes: bytes
    stderr_bytes: bytes

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode(errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode(errors="replace")

    def __str__(self) -> str:
        return (f"$ {' '.join(self.args)}\n-> exit {self.returncode}\n"
                f"stdout:\n{self.stdout[-4000:]}\nstderr:\n{self.stderr[-4000:]}")


class Clients:
    """skopeo/podman/buildah confined to `base`. Every invocation gets the same isolated
    environment; podman and buildah share one vfs store (`base/storage`), so an image
    built by buildah is visible to podman and vice versa."""

    def __init__(self, base: Path, store_name: str = "storage"):
        self.base = Path(base)
        self.home = self.base / "home"
        self.root = self.base / store_name / "root"
        # podman refuses a --runroot longer than 50 characters (it must leave room for
        # socket paths under it), and pytest's tmp_path is longer than that: the run root
        # (transient locks and mount state only) lives in a short /tmp dir, removed by close().
        self.runroot = Path(tempfile.mkdtemp(prefix="pier-rr-",
                                             dir="/tmp" if os.path.isdir("/tmp") else None))
        assert len(str(self.runroot)) <= 50, self.runroot
        self.podman_tmp = self.base / store_name / "podman-tmp"
        self.tmp = self.base / "tmp"
        for d in (self.home / ".config" / "containers", self.home / ".local" / "share",
                  self.home / ".cache", self.root, self.runroot, self.podman_tmp, self.tmp,
                  self.base / "xdg-runtime"):
            d.mkdir(parents=True, exist_ok=True)
        (self.base / "xdg-runtime").chmod(0o700)

        conf = self.base / "conf"
        conf.mkdir(exist_ok=True)
        self.registries_conf = conf / "registries.conf"
        # No search registries: nothing is ever resolved against docker.io & co.
        self.registries_conf.write_text(
            'unqualified-search-registries = []\nshort-name-mode = "enforcing"\n')
        self.registries_d = conf / "registries.d"
        self.registries_d.mkdir(exist_ok=True)
        self.auth_file = conf / "auth.json"
        self.auth_file.write_text('{"auths": {}}\n')
        self.policy = conf / "policy.json"
        self.policy.write_text(json.dumps(
            {"default": [{"type": "insecureAcceptAnything"}]}, indent=2))
        # c/image also looks for $HOME/.config/containers/policy.json before /etc.
        shutil.copy(self.policy, self.home / ".config" / "containers" / "policy.json")
        self.storage_conf = conf / "storage.conf"
        self.storage_conf.write_text(
            '[storage]\ndriver = "vfs"\n'
            f'graphroot = "{self.root}"\nrunroot = "{self.runroot}"\n')
        self.containers_conf = conf / "containers.conf"
        self.containers_conf.write_text(
            '[containers]\n'
            '[engine]\n'
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            f'events_logfile_path = "{self.base / "events.log"}"\n'
            f'tmp_dir = "{self.podman_tmp}"\n'
            f'static_dir = "{self.root / "libpod"}"\n'
            f'volume_path = "{self.root / "volumes"}"\n'
            f'image_copy_tmp_dir = "{self.tmp}"\n'
            '[network]\n'
            f'network_config_dir = "{self.base / "networks"}"\n')

        # Run as root, containers/image keeps its blob-info cache in /var/lib/containers/cache
        # and netavark its state in /run/containers, whatever --root says. When the kernel
        # lets us, every client runs in a private mount namespace with those directories
        # bind-mounted from `base/system`, so tests share no cache with each other or the host.
        self.system = self.base / "system"
        self.sandbox = use_mount_namespace()
        self.sandbox_script = conf / "sandbox.sh"
        binds = "\n".join(
            f'bind "{self.system / name}" "{target}"' for target, name in SANDBOX_BINDS)
        self.sandbox_script.write_text(
            "#!/bin/sh\nset -e\n"
            'bind() { mkdir -p "$1" "$2"; mount --bind "$1" "$2"; }\n'
            f"{binds}\nexec \"$@\"\n")
        self.sandbox_script.chmod(0o755)

        self.env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_RUNTIME_DIR": str(self.base / "xdg-runtime"),
            "TMPDIR": str(self.tmp),
            "CONTAINERS_REGISTRIES_CONF": str(self.registries_conf),
            "REGISTRY_AUTH_FILE": str(self.auth_file),
            "CONTAINERS_CONF": str(self.containers_conf),
            "CONTAINERS_STORAGE_CONF": str(self.storage_conf),
            "BUILDAH_ISOLATION": "chroot",
            "LANG": "C.UTF-8",
        }
        # Proxies would only ever point away from loopback.
        self.env["NO_PROXY"] = self.env["no_proxy"] = "127.0.0.1,localhost"

    def close(self) -> None:
        shutil.rmtree(self.runroot, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- plumbing

    def run(self, args: list[str], check: bool = True, timeout: float = CLIENT_TIMEOUT) -> Result:
        args = [str(a) for a in args]
        argv = args
        if self.sandbox:
            argv = ["unshare", "--mount", "--propagation", "private", "--",
                    str(self.sandbox_script), *args]
        try:
            p = subprocess.run(argv, env=self.env, capture_output=True,
                               timeout=timeout, cwd=self.base, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise ClientError(f"$ {' '.join(args)}\ntimed out after {timeout}s\n"
                              f"stdout:\n{e.stdout}\nstderr:\n{e.stderr}") from None
        result = Result(args, p.returncode, p.stdout, p.stderr)
        if check and p.returncode != 0:
            raise ClientError(str(result))
        return result

    def _storage_flags(self) -> list[str]:
        return ["--storage-driver", "vfs", "--root", str(self.root), "--runroot", str(self.runroot)]

    @staticmethod
    def tls_flags(flag: str, registry=None, cert_dir: Path | None = None,
                  tls_verify: bool | None = None) -> list[str]:
        """TLS flags for one side of a client command. `flag` is the option prefix
        ("" for podman/buildah/single-image skopeo, "src-"/"dest-" for skopeo copy).
        Plain-HTTP registries get --tls-verify=false; TLS registries get --cert-dir
        with their CA (written by `ca_dir`)."""
        out = []
        if registry is not None and registry.ca_cert is None and tls_verify is None:
            tls_verify = False
        if cert_dir is not None:
            out.append(f"--{flag}cert-dir={cert_dir}")
        if tls_verify is not None:
            out.append(f"--{flag}tls-verify={'true' if tls_verify else 'false'}")
        return out

    def ca_dir(self, registry, name: str | None = None) -> Path:
        """A directory holding the registry's CA certificate as ca.crt (the layout
        containers/image expects for --cert-dir)."""
        assert registry.ca_cert is not None, f"{registry.kind} at {registry.url} has no TLS"
        d = self.base / "certs" / (name or registry.host.replace(":", "_"))
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(registry.ca_cert, d / "ca.crt")
        return d

    def _side(self, flag: str, registry, cert_dir, tls_verify) -> list[str]:
        if registry is not None and registry.ca_cert is not None and cert_dir is None \
                and tls_verify is None:
            cert_dir = self.ca_dir(registry)
        return self.tls_flags(flag, registry, cert_dir, tls_verify)

    # -- skopeo

    def skopeo(self, *args, check: bool = True) -> Result:
        return self.run(["skopeo", "--policy", self.policy, "--registries.d", self.registries_d,
                         "--tmpdir", self.tmp, *args], check=check)

    def skopeo_copy(self, src: str, dest: str, *, src_registry=None, dest_registry=None,
                    src_cert_dir=None, dest_cert_dir=None, src_tls_verify=None,
                    dest_tls_verify=None, all_images: bool = False, extra=(),
                    check: bool = True) -> Result:
        args = ["copy", "--retry-times", "0"]
        if all_images:
            args.append("--all")
        args += self._side("src-", src_registry, src_cert_dir, src_tls_verify)
        args += self._side("dest-", dest_registry, dest_cert_dir, dest_tls_verify)
        return self.skopeo(*args, *extra, src, dest, check=check)

    def skopeo_on(self, command: str, ref: str, registry=None, *extra, cert_dir=None,
                  tls_verify=None, check: bool = True) -> Result:
        """`skopeo COMMAND [TLS flags for registry] EXTRA... REF` (inspect, list-tags, delete)."""
        return self.skopeo(command, *self._side("", registry, cert_dir, tls_verify), *extra, ref,
                           check=check)

    def skopeo_inspect(self, ref: str, registry=None, raw: bool = False, config: bool = False,
                       cert_dir=None, tls_verify=None, extra=(), check: bool = True) -> Result:
        args = ["--retry-times", "0", *extra]
        if raw:
            args.append("--raw")
        if config:
            args.append("--config")
        return self.skopeo_on("inspect", ref, registry, *args, cert_dir=cert_dir,
                              tls_verify=tls_verify, check=check)

    def inspect_json(self, ref: str, registry=None, **kw) -> dict:
        return json.loads(self.skopeo_inspect(ref, registry, **kw).stdout)

    def list_tags(self, ref: str, registry=None, **kw) -> list[str]:
        """`skopeo list-tags` of docker://HOST/REPO, the tags in the order served."""
        return json.loads(self.skopeo_on("list-tags", ref, registry, **kw).stdout)["Tags"]

    def raw_manifest(self, ref: str, registry=None, **kw) -> bytes:
        """The manifest bytes exactly as served (skopeo inspect --raw)."""
        # skopeo prints the bytes verbatim and appends nothing.
        return self.skopeo_inspect(ref, registry, raw=True, **kw).stdout_bytes

    # -- podman

    def podman(self, *args, check: bool = True) -> Result:
        return self.run(["podman", *self._storage_flags(),
                         "--tmpdir", self.podman_tmp,
                         "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                         "--network-config-dir", self.base / "networks",
                         *args], check=check)

    def registry_flags(self, registry, cert_dir=None, tls_verify=None) -> list[str]:
        """--tls-verify/--cert-dir for podman/buildah pull and push."""
        return self._side("", registry, cert_dir, tls_verify)

    def podman_inspect(self, name: str) -> dict:
        return json.loads(self.podman("image", "inspect", name).stdout)[0]

    # -- buildah

    def buildah(self, *args, check: bool = True) -> Result:
        return self.run(["buildah", *self._storage_flags(),
                         "--registries-conf", self.registries_conf,
                         "--cgroup-manager", "cgroupfs", *args], check=check)


def docker_ref(registry, repository: str, tag_or_digest: str) -> str:
    sep = "@" if tag_or_digest.startswith("sha256:") else ":"
    return f"docker://{registry.host}/{repository}{sep}{tag_or_digest}"


def image_name(registry, repository: str, tag: str) -> str:
    """The transport-less name podman/buildah use."""
    return f"{registry.host}/{repository}:{tag}"
