"""Docker token auth from the client's side, for the access tests: parsing challenges,
fetching tokens, reading JWTs, and forging them with a key the test holds (openssl signs,
so no Python crypto module is needed)."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import requests
from requests.auth import AuthBase

TIMEOUT = 30


def parse_challenge(header: str) -> tuple[str, dict]:
    """'Bearer realm="x",service="y"' -> ("bearer", {"realm": "x", "service": "y"})."""
    scheme, _, rest = header.partition(" ")
    params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
    return scheme.lower(), params


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token: str) -> tuple[dict, dict, bytes]:
    header, payload, signature = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload)), b64url_decode(signature)


def token_url(reg, *scopes: str, service: str = "pier", **params) -> str:
    query = [("service", service)] + [("scope", s) for s in scopes] + list(params.items())
    return requests.Request("GET", f"{reg.url}/v2/auth", params=query).prepare().url


def get_token(reg, *scopes: str, user: str | None = None, password: str | None = None,
              **params) -> requests.Response:
    auth = (user, password) if user is not None else None
    return requests.get(token_url(reg, *scopes, **params), auth=auth, timeout=TIMEOUT, verify=reg.verify)


def fetch_token(reg, *scopes: str, user: str | None = None, password: str | None = None) -> str:
    resp = get_token(reg, *scopes, user=user, password=password)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    return resp.json()["token"]


def granted(token: str) -> dict[str, set[str]]:
    """"type:name" -> actions, from a token's access claim."""
    _, claims, _ = jwt_parts(token)
    return {f'{a["type"]}:{a["name"]}': set(a["actions"]) for a in claims.get("access") or []}


class Bearer(AuthBase):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _der_signature_to_jose(der: bytes) -> bytes:
    """An ECDSA signature as openssl writes it (DER SEQUENCE of two INTEGERs) -> R||S."""
    assert der[0] == 0x30
    offset = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    parts = []
    for _ in range(2):
        assert der[offset] == 0x02
        length = der[offset + 1]
        value = der[offset + 2: offset + 2 + length]
        parts.append(value.lstrip(b"\x00").rjust(32, b"\x00"))
        offset += 2 + length
    return parts[0] + parts[1]


def sign_jwt(key_path: Path, header: dict, claims: dict) -> str:
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key_path)],
                         input=signing_input.encode(), capture_output=True, check=True).stdout
    return f"{signing_input}.{b64url(_der_signature_to_jose(der))}"


def make_ec_key(path: Path) -> Path:
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(path)],
                   check=True, capture_output=True)
    return path
