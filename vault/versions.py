"""Sealing, signing, opening and verifying one record version.

A version's body is JSON sealed with AES-256-GCM under its scope key; the AAD binds
vault, scope, record, version id and number, and key version. The author signs the
same binding plus author, time, parent and a hash of the ciphertext, so a version
cannot be moved, replayed under another number, or attributed to someone else.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from typing import Any

from crypto import aead, keys
from crypto.errors import CryptoError, SignatureError
from vault import errors, rowtypes
from vault.codec import as_bytes, ctx, dump, load
from vault.fields import FieldKind
from vault.model import Record


@dataclass(frozen=True)
class VersionRow:
    """The stored, still-encrypted form of a record version."""

    record_id: str
    number: int
    vid: str
    parent_vid: str | None
    scope_id: str
    key_version: int
    author: str
    created: str
    body: bytes
    signature: bytes
    merge_vid: str | None = None  # the second parent when a conflict was resolved
    damage: str = ""  # a stored column of the wrong type or shape (see vault.rowtypes); never opens

    COLUMNS = (
        "record_id, number, vid, parent_vid, scope_id, key_version, "
        "author, created, body, signature, merge_vid"
    )
    WIDTH = 11

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple) -> VersionRow:
        """Build from a ``SELECT {COLUMNS}`` row (blobs coerced, in case of tampering).

        A column of the wrong type or shape is replaced by a harmless value of the
        right type (so the row can still be compared and named) and recorded in
        ``damage``: such a row never opens.
        """
        values = list(row)
        values[8], values[9] = as_bytes(values[8]), as_bytes(values[9])
        named = dict(zip(_NAMES, values, strict=True))
        bad = rowtypes.bad_column(named, rowtypes.VERSION_COLUMNS)
        if bad is None:
            return cls(*values)
        for index, name in enumerate(_NAMES):
            kind = rowtypes.VERSION_COLUMNS.get(name)
            if kind is not None and not rowtypes.fits(values[index], kind):
                values[index] = rowtypes.placeholder(values[index], kind)
        return cls(*values, damage=bad)

    def as_tuple(self) -> tuple:
        """Values in COLUMNS order, for INSERT."""
        return (
            self.record_id,
            self.number,
            self.vid,
            self.parent_vid,
            self.scope_id,
            self.key_version,
            self.author,
            self.created,
            self.body,
            self.signature,
            self.merge_vid,
        )


_NAMES = tuple(name.strip() for name in VersionRow.COLUMNS.split(","))


def refuse_damaged(row: VersionRow) -> None:
    """Raise DamagedRecordError when a stored column of the version has the wrong type."""
    if row.damage:
        raise errors.DamagedRecordError(
            row.record_id,
            f"its stored {rowtypes.VERSION_WORDS[row.damage]} is damaged",
            row.number or None,
        )


def aad(
    vault_id: str, scope_id: str, record_id: str, vid: str, number: int, key_version: int
) -> bytes:
    """Associated data of a version body."""
    return ctx("record", vault_id, scope_id, record_id, vid, number, key_version)


def signed_message(vault_id: str, row: VersionRow, plain: bytes) -> bytes:
    """What the author signs for a version.

    It covers the *plaintext* (which carries a random salt, so the signature
    cannot confirm a guess) rather than the ciphertext, and not the scope the
    version is stored in: a key rotation re-encrypts a version under a new key
    version and restricting a credential moves its whole history into a
    sub-scope, both without forging the author's signature. The AAD binds the
    ciphertext to its scope and key version; whether the author could write in
    that scope is checked on every read.
    """
    return _signed(
        vault_id,
        row.record_id,
        row.vid,
        row.number,
        row.author,
        row.created,
        row.parent_vid,
        row.merge_vid,
        plain,
    )


def _signed(
    vault_id: str,
    record_id: str,
    vid: str,
    number: int,
    author: str,
    created: str,
    parent_vid: str | None,
    merge_vid: str | None,
    plain: bytes,
) -> bytes:
    """:func:`signed_message` from its parts (sealing signs before the row exists)."""
    return ctx(
        "record-sig",
        vault_id,
        record_id,
        vid,
        number,
        author,
        created,
        parent_vid,
        merge_vid,
        hashlib.sha256(plain).digest(),
    )


def reseal(
    vault_id: str,
    row: VersionRow,
    old_key: bytes,
    new_key: bytes,
    key_version: int,
    scope_id: str | None = None,
) -> VersionRow:
    """Re-encrypt a version under a new key version (or into another scope); signature intact."""
    scope_id = scope_id or row.scope_id
    old_aad = aad(vault_id, row.scope_id, row.record_id, row.vid, row.number, row.key_version)
    plain = aead.open_sealed(old_key, row.body, old_aad)
    new_aad = aad(vault_id, scope_id, row.record_id, row.vid, row.number, key_version)
    values = list(row.as_tuple())
    values[4], values[5], values[8] = scope_id, key_version, aead.seal(new_key, plain, new_aad)
    return VersionRow(*values)


def body_of(record: Record) -> dict[str, Any]:
    """The plaintext body stored for a record version."""
    body: dict[str, Any] = {
        "t": record.type,
        "title": record.title,
        "f": record.fields,
        "tags": list(record.tags),
        "links": list(record.links),
    }
    if record.custom:
        body["k"] = {name: str(kind) for name, kind in record.custom.items()}
    if record.deleted:
        body["del"] = True
    if record.source:
        body["src"] = record.source
    return body


def seal_version(
    vault_id: str,
    record: Record,
    *,
    number: int,
    vid: str,
    parent_vid: str | None,
    key: bytes,
    key_version: int,
    signer: keys.MemberKeys,
    author: str,
    created: str,
    merge_vid: str | None = None,
) -> VersionRow:
    """Encrypt and sign ``record`` as version ``number``."""
    row, signed = seal_unsigned(
        vault_id,
        record,
        number=number,
        vid=vid,
        parent_vid=parent_vid,
        key=key,
        key_version=key_version,
        author=author,
        created=created,
        merge_vid=merge_vid,
    )
    return VersionRow(*with_signature(row, signer.sign(signed)))


SIGNATURE = VersionRow.COLUMNS.split(", ").index("signature")
"""Where the signature sits in a row of ``VersionRow.COLUMNS``."""


def seal_unsigned(
    vault_id: str,
    record: Record,
    *,
    number: int,
    vid: str,
    parent_vid: str | None,
    key: bytes,
    key_version: int,
    author: str,
    created: str,
    merge_vid: str | None = None,
    salt: str | None = None,
) -> tuple[tuple, bytes]:
    """Encrypt ``record`` as version ``number``: its row values and the bytes to sign.

    The row is in ``VersionRow.COLUMNS`` order with None for the signature, which
    :func:`with_signature` puts in. Batches insert the values straight away (no
    VersionRow per row) and sign all their versions at once
    (:meth:`keys.MemberKeys.sign_many`); ``salt`` is the body's 32 random hex
    digits when the batch drew them in bulk.
    """
    body = body_of(record)
    body["salt"] = os.urandom(16).hex() if salt is None else salt
    plain = dump(body)
    record_id = record.id
    sealed = aead.seal(
        key, plain, aad(vault_id, record.scope_id, record_id, vid, number, key_version)
    )
    row = (
        record_id,
        number,
        vid,
        parent_vid,
        record.scope_id,
        key_version,
        author,
        created,
        sealed,
        None,
        merge_vid,
    )
    return row, _signed(
        vault_id, record_id, vid, number, author, created, parent_vid, merge_vid, plain
    )


def with_signature(row: tuple, signature: bytes) -> tuple:
    """A row from :func:`seal_unsigned` with its signature in place."""
    return (*row[:SIGNATURE], signature, *row[SIGNATURE + 1 :])


def open_version(vault_id: str, row: VersionRow, key: bytes, author_public: bytes | None) -> Record:
    """Decrypt and verify the signature; raise DamagedRecordError naming the record.

    Decryption is tried first only to tell a technician *what* is wrong (damaged
    bytes versus an altered or forged version); nothing is returned unless both pass.
    """
    damaged = errors.DamagedRecordError
    refuse_damaged(row)
    if author_public is None:
        raise damaged(row.record_id, "its author is unknown", row.number)
    context = aad(vault_id, row.scope_id, row.record_id, row.vid, row.number, row.key_version)
    try:
        plain = aead.open_sealed(key, row.body, context)
    except CryptoError:
        raise damaged(row.record_id, "it cannot be decrypted", row.number) from None
    try:
        keys.verify(author_public, signed_message(vault_id, row, plain), row.signature)
    except SignatureError:
        raise damaged(
            row.record_id, "its signature does not verify (altered or forged)", row.number
        ) from None
    try:
        body = load(plain)
        return Record(
            id=row.record_id,
            scope_id=row.scope_id,
            type=body["t"],
            title=body["title"],
            fields=dict(body["f"]),
            custom={name: FieldKind(kind) for name, kind in body.get("k", {}).items()},
            tags=tuple(body.get("tags", ())),
            links=tuple(body.get("links", ())),
            version=row.number,
            vid=row.vid,
            author=row.author,
            updated=row.created,
            deleted=bool(body.get("del", False)),
            source=body.get("src"),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise damaged(row.record_id, "its contents are malformed", row.number) from None
