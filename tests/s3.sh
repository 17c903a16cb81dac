#!/usr/bin/env bash
# tests/s3.sh start|stop DIR: an S3 server (npm's s3rver, installed under tests/s3/) for the
# tests, on 127.0.0.1 at a free port, with its objects in DIR. Its endpoint is written to
# DIR/endpoint. Buckets are created by the tests (an unsigned PUT /<bucket>).
set -euo pipefail
command=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)
case $command in
  start)
    [[ ! -d $dir ]] || "$0" stop "$dir"
    mkdir -p "$dir/data"
    setsid "$here/s3/node_modules/.bin/s3rver" -d "$dir/data" -a 127.0.0.1 -p 0 >"$dir/server.log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 200); do
      if port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/server.log" | grep -o '[0-9]*$'); then
        echo "http://127.0.0.1:$port" >"$dir/endpoint"
        exit 0
      fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      sleep 0.1
    done
    cat "$dir/server.log" >&2
    exit 1
    ;;
  stop)
    [[ ! -f $dir/pid ]] || kill -- "-$(cat "$dir/pid")" 2>/dev/null || kill "$(cat "$dir/pid")" 2>/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
