"""Small encodings shared by the vault: ids, timestamps and binding contexts.

A *context* is the unambiguous, length-prefixed concatenation of labelled parts;
it is what AEAD associated data and signatures bind, so that a ciphertext or a
signature cannot be moved to another vault, scope, record, version or key version.
"""

from __future__ import annotations

import json
import os
import re
import struct
from datetime import UTC, datetime
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

ID_BYTES = 16


def new_id() -> str:
    """A random 128-bit id as 32 lowercase hex characters."""
    return os.urandom(ID_BYTES).hex()


_ID = re.compile(f"[0-9a-f]{{{ID_BYTES * 2}}}")


def is_id(value: object) -> bool:
    """True for an id as this vault writes them: 32 lowercase hex characters.

    Ids read from the file go through this before they are used as query
    parameters or trusted: a tampered id may be BLOB, NULL or not valid UTF-8.
    """
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def is_stamp(value: object) -> bool:
    """True for a stored timestamp that can be compared and bound: short ASCII text."""
    return isinstance(value, str) and 0 < len(value) <= 64 and value.isascii()


def shown(value: object) -> str:
    """A stored value safe to put in a message: undecodable bytes become U+FFFD."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def now() -> str:
    """The current UTC time as an ISO 8601 string with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


_LENGTH = struct.Struct(">I").pack


def ctx(label: str, *parts: str | int | bytes | None) -> bytes:
    """Build a binding context: a label followed by length-prefixed parts.

    Each part is a tag byte and its bytes (``s`` UTF-8 text, ``i`` decimal
    integer, ``b`` raw bytes, ``\\xff`` alone for None) after a 4-byte big-endian
    length. Exact ``str`` and ``int`` come first: they are nearly every part.
    """
    out = [b"sitebook\0", label.encode(), b"\0"]
    append = out.append
    for part in parts:
        kind = type(part)
        if kind is str:
            raw = b"s" + part.encode("utf-8", "surrogateescape")  # type: ignore[union-attr]
        elif kind is int:
            raw = b"i%d" % part
        elif part is None:
            raw = b"\xff"
        elif isinstance(part, bytes):
            raw = b"b" + part
        elif isinstance(part, int):
            raw = b"i" + str(part).encode()  # bool and int subclasses: as they always were
        else:
            # Text read from the file decodes losslessly (text_factory): binding the
            # exact stored bytes lets the AEAD or signature check name a damaged id.
            raw = b"s" + part.encode("utf-8", "surrogateescape")
        append(_LENGTH(len(raw)))
        append(raw)
    return b"".join(out)


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


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""One encoder for every body: ``json.dumps`` with these options builds a new one per call."""
_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None, _ENCODER.default, encode_basestring, None, ":", ",", False, False, True
    )
)
"""The C encoder ``_ENCODER.encode`` builds on every call, built once (an import dumps
10,000 bodies). Without a ``markers`` dict it keeps no state between calls, so threads
may share it; a body is built from records and never refers to itself."""


def dump(value: Any) -> bytes:
    """Compact JSON bytes for a plaintext body that is about to be sealed."""
    if _ENCODE is None:
        return _ENCODER.encode(value).encode("utf-8")
    return "".join(_ENCODE(value, 0)).encode("utf-8")


def load(data: bytes) -> Any:
    """Inverse of :func:`dump`."""
    return json.loads(data.decode("utf-8"))
