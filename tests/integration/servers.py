"""Starts real registries on 127.0.0.1 for the integration tests: Pier and, as the
reference peer, CNCF distribution (Debian's docker-registry)."""

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
PIER_BINARY = Path(os.environ.get("PIER_BINARY", REPO_ROOT / "build" / "pier"))
DISTRIBUTION_BINARY = Path("/usr/bin/docker-registry")
# admin's password in the shared secured server (conftest.py's `server`).
ADMIN_PASSWORD = "admin-secret-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tls_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    cert, key = directory / "tls.crt", directory / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key


@dataclass
class RunningRegistry:
    kind: str                      # "pier" or "distribution"
    host: str                      # host:port, as a client names it
    url: str                       # scheme://host:port
    data_dir: Path
    process: subprocess.Popen
    log_path: Path
    ca_cert: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def verify(self):
        return str(self.ca_cert) if self.ca_cert else True

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig_timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=sig_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _wait_until_ready(reg: RunningRegistry, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if reg.process.poll() is not None:
            raise RuntimeError(f"{reg.kind} exited with {reg.process.returncode}:\n{reg.log()}")
        try:
            r = requests.get(f"{reg.url}/v2/", timeout=2, verify=reg.verify)
            if r.status_code in (200, 401):
                return
        except requests.RequestException as e:
            last_error = e
        time.sleep(0.05)
    reg.stop()
    raise RuntimeError(f"{reg.kind} not ready after {timeout}s ({last_error}):\n{reg.log()}")


def start_pier(data_dir: Path, tls: bool = False, config: str | None = None,
               env: dict | None = None, port: int | None = None, auth: bool = False,
               run_under: list[str] | None = None) -> RunningRegistry:
    """Pier on a free port. The protocol suites run with authentication off (auth=False);
    the access tests turn it on, as it is by default. `run_under` is a command that execs
    Pier in its place (nsenter, for a filesystem mounted in another namespace)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = (run_under or []) + [str(PIER_BINARY), "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data_dir)]
    ca_cert = None
    config_text = config or ""
    if tls:
        ca_cert, key = make_tls_certificate(data_dir)
        config_text += f"\ntls:\n  certificate: {ca_cert}\n  key: {key}\n"
    if config_text.strip():
        config_path = data_dir / "pier.yaml"
        config_path.write_text(config_text)
        args += ["--config", str(config_path)]
    log_path = data_dir / "pier.log"
    proc_env = dict(os.environ)
    if not auth:
        proc_env["PIER_AUTH_ENABLED"] = "false"
    proc_env.update(env or {})
    with open(log_path, "ab") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=proc_env)
    scheme = "https" if tls else "http"
    reg = RunningRegistry("pier", f"127.0.0.1:{port}", f"{scheme}://127.0.0.1:{port}",
                          data_dir, process, log_path, ca_cert)
    _wait_until_ready(reg)
    return reg


def start_distribution(data_dir: Path, tls: bool = False) -> RunningRegistry:
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    ca_cert = None
    tls_block = ""
    if tls:
        ca_cert, key = make_tls_certificate(data_dir)
        tls_block = f"  tls:\n    certificate: {ca_cert}\n    key: {key}\n"
    config_path = data_dir / "config.yml"
    config_path.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {data_dir / 'storage'}\n"
        "  delete:\n    enabled: true\n"
        "  maintenance:\n    uploadpurging:\n      enabled: false\n"
        "http:\n"
        f"  addr: 127.0.0.1:{port}\n"
        + tls_block)
    log_path = data_dir / "registry.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen([str(DISTRIBUTION_BINARY), "serve", str(config_path)],
                                   stdout=log, stderr=subprocess.STDOUT)
    scheme = "https" if tls else "http"
    reg = RunningRegistry("distribution", f"127.0.0.1:{port}", f"{scheme}://127.0.0.1:{port}",
                          data_dir, process, log_path, ca_cert)
    _wait_until_ready(reg)
    return reg


@dataclass
class RunningDirectory:
    """A slapd on 127.0.0.1 with base dc=example,dc=org, people under ou=people and groups
    (groupOfNames) under ou=groups; the service account cn=reader may read everything."""
    url: str
    process: subprocess.Popen
    data_dir: Path
    base: str = "dc=example,dc=org"
    reader_dn: str = "cn=reader,dc=example,dc=org"
    reader_password: str = "reader-secret"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_slapd(data_dir: Path, people: dict[str, str], groups: dict[str, list[str]]) -> RunningDirectory:
    """slapd with `people` (uid -> password; mail uid@example.org) and `groups` (cn -> uids),
    seeded with slapadd."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "db").mkdir(exist_ok=True)
    schemas = "".join(f"include /etc/ldap/schema/{s}.schema\n" for s in ("core", "cosine", "inetorgperson"))
    conf = data_dir / "slapd.conf"
    conf.write_text(
        schemas + "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        f"pidfile {data_dir / 'slapd.pid'}\n"
        'database mdb\nmaxsize 16777216\nsuffix "dc=example,dc=org"\n'
        f"directory {data_dir / 'db'}\n"
        "access to attrs=userPassword\n  by anonymous auth\n  by * none\n"
        'access to *\n  by dn.exact="cn=reader,dc=example,dc=org" read\n  by * none\n')
    entries = ["dn: dc=example,dc=org\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
               "dn: cn=reader,dc=example,dc=org\nobjectClass: organizationalRole\n"
               "objectClass: simpleSecurityObject\ncn: reader\nuserPassword: reader-secret\n",
               "dn: ou=people,dc=example,dc=org\nobjectClass: organizationalUnit\nou: people\n",
               "dn: ou=groups,dc=example,dc=org\nobjectClass: organizationalUnit\nou: groups\n"]
    for uid, password in people.items():
        entries.append(f"dn: uid={uid},ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: {uid}\n"
                       f"cn: {uid}\nsn: {uid}\nmail: {uid}@example.org\nuserPassword: {password}\n")
    for cn, members in groups.items():
        entries.append(f"dn: cn={cn},ou=groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: {cn}\n" +
                       "".join(f"member: uid={m},ou=people,dc=example,dc=org\n" for m in members))
    seed = data_dir / "seed.ldif"
    seed.write_text("\n".join(entries))
    subprocess.run(["/usr/sbin/slapadd", "-f", str(conf), "-l", str(seed)], check=True, capture_output=True)
    port = free_port()
    log = open(data_dir / "slapd.log", "ab")
    process = subprocess.Popen(["/usr/sbin/slapd", "-h", f"ldap://127.0.0.1:{port}/", "-f", str(conf), "-d", "0"],
                               stdout=log, stderr=subprocess.STDOUT)
    directory = RunningDirectory(f"ldap://127.0.0.1:{port}", process, data_dir)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited with {process.returncode}: {(data_dir / 'slapd.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return directory
        except OSError:
            time.sleep(0.02)
    directory.stop()
    raise RuntimeError("slapd did not start listening")
