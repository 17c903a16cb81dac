#!/usr/bin/env python3
"""bench/notify.py: the notification workload's client (bench/run.sh, run_notify; workload 12).

Standard library only. Every subcommand but `receiver` and `report` prints one JSON object on
stdout; problems go to stderr (the first few failing requests).

  token --url U --user NAME --password PW
      An API token (scope super:user, one day) for the rules' API calls.
  receiver --port P --hang-port H [--ready FILE]
      The receiving end, run as a process of its own so that it shares no interpreter lock
      with the clients: on P an HTTP/1.1 server (keep-alive) answering every POST with 204 at
      once and recording when each push event arrived (GET /stats: the counts so far); on H a
      server that accepts connections, reads what comes and never answers. Writes FILE when
      both listen; runs until killed.
  round --url U --token T --loadgen BIN --images N --clients C --prefix NS/P --condition none|ok|hang
        --receiver PORT --hang-port H [--pid PID] [--wait S]
      One run of small pushes (`pier-loadgen small-pushes`, workload 4's images) into NS/P...
      with, by condition, no rule; a push rule (webhook) of namespace NS to the receiver that
      answers at once; or one to the receiver that never answers. The rule is made before the
      pushes and deleted after them (for `ok`, once every push's event has arrived or S seconds
      have passed). Prints loadgen's figures with: the deliveries of this run's push events
      (distinct events, and copies of an event delivered again), the lag from the end of the
      last push to the last delivery, the connections the never-answering receiver accepted,
      and the server's CPU time (with --pid).
  rounds --none JSON... --ok JSON... --hang JSON...
      The medians of images_per_s of each condition, the ratios to none, each round's ratios,
      and the deliveries and lags of every `ok` run.
  report RESULTS [--into REPORT]
      The Markdown section of workload 12 from run.sh's results.tsv, put into REPORT (what
      bench/report.py wrote) before its list of targets, with its own targets at the end of it.
  log FILE [--rounds JSON]
      The server log's warnings and errors, and how many of them are failed attempts to the
      silent receiver's rules (named in the JSON of `rounds`): its runs make them on purpose.
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench_client import Client, cmd_token, complain


# ---------------------------------------------------------------- receiver

def cmd_receiver(a):
    lock = threading.Lock()
    stats = {"posts": 0, "push_events": 0, "copies": 0, "first_at": None, "last_at": None, "hang_accepted": 0,
             "non_push": 0}
    seen = set()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            now = time.time()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            try:
                event = json.loads(body)
            except ValueError:
                event = {}
            with lock:
                stats["posts"] += 1
                # Only the pushes of loadgen's images, which are tagged: not a scan's SBOM, say.
                if event.get("event") != "push" or not event.get("tags"):
                    stats["non_push"] += 1
                    return
                key = str(event.get("id"))
                if key in seen:
                    stats["copies"] += 1
                    return
                seen.add(key)
                stats["push_events"] += 1
                stats["first_at"] = stats["first_at"] or now
                stats["last_at"] = now

        def do_GET(self):
            if self.path == "/release":
                # The attempts still waiting end now (the server sees the connection close)
                # instead of at their timeout, inside the next run.
                with lock:
                    for conn in held:
                        try:
                            conn.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                        conn.close()
                    held.clear()
            with lock:
                body = json.dumps(stats).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    hang = socket.socket()
    hang.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hang.bind(("127.0.0.1", a.hang_port))
    hang.listen(128)
    held = []

    def drain(conn):
        while True:
            try:
                if not conn.recv(65536):
                    return
            except OSError:
                return

    def accept_forever():
        while True:
            conn, _ = hang.accept()
            with lock:
                stats["hang_accepted"] += 1
                held.append(conn)
            threading.Thread(target=drain, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_forever, daemon=True).start()
    if a.ready:
        with open(a.ready, "w") as f:
            f.write(str(os.getpid()))
    server.serve_forever()
    return 0


def receiver_stats(port, path="/stats"):
    return Client(f"http://127.0.0.1:{port}").get_json(path)


def push_images(a, images, prefix):
    """pier-loadgen small-pushes: its JSON and when it ended."""
    pushed = subprocess.run([a.loadgen, "small-pushes", "--url", a.url, "--images", str(images),
                             "--clients", str(a.clients), "--repo-prefix", prefix], capture_output=True, text=True)
    ended = time.time()
    if pushed.stderr:
        sys.stderr.write(pushed.stderr[-2000:])
    try:
        return json.loads(pushed.stdout), ended
    except ValueError:
        complain(f"pier-loadgen small-pushes exited {pushed.returncode}: {pushed.stdout[:300]!r}")
        return {"failed": True}, ended


# ---------------------------------------------------------------- one round

def cpu_seconds(pid):
    if not pid:
        return None
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cmd_round(a):
    api = Client(a.url, f"Bearer {a.token}")
    namespace = a.prefix.split("/", 1)[0]
    rule_id = None
    if a.condition != "none":
        port = a.receiver if a.condition == "ok" else a.hang_port
        body = json.dumps({"event": "push", "method": "webhook",
                           "config": {"url": f"http://127.0.0.1:{port}/hook"}}).encode()
        status, _, answer = api.request("POST", f"/api/v1/namespaces/{namespace}/notifications", body,
                                        {"Content-Type": "application/json"})
        if status != 201:
            complain(f"POST /api/v1/namespaces/{namespace}/notifications -> {status} {answer[:300]!r}")
            return 1
        rule_id = json.loads(answer)["id"]
    held_before = None
    if a.condition == "hang":
        # A few pushes first, untimed, until attempts are waiting on the silent receiver: the
        # timed pushes then run while deliveries hang, not before any has started.
        held_before = receiver_stats(a.receiver)["hang_accepted"]
        push_images(a, 8, f"{a.prefix}-warm")
        deadline = time.monotonic() + 30
        while receiver_stats(a.receiver)["hang_accepted"] == held_before and time.monotonic() < deadline:
            time.sleep(0.05)
    before = receiver_stats(a.receiver)
    cpu_before = cpu_seconds(a.pid)
    started = time.time()
    out, ended = push_images(a, a.images, a.prefix)
    cpu_pushes = cpu_seconds(a.pid)
    out["condition"] = a.condition
    out["rule_id"] = rule_id
    out["pushes_wall_s"] = round(ended - started, 4)
    expected = a.images - (out.get("errors") or 0)
    after = receiver_stats(a.receiver)
    if a.condition == "ok":
        deadline = time.monotonic() + a.wait
        while after["push_events"] - before["push_events"] < expected and time.monotonic() < deadline:
            time.sleep(0.02)
            after = receiver_stats(a.receiver)
        delivered = after["push_events"] - before["push_events"]
        out["deliveries"] = delivered
        out["expected_deliveries"] = expected
        out["copies"] = after["copies"] - before["copies"]
        if delivered and after["last_at"]:
            out["lag_s"] = round(after["last_at"] - ended, 4)
            out["delivery_span_s"] = round(after["last_at"] - max(after["first_at"], started), 4)
            out["deliveries_per_s"] = round(delivered / max(after["last_at"] - started, 1e-9), 1)
        if delivered < expected:
            complain(f"{expected - delivered} of {expected} push events not delivered within {a.wait} s")
    elif a.condition == "hang":
        out["hang_connections_before"] = before["hang_accepted"] - held_before
        out["hang_connections"] = after["hang_accepted"] - before["hang_accepted"]
    out["other_posts"] = after["non_push"] - before["non_push"]
    if rule_id is not None:
        shown = api.get_json(f"/api/v1/notifications/{rule_id}")
        states = {}
        for d in shown.get("deliveries") or []:
            states[d.get("state")] = states.get(d.get("state"), 0) + 1
        out["recent_delivery_states"] = states
        status, _, answer = api.request("DELETE", f"/api/v1/notifications/{rule_id}")
        if status != 204:
            complain(f"DELETE /api/v1/notifications/{rule_id} -> {status} {answer[:300]!r}")
        if a.condition == "hang":
            receiver_stats(a.receiver, "/release")
    if cpu_before is not None:
        out["server_cpu_s"] = round(cpu_pushes - cpu_before, 2)
    print(json.dumps(out))
    return 0 if not out.get("failed") else 1


# ---------------------------------------------------------------- summaries

def cmd_rounds(a):
    def parse(items):
        return [json.loads(x) for x in items if x.startswith("{")]

    runs = {"none": parse(a.none), "ok": parse(a.ok), "hang": parse(a.hang)}
    rate = {k: [r.get("images_per_s") for r in v if not r.get("failed")] for k, v in runs.items()}
    med = lambda xs: statistics.median(xs) if xs else None
    medians = {k: med(v) for k, v in rate.items()}
    ratio = lambda k: medians[k] / medians["none"] if medians[k] and medians["none"] else None
    pairs = lambda k: [b / a_ for a_, b in zip(rate["none"], rate[k]) if a_ and b]
    ok = runs["ok"]
    print(json.dumps({
        "none_images_per_s": medians["none"], "ok_images_per_s": medians["ok"], "hang_images_per_s": medians["hang"],
        "ok_ratio": ratio("ok"), "hang_ratio": ratio("hang"),
        "none_runs": rate["none"], "ok_runs": rate["ok"], "hang_runs": rate["hang"],
        "ok_pair_ratios": pairs("ok"), "hang_pair_ratios": pairs("hang"),
        "deliveries": [r.get("deliveries") for r in ok], "expected_deliveries": [r.get("expected_deliveries") for r in ok],
        "copies": [r.get("copies") for r in ok], "lag_s": [r.get("lag_s") for r in ok],
        "deliveries_per_s": [r.get("deliveries_per_s") for r in ok],
        "hang_connections": [r.get("hang_connections") for r in runs["hang"]],
        "hang_connections_before": [r.get("hang_connections_before") for r in runs["hang"]],
        "hang_rule_ids": [r.get("rule_id") for r in runs["hang"]],
        "server_cpu_s": {k: [r.get("server_cpu_s") for r in v] for k, v in runs.items()},
        "push_errors": {k: sum(r.get("errors") or 0 for r in v) for k, v in runs.items()},
        "runs": min(len(v) for v in rate.values()),
    }))
    return 0


def cmd_report(a):
    results = {}
    for line in open(a.results):
        key, _, value = line.rstrip("\n").partition("\t")
        try:
            results[key] = json.loads(value)
        except ValueError:
            results[key] = value
    rounds, config, log = results.get("notify.rounds"), results.get("notify.config") or {}, results.get("notify.log")
    if not isinstance(rounds, dict):
        return 0
    out = []
    print = lambda text="": out.append(text + "\n")  # noqa: E731 (the section is spliced into the report)
    fmt = lambda x, d=1: "n/a" if x is None else f"{x:,.{d}f}"
    pct = lambda x: "n/a" if x is None else f"{100 * x:.1f}%"
    listed = lambda xs, d=1: ", ".join(fmt(x, d) for x in xs or []) or "n/a"
    cpu = rounds.get("server_cpu_s") or {}
    errors = rounds.get("push_errors") or {}
    lags = [x for x in rounds.get("lag_s") or [] if x is not None]
    delivered, expected = rounds.get("deliveries") or [], rounds.get("expected_deliveries") or []
    all_delivered = bool(delivered) and all(d is not None and e is not None and d >= e for d, e in zip(delivered, expected))
    n = rounds.get("runs")
    print(f"Notifications (workload 12): Pier on a store of its own (SQLite and the filesystem, authentication off), "
          f"small image pushes ({config.get('images')} images by {config.get('clients')} clients, pier-loadgen "
          f"small-pushes) into `{config.get('prefix')}/…` with no rule, with a namespace push rule (webhook) to a "
          "receiver answering 204 at once, and with one to a receiver that accepts and never answers "
          f"(`notifications.timeout` {config.get('timeout')}); {n} rounds, the three in turn; the receivers are one "
          "Python process of their own (bench/notify.py receiver):\n")
    print("| figure | value | detail |")
    print("|---|---:|---|")
    print(f"| small image pushes, no rule (images/s, median of {n}) | {fmt(rounds.get('none_images_per_s'))} | "
          f"runs: {listed(rounds.get('none_runs'))}; server CPU {listed(cpu.get('none'), 2)} s; "
          f"errors {errors.get('none')} |")
    print(f"| … with a push rule to a receiver answering at once (images/s) | {fmt(rounds.get('ok_images_per_s'))} | "
          f"runs: {listed(rounds.get('ok_runs'))}; server CPU {listed(cpu.get('ok'), 2)} s; errors {errors.get('ok')} |")
    print(f"| … share of no rule | {pct(rounds.get('ok_ratio'))} | each round's: "
          f"{', '.join(pct(x) for x in rounds.get('ok_pair_ratios') or []) or 'n/a'} |")
    print(f"| … deliveries made / push events | {' + '.join(str(d) for d in delivered) or 'n/a'} / "
          f"{' + '.join(str(e) for e in expected) or 'n/a'} | copies delivered again: "
          f"{listed(rounds.get('copies'), 0)}; deliveries/s from the first push: "
          f"{listed(rounds.get('deliveries_per_s'))} |")
    print(f"| … delivery lag, last push to last delivery (s, median) | "
          f"{fmt(statistics.median(lags) if lags else None, 3)} | runs: {listed(lags, 3)} |")
    print(f"| … with a push rule to a receiver that never answers (images/s) | "
          f"{fmt(rounds.get('hang_images_per_s'))} | runs: {listed(rounds.get('hang_runs'))}; connections it "
          f"held when the timed pushes began: {listed(rounds.get('hang_connections_before'), 0)}, accepted during "
          f"them: {listed(rounds.get('hang_connections'), 0)}; server CPU {listed(cpu.get('hang'), 2)} s; "
          f"errors {errors.get('hang')} |")
    print(f"| … share of no rule | {pct(rounds.get('hang_ratio'))} | each round's: "
          f"{', '.join(pct(x) for x in rounds.get('hang_pair_ratios') or []) or 'n/a'} |")
    if isinstance(log, dict) and log.get("lines"):
        print(f"\nServer log (first warnings and errors; {log.get('expected')} of the {log.get('lines')} are the "
              "attempts that waited on the silent receiver):\n")
        for line in log.get("first") or []:
            print(f"    {line}")
    print()
    unexpected = log.get("lines", 0) - log.get("expected", 0) if isinstance(log, dict) else None
    ok_ratio, hang_ratio = rounds.get("ok_ratio"), rounds.get("hang_ratio")
    targets = []
    for name, met, detail in [
        (f"notifications: small pushes with a push rule keep ≥ 90% of their rate without one (median of {n} runs "
         "each way, in turn)", ok_ratio is not None and ok_ratio >= 0.9, pct(ok_ratio)),
        ("notifications: … and with a rule to a receiver that never answers", hang_ratio is not None and hang_ratio >= 0.9,
         pct(hang_ratio)),
        ("notifications: every push's event delivered, none twice, no errors",
         all_delivered and not any(rounds.get("copies") or []) and not any(errors.values())
         and unexpected == 0,
         f"{sum(d or 0 for d in delivered)} of {sum(e or 0 for e in expected)} delivered, "
         f"{sum(c or 0 for c in rounds.get('copies') or [])} copies, {sum(errors.values())} push errors, "
         f"{unexpected if unexpected is not None else 'n/a'} other warnings or errors in the server log"),
    ]:
        targets.append(f"- {'met' if met else '**missed**'}: {name} ({detail})\n")
    # Into the report: the section before its list of targets, these targets at the end of it.
    report = open(a.into).read().splitlines(keepends=True) if a.into else []
    at = max((i for i, line in enumerate(report) if line.strip() == "Targets:"), default=None)
    if at is None:
        report += out + ["Targets:\n", "\n"] + targets
    else:
        end = at + 1
        while end < len(report) and (report[end].startswith("- ") or end == at + 1 and not report[end].strip()):
            end += 1
        if end == at + 2:  # an empty list: "Targets:" and its blank line
            targets.append("\n")
        report[end:end] = targets
        report[at:at] = out
    text = "".join(report)
    if a.into:
        open(a.into, "w").write(text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_log(a):
    """The server log's warnings and errors (but the authentication-off banner), and how many of
    them are failed attempts to the silent receiver (timed out, or cut off when it let go), which
    its runs make on purpose."""
    silent = {str(i) for i in (json.loads(a.rounds).get("hang_rule_ids") or [])} if a.rounds else set()
    lines = [line.rstrip("\n") for line in open(a.log, errors="replace")
             if ("[warning]" in line or "[error]" in line or "[critical]" in line) and "AUTHENTICATION IS OFF" not in line]

    def on_purpose(line):
        rule = re.search(r"\bto rule (\d+)", line)
        return "deliver_notification" in line and rule is not None and rule.group(1) in silent

    expected = [line for line in lines if on_purpose(line)]
    others = [line for line in lines if line not in expected]
    print(json.dumps({"lines": len(lines), "expected": len(expected), "first": (others + expected)[:5]}))
    return 0




def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("token")
    s.add_argument("--url", required=True)
    s.add_argument("--user", required=True)
    s.add_argument("--password", required=True)
    s = sub.add_parser("receiver")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--hang-port", type=int, required=True)
    s.add_argument("--ready")
    s = sub.add_parser("round")
    s.add_argument("--url", required=True)
    s.add_argument("--token", required=True)
    s.add_argument("--loadgen", required=True)
    s.add_argument("--images", type=int, required=True)
    s.add_argument("--clients", type=int, default=8)
    s.add_argument("--prefix", required=True)
    s.add_argument("--condition", choices=["none", "ok", "hang"], required=True)
    s.add_argument("--receiver", type=int, required=True)
    s.add_argument("--hang-port", type=int, required=True)
    s.add_argument("--pid", type=int)
    s.add_argument("--wait", type=float, default=120)
    s = sub.add_parser("rounds")
    s.add_argument("--none", nargs="*", default=[])
    s.add_argument("--ok", nargs="*", default=[])
    s.add_argument("--hang", nargs="*", default=[])
    s = sub.add_parser("report")
    s.add_argument("results")
    s.add_argument("--into", help="the report to put the section in (else: printed alone)")
    s = sub.add_parser("log")
    s.add_argument("log")
    s.add_argument("--rounds", help="the JSON of `rounds`, naming the rules of the silent receiver")
    a = p.parse_args()
    return {"token": cmd_token, "receiver": cmd_receiver, "round": cmd_round, "rounds": cmd_rounds,
            "report": cmd_report, "log": cmd_log}[a.command](a)


if __name__ == "__main__":
    sys.exit(main())
