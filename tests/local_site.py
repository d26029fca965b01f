"""A real HTTP server on 127.0.0.1 playing another site, for tests of what goes over the wire:
each path answers what the test puts in `routes`, and every request is logged."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Answer:
    status: int = 200
    body: bytes | str = b""
    headers: list = field(default_factory=list)  # [(name, value)], a name may repeat
    content_type: str = "text/html; charset=utf-8"
    trickle: float = 0  # seconds between bytes of the body


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    form: dict  # a POST's form fields, each to its first value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.answer(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.answer(self.rfile.read(length))

    def answer(self, body):
        form = {name: values[0] for name, values in parse_qs(body.decode()).items()}
        self.server.site.requests.append(Request(self.command, self.path, dict(self.headers), form))
        answer = self.server.site.routes.get(self.path) or Answer(404, "Not here")
        if callable(answer):
            answer = answer()
        content = answer.body.encode() if isinstance(answer.body, str) else answer.body
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        try:
            if answer.trickle:
                for byte in content:
                    time.sleep(answer.trickle)
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            else:
                self.wfile.write(content)
        except OSError:
            self.close_connection = True

    def log_message(self, format, *args):
        pass


class LocalSite:
    def __init__(self):
        self.routes, self.requests = {}, []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.site = self
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
