"""The web UI's sign-in sessions (POST/GET/DELETE /api/v1/session): the cookie's attributes,
CSRF protection on writes, no Basic challenge for pages, and sessions ending with sign-out or
with their user."""

import requests

from api_client import TIMEOUT, Api, expect
from servers import ADMIN_PASSWORD, start_pier

PAGE = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin"}


def sign_in(server, username="admin", password=ADMIN_PASSWORD):
    browser = requests.Session()
    resp = browser.post(f"{server.url}/api/v1/session", json={"username": username, "password": password},
                        headers=PAGE, timeout=TIMEOUT)
    return browser, resp


def test_sign_in_sets_a_strict_http_only_cookie(server):
    browser, resp = sign_in(server)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["user"]["name"] == "admin" and body["user"]["superuser"] is True
    assert len(body["csrf_token"]) == 64
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("pier_session=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"):
        assert attribute in cookie, cookie
    assert "Secure" not in cookie  # plain HTTP here; see the TLS test
    # The cookie's value is a fresh secret, not the CSRF token and not the password.
    secret = browser.cookies["pier_session"]
    assert len(secret) == 43 and secret != body["csrf_token"]

    again = browser.get(f"{server.url}/api/v1/session", headers=PAGE, timeout=TIMEOUT)
    assert again.status_code == 200
    assert again.json()["csrf_token"] == body["csrf_token"]
    assert browser.get(f"{server.url}/api/v1/user", timeout=TIMEOUT).json()["name"] == "admin"


def test_sessions_begun_over_tls_are_secure_cookies(tmp_path):
    reg = start_pier(tmp_path / "pier", tls=True, auth=True, env={"PIER_ADMIN_PASSWORD": ADMIN_PASSWORD})
    try:
        resp = requests.post(f"{reg.url}/api/v1/session", json={"username": "admin", "password": ADMIN_PASSWORD},
                             headers=PAGE, verify=reg.verify, timeout=TIMEOUT)
        assert resp.status_code == 200, resp.text
        assert "; Secure" in resp.headers["Set-Cookie"]
    finally:
        reg.stop()


def test_wrong_password_is_refused_without_a_cookie_or_challenge(server):
    browser, resp = sign_in(server, password="not-the-password")
    expect(resp, 401, "UNAUTHORIZED")
    assert "Set-Cookie" not in resp.headers
    assert "WWW-Authenticate" not in resp.headers
    _, resp = sign_in(server, username="nobody")
    expect(resp, 401, "UNAUTHORIZED")


def test_writes_need_the_csrf_token(server):
    browser, resp = sign_in(server)
    csrf = resp.json()["csrf_token"]
    url = f"{server.url}/api/v1/organizations"
    expect(browser.post(url, json={"name": "csrf-none"}, timeout=TIMEOUT), 403, "DENIED")
    expect(browser.post(url, json={"name": "csrf-wrong"}, headers={"X-CSRF-Token": "0" * 64}, timeout=TIMEOUT),
           403, "DENIED")
    made = browser.post(url, json={"name": "csrfgood"}, headers={"X-CSRF-Token": csrf}, timeout=TIMEOUT)
    assert made.status_code == 201, made.text
    # Reads need no token.
    assert browser.get(f"{server.url}/api/v1/organizations/csrfgood/teams", timeout=TIMEOUT).status_code == 200
    # The refused attempts changed nothing.
    admin = Api(server, "admin", ADMIN_PASSWORD)
    expect(admin.get("/organizations/csrf-none/teams"), 404)


def test_a_page_gets_no_basic_challenge(server):
    resp = requests.get(f"{server.url}/api/v1/user", headers=PAGE, timeout=TIMEOUT)
    expect(resp, 401, "UNAUTHORIZED")
    assert "WWW-Authenticate" not in resp.headers
    # Scripts and command-line clients still get it.
    resp = requests.get(f"{server.url}/api/v1/user", timeout=TIMEOUT)
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="pier"'
    expect(requests.get(f"{server.url}/api/v1/session", headers=PAGE, timeout=TIMEOUT), 401, "UNAUTHORIZED")


def test_sign_out_ends_the_session(server):
    browser, resp = sign_in(server)
    secret = browser.cookies["pier_session"]
    csrf = resp.json()["csrf_token"]
    # Another site's page cannot sign the user out: the CSRF token is needed.
    expect(browser.delete(f"{server.url}/api/v1/session", timeout=TIMEOUT), 403, "DENIED")
    expect(browser.delete(f"{server.url}/api/v1/session", headers={"X-CSRF-Token": "0" * 64}, timeout=TIMEOUT),
           403, "DENIED")
    assert browser.get(f"{server.url}/api/v1/user", timeout=TIMEOUT).json()["name"] == "admin"
    out = browser.delete(f"{server.url}/api/v1/session", headers={"X-CSRF-Token": csrf}, timeout=TIMEOUT)
    assert out.status_code == 204
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    # The old cookie, replayed, signs no one in.
    replay = requests.get(f"{server.url}/api/v1/user", cookies={"pier_session": secret}, timeout=TIMEOUT)
    expect(replay, 401, "UNAUTHORIZED")
    assert "WWW-Authenticate" not in replay.headers
    expect(requests.get(f"{server.url}/api/v1/session", cookies={"pier_session": secret}, timeout=TIMEOUT), 401)
    # A cookie naming no live session is cleared without a token.
    stale = requests.delete(f"{server.url}/api/v1/session", cookies={"pier_session": secret}, timeout=TIMEOUT)
    assert stale.status_code == 204 and "Max-Age=0" in stale.headers["Set-Cookie"]


def test_a_session_ends_with_its_user_and_robots_and_tokens_get_none(server, admin):
    admin.ok("POST", "/users", {"name": "sessionuser", "password": "session-user-pw"}, status=201)
    browser, resp = sign_in(server, "sessionuser", "session-user-pw")
    assert resp.status_code == 200
    assert browser.get(f"{server.url}/api/v1/user", timeout=TIMEOUT).json()["name"] == "sessionuser"
    # A session acts with a password's rights: it may manage the user's API tokens.
    csrf = resp.json()["csrf_token"]
    token = browser.post(f"{server.url}/api/v1/user/tokens", json={"name": "from-ui", "scopes": ["repo:read"]},
                         headers={"X-CSRF-Token": csrf}, timeout=TIMEOUT)
    assert token.status_code == 201, token.text
    # An API token does not start a session.
    _, resp = sign_in(server, "sessionuser", token.json()["token"])
    expect(resp, 401, "UNAUTHORIZED")
    robot = admin.ok("POST", "/namespaces/admin/robots/uibot", status=201)
    _, resp = sign_in(server, robot["name"], robot["token"])
    expect(resp, 401, "UNAUTHORIZED")

    admin.ok("DELETE", "/users/sessionuser", status=204)
    expect(browser.get(f"{server.url}/api/v1/user", timeout=TIMEOUT), 401, "UNAUTHORIZED")


def test_bad_sign_in_bodies(server):
    url = f"{server.url}/api/v1/session"
    expect(requests.post(url, data="not json", timeout=TIMEOUT), 400, "UNSUPPORTED")
    expect(requests.post(url, json={"username": "admin"}, timeout=TIMEOUT), 400, "UNSUPPORTED")
    expect(requests.post(url, json={"username": "admin", "password": ADMIN_PASSWORD, "remember": True},
                         timeout=TIMEOUT), 400, "UNSUPPORTED")


def test_a_password_set_by_an_administrator_ends_the_users_sessions(server, admin):
    admin.ok("POST", "/users", {"name": "reset-me", "password": "old-password"}, status=201)
    browser, resp = sign_in(server, "reset-me", "old-password")
    assert resp.status_code == 200
    admin.ok("PATCH", "/users/reset-me", {"password": "new-password"})
    expect(browser.get(f"{server.url}/api/v1/user", timeout=TIMEOUT), 401, "UNAUTHORIZED")
    _, resp = sign_in(server, "reset-me", "old-password")
    expect(resp, 401, "UNAUTHORIZED")
    _, resp = sign_in(server, "reset-me", "new-password")
    assert resp.status_code == 200


def test_users_change_their_own_password_with_the_current_one(server, admin):
    admin.ok("POST", "/users", {"name": "changer", "password": "first-password"}, status=201)
    url = f"{server.url}/api/v1/user"
    # With Basic credentials.
    wrong = requests.patch(url, json={"current_password": "not-it", "password": "second-password"},
                           auth=("changer", "first-password"), timeout=TIMEOUT)
    expect(wrong, 403, "DENIED")
    short = requests.patch(url, json={"current_password": "first-password", "password": "short"},
                           auth=("changer", "first-password"), timeout=TIMEOUT)
    expect(short, 400)
    other_browser, resp = sign_in(server, "changer", "first-password")
    assert resp.status_code == 200
    changed = requests.patch(url, json={"current_password": "first-password", "password": "second-password"},
                             auth=("changer", "first-password"), timeout=TIMEOUT)
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "changer"
    expect(requests.get(url, auth=("changer", "first-password"), timeout=TIMEOUT), 401, "UNAUTHORIZED")
    assert requests.get(url, auth=("changer", "second-password"), timeout=TIMEOUT).status_code == 200
    expect(other_browser.get(url, timeout=TIMEOUT), 401, "UNAUTHORIZED")  # begun with the old password

    # From a session: it needs the CSRF token, and the session itself goes on.
    browser, resp = sign_in(server, "changer", "second-password")
    csrf = resp.json()["csrf_token"]
    body = {"current_password": "second-password", "password": "third-password"}
    expect(browser.patch(url, json=body, timeout=TIMEOUT), 403, "DENIED")
    changed = browser.patch(url, json=body, headers={"X-CSRF-Token": csrf}, timeout=TIMEOUT)
    assert changed.status_code == 200, changed.text
    assert browser.get(url, timeout=TIMEOUT).json()["name"] == "changer"
    _, resp = sign_in(server, "changer", "second-password")
    expect(resp, 401, "UNAUTHORIZED")

    # An API token stands for the user without the password: it may not change it.
    token = requests.post(f"{server.url}/api/v1/user/tokens", json={"name": "t", "scopes": ["repo:read"]},
                          auth=("changer", "third-password"), timeout=TIMEOUT).json()["token"]
    by_token = requests.patch(url, json={"current_password": "third-password", "password": "fourth-password"},
                              headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    expect(by_token, 403, "DENIED")
    # Nor may an API token stand in for the current password.
    as_current = requests.patch(url, json={"current_password": token, "password": "fourth-password"},
                                auth=("changer", "third-password"), timeout=TIMEOUT)
    expect(as_current, 403, "DENIED")
    expect(requests.patch(url, json={"password": "fourth-password"}, auth=("changer", "third-password"),
                          timeout=TIMEOUT), 400)
    # The changes are audited, never with a password.
    events = admin.ok("GET", "/audit", params={"namespace": "changer", "limit": 1000})["events"]
    changes = [e for e in events if e["detail"].get("change") == "password_changed"]
    assert len(changes) == 2 and all(e["actor"] == "changer" for e in changes)
    for secret in ("first-password", "second-password", "third-password"):
        assert secret not in str(events)
