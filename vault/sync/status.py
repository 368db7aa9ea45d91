"""What the window and ``sitebook sync status`` show, and the sync target each member saved.

The target (folder or URL, user name and WebDAV password) is a *sealed local
setting*: AES-256-GCM under a key derived from the member's own private keys, so
it is readable only by that member on this replica, never stored in clear and
never sent anywhere. The last outcome (times, counts, the last error message,
which never contains a field value or password) is kept per member in plain
local rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crypto import aead, keys
from crypto.errors import CryptoError
from vault import errors
from vault.codec import ctx, dump, load, now
from vault.sync.report import SyncReport
from vault.sync.targets import TargetSpec

if TYPE_CHECKING:
    from vault.vault import Vault


@dataclass(frozen=True)
class SyncStatus:
    """Everything a person needs to know about this replica's sync."""

    target: str | None  # where it syncs (no password), None when never set up
    last_attempt: str | None
    last_success: str | None
    last_error: str | None  # the message of the last failure, None after a success
    pending_changes: int  # rows written here and not yet sent
    waiting: int  # packs on the target that cannot be applied yet (no key, no author)
    rejected: list[dict[str, str]] = field(default_factory=list)  # {path, reason, at}
    refused: list[dict[str, str]] = field(default_factory=list)  # {kind, id, author, reason}
    conflicts: int = 0  # records with concurrent versions awaiting a person
    last_report: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``sync status --json``."""
        return {
            "target": self.target,
            "last_attempt": self.last_attempt,
            "last_success": self.last_success,
            "last_error": self.last_error,
            "pending_changes": self.pending_changes,
            "waiting": self.waiting,
            "rejected": self.rejected,
            "refused": self.refused,
            "conflicts": self.conflicts,
        }


def _settings_key(vault: Vault) -> tuple[bytes, bytes]:
    ring = vault._ring()
    context = ctx("sync-settings", vault.vault_id, ring.member_id)
    return keys.derive_subkey(ring.keys.to_bytes(), context), context


def save_target(vault: Vault, spec: TargetSpec) -> None:
    """Remember where this member syncs (sealed; the password never in clear)."""
    key, context = _settings_key(vault)
    blob = aead.seal(
        key,
        dump({"location": spec.location, "user": spec.user, "password": spec.password}),
        context,
    )
    with vault.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO sync_settings (member_id, sealed) VALUES (?, ?)",
            (vault._ring().member_id, blob),
        )


def load_target(vault: Vault) -> TargetSpec | None:
    """The saved target of the unlocked member, or None."""
    row = vault._conn.execute(
        "SELECT sealed FROM sync_settings WHERE member_id = ?", (vault._ring().member_id,)
    ).fetchone()
    if row is None:
        return None
    key, context = _settings_key(vault)
    try:
        data = load(aead.open_sealed(key, bytes(row[0]), context))
        return TargetSpec(data["location"], data.get("user"), data.get("password"))
    except (CryptoError, ValueError, KeyError, TypeError):
        raise errors.SyncError(
            "The saved sync target is damaged; set it again with 'sitebook sync --target'."
        ) from None


def retarget(vault: Vault) -> int:
    """After switching to another target: forget what the old one held, queue own rows again.

    Returns how many of the unlocked member's rows are queued. Rows other members
    wrote reach the new target when they sync, or at once through an owner's or
    admin's ``compact``.
    """
    me = vault._ring().member_id
    with vault.transaction() as conn:
        conn.execute("DELETE FROM sync_packs")
        conn.execute("DELETE FROM sync_seq")
        conn.execute("DELETE FROM sync_outbox WHERE author = ?", (me,))
        conn.execute(
            "INSERT INTO sync_outbox (kind, key, author) "
            "SELECT 'version', vid, author FROM versions WHERE author = ?1 "
            "UNION ALL SELECT 'attachment', id, author FROM attachments WHERE author = ?1 "
            "UNION ALL SELECT 'audit', id, member_id FROM audit WHERE member_id = ?1 "
            "UNION ALL SELECT 'grant', scope_id || ' ' || key_version || ' ' || member_id, "
            "granted_by FROM scope_keys WHERE granted_by = ?1 "
            "UNION ALL SELECT 'label', id, label_author FROM scopes WHERE label_author = ?1",
            (me,),
        )
        return conn.execute("SELECT count(*) FROM sync_outbox WHERE author = ?", (me,)).fetchone()[
            0
        ]


def forget_target(vault: Vault) -> None:
    """Remove the saved target of the unlocked member."""
    with vault.transaction() as conn:
        conn.execute("DELETE FROM sync_settings WHERE member_id = ?", (vault._ring().member_id,))


def _read(vault: Vault) -> dict[str, Any]:
    row = vault._conn.execute(
        "SELECT body FROM sync_status WHERE member_id = ?", (vault._ring().member_id,)
    ).fetchone()
    try:
        return dict(json.loads(row[0])) if row else {}
    except (ValueError, TypeError):
        return {}


def record(vault: Vault, report: SyncReport | None, error: BaseException | None) -> None:
    """Remember the outcome of a sync for ``status`` (best effort: never raises)."""
    body = _read(vault)
    stamp = now()
    body["last_attempt"] = stamp
    if error is None:
        body["last_success"] = stamp
        body["last_error"] = None
    else:
        body["last_error"] = str(error)
    if report is not None:
        body["last_report"] = report.to_json()
    try:
        with vault.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO sync_status (member_id, body) VALUES (?, ?)",
                (vault._ring().member_id, json.dumps(body)),
            )
    except errors.VaultError:
        pass


def read_status(vault: Vault) -> SyncStatus:
    """The sync status of the unlocked member on this replica."""
    conn = vault._conn
    me = vault._ring().member_id
    body = _read(vault)
    try:
        spec = load_target(vault)
    except errors.SyncError:
        spec = None
    # Rows by this member or by nobody: all rows less those by others. Counting a table is
    # a page walk and others' rows are few here, where counting ours walked 100,000 index
    # entries (12 ms of a window's status read at 100k records).
    pending = conn.execute(
        "SELECT (SELECT count(*) FROM sync_outbox)"
        " - (SELECT count(*) FROM sync_outbox WHERE author < ?1)"
        " - (SELECT count(*) FROM sync_outbox WHERE author > ?1)",
        (me,),
    ).fetchone()[0]
    waiting = conn.execute("SELECT count(*) FROM sync_packs WHERE state = 'waiting'").fetchone()[0]
    rejected = [
        {"path": path, "reason": detail or "", "at": at}
        for path, detail, at in conn.execute(
            "SELECT path, detail, at FROM sync_packs WHERE state = 'rejected' ORDER BY at"
        )
    ]
    refused = [
        {"kind": kind, "id": key, "author": author, "reason": reason}
        for kind, key, author, reason in conn.execute(
            "SELECT kind, key, author, reason FROM sync_quarantine ORDER BY created"
        )
    ]
    readable = vault.readable_scopes()
    conflicts = sum(
        1
        for (scope_id,) in conn.execute("SELECT scope_id FROM records WHERE conflict = 1")
        if scope_id in readable
    )
    return SyncStatus(
        target=spec.display if spec else None,
        last_attempt=body.get("last_attempt"),
        last_success=body.get("last_success"),
        last_error=body.get("last_error"),
        pending_changes=pending,
        waiting=waiting,
        rejected=rejected,
        refused=refused,
        conflicts=conflicts,
        last_report=body.get("last_report") or {},
    )
