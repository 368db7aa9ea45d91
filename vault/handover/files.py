"""Writing the package's files: each hashed from the bytes written, the many small ones off the GIL.

The manifest needs the SHA-256 and size of every file; hashing the bytes as
they are written saves reading 10,000 pages back.

Creating the site's 10,000 small files is mostly kernel work (about 0.15-0.4
ms per file on ext4 here). Done from Python, each ``open``/``write``/``close``
drops and retakes the GIL, and while the export's other thread runs Python
every retake waits for it (up to the 5 ms switch interval): the site took
13 s of wall time for 2 s of CPU. :class:`FileWriter` therefore streams the
files as one tar archive through a pipe into the system's ``tar -x`` (GNU tar
on Linux, bsdtar on macOS and Windows 10+), which creates them in its own
process on the other core; Python writes a megabyte at a time. Without a
``tar``, or if it fails, the files are written directly.

No file is fsynced here: the export makes the staging folder durable once
before renaming it into place (``restore.fsync_tree``), and ``manifest.json``
lets a reader check every byte.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from vault import errors

Hashes = dict[str, dict[str, Any]]
"""{path relative to the package root: {"sha256": hex, "size": bytes}}."""

CHUNK = 1024 * 1024
"""Bytes of archive handed to the pipe at once."""

_FLAGS = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
_GIL_FREE = 2048
"""hashlib lets go of the GIL for updates this long; shorter ones keep it (no hand-over wait)."""


def sha256_held(data: bytes) -> str:
    """Hex SHA-256 of ``data`` without letting go of the GIL (see :data:`_GIL_FREE`).

    A few microseconds per page; releasing the GIL instead would cost a wait for
    the other thread's switch interval each time.
    """
    digest = hashlib.sha256()
    view = memoryview(data)
    for start in range(0, len(view), _GIL_FREE - 1):
        digest.update(view[start : start + _GIL_FREE - 1])
    return digest.hexdigest()


def write_file(
    root: str, relative: str, data: bytes, hashes: Hashes, *, replace: bool = False
) -> None:
    """Create ``root/relative`` with ``data``; note its hash in ``hashes``.

    The file must not exist, unless ``replace``.
    """
    flags = _FLAGS | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(os.path.join(root, relative), flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    hashes[relative] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def hash_file(root: Path, relative: str, hashes: Hashes) -> None:
    """Hash a file another library wrote (on the thread that wrote it: hashing frees the GIL)."""
    digest = hashlib.sha256()
    size = 0
    with (root / relative).open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    hashes[relative] = {"sha256": digest.hexdigest(), "size": size}


def _tar_program() -> str | None:
    """The system's ``tar``: on Windows the one in System32 (``which`` searches the
    current folder there first), elsewhere the first on ``PATH``."""
    if os.name == "nt":
        system = Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32" / "tar.exe"
        return str(system) if system.is_file() else None
    return shutil.which("tar")


def _header_base() -> bytes:
    header = bytearray(512)
    header[100:108] = b"0000644\0"  # mode
    header[108:116] = b"0000000\0"  # uid
    header[116:124] = b"0000000\0"  # gid
    header[148:156] = b"        "  # the checksum counts its own field as spaces
    header[156] = ord("0")  # a regular file
    header[257:265] = b"ustar\x0000"
    return bytes(header)


_HEADER = _header_base()
_HEADER_SUM = sum(_HEADER)


def tar_header(name: bytes, size: int, mtime: int) -> bytes:
    """A POSIX ustar header for a regular file (mode 0644); ``name`` ASCII, under 100 bytes."""
    size_field = b"%011o\0" % size
    mtime_field = b"%011o\0" % mtime
    checksum = _HEADER_SUM + sum(name) + sum(size_field) + sum(mtime_field)
    return b"".join(
        (
            name,
            _HEADER[len(name) : 124],
            size_field,
            mtime_field,
            b"%06o\0 " % checksum,
            _HEADER[156:],
        )
    )


class FileWriter:
    """Creates many new files below ``root``: through ``tar -x`` when there is one.

    Use as a context manager; leaving it waits until every file exists (and
    raises a StorageError if they could not be written); leaving it with an
    error stops the archive and lets the caller remove the folder.
    """

    def __init__(self, root: Path, hashes: Hashes) -> None:
        self.root = str(root)
        self.hashes = hashes
        self.files: list[tuple[str, bytes]] = []
        self._mtime = int(time.time())
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._futures: list[Future[None]] = []
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False
        self._tar = self._start_tar()

    def _start_tar(self) -> subprocess.Popen[bytes] | None:
        program = _tar_program()
        if program is None:
            return None
        env = {k: v for k, v in os.environ.items() if k != "TAR_OPTIONS"}  # GNU tar reads it
        try:
            process = subprocess.Popen(  # a fixed argument list, no shell
                [program, "-x", "-m", "--no-same-owner", "-f", "-", "-C", self.root],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # its complaint is not needed: the fallback writes
                env=env,
            )
        except OSError:
            return None
        # One thread feeds the pipe, so a slow disk never stalls the page rendering.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handover-tar")
        return process

    def write(self, relative: str, data: bytes) -> None:
        """Add one new file (``relative`` to the package root, POSIX separators)."""
        name = relative.encode("utf-8")
        if not name.isascii() or len(name) >= 100:  # a plain ustar header cannot carry it
            write_file(self.root, relative, data, self.hashes)
            return
        self.hashes[relative] = {"sha256": sha256_held(data), "size": len(data)}
        self.files.append((relative, data))
        if self._tar is None:
            return
        padding = -len(data) % 512
        self._buffer += (tar_header(name, len(data), self._mtime), data, b"\0" * padding)
        self._buffered += 512 + len(data) + padding
        if self._buffered >= CHUNK:
            self._send()

    def _send(self) -> None:
        chunk, self._buffer, self._buffered = b"".join(self._buffer), [], 0
        assert self._pool is not None and self._tar is not None and self._tar.stdin is not None
        self._futures.append(self._pool.submit(_feed, self._tar.stdin, chunk))
        while self._futures and self._futures[0].done():
            if self._futures.pop(0).exception() is not None:
                self._stop_tar()  # tar went away: every file is written directly at close

    def _stop_tar(self) -> None:
        if self._tar is not None:
            with contextlib.suppress(OSError):
                self._tar.kill()
            self._tar.wait()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)  # a write in flight fails now
        if self._tar is not None and self._tar.stdin is not None:
            with contextlib.suppress(OSError):
                self._tar.stdin.close()
        self._tar = None

    def _finish_tar(self) -> bool:
        """Send the end of the archive and wait for tar; True when it wrote every file."""
        if self._tar is None:
            return False
        self._buffer.append(b"\0" * 1024)  # two zero blocks end a tar archive
        self._send()
        if self._tar is None:
            return False
        ok = True
        for future in self._futures:
            ok = future.exception() is None and ok
        assert self._tar.stdin is not None
        with contextlib.suppress(OSError):
            self._tar.stdin.close()
        ok = self._tar.wait() == 0 and ok
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._tar = None
        return ok

    def close(self) -> None:
        """Wait until every file exists; write directly what tar did not. Once is enough."""
        if self._closed:
            return
        self._closed = True
        try:
            if not self._finish_tar():
                for relative, data in self.files:
                    write_file(self.root, relative, data, {}, replace=True)
        except OSError as exc:
            raise errors.StorageError(Path(self.root), exc.strerror or str(exc)) from None
        finally:
            self.files = []

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._stop_tar()


def _feed(pipe: IO[bytes], chunk: bytes) -> None:
    pipe.write(chunk)
