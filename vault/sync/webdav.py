"""A WebDAV collection as sync target (Nextcloud, ownCloud, Apache mod_dav, RFC 4918).

Plain ``http.client`` with one kept-alive connection and Basic authentication
(use https: the password crosses the network). A file is created with PUT to a
hidden temp name and MOVE to its final name with ``Overwrite: F``, which the
server refuses (412) when the name exists, so a pack is never half visible and
never overwritten. Downloads stream into a partial file in the cache folder and
an interrupted one resumes with a Range request; partial files only ever hold
encrypted pack bytes. Server answers map onto :mod:`vault.errors`: 401/403 ->
SyncAuthError, 507 -> SyncTargetFullError, unreachable or 5xx ->
SyncTargetUnavailableError.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import os
import socket
import ssl
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from vault import errors
from vault.sync.targets import Entry

MAX_LISTING = 64 * 1024 * 1024
BLOCK = 1024 * 1024
PROPFIND = (
    b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>'
    b"<D:resourcetype/><D:getcontentlength/><D:getetag/><D:getlastmodified/>"
    b"</D:prop></D:propfind>"
)
DAV = "{DAV:}"


class WebDAVTarget:
    """Packs in a WebDAV collection."""

    def __init__(
        self,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        partial_dir: Path | None = None,
    ) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme.lower()
        self.host = parts.hostname or ""
        self.port = parts.port
        self.base = parts.path if parts.path.endswith("/") else parts.path + "/"
        netloc = f"[{self.host}]" if ":" in self.host else self.host
        if self.port:
            netloc = f"{netloc}:{self.port}"
        self.origin = f"{self.scheme}://{netloc}"
        self.display = f"{self.origin}{self.base}"
        self.timeout = timeout
        self._auth = (
            "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            if user
            else None
        )
        self._partial_dir = partial_dir
        self._conn: http.client.HTTPConnection | None = None

    # ------------------------------------------------------------------ plumbing

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self.scheme == "https":
                self._conn = http.client.HTTPSConnection(
                    self.host,
                    self.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def _url_path(self, relative: str) -> str:
        parts = [p for p in relative.split("/") if p]
        if any(p in (".", "..") for p in parts):
            raise errors.SyncTargetError(self.display, f"refusing the path {relative}")
        return self.base + "/".join(quote(p, safe="") for p in parts)

    def _send(
        self,
        method: str,
        relative: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        folder: bool = False,
    ) -> http.client.HTTPResponse:
        """Send one request (retrying once on a dropped kept-alive connection)."""
        path = self._url_path(relative) + ("/" if folder and relative else "")
        sent = {"User-Agent": "Sitebook-sync/1"}
        if self._auth:
            sent["Authorization"] = self._auth
        sent.update(headers or {})
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise errors.SyncTargetUnavailableError(
                        self.display, "the server closed the connection"
                    ) from None
                continue
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise errors.SyncTargetUnavailableError(self.display, _reason(exc)) from None
            self._check(response, method, relative)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _check(self, response: http.client.HTTPResponse, method: str, relative: str) -> None:
        status = response.status
        if status in (401, 403):
            self._drain(response)
            raise errors.SyncAuthError(self.display)
        if status == 507:
            self._drain(response)
            raise errors.SyncTargetFullError(self.display)
        if status >= 500:
            self._drain(response)
            raise errors.SyncTargetUnavailableError(
                self.display, f"the server answered {status} {response.reason} to {method}"
            )

    def _drain(self, response: http.client.HTTPResponse) -> bytes:
        try:
            return response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise errors.SyncTargetUnavailableError(self.display, _reason(exc)) from None

    def _unexpected(self, response: http.client.HTTPResponse, what: str) -> errors.SyncError:
        self._drain(response)
        return errors.SyncTargetError(
            self.display, f"{what}: the server answered {response.status} {response.reason}"
        )

    # ------------------------------------------------------------------ operations

    def list(self, folder: str) -> list[Entry]:
        """PROPFIND Depth 1; [] when the collection does not exist."""
        response = self._send(
            "PROPFIND",
            folder,
            PROPFIND,
            {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
            folder=True,
        )
        if response.status == 404:
            self._drain(response)
            return []
        if response.status != 207:
            raise self._unexpected(response, f"listing {folder}")
        data = self._drain(response)
        if len(data) > MAX_LISTING:
            raise errors.SyncTargetError(self.display, f"the listing of {folder} is too large")
        try:
            root = ET.fromstring(data)  # noqa: S314 - see the import
        except ET.ParseError:
            raise errors.SyncTargetError(self.display, f"unreadable listing of {folder}") from None
        own = self._url_path(folder).rstrip("/")
        out = []
        for response_node in root.iter(f"{DAV}response"):
            href = response_node.findtext(f"{DAV}href") or ""
            path = unquote(urlsplit(href).path).rstrip("/")
            if path == unquote(own) or not path:
                continue
            name = path.rsplit("/", 1)[-1]
            is_dir = response_node.find(f".//{DAV}resourcetype/{DAV}collection") is not None
            length = response_node.findtext(f".//{DAV}getcontentlength")
            size = int(length) if length and length.strip().isdigit() else None
            tag = response_node.findtext(f".//{DAV}getetag") or response_node.findtext(
                f".//{DAV}getlastmodified"
            )
            out.append(Entry(name, None if is_dir else size, is_dir, tag or None))
        return out

    def _partial(self, relative: str) -> Path:
        folder = self._partial_dir
        if folder is None:
            from vault import paths

            folder = paths.cache_dir() / "sync-partial"
        folder.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(f"{self.display}\0{relative}".encode()).hexdigest()[:40]
        return folder / f"{key}.part"

    def read(self, path: str) -> bytes:
        """GET a whole file, resuming a download an earlier sync did not finish."""
        partial = self._partial(path)
        have = partial.stat().st_size if partial.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        response = self._send("GET", path, headers=headers)
        if response.status == 416 and have:
            self._drain(response)
            partial.unlink()
            return self.read(path)
        if response.status == 404:
            self._drain(response)
            raise errors.SyncTargetError(self.display, f"{path} disappeared")
        if response.status not in (200, 206):
            raise self._unexpected(response, f"reading {path}")
        mode = "ab" if response.status == 206 else "wb"
        try:
            with partial.open(mode) as handle:
                while True:
                    block = response.read(BLOCK)
                    if not block:
                        break
                    handle.write(block)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise errors.SyncTargetUnavailableError(self.display, _reason(exc)) from None
        if response.length not in (None, 0):
            self.close()
            raise errors.SyncTargetUnavailableError(self.display, "the download was cut off")
        data = partial.read_bytes()
        with contextlib.suppress(OSError):
            partial.unlink()
        return data

    def read_head(self, path: str, length: int) -> bytes:
        """GET with a Range for the first bytes (servers without ranges send it all)."""
        response = self._send("GET", path, headers={"Range": f"bytes=0-{length - 1}"})
        if response.status == 404:
            self._drain(response)
            raise errors.SyncTargetError(self.display, f"{path} disappeared")
        if response.status not in (200, 206):
            raise self._unexpected(response, f"reading {path}")
        return self._drain(response)

    def _mkcols(self, relative: str) -> None:
        parts = [p for p in relative.split("/") if p][:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            response = self._send("MKCOL", folder, folder=True)
            self._drain(response)
            if response.status not in (201, 405, 301, 200):
                raise errors.SyncTargetError(
                    self.display, f"cannot create the folder {folder} ({response.status})"
                )

    def create(self, path: str, data: bytes) -> bool:
        """PUT to a hidden temp name, then MOVE with Overwrite: F; False if the name exists."""
        folder, _, name = path.rpartition("/")
        temp = f"{folder}/.{name}.{os.urandom(8).hex()}.tmp"
        for attempt in (1, 2):
            response = self._send("PUT", temp, data, {"Content-Type": "application/octet-stream"})
            self._drain(response)
            if response.status in (200, 201, 204):
                break
            if response.status == 409 and attempt == 1:
                self._mkcols(path)
                continue
            raise errors.SyncTargetError(
                self.display, f"writing {path}: the server answered {response.status}"
            )
        try:
            response = self._send(
                "MOVE",
                temp,
                headers={"Destination": self.origin + self._url_path(path), "Overwrite": "F"},
            )
            self._drain(response)
        except BaseException:
            with contextlib.suppress(errors.SyncError):
                self.delete(temp)
            raise
        if response.status in (201, 204):
            return True
        with contextlib.suppress(errors.SyncError):
            self.delete(temp)
        if response.status == 412:
            return False
        raise errors.SyncTargetError(
            self.display, f"renaming {path}: the server answered {response.status}"
        )

    def delete(self, path: str) -> None:
        """DELETE a file; a missing one is fine."""
        response = self._send("DELETE", path)
        self._drain(response)
        if response.status not in (200, 204, 404):
            raise errors.SyncTargetError(
                self.display, f"deleting {path}: the server answered {response.status}"
            )

    def close(self) -> None:
        """Close the kept-alive connection."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "the server did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(exc, socket.gaierror):
        return "the server name cannot be resolved"
    if isinstance(exc, ssl.SSLError):
        return f"the secure connection failed ({exc.reason or exc})"
    if isinstance(exc, http.client.IncompleteRead):
        return "the download was cut off"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text
