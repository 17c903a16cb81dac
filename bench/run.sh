#!/usr/bin/env bash
# bench/run.sh: Pier's benchmarks (`make bench`). Runs Pier, CNCF distribution (Debian's
# docker-registry) and nginx one after another on 127.0.0.1, drives them with
# build/pier-loadgen and wrk, prints the Markdown tables and appends them to docs/BENCHMARKS.md.
# Every workload runs on plain HTTP, again with TLS (one self-signed certificate for all three
# servers) and again with authentication on (Pier: bearer tokens from its token endpoint;
# distribution: htpasswd); then the scale workload (7) and the concurrency workload (8); then
# Pier scaled out, on PostgreSQL and an S3 server (npm's s3rver) that the run starts: workloads
# 1-6 with one replica, and manifest GETs and small pushes with 1, 2 and 3 replicas; then
# garbage collection (10): a registry of 100,000 manifests, 10% of them made garbage, collected
# (time, peak memory), and small pushes with and without collections running; then
# vulnerability scanning (11): layers of a Debian 12 root filesystem (debootstrap, cached) indexed
# per second, and the rescan of 10,000 small images' inventories after an OSV import; then
# notifications (12): small pushes with no rule, with a push rule to a webhook answering at once
# and with one to a webhook that never answers, in turn, and how soon the events arrive.
#
# Environment:
#   BENCH_QUICK=1        smaller sizes and shorter runs (64 MiB blobs, 200 images, 1000 tags/repos,
#                        scale to 10,000, 3 s, garbage collection of 10,000 manifests, 3 root
#                        filesystem layers scanned and 1,000 inventories rescanned)
#   BENCH_DIR=DIR        where the temporary working directory goes (default /tmp)
#   BENCH_MEMORY_DIR=DIR a RAM-backed folder for the pushes that leave the disk out (default /dev/shm)
#   BENCH_KEEP=1         keep the working directory (data, logs, raw results) afterwards
#   BENCH_WRITE_DOC=0|1  append the results to docs/BENCHMARKS.md (default: 1, or 0 with BENCH_QUICK)
#   BUILD_DIR=DIR        where pier and pier-loadgen are (default build)
#   PIER_BINARY=FILE     the pier binary to run (default BUILD_DIR/pier): a copy, so that a rebuild
#                        during the run does not change what is measured (Pier ignores this variable)
#   LOADGEN_BINARY=FILE  the same for pier-loadgen (not PIER_*: Pier refuses unknown PIER_ variables)
#   BENCH_ONLY=scaleout  run the scale-out section alone (its table compares with nothing else)
#   BENCH_ONLY=gc        run the garbage-collection section (workload 10) alone
#   BENCH_ONLY=scan      run the vulnerability-scanning section (workload 11) alone
#   BENCH_ONLY=notify    run the notification section (workload 12) alone
#   BENCH_CACHE_DIR=DIR  where the Debian 12 root filesystem tarball of workload 11 is kept between
#                        runs (default ${XDG_CACHE_HOME:-$HOME/.cache}/pier-bench); making it runs
#                        debootstrap (as root, from deb.debian.org) and takes minutes
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-build}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
PIER=${PIER_BINARY:-$BUILD/pier}
LOADGEN=${LOADGEN_BINARY:-$BUILD/pier-loadgen}
ONLY=${BENCH_ONLY:-}
case $ONLY in
  "" | scaleout | gc | scan | notify) ;;
  *) echo "bench: BENCH_ONLY must be scaleout, gc, scan or notify, not '$ONLY'" >&2; exit 2 ;;
esac
REGISTRY=/usr/bin/docker-registry
NGINX=/usr/sbin/nginx
QUICK=${BENCH_QUICK:-0}
[[ $QUICK = 0 ]] && WRITE_DOC=${BENCH_WRITE_DOC:-1} || WRITE_DOC=${BENCH_WRITE_DOC:-0}

# The scanning and notification sections alone run Pier, pier-loadgen and Python only.
[[ $ONLY = scan || $ONLY = notify ]] && peers=() || peers=("$REGISTRY" "$NGINX" /usr/bin/wrk)
for tool in "$PIER" "$LOADGEN" "${peers[@]}" /usr/bin/openssl /usr/bin/python3 /usr/bin/htpasswd; do
  [[ -x $tool ]] || { echo "bench: missing $tool (run: make bench)" >&2; exit 2; }
done

MiB=$((1 << 20))
# Workload 7 grows a store of its own from the first size to the second: Pier and
# distribution (whose listings walk its storage) to different sizes.
# The TLS and authenticated runs (VARIANT_*) measure rates for half as long and take the best
# of fewer pulls than the plain runs, so that the three together take about twice the plain
# runs' time.
PUSH_RUNS=2           # large pushes: the best of this many runs
MEMORY_PUSH_RUNS=3    # large pushes to tmpfs, where a run's speed depends most on the machine's memory
if [[ $QUICK != 0 ]]; then
  BLOB_SIZE=$((64 * MiB)) IMAGES=200 TAGS=1000 REPOS=1000 RATE_SECONDS=3 LIST_SECONDS=3
  VARIANT_SECONDS=3 PULL_RUNS=2 VARIANT_PULL_RUNS=2 PUSH_RUNS=1 MEMORY_PUSH_RUNS=2 AUTH_SHARE_ROUNDS=2
  SCALE_PIER=(1000 10000) SCALE_REGISTRY=(1000 2000) CROWD_IMAGES=500
  GC_REPOS=100 GC_PUSH_IMAGES=1000 GC_ROUNDS=2
  SCAN_LAYERS=3 SCAN_INVENTORIES=1000
  NOTIFY_IMAGES=500
else
  BLOB_SIZE=$((1024 * MiB)) IMAGES=2000 TAGS=10000 REPOS=10000 RATE_SECONDS=10 LIST_SECONDS=10
  VARIANT_SECONDS=5 PULL_RUNS=3 VARIANT_PULL_RUNS=3 AUTH_SHARE_ROUNDS=3
  SCALE_PIER=(1000 100000) SCALE_REGISTRY=(1000 10000) CROWD_IMAGES=2000
  GC_REPOS=1000 GC_PUSH_IMAGES=3000 GC_ROUNDS=5
  SCAN_LAYERS=8 SCAN_INVENTORIES=10000
  NOTIFY_IMAGES=2000
fi
CHUNK=$((64 * MiB))   # PATCH size of the chunked push
CLIENTS=8             # small pushes and seeding
CONNECTIONS=64        # request-rate workloads
PULL_STREAMS=8
LIST_CONNECTIONS=8
RESTARTS=3            # start-to-ready is the median of this many restarts
SEED_CLIENTS=32       # seeding workload 7: enough clients that the server, not the client, is the limit
SCALE_PAGE=100        # workload 7's catalog and tag-list pages: ?n=100&last=<the middle entry>
CROWD_CONNECTIONS=1000  # workload 8: keep-alive connections of the manifest GETs
CROWD_CLIENTS=100       # workload 8: clients pushing at once
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
VARIANTS=(plain tls auth)
# Workload 10: GC_REPOS repositories of GC_TAGS images each, GC_GARBAGE of them made garbage
# before the timed collection and GC_BATCH more before each run of pushes; the pushes (workload
# 4's, GC_PUSH_IMAGES images by CLIENTS clients) run GC_ROUNDS times each way, in turn.
GC_TAGS=100
GC_GARBAGE=0.1
GC_BATCH=0.02
GC_POPULATE_PROCESSES=2   # Python clients: two processes of 16 threads keep up with loadgen's 8
GC_POPULATE_THREADS=16
# Workload 11: SCAN_LAYERS images of one big distinct layer each (the Debian 12 tree behind a
# small file of its own), then SCAN_INVENTORIES small images pushed by SCAN_CLIENTS clients and
# an OSV feed of SCAN_RECORDS records imported, whose rescan is timed.
SCAN_CLIENTS=16
SCAN_RECORDS=300
SCAN_CACHE=${BENCH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pier-bench}
# Workload 12: NOTIFY_IMAGES small images by CLIENTS clients per run, NOTIFY_ROUNDS runs of each
# condition (no rule, a rule to a receiver answering at once, a rule to one that never answers)
# in turn; one attempt may take NOTIFY_TIMEOUT, and the rule to the silent receiver is never
# disabled while it runs (notifications.disable_after).
NOTIFY_ROUNDS=3
NOTIFY_TIMEOUT=10s

# Workload 8 holds 1,000 connections open: one file per connection, in each process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

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

# One self-signed certificate (EC P-256, for IP 127.0.0.1) for Pier, distribution and nginx,
# and the credentials of the authenticated runs: Pier's bootstrap superuser admin (created on
# the first start with auth.admin_password, whether authentication is on or not), and
# distribution's one htpasswd user, bcrypt-hashed by htpasswd -B at its default cost (5).
TLS_DIR=$WORK/tls
mkdir -p "$TLS_DIR"
CERT=$TLS_DIR/cert.pem
KEY=$TLS_DIR/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$KEY" -out "$CERT" -days 7 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
PASSWORD=$(openssl rand -hex 16)
HTPASSWD=$TLS_DIR/htpasswd
htpasswd -Bbc "$HTPASSWD" bench "$PASSWORD" 2>/dev/null

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
result_of() { awk -F'\t' -v key="$1" '$1 == key {value = $2} END {print value}' "$RESULTS"; }

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

# The configurations of one store, one per variant: plain (HTTP, no authentication), tls
# (HTTPS, no authentication) and auth (HTTP, authentication on).
write_configs() {  # dir port
  local dir=$1 port=$2 variant
  mkdir -p "$dir/data"
  for variant in "${VARIANTS[@]}"; do
    {
      printf 'log:\n  level: warn\n  access_log: false\n'
      # One token lasts the run (the default lifetime is 300 s).
      printf 'auth:\n  enabled: %s\n  admin_password: "%s"\n  token_ttl: 6h\n' \
        "$([[ $variant = auth ]] && echo true || echo false)" "$PASSWORD"
      [[ $variant = tls ]] && printf 'tls:\n  certificate: %s\n  key: %s\n' "$CERT" "$KEY"
      printf '%s' "${SHARED_BACKENDS:-}"
      printf '\n%s\n' "${EXTRA_PIER_CONFIG:-}"
    } >"$dir/pier-$variant.yaml"
    {
      cat <<EOF
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
      [[ $variant = tls ]] && printf '  tls:\n    certificate: %s\n    key: %s\n' "$CERT" "$KEY"
      [[ $variant = auth ]] && printf 'auth:\n  htpasswd:\n    realm: pier-bench\n    path: %s\n' "$HTPASSWD"
    } >"$dir/registry-$variant.yml"
  done
}

variant_url() {  # variant port
  [[ $1 = tls ]] && echo "https://127.0.0.1:$2" || echo "http://127.0.0.1:$2"
}

# Sets CLIENT to pier-loadgen's options for a variant: the certificate to trust, or the
# credentials to answer challenges with.
client_for() {  # kind variant
  CLIENT=()
  case $2 in
    tls) CLIENT=(--ca "$CERT") ;;
    auth) CLIENT=(--user "$([[ $1 = pier ]] && echo admin || echo bench)" --password "$PASSWORD") ;;
  esac
}

# Starts pier or distribution on the port and waits until GET /v2/ answers 200 (with
# authentication on: 401, the first answer a client gets); sets SERVER_PID and READY_MS
# (from just before the exec).
start_server() {  # kind dir port [variant]
  local kind=$1 dir=$2 port=$3 variant=${4:-plain} since out
  local CLIENT
  client_for "$kind" "$variant"
  since=$EPOCHREALTIME
  if [[ $kind != distribution ]]; then
    env -u PIER_ADMIN_PASSWORD "$PIER" serve --listen "127.0.0.1:$port" --data-dir "$dir/data" \
      --config "$dir/pier-$variant.yaml" </dev/null >>"$dir/server.log" 2>&1 &
  else
    "$REGISTRY" serve "$dir/registry-$variant.yml" </dev/null >>"$dir/server.log" 2>&1 &
  fi
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  if ! out=$(bounded 40 "$LOADGEN" wait-ready --url "$(variant_url "$variant" "$port")" "${CLIENT[@]}" \
               --pid "$SERVER_PID" --since "$since" --timeout 30); then
    echo "bench: $kind ($variant) did not start; its log:" >&2
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

# wrk run -> {"requests_per_s":..,"p50_ms":..,"p99_ms":..,"errors":..}. A response is an error
# after 30 s, not after wrk's default 2 s: a slow answer (docker-registry's catalog pages, with
# 64 connections waiting on it) is counted in the latency, not as a failure.
wrk_rate() {  # url [extra wrk args...]
  local url=$1 out
  shift
  local seconds=${PHASE_RATE_SECONDS:-$RATE_SECONDS}
  out=$(bounded $((seconds + 60)) wrk -t2 -c"$CONNECTIONS" -d"${seconds}s" --timeout 30s --latency "$@" "$url")
  python3 - "$out" <<'EOF'
import json, re, sys
text = sys.argv[1]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def pct(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, text, re.M)
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)] if m else None
errors = 0
m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
if m: errors += int(m.group(1))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if m: errors += sum(int(x) for x in m.groups())
print(json.dumps({"requests_per_s": rps, "p50_ms": pct(50), "p99_ms": pct(99), "errors": errors}))
EOF
}

# The Authorization header a registry client ends up sending for GET of a path (wrk cannot
# answer a challenge itself): a bearer token from Pier's token endpoint, or distribution's Basic.
authorization_for() {  # url path client-args...
  local url=$1 path=$2 out
  shift 2
  out=$(bounded 60 "$LOADGEN" authorize --url "$url" --path "$path" --header "Accept: $OCI_MANIFEST" "$@") || return 1
  json "$out" authorization
}

# Workloads 1-6 on one registry in one variant; the store is the same for every variant
# (started again with another configuration), seeded for workload 5 in the plain run, which
# runs first. Results are recorded under NAME: pier, pier-tls, pier-auth, distribution, ...
run_phase() {  # kind variant
  local kind=$1 variant=$2 dir=$WORK/$1 port name url pid digest repo tag manifest layer i ms streams
  local CLIENT wrk_auth=() nginx_url=""
  local PHASE_RATE_SECONDS=$RATE_SECONDS list_seconds=$LIST_SECONDS pull_runs=$PULL_RUNS
  if [[ $variant != plain ]]; then
    PHASE_RATE_SECONDS=$VARIANT_SECONDS list_seconds=$VARIANT_SECONDS pull_runs=$VARIANT_PULL_RUNS
  fi
  port=${PORTS[$kind]}
  name=$kind
  [[ $variant = plain ]] || name=$kind-$variant
  url=$(variant_url "$variant" "$port")
  client_for "$kind" "$variant"
  # nginx, the reference of workloads 1 and 2, serves beside Pier's plain and TLS runs.
  if [[ $kind = pier && $variant = plain ]]; then
    nginx_url=$NGINX_URL
  elif [[ $kind = pier && $variant = tls ]]; then
    nginx_url=$NGINX_TLS_URL
  fi
  local nginx_name=nginx
  [[ $variant = plain ]] || nginx_name=nginx-$variant

  [[ $variant = plain ]] && write_configs "$dir" "$port"
  log "$name: starting on $url"
  start_server "$kind" "$dir" "$port" "$variant"
  pid=$SERVER_PID
  if [[ $variant = plain ]]; then
    sleep 1
    record "$name.rss_idle_kib" "$(rss_kib "$pid" VmRSS)"
  fi

  # Workload 3: push one large blob, monolithic then chunked, each run in turn with dd
  # writing as much to the same disk (its reference).
  local mode push disk=(disk_reference)
  for mode in monolithic chunked; do
    log "$name: workload 3, push $((BLOB_SIZE / MiB)) MiB $mode, in turn with dd (best of $PUSH_RUNS)"
    push=(synced bounded 600 "$LOADGEN" push-blob --url "$url" "${CLIENT[@]}" --repo bench/big --size "$BLOB_SIZE"
          --mode "$mode" --chunk "$CHUNK")
    measure_best_alternating mb_per_s "$PUSH_RUNS" "$name.push_$mode" push "$name.push_${mode}_disk" disk
    if [[ $mode = monolithic ]]; then digest=$(json "$(result_of "$name.push_$mode")" digest) || digest=""; fi
  done
  [[ -n $digest ]] || { echo "bench: $name: the large push failed" >&2; return 1; }

  # Workload 2: pull it back, 1 and 8 streams. Pier's pulls alternate with nginx sending the
  # same file, its reference.
  if [[ -n $nginx_url ]]; then
    ln -sf "$(find "$dir/data" -type f -name "${digest#sha256:}" -size +0 | head -1)" "$NGINX_DIR/html/big.bin"
  fi
  for streams in 1 "$PULL_STREAMS"; do
    local pull=(bounded 600 "$LOADGEN" pull-blob --url "$url" "${CLIENT[@]}" --path "/v2/bench/big/blobs/$digest"
                --streams "$streams" --bytes "$BLOB_SIZE")
    if [[ -n $nginx_url ]]; then
      log "$name: workload 2, pull with $streams stream(s), in turn with nginx (best of $pull_runs)"
      local nginx_pull=(bounded 600 "$LOADGEN" pull-blob --url "$nginx_url" --ca "$CERT" --path /big.bin
                        --streams "$streams" --bytes "$BLOB_SIZE")
      measure_best_alternating mb_per_s "$pull_runs" "$name.pull_$streams" pull "$nginx_name.pull_$streams" nginx_pull
    else
      log "$name: workload 2, pull with $streams stream(s) (best of $pull_runs)"
      measure_best "$name.pull_$streams" mb_per_s "$pull_runs" "${pull[@]}"
    fi
  done

  # Workload 4: many small image pushes.
  log "$name: workload 4, $IMAGES small image pushes with $CLIENTS clients"
  sync
  measure "$name.small_pushes" bounded 900 "$LOADGEN" small-pushes --url "$url" "${CLIENT[@]}" --images "$IMAGES" \
    --clients "$CLIENTS" --repo-prefix bench/small
  repo=$(json "$OUT" sample.repo) || { echo "bench: $name: the small pushes failed" >&2; return 1; }
  tag=$(json "$OUT" sample.tag)
  manifest=$(json "$OUT" sample.manifest)
  layer=$(json "$OUT" sample.layer)
  if [[ $variant = plain ]]; then
    SAMPLE_REPO=$repo SAMPLE_TAG=$tag
  fi

  # Workload 1: request rates on manifests and blobs.
  local target
  for target in "tag:$tag" "digest:$manifest"; do
    local path=/v2/$repo/manifests/${target#*:}
    log "$name: workload 1, manifest GET by ${target%%:*}"
    wrk_auth=()
    if [[ $variant = auth ]]; then
      local authorization
      authorization=$(authorization_for "$url" "$path" "${CLIENT[@]}") || log "$name: no authorization for $path"
      wrk_auth=(-H "Authorization: ${authorization:-none}")
    fi
    measure "$name.manifest_${target%%:*}" wrk_rate "$url$path" -H "Accept: $OCI_MANIFEST" "${wrk_auth[@]}"
  done
  log "$name: workload 1, blob HEAD"
  measure "$name.blob_head" bounded $((PHASE_RATE_SECONDS + 30)) "$LOADGEN" rate --url "$url" "${CLIENT[@]}" \
    --path "/v2/$repo/blobs/$layer" --method HEAD --seconds "$PHASE_RATE_SECONDS" --connections "$CONNECTIONS"
  if [[ -n $nginx_url ]]; then
    log "$nginx_name: 1 KiB static file (the reference of workload 1, measured next to Pier's)"
    measure "$nginx_name.small" wrk_rate "$nginx_url/1k.bin"
  fi

  record "$name.rss_peak_kib" "$(rss_kib "$pid" VmHWM)"

  # Workload 5: listings (seeding is preparation, not timed; done once, in the plain run).
  if [[ $variant = plain ]]; then
    log "$name: workload 5, seeding $TAGS tags and $REPOS repositories"
    measure "$name.seed_tags" bounded 900 "$LOADGEN" seed-tags --url "$url" --repo bench/tags \
      --count "$TAGS" --clients "$CLIENTS"
    measure "$name.seed_repos" bounded 900 "$LOADGEN" seed-repos --url "$url" --count "$REPOS" \
      --clients "$CLIENTS" --repo-prefix seed
  fi
  log "$name: workload 5, tag list"
  measure "$name.list_tags" bounded $((list_seconds + 60)) "$LOADGEN" list --url "$url" "${CLIENT[@]}" \
    --path '/v2/bench/tags/tags/list?n=1000' --seconds "$list_seconds" --connections "$LIST_CONNECTIONS"
  log "$name: workload 5, catalog"
  measure "$name.list_catalog" bounded $((list_seconds + 60)) "$LOADGEN" list --url "$url" "${CLIENT[@]}" \
    --path '/v2/_catalog?n=1000' --seconds "$list_seconds" --connections "$LIST_CONNECTIONS"
  stop_server "$pid"

  # Workload 6: start-to-ready with everything above stored (10,000+ repositories).
  measure_restarts "$name" "$kind" "$dir" "$port" "$variant" "$([[ $variant = plain ]] && echo "$name.rss_restart_kib")"

  [[ $kind = pier && $variant = auth ]] && run_auth_share "$repo" "$tag" "$manifest"
  return 0
}

# What authentication costs Pier on manifest GETs, as a share of its own rate without it: the
# same store is served with authentication off and on in turn, AUTH_SHARE_ROUNDS rounds; each
# round's ratio is recorded and the median is the figure. The plain and authenticated phases
# run minutes apart, and on a shared 2-core machine the drift over those minutes was as large
# as the cost being measured (the same binary's ratio read 74% in one run and 114% in another).
run_auth_share() {  # repo tag manifest
  local repo=$1 tag=$2 manifest=$3 dir=$WORK/pier port=${PORTS[pier]} i variant target path url
  local PHASE_RATE_SECONDS=$VARIANT_SECONDS CLIENT wrk_auth authorization
  local -A rates=()
  url=$(variant_url plain "$port")
  log "pier: authentication's share of the manifest GET rate, $AUTH_SHARE_ROUNDS rounds off and on in turn"
  for ((i = 0; i < AUTH_SHARE_ROUNDS; i++)); do
    for variant in plain auth; do
      start_server pier "$dir" "$port" "$variant"
      client_for pier "$variant"
      for target in "tag:$tag" "digest:$manifest"; do
        path=/v2/$repo/manifests/${target#*:}
        wrk_auth=()
        if [[ $variant = auth ]]; then
          authorization=$(authorization_for "$url" "$path" "${CLIENT[@]}") || log "pier: no authorization for $path"
          wrk_auth=(-H "Authorization: ${authorization:-none}")
        fi
        run_once "pier-auth-share" wrk_rate "$url$path" -H "Accept: $OCI_MANIFEST" "${wrk_auth[@]}" || OUT='{}'
        rates[$variant.${target%%:*}]+="$OUT"$'\n'
      done
      stop_server "$SERVER_PID"
    done
  done
  for target in tag digest; do
    record "pier-auth-share.manifest_$target" "$(python3 -c 'import json,statistics,sys
parse=lambda text: [json.loads(line).get("requests_per_s") for line in text.splitlines()]
plain, auth = parse(sys.argv[1]), parse(sys.argv[2])
ratios = [a / p for p, a in zip(plain, auth) if p and a]
print(json.dumps({"share": statistics.median(ratios) if ratios else None, "ratios": ratios,
                  "plain": plain, "auth": auth}))' "${rates[plain.$target]}" "${rates[auth.$target]}")"
  done
}

# Restarts a stopped server RESTARTS times; records the median start-to-ready under NAME and
# (given a key) VmRSS 1 s after the first restart.
measure_restarts() {  # name kind dir port variant [rss-key]
  local name=$1 kind=$2 dir=$3 port=$4 variant=$5 rss_key=${6:-} times=() i ms
  for ((i = 0; i < RESTARTS; i++)); do
    start_server "$kind" "$dir" "$port" "$variant"
    times+=("$READY_MS")
    if ((i == 0)) && [[ -n $rss_key ]]; then
      sleep 1
      record "$rss_key" "$(rss_kib "$SERVER_PID" VmRSS)"
    fi
    stop_server "$SERVER_PID"
  done
  ms=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((RESTARTS + 1) / 2))p")
  record "$name.ready_ms" "$ms"
  record "$name.ready_all_ms" "$(IFS=,; echo "${times[*]}")"
  log "$name: start-to-ready ${times[*]} ms"
}

# Workload 8: many clients at once, on the store of the plain run, freshly started so that
# VmHWM is this workload's peak. Manifest GETs by tag over CROWD_CONNECTIONS keep-alive
# connections (VmRSS sampled every 0.2 s while they run), then CROWD_CLIENTS clients pushing
# small images at once.
run_concurrency() {  # kind
  local kind=$1 dir=$WORK/$1 port=${PORTS[$1]} url pid out_file rate_pid max_rss=0 rss status=0
  url=http://127.0.0.1:$port
  log "$kind: workload 8, starting on $url"
  start_server "$kind" "$dir" "$port" plain
  pid=$SERVER_PID
  sleep 1
  record "$kind.crowd_rss_idle_kib" "$(rss_kib "$pid" VmRSS)"
  log "$kind: workload 8, manifest GET by tag over $CROWD_CONNECTIONS connections"
  out_file=$WORK/crowd-$kind.json
  bounded $((RATE_SECONDS + 120)) "$LOADGEN" rate --url "$url" --path "/v2/$SAMPLE_REPO/manifests/$SAMPLE_TAG" \
    --header "Accept: $OCI_MANIFEST" --seconds "$RATE_SECONDS" --connections "$CROWD_CONNECTIONS" >"$out_file" &
  rate_pid=$!
  while kill -0 "$rate_pid" 2>/dev/null; do
    rss=$(rss_kib "$pid" VmRSS)
    ((${rss:-0} > max_rss)) && max_rss=$rss
    sleep 0.2
  done
  wait "$rate_pid" || status=$?
  ((status == 0)) || log "$kind.crowd_get: exit status $status (see messages above)"
  OUT=$(cat "$out_file")
  [[ $OUT == \{* ]] || OUT='{"failed": true}'
  record "$kind.crowd_get" "$OUT"
  record "$kind.crowd_rss_during_kib" "$max_rss"
  record "$kind.crowd_hwm_get_kib" "$(rss_kib "$pid" VmHWM)"
  sleep 1
  record "$kind.crowd_rss_after_get_kib" "$(rss_kib "$pid" VmRSS)"
  log "$kind: workload 8, $CROWD_IMAGES small image pushes by $CROWD_CLIENTS clients at once"
  sync
  measure "$kind.crowd_push" bounded 900 "$LOADGEN" small-pushes --url "$url" --images "$CROWD_IMAGES" \
    --clients "$CROWD_CLIENTS" --repo-prefix bench/crowd
  record "$kind.crowd_hwm_kib" "$(rss_kib "$pid" VmHWM)"
  record "$kind.crowd_rss_after_push_kib" "$(rss_kib "$pid" VmRSS)"
  stop_server "$pid"
}

# Workload 7: a store of its own, grown to each size of SIZES in turn (repositories
# scale/rNNNNNN, one tiny image each with its blobs cross-mounted; tags tag-NNNNNN of
# scale-tags/many), seeded untimed by SEED_CLIENTS clients; at each size a catalog page and a
# tag-list page from the middle, manifest GET, small pushes and start-to-ready.
# Workload 7's figures for the store behind $url, which holds $size repositories and tags.
measure_scale_point() {  # kind url size name
  local kind=$1 url=$2 size=$3 name=$4 mid page
  mid=$(printf '%06d' $((size / 2)))
  local catalog="/v2/_catalog?n=$SCALE_PAGE&last=scale/r$mid"
  local tags="/v2/scale-tags/many/tags/list?n=$SCALE_PAGE&last=tag-$mid"
  # The seeding's writes reach the disk first, not during the first rate measured.
  sync
  for page in "catalog:$catalog" "tags:$tags"; do
    record "$name.${page%%:*}_page" "$(page_summary "$url${page#*:}")"
    log "$kind: workload 7 at $size, ${page%%:*} page ${page#*:}"
    measure "$name.${page%%:*}" wrk_rate "$url${page#*:}"
  done
  log "$kind: workload 7 at $size, manifest GET"
  measure "$name.manifest" wrk_rate "$url/v2/scale/r$mid/manifests/latest" -H "Accept: $OCI_MANIFEST"
  log "$kind: workload 7 at $size, $IMAGES small image pushes"
  sync
  measure "$name.small_pushes" bounded 900 "$LOADGEN" small-pushes --url "$url" --images "$IMAGES" \
    --clients "$CLIENTS" --repo-prefix scale-push
}

seed_scale() {  # kind url name from to
  local kind=$1 url=$2 name=$3 from=$4 to=$5
  log "$kind: workload 7, seeding $((to - from)) more repositories and tags (to $to)"
  measure "$name.seed_repos" bounded 3600 "$LOADGEN" seed-repos --url "$url" --count $((to - from)) --start "$from" \
    --clients "$SEED_CLIENTS" --repo-prefix scale
  measure "$name.seed_tags" bounded 3600 "$LOADGEN" seed-tags --url "$url" --repo scale-tags/many \
    --count $((to - from)) --start "$from" --clients "$SEED_CLIENTS"
}

run_scale() {  # kind sizes...
  local kind=$1 dir=$WORK/$1-scale port url have=0 size name
  shift
  local sizes=("$@")
  port=$(free_port)
  url=http://127.0.0.1:$port
  write_configs "$dir" "$port"
  start_server "$kind" "$dir" "$port" plain
  for size in "${sizes[@]}"; do
    name=$kind.scale_$size
    seed_scale "$kind" "$url" "$name" "$have" "$size"
    have=$size
    measure_scale_point "$kind" "$url" "$size" "$name"
    stop_server "$SERVER_PID"
    measure_restarts "$name" "$kind" "$dir" "$port" plain
    [[ $size = "${sizes[-1]}" ]] || start_server "$kind" "$dir" "$port" plain
  done
  # The smallest store once more, new and measured right after the largest: the machine's
  # figures drift over the minutes the seeding takes, and this tells that drift from what the
  # store's size does.
  ((${#sizes[@]} > 1)) || return 0
  size=${sizes[0]}
  name=$kind.scale_${size}_after
  dir=$WORK/$kind-scale-after
  port=$(free_port)
  url=http://127.0.0.1:$port
  write_configs "$dir" "$port"
  start_server "$kind" "$dir" "$port" plain
  seed_scale "$kind" "$url" "$name" 0 "$size"
  measure_scale_point "$kind" "$url" "$size" "$name"
  stop_server "$SERVER_PID"
  measure_restarts "$name" "$kind" "$dir" "$port" plain
}

# What one GET of a listing page returns: {"status":..,"entries":..,"bytes":..,"next":..}.
page_summary() {  # url
  python3 - "$1" <<'EOF'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=60) as r:
        body = r.read()
        d = json.loads(body)
        entries = d.get("repositories", d.get("tags")) or []
        print(json.dumps({"status": r.status, "entries": len(entries), "bytes": len(body),
                          "first": entries[0] if entries else None, "next": "next" in (r.headers.get("Link") or "")}))
except Exception as e:
    print(json.dumps({"failed": True, "error": str(e)}))
EOF
}

# Workload 3 again with the registry's data on a RAM-backed filesystem: the disk's durable
# write rate is then out of the way, and what is left is the registry's own path (receive,
# hash, write), which the one-core SHA-256 reference is about.
run_push_in_memory() {  # kind variant
  local kind=$1 variant=$2 name=$1
  [[ $variant = plain ]] || name=$kind-$variant
  [[ -n $MEMORY_WORK ]] || return 0
  local mode push sha=(sha256_reference)
  for mode in monolithic chunked; do
    log "$name: workload 3 in memory, push $((BLOB_SIZE / MiB)) MiB $mode, in turn with openssl speed sha256" \
        "(best of $MEMORY_PUSH_RUNS)"
    push=(push_on_empty_store "$kind" "$mode" "$variant")
    measure_best_alternating mb_per_s "$MEMORY_PUSH_RUNS" "$name.memory_push_$mode" push \
      "$name.memory_push_${mode}_sha256" sha
  done
}

# One push to a registry started on an empty store that is removed afterwards. Every run so
# writes into memory the previous run gave back: a virtual machine's memory that the guest
# has not touched yet costs two to three times as much to write the first time, and blobs
# kept from run to run would make each run slower than the one before.
push_on_empty_store() {  # kind mode variant
  local kind=$1 mode=$2 variant=$3 dir=$MEMORY_WORK/$1 port status=0 CLIENT
  port=$(free_port)
  rm -rf "$dir"
  write_configs "$dir" "$port"
  client_for "$kind" "$variant"
  start_server "$kind" "$dir" "$port" "$variant" >&2 || return 1
  bounded 600 "$LOADGEN" push-blob --url "$(variant_url "$variant" "$port")" "${CLIENT[@]}" --repo bench/big \
    --size "$BLOB_SIZE" --mode "$mode" --chunk "$CHUNK" || status=$?
  stop_server "$SERVER_PID"
  rm -rf "$dir"
  return "$status"
}

# nginx, the reference for workloads 1 and 2, serves a 1 KiB file and (once Pier has stored
# it) Pier's copy of the large blob, linked as big.bin; on plain HTTP and on TLS with the
# same certificate as the registries.
start_nginx() {
  local dir=$WORK/nginx port tls_port url pid
  port=$(free_port)
  tls_port=$(free_port)
  url=http://127.0.0.1:$port
  mkdir -p "$dir/html" "$dir/tmp" "$dir/logs"
  head -c 1024 /dev/urandom >"$dir/html/1k.bin"
  local user_line=""
  [[ $(id -u) -eq 0 ]] && user_line="user root;"
  cat >"$dir/nginx.conf" <<EOF
$user_line
worker_processes auto;
worker_rlimit_nofile 65536;
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
  server {
    listen 127.0.0.1:$tls_port ssl;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    root $dir/html;
  }
}
EOF
  log "nginx: starting on $url and https://127.0.0.1:$tls_port"
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
  NGINX_DIR=$dir NGINX_URL=$url NGINX_TLS_URL=https://127.0.0.1:$tls_port NGINX_PID=$pid
}

# The machine's references as commands that print {"mb_per_s": ...}, so that each push can be
# measured in turn with its reference (measure_best_alternating): the disk's durable rate
# read 388 MB/s at the start of one run and 858 at the start of another, and one core's
# SHA-256 moves with the host's load too.
openssl_speed() {  # algorithm [seconds] -> bytes/s on one core, 16 KiB blocks
  bounded 60 openssl speed -evp "$1" -bytes 16384 -seconds "${2:-3}" 2>/dev/null | tail -1 |
    awk '{v=$NF; if (v ~ /k$/) {sub(/k$/, "", v); v *= 1000}; printf "%.0f", v}'
}
disk_bytes_per_s() {  # dd of the large blob's size to $WORK with conv=fsync -> bytes/s
  local out
  out=$(bounded 300 dd if=/dev/zero of="$WORK/dd.bin" bs=1M count=$((BLOB_SIZE / MiB)) conv=fsync 2>&1 | tail -1)
  rm -f "$WORK/dd.bin"
  awk '{for (i = 1; i < NF; i++) if ($(i + 1) == "s,") s = $i; printf "%.0f", $1 / s}' <<<"$out"
}
disk_reference() { sync; printf '{"mb_per_s": %.1f}\n' "$(($(disk_bytes_per_s) / 100000))e-1"; }
sha256_reference() { printf '{"mb_per_s": %.1f}\n' "$(($(openssl_speed sha256 1) / 100000))e-1"; }
# A command run after the disk has written back what the previous one left.
synced() { sync; "$@"; }

# ---- scale-out ----

# Pier on PostgreSQL (tests/postgres.sh, durable: fsync on, as SQLite syncs) and s3rver (tests/s3.sh) instead of
# SQLite and the filesystem. Workloads 1-6 with one replica (results under "scaleout."), then
# manifest GETs by tag and small pushes spread over 1, 2 and 3 replicas of the same store
# (under "replicas_<n>."): the connections and clients are split between the replicas, each
# driven by a client of its own, and the rates summed.
run_scaleout() {
  local pg=$WORK/postgres s3=$WORK/s3 bucket=bench endpoint n i ports=() pids=() clients=() total
  log "scale-out: starting PostgreSQL and s3rver"
  "$ROOT/tests/postgres.sh" start "$pg" durable
  "$ROOT/tests/s3.sh" start "$s3"
  endpoint=$(cat "$s3/endpoint")
  curl -fsS -X PUT "$endpoint/$bucket" >/dev/null
  SHARED_BACKENDS=$(printf 'metadata:\n  driver: postgres\n  postgres:\n    url: "postgresql://pier@/postgres?host=%s"\nstorage:\n  driver: s3\n  s3:\n    endpoint: %s\n    bucket: %s\n    access_key: S3RVER\n    secret_key: S3RVER\n' "$pg" "$endpoint" "$bucket")
  PORTS[scaleout]=$(free_port)
  run_phase scaleout plain
  local dir=$WORK/scaleout manifest_path=/v2/$SAMPLE_REPO/manifests/$SAMPLE_TAG
  for n in 1 2 3; do
    ports=() pids=()
    for ((i = 0; i < n; i++)); do
      ports+=("$(free_port)")
      start_server scaleout "$dir" "${ports[i]}" plain
      pids+=("$SERVER_PID")
    done
    log "scale-out: manifest GET by tag over $n replica(s), $CONNECTIONS connections split between them"
    clients=()
    for ((i = 0; i < n; i++)); do
      bounded $((RATE_SECONDS + 60)) wrk -t1 -c$((CONNECTIONS / n)) -d"${RATE_SECONDS}s" --timeout 30s \
        -H "Accept: $OCI_MANIFEST" "http://127.0.0.1:${ports[i]}$manifest_path" >"$WORK/wrk-$n-$i.txt" &
      clients+=($!)
    done
    wait "${clients[@]}"
    total=$(cat "$WORK"/wrk-"$n"-*.txt | awk '/Requests\/sec:/ {sum += $2} /Non-2xx/ {bad += $NF}
      /Socket errors/ {bad += 1} END {printf "%.1f %d", sum, bad}')
    record "replicas_$n.manifest_tag" "{\"requests_per_s\": ${total% *}, \"errors\": ${total#* }}"
    log "scale-out: $IMAGES small image pushes over $n replica(s), $CLIENTS clients split between them"
    clients=()
    for ((i = 0; i < n; i++)); do
      bounded 900 "$LOADGEN" small-pushes --url "http://127.0.0.1:${ports[i]}" --images $((IMAGES / n)) \
        --clients $(((CLIENTS + n - 1) / n)) --repo-prefix "bench/replicas$n-$i" >"$WORK/push-$n-$i.json" &
      clients+=($!)
    done
    wait "${clients[@]}"
    record "replicas_$n.small_pushes" "$(python3 "$ROOT/bench/sum_pushes.py" "$WORK"/push-"$n"-*.json)"
    for i in "${pids[@]}"; do stop_server "$i"; done
  done
  SHARED_BACKENDS=""
  "$ROOT/tests/s3.sh" stop "$s3"
  "$ROOT/tests/postgres.sh" stop "$pg"
}

# ---- garbage collection ----

# Workload 10: Pier alone on a store of its own (SQLite and the filesystem, authentication
# off), garbage collected only when asked (gc.interval 8760h: periods are slots aligned to the
# epoch, and with 24h a run crossing midnight UTC would collect on its own), garbage
# collected as soon as it is garbage (gc.history_window and gc.blob_grace 0s), and blobs above
# 1 KiB kept as files (storage.inline_max_bytes 1024: the 4 KiB layers are files, as real
# layers are, and the configs stay in the database, as they would). bench/gc.py is the client.
run_gc() {
  local dir=$WORK/gc port url pid token i cond status loop_pid strace_pid gc_py=$ROOT/bench/gc.py k
  local pushes_without=() pushes_with=() procs=() files=() push cpu
  local images=$((GC_REPOS * GC_TAGS)) per=$((GC_REPOS / GC_POPULATE_PROCESSES))
  record gc.config "{\"repos\": $GC_REPOS, \"tags\": $GC_TAGS, \"garbage\": $GC_GARBAGE, \"batch\": $GC_BATCH, \"push_images\": $GC_PUSH_IMAGES, \"rounds\": $GC_ROUNDS}"
  port=$(free_port)
  url=http://127.0.0.1:$port
  EXTRA_PIER_CONFIG=$(printf 'gc:\n  interval: 8760h\n  history_window: 0s\n  blob_grace: 0s\nstorage:\n  inline_max_bytes: 1024')
  write_configs "$dir" "$port"
  EXTRA_PIER_CONFIG=""
  log "gc: workload 10, starting Pier on $url"
  start_server pier "$dir" "$port" plain
  pid=$SERVER_PID
  # The collections sign in with an API token: Basic credentials cost an Argon2 hash (19 MiB)
  # per request, which the collection's peak memory would include. The management API asks
  # for credentials even with authentication off; admin is the bootstrap superuser.
  token=$(json "$(bounded 60 python3 "$gc_py" token --url "$url" --user admin --password "$PASSWORD")" token)

  log "gc: populating $images manifests in $GC_REPOS repositories ($GC_POPULATE_PROCESSES processes of" \
      "$GC_POPULATE_THREADS clients)"
  sync
  for ((i = 0; i < GC_POPULATE_PROCESSES; i++)); do
    bounded 7200 python3 "$gc_py" populate --url "$url" --prefix gc/pop --repos "$per" --first-repo $((i * per)) \
      --per-repo "$GC_TAGS" --clients "$GC_POPULATE_THREADS" >"$WORK/gc-populate-$i.json" &
    procs+=($!)
    files+=("$WORK/gc-populate-$i.json")
  done
  status=0
  for i in "${procs[@]}"; do wait "$i" || status=$?; done
  ((status == 0)) || log "gc.populate: exit status $status (see messages above)"
  record gc.populate "$(python3 "$ROOT/bench/sum_pushes.py" "${files[@]}" || echo '{"failed": true}')"
  record gc.populate_hwm_kib "$(rss_kib "$pid" VmHWM)"
  record gc.store_populated "$(gc_store_summary "$dir/data")"

  log "gc: making garbage of $GC_GARBAGE of the manifests (half untagged, half deleted by digest)"
  measure gc.garbage bounded 3600 python3 "$gc_py" garbage --url "$url" --prefix gc/pop --fraction "$GC_GARBAGE" \
    --clients "$CLIENTS"
  # Collected by a server started afresh: its memory holds nothing from the pushes before.
  stop_server "$pid"
  sync
  start_server pier "$dir" "$port" plain
  pid=$SERVER_PID
  sleep 1
  log "gc: one collection of the garbage"
  measure gc.collect bounded 3600 python3 "$gc_py" collect --url "$url" --token "$token" --pid "$pid"
  log "gc: one collection with nothing to collect"
  sync
  measure gc.collect_empty bounded 3600 python3 "$gc_py" collect --url "$url" --token "$token" --pid "$pid"
  record gc.store_collected "$(gc_store_summary "$dir/data")"

  # Pushes with and without collections running, in turn; each run preceded by a batch of
  # garbage, so that the collections of the next run with them have work.
  push=(bounded 900 "$LOADGEN" small-pushes --url "$url" --images "$GC_PUSH_IMAGES" --clients "$CLIENTS"
        --repo-prefix gc/push)
  for ((i = 0; i < GC_ROUNDS; i++)); do
    for cond in without with; do
      run_once gc.batch bounded 3600 python3 "$gc_py" garbage --url "$url" --prefix gc/pop --fraction "$GC_BATCH" \
        --clients "$CLIENTS" && record "gc.batch_${i}_$cond" "$OUT"
      sync
      if [[ $cond = without ]]; then
        log "gc: round $((i + 1)) of $GC_ROUNDS, $GC_PUSH_IMAGES small image pushes, no collection"
        cpu=$(cpu_seconds "$pid")
        run_once gc.push_without "${push[@]}" && pushes_without+=("$(with_server_cpu "$OUT" "$cpu" "$pid")")
        continue
      fi
      log "gc: round $((i + 1)) of $GC_ROUNDS, $GC_PUSH_IMAGES small image pushes, collections back to back"
      rm -f "$WORK/gc-stop" "$WORK/gc-started"
      bounded 3600 python3 "$gc_py" loop --url "$url" --token "$token" --stop "$WORK/gc-stop" \
        --started "$WORK/gc-started" >"$WORK/gc-loop-$i.json" &
      loop_pid=$!
      for ((k = 0; k < 600; k++)); do
        [[ -e $WORK/gc-started ]] && break
        sleep 0.05
      done
      cpu=$(cpu_seconds "$pid")
      run_once gc.push_with "${push[@]}" && pushes_with+=("$(with_server_cpu "$OUT" "$cpu" "$pid")")
      touch "$WORK/gc-stop"
      wait "$loop_pid" || log "gc.loop: exit status $? (see messages above)"
      record "gc.loop_$i" "$(cat "$WORK/gc-loop-$i.json")"
    done
  done
  record gc.pushes "$(python3 "$gc_py" rounds --without "${pushes_without[@]}" --with "${pushes_with[@]}")"

  # What one collection does to the blob store, from its system calls: it should remove the
  # files of the blobs it deletes and read no directory.
  if command -v strace >/dev/null; then
    log "gc: one more collection, its system calls traced"
    run_once gc.batch bounded 3600 python3 "$gc_py" garbage --url "$url" --prefix gc/pop --fraction 0.005 \
      --clients "$CLIENTS" || true
    strace -f -qq -e trace=getdents64,openat,unlink,unlinkat,rmdir -o "$WORK/gc-strace.txt" -p "$pid" &
    strace_pid=$!
    sleep 1
    measure gc.collect_traced bounded 3600 python3 "$gc_py" collect --url "$url" --token "$token"
    kill -INT "$strace_pid" 2>/dev/null || true
    wait "$strace_pid" || true
    record gc.syscalls "$(python3 "$gc_py" syscalls "$WORK/gc-strace.txt" --blobs "$dir/data/blobs" ||
                          echo '{"failed": true}')"
  fi
  stop_server "$pid"
  record gc.log "$(gc_log_summary "$dir/server.log")"
}

# The CPU time a process has used (user + system), in seconds.
cpu_seconds() {  # pid
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"
}

# A run's JSON with "server_cpu_s": the server's CPU time since the figure given.
with_server_cpu() {  # json cpu-before pid
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["server_cpu_s"]=round(float(sys.argv[3])-float(sys.argv[2]),2)
print(json.dumps(d))' "$1" "$2" "$(cpu_seconds "$3")"
}

# The blob store's files and the metadata database's size: {"blob_files","blob_bytes","db_bytes"}.
gc_store_summary() {  # data-dir
  python3 - "$1" <<'EOF'
import json, os, sys
data = sys.argv[1]
files = size = 0
for root, _, names in os.walk(os.path.join(data, "blobs", "blobs")):
    for n in names:
        files += 1
        size += os.path.getsize(os.path.join(root, n))
db = sum(os.path.getsize(os.path.join(data, n)) for n in os.listdir(data) if n.startswith("pier.db"))
print(json.dumps({"blob_files": files, "blob_bytes": size, "db_bytes": db}))
EOF
}

# The server log's warnings and errors but the authentication-off banner: {"lines","first"}.
gc_log_summary() {  # log
  python3 - "$1" <<'EOF'
import json, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1], errors="replace")
         if ("[warning]" in l or "[error]" in l or "[critical]" in l) and "AUTHENTICATION IS OFF" not in l]
print(json.dumps({"lines": len(lines), "first": lines[:5]}))
EOF
}

# ---- vulnerability scanning ----

# The Debian 12 root filesystem as a gzip tar (`debootstrap --variant=minbase bookworm`, packed
# with numeric owners), made once and kept in SCAN_CACHE; prints its path. As Debian's own
# container images, without apt's package lists and downloaded packages (var/lib/apt/lists,
# var/cache/apt: 80 of its 200 MB, and not what an image ships).
debian_rootfs() {
  local tarball=$SCAN_CACHE/debian12-rootfs.tar.gz tree=$WORK/debian12-rootfs listing
  if [[ ! -s $tarball ]]; then
    command -v debootstrap >/dev/null || { echo "bench: debootstrap is missing (run: make bench)" >&2; return 1; }
    (($(id -u) == 0)) || { echo "bench: debootstrap needs root to make $tarball" >&2; return 1; }
    log "scan: making the Debian 12 root filesystem (debootstrap --variant=minbase bookworm), kept in $tarball"
    mkdir -p "$SCAN_CACHE"
    bounded 3600 debootstrap --variant=minbase bookworm "$tree" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
      { tail -20 "$WORK/debootstrap.log" >&2; return 1; }
    rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin "$tree"/var/cache/apt/archives/*.deb
    tar -C "$tree" --numeric-owner -czf "$tarball.tmp" . || return 1
    rm -rf --one-file-system "$tree"
    mv "$tarball.tmp" "$tarball" || return 1
  fi
  listing=$(tar -tzf "$tarball")
  for path in ./var/lib/dpkg/status ./etc/os-release; do
    grep -qxF "$path" <<<"$listing" || { echo "bench: $tarball holds no $path; remove it to make it again" >&2; return 1; }
  done
  echo "$tarball"
}

# Workload 11: Pier alone on a store of its own (SQLite and the filesystem, authentication off,
# the default jobs.workers: 4 scans at once). The layers are made before Pier starts; bench/scan.py
# is the client. The management API is signed in to with an API token of admin's.
run_scan() {
  local dir=$WORK/scan port url pid token rootfs layers=$WORK/scan-layers scan_py=$ROOT/bench/scan.py
  record scan.config "{\"layers\": $SCAN_LAYERS, \"inventories\": $SCAN_INVENTORIES, \"clients\": $SCAN_CLIENTS, \"records\": $SCAN_RECORDS}"
  rootfs=$(debian_rootfs) || { record scan.layers '{"failed": true}'; return 0; }
  log "scan: workload 11, preparing $SCAN_LAYERS distinct layers of $rootfs ($(du -h "$rootfs" | cut -f1))"
  measure scan.prepare bounded 1800 python3 "$scan_py" prepare --rootfs "$rootfs" --count "$SCAN_LAYERS" --out "$layers"
  port=$(free_port)
  url=http://127.0.0.1:$port
  write_configs "$dir" "$port"
  log "scan: starting Pier on $url"
  start_server pier "$dir" "$port" plain
  pid=$SERVER_PID
  token=$(json "$(bounded 60 python3 "$scan_py" token --url "$url" --user admin --password "$PASSWORD")" token)
  sync
  log "scan: $SCAN_LAYERS images of one root filesystem layer each (blobs first, then the manifests one after" \
      "another), until all are scanned"
  measure scan.layers bounded 3600 python3 "$scan_py" layers --url "$url" --token "$token" --dir "$layers" \
    --count "$SCAN_LAYERS" --prefix scan/rootfs
  rm -rf "$layers/"layer-*.tar.gz
  log "scan: $SCAN_INVENTORIES small images ($SCAN_CLIENTS clients) until all are scanned, then an import of" \
      "$SCAN_RECORDS OSV records and the rescan of every inventory"
  sync
  measure scan.inventories bounded 7200 python3 "$scan_py" inventories --url "$url" --token "$token" \
    --status "$layers/status" --images "$SCAN_INVENTORIES" --clients "$SCAN_CLIENTS" --records "$SCAN_RECORDS"
  record scan.hwm_kib "$(rss_kib "$pid" VmHWM)"
  stop_server "$pid"
  record scan.log "$(gc_log_summary "$dir/server.log")"
}

# ---- notifications ----

# Workload 12: Pier alone on a store of its own (SQLite and the filesystem, authentication off),
# pushed to by pier-loadgen small-pushes under admin/ (the bootstrap superuser's namespace, which
# every store has), the namespace's push rule made and deleted by bench/notify.py round for each
# run. The receivers are a Python process of their own (bench/notify.py receiver), so that their
# work does not slow the client that times the pushes; the rules are managed with an API token.
run_notify() {
  local dir=$WORK/notify port url pid token notify_py=$ROOT/bench/notify.py rport hport rpid i cond k
  local runs_none=() runs_ok=() runs_hang=()
  record notify.config "{\"images\": $NOTIFY_IMAGES, \"clients\": $CLIENTS, \"rounds\": $NOTIFY_ROUNDS, \"timeout\": \"$NOTIFY_TIMEOUT\", \"prefix\": \"admin/notify\"}"
  port=$(free_port)
  url=http://127.0.0.1:$port
  EXTRA_PIER_CONFIG=$(printf 'notifications:\n  timeout: %s\n  disable_after: 1000' "$NOTIFY_TIMEOUT")
  write_configs "$dir" "$port"
  EXTRA_PIER_CONFIG=""
  log "notify: workload 12, starting Pier on $url"
  start_server pier "$dir" "$port" plain
  pid=$SERVER_PID
  token=$(json "$(bounded 60 python3 "$notify_py" token --url "$url" --user admin --password "$PASSWORD")" token)
  rport=$(free_port)
  hport=$(free_port)
  rm -f "$WORK/notify-ready"
  python3 "$notify_py" receiver --port "$rport" --hang-port "$hport" --ready "$WORK/notify-ready" \
    >>"$dir/receiver.log" 2>&1 &
  rpid=$!
  SERVER_PIDS+=("$rpid")
  for ((k = 0; k < 200; k++)); do
    [[ -e $WORK/notify-ready ]] && break
    sleep 0.05
  done
  for ((i = 0; i < NOTIFY_ROUNDS; i++)); do
    for cond in none ok hang; do
      log "notify: round $((i + 1)) of $NOTIFY_ROUNDS, $NOTIFY_IMAGES small image pushes, rule: $cond"
      sync
      run_once "notify.push_$cond" bounded 900 python3 "$notify_py" round --url "$url" --token "$token" \
        --loadgen "$LOADGEN" --images "$NOTIFY_IMAGES" --clients "$CLIENTS" --prefix admin/notify \
        --condition "$cond" --receiver "$rport" --hang-port "$hport" --pid "$pid" || continue
      case $cond in
        none) runs_none+=("$OUT") ;;
        ok) runs_ok+=("$OUT") ;;
        hang) runs_hang+=("$OUT") ;;
      esac
    done
  done
  record notify.rounds "$(python3 "$notify_py" rounds --none "${runs_none[@]}" --ok "${runs_ok[@]}" \
                          --hang "${runs_hang[@]}" || echo '{"failed": true}')"
  record notify.hwm_kib "$(rss_kib "$pid" VmHWM)"
  stop_server "$rpid"
  stop_server "$pid"
  record notify.log "$(python3 "$notify_py" log "$dir/server.log" --rounds "$(result_of notify.rounds)" ||
                       echo '{"failed": true}')"
}

# ---- run ----

STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
T0=$SECONDS
log "working in $WORK ($([[ $QUICK != 0 ]] && echo quick || echo full) mode)"
log "reference: openssl speed -evp sha256 -bytes 16384 -seconds 3"
record sha256_bytes_per_s "$(openssl_speed sha256)"
log "reference: openssl speed -evp aes-256-gcm -bytes 16384 -seconds 3 (the TLS runs' cipher)"
record aes_gcm_bytes_per_s "$(openssl_speed aes-256-gcm)"
record loadavg "$(cut -d' ' -f1-3 /proc/loadavg)"
record ulimit_n "$(ulimit -n)"
log "reference: dd of the large blob's size to $WORK with conv=fsync (the disk, durably)"
record disk_fsync_bytes_per_s "$(disk_bytes_per_s)"

declare -A PORTS=([pier]=$(free_port) [distribution]=$(free_port))

# The in-memory pushes come first: run after the other workloads, which leave gigabytes of
# freed and cached memory behind, the same binaries took 900-940 MB/s instead of 1,200-1,450.
if [[ -z $ONLY ]]; then
  for kind in pier distribution; do
    run_push_in_memory "$kind" plain
    run_push_in_memory "$kind" tls
  done
  start_nginx
  for variant in "${VARIANTS[@]}"; do
    run_phase pier "$variant"
    [[ $variant = plain ]] && run_concurrency pier
  done
  stop_server "$NGINX_PID"
  for variant in "${VARIANTS[@]}"; do
    run_phase distribution "$variant"
    [[ $variant = plain ]] && run_concurrency distribution
  done
  run_scale pier "${SCALE_PIER[@]}"
  run_scale distribution "${SCALE_REGISTRY[@]}"
fi
if [[ -z $ONLY || $ONLY = scaleout ]]; then
  run_scaleout
fi
if [[ -z $ONLY || $ONLY = gc ]]; then
  run_gc
fi
if [[ -z $ONLY || $ONLY = scan ]]; then
  run_scan
fi
if [[ -z $ONLY || $ONLY = notify ]]; then
  run_notify
fi
record sections "\"${ONLY:-all}\""
record elapsed_s "$((SECONDS - T0))"

if [[ -n ${MAKELEVEL:-} ]]; then
  COMMAND="make bench"
else
  COMMAND="bench/run.sh"
fi
[[ $QUICK != 0 ]] && COMMAND="BENCH_QUICK=1 $COMMAND"
[[ -n $ONLY ]] && COMMAND="BENCH_ONLY=$ONLY $COMMAND"

REPORT=$WORK/report.md
python3 "$ROOT/bench/report.py" "$RESULTS" "$STARTED" "$COMMAND" "$QUICK" "$BLOB_SIZE" "$IMAGES" "$TAGS" "$REPOS" \
  "$RATE_SECONDS" "$(IFS=,; echo "${SCALE_PIER[*]}")" "$(IFS=,; echo "${SCALE_REGISTRY[*]}")" "$CROWD_CONNECTIONS" \
  "$CROWD_CLIENTS" "$CROWD_IMAGES" "$SCALE_PAGE" "$CONNECTIONS" >"$REPORT"
# Workload 12's table goes after the others', its targets after theirs.
python3 "$ROOT/bench/notify.py" report "$RESULTS" --into "$REPORT"

echo
cat "$REPORT"
if [[ $WRITE_DOC != 0 ]]; then
  { echo; cat "$REPORT"; } >>"$ROOT/docs/BENCHMARKS.md"
  log "appended to docs/BENCHMARKS.md"
fi
log "done in $((SECONDS - T0)) s"
