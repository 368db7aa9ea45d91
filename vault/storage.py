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


def writable(path: Path) -> bool:
    """False when a vault file or its folder cannot be written (read-only media, permissions).

    SQLite needs the folder too: it creates the ``-wal`` and ``-shm`` files beside
    the vault. Symlinks are followed, as SQLite follows them.
    """
    real = path.resolve()
    with contextlib.suppress(OSError, AttributeError):  # no statvfs on Windows
        if os.statvfs(real.parent).f_flag & os.ST_RDONLY:
            return False
    return os.access(real, os.W_OK) and os.access(real.parent, os.W_OK)


def is_read_only(conn: sqlite3.Connection) -> bool:
    """True for a connection opened read-only by :func:`connect`."""
    return bool(conn.execute("PRAGMA query_only").fetchone()[0])


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection: ``mode=ro``, plus ``immutable=1`` when there is no ``-wal``.

    Without ``immutable`` SQLite would need to create a ``-shm`` file beside the
    vault, which read-only media refuse. A vault with a ``-wal`` (copied while in
    use) is opened ``mode=ro`` only, so the committed transactions in it are read.
    """
    real = path.resolve()
    query = "mode=ro" if Path(f"{real}-wal").exists() else "mode=ro&immutable=1"
    conn = sqlite3.connect(
        f"{real.as_uri()}?{query}",
        uri=True,
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.execute("PRAGMA query_only = ON")
    return conn


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """Open a connection with our pragmas: WAL, synchronous=FULL, secure_delete.

    The connection is in autocommit mode; writers use :func:`transaction`. A vault
    that cannot be written (read-only media or permissions) is opened read-only:
    it can be unlocked and read, and every write raises VaultReadOnlyError.
    """
    if not create:
        read_header(path)
    read_only = not create and not writable(path)
    try:
        if read_only:
            conn = _open_read_only(path)
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        else:
            conn = sqlite3.connect(
                str(path),
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
        conn.text_factory = text_factory
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error as exc:
        if read_only:  # e.g. a -wal without its -shm on media where none can be made
            raise errors.VaultReadOnlyError(path) from None
        raise translate(exc, path) from None
    if read_only:
        log.info("vault opened read-only (read-only media or no write permission)")
    if mode.lower() != "wal" and not (create or read_only):
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


@contextlib.contextmanager
def creating(tmp: Path, path: Path) -> Iterator[None]:
    """Build a new vault file at ``tmp``; on any failure remove it and say so clearly.

    A refused write (full disk, file-size limit, I/O error) becomes a
    :class:`~vault.errors.StorageError` naming ``path``, the file the person asked
    for, and no temp file or journal is left behind. The caller renames ``tmp`` to
    ``path`` inside the block, when the file is complete.
    """
    try:
        yield
    except BaseException as exc:
        discard(tmp)
        if isinstance(exc, sqlite3.Error):
            translated = translate(exc, path)
            if isinstance(translated, errors.VaultError):
                raise translated from None
            raise errors.StorageError(path, "the new vault could not be written") from None
        if isinstance(exc, OSError):
            detail = exc.strerror or "the new vault could not be written"
            raise errors.StorageError(path, detail) from None
        raise


def discard(path: Path) -> None:
    """Remove a database file and its journals (-wal, -shm, -journal), if they exist."""
    for name in (str(path), f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def fsync_dir(path: Path) -> None:
    """Flush a directory entry after a rename (no-op where the OS does not support it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
