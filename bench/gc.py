#!/usr/bin/env python3
"""bench/gc.py: the garbage-collection workload's client (bench/run.sh, run_gc).

Standard library only: one keep-alive http.client connection per thread. Every subcommand
prints one JSON object on stdout; problems go to stderr (the first few failing requests).

  populate --url U --prefix P --repos R --per-repo N [--first-repo F] [--clients C]
      R repositories P/rNNNN, N images each (tags iNNNNN): each image a unique JSON config, a
      unique 4 KiB layer and, for every other image, a second 4 KiB layer shared by all the
      images of its repository (pushed once, with the repository's first image). Blobs go up
      with a monolithic POST ?digest=, the manifest with PUT by tag.
  garbage --url U --prefix P --fraction F [--untag-share S] [--clients C]
      Makes garbage of F of the tagged manifests in the repositories under P/: in each
      repository, every (1/F)th tag in name order; of those, the share S is untagged (DELETE
      of the tag: the manifest stays, untagged, for the collector to find) and the rest
      deleted by digest (HEAD for the digest, then DELETE: the manifest goes at once and its
      blobs are left for the collector).
  token --url U --user NAME --password PW
      An API token (scope super:user, one day) made with Basic credentials; the collections use
      it as a Bearer token: Basic credentials cost an Argon2 hash (19 MiB) per request, which
      would be counted in the collection's memory.
  collect --url U --token T [--pid PID]
      One POST /api/v1/gc {"dry_run": false}: its answer, the wall time, and the server's
      memory: VmHWM reset to the current RSS just before (/proc/PID/clear_refs, 5), VmRSS and
      RssAnon sampled every 10 ms while it runs, VmHWM after.
  loop --url U --token T --stop FILE [--started FILE]
      Collections back to back until FILE exists; the last one is finished, not cut short.
      Writes --started when the first collection has been sent.
  syscalls FILE --blobs DIR
      From `strace -f -e trace=getdents64,openat,unlink,unlinkat,rmdir -o FILE` of the server
      during one collection: the directory reads (getdents64), the directories opened, and the
      files removed, under the blob store's folder DIR and in all.
  rounds --without JSON... --with JSON...   (the push runs of each condition, in order)
      The medians of images_per_s of each and their ratio, with every run's figures.
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
LAYER_SIZE = 4096

from bench_client import Client, client, cmd_token, complain, upload




def manifest(config_digest, config_size, layers):
    return json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": OCI_LAYER, "digest": d, "size": LAYER_SIZE} for d in layers],
    }, separators=(",", ":")).encode()


def cmd_populate(a):
    nonce = os.urandom(8).hex()
    errors = 0
    requests_made = 0
    lock = threading.Lock()

    def push_repo(r):
        nonlocal errors, requests_made
        c = client(a.url)
        repo = f"{a.prefix}/r{r:04d}"
        shared = f"shared {repo} {nonce} ".encode().ljust(LAYER_SIZE, b"s")
        made = 0
        failed = 0
        try:
            shared_digest, n = upload(c, repo, shared)
            made += n
        except Exception as e:  # the repository's images then fail one by one
            complain(f"{repo}: shared layer: {e}")
            shared_digest = None
        for i in range(a.per_repo):
            try:
                layer = (f"{repo} {i} {nonce} ".encode() + os.urandom(LAYER_SIZE))[:LAYER_SIZE]
                layer_digest, n = upload(c, repo, layer)
                made += n
                config = json.dumps({"architecture": "amd64", "os": "linux",
                                     "config": {"Labels": {"bench": f"{nonce}-{r}-{i}"}},
                                     "rootfs": {"type": "layers", "diff_ids": [layer_digest]}}).encode()
                config_digest, n = upload(c, repo, config)
                made += n
                layers = [layer_digest] + ([shared_digest] if i % 2 == 0 else [])
                body = manifest(config_digest, len(config), layers)
                status, _, text = c.request("PUT", f"/v2/{repo}/manifests/i{i:05d}", body,
                                            {"Content-Type": OCI_MANIFEST})
                made += 1
                if status != 201:
                    raise RuntimeError(f"PUT manifest {repo}:i{i:05d} -> {status} {text[:200]!r}")
            except Exception as e:
                failed += 1
                complain(str(e))
        with lock:
            errors += failed
            requests_made += made

    start = time.monotonic()
    with ThreadPoolExecutor(a.clients) as pool:
        list(pool.map(push_repo, range(a.first_repo, a.first_repo + a.repos)))
    seconds = time.monotonic() - start
    images = a.repos * a.per_repo
    print(json.dumps({"images": images, "repos": a.repos, "clients": a.clients, "seconds": round(seconds, 3),
                      "images_per_s": round((images - errors) / seconds, 1), "requests": requests_made,
                      "errors": errors}))
    return 1 if errors else 0


def list_all(c, path, key):
    """Every entry of a paginated listing (catalog or tag list), following Link: rel="next"."""
    out = []
    while path:
        status, headers, body = c.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status} {body[:200]!r}")
        out += json.loads(body).get(key) or []
        link = headers.get("Link") or ""
        path = link[link.index("<") + 1:link.index(">")] if 'rel="next"' in link else None
    return out


def cmd_garbage(a):
    start = time.monotonic()
    c = client(a.url)
    repos = [r for r in list_all(c, "/v2/_catalog?n=1000", "repositories") if r.startswith(a.prefix + "/")]
    step = max(1, round(1 / a.fraction))
    counts = {"by_digest": 0, "untagged": 0, "errors": 0, "tags_before": 0}
    lock = threading.Lock()

    def garbage_in(repo):
        c = client(a.url)
        got = {"by_digest": 0, "untagged": 0, "errors": 0, "tags_before": 0}
        try:
            tags = sorted(list_all(c, f"/v2/{repo}/tags/list?n=1000", "tags"))
        except Exception as e:
            complain(f"{repo}: {e}")
            got["errors"] += 1
            tags = []
        got["tags_before"] = len(tags)
        picked = tags[::step]
        untag_every = round(1 / a.untag_share) if a.untag_share > 0 else 0
        for k, tag in enumerate(picked):
            try:
                if untag_every and k % untag_every == 0:
                    status, _, body = c.request("DELETE", f"/v2/{repo}/manifests/{tag}")
                    if status != 202:
                        raise RuntimeError(f"DELETE {repo}:{tag} -> {status} {body[:200]!r}")
                    got["untagged"] += 1
                    continue
                status, headers, body = c.request("HEAD", f"/v2/{repo}/manifests/{tag}", headers={"Accept": OCI_MANIFEST})
                if status != 200:
                    raise RuntimeError(f"HEAD {repo}:{tag} -> {status}")
                digest = headers["Docker-Content-Digest"]
                status, _, body = c.request("DELETE", f"/v2/{repo}/manifests/{digest}")
                if status != 202:
                    raise RuntimeError(f"DELETE {repo}@{digest} -> {status} {body[:200]!r}")
                got["by_digest"] += 1
            except Exception as e:
                got["errors"] += 1
                complain(str(e))
        with lock:
            for k, v in got.items():
                counts[k] += v

    with ThreadPoolExecutor(a.clients) as pool:
        list(pool.map(garbage_in, repos))
    seconds = time.monotonic() - start
    print(json.dumps({"repos": len(repos), "manifests": counts["by_digest"] + counts["untagged"], **counts,
                      "seconds": round(seconds, 3)}))
    return 1 if counts["errors"] else 0


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run_gc(c):
    started = time.monotonic()
    status, _, body = c.request("POST", "/api/v1/gc", json.dumps({"dry_run": False}).encode(),
                                {"Content-Type": "application/json"}, timeout=3600)
    wall = time.monotonic() - started
    if status != 200:
        raise RuntimeError(f"POST /api/v1/gc -> {status} {body[:300]!r}")
    report = json.loads(body)
    report["wall_s"] = round(wall, 4)
    return report


def cmd_collect(a):
    c = Client(a.url, "Bearer " + a.token)
    pid = a.pid
    out = {}
    if pid:
        out["rss_before_kib"] = status_kib(pid, "VmRSS")
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")  # VmHWM back to the current RSS: the peak after is this collection's
            out["hwm_reset"] = True
        except OSError:
            out["hwm_reset"] = False
        out["rss_anon_before_kib"] = status_kib(pid, "RssAnon")
    peak = [out.get("rss_before_kib") or 0, out.get("rss_anon_before_kib") or 0]
    done = threading.Event()

    def sample():
        # VmRSS counts the database's pages the server maps (RssFile) as well as its own
        # memory (RssAnon); the highest sample of each.
        while not done.wait(0.01):
            for i, key in enumerate(("VmRSS", "RssAnon")):
                v = status_kib(pid, key)
                if v and v > peak[i]:
                    peak[i] = v

    sampler = threading.Thread(target=sample, daemon=True) if pid else None
    if sampler:
        sampler.start()
    try:
        report = run_gc(c)
    except Exception as e:
        complain(str(e))
        print(json.dumps({"failed": True, "error": str(e)}))
        return 1
    finally:
        done.set()
    if sampler:
        sampler.join()
        out["rss_max_sampled_kib"] = peak[0]
        out["rss_anon_max_sampled_kib"] = peak[1]
        out["hwm_after_kib"] = status_kib(pid, "VmHWM")
        out["rss_after_kib"] = status_kib(pid, "VmRSS")
    try:  # the server's own gauge, beside its answer
        status, _, body = c.request("GET", "/metrics")
        for line in body.decode().splitlines():
            if line.startswith("pier_gc_last_run_seconds "):
                out["metric_last_run_seconds"] = float(line.split()[1])
    except Exception as e:
        complain(f"GET /metrics: {e}")
    print(json.dumps({**report, **out}))
    return 0


def cmd_loop(a):
    c = Client(a.url, "Bearer " + a.token)
    runs, failures = [], 0
    started = time.monotonic()
    while not os.path.exists(a.stop):
        if a.started and not runs and not failures:
            threading.Timer(0.05, lambda: open(a.started, "w").close()).start()
        try:
            runs.append(run_gc(c))
        except Exception as e:
            failures += 1
            complain(str(e))
            time.sleep(0.1)
    total = lambda k: sum(r.get(k) or 0 for r in runs)
    print(json.dumps({"runs": len(runs), "failures": failures, "seconds": round(time.monotonic() - started, 3),
                      "gc_seconds": round(total("seconds"), 3), "manifests_deleted": total("manifests_deleted"),
                      "links_deleted": total("links_deleted"), "blobs_deleted": total("blobs_deleted"),
                      "run_seconds": [round(r.get("seconds") or 0, 3) for r in runs]}))
    return 1 if failures else 0


def cmd_syscalls(a):
    counts = {"getdents64": 0, "directories_opened": 0, "directories_opened_under_blobs": 0,
              "unlinks": 0, "unlinks_under_blobs": 0, "rmdirs": 0}
    for line in open(a.file, errors="replace"):
        if "resumed>" in line:  # the second half of a call counted at its "<unfinished ...>"
            continue
        if "getdents64(" in line:
            counts["getdents64"] += 1
        elif "openat(" in line and "O_DIRECTORY" in line:
            counts["directories_opened"] += 1
            counts["directories_opened_under_blobs"] += a.blobs in line
        elif "unlink(" in line or "unlinkat(" in line:
            counts["unlinks"] += 1
            counts["unlinks_under_blobs"] += a.blobs in line
        elif "rmdir(" in line:
            counts["rmdirs"] += 1
    print(json.dumps(counts))
    return 0


def cmd_rounds(a):
    def parse(items):
        return [json.loads(x) for x in items if x.startswith("{")]

    without, with_gc = parse(a.without), parse(a.with_gc)
    rate = lambda runs: [r.get("images_per_s") for r in runs if not r.get("failed")]
    med = lambda xs: statistics.median(xs) if xs else None
    w0, w1 = med(rate(without)), med(rate(with_gc))
    pairs = [b / a_ for a_, b in zip(rate(without), rate(with_gc)) if a_ and b]
    print(json.dumps({"without_images_per_s": w0, "with_images_per_s": w1,
                      "ratio": (w1 / w0) if w0 and w1 else None,
                      "without_runs": rate(without), "with_runs": rate(with_gc), "pair_ratios": pairs,
                      "without_server_cpu_s": [r.get("server_cpu_s") for r in without],
                      "with_server_cpu_s": [r.get("server_cpu_s") for r in with_gc],
                      "without_seconds": [r.get("seconds") for r in without],
                      "with_seconds": [r.get("seconds") for r in with_gc],
                      "errors_without": sum(r.get("errors") or 0 for r in without),
                      "errors_with": sum(r.get("errors") or 0 for r in with_gc),
                      "runs": len(pairs)}))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("populate")
    s.add_argument("--url", required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--repos", type=int, required=True)
    s.add_argument("--per-repo", type=int, required=True)
    s.add_argument("--first-repo", type=int, default=0)
    s.add_argument("--clients", type=int, default=8)
    s = sub.add_parser("garbage")
    s.add_argument("--url", required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--fraction", type=float, required=True)
    s.add_argument("--untag-share", type=float, default=0.5)
    s.add_argument("--clients", type=int, default=8)
    s = sub.add_parser("token")
    s.add_argument("--url", required=True)
    s.add_argument("--user", required=True)
    s.add_argument("--password", required=True)
    for name in ("collect", "loop"):
        s = sub.add_parser(name)
        s.add_argument("--url", required=True)
        s.add_argument("--token", required=True)
        if name == "collect":
            s.add_argument("--pid", type=int)
        else:
            s.add_argument("--stop", required=True)
            s.add_argument("--started")
    s = sub.add_parser("syscalls")
    s.add_argument("file")
    s.add_argument("--blobs", required=True)
    s = sub.add_parser("rounds")
    s.add_argument("--without", nargs="*", default=[])
    s.add_argument("--with", dest="with_gc", nargs="*", default=[])
    a = p.parse_args()
    return {"token": cmd_token, "populate": cmd_populate, "garbage": cmd_garbage, "collect": cmd_collect, "loop": cmd_loop, "syscalls": cmd_syscalls,
            "rounds": cmd_rounds}[a.command](a)


if __name__ == "__main__":
    sys.exit(main())
