"""A real WebDAV server (wsgidav on cheroot) on 127.0.0.1, with switchable faults.

Used by the sync tests and ``bench/bench_sync.py``. The server serves a folder
with Basic authentication; :class:`Faults` wraps the WSGI application so a test
can make the server answer 507 (full), hold an upload until released (to kill a
client mid-upload), or cut a download half-way (as a server stopping would).
Requests are recorded (method, path, Range header) so tests can see resumes.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

USER = "sync-user"
PASSWORD = "sync-password"
START_TIMEOUT = 10.0


@dataclass
class Faults:
    """Switches a test flips while the server runs."""

    full: bool = False  # PUT answers 507 Insufficient Storage
    hold_put: threading.Event | None = None  # PUT waits for this (max 30 s)
    put_started: threading.Event = field(default_factory=threading.Event)
    cut_get: int | None = None  # GET of a pack sends only this many bytes, then drops
    requests: list[tuple[str, str, str]] = field(default_factory=list)

    def wrap(self, app: Callable) -> Callable:
        """The WSGI application with these faults applied."""

        def faulty(environ: dict, start_response: Callable) -> Iterable[bytes]:
            method = environ["REQUEST_METHOD"]
            path = environ.get("PATH_INFO", "")
            self.requests.append((method, path, environ.get("HTTP_RANGE", "")))
            if method == "PUT" and self.full:
                environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                start_response("507 Insufficient Storage", [("Content-Length", "0")])
                return [b""]
            if method == "PUT" and self.hold_put is not None:
                self.put_started.set()
                self.hold_put.wait(30)
            result = app(environ, start_response)
            if method == "GET" and self.cut_get is not None and path.endswith(".pack"):
                return _cut(result, self.cut_get)
            return result

        return faulty


def _cut(result: Iterable[bytes], limit: int) -> Iterable[bytes]:
    sent = 0
    try:
        for block in result:
            if sent + len(block) >= limit:
                yield block[: limit - sent]
                raise ConnectionAbortedError("the test server stops mid-download")
            sent += len(block)
            yield block
    finally:
        close = getattr(result, "close", None)
        if close:
            close()


def _free_port() -> int:
    """A free port on 127.0.0.1 (bound once, so the server binds it with SO_REUSEADDR
    and can be restarted on it after a stop)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DavServer:
    """wsgidav serving ``root`` on 127.0.0.1 (a free port, or the one it had before)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.faults = Faults()
        self.port = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The root collection's URL (without credentials)."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> DavServer:
        """Start serving (again on the same port after a stop)."""
        from cheroot import wsgi
        from wsgidav.wsgidav_app import WsgiDAVApp

        logging.getLogger("wsgidav").setLevel(logging.ERROR)
        config = {
            "provider_mapping": {"/": str(self.root)},
            "http_authenticator": {
                "domain_controller": None,
                "accept_basic": True,
                "accept_digest": False,
                "default_to_digest": False,
            },
            "simple_dc": {"user_mapping": {"*": {USER: {"password": PASSWORD}}}},
            "verbose": 0,
            "logging": {"enable": False, "enable_loggers": []},
            "dir_browser": {"enable": False},
            "lock_storage": True,
            "property_manager": True,
        }
        app = self.faults.wrap(WsgiDAVApp(config))
        if not self.port:
            self.port = _free_port()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            server = wsgi.Server(("127.0.0.1", self.port), app, numthreads=8, timeout=10)
            try:
                server.prepare()
                break
            except OSError:
                # Restarting on the same port: the old sockets are still closing.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.port = server.bind_addr[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve, name="webdav-test", daemon=True)
        self._thread.start()
        while not server.ready and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving (open connections are dropped)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
