#!/usr/bin/env python3
"""bench/report.py: the Markdown section bench/run.sh prints, from its results.tsv.

One line per measurement: KEY<TAB>JSON (or a bare number). Keys are NAME.figure, where NAME is
pier, distribution, nginx for the plain runs and pier-tls, pier-auth, ... for the others.
"""
import json
import os
import platform
import sys

(results_path, started, command, quick, blob, images, tags, repos, rate_s, scale_pier, scale_registry,
 crowd_connections, crowd_clients, crowd_images, scale_page, connections) = sys.argv[1:]
blob, images, tags, repos = int(blob), int(images), int(tags), int(repos)
scale_pier = [int(x) for x in scale_pier.split(",")]
scale_registry = [int(x) for x in scale_registry.split(",")]
crowd_connections, crowd_clients, crowd_images = int(crowd_connections), int(crowd_clients), int(crowd_images)

R = {}
for line in open(results_path):
    key, _, value = line.rstrip("\n").partition("\t")
    try:
        R[key] = json.loads(value)
    except json.JSONDecodeError:
        R[key] = value


def get(key, field=None):
    v = R.get(key)
    if v is None:
        return None
    if field is None:
        return float(v) if not isinstance(v, dict) else v
    return v.get(field) if isinstance(v, dict) else None


def fmt(x, unit="", digits=None):
    if x is None:
        return "n/a"
    if digits is None:
        digits = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2
    return f"{x:,.{digits}f}{unit}"


def pct(a, b):
    return None if not a or not b else 100.0 * a / b


def mib(key):
    v = get(key)
    return None if v is None else v / 1024


def runs(key):
    v = R.get(key)
    return len(v.get("runs", [1])) if isinstance(v, dict) else 1


def n(x):
    return f"{x:,}"


checks = []


def check(name, ok, detail):
    checks.append((name, bool(ok), detail))


# ---- table 1: Pier against docker-registry, plain HTTP, no authentication ----

rows = []


def row(name, client, p, r, lower_better=False, ref=""):
    if p is None or r is None or p == 0 or r == 0:
        ratio = "n/a"
    elif lower_better:
        ratio = f"{r / p:.2f}× (R/P)"
    else:
        ratio = f"{p / r:.2f}× (P/R)"
    rows.append(f"| {name} | {client} | {fmt(p)} | {fmt(r)} | {ratio} | {ref} |")


size = f"{blob // (1 << 20)} MiB" if blob < (1 << 30) else f"{blob // (1 << 30)} GiB"
nginx_small = get("nginx.small", "requests_per_s")
sha_mb = (get("sha256_bytes_per_s") or 0) / 1e6
aes_mb = (get("aes_gcm_bytes_per_s") or 0) / 1e6
disk_mb = (get("disk_fsync_bytes_per_s") or 0) / 1e6
WRK = f"wrk, 2 threads, {connections} connections"
RATE = f"pier-loadgen rate, 2 epoll loops, {connections} connections"
RATE1 = ("1 manifest GET by tag", "manifest_tag", WRK), ("1 manifest GET by digest", "manifest_digest", WRK), \
        ("1 blob HEAD", "blob_head", RATE)

for label, key, client in RATE1:
    p, r = get(f"pier.{key}", "requests_per_s"), get(f"distribution.{key}", "requests_per_s")
    ref = f"nginx 1 KiB file (wrk): {fmt(nginx_small)} req/s; Pier = {fmt(pct(p, nginx_small), '%')}"
    row(f"{label} (req/s)", client, p, r, ref=ref)
    row(f"{label}, p99 latency (ms)", client, get(f"pier.{key}", "p99_ms"), get(f"distribution.{key}", "p99_ms"),
        lower_better=True)
    check(f"{label}: ≥ 10× docker-registry", p and r and p >= 10 * r, f"{p / r:.1f}×" if p and r else "n/a")
    check(f"{label}: ≥ 50% of nginx 1 KiB", p and nginx_small and p >= 0.5 * nginx_small,
          fmt(pct(p, nginx_small), "%"))
for s in ("1", "8"):
    p, r, ng = (get(f"{k}.pull_{s}", "mb_per_s") for k in ("pier", "distribution", "nginx"))
    row(f"2 pull {size} blob, {s} stream{'s' if s != '1' else ''} (MB/s, best of {runs(f'pier.pull_{s}')})",
        "pier-loadgen pull-blob", p, r, ref=f"nginx sendfile: {fmt(ng)} MB/s; Pier = {fmt(pct(p, ng), '%')}")
    check(f"pull, {s} stream(s): ≥ 90% of nginx and ahead of docker-registry",
          p and ng and r and p >= 0.9 * ng and p > r,
          f"{fmt(pct(p, ng), '%')} of nginx, {p / r:.2f}× registry" if p and r and ng else "n/a")


def push_label(mode):
    chunk = get("pier.push_chunked", "chunk") or get("pier.memory_push_chunked", "chunk") or 0
    return "monolithic PUT" if mode == "monolithic" else f"{chunk // (1 << 20)} MiB PATCHes + PUT"


PUSH = "pier-loadgen push-blob"


def beside(key, fallback):
    """The best of the reference runs measured in turn with the pushes of `key`, in MB/s; the
    run's single reference measurement when there were none (an older results file)."""
    return get(f"{key}", "mb_per_s") or fallback


# 3: push. On disk the durable write rate (dd conv=fsync) bounds both registries; in memory
# (tmpfs) the registry's own path is measured against one core's SHA-256. Each reference is
# measured in turn with the registry's own pushes.
for mode in ("monolithic", "chunked"):
    p, r = get(f"pier.push_{mode}", "mb_per_s"), get(f"distribution.push_{mode}", "mb_per_s")
    dd = beside(f"pier.push_{mode}_disk", disk_mb)
    row(f"3 push {size} blob, {push_label(mode)}, to disk (MB/s, best of {runs(f'pier.push_{mode}')})", PUSH, p, r,
        ref=f"disk, dd conv=fsync in turn with Pier's pushes: {fmt(dd)} MB/s; Pier = {fmt(pct(p, dd), '%')}; "
            f"SHA-256 on one core: {fmt(sha_mb)} MB/s; Pier = {fmt(pct(p, sha_mb), '%')}")
    check(f"push {mode} to disk: ≥ 85% of the disk's durable rate (dd conv=fsync) and ahead of docker-registry",
          p and r and p >= 0.85 * dd and p > r,
          f"{fmt(pct(p, dd), '%')} of dd, {p / r:.2f}× registry" if p and r else "n/a")
for mode in ("monolithic", "chunked"):
    p, r = get(f"pier.memory_push_{mode}", "mb_per_s"), get(f"distribution.memory_push_{mode}", "mb_per_s")
    if p is None and r is None:
        continue  # no RAM-backed folder with room on this machine
    sha = beside(f"pier.memory_push_{mode}_sha256", sha_mb)
    row(f"3 push {size} blob, {push_label(mode)}, to tmpfs (MB/s, best of {runs(f'pier.memory_push_{mode}')})",
        PUSH, p, r, ref=f"SHA-256 on one core, in turn with Pier's pushes: {fmt(sha)} MB/s; Pier = {fmt(pct(p, sha), '%')}")
    check(f"push {mode} to tmpfs: ≥ 85% of one core's SHA-256 and ahead of docker-registry",
          p and r and p >= 0.85 * sha and p > r,
          f"{fmt(pct(p, sha), '%')} of SHA-256, {p / r:.2f}× registry" if p and r else "n/a")
SMALL = "pier-loadgen small-pushes, 8 clients"
p, r = get("pier.small_pushes", "images_per_s"), get("distribution.small_pushes", "images_per_s")
pe, re_ = get("pier.small_pushes", "errors"), get("distribution.small_pushes", "errors")
row(f"4 small image pushes, {images} images (images/s)", SMALL, p, r, ref=f"errors: Pier {pe}, docker-registry {re_}")
check("small pushes: ≥ 10× docker-registry, no errors", p and r and p >= 10 * r and pe == 0,
      f"{p / r:.1f}×, {pe} errors" if p and r else "n/a")
LIST = "pier-loadgen list, 8 connections"
for key, label in (("list_tags", f"tag list, {tags} tags, ?n=1000"),
                   ("list_catalog", f"catalog, {repos}+ repositories, ?n=1000")):
    p, r = get(f"pier.{key}", "requests_per_s"), get(f"distribution.{key}", "requests_per_s")
    pp, rp = get(f"pier.{key}", "pages_per_list"), get(f"distribution.{key}", "pages_per_list")
    row(f"5 {label} (req/s)", LIST, p, r, ref=f"pages per full listing: Pier {pp}, docker-registry {rp}")
    row(f"5 {label}, whole listings/s", LIST, get(f"pier.{key}", "full_lists_per_s"),
        get(f"distribution.{key}", "full_lists_per_s"))
    check(f"{label}: ≥ 10× docker-registry (requests/s)", p and r and p >= 10 * r, f"{p / r:.1f}×" if p and r else "n/a")
PROC = "VmRSS/VmHWM of /proc/PID/status"
row("6 RSS idle after start (MiB)", PROC, mib("pier.rss_idle_kib"), mib("distribution.rss_idle_kib"), lower_better=True)
row("6 peak RSS after workloads 1–4, VmHWM (MiB)", PROC, mib("pier.rss_peak_kib"), mib("distribution.rss_peak_kib"),
    lower_better=True)
row("6 RSS idle after restart with the listing data (MiB)", PROC, mib("pier.rss_restart_kib"),
    mib("distribution.rss_restart_kib"), lower_better=True)
pr, rr = get("pier.ready_ms"), get("distribution.ready_ms")
READY = "pier-loadgen wait-ready, GET /v2/ every 5 ms"
row(f"6 start-to-ready with {repos}+ repositories (ms, median of 3)", READY, pr, rr, lower_better=True,
    ref=f"all runs: Pier {R.get('pier.ready_all_ms')}, docker-registry {R.get('distribution.ready_all_ms')}")
check("peak memory ≤ docker-registry's",
      mib("pier.rss_peak_kib") and mib("distribution.rss_peak_kib")
      and mib("pier.rss_peak_kib") <= mib("distribution.rss_peak_kib"),
      f"{fmt(mib('pier.rss_peak_kib'), ' MiB')} vs {fmt(mib('distribution.rss_peak_kib'), ' MiB')}")
check("ready in < 1 s", pr is not None and pr < 1000, fmt(pr, " ms"))

# 8: concurrency
CROWD = f"pier-loadgen rate, 2 epoll loops, {n(crowd_connections)} connections"
label = f"8 manifest GET by tag, {n(crowd_connections)} keep-alive connections"
p, r = get("pier.crowd_get", "requests_per_s"), get("distribution.crowd_get", "requests_per_s")
pe, re_ = get("pier.crowd_get", "errors"), get("distribution.crowd_get", "errors")
row(f"{label} (req/s)", CROWD, p, r, ref=f"errors: Pier {pe}, docker-registry {re_}")
for q in ("p50", "p99"):
    row(f"{label}, {q} latency (ms)", CROWD, get("pier.crowd_get", f"{q}_ms"), get("distribution.crowd_get", f"{q}_ms"),
        lower_better=True, ref="target: under 50 ms" if q == "p99" else "")
row(f"{label}: RSS while they run, highest 0.2 s sample (MiB)", PROC, mib("pier.crowd_rss_during_kib"),
    mib("distribution.crowd_rss_during_kib"), lower_better=True,
    ref=f"idle before: Pier {fmt(mib('pier.crowd_rss_idle_kib'))}, docker-registry "
        f"{fmt(mib('distribution.crowd_rss_idle_kib'))} MiB; 1 s after: Pier {fmt(mib('pier.crowd_rss_after_get_kib'))}, "
        f"docker-registry {fmt(mib('distribution.crowd_rss_after_get_kib'))} MiB")
row(f"{label}: peak RSS, VmHWM (MiB)", PROC, mib("pier.crowd_hwm_get_kib"), mib("distribution.crowd_hwm_get_kib"),
    lower_better=True)
CROWD_PUSH = f"pier-loadgen small-pushes, {crowd_clients} clients"
plabel = f"8 small image pushes, {n(crowd_images)} images, {crowd_clients} clients at once"
p2, r2 = get("pier.crowd_push", "images_per_s"), get("distribution.crowd_push", "images_per_s")
pe2, re2 = get("pier.crowd_push", "errors"), get("distribution.crowd_push", "errors")
row(f"{plabel} (images/s)", CROWD_PUSH, p2, r2, ref=f"errors: Pier {pe2}, docker-registry {re2}")
row(f"{plabel}: peak RSS over workload 8, VmHWM (MiB)", PROC, mib("pier.crowd_hwm_kib"),
    mib("distribution.crowd_hwm_kib"), lower_better=True,
    ref=f"RSS after: Pier {fmt(mib('pier.crowd_rss_after_push_kib'))}, docker-registry "
        f"{fmt(mib('distribution.crowd_rss_after_push_kib'))} MiB")
p99 = get("pier.crowd_get", "p99_ms")
check(f"{n(crowd_connections)} connections: no errors, p99 < 50 ms",
      pe == 0 and p99 is not None and p99 < 50 and p, f"{pe} errors, p99 {fmt(p99, ' ms')}")
check(f"{crowd_clients} clients pushing at once: no errors", pe2 == 0 and p2, f"{pe2} errors")
check("workload 8: peak memory stated", mib("pier.crowd_hwm_kib") is not None,
      f"VmHWM {fmt(mib('pier.crowd_hwm_kib'), ' MiB')} (after the GETs: {fmt(mib('pier.crowd_hwm_get_kib'), ' MiB')})")

# ---- table 2: TLS and authentication beside the plain runs ----

VARIANTS = ("", "-tls", "-auth")
vrows = []


def vrow(label, client, key, field, lower_better=False, ref="", variants=VARIANTS, scale=1.0):
    vals = {}
    for kind in ("pier", "distribution"):
        for v in VARIANTS:
            x = get(f"{kind}{v}.{key}", field) if field else get(f"{kind}{v}.{key}")
            vals[kind + v] = None if x is None or v not in variants else x * scale
    base = vals["pier"]
    share = " / ".join(fmt(pct(vals["pier" + v], base), "%") if v in variants else "–" for v in VARIANTS[1:])
    cells = " | ".join(fmt(vals[k + v]) if v in variants else "–" for k in ("pier", "distribution") for v in VARIANTS)
    if not lower_better:
        ref = f"Pier TLS / auth = {share} of plain" + (f"; {ref}" if ref else "")
    vrows.append(f"| {label} | {client} | {cells} | {ref} |")
    return vals


nginx_tls_small = get("nginx-tls.small", "requests_per_s")
for label, key, client in RATE1:
    vals = vrow(f"{label} (req/s)", client, key, "requests_per_s",
                ref=f"nginx 1 KiB file (wrk): plain {fmt(nginx_small)}, TLS {fmt(nginx_tls_small)} req/s")
    vrow(f"{label}, p99 latency (ms)", client, key, "p99_ms", lower_better=True)
    if key.startswith("manifest"):
        share = get(f"pier-auth-share.{key}", "share")
        ratios = get(f"pier-auth-share.{key}", "ratios") or []
        check(f"{label}: Pier with auth on ≥ 90% of its own auth-off rate (median of {len(ratios)} rounds off and on "
              f"in turn)", share and share >= 0.9,
              fmt(None if share is None else 100 * share, "%") + " of " + ", ".join(fmt(100 * r, "%") for r in ratios))
for s in ("1", "8"):
    vals = vrow(f"2 pull {size} blob, {s} stream{'s' if s != '1' else ''} (MB/s, best of {runs(f'pier-tls.pull_{s}')})",
                "pier-loadgen pull-blob", f"pull_{s}", "mb_per_s",
                ref=f"nginx: plain {fmt(get(f'nginx.pull_{s}', 'mb_per_s'))} (sendfile), "
                    f"TLS {fmt(get(f'nginx-tls.pull_{s}', 'mb_per_s'))} MB/s; AES-256-GCM on one core: {fmt(aes_mb)} MB/s")
    pier_tls, nginx_tls = vals["pier-tls"], get(f"nginx-tls.pull_{s}", "mb_per_s")
    check(f"pull over TLS, {s} stream(s): ≥ 95% of nginx over TLS", pier_tls and nginx_tls and pier_tls >= 0.95 * nginx_tls,
          fmt(pct(pier_tls, nginx_tls), "%"))
for mode in ("monolithic", "chunked"):
    vrow(f"3 push {size} blob, {push_label(mode)}, to disk (MB/s)", PUSH, f"push_{mode}", "mb_per_s",
         ref=f"dd conv=fsync: {fmt(disk_mb)} MB/s")
for mode in ("monolithic", "chunked"):
    vrow(f"3 push {size} blob, {push_label(mode)}, to tmpfs (MB/s)", PUSH, f"memory_push_{mode}", "mb_per_s",
         variants=("", "-tls"), ref=f"SHA-256: {fmt(sha_mb)} MB/s, AES-256-GCM: {fmt(aes_mb)} MB/s, one core each")
vrow(f"4 small image pushes, {images} images (images/s)", SMALL, "small_pushes", "images_per_s",
     ref=f"token requests (sign-ins, one per repository and client): Pier "
         f"{get('pier-auth.small_pushes', 'token_requests')}; docker-registry sends Basic credentials every request")
vrow(f"5 tag list, {tags} tags, ?n=1000 (req/s)", LIST, "list_tags", "requests_per_s")
vrow(f"5 catalog, {repos}+ repositories, ?n=1000 (req/s)", LIST, "list_catalog", "requests_per_s")
vrow("6 peak RSS after workloads 1–4 of the run, VmHWM (MiB)", PROC, "rss_peak_kib", None, lower_better=True,
     scale=1 / 1024)
vrow("6 start-to-ready (ms, median of 3)", READY, "ready_ms", None, lower_better=True)

# ---- table 3: scale ----

srows = []
p_small, p_large = scale_pier[0], scale_pier[-1]
r_small, r_large = scale_registry[0], scale_registry[-1]


def srow(label, client, key, field, lower_better=False):
    vals = [get(f"pier.scale_{p_small}.{key}", field), get(f"pier.scale_{p_large}.{key}", field),
            get(f"distribution.scale_{r_small}.{key}", field), get(f"distribution.scale_{r_large}.{key}", field)]
    # The smallest store again, new, measured right after the largest: the reference that
    # the machine's drift over the seeding has not moved.
    after = get(f"pier.scale_{p_small}_after.{key}", field)
    ratio = lambda a, b: fmt(pct(b, a), "%")
    srows.append(f"| {label} | {client} | {fmt(vals[0])} | {fmt(vals[1])} | {fmt(after)} | "
                 f"{ratio(vals[0], vals[1])} / {ratio(after, vals[1])} | "
                 f"{fmt(vals[2])} | {fmt(vals[3])} | {ratio(vals[2], vals[3])} |")
    a, b = after if after is not None else vals[0], vals[1]
    at = f"{n(p_small)} measured after" if after is not None else n(p_small)
    if lower_better:
        ok, detail = a and b and b <= 1.2 * a, f"{fmt(b)} against {fmt(a)} ms, {fmt(pct(b, a), '%')}"
    else:
        ok, detail = a and b and b >= 0.8 * a, f"{fmt(pct(b, a), '%')} of the rate at {at}"
    check(f"scale, {label}: Pier at {n(p_large)} within 20% of Pier at {at}", ok, detail)


def entries(kind, size, page):
    v = R.get(f"{kind}.scale_{size}.{page}_page")
    return v.get("entries") if isinstance(v, dict) else None


srow(f"7 catalog page, ?n={scale_page}&last=<middle repository> (req/s)", WRK, "catalog", "requests_per_s")
srow(f"7 tag-list page of scale-tags/many, ?n={scale_page}&last=<middle tag> (req/s)", WRK, "tags", "requests_per_s")
srow("7 manifest GET by tag of the middle repository (req/s)", WRK, "manifest", "requests_per_s")
srow(f"7 small image pushes, {images} images (images/s)", SMALL, "small_pushes", "images_per_s")
srow("7 start-to-ready (ms, median of 3)", READY, "ready_ms", None, lower_better=True)
page_note = (f"Entries per page: catalog Pier {entries('pier', p_small, 'catalog')} / "
             f"{entries('pier', p_large, 'catalog')}, docker-registry {entries('distribution', r_small, 'catalog')} / "
             f"{entries('distribution', r_large, 'catalog')}; tag list Pier {entries('pier', p_small, 'tags')} / "
             f"{entries('pier', p_large, 'tags')}, docker-registry {entries('distribution', r_small, 'tags')} / "
             f"{entries('distribution', r_large, 'tags')} (docker-registry 2.8 ignores n and last on tag lists "
             "and answers with every tag).")
seed_note = []
for kind, sizes in (("pier", scale_pier), ("distribution", scale_registry)):
    parts = []
    for sz in sizes:
        a, b = get(f"{kind}.scale_{sz}.seed_repos", "per_s"), get(f"{kind}.scale_{sz}.seed_tags", "per_s")
        parts.append(f"to {n(sz)}: {fmt(a)} repositories/s, {fmt(b)} tags/s")
    seed_note.append(f"{'Pier' if kind == 'pier' else 'docker-registry'} {'; '.join(parts)}")

# ---- table 4: scale-out on PostgreSQL and S3 ----

orows = []


def orow(label, client, key, field, lower_better=False, scale=1.0):
    embedded, shared = get(f"pier.{key}", field), get(f"scaleout.{key}", field)
    embedded = None if embedded is None else embedded * scale
    shared = None if shared is None else shared * scale
    ratio = pct(embedded, shared) if lower_better else pct(shared, embedded)
    orows.append(f"| {label} | {client} | {fmt(embedded)} | {fmt(shared)} | {fmt(ratio, '%')} |")


for label, key, client in RATE1:
    orow(f"{label} (req/s)", client, key, "requests_per_s")
for s_ in ("1", "8"):
    orow(f"2 pull {size} blob, {s_} stream{'s' if s_ != '1' else ''} (MB/s)", "pier-loadgen pull-blob", f"pull_{s_}",
         "mb_per_s")
for mode in ("monolithic", "chunked"):
    orow(f"3 push {size} blob, {push_label(mode)} (MB/s)", PUSH, f"push_{mode}", "mb_per_s")
orow(f"4 small image pushes, {images} images (images/s)", SMALL, "small_pushes", "images_per_s")
orow(f"5 tag list, {tags} tags, ?n=1000 (req/s)", LIST, "list_tags", "requests_per_s")
orow(f"5 catalog, {repos}+ repositories, ?n=1000 (req/s)", LIST, "list_catalog", "requests_per_s")
orow("6 peak RSS after workloads 1–4, VmHWM (MiB)", PROC, "rss_peak_kib", None, lower_better=True, scale=1 / 1024)
orow("6 start-to-ready (ms, median of 3)", READY, "ready_ms", None, lower_better=True)
replica_rows = []
for label, key, field, client in (("manifest GET by tag (req/s)", "manifest_tag", "requests_per_s", "wrk, one per replica"),
                                  (f"small image pushes, {images} images (images/s)", "small_pushes", "images_per_s",
                                   "pier-loadgen small-pushes, one per replica")):
    vals = [get(f"replicas_{k}.{key}", field) for k in (1, 2, 3)]
    errs = [get(f"replicas_{k}.{key}", "errors") for k in (1, 2, 3)]
    replica_rows.append(f"| {label} | {client} | " + " | ".join(fmt(v) for v in vals) +
                        f" | {fmt(pct(vals[2], vals[0]), '%')} | {', '.join(str(e) for e in errs)} |")

# ---- table 5: garbage collection (workload 10) ----

# Tables 1-3 and their targets come from the main section; a run of one section alone
# (BENCH_ONLY) prints its own table and targets only.
main_checks = len(checks)
sections = R.get("sections", "all")
grows = []


def grow(label, value, detail=""):
    grows.append(f"| {label} | {value} | {detail} |")


def mib_of(kib):
    return None if kib is None else kib / 1024


gc_pop, gc_garbage = R.get("gc.populate"), R.get("gc.garbage")
gc_collect, gc_empty = R.get("gc.collect"), R.get("gc.collect_empty")
gc_pushes, gc_syscalls = R.get("gc.pushes"), R.get("gc.syscalls")
have_gc = any(isinstance(v, dict) for v in (gc_pop, gc_collect, gc_pushes))
if have_gc:
    g = lambda d, k: d.get(k) if isinstance(d, dict) else None
    populated, collected = R.get("gc.store_populated"), R.get("gc.store_collected")
    images_gc = g(gc_pop, "images")
    repos_gc = g(R.get("gc.config"), "repos")
    grow(f"populate {n(images_gc) if images_gc else 'n/a'} manifests (images/s)", fmt(g(gc_pop, "images_per_s")),
         f"{fmt(g(gc_pop, 'seconds'))} s, {g(gc_pop, 'errors')} errors; 2 processes of 16 clients (bench/gc.py populate); "
         f"store: {n(g(populated, 'blob_files') or 0)} blob files ({fmt(mib_of((g(populated, 'blob_bytes') or 0) / 1024))} MiB), "
         f"database {fmt(mib_of((g(populated, 'db_bytes') or 0) / 1024))} MiB; server VmHWM "
         f"{fmt(mib(('gc.populate_hwm_kib')))} MiB")
    garbage_n = g(gc_garbage, "manifests")
    grow("garbage made (manifests)", fmt(garbage_n),
         f"{g(gc_garbage, 'untagged')} untagged, {g(gc_garbage, 'by_digest')} deleted by digest, of "
         f"{n(g(gc_garbage, 'tags_before') or 0)} tagged; {fmt(g(gc_garbage, 'seconds'))} s, "
         f"{g(gc_garbage, 'errors')} errors")
    secs, empty_secs = g(gc_collect, "seconds"), g(gc_empty, "seconds")
    grow("collection of the garbage (s, Pier's `seconds`)", fmt(secs, digits=3),
         f"wall {fmt(g(gc_collect, 'wall_s'), digits=3)} s; pier_gc_last_run_seconds "
         f"{fmt(g(gc_collect, 'metric_last_run_seconds'), digits=3)}; removed {g(gc_collect, 'manifests_deleted')} manifests, "
         f"{g(gc_collect, 'links_deleted')} links, {g(gc_collect, 'blobs_deleted')} blobs "
         f"({fmt(mib_of((g(gc_collect, 'bytes_freed') or 0) / 1024))} MiB of files, "
         f"{fmt(mib_of((g(gc_collect, 'database_bytes_freed') or 0) / 1024))} MiB from the database)")
    grow("… per garbage manifest (ms)", fmt(secs * 1000 / garbage_n if secs and garbage_n else None, digits=3),
         f"per blob removed: {fmt(secs * 1000 / g(gc_collect, 'blobs_deleted') if secs and g(gc_collect, 'blobs_deleted') else None, digits=3)} ms")
    grow("… peak RSS, VmHWM reset just before (MiB)", fmt(mib_of(g(gc_collect, "hwm_after_kib"))),
         f"RSS before {fmt(mib_of(g(gc_collect, 'rss_before_kib')))}, highest 10 ms sample "
         f"{fmt(mib_of(g(gc_collect, 'rss_max_sampled_kib')))}, after {fmt(mib_of(g(gc_collect, 'rss_after_kib')))} MiB; "
         f"of it the server's own memory (RssAnon, without the database pages it maps): before "
         f"{fmt(mib_of(g(gc_collect, 'rss_anon_before_kib')))}, highest sample "
         f"{fmt(mib_of(g(gc_collect, 'rss_anon_max_sampled_kib')))} MiB")
    grow("collection with nothing to collect (s)", fmt(empty_secs, digits=3),
         f"wall {fmt(g(gc_empty, 'wall_s'), digits=3)} s; peak RSS {fmt(mib_of(g(gc_empty, 'hwm_after_kib')))} MiB "
         f"(before {fmt(mib_of(g(gc_empty, 'rss_before_kib')))}); the cost of reading the metadata alone")
    grow("garbage collection ÷ empty collection", f"{secs / empty_secs:.1f}×" if secs and empty_secs else "n/a",
         f"after: {n(g(collected, 'blob_files') or 0)} blob files, database "
         f"{fmt(mib_of((g(collected, 'db_bytes') or 0) / 1024))} MiB")
    rounds = g(gc_pushes, "runs") or 0
    loops = [R[k] for k in sorted(R) if k.startswith("gc.loop_") and isinstance(R[k], dict)]
    loop_note = "; ".join(
        f"{l.get('runs')} collections in {fmt(l.get('seconds'))} s ({fmt(l.get('gc_seconds'))} s collecting), "
        f"{l.get('manifests_deleted')} manifests and {l.get('blobs_deleted')} blobs removed, longest "
        f"{fmt(max(l.get('run_seconds') or [0]), digits=3)} s, {l.get('failures')} failures" for l in loops)
    def cpu_note(cond):
        cpu, wall = g(gc_pushes, f"{cond}_server_cpu_s") or [], g(gc_pushes, f"{cond}_seconds") or []
        return ", ".join(f"{fmt(c)} s in {fmt(w)} s" for c, w in zip(cpu, wall) if c is not None and w)

    grow(f"small image pushes, no collection (images/s, median of {rounds})", fmt(g(gc_pushes, "without_images_per_s")),
         f"runs: {', '.join(fmt(x) for x in g(gc_pushes, 'without_runs') or [])}; errors {g(gc_pushes, 'errors_without')}; "
         f"the server's CPU time: {cpu_note('without') or 'n/a'}")
    grow(f"small image pushes, collections back to back (images/s, median of {rounds})",
         fmt(g(gc_pushes, "with_images_per_s")),
         f"runs: {', '.join(fmt(x) for x in g(gc_pushes, 'with_runs') or [])}; errors {g(gc_pushes, 'errors_with')}; "
         f"the server's CPU time: {cpu_note('with') or 'n/a'}; the loops: {loop_note or 'n/a'}")
    share = g(gc_pushes, "ratio")
    grow("pushes during collections, share of without", fmt(None if share is None else 100 * share, "%"),
         "each round's: " + ", ".join(fmt(100 * r, "%") for r in g(gc_pushes, "pair_ratios") or []))
    if isinstance(gc_syscalls, dict):
        traced = R.get("gc.collect_traced")
        grow("traced collection: directory reads (getdents64) / blob files removed",
             f"{gc_syscalls.get('getdents64')} / {gc_syscalls.get('unlinks_under_blobs')}",
             f"blobs it removed: {g(traced, 'blobs_deleted')} ({g(traced, 'bytes_freed')} bytes of files); directories "
             f"opened: {gc_syscalls.get('directories_opened')} ({gc_syscalls.get('directories_opened_under_blobs')} under "
             f"the blob store); unlinks in all: {gc_syscalls.get('unlinks')}; under strace, so not timed")
    log_summary = R.get("gc.log")
    check("garbage collection: pushes while collections run back to back keep ≥ 80% of their throughput "
          f"(median of {rounds} runs each way, in turn)", share is not None and share >= 0.8,
          fmt(None if share is None else 100 * share, "%"))
    untagged, by_digest = g(gc_garbage, "untagged"), g(gc_garbage, "by_digest")
    exact = (garbage_n and g(gc_collect, "manifests_deleted") == untagged
             and g(gc_collect, "blobs_deleted") == 2 * garbage_n and g(gc_collect, "links_deleted") == 2 * garbage_n)
    check("garbage collection: removes the garbage and nothing else (the untagged manifests; each garbage manifest's "
          "config and unique layer and their links; the shared layers stay)", exact,
          f"{g(gc_collect, 'manifests_deleted')} manifests of {untagged}, {g(gc_collect, 'blobs_deleted')} blobs and "
          f"{g(gc_collect, 'links_deleted')} links of {2 * garbage_n if garbage_n else 'n/a'}")
    if isinstance(gc_syscalls, dict):
        check("garbage collection: reads no directory of the blob store (no walk of blob storage)",
              gc_syscalls.get("getdents64") == 0 and gc_syscalls.get("directories_opened_under_blobs") == 0,
              f"{gc_syscalls.get('getdents64')} getdents64, {gc_syscalls.get('directories_opened_under_blobs')} "
              "blob-store directories opened")
    failures = sum(l.get("failures") or 0 for l in loops)
    push_errors = (g(gc_pushes, "errors_without") or 0) + (g(gc_pushes, "errors_with") or 0)
    log_lines = g(log_summary, "lines")
    check("garbage collection: no errors (pushes, deletions, collections, server log)",
          not push_errors and not failures and not g(gc_garbage, "errors") and log_lines == 0,
          f"{push_errors} push errors, {failures} failed collections, {g(gc_garbage, 'errors')} failed deletions, "
          f"{log_lines} warnings or errors in the server log")

# ---- table 6: vulnerability scanning (workload 11) ----

srows_scan = []


def scanrow(label, value, detail=""):
    srows_scan.append(f"| {label} | {value} | {detail} |")


scan_cfg, scan_prep = R.get("scan.config"), R.get("scan.prepare")
scan_layers, scan_inv = R.get("scan.layers"), R.get("scan.inventories")
have_scan = any(isinstance(v, dict) for v in (scan_layers, scan_inv))
if have_scan:
    g = lambda d, k: d.get(k) if isinstance(d, dict) else None
    lay, inv = scan_layers if isinstance(scan_layers, dict) else {}, scan_inv if isinstance(scan_inv, dict) else {}
    nlayers = g(scan_cfg, "layers") or 0
    comp = lay.get("compressed_bytes")
    unc = lay.get("uncompressed_bytes")
    scanrow(f"root filesystem layers indexed (layers/s, {nlayers} images)", fmt(lay.get("layers_per_s"), digits=2),
            f"{fmt(lay.get('seconds'), digits=2)} s from the first push's completion to the last report seen "
            f"\"scanned\"; layers of {fmt(comp / nlayers / 1e6 if comp and nlayers else None)} MB gzip, "
            f"{fmt(unc / nlayers / 1e6 if unc and nlayers else None)} MB of tar, {n(g(scan_prep, 'files') or 0)} "
            f"entries; the blobs pushed first ({', '.join(fmt(x, digits=2) for x in lay.get('blob_push_seconds') or [])} s "
            f"each), then the {nlayers} manifests one after another in {fmt(lay.get('manifests_push_seconds'), digits=3)} s")
    scanrow("… compressed (MB/s)", fmt(lay.get("compressed_mb_per_s")),
            f"uncompressed {fmt(lay.get('uncompressed_mb_per_s'))} MB/s; one core's gunzip of one layer (Python's "
            f"zlib): {fmt(g(scan_prep, 'gunzip_mb_per_s'))} MB/s of tar")
    scanrow("… each image, push completed → scanned (s)",
            ", ".join(fmt(x, digits=2) for x in lay.get("latency_s") or []) or "n/a",
            f"jobs.workers 4 (the default) on {os.cpu_count()} cores")
    scanrow("… packages found per image", n(lay["packages"]) if lay.get("packages") is not None else "n/a",
            f"os {', '.join(lay.get('os') or []) or 'n/a'}; layers read (pier_scan_layer_reads) "
            f"{lay.get('layer_reads')} for {nlayers} layers")
    ninv = g(scan_cfg, "inventories") or 0
    scanrow(f"small images pushed ({n(ninv)}, images/s)", fmt(inv.get("push_images_per_s")),
            f"{g(scan_cfg, 'clients')} clients (bench/scan.py), each image one unique layer of 20 dpkg packages and "
            f"a Debian 12 os-release; {fmt(inv.get('push_seconds'), digits=2)} s, {inv.get('push_errors')} errors")
    scanrow("small images scanned (scans/s)", fmt(inv.get("scans_per_s")),
            f"from the first push until every report said \"scanned\": {fmt(inv.get('scan_seconds'), digits=2)} s, "
            f"{fmt(inv.get('scan_backlog_seconds'), digits=2)} s of it after the last push; "
            f"{inv.get('failed_scans')} failed, {inv.get('not_scanned')} never scanned")
    scanrow(f"import of {n(inv.get('records') or 0)} OSV records (s)", fmt(inv.get("import_seconds"), digits=3),
            f"{fmt((inv.get('feed_bytes') or 0) / 1e3)} kB of JSON, one POST /api/v1/vulnerabilities/import; "
            f"generation {inv.get('generation')}")
    job = inv.get("job") or {}
    scanrow(f"rescan of {n(ninv)} inventories after the import (s)", fmt(inv.get("rescan_seconds"), digits=3),
            f"from the import's answer until its rescan job was seen completed (polled every 20 ms); the job's "
            f"finished_at − attempted_at: {inv.get('job_seconds')} s (whole seconds), "
            f"attempt {job.get('attempt')}")
    scanrow("… inventories rescanned per second", fmt(inv.get("rescan_inventories_per_s")),
            f"layers read during the rescan: {inv.get('layer_reads_rescan')}; {n(inv.get('images_with_findings') or 0)} "
            f"images with findings, {n(inv.get('expected_findings') or 0)} findings in all, "
            f"{inv.get('mismatched_reports')} reports of {n(inv.get('verified') or 0)} not as the feed says")
    scan_log = R.get("scan.log")
    check("scanning: each root filesystem layer read exactly once, and > 50 packages found in it",
          lay.get("layer_reads") == nlayers and (lay.get("packages") or 0) > 50,
          f"{lay.get('layer_reads')} reads of {nlayers} layers, {lay.get('packages')} packages")
    check("scanning: the rescan after an import reads no layer and gives every report the feed's findings",
          inv.get("layer_reads_rescan") == 0 and inv.get("mismatched_reports") == 0 and job.get("state") == "completed",
          f"{inv.get('layer_reads_rescan')} layer reads, {inv.get('mismatched_reports')} reports not as expected, "
          f"job {job.get('state')}")
    check("scanning: no errors (pushes, scans, server log)",
          not lay.get("errors") and not inv.get("errors") and g(scan_log, "lines") == 0,
          f"{'; '.join((lay.get('failures') or []) + (inv.get('failures') or [])) or 'no failures'}; "
          f"{g(scan_log, 'lines')} warnings or errors "
          "in the server log")
if sections != "all":
    del checks[:main_checks]

# ---- print ----

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"### {started}{' (quick mode)' if quick != '0' else ''}\n")
print(f"Command: `{command}` — {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
      f"load average at start {R.get('loadavg')}, took {R.get('elapsed_s')} s.\n")
if sections == "all":
    print("Plain HTTP, authentication off:\n")
    print("| workload | client | Pier | docker-registry | ratio | reference |")
    print("|---|---|---:|---:|---:|---|")
    print("\n".join(rows))
    print("\nRatio: (P/R) is Pier ÷ docker-registry for rates, (R/P) is docker-registry ÷ Pier for latency and "
          "memory; above 1 means Pier is better either way.\n")
    print("TLS (HTTPS, authentication off) and authentication (plain HTTP; Pier: bearer tokens from its token "
          "endpoint for the superuser admin; docker-registry: htpasswd, Basic on every request), on the same stores:\n")
    print("| workload | client | Pier | Pier TLS | Pier auth | docker-registry | docker-registry TLS | "
          "docker-registry auth | reference |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(vrows))
    print(f"\nScale: stores of their own, grown from {n(p_small)} to {n(p_large)} repositories and tags (Pier) and "
          f"from {n(r_small)} to {n(r_large)} (docker-registry), seeded untimed by 32 clients; then a new store of "
          f"{n(p_small)}, measured right after the largest, as the reference the targets use (the machine's figures "
          "drift over the minutes of seeding):\n")
    print(f"| figure | client | Pier at {n(p_small)} | Pier at {n(p_large)} | Pier at {n(p_small)}, measured after | "
          f"Pier {n(p_large)} ÷ {n(p_small)} (before / after) | "
          f"docker-registry at {n(r_small)} | docker-registry at {n(r_large)} | "
          f"docker-registry {n(r_large)} ÷ {n(r_small)} |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(srows))
    print(f"\n{page_note} Seeding (untimed): {'. '.join(seed_note)}.\n")
if any(get(f"scaleout.{k}") is not None for k in ("small_pushes", "ready_ms")):
    print("Scale-out: Pier on PostgreSQL 15 (fsync on) and s3rver (npm's S3 server, Node.js) instead of SQLite and "
          "the filesystem, one replica, the same workloads and clients as the plain runs:\n")
    print("| workload | client | Pier embedded | Pier on PostgreSQL + S3 | share of embedded |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(orows))
    print(f"\nThe same store served by 1, 2 and 3 replicas at once; {connections} connections and {8} clients split "
          "between them, rates summed (every replica, PostgreSQL, s3rver and the clients share this machine's cores):\n")
    print("| figure | client | 1 replica | 2 replicas | 3 replicas | 3 ÷ 1 | errors (1 / 2 / 3) |")
    print("|---|---|---:|---:|---:|---:|---|")
    print("\n".join(replica_rows))
    print()
if have_gc:
    print(f"Garbage collection (workload 10): Pier on a store of its own (SQLite and the filesystem, authentication "
          f"off, history window and blob grace 0 s, blobs above 1 KiB as files), {n(images_gc or 0)} manifests in "
          f"{n(repos_gc or 0)} repositories, {fmt(100 * (g(R.get('gc.config'), 'garbage') or 0))}% of them made garbage and "
          "collected by one `POST /api/v1/gc` on the server started afresh; then small image pushes "
          f"({n(g(R.get('gc.config'), 'push_images') or 0)} images, pier-loadgen small-pushes, 8 clients) with and "
          f"without collections running back to back, {rounds} runs each way in turn, each after "
          f"{fmt(100 * (g(R.get('gc.config'), 'batch') or 0))}% more of the manifests were made garbage:\n")
    print("| figure | value | detail |")
    print("|---|---:|---|")
    print("\n".join(grows))
    if g(R.get("gc.log"), "lines"):
        print("\nServer log (first warnings and errors):\n")
        for line in g(R.get("gc.log"), "first"):
            print(f"    {line}")
    print()
if have_scan:
    sha = get("sha256_bytes_per_s")
    disk = get("disk_fsync_bytes_per_s")
    print("Vulnerability scanning (workload 11): Pier on a store of its own (SQLite and the filesystem, "
          "authentication off, default jobs.workers 4); the root filesystem is Debian 12 "
          "(`debootstrap --variant=minbase bookworm`), packed as a gzip tar layer; each image has a layer of its "
          "own (the tree behind a small unique file), so each is read. No peer scans: the figures are absolute. "
          f"The machine: SHA-256 {fmt(sha / 1e6 if sha else None)} MB/s on one core (`openssl speed`), disk "
          f"{fmt(disk / 1e6 if disk else None)} MB/s durably (dd conv=fsync); server VmHWM at the end "
          f"{fmt(mib('scan.hwm_kib'))} MiB:\n")
    print("| figure | value | detail |")
    print("|---|---:|---|")
    print("\n".join(srows_scan))
    if g(R.get("scan.log"), "lines"):
        print("\nServer log (first warnings and errors):\n")
        for line in g(R.get("scan.log"), "first"):
            print(f"    {line}")
    print()
print("Targets:\n")
for name, ok, detail in checks:
    print(f"- {'met' if ok else '**missed**'}: {name} ({detail})")
problems = [f"{k}: failed" if v.get("failed") else f"{k}: {v['errors']} errors"
            for k, v in R.items() if isinstance(v, dict) and (v.get("failed") or v.get("errors"))]
if problems:
    print("\nProblems (see the run's log for the first failing requests):\n")
    for p in problems:
        print(f"- {p}")
