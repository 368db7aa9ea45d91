"""Snapshots: every row of a scope in one pack, so a new replica skips years of history.

``compact`` (owners and admins) writes ``snapshots/<scope>/<time>-<author>.snap``:
all versions, attachments, audit entries, grants and the name of the scope as
this replica holds them, sealed under the scope's current key and signed, with
the list of packs it covers (every pack of the scope this replica has applied or
written). With ``prune`` the covered packs and older snapshots are then deleted
from the target; replicas that had not applied them load the snapshot instead.

On pull, the newest snapshot is used when it covers packs this replica has not
applied and would otherwise fetch one by one (more than ``WORTH`` of them, or any
that are gone from the target); its rows go in like any pack's, with versions
verified when read rather than on arrival (a snapshot of 100,000 records would
otherwise spend longer checking than loading).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from vault import errors, team
from vault.sync import ledger, rows, targets
from vault.sync import pack as packs
from vault.sync.merge import Incoming
from vault.sync.report import SyncReport

if TYPE_CHECKING:
    from vault.vault import Vault

WORTH = 20


def choose(
    vault: Vault,
    target: targets.Target,
    scope_id: str,
    listing: dict[str, targets.Entry],
    report: SyncReport,
) -> Incoming | None:
    """The newest snapshot of a scope when it saves fetching packs one by one, else None."""
    conn = vault._conn
    folder = targets.snapshot_folder(vault.vault_id, scope_id)
    entries = {e.name: e for e in target.list(folder) if targets.SNAPSHOT_NAME.match(e.name)}
    names = sorted(entries)
    if not names:
        return None
    path = f"{folder}/{names[-1]}"
    if not ledger.wanted(ledger.known(conn, folder).get(path), entries[names[-1]]):
        return None
    try:
        head = target.read_head(path, packs.HEAD_GUESS)
        need = packs.header_length(head)
        if len(head) < need:
            head = target.read_head(path, need)
        header = packs.parse(head, head_only=True).header
    except packs.PackRejected as exc:
        latest = entries[names[-1]]
        _reject(vault, path, latest.size, None, exc.reason, report, latest.tag)
        return None
    missing = [p for p in header.covers if ledger.state_of(conn, p) not in ledger.DONE]
    if not missing:
        with vault.transaction():
            ledger.mark(conn, path, "covered", detail="every pack it covers is applied")
        return None
    gone = [p for p in missing if p not in listing]
    if not gone and len(missing) <= WORTH:
        return None
    data = target.read(path)
    sha = hashlib.sha256(data).hexdigest()
    try:
        parsed = packs.parse(data)
        found = targets.SNAPSHOT_NAME.match(names[-1])
        h = parsed.header
        if h.vault_id != vault.vault_id or h.kind != "snapshot" or h.scope_id != scope_id:
            raise packs.PackRejected("it was moved from where its author put it")
        if h.name != names[-1] or found is None or found.group(2) != h.author:
            raise packs.PackRejected("its name does not match its signed header")
        if not parsed.body_intact():
            raise packs.PackRejected("it is truncated or altered (its body does not match)")
    except packs.PackRejected as exc:
        _reject(vault, path, len(data), sha, exc.reason, report, entries[names[-1]].tag)
        return None
    return Incoming(path, parsed, len(data), sha, entries[names[-1]].tag)


def _reject(
    vault: Vault,
    path: str,
    size: int | None,
    sha: str | None,
    reason: str,
    report: SyncReport,
    tag: str | None,
) -> None:
    with vault.transaction() as conn:
        ledger.mark(conn, path, "rejected", size=size, tag=tag, sha256=sha, detail=reason)
    report.rejected.append((path, reason))


def compact(
    vault: Vault,
    target: targets.Target,
    scope_ids: list[str] | None = None,
    *,
    prune: bool = False,
) -> list[str]:
    """Write a snapshot of each scope (default: every scope you can read); return their paths.

    Sync first, so the snapshot covers everything on the target. With ``prune``,
    delete the packs each snapshot covers and older snapshots from the target.
    """
    me = vault.member_state()
    if me.role not in team.MANAGERS or not me.active:
        raise errors.AccessDeniedError("compact sync history (only an owner or admin can)")
    readable = vault.readable_scopes()
    wanted = sorted(readable) if scope_ids is None else list(scope_ids)
    for scope_id in wanted:
        if scope_id not in readable:
            raise errors.AccessDeniedError(f"scope {scope_id}")
    written: list[tuple[str, int, str]] = []
    try:
        for scope_id in wanted:
            made = _compact_one(vault, target, scope_id, prune)
            if made:
                written.append(made)
    finally:
        # One transaction for the bookkeeping of every snapshot written.
        with vault.transaction() as conn:
            for path, size, sha in written:
                ledger.mark(conn, path, "pushed", size=size, sha256=sha)
    return [path for path, _size, _sha in written]


def _compact_one(
    vault: Vault, target: targets.Target, scope_id: str, prune: bool
) -> tuple[str, int, str] | None:
    conn = vault._conn
    ring = vault._ring()
    vid = vault.vault_id
    folder = targets.scope_folder(vid, scope_id, vault.shared_scope_id)
    covers = {
        path: sha or ""
        for path, state, sha in conn.execute(
            "SELECT path, state, sha256 FROM sync_packs WHERE substr(path, 1, ?) = ?",
            (len(folder) + 1, folder + "/"),
        )
        if state in ledger.DONE and targets.PACK_NAME.match(path[len(folder) + 1 :])
    }
    if not covers:
        return None
    key_version, key = vault._current_key(scope_id)
    plain, _counts = rows.extract(conn, scope_id, selection=None, label=True)
    grants = [
        packs.grant_json(tuple(r))
        for r in conn.execute(
            "SELECT scope_id, key_version, member_id, wrapped, granted_by, created, signature "
            "FROM scope_keys WHERE scope_id = ? ORDER BY key_version, member_id",
            (scope_id,),
        )
    ]
    row = conn.execute(
        "SELECT id, kind, parent, key_version, created FROM scopes WHERE id = ?", (scope_id,)
    ).fetchone()
    moment = datetime.now(UTC)
    name = f"{moment.strftime('%Y%m%dT%H%M%S%f')}Z-{ring.member_id}.snap"
    data = packs.seal(
        kind="snapshot",
        vault_id=vid,
        scope_id=scope_id,
        author=ring.member_id,
        seq=0,
        name=name,
        created=moment.isoformat(timespec="microseconds"),
        key_version=key_version,
        scope_key=key,
        scope=dict(zip(("id", "kind", "parent", "key_version", "created"), row, strict=True)),
        grants=grants,
        covers=covers,
        plain=plain,
        signer=ring.keys,
    )
    snap_folder = targets.snapshot_folder(vid, scope_id)
    path = f"{snap_folder}/{name}"
    if not target.create(path, data):
        raise errors.SyncTargetError(target.display, f"{path} already exists")
    if prune:
        for entry in target.list(folder):
            if f"{folder}/{entry.name}" in covers:
                target.delete(f"{folder}/{entry.name}")
        for entry in target.list(snap_folder):
            if targets.SNAPSHOT_NAME.match(entry.name) and entry.name < name:
                target.delete(f"{snap_folder}/{entry.name}")
    return path, len(data), hashlib.sha256(data).hexdigest()
