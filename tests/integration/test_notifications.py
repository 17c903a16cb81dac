"""Notifications: the rules of /api/v1 (namespaces' and repositories' notifications), and the
events Pier delivers from its outbox to webhooks, Slack, CloudEvents receivers and SMTP servers
that run in this process (notify_receivers.py), each checked byte for byte as it arrived.

One Pier serves the module (authentication on, one attempt timing out after 2 s, an SMTP
server that requires STARTTLS and AUTH LOGIN); the tests that kill Pier or need other retry
settings start their own. Each test makes an organization of its own, so a namespace's rules
see only that test's pushes. Events are told apart by digest and event id: Pier's own pushes
(a scan's SBOM, pushed as a referrer) may add events of their own."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import time
from datetime import datetime

import jsonschema
import pytest
import requests

import yaml_subset
from api_client import Api, expect, new_organization, new_user, unique
from notify_receivers import HangingReceiver, Receiver, SmtpReceiver
from oci_helpers import MANIFEST_ACCEPT, call, push_oci_image
from servers import ADMIN_PASSWORD, PIER_BINARY, REPO_ROOT, free_port, make_tls_certificate, start_pier

EVENT_SCHEMA = json.loads((REPO_ROOT / "docs" / "events.schema.json").read_text())
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
SECRET_SHOWN = "********"
ENV = {"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PIER_AUTH_LOGIN_MAX_FAILURES": "100000"}
SMTP_FROM = "pier@example.org"


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    directory = tmp_path_factory.mktemp("smtp")
    cert, key = make_tls_certificate(directory)
    receiver = SmtpReceiver(cert, key)
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def notifier(tmp_path_factory, smtp):
    config = ("notifications:\n"
              "  timeout: 2s\n"
              "  smtp:\n"
              f"    url: {smtp.url}\n"
              f"    username: {smtp.user}\n"
              f"    password: {smtp.password}\n"
              f"    from: {SMTP_FROM}\n"
              f"    ca_file: {smtp.cert}\n")
    reg = start_pier(tmp_path_factory.mktemp("notify") / "pier", auth=True, config=config, env=ENV)
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def admin(notifier):
    return Api(notifier, "admin", ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def pusher(admin):
    """The registry as admin with an API token (a password costs an Argon2 hash per request)."""
    return admin.token_registry()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def namespace_rules(ns: str) -> str:
    return f"/namespaces/{ns}/notifications"


def repository_rules(repo: str) -> str:
    return f"/repositories/{repo}/notifications"


def create_rule(api: Api, path: str, event: str, method: str, config: dict, **extra) -> dict:
    return api.ok("POST", path, {"event": event, "method": method, "config": config, **extra}, status=201)


def push(reg, repo: str, tag: str, seed: str | None = None) -> tuple[str, bytes]:
    """Pushes an image tagged `tag`; its manifest's digest and bytes."""
    body, desc = push_oci_image(reg, repo, tag, seed=seed or f"{repo}:{tag}:{time.monotonic_ns()}")
    return desc["digest"], body


def is_event(kind: str, digest: str | None = None):
    def holds(received):
        payload = received.payload()
        return payload.get("event") == kind and (digest is None or payload.get("digest") == digest)
    return holds


def rule_until(api: Api, rule_id: int, predicate, timeout: float = 60, what: str = "the rule's state") -> dict:
    """GET of the rule, again until `predicate` holds for it."""
    deadline = time.monotonic() + timeout
    while True:
        rule = api.ok("GET", f"/notifications/{rule_id}")
        if predicate(rule):
            return rule
        assert time.monotonic() < deadline, f"{what} not reached within {timeout:.0f} s: {json.dumps(rule)[:2000]}"
        time.sleep(0.2)


def delivery_of(rule: dict, event_id: str) -> dict | None:
    return next((d for d in rule["deliveries"] if str(d["event_id"]) == event_id), None)


def check_rfc3339(text: str) -> None:
    assert RFC3339.match(text), text
    datetime.fromisoformat(text.replace("Z", "+00:00"))


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- the rules API

def test_rules_are_created_listed_changed_and_deleted(admin, pusher, receiver):
    org = new_organization(admin)
    repo = f"{org}/app"
    push(pusher, repo, "1.0")

    ns_rule = create_rule(admin, namespace_rules(org), "push", "webhook",
                          {"url": receiver.url, "secret": "s3cret", "headers": {"X-Team": "ops"}}, title="builds")
    assert ns_rule["namespace"] == org and ns_rule["repository"] is None
    assert ns_rule["event"] == "push" and ns_rule["method"] == "webhook" and ns_rule["title"] == "builds"
    assert ns_rule["config"]["url"] == receiver.url
    assert ns_rule["config"]["secret"] == SECRET_SHOWN
    assert ns_rule["enabled"] is True and ns_rule["disabled_reason"] == ""
    assert ns_rule["deliveries"] == []
    check_rfc3339(ns_rule["created_at"])

    repo_rule = create_rule(admin, repository_rules(repo), "delete", "slack", {"url": receiver.url},
                            filter={"tags": "v*"})
    assert repo_rule["namespace"] == org and repo_rule["repository"] == repo
    assert repo_rule["filter"]["tags"] == "v*"

    listed = admin.ok("GET", namespace_rules(org))["notifications"]
    assert [r["id"] for r in listed] == [ns_rule["id"]]
    assert listed[0]["config"]["secret"] == SECRET_SHOWN and isinstance(listed[0]["deliveries"], list)
    listed = admin.ok("GET", repository_rules(repo))["notifications"]
    assert [r["id"] for r in listed] == [repo_rule["id"]]
    assert isinstance(listed[0]["deliveries"], list)

    shown = admin.ok("GET", f"/notifications/{ns_rule['id']}")
    assert shown["config"]["secret"] == SECRET_SHOWN and "s3cret" not in json.dumps(shown)
    assert shown["config"]["headers"] == {"X-Team": "ops"}

    # A change of something else keeps the secret; the answer never shows it.
    changed = admin.ok("PATCH", f"/notifications/{ns_rule['id']}", {"title": "releases"})
    assert changed["title"] == "releases" and changed["config"]["secret"] == SECRET_SHOWN
    disabled = admin.ok("PATCH", f"/notifications/{ns_rule['id']}", {"enabled": False})
    assert disabled["enabled"] is False
    assert admin.ok("GET", f"/notifications/{ns_rule['id']}")["enabled"] is False
    enabled = admin.ok("PATCH", f"/notifications/{ns_rule['id']}", {"enabled": True})
    assert enabled["enabled"] is True and enabled["disabled_reason"] == ""

    admin.ok("DELETE", f"/notifications/{repo_rule['id']}", status=204)
    expect(admin.get(f"/notifications/{repo_rule['id']}"), 404)
    assert admin.ok("GET", repository_rules(repo))["notifications"] == []
    admin.ok("DELETE", f"/notifications/{ns_rule['id']}", status=204)


@pytest.mark.parametrize("body", [
    {"event": "pushed", "method": "webhook", "config": {"url": "http://127.0.0.1:1/"}},
    {"event": "push", "method": "carrier-pigeon", "config": {"url": "http://127.0.0.1:1/"}},
    {"event": "push", "method": "webhook", "config": {}},
    {"event": "push", "method": "webhook", "config": {"url": "ftp://127.0.0.1/hook"}},
    {"event": "push", "method": "cloudevents", "config": {"url": "file:///etc/passwd"}},
    {"event": "push", "method": "slack", "config": {}},
    {"event": "push", "method": "email", "config": {}},
    {"event": "push", "method": "webhook", "config": {"url": "http://127.0.0.1:1/"}, "filter": {"tags": "v[1"}},
    {"event": "vulnerability_found", "method": "webhook", "config": {"url": "http://127.0.0.1:1/"},
     "filter": {"min_severity": "apocalyptic"}},
], ids=["unknown-event", "unknown-method", "webhook-without-url", "ftp-url", "file-url", "slack-without-url",
        "email-without-to", "bad-tag-glob", "bad-severity"])
def test_a_bad_rule_is_refused(admin, body):
    org = new_organization(admin)
    expect(admin.post(namespace_rules(org), body), 400)
    assert admin.ok("GET", namespace_rules(org))["notifications"] == []


def test_only_admins_manage_rules_and_unknown_names_are_404(admin, pusher, receiver):
    org = new_organization(admin)
    repo = f"{org}/app"
    push(pusher, repo, "1.0")
    rule = create_rule(admin, namespace_rules(org), "push", "webhook", {"url": receiver.url, "secret": "s3cret"})
    outsider = new_user(admin)
    body = {"event": "push", "method": "webhook", "config": {"url": receiver.url}}
    expect(outsider.post(namespace_rules(org), body), 403)
    expect(outsider.post(repository_rules(repo), body), 403)
    expect(outsider.get(namespace_rules(org)), 403)
    # A rule's id names no namespace: to someone who may not manage it, it may as well not exist.
    for resp in (outsider.get(f"/notifications/{rule['id']}"),
                 outsider.request("PATCH", f"/notifications/{rule['id']}", {"enabled": False}),
                 outsider.delete(f"/notifications/{rule['id']}"),
                 outsider.post(f"/notifications/{rule['id']}/test")):
        expect(resp, 403 if resp.status_code == 403 else 404)
        assert "s3cret" not in resp.text and receiver.url not in resp.text
    assert admin.ok("GET", f"/notifications/{rule['id']}")["enabled"] is True

    # Write access to the repository is not enough; its admins manage its rules, not the namespace's.
    writer, repo_admin = new_user(admin), new_user(admin)
    admin.ok("PUT", f"/repositories/{repo}/permissions/user/{writer.user}", {"role": "write"})
    admin.ok("PUT", f"/repositories/{repo}/permissions/user/{repo_admin.user}", {"role": "admin"})
    expect(writer.post(repository_rules(repo), body), 403)
    expect(writer.get(repository_rules(repo)), 403)
    expect(repo_admin.post(namespace_rules(org), body), 403)
    mine = repo_admin.ok("POST", repository_rules(repo), body, status=201)
    assert [r["id"] for r in repo_admin.ok("GET", repository_rules(repo))["notifications"]] == [mine["id"]]
    repo_admin.ok("DELETE", f"/notifications/{mine['id']}", status=204)

    # The owner of a namespace of their own may.
    own = outsider.ok("POST", namespace_rules(outsider.user), body, status=201)
    assert own["namespace"] == outsider.user

    expect(admin.post(namespace_rules(unique("nosuchorg")), body), 404)
    expect(admin.get(namespace_rules(unique("nosuchorg"))), 404)
    expect(admin.post(repository_rules(f"{org}/nosuchrepo"), body), 404)
    expect(admin.get("/notifications/987654321"), 404)
    expect(admin.request("PATCH", "/notifications/987654321", {"enabled": True}), 404)
    expect(admin.delete("/notifications/987654321"), 404)
    expect(admin.post("/notifications/987654321/test"), 404)


# ---------------------------------------------------------------- delivery

def test_a_webhook_is_retried_until_delivered_and_signed(admin, pusher):
    secret = "hook-secret"
    # Each event is refused twice, then taken.
    receiver = Receiver(lambda received, attempt: 500 if attempt < 3 else 204)
    try:
        org = new_organization(admin)
        repo = f"{org}/app"
        rule = create_rule(admin, namespace_rules(org), "push", "webhook", {"url": receiver.url, "secret": secret})
        started = time.monotonic()
        digest, manifest = push(pusher, repo, "1.0")
        taken = receiver.wait_for(lambda r: is_event("push", digest)(r) and r.status == 204, timeout=60,
                                  what="push event answered 204")
        assert taken.at - started < 60
        event_id = taken.event_id()
        attempts = receiver.matching(lambda r: r.event_id() == event_id)
        assert [r.status for r in attempts] == [500, 500, 204]
        assert len({r.body for r in attempts}) == 1, "every attempt sends the same bytes"

        assert taken.method == "POST" and taken.path == "/hook"
        assert taken.headers["content-type"].startswith("application/json")
        assert taken.headers["x-pier-event"] == "push"
        assert taken.headers["x-pier-delivery"]
        assert taken.headers["user-agent"].startswith("pier")
        assert hmac.compare_digest(taken.headers["x-pier-signature-256"], signature(secret, taken.body))

        event = taken.json()
        assert event["event"] == "push" and event["id"] == event_id and isinstance(event["id"], str)
        assert event["namespace"] == org and event["repository"] == repo
        assert event["tags"] == ["1.0"] and event["digest"] == digest
        assert event["media_type"] == "application/vnd.oci.image.manifest.v1+json"
        assert event["size"] == len(manifest)
        assert event["actor"] == "admin"
        assert event["registry"] == f"localhost:{pusher.url.rsplit(':', 1)[1]}"
        check_rfc3339(event["occurred_at"])

        shown = rule_until(admin, rule["id"], lambda r: (delivery_of(r, event_id) or {}).get("state") == "delivered",
                           what="the delivery listed as delivered")
        delivery = delivery_of(shown, event_id)
        assert delivery["attempts"] == 3 and delivery["status_code"] == 204 and delivery["event"] == "push"
        listed = admin.ok("GET", namespace_rules(org))["notifications"]
        assert delivery_of(listed[0], event_id) == delivery
        assert str(delivery["id"]) == taken.headers["x-pier-delivery"]
        check_rfc3339(delivery["created_at"])
        check_rfc3339(delivery["updated_at"])
    finally:
        receiver.stop()


def test_an_event_outlives_a_kill_and_is_delivered_once(tmp_path):
    data_dir = tmp_path / "pier"
    reg = start_pier(data_dir, auth=True, env=ENV)
    receiver = None
    try:
        api = Api(reg, "admin", ADMIN_PASSWORD)
        org = new_organization(api)
        port = free_port()  # nothing listens there until Pier is dead
        create_rule(api, namespace_rules(org), "push", "webhook", {"url": f"http://127.0.0.1:{port}/hook"})
        digest, _ = push(api.registry(), f"{org}/app", "1.0")
        reg.process.kill()
        reg.process.wait()

        receiver = Receiver(port=port)
        reg = start_pier(data_dir, auth=True, env=ENV)
        first = receiver.wait_for(is_event("push", digest), timeout=90, what="the push event after the restart")
        event_id = first.event_id()
        time.sleep(10)
        copies = receiver.matching(lambda r: r.event_id() == event_id)
        assert len(copies) == 1, f"event {event_id} arrived {len(copies)} times"
        assert first.json()["repository"] == f"{org}/app" and first.json()["tags"] == ["1.0"]
    finally:
        reg.stop()
        if receiver:
            receiver.stop()


def test_a_receiver_that_never_answers_times_out_and_pushes_go_on(admin, pusher):
    hanging = HangingReceiver()
    org = new_organization(admin)
    rule = create_rule(admin, namespace_rules(org), "push", "webhook", {"url": hanging.url})
    try:
        for i in range(3):
            push(pusher, f"{org}/app", f"{i}.0")  # asserts each push succeeded
        shown = rule_until(admin, rule["id"],
                           lambda r: any(d["attempts"] >= 1 and re.search(r"tim(e|ed) ?out", d["error"], re.I)
                                         for d in r["deliveries"]),
                           timeout=60, what="a delivery failed by a timeout")
        assert hanging.accepted >= 1
        assert all(d["state"] in ("pending", "failed") for d in shown["deliveries"])
    finally:
        admin.ok("DELETE", f"/notifications/{rule['id']}", status=204)
        hanging.stop()


def test_a_rule_failing_again_and_again_is_disabled(tmp_path):
    config = "notifications:\n  max_attempts: 2\n  disable_after: 2\n"
    reg = start_pier(tmp_path / "pier", auth=True, env=ENV, config=config)
    receiver = Receiver(lambda received, attempt: 500)
    try:
        api = Api(reg, "admin", ADMIN_PASSWORD)
        org = new_organization(api)
        rule = create_rule(api, namespace_rules(org), "push", "webhook", {"url": receiver.url})
        pushing = api.token_registry()
        push(pushing, f"{org}/app", "1")
        push(pushing, f"{org}/app", "2")
        shown = rule_until(api, rule["id"], lambda r: r["enabled"] is False, timeout=90, what="the rule disabled")
        assert shown["disabled_reason"].strip()
        failed = [d for d in shown["deliveries"] if d["state"] == "failed"]
        assert len(failed) >= 2 and all(d["attempts"] == 2 for d in failed)
        # Deliveries dispatched together go in order and stop at the first failure: the oldest
        # was sent and refused; one behind it in the same batch waited, unsent.
        oldest = min(failed, key=lambda d: d["id"])
        assert oldest["status_code"] == 500
        assert all(d["status_code"] == 500 or "not sent" in d["error"] for d in failed)
        assert len(receiver.matching(is_event("push"))) >= 2

        enabled = api.ok("PATCH", f"/notifications/{rule['id']}", {"enabled": True})
        assert enabled["enabled"] is True and enabled["disabled_reason"] == ""
        assert api.ok("GET", f"/notifications/{rule['id']}")["enabled"] is True
    finally:
        reg.stop()
        receiver.stop()


def test_email_goes_through_starttls_and_auth_login(admin, pusher, smtp):
    org = new_organization(admin)
    repo = f"{org}/app"
    to = f"{org}@example.com"
    create_rule(admin, namespace_rules(org), "push", "email", {"to": to})
    digest, _ = push(pusher, repo, "1.0")
    mail = smtp.wait_for(lambda m: to in m.rcpt_tos and digest in m.text(), timeout=60)
    assert mail.tls, "the message was sent before STARTTLS"
    assert mail.authenticated and mail.user == smtp.user and mail.mechanism == "LOGIN"
    assert mail.mail_from == SMTP_FROM
    message = mail.message()
    assert message["Subject"].startswith("[Pier]") and repo in message["Subject"]
    assert to in message["To"] and SMTP_FROM in message["From"]
    assert message["Date"] and message["Message-ID"]
    text = mail.text()
    assert f"digest: {digest}" in text and f"repository: {repo}" in text

    # Several addresses at once.
    others = [f"a-{org}@example.com", f"b-{org}@example.com"]
    create_rule(admin, repository_rules(repo), "push", "email", {"to": others})
    digest, _ = push(pusher, repo, "2.0")
    mail = smtp.wait_for(lambda m: set(others) <= set(m.rcpt_tos) and digest in m.text(), timeout=60)
    assert mail.tls and mail.authenticated


def test_slack_gets_text_and_blocks(admin, pusher, receiver):
    org = new_organization(admin)
    repo = f"{org}/app"
    create_rule(admin, namespace_rules(org), "push", "slack", {"url": receiver.url})
    push(pusher, repo, "1.0")
    got = receiver.wait_for(lambda r: repo in r.json()["text"], timeout=60, what="the Slack message")
    assert got.headers["content-type"].startswith("application/json")
    message = got.json()
    assert isinstance(message["text"], str) and message["text"].strip() and "\n" not in message["text"]
    blocks = message["blocks"]
    assert isinstance(blocks, list) and blocks
    assert blocks[0]["type"] == "section"
    assert blocks[0]["text"]["type"] == "mrkdwn" and repo in blocks[0]["text"]["text"]
    assert blocks[1]["type"] == "context" and blocks[1]["elements"][0]["type"] == "mrkdwn"


@pytest.mark.parametrize("mode", ["structured", "binary"])
def test_cloudevents(admin, pusher, receiver, mode):
    org = new_organization(admin)
    repo = f"{org}/app"
    secret = "ce-secret"
    create_rule(admin, namespace_rules(org), "push", "cloudevents", {"url": receiver.url, "mode": mode, "secret": secret})
    digest, _ = push(pusher, repo, "1.0")
    got = receiver.wait_for(is_event("push", digest), timeout=60, what="the CloudEvent")
    registry = f"localhost:{pusher.url.rsplit(':', 1)[1]}"
    assert hmac.compare_digest(got.headers["x-pier-signature-256"], signature(secret, got.body))
    if mode == "structured":
        assert got.headers["content-type"].startswith("application/cloudevents+json")
        event = got.json()
        assert event["specversion"] == "1.0"
        assert event["type"] == "dev.pier.image.pushed"
        assert event["source"] == f"/{registry}/{repo}"
        assert event["subject"] == digest
        assert event["datacontenttype"] == "application/json"
        check_rfc3339(event["time"])
        data = event["data"]
        assert event["id"] == data["id"] and event["time"] == data["occurred_at"]
    else:
        assert got.headers["content-type"].startswith("application/json")
        assert got.headers["ce-specversion"] == "1.0"
        assert got.headers["ce-type"] == "dev.pier.image.pushed"
        assert got.headers["ce-source"] == f"/{registry}/{repo}"
        assert got.headers["ce-subject"] == digest
        check_rfc3339(got.headers["ce-time"])
        data = got.json()
        assert got.headers["ce-id"] == data["id"] and got.headers["ce-time"] == data["occurred_at"]
        assert "specversion" not in data
    assert data["event"] == "push" and data["repository"] == repo
    assert data["tags"] == ["1.0"] and data["digest"] == digest


# ---------------------------------------------------------------- other events

def test_deleting_a_manifest_sends_a_delete_event(admin, pusher, receiver):
    org = new_organization(admin)
    repo = f"{org}/app"
    digest, _ = push(pusher, repo, "1.0")
    # A repository's rule: the repository exists by now.
    create_rule(admin, repository_rules(repo), "delete", "webhook", {"url": receiver.url})
    resp = call(pusher, "DELETE", f"/v2/{repo}/manifests/{digest}")
    assert resp.status_code == 202, resp.text
    got = receiver.wait_for(is_event("delete", digest), timeout=60, what="the delete event")
    event = got.json()
    assert event["repository"] == repo and event["tags"] == ["1.0"]
    assert got.headers["x-pier-event"] == "delete"
    assert not receiver.matching(is_event("push")), "a delete rule sent a push event"
    assert event["actor"] == "admin"


def test_a_tag_filter_chooses_the_events(admin, pusher, receiver):
    org = new_organization(admin)
    repo = f"{org}/app"
    create_rule(admin, namespace_rules(org), "push", "webhook", {"url": receiver.url}, filter={"tags": "v*"})
    latest, _ = push(pusher, repo, "latest")
    v1, _ = push(pusher, repo, "v1")
    got = receiver.wait_for(is_event("push", v1), timeout=60, what="the push of v1")
    assert got.json()["tags"] == ["v1"]
    time.sleep(3)  # the push of latest came first: its event, if any, has had time too
    assert not receiver.matching(is_event("push", latest))
    assert all("latest" not in r.json().get("tags", []) for r in receiver.snapshot())


def test_pulls_are_sent_only_to_pull_rules(admin, pusher, receiver):
    org = new_organization(admin)
    repo = f"{org}/app"
    create_rule(admin, namespace_rules(org), "pull", "webhook", {"url": receiver.url})
    digest, _ = push(pusher, repo, "1.0")
    resp = call(pusher, "GET", f"/v2/{repo}/manifests/1.0", headers={"Accept": MANIFEST_ACCEPT})
    assert resp.status_code == 200
    got = receiver.wait_for(is_event("pull", digest), timeout=60, what="the pull event")
    event = got.json()
    assert event["repository"] == repo and event["tags"] == ["1.0"] and event["actor"] == "admin"
    assert not receiver.matching(is_event("push")), "a pull rule sent a push event"

    # A namespace with a push rule only: its pulls send nothing.
    quiet_org = new_organization(admin)
    quiet = Receiver()
    try:
        create_rule(admin, namespace_rules(quiet_org), "push", "webhook", {"url": quiet.url})
        quiet_digest, _ = push(pusher, f"{quiet_org}/app", "1.0")
        quiet.wait_for(is_event("push", quiet_digest), timeout=60, what="the push event")
        resp = call(pusher, "GET", f"/v2/{quiet_org}/app/manifests/1.0", headers={"Accept": MANIFEST_ACCEPT})
        assert resp.status_code == 200
        time.sleep(5)
        assert not quiet.matching(is_event("pull"))
    finally:
        quiet.stop()


def test_the_test_endpoint_sends_now(admin, receiver):
    org = new_organization(admin)
    rule = create_rule(admin, namespace_rules(org), "push", "webhook", {"url": receiver.url, "secret": "t"})
    answer = admin.ok("POST", f"/notifications/{rule['id']}/test")
    assert answer["delivered"] is True and 200 <= answer["status_code"] < 300 and answer["error"] == ""
    got = receiver.wait_for(is_event("test"), timeout=5, what="the test event")
    assert got.json()["event"] == "test" and got.json()["namespace"] == org
    assert got.headers["x-pier-event"] == "test"
    assert hmac.compare_digest(got.headers["x-pier-signature-256"], signature("t", got.body))
    shown = admin.ok("GET", f"/notifications/{rule['id']}")
    assert any(d["event"] == "test" and d["state"] == "delivered" for d in shown["deliveries"])

    # Nothing listening: answered all the same, saying why.
    refused = create_rule(admin, namespace_rules(org), "push", "webhook", {"url": f"http://127.0.0.1:{free_port()}/"})
    answer = admin.ok("POST", f"/notifications/{refused['id']}/test")
    assert answer["delivered"] is False and answer["error"]


def test_every_event_body_follows_the_documented_schema(admin, pusher, receiver):
    """docs/events.schema.json is what receivers are told to expect: every kind this module can
    cause, as it arrived, validates against it (and against the definition of its own kind)."""
    org = new_organization(admin)
    repo = f"{org}/app"
    for kind in ("push", "delete", "pull"):
        create_rule(admin, namespace_rules(org), kind, "webhook", {"url": receiver.url})
    digest, _ = push(pusher, repo, "1.0")
    assert call(pusher, "GET", f"/v2/{repo}/manifests/1.0", headers={"Accept": MANIFEST_ACCEPT}).status_code == 200
    assert call(pusher, "DELETE", f"/v2/{repo}/manifests/1.0").status_code == 202
    assert call(pusher, "DELETE", f"/v2/{repo}/manifests/{digest}").status_code == 202
    test_rule = create_rule(admin, repository_rules(repo), "push", "webhook", {"url": receiver.url})
    assert admin.ok("POST", f"/notifications/{test_rule['id']}/test")["delivered"] is True
    for kind in ("push", "pull", "delete", "test"):
        receiver.wait_for(is_event(kind), timeout=60, what=f"the {kind} event")
    validator = jsonschema.Draft202012Validator(EVENT_SCHEMA, format_checker=jsonschema.FormatChecker())
    for got in receiver.snapshot():
        event = got.json()
        errors = [e.message for e in validator.iter_errors(event)]
        assert not errors, (event, errors)
        own = {"$ref": f"#/$defs/{event['event']}", "$defs": EVENT_SCHEMA["$defs"]}
        assert not list(jsonschema.Draft202012Validator(own).iter_errors(event)), event
    assert len(receiver.matching(is_event("delete"))) == 2, "the tag's deletion, then the manifest's"


# ---------------------------------------------------------------- pier notification

def pier_cli(notifier, home, token: str, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("PIER_SERVER", "PIER_TOKEN")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "xdg"), PIER_SERVER=notifier.url, PIER_TOKEN=token)
    return subprocess.run([str(PIER_BINARY), "notification", *map(str, args)], capture_output=True, text=True,
                          timeout=60, env=env)


def test_the_notification_commands(admin, pusher, receiver, notifier, tmp_path):
    token = admin.ok("POST", "/user/tokens", {"name": unique("cli"), "scopes": ["super:user"]}, status=201)["token"]
    org = new_organization(admin)
    repo = f"{org}/app"
    push(pusher, repo, "1.0")

    def run(*args, code: int = 0):
        result = pier_cli(notifier, tmp_path, token, *args)
        assert result.returncode == code, (args, result.returncode, result.stdout, result.stderr)
        return result

    created = json.loads(run("create", org, "--event", "push", "--method", "webhook", "--url", receiver.url,
                             "--secret", "cli-secret", "--header", "X-Team: ops", "--tags", "v*",
                             "--title", "from the cli", "--output", "json").stdout)
    assert created["namespace"] == org and created["config"]["secret"] == SECRET_SHOWN
    assert created["config"]["headers"] == {"X-Team": "ops"} and created["filter"]["tags"] == "v*"
    assert created["title"] == "from the cli"
    rule_id = created["id"]
    assert json.loads(run("show", rule_id, "--output", "json").stdout) == admin.ok("GET", f"/notifications/{rule_id}")
    assert yaml_subset.loads(run("show", rule_id, "--output", "yaml").stdout)["id"] == rule_id

    # Each --to takes one address: the next word is the scope again.
    repo_rule = json.loads(run("create", "--to", "a@example.com", "--to", "b@example.com", repo, "--event", "push",
                               "--method", "email", "--output", "json").stdout)
    assert repo_rule["repository"] == repo and repo_rule["config"]["to"] == ["a@example.com", "b@example.com"]

    lines = run("list", org).stdout.splitlines()
    assert re.split(r"\s{3,}", lines[0]) == ["ID", "SCOPE", "EVENT", "METHOD", "TARGET", "ENABLED", "LAST DELIVERY"]
    assert len(lines) == 2 and lines[1].split()[:5] == [str(rule_id), org, "push", "webhook", receiver.url]
    listed = json.loads(run("list", repo, "--output", "json").stdout)["notifications"]
    assert [r["id"] for r in listed] == [repo_rule["id"]]
    assert "a@example.com,b@example.com" in run("list", repo).stdout

    assert json.loads(run("disable", rule_id, "--output", "json").stdout)["enabled"] is False
    assert "false" in run("list", org).stdout.splitlines()[1]
    assert json.loads(run("enable", rule_id, "--output", "json").stdout)["enabled"] is True

    tested = run("test", rule_id).stdout.splitlines()
    assert tested[0].split() == ["DELIVERED", "STATUS", "ERROR"] and tested[1].split()[:2] == ["true", "204"]
    receiver.wait_for(is_event("test"), timeout=5, what="the test event")
    shown = run("show", rule_id).stdout
    assert "EVENT ID" in shown and "test" in shown

    refused = json.loads(run("create", org, "--event", "push", "--method", "webhook",
                             "--url", f"http://127.0.0.1:{free_port()}/", "--output", "json").stdout)
    assert "not delivered" in run("test", refused["id"], code=1).stderr

    assert run("delete", rule_id).stdout.strip() == f"deleted notification rule {rule_id}"
    expect(admin.get(f"/notifications/{rule_id}"), 404)
    assert run("show", rule_id, code=1).stderr.startswith("pier: ")

    # Refused by the server (1), by the command line (2).
    assert run("create", org, "--event", "pushed", "--method", "webhook", "--url", receiver.url,
               code=1).stderr.startswith("pier: ")
    run("create", org, "--event", "push", "--method", "webhook", "--url", receiver.url, "--header", "no colon",
        code=2)
    run("create", org, "--method", "webhook", "--url", receiver.url, code=2)
    run("show", "not-a-number", code=2)
    run("create", org, "--event", "push", "--method", "cloudevents", "--url", receiver.url, "--mode", "sideways",
        code=2)
    # Without a login: 3.
    env_less = subprocess.run([str(PIER_BINARY), "notification", "list", org], capture_output=True, text=True,
                              timeout=60, env={"HOME": str(tmp_path / "nobody"), "PATH": os.environ["PATH"]})
    assert env_less.returncode == 3, env_less.stderr
    requests.get(notifier.url + "/healthz", timeout=5).raise_for_status()
