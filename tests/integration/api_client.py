"""A small client of Pier's management API (/api/v1) for the integration tests: requests as
a user (Basic), as an API token alone (Bearer) or anonymously, and assertions on the
answers."""

from __future__ import annotations

import dataclasses
import itertools

import requests

from registry_auth import Bearer

TIMEOUT = 30

_names = itertools.count(1)


def unique(prefix: str) -> str:
    """A fresh account name, so tests sharing one server never collide."""
    return f"{prefix}{next(_names)}"


class Api:
    def __init__(self, reg, user: str | None = None, password: str | None = None, token: str | None = None):
        self.reg = reg
        self.user = user
        self.password = password
        if token is not None:
            self.auth = Bearer(token)
        elif user is not None:
            self.auth = (user, password)
        else:
            self.auth = None

    def request(self, method: str, path: str, body=None, data=None, params=None, headers=None) -> requests.Response:
        kwargs = {"timeout": TIMEOUT, "verify": self.reg.verify, "auth": self.auth, "params": params,
                  "headers": headers}
        if body is not None:
            kwargs["json"] = body
        if data is not None:
            kwargs["data"] = data
        return requests.request(method, f"{self.reg.url}/api/v1{path}", **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.request("PUT", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, body=None, status: int = 200, **kwargs):
        """The JSON answer (None for 204), asserting the status."""
        resp = self.request(method, path, body, **kwargs)
        expect(resp, status)
        return None if status == 204 else resp.json()

    def token_registry(self):
        """The registry as this user sees it, signed in with a new API token rather than the
        password: a token is checked by its hash, a password by Argon2, which would dominate
        tests that push hundreds of images."""
        token = self.ok("POST", "/user/tokens", {"name": unique("tests"), "scopes": ["repo:admin"]}, status=201)["token"]
        return dataclasses.replace(self.reg, extra={**self.reg.extra, "auth": (self.user, token)})

    def registry(self):
        """The server as oci_helpers.call sees it, sending this client's credentials."""
        return dataclasses.replace(self.reg, extra={**self.reg.extra, "auth": self.auth})


def expect(resp: requests.Response, status: int, code: str | None = None) -> requests.Response:
    """`status` and, for errors, Pier's error body (with `code` if given)."""
    assert resp.status_code == status, f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text[:500]!r}"
    if status >= 400:
        errors = resp.json()["errors"]
        assert errors and errors[0]["message"], resp.text
        if code is not None:
            assert errors[0]["code"] == code, resp.text
    return resp


def message(resp: requests.Response) -> str:
    return resp.json()["errors"][0]["message"]


def new_user(admin: Api, name: str | None = None, superuser: bool = False) -> Api:
    """A user created by `admin`, and a client signed in as them."""
    name = name or unique("user")
    password = f"{name}-password"
    admin.ok("POST", "/users", {"name": name, "password": password, "superuser": superuser}, status=201)
    return Api(admin.reg, name, password)


def new_organization(owner: Api, name: str | None = None) -> str:
    name = name or unique("org")
    owner.ok("POST", "/organizations", {"name": name}, status=201)
    return name
