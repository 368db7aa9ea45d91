"""Pulling: fetch the packs this replica has not seen, check them, merge them in batches.

The shared scope is pulled first and on its own (it carries the memberships every
other check relies on), then every other scope folder on the target, merged
together in as few transactions as their size allows. New packs (and a
snapshot, when it saves work) are downloaded whole, their framing and body hash
checked, and decrypted with a key unwrapped from this member's grant, found in
the replica or in any fetched header (so a new member opens old packs with the
grant that arrived last). A batch goes in as one transaction; each pack's
integrity is checked against the merged memberships (:mod:`vault.sync.merge`)
and a pack that fails is recorded as rejected (or waiting, when a key or its
author's membership has not arrived) and the batch redone without it. Then who
may have written what is decided row by row (:mod:`vault.sync.policy`) and the
heads and signed state recomputed (:mod:`vault.sync.heads`). Packs this member
cannot read are only looked at by their header.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from crypto import keys
from crypto.errors import CryptoError
from vault.keyring import grant_context
from vault.sync import heads, ledger, merge, policy, rows, snapshot, targets
from vault.sync import pack as packs
from vault.sync.merge import Incoming
from vault.sync.report import Cancelled, Progress, SyncReport, check_cancel

if TYPE_CHECKING:
    from vault.vault import Vault

log = logging.getLogger(__name__)

MAX_PACK = 1024 * 1024 * 1024
MAX_BATCH_BYTES = 64 * 1024 * 1024


class _Redo(Exception):
    """Roll the batch back and try again without the packs that failed."""


def pull(
    vault: Vault,
    target: targets.Target,
    report: SyncReport | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> SyncReport:
    """Merge every pack on the target this replica has not applied yet."""
    report = report if report is not None else SyncReport(target=target.display)
    vid = vault.vault_id
    folders = [(vault.shared_scope_id, targets.shared_folder(vid))]
    for entry in sorted(target.list(f"{vid}/scopes"), key=lambda e: e.name):
        if entry.folder and targets.ID.match(entry.name):
            folders.append((entry.name, targets.scope_folder(vid, entry.name, "")))
    snapshotted = {
        e.name for e in target.list(f"{vid}/snapshots") if e.folder and targets.ID.match(e.name)
    }
    # The shared scope first and on its own: its memberships are what every other
    # pack is checked against. The other scopes go in together, in as few
    # transactions as their size allows (a vault has hundreds of clients).
    waiting: list[Incoming] = []
    for done, (scope_id, folder) in enumerate(folders, 1):
        check_cancel(cancelled)
        fetched = _pull_scope(
            vault, target, scope_id, folder, scope_id in snapshotted, report, cancelled
        )
        if done == 1:
            _apply_all(vault, fetched, report)
        else:
            waiting.extend(fetched)
            if sum(inc.size for inc in waiting) > MAX_BATCH_BYTES:
                _apply_all(vault, waiting, report)
                waiting = []
        if progress:
            progress(done, len(folders))
    _apply_all(vault, waiting, report)
    return report


def _pull_scope(
    vault: Vault,
    target: targets.Target,
    scope_id: str,
    folder: str,
    has_snapshots: bool,
    report: SyncReport,
    cancelled: Cancelled | None,
) -> list[Incoming]:
    """Fetch (and check the framing of) the packs of one scope that need applying."""
    conn = vault._conn
    listing = {
        f"{folder}/{e.name}": e
        for e in target.list(folder)
        if not e.folder and targets.PACK_NAME.match(e.name)
    }
    seen = ledger.known(conn, folder)
    todo = [path for path, entry in listing.items() if ledger.wanted(seen.get(path), entry)]
    chosen = None
    if has_snapshots:
        chosen = snapshot.choose(vault, target, scope_id, listing, report)
        if chosen is not None:
            todo = [p for p in todo if p not in chosen.parsed.header.covers]
    if not todo and chosen is None:
        return []
    readable = _holds_any(vault, scope_id)
    fetched: list[Incoming] = [chosen] if chosen is not None else []
    heads: dict[str, packs.Parsed] = {}
    for path in sorted(todo):
        check_cancel(cancelled)
        entry = listing[path]
        if (entry.size or 0) > MAX_PACK:
            _record(
                vault,
                path,
                "rejected",
                entry.size,
                None,
                "it is larger than 1 GiB",
                report,
                entry.tag,
            )
            continue
        state = seen.get(path, ("", None))[0]
        if state == "waiting" or not readable:
            head = _read_header(target, path)
            if head is not None:
                heads[path] = head
                continue
        incoming = _parse(vault, path, target.read(path), scope_id, report, entry.tag)
        if incoming is not None:
            fetched.append(incoming)
    # Packs read by their header only: open those a key can now be found for (in the
    # replica or in any header seen here, e.g. the grant that confirmed a new member).
    grants = [g for h in heads.values() for g in h.header.grants]
    grants += [g for inc in fetched for g in inc.parsed.header.grants]
    for path, head in sorted(heads.items(), key=lambda item: item[1].header.created):
        check_cancel(cancelled)
        if _unwrap(vault, head.header, grants) is None:
            with vault.transaction() as conn:
                ledger.mark(
                    conn,
                    path,
                    "waiting",
                    size=listing[path].size,
                    tag=listing[path].tag,
                    detail="you hold no key for it",
                )
                # Learn that the scope moved to a key this member was not given.
                merge.adopt_header(vault, head)
            report.waiting.append((path, "you hold no key for it"))
            continue
        incoming = _parse(vault, path, target.read(path), scope_id, report, listing[path].tag)
        if incoming is not None:
            fetched.append(incoming)
    return fetched


def _read_header(target: targets.Target, path: str) -> packs.Parsed | None:
    """A pack's header from its first bytes, or None when it cannot be parsed that way."""
    try:
        head = target.read_head(path, packs.HEAD_GUESS)
        need = packs.header_length(head)
        if len(head) < need:
            head = target.read_head(path, need)
        return packs.parse(head, head_only=True)
    except packs.PackRejected:
        return None  # the full read records why


def _holds_any(vault: Vault, scope_id: str) -> bool:
    return (
        vault._conn.execute(
            "SELECT 1 FROM scope_keys WHERE scope_id = ? AND member_id = ? LIMIT 1",
            (scope_id, vault._ring().member_id),
        ).fetchone()
        is not None
    )


def _parse(
    vault: Vault, path: str, data: bytes, scope_id: str, report: SyncReport, tag: str | None
) -> Incoming | None:
    sha = hashlib.sha256(data).hexdigest()
    name = path.rsplit("/", 1)[-1]
    try:
        parsed = packs.parse(data)
        header = parsed.header
        if header.vault_id != vault.vault_id:
            raise packs.PackRejected("it belongs to another vault")
        if header.kind != "pack" or header.scope_id != scope_id:
            raise packs.PackRejected("it was moved here from another scope's folder")
        if header.name != targets.pack_name(header.author, header.seq):
            raise packs.PackRejected("its header is malformed")
        if not parsed.body_intact():
            raise packs.PackRejected("it is truncated or altered (its body does not match)")
    except packs.PackRejected as exc:
        _record(vault, path, "rejected", len(data), sha, exc.reason, report, tag)
        return None
    if header.name != name:
        # Renamed (or copied) by the storage or a person: its signed content still
        # counts, and merging is idempotent, so it is applied all the same.
        report.warnings.append(f"{path} is pack {header.name} stored under another name")
    return Incoming(path, parsed, len(data), sha, tag)


def _record(
    vault: Vault,
    path: str,
    state: str,
    size: int | None,
    sha: str | None,
    reason: str,
    report: SyncReport,
    tag: str | None = None,
) -> None:
    with vault.transaction() as conn:
        ledger.mark(conn, path, state, size=size, tag=tag, sha256=sha, detail=reason)
    (report.rejected if state == "rejected" else report.waiting).append((path, reason))
    if state == "rejected":
        log.warning("sync refused a pack: %s", reason)


def _unwrap(vault: Vault, header: packs.Header, grants: list | tuple) -> bytes | None:
    """This member's key for the version a pack is sealed under (unverified: checked later)."""
    ring = vault._ring()
    me = ring.member_id
    wrapped = [
        r[0]
        for r in vault._conn.execute(
            "SELECT wrapped FROM scope_keys WHERE scope_id = ? AND key_version = ? "
            "AND member_id = ?",
            (header.scope_id, header.key_version, me),
        )
    ]
    for grant in grants:
        if (grant["scope_id"], grant["key_version"], grant["member_id"]) == (
            header.scope_id,
            header.key_version,
            me,
        ):
            try:
                wrapped.append(bytes.fromhex(grant["wrapped"]))
            except ValueError:
                continue
    context = grant_context(vault.vault_id, header.scope_id, header.key_version, me)
    for blob in wrapped:
        try:
            return keys.unwrap(ring.keys, bytes(blob), context)
        except CryptoError:
            continue
    return None


def _apply_all(vault: Vault, fetched: list[Incoming], report: SyncReport) -> None:
    """Decrypt what can be, then merge in batches of bounded size."""
    grants = [g for inc in fetched for g in inc.parsed.header.grants]
    ready: list[Incoming] = []
    for inc in fetched:
        key = _unwrap(vault, inc.parsed.header, grants)
        if key is None:
            reason = "you hold no key for it"
            _record(vault, inc.path, "waiting", inc.size, inc.sha256, reason, report, inc.tag)
            continue
        try:
            inc.plain = packs.open_body(inc.parsed, key)
        except packs.PackRejected as exc:
            _record(vault, inc.path, "rejected", inc.size, inc.sha256, exc.reason, report, inc.tag)
            continue
        ready.append(inc)
    ready.sort(key=lambda i: (not i.snapshot, i.parsed.header.created, i.path))
    batch: list[Incoming] = []
    weight = 0
    for inc in ready:
        if batch and weight + len(inc.plain) > MAX_BATCH_BYTES:
            _apply(vault, batch, report)
            batch, weight = [], 0
        batch.append(inc)
        weight += len(inc.plain)
    if batch:
        _apply(vault, batch, report)


def _apply(vault: Vault, batch: list[Incoming], report: SyncReport) -> None:
    """One transaction for the batch; redone without any pack that fails its checks."""
    conn = vault._conn
    pending = list(batch)
    while pending:
        failures: dict[str, tuple[str, str]] = {}
        rows.attach(conn, rows.IN)
        try:
            with vault.transaction():
                mark = conn.execute("SELECT coalesce(max(id), 0) FROM sync_outbox").fetchone()[0]
                added = []
                for inc in pending:
                    try:
                        added.append(merge.insert(vault, inc))
                    except packs.PackRejected as exc:
                        failures[inc.path] = ("rejected", exc.reason)
                if failures:
                    raise _Redo
                vault._forget_cache()
                for inc, one in zip(pending, added, strict=True):
                    try:
                        merge.verify(vault, inc, one)
                    except packs.PackRejected as exc:
                        failures[inc.path] = ("rejected", exc.reason)
                    except packs.PackWaiting as exc:
                        failures[inc.path] = ("waiting", exc.reason)
                if failures:
                    raise _Redo
                # Who may have written what, against the merged memberships (and again
                # for older rows of members whose membership just changed).
                decided = policy.Outcome()
                arrived = [v for one in added for v in one.versions]
                policy.check_versions(vault, arrived, decided)
                fresh = {i for one in added for i in one.audit}
                policy.check_audit(vault, sorted(fresh), decided, fresh=fresh)
                changed = merge.membership_changes(vault, added)
                if changed:
                    policy.recheck(vault, changed, decided, fresh=fresh, checked=set(arrived))
                report.changed += heads.finish(
                    vault, added, decided.records, decided.add, decided.remove
                )
                report.refused.extend(decided.refused)
                for inc, one in zip(pending, added, strict=True):
                    ledger.mark(
                        conn, inc.path, "applied", size=inc.size, tag=inc.tag, sha256=inc.sha256
                    )
                    for covered in inc.parsed.header.covers if inc.snapshot else ():
                        if ledger.state_of(conn, covered) not in ledger.DONE:
                            ledger.mark(conn, covered, "covered")
                    report.received += len(one.versions)
                    if one.forks:
                        report.warnings.append(
                            f"{inc.path}: {one.forks} audit entries clash with entries of the "
                            "same member made elsewhere (one member using two replicas?)"
                        )
                # Merged rows fired the outbox triggers: they are not this replica's to send.
                conn.execute("DELETE FROM sync_outbox WHERE id > ?", (mark,))
                policy.requeue_own(conn, decided, vault._ring().member_id)
        except _Redo:
            vault._ring()._scope_keys.clear()
            vault._forget_cache()
            for inc in pending:
                if inc.path in failures:
                    state, reason = failures[inc.path]
                    _record(vault, inc.path, state, inc.size, inc.sha256, reason, report, inc.tag)
            pending = [inc for inc in pending if inc.path not in failures]
            continue
        finally:
            rows.detach(conn, rows.IN)
        report.applied.extend(inc.path for inc in pending)
        vault._forget_cache()
        return
