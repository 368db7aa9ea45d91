"""A tiny Chrome DevTools Protocol client over ``--remote-debugging-pipe``.

Headless Chromium reads CDP commands from file descriptor 3 and writes replies
and events to file descriptor 4, each message JSON ended by a NUL byte. That
needs no websocket library and no TCP port: the test talks to the real browser
over two pipes. Only what the handover tests use is here: open a page, record
every network request and console message, evaluate JavaScript.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    """The path of a Chromium binary, or None when none is installed."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class CdpError(RuntimeError):
    """The browser answered a command with an error, died, or did not answer in time."""


@dataclass
class Browser:
    """One headless Chromium process and one attached page session."""

    binary: str
    timeout: float = 30.0
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    _proc: subprocess.Popen | None = None
    _to: int = -1
    _from: int = -1
    _buffer: bytes = b""
    _next_id: int = 0
    _events: list[dict[str, Any]] = field(default_factory=list)
    _session: str | None = None
    _profile: str = ""

    def __enter__(self) -> Browser:
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()

        def wire() -> None:  # runs in the child: CDP wants fds 3 (in) and 4 (out)
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self._proc = subprocess.Popen(
            [self.binary, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),  # kept open after wire() placed the pipes there
            preexec_fn=wire,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._to, self._from = to_child_w, from_child_r
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self._session = self.send(
            "Target.attachToTarget", {"targetId": page["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._proc and self._proc.poll() is None:
                with contextlib.suppress(CdpError):
                    self.send("Browser.close", session=False)
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout=10)
        finally:
            for fd in (self._to, self._from):
                if fd >= 0:
                    os.close(fd)
            shutil.rmtree(self._profile, ignore_errors=True)

    # ------------------------------------------------------------------ protocol

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = True
    ) -> dict[str, Any]:
        """Send one command and wait for its reply; events met meanwhile are recorded."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        os.write(self._to, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("the browser did not answer in time")
            ready, _, _ = select.select([self._from], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from, 1 << 16)
            if not chunk:
                raise CdpError("the browser closed the pipe (it exited)")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message = json.loads(raw)
        if "method" in message:
            self._record(message)
        return message

    def _record(self, event: dict[str, Any]) -> None:
        self._events.append(event)
        params = event.get("params", {})
        if event["method"] == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif event["method"] == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.console.append(f"console.{params['type']}: {text}")
        elif event["method"] == "Log.entryAdded":
            entry = params["entry"]
            self.console.append(f"{entry['source']}.{entry['level']}: {entry['text']}")
        elif event["method"] == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            self.console.append(f"exception: {text}")

    def wait_for(self, method: str, seconds: float | None = None) -> dict[str, Any]:
        """Wait until an event named ``method`` arrives (or has arrived since the last wait)."""
        deadline = time.monotonic() + (seconds or self.timeout)
        while True:
            for index, event in enumerate(self._events):
                if event["method"] == method:
                    del self._events[: index + 1]
                    return event
            self._read(deadline)

    # ------------------------------------------------------------------ helpers

    def open(self, path: Path, query: str = "") -> None:
        """Navigate to a local file and wait until it has loaded."""
        self._events.clear()
        url = path.resolve().as_uri() + query
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page (promises awaited) and return its value."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise CdpError(f"JavaScript failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def settle(self, seconds: float = 0.3) -> None:
        """Let the page run for a moment, collecting its events."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._from], [], [], max(0.0, deadline - time.monotonic()))
            if ready:
                chunk = os.read(self._from, 1 << 16)
                if not chunk:
                    raise CdpError("the browser closed the pipe (it exited)")
                self._buffer += chunk
                while b"\0" in self._buffer:
                    raw, _, self._buffer = self._buffer.partition(b"\0")
                    message = json.loads(raw)
                    if "method" in message:
                        self._record(message)
