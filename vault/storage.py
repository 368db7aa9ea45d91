"""Opening the vault's SQLite file safely, and translating SQLite failures.

Before SQLite sees a file we read its first 100 bytes: a file that is not SQLite,
not ours, or of a newer major format is refused without being modified (SQLite
could otherwise checkpoint or rewrite it). Known environment failures (busy, full,
read-only, I/O) become :mod:`vault.errors` types; anything else is a bug.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

from vault import errors, schema
from vault.codec import text_factory

log = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 5.0


def read_header(path: Path) -> tuple[int, int]:
    """Check the file's header; return (user_version, application_id) without opening SQLite."""
    if not path.exists() and not path.is_symlink():
        raise errors.VaultNotFoundError(path)
    if path.is_dir():
        raise errors.NotAVaultError(path, "it is a folder, not a vault file")
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except PermissionError:
        raise errors.NotAVaultError(path, "permission denied") from None
    except OSError as exc:
        raise errors.NotAVaultError(path, exc.strerror or "it cannot be read") from None
    if len(header) == 0:
        raise errors.NotAVaultError(path, "the file is empty")
    if not header.startswith(schema.SQLITE_MAGIC) or len(header) < 100:
        raise errors.NotAVaultError(path)
    user_version, application_id = struct.unpack(">I4xI", header[60:72])
    if application_id != schema.APPLICATION_ID:
        raise errors.NotAVaultError(path)
    major, minor = schema.unpack_version(user_version)
    if major > schema.FORMAT_MAJOR:
        raise errors.NewerFormatError(
            path, f"{major}.{minor}", f"{schema.FORMAT_MAJOR}.{schema.FORMAT_MINOR}"
        )
    return user_version, application_id


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """Open a connection with our pragmas: WAL, synchronous=FULL, secure_delete.

    The connection is in autocommit mode; writers use :func:`transaction`.
    """
    if not create:
        read_header(path)
    try:
        conn = sqlite3.connect(
            str(path),
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.text_factory = text_factory
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    if mode.lower() != "wal" and not create:
        log.warning("vault could not switch to WAL mode (journal mode %s)", mode)
    return conn


def translate(exc: sqlite3.Error, path: object) -> errors.VaultError | sqlite3.Error:
    """Map a SQLite exception onto a user-facing error where it is an environment problem."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return errors.VaultBusyError(path)
    if "readonly" in text or "read-only" in text:
        return errors.VaultReadOnlyError(path)
    if "full" in text:
        return errors.StorageError(path, "the disk is full")
    if "disk i/o" in text or "unable to open" in text:
        return errors.StorageError(path, "the disk reported an I/O error")
    if "not a database" in text or "malformed" in text:
        return errors.NotAVaultError(path, "the file is damaged or not a vault")
    return exc


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, path: object) -> Iterator[sqlite3.Connection]:
    """One IMMEDIATE transaction: everything inside commits together or not at all."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    try:
        yield conn
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise translate(exc, path) from None
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def fsync_dir(path: Path) -> None:
    """Flush a directory entry after a rename (no-op where the OS does not support it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
