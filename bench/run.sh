#!/usr/bin/env bash
# bench/run.sh: Pier's benchmarks (`make bench`). Runs Pier, CNCF distribution (Debian's
# docker-registry) and nginx one after another on 127.0.0.1, drives them with
# build/pier-loadgen and wrk, prints one Markdown table and appends it to docs/BENCHMARKS.md.
#
# Environment:
#   BENCH_QUICK=1        smaller sizes and shorter runs (64 MiB blobs, 200 images, 1000 tags/repos, 3 s)
#   BENCH_DIR=DIR        where the temporary working directory goes (default /tmp)
#   BENCH_MEMORY_DIR=DIR a RAM-backed folder for the pushes that leave the disk out (default /dev/shm)
#   BENCH_KEEP=1         keep the working directory (data, logs, raw results) afterwards
#   BENCH_WRITE_DOC=0|1  append the results to docs/BENCHMARKS.md (default: 1, or 0 with BENCH_QUICK)
#   BUILD_DIR=DIR        where pier and pier-loadgen are (default build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
PIER=$BUILD/pier
LOADGEN=$BUILD/pier-loadgen
REGISTRY=/usr/bin/docker-registry
NGINX=/usr/sbin/nginx
QUICK=${BENCH_QUICK:-0}
[[ $QUICK = 0 ]] && WRITE_DOC=${BENCH_WRITE_DOC:-1} || WRITE_DOC=${BENCH_WRITE_DOC:-0}

for tool in "$PIER" "$LOADGEN" "$REGISTRY" "$NGINX" /usr/bin/wrk /usr/bin/openssl /usr/bin/python3; do
  [[ -x $tool ]] || { echo "bench: missing $tool (run: make bench)" >&2; exit 2; }
done

MiB=$((1 << 20))
if [[ $QUICK != 0 ]]; then
  BLOB_SIZE=$((64 * MiB)) IMAGES=200 TAGS=1000 REPOS=1000 RATE_SECONDS=3 LIST_SECONDS=3
else
  BLOB_SIZE=$((1024 * MiB)) IMAGES=2000 TAGS=10000 REPOS=10000 RATE_SECONDS=10 LIST_SECONDS=10
fi
CHUNK=$((64 * MiB))   # PATCH size of the chunked push
CLIENTS=8             # small pushes and seeding
CONNECTIONS=64        # request-rate workloads
PULL_STREAMS=8
LIST_CONNECTIONS=8
RESTARTS=3            # start-to-ready is the median of this many restarts
PUSH_RUNS=2           # large pushes and pulls: the best of this many runs
MEMORY_PUSH_RUNS=3    # large pushes to tmpfs, where a run's speed depends most on the machine's memory
PULL_RUNS=3
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json

WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/pier-bench.XXXXXX")
chmod 755 "$WORK"
# The in-memory pushes need room for two copies of the blob (upload and stored) and a spare.
MEMORY_WORK=""
memory_dir=${BENCH_MEMORY_DIR:-/dev/shm}
if [[ -d $memory_dir ]] && (($(df --output=avail -B1 "$memory_dir" | tail -1) > 3 * BLOB_SIZE)); then
  MEMORY_WORK=$(mktemp -d "$memory_dir/pier-bench.XXXXXX")
fi
RESULTS=$WORK/results.tsv
: >"$RESULTS"
SERVER_PIDS=()

cleanup() {
  local status=$? pid
  trap - EXIT INT TERM
  for pid in "${SERVER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid" 10 || true; done
  [[ -n $MEMORY_WORK ]] && rm -rf "$MEMORY_WORK"
  if [[ ${BENCH_KEEP:-0} != 0 || $status -ne 0 ]]; then
    echo "bench: working directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '%s bench: %s\n' "$(date +%T)" "$*" >&2; }

# Runs a command with a time limit; its stdout is returned, its failure stops the run.
bounded() {
  local limit=$1
  shift
  timeout --kill-after=10 "$limit" "$@"
}

# Stops a server: SIGTERM, then SIGKILL after $2 seconds.
stop_pid() {
  local pid=$1 grace=${2:-15} i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < grace * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

forget_pid() {
  local keep=() p
  for p in "${SERVER_PIDS[@]}"; do [[ $p = "$1" ]] || keep+=("$p"); done
  SERVER_PIDS=("${keep[@]}")
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

json() {  # json '<object>' key.path
  python3 -c 'import json,sys
d=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1" "$2"
}

record() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS"; }

# Runs one measurement (a command printing one JSON object) and records it under KEY; OUT
# holds the JSON. A failing command is logged and recorded as failed; the run goes on.
measure() {  # key command...
  run_once "$@" || OUT='{"failed": true}'
  record "$1" "$OUT"
}

rss_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# Like measure, but runs the command RUNS times and records the run with the highest FIELD
# (throughput on a shared 2-core machine is noisy; the best run is the least disturbed one),
# with every run's FIELD under "runs".
measure_best() {  # key field runs command...
  local key=$1 field=$2 runs=$3 i all=()
  shift 3
  for ((i = 0; i < runs; i++)); do
    # Each run starts with no dirty pages left by the previous one (fair to both registries:
    # otherwise one pays for the other's writeback).
    sync
    run_once "$key" "$@" && all+=("$OUT")
  done
  record_best "$key" "$field" "${all[@]}"
}

# Like measure_best for two commands, run in turn (a, b, a, b, ...): each is then measured
# in the same minutes as the other, where measure_best on one and then on the other would
# put minutes of other work between them. Each command is given as the name of an array.
measure_best_alternating() {  # field runs key_a command_a_array key_b command_b_array
  local field=$1 runs=$2 key_a=$3 key_b=$5 i all_a=() all_b=()
  local -n cmd_a=$4 cmd_b=$6
  for ((i = 0; i < runs; i++)); do
    run_once "$key_a" "${cmd_a[@]}" && all_a+=("$OUT")
    run_once "$key_b" "${cmd_b[@]}" && all_b+=("$OUT")
  done
  record_best "$key_a" "$field" "${all_a[@]}"
  record_best "$key_b" "$field" "${all_b[@]}"
}

# Runs a command once; OUT holds its JSON, and the status says whether there is one.
run_once() {  # key command...
  local key=$1 status=0
  shift
  OUT=$("$@") || status=$?
  ((status == 0)) || log "$key: exit status $status (see messages above)"
  [[ $OUT == \{* ]]
}

# Records the run with the highest FIELD, with every run's FIELD under "runs".
record_best() {  # key field json...
  local key=$1 field=$2
  shift 2
  if (($# == 0)); then
    OUT='{"failed": true}'
  else
    OUT=$(python3 -c 'import json,sys
f=sys.argv[1]; runs=[json.loads(a) for a in sys.argv[2:]]
best=max(runs, key=lambda r: r.get(f) or 0)
best["runs"]=[r.get(f) for r in runs]
print(json.dumps(best))' "$field" "$@")
  fi
  record "$key" "$OUT"
}

# ---- servers ----

write_configs() {  # dir port
  local dir=$1 port=$2
  mkdir -p "$dir/data"
  # Both registries run without authentication, as the workloads compare the storage paths.
  printf 'log:\n  level: warn\n  access_log: false\nauth:\n  enabled: false\n' >"$dir/pier.yaml"
  cat >"$dir/registry.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
EOF
}

# Starts pier or distribution on the port and waits until GET /v2/ answers 200; sets SERVER_PID
# and READY_MS (from just before the exec).
start_server() {  # kind dir port
  local kind=$1 dir=$2 port=$3 since out
  since=$EPOCHREALTIME
  if [[ $kind = pier ]]; then
    "$PIER" serve --listen "127.0.0.1:$port" --data-dir "$dir/data" --config "$dir/pier.yaml" \
      </dev/null >>"$dir/server.log" 2>&1 &
  else
    "$REGISTRY" serve "$dir/registry.yml" </dev/null >>"$dir/server.log" 2>&1 &
  fi
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  if ! out=$(bounded 40 "$LOADGEN" wait-ready --url "http://127.0.0.1:$port" --pid "$SERVER_PID" \
               --since "$since" --timeout 30); then
    echo "bench: $kind did not start; its log:" >&2
    tail -20 "$dir/server.log" >&2
    return 1
  fi
  READY_MS=$(json "$out" ready_ms)
}

stop_server() {
  stop_pid "$1" 20
  forget_pid "$1"
}

# ---- measurements ----

# wrk run -> {"requests_per_s":..,"p99_ms":..,"errors":..}
wrk_rate() {  # url [extra wrk args...]
  local url=$1 out
  shift
  out=$(bounded $((RATE_SECONDS + 30)) wrk -t2 -c"$CONNECTIONS" -d"${RATE_SECONDS}s" --latency "$@" "$url")
  python3 - "$out" <<'EOF'
import json, re, sys
text = sys.argv[1]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)] if m else None
errors = 0
m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
if m: errors += int(m.group(1))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if m: errors += sum(int(x) for x in m.groups())
print(json.dumps({"requests_per_s": rps, "p99_ms": p99, "errors": errors}))
EOF
}

run_registry() {  # kind
  local kind=$1 dir=$WORK/$1 port url pid digest repo tag manifest layer i ms streams
  port=$(free_port)
  url=http://127.0.0.1:$port
  write_configs "$dir" "$port"

  log "$kind: starting on $url"
  start_server "$kind" "$dir" "$port"
  pid=$SERVER_PID
  sleep 1
  record "$kind.rss_idle_kib" "$(rss_kib "$pid" VmRSS)"

  # Workload 3: push one large blob, monolithic then chunked.
  log "$kind: workload 3, push $((BLOB_SIZE / MiB)) MiB monolithic (best of $PUSH_RUNS)"
  measure_best "$kind.push_monolithic" mb_per_s "$PUSH_RUNS" \
    bounded 600 "$LOADGEN" push-blob --url "$url" --repo bench/big --size "$BLOB_SIZE" --mode monolithic
  digest=$(json "$OUT" digest) || { echo "bench: $kind: the large push failed" >&2; return 1; }
  log "$kind: workload 3, push $((BLOB_SIZE / MiB)) MiB in $((CHUNK / MiB)) MiB PATCHes (best of $PUSH_RUNS)"
  measure_best "$kind.push_chunked" mb_per_s "$PUSH_RUNS" \
    bounded 600 "$LOADGEN" push-blob --url "$url" --repo bench/big --size "$BLOB_SIZE" --mode chunked --chunk "$CHUNK"

  # Workload 2: pull it back, 1 and 8 streams. Pier's pulls alternate with nginx sending the
  # same file, its reference.
  if [[ $kind = pier ]]; then
    ln -sf "$(find "$dir/data" -type f -name "${digest#sha256:}" -size +0 | head -1)" "$NGINX_DIR/html/big.bin"
  fi
  for streams in 1 "$PULL_STREAMS"; do
    local pull=(bounded 600 "$LOADGEN" pull-blob --url "$url" --path "/v2/bench/big/blobs/$digest"
                --streams "$streams" --bytes "$BLOB_SIZE")
    if [[ $kind = pier ]]; then
      log "$kind: workload 2, pull with $streams stream(s), in turn with nginx (best of $PULL_RUNS)"
      local nginx_pull=(bounded 600 "$LOADGEN" pull-blob --url "$NGINX_URL" --path /big.bin
                        --streams "$streams" --bytes "$BLOB_SIZE")
      measure_best_alternating mb_per_s "$PULL_RUNS" "$kind.pull_$streams" pull "nginx.pull_$streams" nginx_pull
    else
      log "$kind: workload 2, pull with $streams stream(s) (best of $PULL_RUNS)"
      measure_best "$kind.pull_$streams" mb_per_s "$PULL_RUNS" "${pull[@]}"
    fi
  done

  # Workload 4: many small image pushes.
  log "$kind: workload 4, $IMAGES small image pushes with $CLIENTS clients"
  sync
  measure "$kind.small_pushes" bounded 900 "$LOADGEN" small-pushes --url "$url" --images "$IMAGES" \
    --clients "$CLIENTS" --repo-prefix bench/small
  repo=$(json "$OUT" sample.repo) || { echo "bench: $kind: the small pushes failed" >&2; return 1; }
  tag=$(json "$OUT" sample.tag)
  manifest=$(json "$OUT" sample.manifest)
  layer=$(json "$OUT" sample.layer)

  # Workload 1: request rates on manifests and blobs.
  log "$kind: workload 1, manifest GET by tag"
  measure "$kind.manifest_tag" wrk_rate "$url/v2/$repo/manifests/$tag" -H "Accept: $OCI_MANIFEST"
  log "$kind: workload 1, manifest GET by digest"
  measure "$kind.manifest_digest" wrk_rate "$url/v2/$repo/manifests/$manifest" -H "Accept: $OCI_MANIFEST"
  log "$kind: workload 1, blob HEAD"
  measure "$kind.blob_head" bounded $((RATE_SECONDS + 30)) "$LOADGEN" rate --url "$url" \
    --path "/v2/$repo/blobs/$layer" --method HEAD --seconds "$RATE_SECONDS" --connections "$CONNECTIONS"
  if [[ $kind = pier ]]; then
    log "nginx: 1 KiB static file (the reference of workload 1, measured next to Pier's)"
    measure nginx.small wrk_rate "$NGINX_URL/1k.bin"
  fi

  record "$kind.rss_peak_kib" "$(rss_kib "$pid" VmHWM)"

  # Workload 5: listings (seeding is preparation, not timed).
  log "$kind: workload 5, seeding $TAGS tags and $REPOS repositories"
  measure "$kind.seed_tags" bounded 900 "$LOADGEN" seed-tags --url "$url" --repo bench/tags \
    --count "$TAGS" --clients "$CLIENTS"
  measure "$kind.seed_repos" bounded 900 "$LOADGEN" seed-repos --url "$url" --count "$REPOS" \
    --clients "$CLIENTS" --repo-prefix seed
  log "$kind: workload 5, tag list"
  measure "$kind.list_tags" bounded $((LIST_SECONDS + 60)) "$LOADGEN" list --url "$url" \
    --path '/v2/bench/tags/tags/list?n=1000' --seconds "$LIST_SECONDS" --connections "$LIST_CONNECTIONS"
  log "$kind: workload 5, catalog"
  measure "$kind.list_catalog" bounded $((LIST_SECONDS + 60)) "$LOADGEN" list --url "$url" \
    --path '/v2/_catalog?n=1000' --seconds "$LIST_SECONDS" --connections "$LIST_CONNECTIONS"
  stop_server "$pid"

  # Workload 6: start-to-ready with everything above stored (10,000+ repositories).
  local times=()
  for ((i = 0; i < RESTARTS; i++)); do
    start_server "$kind" "$dir" "$port"
    times+=("$READY_MS")
    if ((i == 0)); then
      sleep 1
      record "$kind.rss_restart_kib" "$(rss_kib "$SERVER_PID" VmRSS)"
    fi
    stop_server "$SERVER_PID"
  done
  ms=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((RESTARTS + 1) / 2))p")
  record "$kind.ready_ms" "$ms"
  record "$kind.ready_all_ms" "$(IFS=,; echo "${times[*]}")"
  log "$kind: start-to-ready ${times[*]} ms"
}

# Workload 3 again with the registry's data on a RAM-backed filesystem: the disk's durable
# write rate is then out of the way, and what is left is the registry's own path (receive,
# hash, write), which the one-core SHA-256 reference is about.
run_push_in_memory() {  # kind
  local kind=$1
  [[ -n $MEMORY_WORK ]] || return 0
  log "$kind: workload 3 in memory, push $((BLOB_SIZE / MiB)) MiB monolithic (best of $MEMORY_PUSH_RUNS)"
  measure_best "$kind.memory_push_monolithic" mb_per_s "$MEMORY_PUSH_RUNS" push_on_empty_store "$kind" monolithic
  log "$kind: workload 3 in memory, push in $((CHUNK / MiB)) MiB PATCHes (best of $MEMORY_PUSH_RUNS)"
  measure_best "$kind.memory_push_chunked" mb_per_s "$MEMORY_PUSH_RUNS" push_on_empty_store "$kind" chunked
}

# One push to a registry started on an empty store that is removed afterwards. Every run so
# writes into memory the previous run gave back: a virtual machine's memory that the guest
# has not touched yet costs two to three times as much to write the first time, and blobs
# kept from run to run would make each run slower than the one before.
push_on_empty_store() {  # kind mode
  local kind=$1 mode=$2 dir=$MEMORY_WORK/$1 port status=0
  port=$(free_port)
  rm -rf "$dir"
  write_configs "$dir" "$port"
  start_server "$kind" "$dir" "$port" >&2 || return 1
  bounded 600 "$LOADGEN" push-blob --url "http://127.0.0.1:$port" --repo bench/big --size "$BLOB_SIZE" \
    --mode "$mode" --chunk "$CHUNK" || status=$?
  stop_server "$SERVER_PID"
  rm -rf "$dir"
  return "$status"
}

# nginx, the reference for workloads 1 and 2, serves a 1 KiB file and (once Pier has stored
# it) Pier's copy of the large blob, linked as big.bin.
start_nginx() {
  local dir=$WORK/nginx port url pid
  port=$(free_port)
  url=http://127.0.0.1:$port
  mkdir -p "$dir/html" "$dir/tmp" "$dir/logs"
  head -c 1024 /dev/urandom >"$dir/html/1k.bin"
  local user_line=""
  [[ $(id -u) -eq 0 ]] && user_line="user root;"
  cat >"$dir/nginx.conf" <<EOF
$user_line
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  sendfile_max_chunk 0;   # no 2 MiB slices: the best case, as a ceiling should be
  tcp_nopush on;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  default_type application/octet-stream;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $dir/html;
  }
}
EOF
  log "nginx: starting on $url"
  "$NGINX" -e "$dir/logs/error.log" -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' \
    </dev/null >>"$dir/logs/stdout.log" 2>&1 &
  pid=$!
  SERVER_PIDS+=("$pid")
  local i
  for ((i = 0; i < 200; i++)); do
    [[ $(python3 -c 'import sys,urllib.request
try: print(urllib.request.urlopen(sys.argv[1], timeout=1).status)
except Exception: print(0)' "$url/1k.bin") = 200 ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/logs/error.log" >&2; return 1; }
    sleep 0.05
  done
  NGINX_DIR=$dir NGINX_URL=$url NGINX_PID=$pid
}

# ---- run ----

STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
T0=$SECONDS
log "working in $WORK ($([[ $QUICK != 0 ]] && echo quick || echo full) mode)"
log "reference: openssl speed -evp sha256 -bytes 16384 -seconds 3"
sha=$(bounded 60 openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | tail -1)
record sha256_bytes_per_s "$(awk '{v=$NF; if (v ~ /k$/) {sub(/k$/, "", v); v *= 1000}; printf "%.0f", v}' <<<"$sha")"
record loadavg "$(cut -d' ' -f1-3 /proc/loadavg)"
log "reference: dd of the large blob's size to $WORK with conv=fsync (the disk, durably)"
dd_out=$(bounded 300 dd if=/dev/zero of="$WORK/dd.bin" bs=1M count=$((BLOB_SIZE / MiB)) conv=fsync 2>&1 | tail -1)
rm -f "$WORK/dd.bin"
record disk_fsync_bytes_per_s "$(awk '{for (i = 1; i < NF; i++) if ($(i + 1) == "s,") s = $i; printf "%.0f", $1 / s}' \
                                  <<<"$dd_out")"

# The in-memory pushes come first: run after the other workloads, which leave gigabytes of
# freed and cached memory behind, the same binaries took 900-940 MB/s instead of 1,200-1,450.
run_push_in_memory pier
run_push_in_memory distribution
start_nginx
run_registry pier
stop_server "$NGINX_PID"
run_registry distribution
record elapsed_s "$((SECONDS - T0))"

if [[ -n ${MAKELEVEL:-} ]]; then
  COMMAND="make bench"
else
  COMMAND="bench/run.sh"
fi
[[ $QUICK != 0 ]] && COMMAND="BENCH_QUICK=1 $COMMAND"

REPORT=$WORK/report.md
python3 - "$RESULTS" "$STARTED" "$COMMAND" "$QUICK" "$BLOB_SIZE" "$IMAGES" "$TAGS" "$REPOS" \
  "$RATE_SECONDS" >"$REPORT" <<'EOF'
import json, os, platform, sys
results_path, started, command, quick, blob, images, tags, repos, rate_s = sys.argv[1:]
blob, images, tags, repos = int(blob), int(images), int(tags), int(repos)
R = {}
for line in open(results_path):
    key, _, value = line.rstrip("\n").partition("\t")
    try:
        R[key] = json.loads(value)
    except json.JSONDecodeError:
        R[key] = value

def get(key, field=None):
    v = R.get(key)
    if v is None: return None
    if field is None: return float(v) if not isinstance(v, dict) else v
    return v.get(field)

def fmt(x, unit="", digits=None):
    if x is None: return "n/a"
    if digits is None:
        digits = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2
    return f"{x:,.{digits}f}{unit}"

rows, checks = [], []
def row(name, p, r, unit, lower_better=False, ref=""):
    if p is None or r is None or p == 0 or r == 0:
        ratio = "n/a"
    elif lower_better:
        ratio = f"{r / p:.2f}× (R/P)"
    else:
        ratio = f"{p / r:.2f}× (P/R)"
    rows.append(f"| {name} | {fmt(p, unit)} | {fmt(r, unit)} | {ratio} | {ref} |")

def runs(key):
    v = R.get(key)
    return len(v.get("runs", [1])) if isinstance(v, dict) else 1

def pct(a, b): return None if not a or not b else 100.0 * a / b

size = f"{blob // (1 << 20)} MiB" if blob < (1 << 30) else f"{blob // (1 << 30)} GiB"
nginx_small = get("nginx.small", "requests_per_s")
sha_mb = get("sha256_bytes_per_s") / 1e6
disk_mb = get("disk_fsync_bytes_per_s") / 1e6

# 1: request rates
for key, label in (("manifest_tag", "1 manifest GET by tag"), ("manifest_digest", "1 manifest GET by digest"),
                   ("blob_head", "1 blob HEAD")):
    p, r = get(f"pier.{key}", "requests_per_s"), get(f"distribution.{key}", "requests_per_s")
    ref = f"nginx 1 KiB file: {fmt(nginx_small)} req/s; Pier = {fmt(pct(p, nginx_small), '%')}"
    row(f"{label} (req/s)", p, r, "", ref=ref)
    row(f"{label}, p99 latency (ms)", get(f"pier.{key}", "p99_ms"), get(f"distribution.{key}", "p99_ms"),
        "", lower_better=True)
    checks.append((f"{label}: ≥ 10× docker-registry", p and r and p >= 10 * r,
                   f"{p / r:.1f}×" if p and r else "n/a"))
    checks.append((f"{label}: ≥ 50% of nginx 1 KiB", p and nginx_small and p >= 0.5 * nginx_small,
                   fmt(pct(p, nginx_small), "%")))
# 2: pull
for s in ("1", "8"):
    p, r, n = (get(f"{k}.pull_{s}", "mb_per_s") for k in ("pier", "distribution", "nginx"))
    row(f"2 pull {size} blob, {s} stream{'s' if s != '1' else ''} (MB/s, best of {runs(f'pier.pull_{s}')})", p, r, "",
        ref=f"nginx sendfile: {fmt(n)} MB/s; Pier = {fmt(pct(p, n), '%')}")
    checks.append((f"pull, {s} stream(s): ≥ 90% of nginx and ahead of docker-registry",
                   p and n and r and p >= 0.9 * n and p > r, f"{fmt(pct(p, n), '%')} of nginx, {p / r:.2f}× registry"
                   if p and r and n else "n/a"))
def push_label(mode):
    chunk = get("pier.push_chunked", "chunk") or get("pier.memory_push_chunked", "chunk") or 0
    return "monolithic PUT" if mode == "monolithic" else f"{chunk // (1 << 20)} MiB PATCHes + PUT"
# 3: push. On disk the durable write rate (dd conv=fsync) bounds both registries; in memory
# (tmpfs) the registry's own path is measured against one core's SHA-256.
for mode in ("monolithic", "chunked"):
    label = push_label(mode)
    p, r = get(f"pier.push_{mode}", "mb_per_s"), get(f"distribution.push_{mode}", "mb_per_s")
    row(f"3 push {size} blob, {label}, to disk (MB/s, best of {runs(f'pier.push_{mode}')})", p, r, "",
        ref=f"disk, dd conv=fsync: {fmt(disk_mb)} MB/s; Pier = {fmt(pct(p, disk_mb), '%')}; "
            f"SHA-256 on one core: {fmt(sha_mb)} MB/s; Pier = {fmt(pct(p, sha_mb), '%')}")
    checks.append((f"push {mode} to disk: ≥ 85% of the disk's durable rate (dd conv=fsync) and ahead of docker-registry",
                   p and r and p >= 0.85 * disk_mb and p > r,
                   f"{fmt(pct(p, disk_mb), '%')} of dd, {p / r:.2f}× registry" if p and r else "n/a"))
for mode in ("monolithic", "chunked"):
    label = push_label(mode)
    p, r = get(f"pier.memory_push_{mode}", "mb_per_s"), get(f"distribution.memory_push_{mode}", "mb_per_s")
    if p is None and r is None:
        continue  # no RAM-backed folder with room on this machine
    row(f"3 push {size} blob, {label}, to tmpfs (MB/s, best of {runs(f'pier.memory_push_{mode}')})", p, r, "",
        ref=f"SHA-256 on one core: {fmt(sha_mb)} MB/s; Pier = {fmt(pct(p, sha_mb), '%')}")
    checks.append((f"push {mode} to tmpfs: ≥ 85% of one core's SHA-256 and ahead of docker-registry",
                   p and r and p >= 0.85 * sha_mb and p > r,
                   f"{fmt(pct(p, sha_mb), '%')} of SHA-256, {p / r:.2f}× registry" if p and r else "n/a"))
# 4: small pushes
p, r = get("pier.small_pushes", "images_per_s"), get("distribution.small_pushes", "images_per_s")
pe, re_ = get("pier.small_pushes", "errors"), get("distribution.small_pushes", "errors")
row(f"4 small image pushes, {images} images, 8 clients (images/s)", p, r, "",
    ref=f"errors: Pier {pe}, docker-registry {re_}")
checks.append(("small pushes: ≥ 10× docker-registry, no errors", p and r and p >= 10 * r and pe == 0,
               f"{p / r:.1f}×, {pe} errors" if p and r else "n/a"))
# 5: listings
for key, label, count in (("list_tags", f"tag list, {tags} tags, ?n=1000", tags),
                          ("list_catalog", f"catalog, {repos}+ repositories, ?n=1000", repos)):
    p, r = get(f"pier.{key}", "requests_per_s"), get(f"distribution.{key}", "requests_per_s")
    pp, rp = get(f"pier.{key}", "pages_per_list"), get(f"distribution.{key}", "pages_per_list")
    row(f"5 {label} (req/s)", p, r, "", ref=f"pages per full listing: Pier {pp}, docker-registry {rp}")
    row(f"5 {label}, whole listings/s", get(f"pier.{key}", "full_lists_per_s"),
        get(f"distribution.{key}", "full_lists_per_s"), "")
    checks.append((f"{label}: ≥ 10× docker-registry (requests/s)", p and r and p >= 10 * r,
                   f"{p / r:.1f}×" if p and r else "n/a"))
# 6: memory and start
mib = lambda k: None if get(k) is None else get(k) / 1024
row("6 RSS idle after start (MiB)", mib("pier.rss_idle_kib"), mib("distribution.rss_idle_kib"), "",
    lower_better=True)
row("6 peak RSS after workloads 1–4, VmHWM (MiB)", mib("pier.rss_peak_kib"), mib("distribution.rss_peak_kib"), "",
    lower_better=True)
row("6 RSS idle after restart with the listing data (MiB)", mib("pier.rss_restart_kib"),
    mib("distribution.rss_restart_kib"), "", lower_better=True)
pr, rr = get("pier.ready_ms"), get("distribution.ready_ms")
row(f"6 start-to-ready with {repos}+ repositories (ms, median of 3)", pr, rr, "", lower_better=True,
    ref=f"all runs: Pier {R.get('pier.ready_all_ms')}, docker-registry {R.get('distribution.ready_all_ms')}")
checks.append(("peak memory ≤ docker-registry's", mib("pier.rss_peak_kib") <= mib("distribution.rss_peak_kib"),
               f"{fmt(mib('pier.rss_peak_kib'), ' MiB')} vs {fmt(mib('distribution.rss_peak_kib'), ' MiB')}"))
checks.append(("ready in < 1 s", pr is not None and pr < 1000, fmt(pr, " ms")))

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"### {started}{' (quick mode)' if quick != '0' else ''}\n")
print(f"Command: `{command}` — {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
      f"load average at start {R.get('loadavg')}, took {R.get('elapsed_s')} s.\n")
print("| workload | Pier | docker-registry | ratio | reference |")
print("|---|---:|---:|---:|---|")
print("\n".join(rows))
print("\nRatio: (P/R) is Pier ÷ docker-registry for rates, (R/P) is docker-registry ÷ Pier for latency and "
      "memory; above 1 means Pier is better either way.\n")
print("Targets:\n")
for name, ok, detail in checks:
    print(f"- {'met' if ok else '**missed**'}: {name} ({detail})")
problems = [f"{k}: failed" if v.get("failed") else f"{k}: {v['errors']} errors"
            for k, v in R.items() if isinstance(v, dict) and (v.get("failed") or v.get("errors"))]
if problems:
    print("\nProblems (see the run's log for the first failing requests):\n")
    for p in problems: print(f"- {p}")
EOF

echo
cat "$REPORT"
if [[ $WRITE_DOC != 0 ]]; then
  { echo; cat "$REPORT"; } >>"$ROOT/docs/BENCHMARKS.md"
  log "appended to docs/BENCHMARKS.md"
fi
log "done in $((SECONDS - T0)) s"
