"""Real local servers for the senders' tests: an HTTP server and an SMTP server on
127.0.0.1 (port 0), each in a thread, recording what they receive and answering as the
test scripts them. The senders talk to them over real sockets: nothing of the HTTP or
SMTP layer is mocked."""

import json
import socket
import socketserver
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes = b""
    delay: float = 0.0  # seconds before answering (a timeout test: longer than the sender's)

    def payload(self) -> bytes:
        return self.body if self.json is None else json.dumps(self.json).encode()


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: Message  # case-insensitive, as HTTP header names are
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        stub = self.server.stub
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query)), self.headers, body)
        with stub.lock:
            stub.seen.append(seen)
        reply = stub.next_reply(seen)
        if reply.delay:
            stub.release.wait(reply.delay)
        data = reply.payload()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (its timeout)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    stub: "HttpStub"


@dataclass
class HttpStub:
    """``replies[path]``: the answers to give, in order (then ``default``); ``check(seen)``
    may answer instead (a signature the server verifies itself)."""

    default: Reply = field(default_factory=lambda: Reply(200, {"id": "stub-1"}))
    replies: dict[str, deque[Reply]] = field(default_factory=lambda: defaultdict(deque))
    check: Callable[[Seen], Reply | None] | None = None
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stub = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reply(self, path: str, *replies: Reply) -> None:
        self.replies[path].extend(replies)

    def next_reply(self, seen: Seen) -> Reply:
        if self.check is not None and (answer := self.check(seen)) is not None:
            return answer
        with self.lock:
            queue = self.replies.get(seen.path)
            return queue.popleft() if queue else self.default

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def __enter__(self) -> "HttpStub":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()  # a handler still waiting out a timeout test's delay
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """The URL of a port nothing listens on: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- SMTP ---------------------------------------------------------------------------------


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: "_SmtpServer"

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        stub = self.server.stub
        if stub.greeting_delay:
            stub.release.wait(stub.greeting_delay)
        try:
            self._say("220 stub ESMTP")
            sender, recipients = "", []
            while line := self.rfile.readline():
                verb = line.decode().strip().split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    self._say("250 stub")
                elif verb == "MAIL":
                    sender, recipients = line.decode().strip()[10:], []
                    self._say("250 OK")
                elif verb == "RCPT":
                    recipients.append(line.decode().strip()[8:])
                    self._say(stub.rcpt_reply)
                elif verb == "DATA":
                    self._say("354 go on")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk
                    if stub.data_reply.startswith("250"):
                        stub.mails.append(Mail(sender, recipients, data))
                    self._say(stub.data_reply)
                elif verb == "QUIT":
                    self._say("221 bye")
                    return
                else:  # RSET, NOOP
                    self._say("250 OK")
        except OSError:
            pass


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    stub: "SmtpStub"


@dataclass
class SmtpStub:
    rcpt_reply: str = "250 OK"
    data_reply: str = "250 queued"
    greeting_delay: float = 0.0
    mails: list[Mail] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
        self._server.stub = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> "SmtpStub":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
