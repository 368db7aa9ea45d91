"""Encrypted attachments: streamed in 1 MiB chunks, never whole in memory.

Each attachment has its own random data key, sealed under the scope key (so a key
rotation rewraps one small key instead of re-encrypting gigabytes). Chunks are
sealed under the data key with their index and an end marker bound in, so
reordering, truncation and swaps are detected. The author signs the metadata,
the sealed data key and a running SHA-256 over every chunk ciphertext.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from crypto import aead, keys
from crypto.errors import CryptoError
from vault import errors
from vault.codec import as_bytes, ctx, dump, load, new_id, now
from vault.model import Attachment

CHUNK_SIZE = aead.CHUNK_SIZE
MAX_NAME = 255

Progress = Callable[[int, int], None]


def _key_aad(vault_id: str, scope_id: str, record_id: str, att_id: str, key_version: int) -> bytes:
    return ctx("attachment-key", vault_id, scope_id, record_id, att_id, key_version)


def _chunk_aad(vault_id: str, att_id: str) -> bytes:
    return ctx("attachment-chunk", vault_id, att_id)


def _meta_aad(vault_id: str, att_id: str) -> bytes:
    return ctx("attachment-meta", vault_id, att_id)


def _signed(vault_id: str, row: sqlite3.Row | dict, data_key: bytes) -> bytes:
    """What the author signs: the metadata, the chunk digest and a hash of the data key.

    The data key's hash (not its sealed form) is signed so that a key rotation
    can re-wrap the data key under a new scope key without breaking the signature.
    """
    blob = {name: as_bytes(row[name]) for name in ("meta", "digest")}
    return ctx(
        "attachment-sig",
        vault_id,
        row["record_id"],
        row["id"],
        row["author"],
        row["created"],
        row["size"],
        row["chunks"],
        hashlib.sha256(data_key).digest(),
        hashlib.sha256(blob["meta"]).digest(),
        blob["digest"],
    )


def rewrap(
    vault_id: str,
    row: sqlite3.Row,
    old_key: bytes,
    new_key: bytes,
    key_version: int,
    scope_id: str | None = None,
) -> bytes:
    """The attachment's data key sealed under a new scope key version (or another scope)."""
    data_key = aead.open_sealed(
        old_key,
        as_bytes(row["file_key"]),
        _key_aad(vault_id, row["scope_id"], row["record_id"], row["id"], row["key_version"]),
    )
    target = scope_id or row["scope_id"]
    return aead.seal(
        new_key, data_key, _key_aad(vault_id, target, row["record_id"], row["id"], key_version)
    )


def clean_name(name: str) -> str:
    """A safe file name for an attachment: no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())
    if not base or base in {".", ".."}:
        raise errors.ValidationError({"name": "an attachment needs a file name"})
    return base[:MAX_NAME]


def add(
    conn: sqlite3.Connection,
    vault_id: str,
    signer: keys.MemberKeys,
    author: str,
    *,
    record_id: str,
    scope_id: str,
    scope_key: bytes,
    key_version: int,
    source: BinaryIO,
    name: str,
    mime: str | None = None,
    progress: Progress | None = None,
) -> Attachment:
    """Stream ``source`` into the vault as an encrypted attachment of ``record_id``.

    Runs inside the caller's transaction: a failure part-way leaves nothing behind.
    """
    name = clean_name(name)
    mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
    att_id = new_id()
    data_key = aead.new_key()
    chunk_aad = _chunk_aad(vault_id, att_id)
    plain_hash = hashlib.sha256()
    cipher_hash = hashlib.sha256()
    size = 0
    index = 0
    current = source.read(CHUNK_SIZE)
    while True:
        following = source.read(CHUNK_SIZE) if current else b""
        final = not following
        sealed = aead.seal_chunk(data_key, current, chunk_aad, index, final)
        conn.execute(
            "INSERT INTO attachment_chunks (attachment_id, idx, data) VALUES (?, ?, ?)",
            (att_id, index, sealed),
        )
        plain_hash.update(current)
        cipher_hash.update(sealed)
        size += len(current)
        index += 1
        if progress:
            progress(size, 0)
        if final:
            break
        current = following
    created = now()
    meta = {"name": name, "mime": mime, "size": size, "sha256": plain_hash.hexdigest()}
    row = {
        "id": att_id,
        "record_id": record_id,
        "scope_id": scope_id,
        "key_version": key_version,
        "author": author,
        "created": created,
        "size": size,
        "chunks": index,
        "file_key": aead.seal(
            scope_key, data_key, _key_aad(vault_id, scope_id, record_id, att_id, key_version)
        ),
        "meta": aead.seal(data_key, dump(meta), _meta_aad(vault_id, att_id)),
        "digest": cipher_hash.digest(),
        "deleted": 0,
    }
    row["signature"] = signer.sign(_signed(vault_id, row, data_key))
    columns = ", ".join(row)
    conn.execute(
        f"INSERT INTO attachments ({columns}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608
        tuple(row.values()),
    )
    return Attachment(att_id, record_id, name, size, meta["sha256"], mime, created, author)


def _open_row(
    vault_id: str, row: sqlite3.Row, scope_key: bytes, author_public: bytes | None
) -> tuple[bytes, dict]:
    """Verify an attachment row's signature and open its data key and metadata."""
    try:
        if author_public is None:
            raise CryptoError("author unknown")
        data_key = aead.open_sealed(
            scope_key,
            as_bytes(row["file_key"]),
            _key_aad(vault_id, row["scope_id"], row["record_id"], row["id"], row["key_version"]),
        )
        keys.verify(author_public, _signed(vault_id, row, data_key), as_bytes(row["signature"]))
        meta = load(
            aead.open_sealed(data_key, as_bytes(row["meta"]), _meta_aad(vault_id, row["id"]))
        )
    except (CryptoError, ValueError, TypeError):
        raise errors.DamagedRecordError(
            row["record_id"], f"attachment {row['id']} is damaged"
        ) from None
    return data_key, meta


def describe(
    vault_id: str, row: sqlite3.Row, scope_key: bytes, author_public: bytes | None
) -> Attachment:
    """The metadata of one attachment row, signature-checked."""
    _, meta = _open_row(vault_id, row, scope_key, author_public)
    return Attachment(
        row["id"],
        row["record_id"],
        meta["name"],
        meta["size"],
        meta["sha256"],
        meta["mime"],
        row["created"],
        row["author"],
    )


def stream(
    conn: sqlite3.Connection,
    vault_id: str,
    row: sqlite3.Row,
    scope_key: bytes,
    author_public: bytes | None,
) -> Iterator[bytes]:
    """Yield the attachment's plaintext chunk by chunk, each authenticated.

    The whole-file digest and hash are checked after the last chunk; a mismatch
    raises DamagedRecordError then, so callers must write to a temp file and only
    keep it when the generator finished.
    """
    data_key, meta = _open_row(vault_id, row, scope_key, author_public)
    chunk_aad = _chunk_aad(vault_id, row["id"])
    cipher_hash = hashlib.sha256()
    plain_hash = hashlib.sha256()
    damaged = errors.DamagedRecordError(row["record_id"], f"attachment {row['id']} is damaged")
    last = row["chunks"] - 1
    for index in range(row["chunks"]):
        found = conn.execute(
            "SELECT data FROM attachment_chunks WHERE attachment_id = ? AND idx = ?",
            (row["id"], index),
        ).fetchone()
        if found is None:
            raise damaged
        sealed = as_bytes(found[0])
        try:
            plain = aead.open_chunk(data_key, sealed, chunk_aad, index, index == last)
        except CryptoError:
            raise damaged from None
        cipher_hash.update(sealed)
        plain_hash.update(plain)
        yield plain
    extra = conn.execute(
        "SELECT count(*) FROM attachment_chunks WHERE attachment_id = ? AND idx > ?",
        (row["id"], last),
    ).fetchone()[0]
    if (
        extra
        or not keys.equal(cipher_hash.digest(), as_bytes(row["digest"]))
        or plain_hash.hexdigest() != meta["sha256"]
    ):
        raise damaged


def write_atomically(chunks: Iterator[bytes], dest: Path, *, mode: int = 0o666) -> Path:
    """Write chunks to ``dest`` via a temp file in the same folder, fsync and rename.

    ``mode`` is the new file's permission bits (less the umask). On any failure
    the temp file is removed and ``dest`` is left as it was.
    """
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{new_id()[:8]}.part")
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        with os.fdopen(os.open(tmp, flags, mode), "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return dest
