"""Signatures as clients make them, for the tests: GnuPG keys and signed messages (the gpg
command), and cosign's ECDSA P-256 keys and signature manifests (openssl), pushed as cosign and
containers/image push them."""

import base64
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from oci_helpers import OCI_CONFIG, OCI_EMPTY, OCI_MANIFEST, descriptor, encode, push_blob, push_manifest, sha256

COSIGN_PAYLOAD = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"


class Gpg:
    """A GnuPG home of the test's own. Its path is short: gpg-agent's sockets live in it."""

    def __init__(self):
        self.home = Path(tempfile.mkdtemp(prefix="pier-gpg-", dir="/tmp"))
        self.home.chmod(0o700)

    def run(self, *args, data: bytes | None = None) -> bytes:
        return subprocess.run(["gpg", "--homedir", str(self.home), "--batch", "--pinentry-mode", "loopback",
                               "--passphrase", "", *args], input=data, capture_output=True, check=True).stdout

    def new_key(self, name: str) -> str:
        """A sign-only primary key without subkeys (containers/image's signedBy refuses a
        signature by a signing subkey); its fingerprint."""
        self.run("--quick-gen-key", f"{name} <{name}@example.com>", "rsa2048", "sign", "never")
        for line in self.run("--with-colons", "--list-keys", f"{name}@example.com").decode().splitlines():
            if line.startswith("fpr:"):
                return line.split(":")[9]
        raise AssertionError("no fingerprint")

    def public_key(self, fingerprint: str) -> str:
        return self.run("--armor", "--export", fingerprint).decode()

    def close(self):
        subprocess.run(["gpgconf", "--homedir", str(self.home), "--kill", "all"], capture_output=True)
        shutil.rmtree(self.home, ignore_errors=True)


class CosignKey:
    """An ECDSA P-256 key pair as `cosign generate-key-pair` makes, used through openssl."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.private = directory / "cosign.key"
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(self.private)],
                       check=True, capture_output=True)
        self.public = directory / "cosign.pub"
        subprocess.run(["openssl", "ec", "-in", str(self.private), "-pubout", "-out", str(self.public)], check=True,
                       capture_output=True)
        self.public_pem = self.public.read_text()

    def sign(self, payload: bytes) -> str:
        der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(self.private)], input=payload,
                             capture_output=True, check=True).stdout
        return base64.b64encode(der).decode()


def cosign_payload(host: str, repository: str, digest: str) -> bytes:
    return json.dumps({"critical": {"identity": {"docker-reference": f"{host}/{repository}"},
                                    "image": {"docker-manifest-digest": digest},
                                    "type": "cosign container image signature"},
                       "optional": None}, separators=(",", ":")).encode()


def push_cosign_signature(reg, repository: str, digest: str, key: CosignKey, *, as_referrer: bool = False,
                          subject_size: int = 0) -> str:
    """The manifest cosign pushes for one signature of `digest`: tagged sha256-<hex>.sig, or a
    referrer whose subject is the image. Returns its digest."""
    payload = cosign_payload(reg.host, repository, digest)
    push_blob(reg, repository, payload)
    layer = {**descriptor(COSIGN_PAYLOAD, payload), "annotations": {"dev.cosignproject.cosign/signature": key.sign(payload)}}
    if as_referrer:
        push_blob(reg, repository, b"{}")
        body = encode({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": COSIGN_ARTIFACT,
                       "config": descriptor(OCI_EMPTY, b"{}"), "layers": [layer],
                       "subject": {"mediaType": OCI_MANIFEST, "digest": digest, "size": subject_size}})
        return push_manifest(reg, repository, sha256(body), body, OCI_MANIFEST)
    config = json.dumps({"architecture": "", "created": "0001-01-01T00:00:00Z", "os": "", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [sha256(payload)]}}).encode()
    push_blob(reg, repository, config)
    body = encode({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": descriptor(OCI_CONFIG, config),
                   "layers": [layer]})
    return push_manifest(reg, repository, digest.replace(":", "-") + ".sig", body, OCI_MANIFEST)
