"""The audit log: append-only, hash-chained, every entry signed by its member.

Each entry's body (event, record, details) is sealed under the key of the scope
it concerns, so a client's entries are readable by exactly those who can read
that client. The chain runs over stored, salted plaintext hashes, so anyone
holding the file can check order, completeness and signatures, and those who
can read an entry can check its body too. Every entry also enters the signed
vault state, so cutting entries off the end is detected like any other removal.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crypto import aead, keys
from crypto.errors import CryptoError
from vault import errors, rowtypes, sealed, state
from vault.codec import as_bytes, ctx, is_id, load, new_id, now, shown

if TYPE_CHECKING:
    from vault.vault import Vault

EVENTS = (
    "unlock",
    "create",
    "edit",
    "delete",
    "undelete",
    "restore",
    "reveal",
    "copy",
    "export",
    "import",
    "member-invite",
    "member-confirm",
    "member-role",
    "member-revoke",
    "rotate",
    "restrict",
)
GENESIS = b"\0" * 32


@dataclass(frozen=True)
class AuditEntry:
    """One decrypted audit entry."""

    seq: int
    id: str
    member_id: str
    member_name: str
    scope_id: str
    created: str
    event: str
    record_id: str | None
    details: dict[str, Any]


def body_aad(vault_id: str, entry_id: str, scope_id: str, key_version: int) -> bytes:
    """Associated data of an entry's sealed body."""
    return ctx("audit-body", vault_id, entry_id, scope_id, key_version)


def entry_hash(vault_id: str, row: sqlite3.Row | dict) -> bytes:
    """The chained hash of an entry: what its member signs and the next entry points at."""
    return hashlib.sha256(
        ctx(
            "audit-entry",
            vault_id,
            row["member_seq"],
            row["id"],
            row["member_id"],
            row["scope_id"],
            row["created"],
            as_bytes(row["prev_hash"]),
            as_bytes(row["body_hash"]),
        )
    ).digest()


def element(digest: bytes) -> int:
    """An entry's element of the signed vault state."""
    return int.from_bytes(hashlib.sha256(ctx("state-audit", digest)).digest(), "big")


def append(
    vault: Vault, event: str, scope_id: str, record_id: str | None, details: dict[str, Any]
) -> None:
    """Add an entry inside the caller's transaction."""
    ring = vault._ring()
    conn = vault._conn
    key_version, key = vault._current_key(scope_id)
    last = conn.execute(  # a damaged (non-integer) member_seq is check's to report
        "SELECT * FROM audit WHERE member_id = ? AND typeof(member_seq) = 'integer' "
        "ORDER BY member_seq DESC LIMIT 1",
        (ring.member_id,),
    ).fetchone()
    seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM audit").fetchone()[0]
    member_seq = (last["member_seq"] + 1) if last else 1
    prev = entry_hash(vault.vault_id, last) if last else GENESIS
    entry_id = new_id()
    created = now()
    payload = {"event": event, "record": record_id, "details": details}
    body, _plain, body_hash = sealed.seal_salted(
        key, body_aad(vault.vault_id, entry_id, scope_id, key_version), payload
    )
    row = {
        "seq": seq,
        "id": entry_id,
        "member_id": ring.member_id,
        "member_seq": member_seq,
        "scope_id": scope_id,
        "key_version": key_version,
        "created": created,
        "prev_hash": prev,
        "body_hash": body_hash,
        "body": body,
    }
    digest = entry_hash(vault.vault_id, row)
    row["signature"] = ring.sign(ctx("audit-sig", vault.vault_id, digest))
    conn.execute(
        f"INSERT INTO audit ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608
        tuple(row.values()),
    )
    vault._state_change(add=element(digest))


def read(
    vault: Vault, *, scope_ids: set[str] | None = None, member_id: str | None = None
) -> list[AuditEntry]:
    """Entries the unlocked member can read, oldest first, optionally filtered."""
    readable = vault.readable_scopes()
    out = []
    for row in vault._conn.execute("SELECT * FROM audit ORDER BY seq").fetchall():
        if row["scope_id"] not in readable:
            continue
        if scope_ids is not None and row["scope_id"] not in scope_ids:
            continue
        if member_id is not None and row["member_id"] != member_id:
            continue
        payload = _open(vault, row)
        if payload is None:
            continue
        out.append(
            AuditEntry(
                row["seq"],
                row["id"],
                row["member_id"],
                vault.member_name(row["member_id"]),
                row["scope_id"],
                row["created"],
                str(payload.get("event")),
                payload.get("record"),
                dict(payload.get("details") or {}),
            )
        )
    return out


def _open(vault: Vault, row: sqlite3.Row) -> dict | None:
    try:
        key = vault._scope_key(row["scope_id"], row["key_version"])
        aad = body_aad(vault.vault_id, row["id"], row["scope_id"], row["key_version"])
        plain = aead.open_sealed(key, as_bytes(row["body"]), aad)
        if not keys.equal(hashlib.sha256(plain).digest(), as_bytes(row["body_hash"])):
            return None
        return load(plain)
    except (CryptoError, errors.VaultError, ValueError):
        return None


def verify(vault: Vault) -> list[str]:
    """Every problem in the chains: removed, reordered, altered or forged entries.

    Each member's entries form one chain (so replicas can merge logs by union);
    the signed vault state covers every entry, so cutting a chain's tail shows too.
    """
    problems: list[str] = []
    readable = vault.readable_scopes()
    chains: dict[str, tuple[bytes, int]] = {}
    rows = vault._conn.execute("SELECT * FROM audit ORDER BY member_id, member_seq").fetchall()
    for row in rows:
        member = row["member_id"]
        if not is_id(member) or not rowtypes.fits(row["member_seq"], rowtypes.NUMBER):
            problems.append(
                f"audit entry {shown(row['seq'])}: its member id or sequence number is damaged"
            )
            continue
        prev, expected = chains.get(member, (GENESIS, 1))
        where = f"audit entry {row['member_seq']} of member {member[:8]}"
        if row["member_seq"] != expected:
            problems.append(f"{where}: entries before it are missing (expected {expected})")
        if not keys.equal(as_bytes(row["prev_hash"]), prev):
            problems.append(f"{where}: the chain is broken (removed or reordered entries)")
        digest = entry_hash(vault.vault_id, row)
        signer = vault._signer_key(member, row["created"])
        try:
            if signer is None:
                raise CryptoError("unknown member")
            message = ctx("audit-sig", vault.vault_id, digest)
            keys.verify(signer, message, as_bytes(row["signature"]))
        except CryptoError:
            problems.append(f"{where}: its signature does not verify (altered or forged)")
        if row["scope_id"] in readable and _open(vault, row) is None:
            problems.append(f"{where}: its body is damaged or was altered")
        chains[member] = (digest, row["member_seq"] + 1)
    wrong = state.problem(vault)
    if wrong:
        problems.append(f"the vault's signed state: {wrong} (entries may have been cut off)")
    return problems
