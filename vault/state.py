"""The signed vault state: detects records or attachments removed or rolled back.

Each record version and attachment is signed on its own, so a tamperer cannot
forge content; but they could delete a record's newest version and point its
head back at an older one, or delete rows outright. The state is an additive
multiset hash (sum modulo 2**256 of SHA-256 over each record head and each
attachment) updated in O(1) inside every write transaction and signed by the
writing member. ``check`` recomputes it; a mismatch means rows were removed or
rolled back since the last signed save. Rolling back the *whole* file to an
older copy cannot be seen from inside the file; sync peers will see it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable

from crypto import keys
from crypto.errors import SignatureError
from vault.codec import as_bytes, ctx

MODULUS = 2**256


def record_element(record_id: str, head_vid: str, scope_id: str, deleted: bool) -> int:
    """The state element of one record head."""
    digest = hashlib.sha256(ctx("state-record", record_id, head_vid, scope_id, int(deleted)))
    return int.from_bytes(digest.digest(), "big")


def attachment_element(attachment_id: str, record_id: str, digest: bytes) -> int:
    """The state element of one attachment."""
    value = hashlib.sha256(ctx("state-attachment", attachment_id, record_id, digest))
    return int.from_bytes(value.digest(), "big")


def _message(vault_id: str, counter: int, digest: bytes) -> bytes:
    return ctx("vault-state", vault_id, counter, digest)


def read(conn: sqlite3.Connection) -> tuple[int, int, str, bytes] | None:
    """(counter, digest, member, signature) or None when the row is missing."""
    row = conn.execute(
        "SELECT counter, digest, member, signature FROM state WHERE id = 1"
    ).fetchone()
    if row is None:
        return None
    return row[0], int.from_bytes(as_bytes(row[1]), "big"), row[2], as_bytes(row[3])


def write(
    conn: sqlite3.Connection,
    vault_id: str,
    signer: keys.MemberKeys,
    member_id: str,
    *,
    add: int = 0,
    remove: int = 0,
) -> None:
    """Apply one change to the state and re-sign it (inside the caller's transaction)."""
    current = read(conn)
    counter, digest = (current[0], current[1]) if current else (0, 0)
    counter += 1
    digest = (digest + add - remove) % MODULUS
    raw = digest.to_bytes(32, "big")
    signature = signer.sign(_message(vault_id, counter, raw))
    conn.execute(
        "INSERT OR REPLACE INTO state (id, counter, digest, member, signature) "
        "VALUES (1, ?, ?, ?, ?)",
        (counter, raw, member_id, signature),
    )


def recompute(conn: sqlite3.Connection) -> int:
    """The state as the rows in the file say it should be."""
    total = 0
    for record_id, head_vid, scope_id, deleted in conn.execute(
        "SELECT id, head_vid, scope_id, deleted FROM records"
    ):
        total += record_element(record_id, head_vid, scope_id, bool(deleted))
    for attachment_id, record_id, digest in conn.execute(
        "SELECT id, record_id, digest FROM attachments"
    ):
        total += attachment_element(attachment_id, record_id, as_bytes(digest))
    columns = ("member_seq", "id", "member_id", "scope_id", "created", "prev_hash", "body_hash")
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM audit").fetchall()  # noqa: S608
    if rows:
        from vault import audit  # audit builds on this module

        vault_id = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()[0]
        for row in rows:
            entry = dict(zip(columns, tuple(row), strict=True))
            total += audit.element(audit.entry_hash(vault_id, entry))
    return total % MODULUS


def problem(
    conn: sqlite3.Connection, vault_id: str, signer_key: Callable[[str], bytes | None]
) -> str | None:
    """None when the file matches its last signed state, else what is wrong."""
    current = read(conn)
    if current is None:
        return "its signed state is missing (rows were removed or rolled back)"
    counter, digest, member, signature = current
    public = signer_key(member)
    try:
        if public is None:
            raise SignatureError("unknown signer")
        keys.verify(public, _message(vault_id, counter, digest.to_bytes(32, "big")), signature)
    except SignatureError:
        return "its signed state does not verify (altered or forged)"
    if recompute(conn) != digest:
        return "records or attachments were removed or rolled back since the last signed save"
    return None
