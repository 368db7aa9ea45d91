"""The pack file format: a signed plaintext header and a body sealed under the scope key.

::

    MAGIC(8) | header length (u32) | header (canonical JSON) | Ed25519 signature (64)
    | body: one or more (u32 length | sealed 1 MiB chunk)

The header names the vault, scope, author, pack number and time, the key version,
the per-pack data key sealed under that scope key version, and the SHA-256 and
size of the sealed body; it also carries what a reader needs *before* it can
decrypt anything: the scope's row (id, kind, parent, key version) and the scope
key grants in the pack, which are wrapped per member and signed by their granter.
The author signs the header, so the signature covers every byte of the file.

The body is a small SQLite database (``serialize()``) of rows exactly as stored:
record versions and attachments are already sealed and signed by their authors.
It is sealed in 1 MiB chunks under a fresh data key with position and end
markers bound in (so truncation and reordering fail), the data key sealed under
the scope key with the pack's identity as associated data.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

from crypto import aead, keys
from crypto.errors import CryptoError
from vault.codec import ctx

MAGIC = b"SBKPACK\x01"
FORMAT = 1
SIGNATURE_LENGTH = 64
MAX_HEADER = 16 * 1024 * 1024
HEAD_GUESS = 64 * 1024
KINDS = ("pack", "snapshot")


class PackRejected(Exception):
    """The pack is malformed, tampered with or not allowed; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PackWaiting(Exception):
    """The pack cannot be applied yet (a key or its author's membership has not arrived)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Header:
    """A pack's signed header."""

    kind: str
    vault_id: str
    scope_id: str
    author: str
    seq: int
    name: str
    created: str
    key_version: int
    data_key: bytes
    body_sha256: str
    body_size: int
    chunks: int
    scope: dict[str, Any]
    grants: tuple[dict[str, Any], ...] = ()
    covers: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """Canonical JSON (sorted keys, no spaces): the signed bytes."""
        data = {
            "format": FORMAT,
            "kind": self.kind,
            "vault_id": self.vault_id,
            "scope_id": self.scope_id,
            "author": self.author,
            "seq": self.seq,
            "name": self.name,
            "created": self.created,
            "key_version": self.key_version,
            "data_key": self.data_key.hex(),
            "body_sha256": self.body_sha256,
            "body_size": self.body_size,
            "chunks": self.chunks,
            "scope": self.scope,
            "grants": list(self.grants),
            "covers": self.covers,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Header:
        """Parse and type-check a header; PackRejected says what is wrong."""
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise PackRejected("it has an unknown pack format")
            header = cls(
                kind=_str(data["kind"]),
                vault_id=_str(data["vault_id"]),
                scope_id=_str(data["scope_id"]),
                author=_str(data["author"]),
                seq=_int(data["seq"]),
                name=_str(data["name"]),
                created=_str(data["created"]),
                key_version=_int(data["key_version"]),
                data_key=bytes.fromhex(_str(data["data_key"])),
                body_sha256=_str(data["body_sha256"]),
                body_size=_int(data["body_size"]),
                chunks=_int(data["chunks"]),
                scope=_scope(data["scope"]),
                grants=tuple(_grant(g) for g in data["grants"]),
                covers={_str(k): _str(v) for k, v in dict(data["covers"]).items()},
            )
        except PackRejected:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            raise PackRejected("its header is malformed") from None
        if header.kind not in KINDS:
            raise PackRejected("its header is malformed")
        return header


@dataclass(frozen=True)
class Parsed:
    """A pack file split into its parts (nothing verified yet but the framing)."""

    header: Header
    header_bytes: bytes
    signature: bytes
    body: bytes

    def body_intact(self) -> bool:
        """True when the body has the size and SHA-256 the signed header names."""
        return (
            len(self.body) == self.header.body_size
            and hashlib.sha256(self.body).hexdigest() == self.header.body_sha256
        )


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError
    return value


def _scope(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError
    parent = value.get("parent")
    return {
        "id": _str(value["id"]),
        "kind": _str(value["kind"]),
        "parent": None if parent is None else _str(parent),
        "key_version": _int(value["key_version"]),
        "created": _str(value["created"]),
    }


def _grant(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError
    return {
        "scope_id": _str(value["scope_id"]),
        "key_version": _int(value["key_version"]),
        "member_id": _str(value["member_id"]),
        "wrapped": _str(value["wrapped"]),
        "granted_by": _str(value["granted_by"]),
        "created": _str(value["created"]),
        "signature": _str(value["signature"]),
    }


def grant_json(row: tuple) -> dict[str, Any]:
    """A scope_keys row (scope, version, member, wrapped, granted_by, created, signature)."""
    scope_id, key_version, member_id, wrapped, granted_by, created, signature = row
    return {
        "scope_id": scope_id,
        "key_version": key_version,
        "member_id": member_id,
        "wrapped": bytes(wrapped).hex(),
        "granted_by": granted_by,
        "created": created,
        "signature": bytes(signature).hex(),
    }


def grant_row(grant: dict[str, Any]) -> tuple:
    """Inverse of :func:`grant_json` (raises ValueError on bad hex)."""
    return (
        grant["scope_id"],
        grant["key_version"],
        grant["member_id"],
        bytes.fromhex(grant["wrapped"]),
        grant["granted_by"],
        grant["created"],
        bytes.fromhex(grant["signature"]),
    )


def _key_aad(h: Header | dict) -> bytes:
    get = h.__getitem__ if isinstance(h, dict) else lambda k: getattr(h, k)
    return ctx(
        "sync-pack-key",
        get("vault_id"),
        get("scope_id"),
        get("kind"),
        get("author"),
        get("name"),
        get("key_version"),
    )


def _body_aad(h: Header | dict) -> bytes:
    get = h.__getitem__ if isinstance(h, dict) else lambda k: getattr(h, k)
    return ctx("sync-pack-body", get("vault_id"), get("scope_id"), get("kind"), get("name"))


def _signed(vault_id: str, header_bytes: bytes) -> bytes:
    return ctx("sync-pack-sig", vault_id, header_bytes)


def seal(
    *,
    kind: str,
    vault_id: str,
    scope_id: str,
    author: str,
    seq: int,
    name: str,
    created: str,
    key_version: int,
    scope_key: bytes,
    scope: dict[str, Any],
    grants: list[dict[str, Any]],
    covers: dict[str, str] | None,
    plain: bytes,
    signer: keys.MemberKeys,
) -> bytes:
    """Encrypt ``plain`` (a serialised body database) and sign; return the file's bytes."""
    identity = {
        "vault_id": vault_id,
        "scope_id": scope_id,
        "kind": kind,
        "author": author,
        "name": name,
        "key_version": key_version,
    }
    data_key = aead.new_key()
    chunks = aead.seal_chunked(data_key, plain, _body_aad(identity))
    body = b"".join(struct.pack(">I", len(c)) + c for c in chunks)
    header = Header(
        kind=kind,
        vault_id=vault_id,
        scope_id=scope_id,
        author=author,
        seq=seq,
        name=name,
        created=created,
        key_version=key_version,
        data_key=aead.seal(scope_key, data_key, _key_aad(identity)),
        body_sha256=hashlib.sha256(body).hexdigest(),
        body_size=len(body),
        chunks=len(chunks),
        scope=scope,
        grants=tuple(grants),
        covers=dict(covers or {}),
    )
    raw = header.to_json()
    signature = signer.sign(_signed(vault_id, raw))
    return MAGIC + struct.pack(">I", len(raw)) + raw + signature + body


def header_length(head: bytes) -> int:
    """How many bytes the file needs up to the end of its signature (from its first 12)."""
    if len(head) < 12 or head[:8] != MAGIC:
        raise PackRejected("it is not a Sitebook pack")
    length = struct.unpack(">I", head[8:12])[0]
    if length > MAX_HEADER:
        raise PackRejected("its header is too large")
    return 12 + length + SIGNATURE_LENGTH


def parse(data: bytes, *, head_only: bool = False) -> Parsed:
    """Split a pack file; PackRejected when the framing is wrong."""
    end = header_length(data)
    if len(data) < end:
        raise PackRejected("it is truncated")
    raw = bytes(data[12 : end - SIGNATURE_LENGTH])
    header = Header.from_json(raw)
    return Parsed(
        header, raw, bytes(data[end - SIGNATURE_LENGTH : end]), b"" if head_only else data[end:]
    )


def verify_signature(parsed: Parsed, public: bytes) -> None:
    """Raise PackRejected unless ``public`` signed this header."""
    try:
        keys.verify(public, _signed(parsed.header.vault_id, parsed.header_bytes), parsed.signature)
    except CryptoError:
        raise PackRejected("its signature does not verify (altered or forged)") from None


def open_body(parsed: Parsed, scope_key: bytes) -> bytes:
    """Decrypt the body; PackRejected when it is damaged or sealed under another key."""
    header = parsed.header
    if not parsed.body_intact():
        raise PackRejected("it is truncated or altered (its body does not match its header)")
    try:
        data_key = aead.open_sealed(scope_key, header.data_key, _key_aad(header))
    except CryptoError:
        raise PackRejected("its data key does not open with the scope key") from None
    pieces: list[bytes] = []
    body = parsed.body
    at = 0
    while at < len(body):
        if at + 4 > len(body):
            raise PackRejected("its body is malformed")
        length = struct.unpack(">I", body[at : at + 4])[0]
        pieces.append(bytes(body[at + 4 : at + 4 + length]))
        at += 4 + length
    if len(pieces) != header.chunks:
        raise PackRejected("its body is malformed")
    try:
        return aead.open_chunked(data_key, pieces, _body_aad(header))
    except CryptoError:
        raise PackRejected("its body does not decrypt (damaged or reordered)") from None
