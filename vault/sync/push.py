"""Pushing: this member's new rows, one pack per scope, written once and never overwritten.

The outbox (filled by triggers, see ``vault.schema``) lists rows written on this
replica that have not been sent. A push takes the unlocked member's entries in
order, resolves each to its row's *current* scope (a restriction may have moved
it), and writes packs of at most ``BATCH`` rows per scope, sealed under the
newest key of the scope this member holds. A pack is named by the author and
the next free number; if the name is taken (the same member on another replica,
or this replica before a crash) the next number is tried. Outbox entries are
deleted only after the pack is safely on the target, so an interrupted push
resumes with the packs not yet written and a repeated one is merely redundant.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vault import errors
from vault.codec import now
from vault.sync import ledger, rows, targets
from vault.sync import pack as packs
from vault.sync.report import Cancelled, Progress, SyncReport, check_cancel

if TYPE_CHECKING:
    import sqlite3

    from vault.vault import Vault

BATCH = 5000
MAX_PACK_BYTES = 64 * 1024 * 1024
SEQ_TRIES = 1000


@dataclass
class _Group:
    """Outbox entries bound for one scope."""

    ids: list[int] = field(default_factory=list)
    items: list[tuple[int, str, str, int]] = field(default_factory=list)  # (id, kind, key, size)


def push(
    vault: Vault,
    target: targets.Target,
    report: SyncReport | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> SyncReport:
    """Send every unsent row the unlocked member wrote; return the report."""
    report = report if report is not None else SyncReport(target=target.display)
    conn = vault._conn
    me = vault._ring().member_id
    cursor = 0
    listings: dict[str, list[targets.Entry]] = {}
    while True:
        check_cancel(cancelled)
        entries = conn.execute(
            "SELECT id, kind, key, author FROM sync_outbox WHERE id > ? "
            "AND (author = ? OR author IS NULL) ORDER BY id LIMIT ?",
            (cursor, me, BATCH),
        ).fetchall()
        if not entries:
            break
        cursor = entries[-1][0]
        groups, done = _resolve(conn, entries, me)
        if done:
            with vault.transaction():
                _forget(conn, done)
        for scope_id in sorted(groups):
            key = _sealing_key(vault, scope_id)
            if key is None:
                report.unsendable += len(groups[scope_id].ids)
                continue
            for part in _split(groups[scope_id]):
                check_cancel(cancelled)
                _send(vault, target, scope_id, key, part, listings, report)
                if progress:
                    progress(len(report.pushed), 0)
    if report.unsendable:
        report.warnings.append(
            f"{report.unsendable} change(s) are in scopes you no longer hold a key for and "
            "cannot be sent"
        )
    return report


def _resolve(
    conn: sqlite3.Connection, entries: list, me: str
) -> tuple[dict[str, _Group], list[int]]:
    """Group outbox entries by their row's current scope; entries with nothing to send."""
    by_kind: dict[str, list[tuple[int, str, str | None]]] = defaultdict(list)
    for entry_id, kind, key, author in entries:
        by_kind[kind].append((entry_id, key, author))
    found: dict[tuple[str, str], tuple[str, str, int]] = {}  # (kind, key) -> (scope, author, size)
    queries = {
        "version": "SELECT vid, scope_id, author, 0 FROM versions WHERE vid IN ({})",
        "attachment": "SELECT id, scope_id, author, size FROM attachments WHERE id IN ({})",
        "audit": "SELECT id, scope_id, member_id, 0 FROM audit WHERE id IN ({})",
        "label": "SELECT id, id, label_author, 0 FROM scopes WHERE id IN ({})",
    }
    for kind, sql in queries.items():
        keys = sorted({key for _, key, _ in by_kind.get(kind, [])})
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for key, scope_id, author, size in conn.execute(
                sql.format(",".join("?" * len(chunk))), chunk
            ):
                found[(kind, key)] = (scope_id, author, size or 0)
    for _, key, _ in by_kind.get("grant", []):
        try:
            scope_id, version, member_id = key.split(" ")
        except ValueError:
            continue
        row = conn.execute(
            "SELECT granted_by FROM scope_keys WHERE scope_id = ? AND key_version = ? "
            "AND member_id = ?",
            (scope_id, int(version), member_id),
        ).fetchone()
        if row is not None:
            found[("grant", key)] = (scope_id, row[0], 0)
    groups: dict[str, _Group] = defaultdict(_Group)
    done: list[int] = []
    for kind, items in by_kind.items():
        for entry_id, key, queued_by in items:
            hit = found.get((kind, key))
            moved = queued_by is None and kind in ("version", "attachment")
            if hit is None or (hit[1] != me and not moved):
                done.append(entry_id)  # gone, or no longer this member's to send
                continue
            group = groups[hit[0]]
            group.ids.append(entry_id)
            group.items.append((entry_id, kind, key, hit[2]))
    return dict(groups), done


def _split(group: _Group) -> list[_Group]:
    """Packs of at most BATCH rows and about MAX_PACK_BYTES of attachments."""
    parts: list[_Group] = []
    current = _Group()
    weight = 0
    for item in sorted(group.items):
        size = item[3]
        if current.items and (len(current.items) >= BATCH or weight + size > MAX_PACK_BYTES):
            parts.append(current)
            current, weight = _Group(), 0
        current.ids.append(item[0])
        current.items.append(item)
        weight += size
    if current.items:
        parts.append(current)
    return parts


def _sealing_key(vault: Vault, scope_id: str) -> tuple[int, bytes] | None:
    """The scope's current key, else the newest version this member holds, else None."""
    conn = vault._conn
    me = vault._ring().member_id
    current = conn.execute("SELECT key_version FROM scopes WHERE id = ?", (scope_id,)).fetchone()
    if current is None:
        return None
    held = [
        r[0]
        for r in conn.execute(
            "SELECT key_version FROM scope_keys WHERE scope_id = ? AND member_id = ? "
            "ORDER BY key_version DESC",
            (scope_id, me),
        )
    ]
    for version in [current[0], *(v for v in held if v != current[0])]:
        try:
            return version, vault._scope_key(scope_id, version)
        except (errors.AccessDeniedError, errors.DamagedHeaderError):
            continue
    return None


def _send(
    vault: Vault,
    target: targets.Target,
    scope_id: str,
    key: tuple[int, bytes],
    part: _Group,
    listings: dict[str, list[targets.Entry]],
    report: SyncReport,
) -> None:
    conn = vault._conn
    ring = vault._ring()
    me = ring.member_id
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS sync_sel (kind TEXT, key TEXT, PRIMARY KEY (kind, key))"
    )
    conn.execute("DELETE FROM temp.sync_sel")
    conn.executemany(
        "INSERT OR IGNORE INTO temp.sync_sel (kind, key) VALUES (?, ?)",
        [(kind, k) for _, kind, k, _ in part.items if kind in ("version", "attachment", "audit")],
    )
    label = any(kind == "label" for _, kind, _, _ in part.items)
    plain, counts = rows.extract(conn, scope_id, selection="sync_sel", label=label)
    grants = []
    for _, kind, k, _ in part.items:
        if kind != "grant":
            continue
        grant_scope, version, member_id = k.split(" ")
        row = conn.execute(
            "SELECT scope_id, key_version, member_id, wrapped, granted_by, created, signature "
            "FROM scope_keys WHERE scope_id = ? AND key_version = ? AND member_id = ?",
            (grant_scope, int(version), member_id),
        ).fetchone()
        if row is not None:
            grants.append(packs.grant_json(tuple(row)))
    scope_row = conn.execute(
        "SELECT id, kind, parent, key_version, created FROM scopes WHERE id = ?", (scope_id,)
    ).fetchone()
    scope = dict(zip(("id", "kind", "parent", "key_version", "created"), scope_row, strict=True))
    folder = targets.scope_folder(vault.vault_id, scope_id, vault.shared_scope_id)
    if folder not in listings:
        listings[folder] = target.list(folder)
        _clean_temps(target, folder, listings[folder], me)
    listed = [
        int(m.group(2))
        for e in listings[folder]
        if (m := targets.PACK_NAME.match(e.name)) and m.group(1) == me
    ]
    seq = max([ledger.last_seq(conn, scope_id, me), *listed]) + 1
    created = now()
    for _ in range(SEQ_TRIES):
        name = targets.pack_name(me, seq)
        data = packs.seal(
            kind="pack",
            vault_id=vault.vault_id,
            scope_id=scope_id,
            author=me,
            seq=seq,
            name=name,
            created=created,
            key_version=key[0],
            scope_key=key[1],
            scope=scope,
            grants=grants,
            covers=None,
            plain=plain,
            signer=ring.keys,
        )
        path = f"{folder}/{name}"
        if target.create(path, data):
            break
        seq += 1
    else:
        raise errors.SyncTargetError(target.display, f"no free pack name in {folder}")
    listings[folder].append(targets.Entry(name, len(data), False))
    with vault.transaction():
        ledger.set_seq(conn, scope_id, me, seq)
        ledger.mark(conn, path, "pushed", size=len(data), sha256=hashlib.sha256(data).hexdigest())
        _forget(conn, part.ids)
    report.pushed.append(path)
    report.sent += sum(counts.values()) - counts["attachment_chunks"] + len(grants)


def _clean_temps(
    target: targets.Target, folder: str, entries: list[targets.Entry], me: str
) -> None:
    """Remove this member's temp files left by an interrupted upload."""
    for entry in entries:
        found = targets.TEMP_NAME.match(entry.name)
        if found and found.group(1).startswith(f"{me}-"):
            target.delete(f"{folder}/{entry.name}")


def _forget(conn: sqlite3.Connection, ids: list[int]) -> None:
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        conn.execute(
            f"DELETE FROM sync_outbox WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608
            chunk,
        )
