"""Merging packs into a replica: rows in by their natural keys, then checked.

Rows go in with INSERT-if-absent on their natural keys (versions by vid,
attachments by id, audit entries by member and member sequence, grants by scope,
key version and member), inside the caller's transaction, so a pack applies
completely or not at all and applying it twice changes nothing. Then every new
row is checked against the *merged* memberships (which is how a new replica
bootstraps trust from the vault id alone): the pack's signature by its author
and the signatures of the grants, audit entries, attachments and scope name in
it; record versions are verified whenever they are read, as always. The caller
rolls the batch back when a check fails; who was *allowed* to write which row is
decided per row by :mod:`vault.sync.policy`; heads and the signed state are
then recomputed by :mod:`vault.sync.heads`.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crypto import keys
from crypto.errors import CryptoError
from vault import attachments as att
from vault import audit, errors, state, team
from vault.codec import as_bytes, ctx
from vault.keyring import grant_message
from vault.sync import rows
from vault.sync.pack import PackRejected, PackWaiting, Parsed, grant_row, verify_signature
from vault.versions import VersionRow

if TYPE_CHECKING:
    from vault.vault import Vault

_Q = ", ".join("v." + c.strip() for c in VersionRow.COLUMNS.split(","))
IN = rows.IN


@dataclass
class Incoming:
    """A downloaded pack on its way in."""

    path: str
    parsed: Parsed
    size: int
    sha256: str
    tag: str | None = None
    plain: bytes = b""

    @property
    def snapshot(self) -> bool:
        """True for a snapshot (rows of every author)."""
        return self.parsed.header.kind == "snapshot"


@dataclass
class Added:
    """What one pack added to the replica (for its checks and the heads)."""

    versions: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    moved_attachments: list[str] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)
    forks: int = 0
    label: bool = False
    records: set[str] = field(default_factory=set)


# ---------------------------------------------------------------------- inserting


def insert(vault: Vault, inc: Incoming) -> Added:
    """Put one decrypted pack's rows into the replica (inside the caller's transaction)."""
    conn = vault._conn
    header = inc.parsed.header
    rows.load(conn, inc.plain)
    _check_scope_ids(conn, header.scope_id)
    _merge_scope(vault, header.scope, header.scope_id)
    for grant in header.grants:
        _merge_grant(conn, grant, header.scope_id)
    _raise_key_version(conn, header.scope_id, max(header.scope["key_version"], header.key_version))
    added = Added()
    try:
        _insert_versions(conn, header.scope, added)
        _insert_attachments(conn, header.scope, added)
        _insert_audit(conn, added)
        added.label = _merge_label(conn, header.scope_id)
    except sqlite3.IntegrityError:
        raise PackRejected("its rows are malformed") from None
    return added


def _check_scope_ids(conn: sqlite3.Connection, scope_id: str) -> None:
    stray = conn.execute(
        f"SELECT (SELECT count(*) FROM {IN}.versions WHERE scope_id IS NOT ?) "  # noqa: S608
        f"+ (SELECT count(*) FROM {IN}.attachments WHERE scope_id IS NOT ?) "
        f"+ (SELECT count(*) FROM {IN}.audit WHERE scope_id IS NOT ?) "
        f"+ (SELECT count(*) FROM {IN}.attachment_chunks WHERE attachment_id NOT IN "
        f"(SELECT id FROM {IN}.attachments))",
        (scope_id, scope_id, scope_id),
    ).fetchone()[0]
    if stray:
        raise PackRejected("it carries rows of another scope")


def _merge_scope(vault: Vault, scope: dict, scope_id: str) -> None:
    if scope["id"] != scope_id:
        raise PackRejected("its scope does not match its folder")
    kind, parent = scope["kind"], scope["parent"]
    expected = {vault.shared_scope_id: "shared", vault.internal_scope_id: "internal"}.get(scope_id)
    if expected is not None:
        valid = kind == expected and parent is None
    elif kind == "restricted":
        valid = isinstance(parent, str) and parent != scope_id
    else:
        valid = kind == "client" and parent is None
    if not valid:
        raise PackRejected("its scope is not a valid scope of this vault")
    conn = vault._conn
    local = conn.execute("SELECT kind, parent FROM scopes WHERE id = ?", (scope_id,)).fetchone()
    if local is None:
        vault._state_change(add=state.scope_element(scope_id, kind, parent, scope["created"]))
        conn.execute(
            "INSERT INTO scopes (id, kind, parent, key_version, created) VALUES (?, ?, ?, ?, ?)",
            (scope_id, kind, parent, scope["key_version"], scope["created"]),
        )
    elif (local[0], local[1]) != (kind, parent):
        raise PackRejected("its scope does not match this vault's scope of that id")


def _merge_grant(conn: sqlite3.Connection, grant: dict, scope_id: str) -> None:
    try:
        row = grant_row(grant)
    except ValueError:
        raise PackRejected("a key grant in it is malformed") from None
    if row[0] != scope_id:
        raise PackRejected("it carries a key grant of another scope")
    local = conn.execute(
        "SELECT wrapped, granted_by, created FROM scope_keys "
        "WHERE scope_id = ? AND key_version = ? AND member_id = ?",
        row[:3],
    ).fetchone()
    if local is not None:
        same = as_bytes(local[0]) == row[3]
        # Two managers granting the same key version: the earliest grant wins everywhere.
        if same or (row[5], row[4]) >= (local[2], local[1]):
            return
    conn.execute("INSERT OR REPLACE INTO scope_keys VALUES (?, ?, ?, ?, ?, ?, ?)", row)


def _raise_key_version(conn: sqlite3.Connection, scope_id: str, version: int) -> None:
    """Adopt a newer key version, but only one somebody holds a grant for."""
    conn.execute(
        "UPDATE scopes SET key_version = ? WHERE id = ? AND key_version < ? AND EXISTS "
        "(SELECT 1 FROM scope_keys WHERE scope_id = ? AND key_version = ?)",
        (version, scope_id, version, scope_id, version),
    )


def _moves_into(scope: dict, local_scope: str) -> bool:
    """True when a row may move from ``local_scope`` into ``scope`` (a restriction)."""
    return scope["kind"] == "restricted" and scope["parent"] == local_scope


def _insert_versions(conn: sqlite3.Connection, scope: dict, added: Added) -> None:
    columns = rows.cols("versions")
    absent = f"NOT EXISTS (SELECT 1 FROM main.versions m WHERE m.vid = p.vid)"  # noqa: F541
    found = conn.execute(
        f"SELECT p.vid, p.record_id FROM {IN}.versions p WHERE {absent}"  # noqa: S608
    ).fetchall()
    added.versions = [r[0] for r in found]
    added.records.update(r[1] for r in found)
    conn.execute(
        f"INSERT INTO main.versions ({columns}) SELECT {rows.cols('versions', 'p')} "  # noqa: S608
        f"FROM {IN}.versions p WHERE {absent}"
    )
    for vid, record_id, local_scope in conn.execute(
        f"SELECT p.vid, p.record_id, m.scope_id FROM {IN}.versions p JOIN main.versions m "  # noqa: S608
        "ON m.vid = p.vid WHERE m.scope_id IS NOT p.scope_id"
    ).fetchall():
        if not _moves_into(scope, local_scope):
            continue  # a stale copy of a version this replica already moved on
        conn.execute(
            "UPDATE main.versions SET (scope_id, key_version, body) = "  # noqa: S608
            f"(SELECT scope_id, key_version, body FROM {IN}.versions WHERE vid = ?) "
            "WHERE vid = ?",
            (vid, vid),
        )
        added.moved.append(vid)
        added.records.add(record_id)


def _insert_attachments(conn: sqlite3.Connection, scope: dict, added: Added) -> None:
    columns = rows.cols("attachments")
    absent = "NOT EXISTS (SELECT 1 FROM main.attachments m WHERE m.id = p.id)"
    added.attachments = [
        r[0]
        for r in conn.execute(f"SELECT p.id FROM {IN}.attachments p WHERE {absent}")  # noqa: S608
    ]
    conn.execute(
        f"INSERT INTO main.attachments ({columns}) SELECT {rows.cols('attachments', 'p')} "  # noqa: S608
        f"FROM {IN}.attachments p WHERE {absent}"
    )
    conn.execute(
        "INSERT OR IGNORE INTO main.attachment_chunks (attachment_id, idx, data) "  # noqa: S608
        f"SELECT attachment_id, idx, data FROM {IN}.attachment_chunks"
    )
    for att_id, local_scope in conn.execute(
        f"SELECT p.id, m.scope_id FROM {IN}.attachments p JOIN main.attachments m "  # noqa: S608
        "ON m.id = p.id WHERE m.scope_id IS NOT p.scope_id"
    ).fetchall():
        if not _moves_into(scope, local_scope):
            continue
        conn.execute(
            "UPDATE main.attachments SET (scope_id, key_version, file_key) = "  # noqa: S608
            f"(SELECT scope_id, key_version, file_key FROM {IN}.attachments WHERE id = ?) "
            "WHERE id = ?",
            (att_id, att_id),
        )
        added.moved_attachments.append(att_id)


def _insert_audit(conn: sqlite3.Connection, added: Added) -> None:
    absent = (
        "NOT EXISTS (SELECT 1 FROM main.audit m "
        "WHERE m.member_id = p.member_id AND m.member_seq = p.member_seq)"
    )
    added.audit = [
        r[0]
        for r in conn.execute(f"SELECT p.id FROM {IN}.audit p WHERE {absent}")  # noqa: S608
    ]
    added.forks = conn.execute(
        f"SELECT count(*) FROM {IN}.audit p JOIN main.audit m "  # noqa: S608
        "ON m.member_id = p.member_id AND m.member_seq = p.member_seq WHERE m.id IS NOT p.id"
    ).fetchone()[0]
    base = conn.execute("SELECT coalesce(max(seq), 0) FROM main.audit").fetchone()[0]
    conn.execute(
        f"INSERT INTO main.audit (seq, {rows.cols('audit')}) "  # noqa: S608
        "SELECT ? + row_number() OVER (ORDER BY p.created, p.member_id, p.member_seq), "
        f"{rows.cols('audit', 'p')} FROM {IN}.audit p WHERE {absent}",
        (base,),
    )


def _merge_label(conn: sqlite3.Connection, scope_id: str) -> bool:
    found = conn.execute(f"SELECT {rows.cols('label')} FROM {IN}.label").fetchone()  # noqa: S608
    if found is None:
        return False
    local = conn.execute(
        "SELECT label_created, label_author FROM scopes WHERE id = ?", (scope_id,)
    ).fetchone()
    # The latest rename wins everywhere (ties broken by author id).
    if local[0] is not None and (found[3], found[2]) <= (local[0], local[1]):
        return False
    conn.execute(
        "UPDATE scopes SET label = ?, label_key_version = ?, label_author = ?, "
        "label_created = ?, label_signature = ? WHERE id = ?",
        (*tuple(found), scope_id),
    )
    return True


def adopt_header(vault: Vault, head: Parsed) -> bool:
    """From a pack this member cannot open: adopt its scope's newer key version.

    When the header is signed by a member with access at the time, its grants
    (each checked against its granter's signature) go in and the scope moves to
    the newer key version, so a member who was removed or lost a client stops
    treating the old key as current. Returns True when something was adopted.
    """
    header = head.header
    conn = vault._conn
    local = conn.execute(
        "SELECT kind, parent, key_version FROM scopes WHERE id = ?", (header.scope_id,)
    ).fetchone()
    if local is None or header.kind != "pack" or header.vault_id != vault.vault_id:
        return False
    try:
        author = vault.directory().state(header.author, header.created)
        if author is None or not author.active or author.signing_public is None:
            return False
        verify_signature(head, author.signing_public)
        if (local[0], local[1]) != (header.scope["kind"], header.scope["parent"]):
            return False
        for grant in header.grants:
            row = grant_row(grant)
            public = vault._signer_key(row[4], row[5])
            if row[0] != header.scope_id or public is None:
                return False
            message = grant_message(vault.vault_id, row[0], row[1], row[2], row[4], row[5], row[3])
            keys.verify(public, message, row[6])
        for grant in header.grants:
            _merge_grant(conn, grant, header.scope_id)
    except (PackRejected, CryptoError, ValueError, errors.VaultError):
        return False
    _raise_key_version(conn, header.scope_id, max(header.scope["key_version"], header.key_version))
    vault._forget_cache()
    return True


# ---------------------------------------------------------------------- checking


def verify(vault: Vault, inc: Incoming, added: Added) -> None:
    """Check a pack's integrity after the batch went in; PackRejected/PackWaiting say why not.

    Integrity only: the author's signature over the pack (which binds every byte of
    it), that its rows are the author's, and the signatures of grants, audit entries,
    attachments and the scope's name. Record versions are verified whenever they are
    read, as always. Whether the author was *allowed* to write each row is decided
    per row by :mod:`vault.sync.policy`, so arrival order cannot matter.
    """
    header = inc.parsed.header
    directory = vault.directory()
    public = directory.signing_key(header.author, header.created) or directory.signing_key(
        header.author, None
    )
    if public is None:
        raise PackWaiting("its author's membership has not arrived yet")
    verify_signature(inc.parsed, public)
    if inc.snapshot:
        author = directory.state(header.author, header.created)
        if author is None or author.role not in team.MANAGERS or not author.active:
            raise PackRejected("a snapshot must be made by an owner or admin")
    kind = vault._scope_kind(header.scope_id)[0]
    try:
        _verify_grants(vault, inc)
        _verify_versions(vault, inc, added, kind)
        _verify_audit(vault, inc, added)
        _verify_attachments(vault, inc, added, kind)
        if added.label:
            label_author = vault._conn.execute(
                "SELECT label_author FROM scopes WHERE id = ?", (header.scope_id,)
            ).fetchone()[0]
            if not inc.snapshot and label_author != header.author:
                raise PackRejected("it carries a scope name someone else wrote")
            vault._labels.pop(header.scope_id, None)
            vault._label(header.scope_id)
    except errors.AccessDeniedError:
        raise PackWaiting("the key it was written under has not arrived yet") from None
    except errors.DamagedHeaderError as exc:
        raise PackRejected(str(exc).rstrip(".")) from None
    except errors.DamagedRecordError as exc:
        raise PackRejected(str(exc).rstrip(".")) from None


def _verify_grants(vault: Vault, inc: Incoming) -> None:
    header = inc.parsed.header
    for grant in header.grants:
        row = grant_row(grant)
        if not inc.snapshot and row[4] != header.author:
            raise PackRejected("it carries a key grant someone else signed")
        public = vault._signer_key(row[4], row[5])
        try:
            if public is None:
                raise CryptoError("unknown granter")
            message = grant_message(vault.vault_id, row[0], row[1], row[2], row[4], row[5], row[3])
            keys.verify(public, message, row[6])
        except CryptoError:
            raise PackRejected(
                f"the key granted to member {row[2][:8]} in it is forged or damaged"
            ) from None


def _signer(vault: Vault, member_id: str, at: str) -> bytes | None:
    directory = vault.directory()
    return directory.signing_key(member_id, at) or directory.signing_key(member_id, None)


def _verify_versions(vault: Vault, inc: Incoming, added: Added, kind: str) -> None:
    """Versions in an author's pack are that author's (or history moved into a restriction).

    Their encryption and signatures are checked whenever they are read, as for every
    version in the vault (``Vault._open_row``); the pack's signature already binds
    every byte of them to the author, so checking each again here would only
    double the cost of a large pull.
    """
    if inc.snapshot or kind == "restricted":
        return
    header = inc.parsed.header
    wanted = added.versions + added.moved
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        foreign = vault._conn.execute(
            f"SELECT record_id FROM versions WHERE author IS NOT ? AND vid IN "  # noqa: S608
            f"({','.join('?' * len(chunk))}) LIMIT 1",
            (header.author, *chunk),
        ).fetchone()
        if foreign is not None:
            raise PackRejected(f"it carries record {foreign[0]} written by someone else")


def _verify_audit(vault: Vault, inc: Incoming, added: Added) -> None:
    header = inc.parsed.header
    for entry_id in added.audit:
        row = vault._conn.execute("SELECT * FROM audit WHERE id = ?", (entry_id,)).fetchone()
        if not inc.snapshot and row["member_id"] != header.author:
            raise PackRejected("it carries audit entries of someone else")
        public = _signer(vault, row["member_id"], row["created"])
        digest = audit.entry_hash(vault.vault_id, row)
        try:
            if public is None:
                raise CryptoError("unknown member")
            keys.verify(
                public, ctx("audit-sig", vault.vault_id, digest), as_bytes(row["signature"])
            )
        except CryptoError:
            raise PackRejected(
                f"audit entry {row['member_seq']} of member {row['member_id'][:8]} in it is forged"
            ) from None


def _verify_attachments(vault: Vault, inc: Incoming, added: Added, kind: str) -> None:
    header = inc.parsed.header
    conn = vault._conn
    for att_id in added.attachments + added.moved_attachments:
        row = conn.execute("SELECT * FROM attachments WHERE id = ?", (att_id,)).fetchone()
        if not inc.snapshot and row["author"] != header.author and kind != "restricted":
            raise PackRejected(
                f"it carries an attachment of record {row['record_id']} by someone else"
            )
        key = vault._scope_key(row["scope_id"], row["key_version"])
        att.describe(vault.vault_id, row, key, _signer(vault, row["author"], row["created"]))
        digest = hashlib.sha256()
        count = 0
        for (data,) in conn.execute(
            "SELECT data FROM attachment_chunks WHERE attachment_id = ? ORDER BY idx", (att_id,)
        ):
            digest.update(as_bytes(data))
            count += 1
        if count != row["chunks"] or not keys.equal(digest.digest(), as_bytes(row["digest"])):
            raise PackRejected(f"attachment {att_id} in it is incomplete or altered")


def membership_changes(vault: Vault, added: Iterable[Added]) -> dict[str, str]:
    """Members with new membership versions in these packs, and the earliest one's time."""
    conn = vault._conn
    vids = [v for one in added for v in one.versions]
    directory = vault.directory()
    changed: dict[str, str] = {}
    for start in range(0, len(vids), 500):
        chunk = vids[start : start + 500]
        for record_id, created in conn.execute(
            f"SELECT record_id, created FROM versions WHERE scope_id = ? AND vid IN "  # noqa: S608
            f"({','.join('?' * len(chunk))})",
            (vault.shared_scope_id, *chunk),
        ):
            if not directory._versions(record_id):
                continue  # a template, not a membership
            if record_id not in changed or created < changed[record_id]:
                changed[record_id] = created
    return changed
