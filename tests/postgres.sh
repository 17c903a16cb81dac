#!/usr/bin/env bash
# tests/postgres.sh start|stop DIR [durable]: a PostgreSQL 15 server (Debian's) for the tests,
# with its data in DIR and its Unix socket there, no TCP port. Run as the postgres account
# when called as root, since PostgreSQL refuses to run as root. Durability is off (nothing in
# it outlives the tests) unless "durable" is given (the benchmark's).
set -euo pipefail
command=$1 dir=$2 durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[[ ${3:-} != durable ]] || durability=""
bin=/usr/lib/postgresql/15/bin
as_postgres=()
[[ $(id -u) != 0 ]] || as_postgres=(runuser -u postgres --)
case $command in
  start)
    # A server left by a run that was cut short goes first.
    [[ ! -d $dir ]] || "$0" stop "$dir"
    mkdir -p "$dir"
    chmod 755 "$dir"
    [[ $(id -u) != 0 ]] || chown postgres: "$dir"
    if ! "${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U pier --auth=trust --no-sync -E UTF8 --locale=C \
         >"$dir/initdb.log" 2>&1; then
      cat "$dir/initdb.log" >&2
      exit 1
    fi
    if ! "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
         "-k $dir -c listen_addresses= $durability -c max_connections=300" \
         start >/dev/null; then
      cat "$dir/server.log" >&2
      exit 1
    fi
    ;;
  stop)
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
