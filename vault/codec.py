"""Small encodings shared by the vault: ids, timestamps and binding contexts.

A *context* is the unambiguous, length-prefixed concatenation of labelled parts;
it is what AEAD associated data and signatures bind, so that a ciphertext or a
signature cannot be moved to another vault, scope, record, version or key version.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

ID_BYTES = 16


def new_id() -> str:
    """A random 128-bit id as 32 lowercase hex characters."""
    return os.urandom(ID_BYTES).hex()


def now() -> str:
    """The current UTC time as an ISO 8601 string with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def ctx(label: str, *parts: str | int | bytes | None) -> bytes:
    """Build a binding context: a label followed by length-prefixed parts."""
    out = bytearray(b"sitebook\0" + label.encode() + b"\0")
    for part in parts:
        if part is None:
            raw = b"\xff"
        elif isinstance(part, bytes):
            raw = b"b" + part
        elif isinstance(part, int):
            raw = b"i" + str(part).encode()
        else:
            raw = b"s" + part.encode("utf-8")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def as_bytes(value: object) -> bytes:
    """A stored blob as bytes, even if tampering turned it into text or NULL."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return b""


def text_factory(raw: bytes) -> str:
    """Decode TEXT losslessly: a tampered, non-UTF-8 value must not crash a query."""
    return raw.decode("utf-8", "surrogateescape")


def dump(value: Any) -> bytes:
    """Compact JSON bytes for a plaintext body that is about to be sealed."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load(data: bytes) -> Any:
    """Inverse of :func:`dump`."""
    return json.loads(data.decode("utf-8"))
