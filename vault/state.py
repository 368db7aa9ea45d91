"""The signed vault state: detects records or attachments removed or rolled back.

Each record version and attachment is signed on its own, so a tamperer cannot
forge content; but they could delete a record's newest version and point its
head back at an older one, or delete rows outright. The state is an additive
multiset hash (sum modulo 2**256 of SHA-256 over each record head, attachment,
audit entry and scope row) updated in O(1) inside every write transaction and signed once
per transaction by the writing member. ``check`` recomputes it; a mismatch means
rows were removed or rolled back since the last signed save.

The digest itself is public (anyone with the file can recompute the sum), so it
is only worth what guards it:

- the signature covers every column of the state row (counter, digest, signer,
  time, tag) and must come from a verified member who was active when they
  signed;
- a keyed tag (HMAC-SHA256 under a key derived from the shared scope's key at
  the stored key version) covers the same values, so someone with only file
  access, or a removed member after the key rotation that followed, cannot
  produce a state even with a signing key they still hold;
- the vault's settings (meta: its id, root member, scope ids, local member,
  creation time) are signed with it, so a pointer altered or deleted behind the
  vault's back is named, and never re-signed;
- before a transaction changes anything the state covers it verifies both
  (:func:`before_change`), and refuses
  (:class:`~vault.errors.StateTamperedError`) instead of re-signing a state
  that does not verify: an unlock or a save never launders earlier tampering.

A tag under a key version the reader does not hold (a member granted the scope
after a rotation) is checked by its signature alone. Rolling back the *whole*
file to an older copy cannot be seen from inside the file; sync peers will see
it. States written before format 1.2 (no time, no tag) verify with the old
message until the next write upgrades them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crypto import keys
from crypto.errors import SignatureError
from vault import errors
from vault.codec import as_bytes, ctx, is_id, is_stamp, now

if TYPE_CHECKING:
    from vault.vault import Vault

MODULUS = 2**256
PURPOSE = "vault-state"
MISSING = "its signed state is missing (rows were removed or rolled back)"
FORGED = "its signed state does not verify (altered or forged)"
# Settings the vault trusts at open; their values at each save are signed with the state.
META_KEYS = (
    "vault_id",
    "root_member",
    "root_nonce",
    "shared_scope",
    "internal_scope",
    "local_member",
    "created",
)
ROLLED_BACK = (
    "records, attachments or scopes were removed, altered or rolled back since the last signed save"
)


def record_element(record_id: str, head_vid: str, scope_id: str, deleted: bool) -> int:
    """The state element of one record head."""
    digest = hashlib.sha256(ctx("state-record", record_id, head_vid, scope_id, int(deleted)))
    return int.from_bytes(digest.digest(), "big")


def attachment_element(attachment_id: str, record_id: str, digest: bytes) -> int:
    """The state element of one attachment."""
    value = hashlib.sha256(ctx("state-attachment", attachment_id, record_id, digest))
    return int.from_bytes(value.digest(), "big")


def scope_element(scope_id: object, kind: object, parent: object, created: object) -> int:
    """The state element of one scope row (what never changes once it is written)."""
    parts = (
        v if v is None or isinstance(v, (str, int, bytes)) else repr(v)
        for v in (scope_id, kind, parent, created)
    )
    value = hashlib.sha256(ctx("state-scope", *parts))  # type: ignore[arg-type]
    return int.from_bytes(value.digest(), "big")


def _scopes_total(conn: sqlite3.Connection) -> int:
    rows = conn.execute("SELECT id, kind, parent, created FROM scopes")
    return sum(scope_element(*row) for row in rows)


@dataclass(frozen=True)
class Stored:
    """The state row as read from the file (values unchecked: it may be tampered with)."""

    counter: object
    digest: bytes
    member: object
    signature: bytes
    created: object = None
    key_version: object = None
    tag: bytes | None = None
    meta: object = None  # JSON of the META values when it was signed

    @property
    def legacy(self) -> bool:
        """Written before format 1.2: signed over counter and digest only."""
        return (
            self.created is None and self.key_version is None and self.tag is None and not self.meta
        )

    def total(self) -> int:
        """The digest as a number."""
        return int.from_bytes(self.digest, "big")


def _fields(vault_id: str, s: Stored) -> tuple:
    return (vault_id, s.counter, s.digest, s.member, s.created, s.key_version, s.meta)


def _message(vault_id: str, s: Stored) -> bytes:
    if s.legacy:
        return ctx("vault-state", vault_id, s.counter, s.digest)  # type: ignore[arg-type]
    return ctx("vault-state-2", *_fields(vault_id, s), s.tag)  # type: ignore[arg-type]


def _tag(key: bytes, vault_id: str, s: Stored) -> bytes:
    return hmac.new(key, ctx("vault-state-tag", *_fields(vault_id, s)), hashlib.sha256).digest()  # type: ignore[arg-type]


def read(conn: sqlite3.Connection) -> Stored | None:
    """The stored state row, or None when it is missing."""
    row = conn.execute(
        "SELECT counter, digest, member, signature, created, key_version, tag, meta "
        "FROM state WHERE id = 1"
    ).fetchone()
    if row is None:
        return None
    tag = None if row[6] is None else as_bytes(row[6])
    return Stored(row[0], as_bytes(row[1]), row[2], as_bytes(row[3]), row[4], row[5], tag, row[7])


def meta_now(conn: sqlite3.Connection) -> str:
    """The META values in the file, as the JSON text the state signs."""
    found = {}
    for key, value in conn.execute("SELECT key, value FROM meta"):
        if key in META_KEYS:
            found[key] = value if isinstance(value, str) else repr(value)
    return json.dumps(found, sort_keys=True)


def meta_problems(signed: object, current: str) -> list[str]:
    """What differs between the signed META values and the file's (a new local_member is fine)."""
    try:
        before = json.loads(signed) if isinstance(signed, str) else None
    except ValueError:
        before = None
    if not isinstance(before, dict):
        return ["its signed settings are unreadable"]
    after = json.loads(current)
    out = []
    for key in META_KEYS:
        if key in before and key not in after:
            out.append(f"setting '{key}' was deleted")
        elif key in before and before[key] != after[key]:
            out.append(f"setting '{key}' was altered")
        elif key in after and key not in before and key != "local_member":
            out.append(f"setting '{key}' was added")
    return out


def tag_key(vault: Vault, key_version: object) -> bytes | None:
    """The tag key at a shared-scope key version, or None when this member cannot open it."""
    if not isinstance(key_version, int) or isinstance(key_version, bool):
        return None
    shared = vault.shared_scope_id
    try:
        key = vault._scope_key(shared, key_version)
    except errors.VaultError:
        return None
    return keys.derive_subkey(key, ctx("derived-key", vault.vault_id, shared, key_version, PURPOSE))


def _writing_tag_key(vault: Vault) -> tuple[int, bytes] | tuple[None, None]:
    """The current shared key version's tag key, else the newest one this member holds."""
    shared = vault.shared_scope_id
    versions = [
        r[0]
        for r in vault._conn.execute(
            "SELECT key_version FROM scopes WHERE id = ? UNION SELECT key_version FROM scope_keys "
            "WHERE scope_id = ? AND member_id = ? ORDER BY 1 DESC",
            (shared, shared, vault._ring().member_id),
        )
    ]
    for version in versions:
        key = tag_key(vault, version)
        if key is not None:
            return version, key
    return None, None


def signer_key(vault: Vault, member_id: object, at: object) -> bytes | None:
    """The signing key of a member entitled to sign the state at ``at``, else None.

    Entitled: their verified membership was active then. A member whose own clock
    ran behind the manager who confirmed them (so ``at`` falls before the
    confirmation) is entitled while their membership is active now.
    """
    if not is_id(member_id) or not is_stamp(at):
        return None
    directory = vault.directory()
    found = directory.state(member_id, at)
    if found is not None and found.active:
        return found.signing_public
    if found is None or found.status == "invited":
        latest = directory.state(member_id)
        if latest is not None and latest.active:
            return latest.signing_public
    return None


def verify(vault: Vault, stored: Stored) -> str | None:
    """None when the stored state's signature (and tag, where readable) verify, else why not."""
    if stored.legacy:
        member = stored.member
        public = vault._signer_key(member, None) if is_id(member) else None
    else:
        public = signer_key(vault, stored.member, stored.created)
    try:
        if public is None:
            raise SignatureError("no entitled signer")
        keys.verify(public, _message(vault.vault_id, stored), stored.signature)
    except (SignatureError, TypeError, ValueError):
        return FORGED
    if stored.tag is not None:
        key = tag_key(vault, stored.key_version)
        if key is not None and not keys.equal(_tag(key, vault.vault_id, stored), stored.tag):
            return FORGED
    if not stored.legacy:
        changed = meta_problems(stored.meta, meta_now(vault._conn))
        if changed:
            return "the vault's signed settings do not match: " + ", ".join(changed)
    return None


def before_change(vault: Vault) -> None:
    """Refuse to build on a stored state that does not verify (StateTamperedError).

    Called at a transaction's first state change, before it writes anything the
    state covers, so the stored state is judged against the file as it was.
    """
    current = read(vault._conn)
    vault._state_upgrade = 0
    if current is None or current == vault._state_signed:
        return  # missing: write() decides; ours: signed by this object a moment ago
    wrong = verify(vault, current)
    if wrong:
        raise errors.StateTamperedError(wrong)
    if current.legacy:  # format 1.1 left scope rows out of the digest: add them, as they were
        vault._state_upgrade = _scopes_total(vault._conn)


def write(vault: Vault, add: int = 0) -> None:
    """Apply one transaction's change to the state checked by before_change and re-sign it.

    Runs inside the caller's transaction, once, when it commits. Raises
    StateTamperedError, so the transaction rolls back, when the state is missing
    while the file holds rows this transaction did not add.
    """
    conn = vault._conn
    ring = vault._ring()
    current = read(conn)
    if current is None:
        if recompute(conn) != add % MODULUS:
            raise errors.StateTamperedError(MISSING)
        counter, total = 0, 0
    else:
        if not isinstance(current.counter, int) or isinstance(current.counter, bool):
            raise errors.StateTamperedError(FORGED)
        counter, total = current.counter, current.total() + vault._state_upgrade
    version, key = _writing_tag_key(vault)
    draft = Stored(
        counter + 1,
        ((total + add) % MODULUS).to_bytes(32, "big"),
        ring.member_id,
        b"",
        now(),
        version,
        meta=meta_now(conn),
    )
    tagged = Stored(**{**draft.__dict__, "tag": _tag(key, vault.vault_id, draft) if key else None})
    signed = Stored(**{**tagged.__dict__, "signature": ring.sign(_message(vault.vault_id, tagged))})
    conn.execute(
        "INSERT OR REPLACE INTO state (id, counter, digest, member, signature, created, "
        "key_version, tag, meta) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            signed.counter,
            signed.digest,
            signed.member,
            signed.signature,
            signed.created,
            signed.key_version,
            signed.tag,
            signed.meta,
        ),
    )
    vault._state_signed = signed  # ours: the next write need not verify it again


def recompute(conn: sqlite3.Connection, *, scopes: bool = True) -> int:
    """The (public, unkeyed) digest as the rows in the file say it should be."""
    total = 0
    for record_id, head_vid, scope_id, deleted in conn.execute(
        "SELECT id, head_vid, scope_id, deleted FROM records"
    ):
        total += record_element(record_id, head_vid, scope_id, bool(deleted))
    for attachment_id, record_id, digest in conn.execute(
        "SELECT id, record_id, digest FROM attachments"
    ):
        total += attachment_element(attachment_id, record_id, as_bytes(digest))
    if scopes:
        total += _scopes_total(conn)
    columns = ("member_seq", "id", "member_id", "scope_id", "created", "prev_hash", "body_hash")
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM audit").fetchall()  # noqa: S608
    if rows:
        from vault import audit  # audit builds on this module

        vault_id = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()[0]
        for row in rows:
            entry = dict(zip(columns, tuple(row), strict=True))
            total += audit.element(audit.entry_hash(vault_id, entry))
    return total % MODULUS


def problem(vault: Vault) -> str | None:
    """None when the file matches its last signed state, else what is wrong."""
    current = read(vault._conn)
    if current is None:
        return MISSING
    wrong = verify(vault, current)
    if wrong:
        return wrong
    if recompute(vault._conn, scopes=not current.legacy) != current.total():
        return ROLLED_BACK
    return None
