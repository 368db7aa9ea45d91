"""Heads, conflicts and the signed state after rows arrived or left.

The heads of a record are its versions no other version names as parent or
merge parent. One head is the head; several are a conflict, with a
deterministic winner (highest number, then latest time, then highest vid) shown
until a person resolves it. The record's deleted flag follows the winner; a
record left without versions (all refused) goes. The signed vault state changes
by exactly the elements that changed and is re-signed by the local member when
the transaction commits, so merging never hides earlier tampering.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from crypto import aead
from crypto.errors import CryptoError
from vault import audit, errors, state
from vault.codec import as_bytes, load
from vault.versions import VersionRow, aad

if TYPE_CHECKING:
    from vault.sync.merge import Added
    from vault.vault import Vault

_Q = ", ".join("v." + c.strip() for c in VersionRow.COLUMNS.split(","))


def finish(
    vault: Vault,
    added: Iterable[Added],
    touched: set[str] | None = None,
    add: int = 0,
    remove: int = 0,
) -> int:
    """Recompute heads of touched records and update the signed state; return records changed.

    ``touched``, ``add`` and ``remove`` carry what a policy pass changed on top.
    """
    touched = set(touched or ())
    attachment_ids: list[str] = []
    audit_ids: list[str] = []
    for one in added:
        touched |= one.records
        attachment_ids += one.attachments
        audit_ids += one.audit
    head_add, head_remove, changed = recompute_heads(vault, touched)
    add += head_add
    remove += head_remove
    conn = vault._conn
    for att_id in attachment_ids:
        row = conn.execute(
            "SELECT record_id, digest FROM attachments WHERE id = ?", (att_id,)
        ).fetchone()
        if row is not None:
            add += state.attachment_element(att_id, row[0], as_bytes(row[1]))
    for entry_id in audit_ids:
        row = conn.execute("SELECT * FROM audit WHERE id = ?", (entry_id,)).fetchone()
        if row is not None:  # not refused by the policy
            add += audit.element(audit.entry_hash(vault.vault_id, row))
    if add or remove:
        vault._state_change(add=add % state.MODULUS, remove=remove % state.MODULUS)
    return changed


def recompute_heads(vault: Vault, record_ids: Iterable[str]) -> tuple[int, int, int]:
    """Set each record's head, conflict and deleted flags from its version graph.

    Returns (state elements added, state elements removed, records changed); the
    caller notes them for the signed state. Runs inside the caller's transaction.
    """
    conn = vault._conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS sync_touched (id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM temp.sync_touched")
    conn.executemany(
        "INSERT OR IGNORE INTO temp.sync_touched (id) VALUES (?)", ((r,) for r in record_ids)
    )
    heads: dict[str, list[VersionRow]] = {}
    for raw in conn.execute(
        # CROSS JOIN keeps the touched records as the outer loop (index on record_id).
        f"SELECT {_Q} FROM temp.sync_touched t CROSS JOIN versions v ON v.record_id = t.id "  # noqa: S608
        "WHERE NOT EXISTS (SELECT 1 FROM versions w WHERE w.record_id = v.record_id "
        "AND (w.parent_vid = v.vid OR w.merge_vid = v.vid))"
    ):
        row = VersionRow.from_row(tuple(raw))
        heads.setdefault(row.record_id, []).append(row)
    first = dict(
        conn.execute(
            "SELECT v.record_id, min(v.created) FROM temp.sync_touched t "
            "CROSS JOIN versions v ON v.record_id = t.id GROUP BY v.record_id"
        ).fetchall()
    )
    local = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT r.id, r.head_vid, r.scope_id, r.deleted, r.conflict FROM temp.sync_touched t "
            "CROSS JOIN records r ON r.id = t.id"
        )
    }
    seq = conn.execute("SELECT coalesce(max(seq), 0) FROM records").fetchone()[0]
    add = remove = changed = 0
    for record_id in sorted(set(local) - set(heads)):
        # Every version of it was refused: the record goes with them.
        old = local[record_id]
        remove += state.record_element(record_id, old[0], old[1], bool(old[2]))
        conn.execute("DELETE FROM records WHERE id = ?", (record_id,))
        changed += 1
    updates: list[tuple] = []
    inserts: list[tuple] = []
    for record_id in sorted(heads):
        candidates = heads[record_id]
        win = max(candidates, key=lambda r: (r.number, r.created, r.vid))
        conflict = int(len(candidates) > 1)
        old = local.get(record_id)
        if old is not None and (old[0], old[1], old[3] or 0) == (win.vid, win.scope_id, conflict):
            continue
        deleted = bool(old[2]) if old is not None and old[0] == win.vid else _deleted(vault, win)
        seq += 1
        changed += 1
        if old is not None:
            remove += state.record_element(record_id, old[0], old[1], bool(old[2]))
            updates.append(
                (
                    win.scope_id,
                    win.number,
                    win.vid,
                    win.created,
                    int(deleted),
                    conflict,
                    seq,
                    record_id,
                )
            )
        else:
            inserts.append(
                (
                    record_id,
                    win.scope_id,
                    win.number,
                    win.vid,
                    first[record_id],
                    win.created,
                    int(deleted),
                    conflict,
                    seq,
                )
            )
        add += state.record_element(record_id, win.vid, win.scope_id, deleted)
    # New change counters are all above every existing one: no clash on the unique index.
    if updates:
        conn.executemany(
            "UPDATE records SET scope_id = ?, head = ?, head_vid = ?, updated = ?, deleted = ?, "
            "conflict = ?, seq = ? WHERE id = ?",
            updates,
        )
    conn.executemany(
        "INSERT INTO records (id, scope_id, head, head_vid, created, updated, deleted, "
        "conflict, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        inserts,
    )
    return add, remove, changed


def _deleted(vault: Vault, row: VersionRow) -> bool:
    """Whether a version is a tombstone (False when it cannot be read here)."""
    try:
        key = vault._scope_key(row.scope_id, row.key_version)
        plain = aead.open_sealed(
            key,
            row.body,
            aad(vault.vault_id, row.scope_id, row.record_id, row.vid, row.number, row.key_version),
        )
        body = load(plain)
        return bool(body.get("del", False)) if isinstance(body, dict) else False
    except (errors.VaultError, CryptoError, ValueError):
        return False
