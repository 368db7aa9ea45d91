"""AES-256-GCM sealing with a format byte, and chunked streams for large data.

A sealed blob is ``FORMAT_GCM || nonce(12) || ciphertext || tag(16)``. Nonces are
random 96-bit values; callers bind context (vault, scope, record, version, key
version) through the associated data so a ciphertext cannot be moved elsewhere.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import CryptoError, DecryptionError, UnknownFormatError

FORMAT_GCM = 0x01
NONCE_LENGTH = 12
TAG_LENGTH = 16
OVERHEAD = 1 + NONCE_LENGTH + TAG_LENGTH
KEY_LENGTH = 32
# One GCM call must stay far below its 64 GiB limit and our memory budget.
CHUNK_SIZE = 1024 * 1024


def new_key() -> bytes:
    """Return a fresh random 256-bit key."""
    return os.urandom(KEY_LENGTH)


def _check_key(key: bytes) -> None:
    # AESGCM would quietly accept 16- or 24-byte keys and use AES-128/192.
    if len(key) != KEY_LENGTH:
        raise CryptoError("AES-256-GCM needs a 32-byte key")


def seal(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Encrypt and authenticate ``plaintext`` under ``key``, binding ``aad``.

    Chunked streams (``seal_chunk``) bind position but not stream identity: every
    stream needs its own key or a unique ``aad``.
    """
    _check_key(key)
    nonce = os.urandom(NONCE_LENGTH)
    return bytes([FORMAT_GCM]) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    """Decrypt a blob made by :func:`seal`; raise DecryptionError if it fails."""
    _check_key(key)
    if len(blob) < OVERHEAD:
        raise DecryptionError("ciphertext is truncated")
    if blob[0] != FORMAT_GCM:
        raise UnknownFormatError(f"unknown ciphertext format {blob[0]}")
    nonce = blob[1 : 1 + NONCE_LENGTH]
    try:
        return AESGCM(key).decrypt(nonce, blob[1 + NONCE_LENGTH :], aad)
    except InvalidTag:
        raise DecryptionError("ciphertext failed authentication") from None


def chunk_aad(aad: bytes, index: int, final: bool) -> bytes:
    """Associated data for one chunk of a stream: position and end marker are bound."""
    return aad + struct.pack(">QB", index, 1 if final else 0)


def seal_chunk(key: bytes, chunk: bytes, aad: bytes, index: int, final: bool) -> bytes:
    """Seal one chunk of a stream so that reordering or truncation is detected."""
    return seal(key, chunk, chunk_aad(aad, index, final))


def open_chunk(key: bytes, blob: bytes, aad: bytes, index: int, final: bool) -> bytes:
    """Open one chunk sealed by :func:`seal_chunk`."""
    return open_sealed(key, blob, chunk_aad(aad, index, final))


def seal_chunked(key: bytes, data: bytes, aad: bytes, chunk_size: int = CHUNK_SIZE) -> list[bytes]:
    """Seal ``data`` as a list of chunks (used for large serialised indexes)."""
    pieces = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)] or [b""]
    last = len(pieces) - 1
    return [seal_chunk(key, piece, aad, i, i == last) for i, piece in enumerate(pieces)]


def open_chunked(key: bytes, chunks: list[bytes], aad: bytes) -> bytes:
    """Open chunks made by :func:`seal_chunked`, rejecting truncation and reordering."""
    if not chunks:
        # seal_chunked always writes at least one (final) chunk; none means truncated.
        raise DecryptionError("chunked ciphertext has no chunks")
    last = len(chunks) - 1
    return b"".join(open_chunk(key, blob, aad, i, i == last) for i, blob in enumerate(chunks))
