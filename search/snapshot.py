"""The encrypted snapshot of the index in the cache folder: write atomically, read or refuse.

File: ``cache_dir()/<vault id>/search-<member id>.idx``::

    header  = b"SBIX" | format (1 byte) | mark (8) | chunk count (4)
              | snapshot id (16 random bytes) | vault id (32) | member id (32)
              | scope count (4) | per scope: scope id (32) + key version (8, signed)
    body    = per chunk: length (4) | AES-256-GCM chunk (``crypto.aead.seal_chunk``)

The whole header is the associated data of every chunk, so no field of it can
be changed without the file failing to open. The key is fresh for every
snapshot: HKDF-SHA256 over the ``search-index`` keys that
``Vault.derived_key`` gives for every scope in the header (in header order),
with the snapshot id, vault id and member id in the info. So reading a
snapshot needs the current key of *every* scope it covers: after a key
rotation or a lost membership, it cannot be opened and is rebuilt. Chunks are
:data:`CHUNK_SIZE` bytes of the serialised database, each its own GCM call
binding its position and whether it is the last (so chunks cannot be dropped,
repeated or reordered). Reading streams the file and decrypts
each chunk with ``AESGCM.decrypt_into`` straight into one preallocated buffer:
at 100,000 records a snapshot is over 100 MB and every copy costs time and
peak memory. That buffer is private anonymous memory (:class:`mmap.mmap`,
never a file), not a ``bytearray``: the kernel hands out zeroed pages as they
are written (in huge pages where it can), whereas ``bytearray(n)`` clears all of
them first while holding the GIL (0.1 s at 140 MB, during which the thread
catching up on the vault stood still).

Writing goes to a temporary file in the same folder (ciphertext only: the
database is encrypted in memory first), which is flushed, fsynced and renamed
over the old snapshot with ``os.replace``; the folder is then fsynced. A
write the disk refuses removes the temp file and raises
:class:`~vault.errors.StorageError` (the old snapshot stays as it was). A
reader that finds anything wrong (missing, short, other format, other vault,
a scope it cannot read, a failed tag) gets the reason as a string, never an
exception: the index is derived data and is rebuilt.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import struct
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import aead, keys
from vault.codec import ctx
from vault.errors import StorageError

MAGIC = b"SBIX"
FORMAT = 2
CHUNK_SIZE = 16 * 1024 * 1024
"""Plaintext bytes per GCM call (readers take any size: snapshots made with 4 MiB still open).

Few and large: each call lets the GIL go, and getting it back can cost the
loading thread 5 ms while the opening thread is busy (see :func:`_read`)."""

_FIXED = struct.Struct(">4sBQI16s32s32sI")
_SCOPE = struct.Struct(">32sq")
_LENGTH = struct.Struct(">I")
MAX_SCOPES = 1_000_000
MAX_CHUNKS = 1_000_000

Plaintext = bytearray | mmap.mmap
"""A decrypted snapshot: anonymous memory (close it when done; see :func:`release`)."""

KeyFor = Callable[[str], tuple[int, bytes]]
"""Returns (current key version, derived ``search-index`` key) of a scope; raises if unreadable."""


@dataclass(frozen=True)
class Header:
    """The plaintext header of a snapshot (also its associated data)."""

    mark: int
    chunks: int
    snapshot_id: bytes
    vault_id: str
    member_id: str
    scopes: tuple[tuple[str, int], ...]

    def pack(self) -> bytes:
        """The header's bytes.

        Raises:
            ValueError: An id is not 32 hexadecimal characters (vault ids are).
        """
        head = _FIXED.pack(
            MAGIC,
            FORMAT,
            self.mark,
            self.chunks,
            self.snapshot_id,
            _id(self.vault_id),
            _id(self.member_id),
            len(self.scopes),
        )
        return head + b"".join(_SCOPE.pack(_id(s), v) for s, v in self.scopes)


def _id(value: str) -> bytes:
    if len(value) != 32 or not all(ch in "0123456789abcdef" for ch in value):
        raise ValueError("ids in a snapshot header must be 32 lowercase hex characters")
    return value.encode("ascii")


def path_for(cache: Path, vault_id: str, member_id: str) -> Path:
    """Where a member's snapshot of a vault lives."""
    return cache / vault_id / f"search-{member_id}.idx"


def _key(header: Header, keys_by_scope: Sequence[bytes]) -> bytes:
    info = ctx("search-snapshot", header.vault_id, header.member_id, header.snapshot_id)
    return keys.derive_subkey(b"".join(keys_by_scope), info)


def write(
    path: Path,
    data: bytes,
    *,
    mark: int,
    vault_id: str,
    member_id: str,
    scopes: Sequence[tuple[str, int, bytes]],
) -> int:
    """Encrypt ``data`` and replace the snapshot at ``path`` atomically.

    Args:
        path: The snapshot file (its folder is created).
        data: The serialised index (plaintext; never written as such).
        mark: The vault change counter the index has caught up to.
        vault_id: The vault.
        member_id: The member whose readable scopes the index covers.
        scopes: (scope id, key version, derived key) of every scope covered.

    Returns:
        The size of the file written, in bytes.

    Raises:
        StorageError: The disk refused a write (full, file too large, I/O
            error); the previous snapshot, if any, is unchanged and no temp
            file is left.
    """
    ordered = sorted(scopes)
    chunks = max(1, -(-len(data) // CHUNK_SIZE))
    header = Header(
        mark,
        chunks,
        os.urandom(16),
        vault_id,
        member_id,
        tuple((s, v) for s, v, _ in ordered),
    )
    packed = header.pack()
    key = _key(header, [k for _, _, k in ordered])
    view = memoryview(data)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _refused(path, exc) from None
    tmp = Path(tmp_name)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(packed)
            size += len(packed)
            for index in range(chunks):
                piece = bytes(view[index * CHUNK_SIZE : (index + 1) * CHUNK_SIZE])
                blob = aead.seal_chunk(key, piece, packed, index, index == chunks - 1)
                out.write(_LENGTH.pack(len(blob)))
                out.write(blob)
                size += _LENGTH.size + len(blob)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise _refused(path, exc) from None
        raise
    _fsync_dir(path.parent)
    return size


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file would be larger than this system allows",
    errno.EIO: "the disk reported an I/O error",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
}


def _refused(path: Path, exc: OSError) -> StorageError:
    """The error for a snapshot write the disk refused (the previous snapshot is untouched)."""
    detail = _REASONS.get(exc.errno or 0) or exc.strerror or "the write failed"
    return StorageError(f"the search index file {path}", detail)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_header(raw: bytes | bytearray) -> tuple[Header, int] | str:
    """Parse a header; (header, its length) or the reason it cannot be read."""
    if len(raw) < _FIXED.size:
        return "the file is shorter than a header"
    magic, version, mark, chunks, snapshot_id, vault_id, member_id, count = _FIXED.unpack_from(raw)
    if magic != MAGIC:
        return "it is not a Sitebook index snapshot"
    if version != FORMAT:
        return f"it has snapshot format {version}"
    if count > MAX_SCOPES or chunks > MAX_CHUNKS or chunks < 1:
        return "its header is implausible"
    end = _FIXED.size + count * _SCOPE.size
    if len(raw) < end:
        return "the file is shorter than its header"
    try:
        scopes = tuple(
            (sid.decode("ascii"), ver)
            for sid, ver in (
                _SCOPE.unpack_from(raw, _FIXED.size + i * _SCOPE.size) for i in range(count)
            )
        )
        header = Header(
            mark, chunks, snapshot_id, vault_id.decode("ascii"), member_id.decode("ascii"), scopes
        )
    except UnicodeDecodeError:
        return "its header is damaged"
    return header, end


def read(
    path: Path, *, vault_id: str, member_id: str, key_for: KeyFor
) -> tuple[Plaintext, Header] | str:
    """Decrypt a snapshot; (plaintext, header), or the reason it cannot be used.

    The file is streamed chunk by chunk and every chunk is decrypted straight
    into its place in the one plaintext buffer: the ciphertext is never held
    whole (at 100,000 records that saves a 150 MB copy at peak).

    Args:
        path: The snapshot file.
        vault_id: The vault it must belong to.
        member_id: The member it must belong to.
        key_for: Gives a scope's current (key version, derived key); any
            exception means the scope cannot be read, and the snapshot is refused.
    """
    try:
        with path.open("rb") as stream:
            return _read(stream, vault_id, member_id, key_for)
    except FileNotFoundError:
        return "there is no snapshot"
    except OSError as exc:
        return f"the snapshot cannot be read ({exc.strerror})"


def peek(path: Path) -> Header | str:
    """The plaintext header of a snapshot without decrypting it, or why it cannot be read.

    Lets the index ask the vault for the changes since the snapshot's mark
    while the body is still being decrypted. Nothing in it is trusted: the
    header is checked again, as the associated data of every chunk, by :func:`read`.
    """
    try:
        with path.open("rb") as stream:
            raw = _raw_header(stream)
    except FileNotFoundError:
        return "there is no snapshot"
    except OSError as exc:
        return f"the snapshot cannot be read ({exc.strerror})"
    parsed = raw if isinstance(raw, str) else read_header(raw)
    return parsed if isinstance(parsed, str) else parsed[0]


def _raw_header(stream: BinaryIO) -> bytes | str:
    """The header's bytes (fixed part and scope list) read from ``stream``, or why not."""
    fixed = stream.read(_FIXED.size)
    if len(fixed) < _FIXED.size:
        return "the file is shorter than a header"
    count = _FIXED.unpack_from(fixed)[-1]
    if count > MAX_SCOPES:
        return "its header is implausible"
    return fixed + stream.read(count * _SCOPE.size)


def _read(
    stream: BinaryIO, vault_id: str, member_id: str, key_for: KeyFor
) -> tuple[Plaintext, Header] | str:
    size = os.fstat(stream.fileno()).st_size
    raw = _raw_header(stream)
    if isinstance(raw, str):
        return raw
    parsed = read_header(raw)
    if isinstance(parsed, str):
        return parsed
    header, at = parsed
    if header.vault_id != vault_id or header.member_id != member_id:
        return "it belongs to another vault or member"
    derived: list[bytes] = []
    for scope_id, version in header.scopes:
        try:
            current, key = key_for(scope_id)
        except Exception:  # any failure means: not readable now
            return "it covers a scope this member cannot read now"
        if current != version:
            return "a scope's key has changed since it was made"
        derived.append(key)
    total = size - at - header.chunks * (_LENGTH.size + aead.OVERHEAD)
    if total < 0:
        return "the snapshot is truncated"
    packed = raw[:at]
    cipher = AESGCM(_key(header, derived))
    out = _buffer(total)
    target = memoryview(out)
    # One read per chunk, the next chunk's length with it: every read (and every
    # decryption) lets the GIL go, and while the opening thread works in Python,
    # getting it back costs this thread up to a switch interval (5 ms) each time.
    buffer = bytearray(min(CHUNK_SIZE, total) + aead.OVERHEAD + _LENGTH.size)
    prefix = stream.read(_LENGTH.size)
    filled = 0
    for index in range(header.chunks):
        if len(prefix) < _LENGTH.size:
            return "the snapshot is truncated"
        (length,) = _LENGTH.unpack(prefix)
        if length < aead.OVERHEAD or filled + length - aead.OVERHEAD > total:
            return "the snapshot is truncated"
        wanted = length if index == header.chunks - 1 else length + _LENGTH.size
        if wanted > len(buffer):
            buffer = bytearray(wanted)
        piece = memoryview(buffer)[:wanted]
        if stream.readinto(piece) != wanted:
            return "the snapshot is truncated"
        blob, prefix = piece[:length], bytes(piece[length:])
        if blob[0] != aead.FORMAT_GCM:
            return "the snapshot uses an unknown cipher format"
        nonce = bytes(blob[1 : 1 + aead.NONCE_LENGTH])
        aad = aead.chunk_aad(packed, index, index == header.chunks - 1)
        plain = length - aead.OVERHEAD
        try:
            cipher.decrypt_into(
                nonce, blob[1 + aead.NONCE_LENGTH :], aad, target[filled : filled + plain]
            )
        except InvalidTag:
            return "the snapshot failed authentication (damaged or altered)"
        filled += plain
    target.release()
    if filled != total or stream.read(1):
        return "the snapshot has trailing bytes"
    return out, header


def _buffer(size: int) -> Plaintext:
    """A zeroed, writable buffer of ``size`` bytes whose pages are cleared lazily by the kernel.

    Private anonymous memory (``mmap.mmap(-1, n)`` alone would be *shared*
    memory, whose pages cost more to fault in), in huge pages where the system
    offers them: at 140 MB, allocating and decrypting into it took 0.05 s of CPU
    against 0.15 s for a ``bytearray``.
    """
    if not size:
        return bytearray()
    private = getattr(mmap, "MAP_PRIVATE", None)
    if private is None:  # Windows: anonymous memory backed by the page file
        return mmap.mmap(-1, size)
    buffer = mmap.mmap(-1, size, flags=private)
    huge = getattr(mmap, "MADV_HUGEPAGE", None)
    if huge is not None:
        with contextlib.suppress(OSError):
            buffer.madvise(huge)
    return buffer


def release(plain: Plaintext) -> None:
    """Free a plaintext from :func:`read` now (unmapping runs without holding the GIL).

    Raises:
        BufferError: A view of it is still in use.
    """
    if isinstance(plain, mmap.mmap):
        plain.close()
    else:
        del plain[:]
