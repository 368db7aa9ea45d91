"""Key rotation: a new key version for a scope, and re-encryption of everything in it.

Starting a rotation is one transaction: the scope gets key version k+1 with a
fresh key wrapped for every member who keeps access, and the leaver's grants
are deleted. Re-encryption then proceeds in small committed batches (versions,
attachment data keys, the scope's name), each item re-sealed under the new key
with its author's signature intact. A crash at any point leaves a vault that
opens and reads (old key versions stay readable by the remaining members until
the end); ``resume`` finishes the job and is idempotent.

Grants of older key versions stay with the members who keep access (the leaver's
are deleted): replicas receive packs and rows sealed under older versions long
after a rotation, and a member who gains a scope later is granted every version
so the scope's whole history opens. Key versions are ``generation << 32 | random``
so two admins rotating the same scope on two replicas never mint the same version
with different keys; the highest version is current.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from crypto import aead
from vault import attachments as att
from vault import audit, sealed
from vault.versions import VersionRow, reseal

if TYPE_CHECKING:
    from vault.vault import Vault

Progress = Callable[[int, int], None]
BATCH = 400
GENERATION = 32


def next_key_version(current: int) -> int:
    """A new key version above ``current``: next generation, random low bits."""
    return (((current >> GENERATION) + 1) << GENERATION) | secrets.randbits(GENERATION)


def start(vault: Vault, scope_ids: set[str], removed: set[str]) -> None:
    """Give each scope a new key version for its remaining key holders (one transaction).

    Runs inside the caller's transaction, after ``removed`` members' memberships
    were updated.
    """
    ring = vault._ring()
    conn = vault._conn
    for scope_id in sorted(scope_ids):
        old = conn.execute("SELECT key_version FROM scopes WHERE id = ?", (scope_id,)).fetchone()[0]
        holders = {
            r[0]
            for r in conn.execute(
                "SELECT member_id FROM scope_keys WHERE scope_id = ? AND key_version = ?",
                (scope_id, old),
            )
        } - removed
        new, key = next_key_version(old), aead.new_key()
        conn.execute("UPDATE scopes SET key_version = ? WHERE id = ?", (new, scope_id))
        ring.remember(scope_id, new, key)
        for member_id in sorted(holders):
            found = vault.directory().state(member_id)
            if found is None or not found.active or found.exchange_public is None:
                continue
            ring.grant(conn, scope_id, new, key, member_id, found.exchange_public)
    for member_id in removed:
        conn.execute("DELETE FROM scope_keys WHERE member_id = ?", (member_id,))
    vault._forget_cache()


def pending(vault: Vault) -> dict[str, int]:
    """Scopes with items still under an old key version, and how many."""
    rows = vault._conn.execute(
        "SELECT v.scope_id, count(*) FROM versions v JOIN scopes s ON s.id = v.scope_id "
        "WHERE v.key_version < s.key_version GROUP BY v.scope_id "
        "UNION ALL SELECT a.scope_id, count(*) FROM attachments a JOIN scopes s "
        "ON s.id = a.scope_id WHERE a.key_version < s.key_version GROUP BY a.scope_id "
        "UNION ALL SELECT u.scope_id, count(*) FROM audit u JOIN scopes s "
        "ON s.id = u.scope_id WHERE u.key_version < s.key_version GROUP BY u.scope_id "
        "UNION ALL SELECT id, 1 FROM scopes WHERE label_key_version < key_version"
    ).fetchall()
    out: dict[str, int] = {}
    for scope_id, count in rows:
        out[scope_id] = out.get(scope_id, 0) + count
    return out


def resume(
    vault: Vault, progress: Progress | None = None, scopes: Iterable[str] | None = None
) -> int:
    """Re-encrypt everything left under old key versions; return how many items moved.

    ``scopes`` limits the work to those scopes (sync passes the ones this member
    holds the current key of; a scope they lost stays as it was).
    """
    todo = pending(vault)
    if scopes is not None:
        wanted = set(scopes)
        todo = {scope: count for scope, count in todo.items() if scope in wanted}
    total = sum(todo.values())
    done = 0
    conn = vault._conn
    for scope_id in sorted(todo):
        current = conn.execute(
            "SELECT key_version FROM scopes WHERE id = ?", (scope_id,)
        ).fetchone()[0]
        new_key = vault._scope_key(scope_id, current)
        while True:
            rows = conn.execute(
                f"SELECT {VersionRow.COLUMNS} FROM versions "  # noqa: S608
                "WHERE scope_id = ? AND key_version < ? LIMIT ?",
                (scope_id, current, BATCH),
            ).fetchall()
            if not rows:
                break
            with vault.transaction():
                for raw in rows:
                    row = VersionRow.from_row(tuple(raw))
                    old_key = vault._scope_key(scope_id, row.key_version)
                    moved = reseal(vault.vault_id, row, old_key, new_key, current)
                    conn.execute(
                        "UPDATE versions SET key_version = ?, body = ? WHERE vid = ?",
                        (current, moved.body, row.vid),
                    )
            done += len(rows)
            if progress:
                progress(done, total)
        with vault.transaction():
            for row in conn.execute(
                "SELECT * FROM attachments WHERE scope_id = ? AND key_version < ?",
                (scope_id, current),
            ).fetchall():
                old_key = vault._scope_key(scope_id, row["key_version"])
                conn.execute(
                    "UPDATE attachments SET key_version = ?, file_key = ? WHERE id = ?",
                    (
                        current,
                        att.rewrap(vault.vault_id, row, old_key, new_key, current),
                        row["id"],
                    ),
                )
                done += 1
            for row in conn.execute(
                "SELECT id, key_version, body FROM audit WHERE scope_id = ? AND key_version < ?",
                (scope_id, current),
            ).fetchall():
                old_key = vault._scope_key(scope_id, row["key_version"])
                moved = sealed.reseal(
                    old_key,
                    audit.body_aad(vault.vault_id, row["id"], scope_id, row["key_version"]),
                    new_key,
                    audit.body_aad(vault.vault_id, row["id"], scope_id, current),
                    row["body"],
                )
                conn.execute(
                    "UPDATE audit SET key_version = ?, body = ? WHERE id = ?",
                    (current, moved, row["id"]),
                )
                done += 1
            label = conn.execute(
                "SELECT label, label_key_version FROM scopes WHERE id = ?", (scope_id,)
            ).fetchone()
            if label[0] is not None and label[1] < current:
                old_key = vault._scope_key(scope_id, label[1])
                conn.execute(
                    "UPDATE scopes SET label = ?, label_key_version = ? WHERE id = ?",
                    (
                        sealed.reseal(
                            old_key,
                            vault._label_aad(scope_id, label[1]),
                            new_key,
                            vault._label_aad(scope_id, current),
                            label[0],
                        ),
                        current,
                        scope_id,
                    ),
                )
                done += 1
        if progress:
            progress(done, total)
    vault._forget_cache()
    return done
