"""What the bench's Python clients (gc.py, scan.py) share: a keep-alive HTTP connection per
thread, blob uploads, and errors reported a few at a time."""
import base64
import hashlib
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

_errors_printed = 0
_print_lock = threading.Lock()


def complain(message):
    global _errors_printed
    with _print_lock:
        _errors_printed += 1
        if _errors_printed <= 5:
            print(f"bench/{os.path.basename(sys.argv[0])}: {message}", file=sys.stderr)


class Client:
    """One keep-alive connection, reopened after a failure."""

    def __init__(self, url, auth=None):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.auth = auth
        self.conn = None

    def request(self, method, path, body=None, headers=None, timeout=600):
        headers = dict(headers or {})
        if self.auth:
            headers["Authorization"] = self.auth
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, r.headers, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1 or body is not None and method == "POST":
                    raise
        raise RuntimeError("unreachable")

    def get_json(self, path):
        status, _, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status} {body[:200]!r}")
        return json.loads(body)


_local = threading.local()


def client(url, auth=None):
    """This thread's connection to `url`."""
    c = getattr(_local, "client", None)
    if c is None:
        c = _local.client = Client(url, auth)
    return c


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


# Returns the digest and how many requests the upload took.
def upload(c, repo, data):
    digest = sha256(data)
    status, headers, body = c.request("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", data,
                                      {"Content-Type": "application/octet-stream"})
    if status == 201:
        return digest, 1
    if status != 202:
        raise RuntimeError(f"POST blob upload {repo} -> {status} {body[:200]!r}")
    location = headers["Location"]
    location = urllib.parse.urlsplit(location)
    target = location.path + "?" + (location.query + "&" if location.query else "") + f"digest={digest}"
    status, _, body = c.request("PUT", target, data, {"Content-Type": "application/octet-stream"})
    if status != 201:
        raise RuntimeError(f"PUT blob upload {repo} -> {status} {body[:200]!r}")
    return digest, 2


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def cmd_token(a):
    """Prints a superuser API token, good for a day, made with the password given."""
    c = Client(a.url, basic(a.user, a.password))
    status, _, body = c.request("POST", "/api/v1/user/tokens",
                                json.dumps({"name": f"bench-{os.path.basename(sys.argv[0])}-{os.getpid()}-{int(time.time())}",
                                            "scopes": ["super:user"], "expires_in_days": 1}).encode(),
                                {"Content-Type": "application/json"})
    if status != 201:
        complain(f"POST /api/v1/user/tokens -> {status} {body[:300]!r}")
        return 1
    print(json.dumps({"token": json.loads(body)["token"]}))
    return 0
