"""Receivers of Pier's notifications for the integration tests, each on 127.0.0.1 in threads of
the test process: an HTTP server that records every request (method, path, headers and the
exact body bytes) and answers what the test says, a server that accepts connections and never
answers, and an SMTP server (aiosmtpd) that insists on STARTTLS and AUTH LOGIN and records
each message with how its session was secured."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]        # names in lower case
    body: bytes
    at: float                      # time.monotonic() when it arrived
    status: int = 0                # what the receiver answered

    def json(self):
        return json.loads(self.body)

    def payload(self) -> dict:
        """The event: the body, or a structured CloudEvent's `data`."""
        document = self.json()
        if self.headers.get("content-type", "").startswith("application/cloudevents+json"):
            return document.get("data") or {}
        return document

    def event_id(self) -> str | None:
        try:
            value = self.payload().get("id")
        except (ValueError, AttributeError):
            return None
        return None if value is None else str(value)


def _wait(condition: threading.Condition, ready: Callable[[], object], timeout: float, what: str):
    deadline = time.monotonic() + timeout
    with condition:
        while True:
            found = ready()
            if found:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {what} within {timeout:.0f} s")
            condition.wait(min(left, 0.5))


class Receiver:
    """An HTTP/1.1 server recording every request. `answer(received, attempt)` gives the status
    (attempt counts the requests carrying the same event id, from 1); 204 by default."""

    def __init__(self, answer: Callable[[Received, int], int] | None = None, port: int = 0):
        self.answer = answer or (lambda received, attempt: 204)
        self.requests: list[Received] = []
        self.condition = threading.Condition()
        self._attempts: Counter = Counter()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                    body, time.monotonic())
                with receiver.condition:
                    key = received.event_id() or ""
                    receiver._attempts[key] += 1
                    attempt = receiver._attempts[key]
                received.status = receiver.answer(received, attempt)
                with receiver.condition:
                    receiver.requests.append(received)
                    receiver.condition.notify_all()
                self.send_response(received.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> list[Received]:
        with self.condition:
            return list(self.requests)

    def wait_for(self, predicate: Callable[[Received], bool], timeout: float = 60, what: str = "matching request"
                 ) -> Received:
        """The first request `predicate` holds for, waiting for one to come."""
        def found():
            return next((r for r in self.requests if _holds(predicate, r)), None)
        return _wait(self.condition, found, timeout, what)

    def matching(self, predicate: Callable[[Received], bool]) -> list[Received]:
        with self.condition:
            return [r for r in self.requests if _holds(predicate, r)]


def _holds(predicate, received) -> bool:
    try:
        return bool(predicate(received))
    except (ValueError, KeyError, TypeError, AttributeError):
        return False  # a body that is not the JSON the predicate looks into


class HangingReceiver:
    """Accepts connections, reads what comes and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.accepted = 0
        self.received = b""
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                self.connections.append(conn)
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    def _drain(self, conn):
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.received += data

    def stop(self):
        self.stopped.set()
        self.sock.close()
        with self.lock:
            for conn in self.connections:
                conn.close()


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool                  # the session had switched to TLS (STARTTLS) before the message
    authenticated: bool
    user: str | None           # who the session authenticated as
    mechanism: str | None

    def message(self) -> EmailMessage:
        return message_from_bytes(self.content, policy=policy.default)

    def text(self) -> str:
        body = self.message().get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""


@dataclass
class SmtpReceiver:
    """aiosmtpd on 127.0.0.1 that requires STARTTLS (with the certificate given) before
    anything else and AUTH LOGIN as `user` before a message (AUTH PLAIN not offered)."""
    cert: Path
    key: Path
    user: str = "pier-mailer"
    password: str = "mail-secret"
    messages: list[Mail] = field(default_factory=list)
    auth_attempts: list[tuple[str, str, bool]] = field(default_factory=list)  # mechanism, user, accepted

    def __post_init__(self):
        self.condition = threading.Condition()
        self.port = _free_port()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert), str(self.key))
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
                mail = Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content,
                            session.ssl is not None, bool(session.authenticated), login,
                            getattr(session, "pier_mechanism", None))
                with receiver.condition:
                    receiver.messages.append(mail)
                    receiver.condition.notify_all()
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user
                  and auth_data.password.decode() == self.password)
            user = auth_data.login.decode() if isinstance(auth_data, LoginPassword) else repr(auth_data)
            self.auth_attempts.append((mechanism, user, ok))
            session.pier_mechanism = mechanism
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, server_hostname="localhost",
                                     tls_context=context, require_starttls=True, auth_require_tls=True,
                                     auth_required=True, authenticator=authenticator,
                                     auth_exclude_mechanism=["PLAIN"])
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def stop(self):
        self.controller.stop()

    def wait_for(self, predicate: Callable[[Mail], bool], timeout: float = 60) -> Mail:
        def found():
            return next((m for m in self.messages if _holds(predicate, m)), None)
        return _wait(self.condition, found, timeout, "matching email")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
