"""Jobs that run once across replicas: three Pier processes on one PostgreSQL database share
the jobs table. A probe enqueued through one replica runs once, on one of them; periodic upload
expiry runs once per slot, whichever replica leads; a probe whose replica is killed mid-job is
rescued after the heartbeat timeout and run again, to completion, by another."""
import re
import time

import pytest

from api_client import Api, expect, message, new_user
from servers import ADMIN_PASSWORD
from shared_backends import database, postgres, start_on_postgres  # noqa: F401 (fixtures)

HEARTBEAT_TIMEOUT = 3
PURGE_INTERVAL = 2


def start_replica(data_dir, url, blobs, token_key):
    return start_on_postgres(data_dir, url, blobs, token_key, {
        "PIER_JOBS_POLL_INTERVAL": "1s",
        "PIER_JOBS_HEARTBEAT_TIMEOUT": f"{HEARTBEAT_TIMEOUT}s",
        "PIER_UPLOADS_PURGE_INTERVAL": f"{PURGE_INTERVAL}s",
    })


def replica_id(reg) -> str:
    """The job runner's id, from the startup line: "pier listening on ... (replica <id>; ..."."""
    found = re.search(r"pier listening on \S+ \(replica (\S+);", reg.log())
    assert found, reg.log()
    return found.group(1)


@pytest.fixture
def replicas(tmp_path, database):  # noqa: F811 (the fixture imported above)
    """Three replicas, started one after the other (the first creates admin and the token key)."""
    blobs, key = tmp_path / "blobs", tmp_path / "token-key.pem"
    started = []
    try:
        for i in range(1, 4):
            started.append(start_replica(tmp_path / f"r{i}", database, blobs, key))
        yield started
    finally:
        for reg in started:
            reg.stop()


def jobs(api, **params):
    return api.ok("GET", "/jobs", params={"limit": 1000, **params})["jobs"]


def job(api, job_id):
    found = [j for j in jobs(api) if j["id"] == job_id]
    assert len(found) == 1, found
    return found[0]


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.2)


def test_each_replica_names_itself_apart(replicas):
    ids = [replica_id(reg) for reg in replicas]
    assert len(set(ids)) == 3
    for reg, rid in zip(replicas, ids):
        host, pid, suffix = rid.split(":")
        assert host and int(pid) == reg.process.pid and re.fullmatch(r"[0-9a-f]{8}", suffix), rid


def test_a_probe_enqueued_through_one_replica_runs_once_on_one_of_them(replicas):
    ids = {replica_id(reg) for reg in replicas}
    first, second = (Api(reg, "admin", ADMIN_PASSWORD) for reg in replicas[:2])
    enqueued = [first.ok("POST", "/jobs", {"kind": "probe", "args": {"hold_seconds": 1}}, status=201)
                for _ in range(6)]
    for j in enqueued:
        assert j["kind"] == "probe" and j["state"] == "available" and j["attempt"] == 0
        assert j["args"] == {"hold_seconds": 1} and j["attempted_by"] is None and j["finished_at"] is None

    def all_done():
        seen = {j["id"]: j for j in jobs(second, kind="probe")}
        return [seen[j["id"]] for j in enqueued] if all(seen[j["id"]]["state"] == "completed" for j in enqueued) else None
    done = wait_for(all_done, 30, "the probes to complete")
    for j in done:
        # Claimed once, by one replica, never rescued.
        assert j["attempt"] == 1, j
        assert j["attempted_by"] in ids, j
        assert j["last_error"] is None and j["finished_at"] >= j["attempted_at"] >= j["scheduled_at"], j
    # The state filter, and the same list through every replica.
    assert {j["id"] for j in jobs(first, kind="probe", state="completed")} == {j["id"] for j in enqueued}
    assert jobs(Api(replicas[2], "admin", ADMIN_PASSWORD), kind="probe") == jobs(first, kind="probe")


def test_only_superusers_enqueue_and_only_probes(replicas):
    admin = Api(replicas[0], "admin", ADMIN_PASSWORD)
    resp = expect(admin.post("/jobs", {"kind": "upload_expiry"}), 400, "UNSUPPORTED")
    assert "only probe" in message(resp)
    expect(admin.post("/jobs", {"kind": "probe", "args": {"hold_seconds": 601}}), 400)
    expect(admin.post("/jobs", {"kind": "probe", "args": {"hold": 1}}), 400)
    expect(admin.post("/jobs", {"kind": "probe", "args": 5}), 400)
    expect(admin.get("/jobs", params={"state": "done"}), 400)
    bob = new_user(admin, name="bob")
    expect(bob.post("/jobs", {"kind": "probe"}), 403, "DENIED")
    expect(bob.get("/jobs"), 403, "DENIED")
    assert not jobs(admin, kind="probe")
    # The enqueue is on record.
    events = admin.ok("GET", "/audit", params={"actor": "admin"})["events"]
    assert not [e for e in events if e["action"] == "job_change"]
    created = admin.ok("POST", "/jobs", {"kind": "probe"}, status=201)
    events = admin.ok("GET", "/audit", params={"actor": "admin"})["events"]
    assert {"change": "job_enqueued", "job": created["id"], "kind": "probe"} in [e["detail"] for e in events]


def test_periodic_upload_expiry_runs_once_per_slot_across_replicas(replicas):
    ids = {replica_id(reg) for reg in replicas}
    admin = Api(replicas[0], "admin", ADMIN_PASSWORD)
    wait_for(lambda: len(jobs(admin, kind="upload_expiry", state="completed")) >= 4, 30, "four slots of upload expiry")
    expiries = jobs(admin, kind="upload_expiry")
    slots = [j["scheduled_at"] for j in expiries]
    # One job per slot, whichever replica led when it began, each run by one replica once.
    assert len(slots) == len(set(slots)), slots
    assert all(slot % PURGE_INTERVAL == 0 for slot in slots), slots
    for j in expiries:
        if j["state"] == "completed":
            assert j["attempt"] == 1 and j["attempted_by"] in ids, j
    # The hourly upkeep has its slot too, once.
    for kind in ("audit_retention", "session_expiry", "job_cleanup"):
        hourly = wait_for(lambda: jobs(admin, kind=kind), 10, kind)
        assert len(hourly) == 1 and hourly[0]["scheduled_at"] % 3600 == 0, hourly


def test_a_probe_whose_replica_is_killed_is_rescued_and_run_by_another(replicas):
    ids = {replica_id(reg): reg for reg in replicas}
    admin = Api(replicas[0], "admin", ADMIN_PASSWORD)
    probe = admin.ok("POST", "/jobs", {"kind": "probe", "args": {"hold_seconds": 30}}, status=201)
    running = wait_for(lambda: (j := job(admin, probe["id"]))["state"] == "running" and j, 15, "the probe to start")
    holder = ids[running["attempted_by"]]
    assert running["attempt"] == 1

    holder.process.kill()  # SIGKILL: no resignation, no last word
    holder.process.wait()
    survivor = Api(next(reg for reg in replicas if reg is not holder), "admin", ADMIN_PASSWORD)

    # After the heartbeat timeout the leader (a new one, if the holder led) takes it back, and a
    # replica claims the second attempt, holds it for its 30 s and completes it.
    again = wait_for(lambda: (j := job(survivor, probe["id"]))["attempt"] == 2 and j, 30, "the rescue")
    assert again["attempted_by"] != running["attempted_by"] and again["attempted_by"] in ids, again
    done = wait_for(lambda: (j := job(survivor, probe["id"]))["state"] == "completed" and j, 60, "the second attempt")
    assert done["attempt"] == 2 and done["attempted_by"] == again["attempted_by"], done
    assert done["finished_at"] - again["attempted_at"] >= 30, done
    assert f"no heartbeat from {running['attempted_by']}" in done["last_error"], done
