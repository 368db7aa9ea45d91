"""Who may have written what: row-level decisions that do not depend on arrival order.

Whether a member could write a version depends on their membership *when they
wrote it*, and a replica may learn of a role change or a removal after the
rows it affects. If a pack were accepted or refused by what the replica happened
to know at arrival, two replicas receiving the same packs in another order
would end up different. So the rule is applied per row, against the merged
memberships, and re-applied whenever memberships change:

- a record version must be written by someone who could write in its scope at
  its time (memberships themselves are verified by the directory instead);
- an audit entry must be written by someone who was an active member then.

A row that fails goes to the local ``sync_quarantine`` table (it is not shown,
not sent, not deleted); a quarantined row whose author turns out to have had
the right after all (a concurrent change by another admin arrives) comes back.
Every replica thus ends with exactly the rows that are valid under the same
final memberships. The signed state and the heads are updated accordingly.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vault import audit
from vault.codec import as_bytes, now
from vault.versions import VersionRow

if TYPE_CHECKING:
    from vault.vault import Vault

AUDIT_COLUMNS = (
    "id",
    "member_id",
    "member_seq",
    "scope_id",
    "key_version",
    "created",
    "prev_hash",
    "body_hash",
    "body",
    "signature",
)
_BLOBS = {"body", "signature", "prev_hash", "body_hash"}


@dataclass
class Outcome:
    """What a policy pass changed."""

    records: set[str] = field(default_factory=set)  # records whose versions changed
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, key, reason)
    restored: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, key, author)
    add: int = 0  # state elements added (audit entries)
    remove: int = 0  # state elements removed


def version_refusal(vault: Vault, row: VersionRow) -> str | None:
    """Why a version may not stand (None when its author could write it then)."""
    if row.scope_id == vault.shared_scope_id and vault.directory()._versions(row.record_id):
        return None  # a membership: the directory verifies its signer
    author = vault.directory().state(row.author, row.created)
    kind, parent = vault._scope_kind(row.scope_id)
    scope = row.scope_id
    if kind == "restricted" and parent:
        kind, scope = vault._scope_kind(parent)[0], parent
    if author is None or not author.may_write(kind, scope, held=True):
        return f"member {row.author[:8]} had no write access there when it was written"
    return None


def audit_refusal(vault: Vault, member_id: str, created: str) -> str | None:
    """Why an audit entry may not stand (None when its author was an active member)."""
    author = vault.directory().state(member_id, created)
    if author is None or not author.active:
        return f"member {member_id[:8]} was not an active member when it was written"
    return None


def _encode(row: dict) -> str:
    return json.dumps(
        {k: (as_bytes(v).hex() if k in _BLOBS else v) for k, v in row.items()}, sort_keys=True
    )


def _decode(text: str) -> dict:
    data = json.loads(text)
    return {k: (bytes.fromhex(v) if k in _BLOBS and v is not None else v) for k, v in data.items()}


def _quarantine(conn: sqlite3.Connection, kind: str, key: str, row: dict, reason: str) -> None:
    author = row["author"] if kind == "version" else row["member_id"]
    conn.execute(
        "INSERT OR REPLACE INTO sync_quarantine (kind, key, author, created, reason, row, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind, key, author, row["created"], reason, _encode(row), now()),
    )


def check_versions(vault: Vault, vids: list[str], outcome: Outcome) -> None:
    """Quarantine those of these (live) versions whose author could not write them."""
    conn = vault._conn
    for start in range(0, len(vids), 500):
        chunk = vids[start : start + 500]
        for raw in conn.execute(
            f"SELECT {VersionRow.COLUMNS} FROM versions WHERE vid IN "  # noqa: S608
            f"({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall():
            row = VersionRow.from_row(tuple(raw))
            reason = version_refusal(vault, row)
            if reason is None:
                continue
            names = [c.strip() for c in VersionRow.COLUMNS.split(",")]
            values = dict(zip(names, row.as_tuple(), strict=True))
            _quarantine(conn, "version", row.vid, values, reason)
            conn.execute("DELETE FROM versions WHERE vid = ?", (row.vid,))
            outcome.records.add(row.record_id)
            outcome.refused.append(("version", row.vid, reason))


def check_audit(
    vault: Vault,
    ids: list[str],
    outcome: Outcome,
    *,
    fresh: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Quarantine those of these (live) audit entries whose author was not a member then.

    Entries in ``fresh`` arrived in this batch and are not in the signed state yet.
    """
    conn = vault._conn
    for entry_id in ids:
        found = conn.execute(
            f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit WHERE id = ?",  # noqa: S608
            (entry_id,),
        ).fetchone()
        if found is None:
            continue
        row = dict(zip(AUDIT_COLUMNS, tuple(found), strict=True))
        reason = audit_refusal(vault, row["member_id"], row["created"])
        if reason is None:
            continue
        _quarantine(conn, "audit", entry_id, row, reason)
        conn.execute("DELETE FROM audit WHERE id = ?", (entry_id,))
        if entry_id not in fresh:
            outcome.remove += audit.element(audit.entry_hash(vault.vault_id, row))
        outcome.refused.append(("audit", entry_id, reason))


def recheck(
    vault: Vault,
    changed: dict[str, str],
    outcome: Outcome,
    *,
    fresh: set[str] | frozenset[str] = frozenset(),
    checked: set[str] | frozenset[str] = frozenset(),
) -> None:
    """After memberships changed: re-decide every row of those members since the change.

    ``changed`` maps a member id to the time of the earliest membership version
    that arrived for them; ``fresh`` names audit entries of this batch (not yet
    in the signed state) and ``checked`` versions of this batch already decided.
    """
    conn = vault._conn
    for member_id, since in sorted(changed.items()):
        vids = [
            r[0]
            for r in conn.execute(
                "SELECT vid FROM versions WHERE author = ? AND created >= ?", (member_id, since)
            )
            if r[0] not in checked
        ]
        check_versions(vault, vids, outcome)
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM audit WHERE member_id = ? AND created >= ?", (member_id, since)
            )
            if r[0] not in fresh
        ]
        check_audit(vault, ids, outcome)
        for kind, key, text in conn.execute(
            "SELECT kind, key, row FROM sync_quarantine WHERE author = ? AND created >= ?",
            (member_id, since),
        ).fetchall():
            row = _decode(text)
            if kind == "version":
                version = VersionRow(*(row[c.strip()] for c in VersionRow.COLUMNS.split(",")))
                if version_refusal(vault, version) is not None:
                    continue
                conn.execute(
                    f"INSERT OR IGNORE INTO versions ({VersionRow.COLUMNS}) "  # noqa: S608
                    f"VALUES ({', '.join('?' * VersionRow.WIDTH)})",
                    version.as_tuple(),
                )
                outcome.records.add(version.record_id)
            else:
                if audit_refusal(vault, row["member_id"], row["created"]) is not None:
                    continue
                seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM audit").fetchone()[0]
                inserted = conn.execute(
                    f"INSERT OR IGNORE INTO audit (seq, {', '.join(AUDIT_COLUMNS)}) "  # noqa: S608
                    f"VALUES (?, {', '.join('?' * len(AUDIT_COLUMNS))})",
                    (seq, *(row[c] for c in AUDIT_COLUMNS)),
                ).rowcount
                if inserted:
                    outcome.add += audit.element(audit.entry_hash(vault.vault_id, row))
            conn.execute("DELETE FROM sync_quarantine WHERE kind = ? AND key = ?", (kind, key))
            outcome.restored.append((kind, key, member_id))


def requeue_own(conn: sqlite3.Connection, outcome: Outcome, me: str) -> None:
    """Rows of this member that came back from quarantine are theirs to send."""
    for kind, key, author in outcome.restored:
        if author == me:
            conn.execute(
                "INSERT INTO sync_outbox (kind, key, author) VALUES (?, ?, ?)", (kind, key, me)
            )
