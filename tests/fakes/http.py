"""The HTTP/1.1 handler the tests' own servers build on."""

from __future__ import annotations

from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any


class ReplyingHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 with whole bodies (Content-Length), and no log lines."""

    protocol_version = "HTTP/1.1"

    def send_reply(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # Keep test and benchmark output clean.
