#!/usr/bin/env python3
"""bench/scan.py: the vulnerability-scanning workload's client (bench/run.sh, run_scan).

Standard library only: one keep-alive http.client connection per thread (as bench/gc.py). Every
subcommand prints one JSON object on stdout; problems go to stderr (the first few failing requests).

  prepare --rootfs TGZ --count N --out DIR
      From a root filesystem packed as a gzip tar (a Debian 12 debootstrap), N distinct layers
      DIR/layer-<i>.tar.gz: each the whole tree behind a small file of its own (etc/pier-bench-id),
      compressed again (zlib level 6, as gzip's default), so that every layer has a digest of its
      own and is read in full. Also DIR/status (the tree's var/lib/dpkg/status, for `inventories`),
      and one core's gunzip rate of the first layer (zlib, the reference for the scan's MB/s).
  token --url U --user NAME --password PW
      An API token (scope super:user, one day) made with Basic credentials: Basic costs an Argon2
      hash per request, the polling below uses the token.
  layers --url U --token T --dir DIR --count N [--prefix P]
      Pushes DIR/layer-<i>.tar.gz, one image each (P/rootfs<i>:latest): every image's blobs first
      (monolithic POST ?digest=; a blob starts no scan), then the N manifests one after another,
      while a second thread polls each image's report until it says "scanned". Layers/s and MB/s
      (compressed, uncompressed) from the wall time between the first manifest push's completion
      and the last report seen scanned;
      the layer reads (pier_scan_layer_reads) during the run must be N, the packages found > 50.
  inventories --url U --token T --status FILE --images M [--clients C] [--records R] [--prefix P]
      M small images (C clients, M/100 per repository P/rNN:iNNNNN), each one unique gzip layer
      of etc/os-release (Debian 12) and a var/lib/dpkg/status of 20 packages drawn from FILE's;
      waits until every report says "scanned" (scans/s). Then imports an OSV feed of R records
      (Debian:12, by source package: about a third of them affecting an installed version, the
      rest fixed below it or naming packages none of the images has) and times the rescan: from
      the import's answer until the job list shows the rescan job the import enqueued completed
      (GET /api/v1/jobs?kind=rescan, polled every 20 ms), with the job's own attempted_at and
      finished_at (whole seconds). Afterwards every report is read and compared with the
      findings the feed must give it (the set of record ids), and pier_scan_layer_reads must not
      have moved during the rescan.
"""
import argparse
import gzip
import io
import json
import os
import random
import re
import sys
import tarfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
DEBIAN_OS_RELEASE = (b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
                     b'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
                     b'HOME_URL="https://www.debian.org/"\n')
HIGH_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
MEDIUM_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
SMALL_PACKAGES = 20

from bench_client import Client, client, cmd_token, complain, sha256, upload


def push_blobs(c, repo, layer, diff_id, label):
    """The blobs of an image of one gzip layer; returns its manifest (not pushed: a scan starts then)."""
    layer_digest, _ = upload(c, repo, layer)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": {"bench": label}},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    config_digest, _ = upload(c, repo, config)
    return json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": layer_digest, "size": len(layer)}],
    }, separators=(",", ":")).encode()


def push_manifest(c, repo, tag, body):
    status, _, text = c.request("PUT", f"/v2/{repo}/manifests/{tag}", body, {"Content-Type": OCI_MANIFEST})
    if status != 201:
        raise RuntimeError(f"PUT manifest {repo}:{tag} -> {status} {text[:200]!r}")
    return sha256(body)


def push_image(c, repo, tag, layer, diff_id, label):
    """One image of one gzip layer; returns the manifest's digest."""
    return push_manifest(c, repo, tag, push_blobs(c, repo, layer, diff_id, label))


def report_path(repo, digest):
    return f"/api/v1/repositories/{repo}/manifests/{digest}/vulnerabilities"


def metric(c, name):
    status, _, body = c.request("GET", "/metrics")
    if status != 200:
        raise RuntimeError(f"GET /metrics -> {status}")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise RuntimeError(f"/metrics has no {name}")


# ---------------------------------------------------------------- prepare

def tar_entry(name, data):
    """One regular file as tar bytes, without the end-of-archive blocks: to go before another tar."""
    buf = io.BytesIO()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
    buf.write(info.tobuf(format=tarfile.GNU_FORMAT))
    buf.write(data + b"\0" * (-len(data) % 512))
    return buf.getvalue()


def cmd_prepare(a):
    started = time.monotonic()
    with open(a.rootfs, "rb") as f:
        packed = f.read()
    tree = gzip.decompress(packed)
    status = None
    names = set()
    with tarfile.open(fileobj=io.BytesIO(tree), mode="r:") as tar:
        for member in tar:
            name = member.name.removeprefix("./")
            names.add(name)
            if name == "var/lib/dpkg/status" and member.isfile():
                status = tar.extractfile(member).read()
    missing = [n for n in ("var/lib/dpkg/status", "etc/os-release") if n not in names]
    if missing or status is None:
        complain(f"{a.rootfs} has no {', '.join(missing) or 'var/lib/dpkg/status'}")
        return 1
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "status"), "wb") as f:
        f.write(status)
    nonce = os.urandom(8).hex()
    sizes = []
    for i in range(a.count):
        layer_tar = tar_entry("etc/pier-bench-id", f"{nonce} {i}\n".encode()) + tree
        c = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip wrapper
        layer = c.compress(layer_tar) + c.flush()
        with open(os.path.join(a.out, f"layer-{i}.tar.gz"), "wb") as f:
            f.write(layer)
        with open(os.path.join(a.out, f"layer-{i}.json"), "w") as f:
            json.dump({"diff_id": sha256(layer_tar), "uncompressed_bytes": len(layer_tar)}, f)
        sizes.append(len(layer))
    prepared = time.monotonic() - started
    with open(os.path.join(a.out, "layer-0.tar.gz"), "rb") as f:
        first = f.read()
    gunzip_s = None
    for _ in range(3):  # the best of three: the machine is shared
        t = time.monotonic()
        gzip.decompress(first)
        gunzip_s = min(gunzip_s or 1e9, time.monotonic() - t)
    print(json.dumps({"layers": a.count, "compressed_bytes": sizes, "uncompressed_bytes": len(tree) + 1024,
                      "rootfs_bytes": len(packed), "files": len(names), "seconds": round(prepared, 2),
                      "gunzip_mb_per_s": round(len(tree) / gunzip_s / 1e6, 1)}))
    return 0


# ---------------------------------------------------------------- token

# ---------------------------------------------------------------- layers

def cmd_layers(a):
    auth = "Bearer " + a.token
    c = Client(a.url, auth)
    reads0, scans0 = metric(c, "pier_scan_layer_reads"), metric(c, "pier_scans")
    pushed = {}            # i -> (repo, digest, monotonic time the push completed)
    scanned = {}           # i -> (monotonic time seen scanned, report)
    lock = threading.Lock()
    done = threading.Event()
    failures = []

    def poll():
        p = Client(a.url, auth)
        while not done.is_set():
            with lock:
                pending = [(i, v) for i, v in pushed.items() if i not in scanned]
            for i, (repo, digest, _) in pending:
                try:
                    report = p.get_json(report_path(repo, digest))
                except Exception as e:
                    complain(str(e))
                    continue
                if report.get("status") in ("scanned", "failed"):
                    with lock:
                        scanned[i] = (time.monotonic(), report)
            with lock:
                if len(scanned) == a.count:
                    return
            time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    compressed = uncompressed = 0
    blob_seconds = []
    manifests = []
    try:
        # The blobs first (a blob alone starts no scan), then the manifests one after another:
        # the scans then start within milliseconds of each other, and the time measured is
        # theirs, not the uploads'.
        for i in range(a.count):
            with open(os.path.join(a.dir, f"layer-{i}.tar.gz"), "rb") as f:
                layer = f.read()
            with open(os.path.join(a.dir, f"layer-{i}.json")) as f:
                meta = json.load(f)
            compressed += len(layer)
            uncompressed += meta["uncompressed_bytes"]
            repo = f"{a.prefix}/rootfs{i}"
            t = time.monotonic()
            manifests.append((repo, push_blobs(c, repo, layer, meta["diff_id"], f"rootfs-{i}")))
            blob_seconds.append(round(time.monotonic() - t, 3))
            del layer
        push_started = time.monotonic()
        for i, (repo, body) in enumerate(manifests):
            digest = push_manifest(c, repo, "latest", body)
            with lock:
                pushed[i] = (repo, digest, time.monotonic())
    except Exception as e:
        failures.append(str(e))
        complain(f"push: {e}")
        done.set()
    poller.join(timeout=a.timeout)
    done.set()
    if len(scanned) < a.count:
        failures.append(f"{a.count - len(scanned)} of {a.count} images not scanned after {a.timeout} s")
    reads, scans = metric(c, "pier_scan_layer_reads") - reads0, metric(c, "pier_scans") - scans0
    out = {"images": a.count, "compressed_bytes": compressed, "uncompressed_bytes": uncompressed,
           "blob_push_seconds": blob_seconds, "layer_reads": int(reads), "scans": int(scans)}
    if scanned and pushed:
        first_push = min(v[2] for v in pushed.values())
        last_scan = max(v[0] for v in scanned.values())
        wall = last_scan - first_push
        reports = [scanned[i][1] for i in sorted(scanned)]
        packages = [r.get("packages") for r in reports]
        out.update({
            "seconds": round(wall, 3),
            "layers_per_s": round(len(scanned) / wall, 3),
            "compressed_mb_per_s": round(compressed / wall / 1e6, 1),
            "uncompressed_mb_per_s": round(uncompressed / wall / 1e6, 1),
            "manifests_push_seconds": round(max(v[2] for v in pushed.values()) - push_started, 3),
            # Each image: from its push's completion until its report was seen scanned.
            "latency_s": [round(scanned[i][0] - pushed[i][2], 3) for i in sorted(scanned) if i in pushed],
            "packages": min(p or 0 for p in packages), "packages_max": max(p or 0 for p in packages),
            "os": sorted({str(r.get("os")) for r in reports}),
            "statuses": sorted({r.get("status") for r in reports}),
            "errors_in_reports": [r.get("error") for r in reports if r.get("error")][:3],
        })
        if out["statuses"] != ["scanned"]:
            failures.append(f"reports say {out['statuses']}: {out['errors_in_reports']}")
        if out["packages"] <= 50:
            failures.append(f"only {out['packages']} packages found in a Debian root filesystem")
    if int(reads) != a.count:
        failures.append(f"{int(reads)} layer reads, not {a.count}")
    out["failures"] = failures
    out["errors"] = len(failures)
    print(json.dumps(out))
    return 1 if failures else 0


# ---------------------------------------------------------------- inventories and the rescan

def parse_status(text):
    """(package, version, source, source_version) of each installed stanza of a dpkg status."""
    out = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        for line in stanza.splitlines():
            if line and not line[0].isspace() and ":" in line:
                k, _, v = line.partition(":")
                fields[k.strip()] = v.strip()
        if "Package" not in fields or not fields.get("Status", "").endswith(" installed"):
            continue
        version = fields["Version"]
        source, source_version = fields["Package"], version
        if "Source" in fields:
            m = re.match(r"(\S+)(?:\s+\((\S+)\))?", fields["Source"])
            source = m.group(1)
            source_version = m.group(2) or version
        out.append((fields["Package"], version, source, source_version))
    return out


def stanza(package, version, source, source_version):
    lines = [f"Package: {package}", "Status: install ok installed", "Priority: optional", "Section: misc",
             "Installed-Size: 100", "Maintainer: Pier Bench <bench@example.org>", "Architecture: amd64"]
    if source != package or source_version != version:
        lines.append(f"Source: {source}" + (f" ({source_version})" if source_version != version else ""))
    lines += [f"Version: {version}", f"Description: {package}", " made into a small image by bench/scan.py"]
    return "\n".join(lines) + "\n"


def small_layer(packages, ident):
    files = {"etc/os-release": DEBIAN_OS_RELEASE, "etc/pier-bench-id": ident.encode(),
             "var/lib/dpkg/status": "\n".join(stanza(*p) for p in packages).encode()}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in ("etc/", "var/", "var/lib/", "var/lib/dpkg/"):
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1_700_000_000
            tar.addfile(info)
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return gzip.compress(raw, compresslevel=6, mtime=0), sha256(raw)


def osv_feed(pool, records, seed=1):
    """`records` OSV records over the pool's source packages; returns (feed, {source: ids affecting it})."""
    rng = random.Random(seed)
    sources = {}
    for _, _, source, source_version in pool:
        sources.setdefault(source, source_version)
    names = sorted(sources)
    feed, affecting = [], {}
    for k in range(records):
        kind = k % 3
        if kind == 2 and k % 6 == 5:
            name, events = f"not-installed-{k}", [{"introduced": "0"}, {"fixed": "1.0-1"}]
        else:
            name = names[rng.randrange(len(names))]
            if kind == 0:   # fixed above what is installed: affected
                events = [{"introduced": "0"}, {"fixed": sources[name] + "+bench1"}]
                affecting.setdefault(name, set()).add(f"DSA-{9000 + k}-1")
            else:           # fixed in a version below it: not affected
                events = [{"introduced": "0"}, {"fixed": "0~bench1"}]
        record = {"schema_version": "1.6.0", "id": f"DSA-{9000 + k}-1", "modified": "2026-01-02T03:04:05Z",
                  "published": "2026-01-01T00:00:00Z", "aliases": [f"CVE-2099-{10000 + k}"],
                  "summary": f"made up by bench/scan.py ({name})",
                  "affected": [{"package": {"ecosystem": "Debian:12", "name": name},
                                "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
                  "severity": [{"type": "CVSS_V3", "score": HIGH_VECTOR if k % 2 else MEDIUM_VECTOR}]}
        feed.append(record)
    return feed, affecting


def cmd_inventories(a):
    auth = "Bearer " + a.token
    c = Client(a.url, auth)
    with open(a.status, encoding="utf-8", errors="replace") as f:
        pool = parse_status(f.read())
    if len(pool) < SMALL_PACKAGES:
        complain(f"{a.status} lists {len(pool)} packages, fewer than {SMALL_PACKAGES}")
        return 1
    nonce = os.urandom(8).hex()
    per_repo = max(1, a.images // 100)
    images = [None] * a.images   # (repo, digest, packages)
    errors = [0]
    lock = threading.Lock()

    def push(i):
        packages = random.Random(i).sample(pool, SMALL_PACKAGES)
        repo, tag = f"{a.prefix}/r{i // per_repo:02d}", f"i{i:05d}"
        try:
            layer, diff_id = small_layer(packages, f"{nonce} {i}\n")
            digest = push_image(client(a.url), repo, tag, layer, diff_id, f"{nonce}-{i}")
            images[i] = (repo, digest, packages)
        except Exception as e:
            with lock:
                errors[0] += 1
            complain(f"{repo}:{tag}: {e}")

    reads0 = metric(c, "pier_scan_layer_reads")
    started = time.monotonic()
    with ThreadPoolExecutor(a.clients) as pool_:
        list(pool_.map(push, range(a.images)))
    pushed_at = time.monotonic()
    pushed = [x for x in images if x]

    # Until every report says scanned: the pending ones in push order (scans are taken about
    # in that order), a round stopping at the first still queued.
    pending = list(range(len(pushed)))
    statuses = {}
    deadline = time.monotonic() + a.timeout
    while pending and time.monotonic() < deadline:
        still = []
        for n, k in enumerate(pending):
            repo, digest, _ = pushed[k]
            try:
                status = c.get_json(report_path(repo, digest)).get("status")
            except Exception as e:
                complain(str(e))
                status = None
            if status in ("scanned", "failed"):
                statuses[k] = status
                continue
            still = [k] + pending[n + 1:]
            break
        pending = still
        if pending:
            time.sleep(0.1)
    scanned_at = time.monotonic()
    reads_scanned = metric(c, "pier_scan_layer_reads")
    out = {"images": a.images, "clients": a.clients, "push_errors": errors[0],
           "push_seconds": round(pushed_at - started, 3),
           "push_images_per_s": round(len(pushed) / (pushed_at - started), 1),
           "scan_seconds": round(scanned_at - started, 3),
           "scans_per_s": round(len(statuses) / (scanned_at - started), 1),
           "scan_backlog_seconds": round(scanned_at - pushed_at, 3),
           "not_scanned": len(pending), "failed_scans": sum(1 for s in statuses.values() if s == "failed"),
           "layer_reads_scans": int(reads_scanned - reads0)}
    failures = []
    if errors[0] or pending or out["failed_scans"]:
        failures.append(f"{errors[0]} push errors, {len(pending)} not scanned, {out['failed_scans']} failed")

    # The import and the rescan.
    feed, affecting = osv_feed(pool, a.records)
    jobs_before = {j["id"] for j in c.get_json("/api/v1/jobs?kind=rescan&limit=1000")["jobs"]}
    body = json.dumps(feed).encode()
    t0 = time.monotonic()
    status, _, text = c.request("POST", "/api/v1/vulnerabilities/import", body, {"Content-Type": "application/json"})
    imported_at = time.monotonic()
    out.update({"records": len(feed), "feed_bytes": len(body), "import_seconds": round(imported_at - t0, 3)})
    job = None
    if status != 200:
        failures.append(f"POST /api/v1/vulnerabilities/import -> {status} {text[:300]!r}")
    else:
        answer = json.loads(text)
        out["generation"] = answer.get("generation")
        deadline = time.monotonic() + a.timeout
        while time.monotonic() < deadline:
            jobs = [j for j in c.get_json("/api/v1/jobs?kind=rescan&limit=100")["jobs"] if j["id"] not in jobs_before]
            if jobs and all(j["state"] in ("completed", "discarded") for j in jobs):
                job = max(jobs, key=lambda j: j["id"])
                break
            time.sleep(0.02)
        done_at = time.monotonic()
        reads_after = metric(c, "pier_scan_layer_reads")
        out["layer_reads_rescan"] = int(reads_after - reads_scanned)
        if job is None:
            failures.append(f"no completed rescan job after {a.timeout} s")
        else:
            out.update({
                "rescan_seconds": round(done_at - imported_at, 3),
                "rescan_inventories_per_s": round(len(pushed) / (done_at - imported_at), 1),
                "import_to_rescanned_seconds": round(done_at - t0, 3),
                "job": {k: job.get(k) for k in ("id", "state", "attempt", "attempted_at", "finished_at", "last_error")},
                "job_seconds": (job["finished_at"] - job["attempted_at"]
                                if job.get("finished_at") is not None and job.get("attempted_at") is not None else None),
                "database": c.get_json("/api/v1/vulnerabilities"),
            })
            if job["state"] != "completed":
                failures.append(f"the rescan job {job['id']} is {job['state']}: {job.get('last_error')}")
        if out["layer_reads_rescan"] != 0:
            failures.append(f"{out['layer_reads_rescan']} layers read during the rescan")

        # Every report against the findings the feed must give it (untimed).
        mismatched, findings = [0], [0]

        def verify(item):
            repo, digest, packages = item
            want = set()
            for _, _, source, _ in packages:
                want |= affecting.get(source, set())
            try:
                report = client(a.url, auth).get_json(report_path(repo, digest))
                got = {v["id"] for v in report.get("vulnerabilities") or []}
            except Exception as e:
                complain(str(e))
                got = None
            with lock:
                if got != want:
                    if mismatched[0] < 3:
                        complain(f"{repo}@{digest}: findings {sorted(got or [])[:5]}, expected {sorted(want)[:5]}")
                    mismatched[0] += 1
                findings[0] += len(want)

        t = time.monotonic()
        with ThreadPoolExecutor(a.clients) as pool_:
            list(pool_.map(verify, pushed))
        out.update({"verified": len(pushed), "verify_seconds": round(time.monotonic() - t, 3),
                    "mismatched_reports": mismatched[0], "expected_findings": findings[0],
                    "images_with_findings": sum(1 for _, _, ps in pushed if any(p[2] in affecting for p in ps))})
        if mismatched[0]:
            failures.append(f"{mismatched[0]} reports do not show the findings the feed gives them")
    out["failures"] = failures
    out["errors"] = len(failures)
    print(json.dumps(out))
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("prepare")
    s.add_argument("--rootfs", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--out", required=True)
    s = sub.add_parser("token")
    s.add_argument("--url", required=True)
    s.add_argument("--user", required=True)
    s.add_argument("--password", required=True)
    s = sub.add_parser("layers")
    s.add_argument("--url", required=True)
    s.add_argument("--token", required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--prefix", default="scan")
    s.add_argument("--timeout", type=float, default=1800)
    s = sub.add_parser("inventories")
    s.add_argument("--url", required=True)
    s.add_argument("--token", required=True)
    s.add_argument("--status", required=True)
    s.add_argument("--images", type=int, required=True)
    s.add_argument("--clients", type=int, default=16)
    s.add_argument("--records", type=int, default=300)
    s.add_argument("--prefix", default="scan/small")
    s.add_argument("--timeout", type=float, default=3600)
    a = p.parse_args()
    return {"prepare": cmd_prepare, "token": cmd_token, "layers": cmd_layers, "inventories": cmd_inventories}[a.command](a)


if __name__ == "__main__":
    sys.exit(main())
