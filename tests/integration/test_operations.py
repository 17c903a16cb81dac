"""Operational behaviour of Pier: persistence across restarts, upload expiry, graceful
shutdown, health and metrics endpoints, the access log, configuration errors, request
limits and timeouts, content-addressed storage on disk, sendfile and ranges, and
`pier migrate`. Each test starts its own Pier (see servers.py) on a fresh data dir."""

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from oci_helpers import (manifest_of_size, OCI_CONFIG, OCI_MANIFEST, OCTET_STREAM, assert_error,
                         assert_status, blob_exists, call, descriptor,
                         get_manifest, image_config, layer_bytes, manifest_exists,
                         oci_manifest, patch_chunk, path_of, push_blob, push_manifest,
                         push_oci_image, put_manifest, request_target, sha256, start_upload,
                         with_query)
from servers import PIER_BINARY, free_port, make_tls_certificate, start_pier

REPO = "ops/app"
MIB = 1024 * 1024


# ---------------------------------------------------------------- helpers

def wait_for(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Polls `predicate` until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


def blob_files(data_dir: Path) -> list:
    root = data_dir / "blobs" / "blobs"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload_files(data_dir: Path) -> list:
    root = data_dir / "blobs" / "uploads"
    return sorted(p for p in root.iterdir() if p.is_file()) if root.exists() else []


def blob_path(data_dir: Path, digest: str) -> Path:
    algorithm, _, hex_ = digest.partition(":")
    return data_dir / "blobs" / "blobs" / algorithm / hex_[:2] / hex_


def upload_id(location: str) -> str:
    return path_of(location).rstrip("/").rsplit("/", 1)[-1]


def clean_env(**extra) -> dict:
    """This process's environment without PIER_* variables (Pier refuses unknown ones)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIER_")}
    env.update(extra)
    return env


def run_pier(*args, env: dict | None = None, timeout: float = 10) -> subprocess.CompletedProcess:
    return subprocess.run([str(PIER_BINARY), *args], capture_output=True, text=True,
                          env=env if env is not None else clean_env(), timeout=timeout)


def scrape(reg) -> dict:
    """/metrics as {(name, ((label, value), ...)): float}."""
    resp = call(reg, "GET", "/metrics")
    assert_status(resp, 200)
    assert resp.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for line in resp.text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)', line)
        assert m, f"malformed metrics line {line!r}"
        labels = tuple(sorted(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or "")))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def metric(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def requests_total(samples: dict, route: str, method: str, status: int) -> float:
    return metric(samples, "pier_http_requests_total", route=route, method=method,
                  status=str(status))


def connect(reg, rcvbuf: int | None = None, timeout: float = 10) -> socket.socket:
    host, port = reg.host.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect((host, int(port)))
    return sock


def refuses_connections(reg) -> bool:
    """True once the listener is closed. A connect that raced the close may have been queued
    by the kernel and is then reset rather than refused: both mean no new connection. A SYN
    that arrived while the listener was closing may go unanswered; that attempt times out
    and the next one must be refused."""
    try:
        connect(reg, timeout=1).close()
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    except TimeoutError:
        return False
    return False


def request_head(reg, method: str, target: str, headers: dict | None = None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {reg.host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_head(sock: socket.socket, buffered: bytes = b"") -> tuple[int, dict, bytes]:
    """Reads a response's status line and headers; returns (status, headers with
    lower-case names, body bytes already received)."""
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before the response headers: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def read_response(sock: socket.socket) -> tuple[int, dict, bytes]:
    status, headers, body = read_head(sock)
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        body += chunk
    return status, headers, body


def closed_by_peer(sock: socket.socket, timeout: float) -> float | None:
    """Reads (and discards) until the server closes the connection; returns the seconds
    that took, or None if it is still open after `timeout`."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        sock.settimeout(remaining)
        try:
            if not sock.recv(65536):
                return time.monotonic() - started
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started
        except socket.timeout:
            return None


def upload_file_size(data_dir: Path, location: str) -> int:
    path = data_dir / "blobs" / "uploads" / upload_id(location)
    return path.stat().st_size if path.exists() else -1


# ---------------------------------------------------------------- 1. restarts

def test_upload_session_survives_restart(tmp_path):
    data_dir = tmp_path / "pier"
    data = layer_bytes("resume-after-restart", 700 * 1024)
    half = len(data) // 2
    reg = start_pier(data_dir)
    try:
        location = start_upload(reg, REPO)
        resp = patch_chunk(reg, location, data[:half], start=0)
        assert_status(resp, 202)
        assert resp.headers["Range"] == f"0-{half - 1}"
    finally:
        assert reg.stop() == 0, reg.log()

    reg = start_pier(data_dir)
    try:
        target = request_target(location)
        resp = call(reg, "GET", target)
        assert_status(resp, 204)
        assert resp.headers["Range"] == f"0-{half - 1}"
        resp = patch_chunk(reg, target, data[half:], start=half)
        assert_status(resp, 202)
        assert resp.headers["Range"] == f"0-{len(data) - 1}"
        resp = call(reg, "PUT", with_query(target, digest=sha256(data)))
        assert_status(resp, 201)
        assert resp.headers["Docker-Content-Digest"] == sha256(data)
        got = call(reg, "GET", f"/v2/{REPO}/blobs/{sha256(data)}")
        assert_status(got, 200)
        assert got.content == data
        assert blob_path(data_dir, sha256(data)).read_bytes() == data
        assert upload_files(data_dir) == []
        assert_error(call(reg, "GET", target), 404, "BLOB_UPLOAD_UNKNOWN")
    finally:
        reg.stop()


def test_acknowledged_pushes_survive_a_crash(tmp_path):
    """Pier killed with SIGKILL in the middle of concurrent pushes: after a restart every push
    it had acknowledged is there, byte for byte (blobs in files and in the database alike)."""
    data_dir = tmp_path / "pier"
    reg = start_pier(data_dir)
    acknowledged = []  # (repo, tag, manifest bytes, [(digest, bytes)])
    stop = False

    def pusher(worker: int):
        n = 0
        while not stop:
            repo, tag = f"crash/w{worker}", f"t{n}"
            try:
                config = image_config(f"crash-{worker}-{n}")
                small = layer_bytes(f"crash-small-{worker}-{n}", 3000)
                large = layer_bytes(f"crash-large-{worker}-{n}", 40 * 1024)
                for data in (config, small, large):
                    push_blob(reg, repo, data)
                body = oci_manifest(descriptor(OCI_CONFIG, config),
                                    [descriptor("application/vnd.oci.image.layer.v1.tar", small),
                                     descriptor("application/vnd.oci.image.layer.v1.tar", large)])
                resp = put_manifest(reg, repo, tag, body, OCI_MANIFEST)
                if resp.status_code != 201:
                    return
                acknowledged.append((repo, tag, body, [(sha256(d), d) for d in (config, small, large)]))
            except (requests.RequestException, AssertionError):
                return  # the server went away mid-push
            n += 1

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(pusher, w) for w in range(4)]
        wait_for(lambda: len(acknowledged) >= 40, timeout=60, what="40 acknowledged pushes")
        reg.process.kill()
        reg.process.wait()
        stop = True
        for future in futures:
            future.result()

    reg = start_pier(data_dir)
    try:
        for repo, tag, body, blobs in acknowledged:
            resp = get_manifest(reg, repo, tag)
            assert_status(resp, 200)
            assert resp.content == body
            for digest, data in blobs:
                got = call(reg, "GET", f"/v2/{repo}/blobs/{digest}")
                assert_status(got, 200)
                assert got.content == data
    finally:
        reg.stop()


def test_first_start_creates_admin_and_prints_its_password_once(tmp_path):
    data_dir = tmp_path / "pier"
    env = {"PIER_ADMIN_PASSWORD": ""}  # ignore any value in the caller's environment
    reg = start_pier(data_dir, env=env)
    try:
        lines = [l for l in reg.log().splitlines() if "created superuser admin" in l]
        assert len(lines) == 1, reg.log()
        assert re.search(r"created superuser admin with password: [A-Za-z0-9_-]{43} \(shown once\)$",
                         lines[0]), lines[0]
        password = lines[0].split("password: ")[1].split(" ")[0]
    finally:
        assert reg.stop() == 0, reg.log()
    # The password appears nowhere else in the log.
    assert reg.log().count(password) == 1

    reg = start_pier(data_dir, env=env)  # the log file is appended to
    try:
        assert reg.log().count("created superuser admin") == 1, reg.log()
    finally:
        assert reg.stop() == 0, reg.log()


def test_configured_admin_password_is_not_printed(tmp_path):
    data_dir = tmp_path / "pier"
    reg = start_pier(data_dir, env={"PIER_ADMIN_PASSWORD": "configured-secret"})
    try:
        assert "created superuser admin" not in reg.log()
        assert "configured-secret" not in reg.log()
    finally:
        assert reg.stop() == 0, reg.log()


def test_tags_and_manifests_survive_restart(tmp_path):
    data_dir = tmp_path / "pier"
    reg = start_pier(data_dir)
    try:
        body, desc = push_oci_image(reg, REPO, "v1", seed="persist", layers=2)
        resp = put_manifest(reg, REPO, "stable", body, OCI_MANIFEST)
        assert_status(resp, 201)
        other, other_desc = push_oci_image(reg, "ops/other", seed="persist-other")  # by digest
    finally:
        assert reg.stop() == 0, reg.log()

    reg = start_pier(data_dir)
    try:
        for tag in ("v1", "stable", desc["digest"]):
            resp = get_manifest(reg, REPO, tag)
            assert_status(resp, 200)
            assert resp.content == body
            assert resp.headers["Docker-Content-Digest"] == desc["digest"]
        resp = get_manifest(reg, "ops/other", other_desc["digest"])
        assert_status(resp, 200)
        assert resp.content == other
        resp = call(reg, "GET", f"/v2/{REPO}/tags/list")
        assert_status(resp, 200)
        assert sorted(resp.json()["tags"]) == ["stable", "v1"]
        resp = call(reg, "GET", "/v2/_catalog")
        assert_status(resp, 200)
        assert sorted(resp.json()["repositories"]) == ["ops/app", "ops/other"]
        for layer in json.loads(body)["layers"] + [json.loads(body)["config"]]:
            got = call(reg, "GET", f"/v2/{REPO}/blobs/{layer['digest']}")
            assert_status(got, 200)
            assert sha256(got.content) == layer["digest"]
    finally:
        reg.stop()


# ---------------------------------------------------------------- 2. upload expiry

def test_idle_upload_sessions_expire(tmp_path):
    data_dir = tmp_path / "pier"
    reg = start_pier(data_dir, config="uploads:\n  expiry: 2s\n  purge_interval: 1s\n")
    try:
        assert metric(scrape(reg), "pier_upload_sessions_open") == 0
        idle = start_upload(reg, REPO)
        assert_status(patch_chunk(reg, idle, b"idle bytes", start=0), 202)
        active = start_upload(reg, REPO)
        assert upload_file_size(data_dir, idle) == len(b"idle bytes")
        assert upload_file_size(data_dir, active) == 0
        assert metric(scrape(reg), "pier_upload_sessions_open") == 2

        # `idle` is left alone; `active` gets a chunk every half second, so it is never idle
        # for as long as the expiry.
        started = time.monotonic()
        deadline = started + 10
        next_touch = started
        while True:
            now = time.monotonic()
            if now >= next_touch:
                assert_status(patch_chunk(reg, active, b"x"), 202)
                next_touch = now + 0.5
            resp = call(reg, "GET", request_target(idle))
            if resp.status_code == 404:
                break
            assert_status(resp, 204)
            assert now < deadline, "idle upload session not expired within 10 s"
            time.sleep(0.1)
        assert time.monotonic() - started >= 1.5, "expired before uploads.expiry"
        assert_error(resp, 404, "BLOB_UPLOAD_UNKNOWN")
        assert upload_file_size(data_dir, idle) == -1, "expired upload's file still on disk"
        assert_error(patch_chunk(reg, idle, b"more"), 404, "BLOB_UPLOAD_UNKNOWN")

        # The session that kept being written to is still there.
        resp = call(reg, "GET", request_target(active))
        assert_status(resp, 204)
        assert upload_file_size(data_dir, active) > 0
        assert metric(scrape(reg), "pier_upload_sessions_open") == 1

        assert_status(call(reg, "DELETE", request_target(active)), 204)
        assert metric(scrape(reg), "pier_upload_sessions_open") == 0
        assert upload_files(data_dir) == []
        assert "expired upload sessions" in reg.log()
    finally:
        reg.stop()


# ---------------------------------------------------------------- 3. graceful shutdown

def start_slow_patch(reg, data: bytes, sent: int) -> tuple[socket.socket, str]:
    """Opens an upload and starts a PATCH of `data` over a raw socket, sending only the
    first `sent` bytes; returns once Pier has written some of them to the upload file
    (so the request is certainly in flight). Pier hands a body on in 4 MiB chunks, so
    `sent` must be more than that."""
    location = start_upload(reg, REPO)
    sock = connect(reg)
    sock.sendall(request_head(reg, "PATCH", request_target(location),
                              {"Content-Type": OCTET_STREAM, "Content-Length": len(data)}))
    sock.sendall(data[:sent])
    wait_for(lambda: upload_file_size(reg.data_dir, location) > 0, 5,
             what="the PATCH body reaching the upload file")
    return sock, location


def idle_keepalive_connection(reg) -> socket.socket:
    sock = connect(reg)
    sock.sendall(request_head(reg, "GET", "/v2/"))
    status, headers, _ = read_response(sock)
    assert status == 200
    assert headers.get("connection", "").lower() != "close"
    return sock


def test_shutdown_finishes_inflight_upload(tmp_path):
    data_dir = tmp_path / "pier"
    reg = start_pier(data_dir, config="http:\n  shutdown_timeout: 10s\n")
    data = layer_bytes("slow-patch", 5 * MIB)
    try:
        idle = idle_keepalive_connection(reg)
        slow, location = start_slow_patch(reg, data, 4 * MIB + 512 * 1024)
        signalled = time.monotonic()
        reg.process.send_signal(signal.SIGTERM)

        wait_for(lambda: refuses_connections(reg), 3, what="new connections refused")
        assert closed_by_peer(idle, 3) is not None, "idle kept-alive connection not closed"
        assert reg.process.poll() is None, "exited with a request in flight"

        rest = data[4 * MIB + 512 * 1024:]
        for i in range(0, len(rest), 100 * 1024):
            slow.sendall(rest[i:i + 100 * 1024])
            time.sleep(0.1)
        status, headers, _ = read_response(slow)
        assert status == 202
        assert headers["range"] == f"0-{len(data) - 1}"
        rc = reg.process.wait(timeout=10 - (time.monotonic() - signalled))
        assert rc == 0, reg.log()
        assert "received signal" in reg.log()
    finally:
        reg.stop()

    # The bytes of the request that finished during shutdown were kept.
    reg = start_pier(data_dir)
    try:
        target = request_target(location)
        resp = call(reg, "GET", target)
        assert_status(resp, 204)
        assert resp.headers["Range"] == f"0-{len(data) - 1}"
        assert_status(call(reg, "PUT", with_query(target, digest=sha256(data))), 201)
        assert call(reg, "GET", f"/v2/{REPO}/blobs/{sha256(data)}").content == data
    finally:
        reg.stop()


def test_shutdown_finishes_inflight_download(tmp_path):
    reg = start_pier(tmp_path / "pier", config="http:\n  shutdown_timeout: 10s\n")
    data = os.urandom(16 * MIB)
    try:
        digest = push_blob(reg, REPO, data)
        # A small receive window keeps most of the blob on Pier's side until we read it.
        sock = connect(reg, rcvbuf=32 * 1024)
        sock.sendall(request_head(reg, "GET", f"/v2/{REPO}/blobs/{digest}"))
        status, headers, body = read_head(sock)
        assert status == 200
        assert int(headers["content-length"]) == len(data)
        signalled = time.monotonic()
        reg.process.send_signal(signal.SIGTERM)
        wait_for(lambda: refuses_connections(reg), 3, what="new connections refused")
        assert reg.process.poll() is None, "exited with a download in flight"
        hasher = hashlib.sha256(body)
        received = len(body)
        while received < len(data):
            chunk = sock.recv(1 << 20)
            assert chunk, f"download cut off at {received} of {len(data)} bytes"
            hasher.update(chunk)
            received += len(chunk)
        assert "sha256:" + hasher.hexdigest() == digest
        rc = reg.process.wait(timeout=10 - (time.monotonic() - signalled))
        assert rc == 0, reg.log()
    finally:
        reg.stop()


def test_idle_connections_do_not_delay_shutdown(tmp_path):
    reg = start_pier(tmp_path / "pier", config="http:\n  shutdown_timeout: 20s\n")
    try:
        kept_alive = [idle_keepalive_connection(reg) for _ in range(3)]
        silent = connect(reg)  # connected, never sent a byte
        time.sleep(0.1)
        started = time.monotonic()
        reg.process.send_signal(signal.SIGTERM)
        rc = reg.process.wait(timeout=5)
        assert rc == 0, reg.log()
        assert time.monotonic() - started < 2, "idle connections held up shutdown"
        for sock in kept_alive + [silent]:
            assert closed_by_peer(sock, 1) is not None
    finally:
        reg.stop()


def test_clients_leaving_during_shutdown_do_not_crash_pier(tmp_path):
    """Kept-alive clients that hang up just as SIGTERM arrives (every client does so
    sooner or later) must not turn a clean stop into a crash. The race is narrow, so
    this repeats it; each round is a fresh Pier with 100 idle connections."""
    for round_ in range(20):
        reg = start_pier(tmp_path / f"pier-{round_}")
        try:
            socks = [connect(reg) for _ in range(100)]
            for sock in socks:
                sock.sendall(request_head(reg, "GET", "/v2/"))
            for sock in socks:
                assert read_response(sock)[0] == 200
            for sock in socks:
                sock.shutdown(socket.SHUT_WR)
            reg.process.send_signal(signal.SIGTERM)
            rc = reg.process.wait(timeout=10)
            assert rc == 0, f"round {round_}: exit code {rc}:\n{reg.log()[-600:]}"
            for sock in socks:
                sock.close()
        finally:
            reg.stop()


def test_shutdown_timeout_bounds_a_stuck_request(tmp_path):
    reg = start_pier(tmp_path / "pier", config="http:\n  shutdown_timeout: 1s\n")
    try:
        slow, _ = start_slow_patch(reg, layer_bytes("stuck", 5 * MIB), 4 * MIB + 512 * 1024)
        started = time.monotonic()
        reg.process.send_signal(signal.SIGTERM)
        try:
            rc = reg.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail("Pier still running 5 s after SIGTERM with shutdown_timeout 1s")
        elapsed = time.monotonic() - started
        assert 0.8 <= elapsed < 3, f"exited {elapsed:.2f}s after SIGTERM"
        assert rc == 0, f"exit code {rc}:\n{reg.log()}"
        assert "shutdown timeout reached" in reg.log()
        slow.close()
    finally:
        reg.stop()


# ---------------------------------------------------------------- 4. health and metrics

def test_health_and_readiness(pier):
    resp = call(pier, "GET", "/healthz")
    assert_status(resp, 200)
    assert resp.text.strip() == "ok"
    resp = call(pier, "GET", "/readyz")
    assert_status(resp, 200)


def test_metrics_after_traffic(pier):
    before = scrape(pier)
    data = layer_bytes("metrics", 300 * 1024)
    digest = push_blob(pier, REPO, data)                                  # upload_start 202, upload PUT 201
    assert call(pier, "GET", f"/v2/{REPO}/blobs/{digest}").content == data  # blob_read 200
    assert_status(call(pier, "GET", f"/v2/{REPO}/manifests/missing"), 404)  # manifest_read 404
    assert_status(call(pier, "GET", "/healthz"), 200)
    open_upload = start_upload(pier, REPO)
    after = scrape(pier)

    def delta(route, method, status):
        return requests_total(after, route, method, status) - requests_total(before, route, method, status)

    assert delta("upload_start", "POST", 202) == 2
    assert delta("upload", "PUT", 201) == 1
    assert delta("blob_read", "GET", 200) == 1
    assert delta("manifest_read", "GET", 404) == 1
    assert delta("manifest_read", "GET", 200) == 0
    assert delta("ops", "GET", 200) >= 2  # /metrics (the first scrape) and /healthz

    received = (metric(after, "pier_http_received_bytes_total")
                - metric(before, "pier_http_received_bytes_total"))
    sent = metric(after, "pier_http_sent_bytes_total") - metric(before, "pier_http_sent_bytes_total")
    assert received >= len(data)
    assert sent >= len(data)

    for route in ("blob_read", "upload", "manifest_read"):
        buckets = sorted(
            ((float(dict(labels)["le"]), value) for (name, labels), value in after.items()
             if name == "pier_http_request_duration_seconds_bucket" and dict(labels)["route"] == route),
            key=lambda bucket: bucket[0])
        assert len(buckets) >= 2, f"no histogram buckets for {route}"
        assert buckets[-1][0] == float("inf")
        counts = [value for _, value in buckets]
        assert counts == sorted(counts), f"buckets of {route} not cumulative: {counts}"
        count = metric(after, "pier_http_request_duration_seconds_count", route=route)
        assert count >= 1 and counts[-1] == count
        assert ("pier_http_request_duration_seconds_sum", (("route", route),)) in after
        assert metric(after, "pier_http_request_duration_seconds_sum", route=route) > 0

    assert metric(after, "pier_upload_sessions_open") == 1
    assert_status(call(pier, "DELETE", request_target(open_upload)), 204)
    assert metric(scrape(pier), "pier_upload_sessions_open") == 0


# ---------------------------------------------------------------- 5. access log

def access_log_entries(reg) -> list:
    entries = []
    for line in reg.log().splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return entries


def test_access_log_line_per_request(pier):
    target = f"/v2/{REPO}/manifests/access-log-probe"
    assert_status(call(pier, "GET", target), 404)

    def probe_entries():
        return [e for e in access_log_entries(pier) if e.get("target") == target]

    entries = wait_for(probe_entries, 5, what="access log line")
    assert len(entries) == 1
    entry = entries[0]
    assert set(entry) >= {"remote", "method", "target", "route", "status", "bytes_in",
                          "bytes_out", "ms"}
    assert entry["remote"] == "127.0.0.1"
    assert entry["method"] == "GET"
    assert entry["route"] == "manifest_read"
    assert entry["status"] == 404
    assert entry["bytes_in"] == 0 and entry["bytes_out"] > 0
    assert isinstance(entry["ms"], (int, float)) and entry["ms"] >= 0

    data = b"access log blob"
    location = start_upload(pier, REPO)
    resp = call(pier, "PUT", with_query(location, digest=sha256(data)), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_status(resp, 201)
    put_target = request_target(with_query(location, digest=sha256(data)))
    entry = wait_for(lambda: [e for e in access_log_entries(pier) if e.get("target") == put_target],
                     5, what="access log line for the PUT")[0]
    assert (entry["method"], entry["route"], entry["status"], entry["bytes_in"]) == \
        ("PUT", "upload", 201, len(data))


def test_access_log_can_be_disabled(tmp_path):
    reg = start_pier(tmp_path / "pier", config="log:\n  access_log: false\n")
    target = f"/v2/{REPO}/manifests/access-log-probe"
    try:
        assert_status(call(reg, "GET", target), 404)
        assert_status(call(reg, "GET", "/v2/"), 200)
    finally:
        assert reg.stop() == 0
    log = reg.log()
    assert "pier listening" in log
    assert target not in log
    assert access_log_entries(reg) == []


# ---------------------------------------------------------------- 6. configuration errors

def config_lines(stderr: str) -> dict:
    """{key: message} from `pier: config: <key>: <message>` lines."""
    lines = {}
    for line in stderr.splitlines():
        m = re.fullmatch(r"pier: config: ([^:]+): (.+)", line)
        if m:
            lines[m.group(1)] = m.group(2)
    return lines


def test_serve_refuses_invalid_config(tmp_path):
    config = tmp_path / "bad.yaml"
    data_dir = tmp_path / "never-created"
    config.write_text(
        "listen: no-port-here\n"
        f"data_dir: {data_dir}\n"
        "bogus_key: 1\n"
        "uploads:\n  expiry: soon\n"
        "limits:\n  manifest_max_bytes: lots\n"
        "log:\n  access_log: maybe\n")
    result = run_pier("serve", "--config", str(config))
    assert result.returncode == 2, result
    errors = config_lines(result.stderr)
    for key in ("listen", "bogus_key", "uploads.expiry", "limits.manifest_max_bytes",
                "log.access_log"):
        assert key in errors, f"{key} not named in:\n{result.stderr}"
    assert "soon" in errors["uploads.expiry"]
    assert "listening" not in result.stderr + result.stdout
    assert not data_dir.exists(), "the data dir was created for an invalid config"

    # The same file through `pier config check`.
    check = run_pier("config", "check", "--config", str(config))
    assert check.returncode == 2
    assert config_lines(check.stderr).keys() == errors.keys()
    assert "configuration is valid" not in check.stdout


def test_serve_with_unknown_key_does_not_bind(tmp_path):
    port = free_port()
    config = tmp_path / "bad.yaml"
    config.write_text("http:\n  read_timout: 5s\n")
    result = run_pier("serve", "--listen", f"127.0.0.1:{port}", "--data-dir",
                      str(tmp_path / "data"), "--config", str(config))
    assert result.returncode == 2
    assert "http.read_timout" in config_lines(result.stderr)
    assert not (tmp_path / "data").exists()
    with socket.socket() as s:  # the port is still free
        s.bind(("127.0.0.1", port))


def test_environment_variable_is_validated(tmp_path):
    result = run_pier("serve", "--listen", f"127.0.0.1:{free_port()}", "--data-dir",
                      str(tmp_path / "data"), env=clean_env(PIER_UPLOADS_EXPIRY="bogus"))
    assert result.returncode == 2
    errors = config_lines(result.stderr)
    assert "uploads.expiry" in errors, result.stderr
    assert "bogus" in errors["uploads.expiry"]
    assert not (tmp_path / "data").exists()

    # And a valid one is honoured: config check accepts it.
    ok = run_pier("config", "check", env=clean_env(PIER_UPLOADS_EXPIRY="15m"))
    assert ok.returncode == 0, ok.stderr


def test_config_check_accepts_valid_file(tmp_path):
    config = tmp_path / "good.yaml"
    config.write_text(
        "listen: 127.0.0.1:5999\n"
        f"data_dir: {tmp_path / 'data'}\n"
        "storage:\n  driver: filesystem\n"
        "metadata:\n  driver: sqlite\n"
        "uploads:\n  expiry: 24h\n  purge_interval: 15m\n"
        "limits:\n  manifest_max_bytes: 4MiB\n  header_max_bytes: 64KiB\n"
        "http:\n  read_timeout: 60s\n  idle_timeout: 2m\n  shutdown_timeout: 30s\n"
        "  io_threads: 2\n  blocking_threads: 8\n"
        "log:\n  level: warn\n  access_log: false\n")
    result = run_pier("config", "check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "configuration is valid" in result.stdout
    assert result.stderr == ""
    assert not (tmp_path / "data").exists()


def test_malformed_yaml_is_refused(tmp_path):
    config = tmp_path / "broken.yaml"
    config.write_text("uploads:\n  expiry: [2s\n  purge_interval: 1s\n")
    for args in (["config", "check"], ["serve", "--listen", f"127.0.0.1:{free_port()}",
                                        "--data-dir", str(tmp_path / "data")]):
        result = run_pier(*args, "--config", str(config))
        assert result.returncode == 2, result
        assert result.stderr.startswith("pier: config: "), result.stderr
        assert str(config) in result.stderr
    assert not (tmp_path / "data").exists()


def test_tls_certificate_without_key_is_refused(tmp_path):
    cert, _ = make_tls_certificate(tmp_path)
    config = tmp_path / "tls.yaml"
    config.write_text(f"tls:\n  certificate: {cert}\n")
    for args in (["config", "check"], ["serve", "--listen", f"127.0.0.1:{free_port()}",
                                        "--data-dir", str(tmp_path / "data")]):
        result = run_pier(*args, "--config", str(config))
        assert result.returncode == 2, result
        errors = config_lines(result.stderr)
        assert errors.keys() & {"tls.key", "tls.certificate"}, result.stderr
    assert not (tmp_path / "data").exists()


# ---------------------------------------------------------------- 7. limits and timeouts

def test_oversized_headers_get_431(tmp_path):
    reg = start_pier(tmp_path / "pier", config="limits:\n  header_max_bytes: 4KiB\n")
    try:
        resp = call(reg, "GET", "/v2/", headers={"X-Filler": "a" * 6000})
        assert resp.status_code == 431, resp.status_code
        resp = call(reg, "GET", "/v2/", headers={"X-Filler": "a" * 2000})
        assert_status(resp, 200)
        resp = call(reg, "GET", "/v2/")
        assert_status(resp, 200)
    finally:
        reg.stop()


def test_default_header_limit(pier):
    resp = call(pier, "GET", "/v2/", headers={"X-Filler": "a" * (70 * 1024)})
    assert resp.status_code == 431, resp.status_code
    resp = call(pier, "GET", "/v2/", headers={"X-Filler": "a" * (32 * 1024)})
    assert_status(resp, 200)


def test_manifest_size_limit(tmp_path):
    reg = start_pier(tmp_path / "pier", config="limits:\n  manifest_max_bytes: 2KiB\n")
    try:
        too_big = manifest_of_size(reg, REPO, 3 * 1024, "too-big")
        resp = put_manifest(reg, REPO, "too-big", too_big, OCI_MANIFEST)
        assert_error(resp, 413)
        assert not manifest_exists(reg, REPO, "too-big")
        assert not manifest_exists(reg, REPO, sha256(too_big))
        resp = call(reg, "GET", f"/v2/{REPO}/tags/list")
        assert resp.status_code == 404 or resp.json().get("tags") in (None, [])

        just_over = manifest_of_size(reg, REPO, 2 * 1024 + 1, "just-over")
        assert_error(put_manifest(reg, REPO, "just-over", just_over, OCI_MANIFEST), 413)
        assert not manifest_exists(reg, REPO, "just-over")

        at_limit = manifest_of_size(reg, REPO, 2 * 1024, "at-limit")
        push_manifest(reg, REPO, "at-limit", at_limit, OCI_MANIFEST)
        assert get_manifest(reg, REPO, "at-limit").content == at_limit
        resp = call(reg, "GET", f"/v2/{REPO}/tags/list")
        assert_status(resp, 200)
        assert resp.json()["tags"] == ["at-limit"]
    finally:
        reg.stop()


def test_manifest_size_limit_without_content_length(tmp_path):
    """A chunked-encoded manifest body is limited as it arrives."""
    reg = start_pier(tmp_path / "pier", config="limits:\n  manifest_max_bytes: 2KiB\n")
    try:
        body = manifest_of_size(reg, REPO, 3 * 1024, "chunked")
        sock = connect(reg)
        sock.sendall(request_head(reg, "PUT", f"/v2/{REPO}/manifests/chunked",
                                  {"Content-Type": OCI_MANIFEST, "Transfer-Encoding": "chunked"}))
        for i in range(0, len(body), 512):
            piece = body[i:i + 512]
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        status, _, _ = read_response(sock)
        assert status == 413
        sock.close()
        assert not manifest_exists(reg, REPO, "chunked")
        assert not manifest_exists(reg, REPO, sha256(body))
    finally:
        reg.stop()


def test_read_timeout_disconnects_stalled_body(tmp_path):
    reg = start_pier(tmp_path / "pier", config="http:\n  read_timeout: 2s\n")
    try:
        location = start_upload(reg, REPO)
        sock = connect(reg)
        sock.sendall(request_head(reg, "PATCH", request_target(location),
                                  {"Content-Type": OCTET_STREAM, "Content-Length": 1000}))
        sock.sendall(b"x" * 10)
        started = time.monotonic()
        # Others are served while that client stalls.
        assert_status(call(reg, "GET", "/v2/"), 200)
        elapsed = closed_by_peer(sock, 8)
        assert elapsed is not None, "stalled connection still open 8 s after its last byte"
        assert time.monotonic() - started >= 1.5, "closed before http.read_timeout"
        assert time.monotonic() - started < 6
        sock.close()
        assert_status(call(reg, "GET", "/v2/"), 200)
        # The upload session itself survives its abandoned PATCH.
        assert_status(call(reg, "GET", request_target(location)), 204)
        assert upload_file_size(reg.data_dir, location) in (0, 10)
    finally:
        reg.stop()


def test_timed_out_patch_releases_its_upload_session(tmp_path):
    """Once Pier has dropped a stalled PATCH's connection, the client may resume the
    upload at once; it must not be told that "another request is writing" to it. The
    window is narrow, so forty clients stall and retry at the same moment."""
    reg = start_pier(tmp_path / "pier", config="http:\n  read_timeout: 1s\n")
    try:
        stalled = []
        for _ in range(40):
            location = start_upload(reg, REPO)
            sock = connect(reg)
            sock.sendall(request_head(reg, "PATCH", request_target(location),
                                      {"Content-Type": OCTET_STREAM, "Content-Length": 1000}))
            stalled.append((sock, location))

        def retry(item):
            sock, location = item
            assert closed_by_peer(sock, 5) is not None, "stalled PATCH not disconnected"
            sock.close()
            resp = patch_chunk(reg, request_target(location), b"y" * 100)
            return resp.status_code, resp.text

        with ThreadPoolExecutor(len(stalled)) as pool:
            results = list(pool.map(retry, stalled))
        refused = [r for r in results if r[0] != 202]
        assert not refused, f"{len(refused)} of {len(results)} immediate retries refused: {refused[0]}"
    finally:
        reg.stop()


def test_read_timeout_disconnects_stalled_headers(tmp_path):
    """http.read_timeout is documented as the deadline for each read of a request's
    headers too: a client that sends half a header block and stalls (slowloris) must not
    hold its connection until http.idle_timeout (120 s by default)."""
    reg = start_pier(tmp_path / "pier", config="http:\n  read_timeout: 2s\n")
    try:
        sock = connect(reg)
        sock.sendall(f"GET /v2/ HTTP/1.1\r\nHost: {reg.host}\r\nX-Slow: ".encode())
        elapsed = closed_by_peer(sock, 5)
        assert elapsed is not None, \
            "connection with half-sent headers still open 5 s later (http.read_timeout: 2s)"
        assert_status(call(reg, "GET", "/v2/"), 200)
    finally:
        reg.stop()


# ---------------------------------------------------------------- 8. content-addressed storage

def test_blobs_deduplicated_on_disk(pier):
    data = layer_bytes("shared-layer", 100 * 1024)
    digest = push_blob(pier, "ops/first", data)
    assert push_blob(pier, "ops/second", data) == digest
    # A third time through a chunked upload into the first repository again.
    location = start_upload(pier, "ops/first")
    assert_status(patch_chunk(pier, location, data, start=0), 202)
    assert_status(call(pier, "PUT", with_query(location, digest=digest)), 201)

    files = blob_files(pier.data_dir)
    assert files == [blob_path(pier.data_dir, digest)], files
    assert files[0].read_bytes() == data
    assert upload_files(pier.data_dir) == []
    for repo in ("ops/first", "ops/second"):
        assert call(pier, "GET", f"/v2/{repo}/blobs/{digest}").content == data


def test_digest_mismatch_leaves_nothing_on_disk(pier):
    data = layer_bytes("mismatch", 50 * 1024)
    claimed = sha256(b"something else")

    location = start_upload(pier, REPO)
    assert_status(patch_chunk(pier, location, data, start=0), 202)
    assert upload_file_size(pier.data_dir, location) == len(data)
    resp = call(pier, "PUT", with_query(location, digest=claimed))
    assert_error(resp, 400, "DIGEST_INVALID")

    resp = call(pier, "POST", f"/v2/{REPO}/blobs/uploads/?digest={claimed}", data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_error(resp, 400, "DIGEST_INVALID")

    location = start_upload(pier, REPO)
    resp = call(pier, "PUT", with_query(location, digest=claimed), data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_error(resp, 400, "DIGEST_INVALID")

    assert blob_files(pier.data_dir) == []
    assert upload_files(pier.data_dir) == []
    assert not blob_exists(pier, REPO, sha256(data))
    assert not blob_exists(pier, REPO, claimed)
    assert metric(scrape(pier), "pier_upload_sessions_open") == 0


def test_small_blobs_live_in_the_database(tmp_path):
    """Blobs up to storage.inline_max_bytes (16 KiB by default) are kept with their metadata:
    no file under blobs/, read back whole, by range and by HEAD, after a restart too."""
    data_dir = tmp_path / "pier"
    reg = start_pier(data_dir)
    monolithic = b"\x00config\r\n\xff" + layer_bytes("inline-monolithic", 1000)
    session = layer_bytes("inline-session", 16 * 1024)          # exactly the limit
    chunked = layer_bytes("inline-chunked", 3000)
    large = layer_bytes("not-inline", 16 * 1024 + 1)
    try:
        resp = call(reg, "POST", f"/v2/{REPO}/blobs/uploads/?digest={sha256(monolithic)}", data=monolithic,
                    headers={"Content-Type": OCTET_STREAM})
        assert_status(resp, 201)
        assert resp.headers["Docker-Content-Digest"] == sha256(monolithic)
        assert push_blob(reg, REPO, session) == sha256(session)
        location = start_upload(reg, REPO)
        assert_status(patch_chunk(reg, location, chunked[:1000], start=0), 202)
        assert_status(patch_chunk(reg, location, chunked[1000:], start=1000), 202)
        assert_status(call(reg, "PUT", with_query(location, digest=sha256(chunked))), 201)
        assert push_blob(reg, REPO, large) == sha256(large)
        # Mounted into a second repository like any blob.
        resp = call(reg, "POST", f"/v2/ops/mounted/blobs/uploads/?mount={sha256(session)}&from={REPO}")
        assert_status(resp, 201)
        assert blob_files(data_dir) == [blob_path(data_dir, sha256(large))]
        assert upload_files(data_dir) == []
    finally:
        assert reg.stop() == 0, reg.log()

    reg = start_pier(data_dir)
    try:
        for data in (monolithic, session, chunked, large):
            got = call(reg, "GET", f"/v2/{REPO}/blobs/{sha256(data)}")
            assert_status(got, 200)
            assert got.content == data
            assert got.headers["Docker-Content-Digest"] == sha256(data)
        assert call(reg, "GET", f"/v2/ops/mounted/blobs/{sha256(session)}").content == session
        resp = call(reg, "GET", f"/v2/{REPO}/blobs/{sha256(monolithic)}", headers={"Range": "bytes=1-8"})
        assert_status(resp, 206)
        assert resp.content == monolithic[1:9]
        assert resp.headers["Content-Range"] == f"bytes 1-8/{len(monolithic)}"
        resp = call(reg, "HEAD", f"/v2/{REPO}/blobs/{sha256(chunked)}")
        assert_status(resp, 200)
        assert int(resp.headers["Content-Length"]) == len(chunked)
        assert resp.content == b""
    finally:
        reg.stop()


def test_small_monolithic_post_with_a_wrong_digest_stores_nothing(pier):
    data = layer_bytes("inline-mismatch", 500)
    claimed = sha256(b"other bytes")
    resp = call(pier, "POST", f"/v2/{REPO}/blobs/uploads/?digest={claimed}", data=data,
                headers={"Content-Type": OCTET_STREAM})
    assert_error(resp, 400, "DIGEST_INVALID")
    assert not blob_exists(pier, REPO, claimed)
    assert not blob_exists(pier, REPO, sha256(data))
    assert upload_files(pier.data_dir) == []


def test_inline_blobs_can_be_turned_off(tmp_path):
    reg = start_pier(tmp_path / "pier", config="storage:\n  inline_max_bytes: 0\n")
    try:
        data = layer_bytes("always-a-file", 100)
        resp = call(reg, "POST", f"/v2/{REPO}/blobs/uploads/?digest={sha256(data)}", data=data,
                    headers={"Content-Type": OCTET_STREAM})
        assert_status(resp, 201)
        assert blob_files(reg.data_dir) == [blob_path(reg.data_dir, sha256(data))]
        assert call(reg, "GET", f"/v2/{REPO}/blobs/{sha256(data)}").content == data
    finally:
        reg.stop()


# ---------------------------------------------------------------- 9. sendfile and ranges

def test_clients_hanging_up_mid_download_do_not_stop_pier(pier):
    """A client that asks for a large blob and closes before reading it: pier's next sendfile
    on that connection fails with EPIPE, which must end the connection, not the process."""
    data = os.urandom(8 * MIB)
    digest = push_blob(pier, REPO, data)
    for _ in range(10):
        sock = connect(pier)
        sock.sendall(request_head(pier, "GET", f"/v2/{REPO}/blobs/{digest}"))
        sock.close()  # nothing received yet: an orderly close, then resets for what pier sends
    time.sleep(0.5)
    assert pier.process.poll() is None, pier.log()
    got = call(pier, "GET", f"/v2/{REPO}/blobs/{digest}")
    assert_status(got, 200)
    assert got.content == data


def test_large_blob_download_and_ranges(pier):
    data = os.urandom(5 * MIB)
    digest = push_blob(pier, REPO, data)
    with requests.Session() as session:  # one kept-alive connection for every request
        get = lambda **kw: session.get(f"{pier.url}/v2/{REPO}/blobs/{digest}", timeout=15, **kw)
        resp = get()
        assert_status(resp, 200)
        assert int(resp.headers["Content-Length"]) == len(data)
        assert resp.content == data

        resp = get(headers={"Range": "bytes=1000-1999"})
        assert_status(resp, 206)
        assert resp.content == data[1000:2000]
        assert resp.headers["Content-Length"] == "1000"
        assert resp.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"

        start = 4 * MIB + 123
        resp = get(headers={"Range": f"bytes={start}-"})
        assert_status(resp, 206)
        assert resp.content == data[start:]
        assert resp.headers["Content-Range"] == f"bytes {start}-{len(data) - 1}/{len(data)}"

        resp = get()  # the connection is still in step after the partial responses
        assert_status(resp, 200)
        assert sha256(resp.content) == digest

        resp = session.head(f"{pier.url}/v2/{REPO}/blobs/{digest}", timeout=15)
        assert_status(resp, 200)
        assert int(resp.headers["Content-Length"]) == len(data)
        assert resp.content == b""
    assert blob_path(pier.data_dir, digest).read_bytes() == data


# ---------------------------------------------------------------- 10. migrate

def test_migrate(tmp_path):
    data_dir = tmp_path / "data"
    first = run_pier("migrate", "--data-dir", str(data_dir))
    assert first.returncode == 0, first.stderr
    m = re.search(r"schema at version (\d+)", first.stdout)
    assert m, first.stdout
    version = int(m.group(1))
    assert version >= 1
    assert (data_dir / "pier.db").is_file()

    second = run_pier("migrate", "--data-dir", str(data_dir))
    assert second.returncode == 0, second.stderr
    assert re.search(rf"schema at version {version}\b", second.stdout), second.stdout

    # A migrated data dir serves, keeps what it was given, and migrates again afterwards.
    reg = start_pier(data_dir)
    try:
        body, _ = push_oci_image(reg, REPO, "migrated", seed="migrate")
    finally:
        assert reg.stop() == 0
    third = run_pier("migrate", "--data-dir", str(data_dir))
    assert third.returncode == 0, third.stderr
    assert re.search(rf"schema at version {version}\b", third.stdout), third.stdout
    reg = start_pier(data_dir)
    try:
        assert get_manifest(reg, REPO, "migrated").content == body
    finally:
        reg.stop()


def test_request_cut_off_mid_body_is_counted_and_logged(tmp_path):
    """A request that never completes (the client stalls mid-body until http.read_timeout)
    still shows in the access log and the metrics, with status 499."""
    reg = start_pier(tmp_path / "pier", config="http:\n  read_timeout: 1s\n")
    try:
        location = call(reg, "POST", f"/v2/{REPO}/blobs/uploads/").headers["Location"]
        sock = connect(reg)
        sock.sendall(f"PATCH {location} HTTP/1.1\r\nHost: {reg.host}\r\nContent-Length: 1000\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + b"z" * 10)
        assert closed_by_peer(sock, 5) is not None, "stalled PATCH not disconnected"
        sock.close()
        samples = scrape(reg)
        assert requests_total(samples, "upload", "PATCH", 499) == 1
    finally:
        reg.stop()
    cut = [e for e in access_log_entries(reg) if e["method"] == "PATCH"]
    assert len(cut) == 1 and cut[0]["status"] == 499 and cut[0]["bytes_in"] == 10, cut
