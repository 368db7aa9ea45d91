"""The vault file's schema: format version, application id and numbered migrations.

The format version lives in SQLite's ``user_version`` as ``major << 16 | minor`` and
the application id marks the file as a Sitebook vault, so both can be read from the
first 100 bytes without opening the database. A newer *major* version is refused
before SQLite touches the file; a newer minor version only adds things we can ignore.

Schema v1 already carries what later issues need without a format break: many
members with public keys, per-scope keys wrapped per member and key version,
version ids and parents for sync, signatures everywhere, and an audit table.
Migration 2 (format 1.1) adds local-only sync bookkeeping (``sync_*`` tables and
the triggers that fill the outbox); none of it ever leaves the file. Migration 3
(format 1.2) adds the signing time, a keyed tag and the settings to the signed state.
Migration 4 (format 1.3) adds two indexes the status bar's sync state needs.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

APPLICATION_ID = 0x53424B31  # "SBK1"
FORMAT_MAJOR = 1
FORMAT_MINOR = 3
SQLITE_MAGIC = b"SQLite format 3\0"


def pack_version(major: int, minor: int) -> int:
    """Encode a format version as SQLite ``user_version``."""
    return (major << 16) | minor


def unpack_version(user_version: int) -> tuple[int, int]:
    """Decode ``user_version`` into (major, minor)."""
    return user_version >> 16, user_version & 0xFFFF


def _migration_1(db: sqlite_utils.Database) -> None:
    """Create the v1 schema."""
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["members"].create(
        {
            "id": str,
            "created": str,
            "status": str,  # active | invited | revoked
            "exchange_public": bytes,
            "signing_public": bytes,
            "kdf": str,
            "salt": bytes,
            "secrets": bytes,  # AEAD(member key, private keys)
            "recovery_secrets": bytes,  # AEAD(recovery key, private keys) or NULL
            "invite_hash": str,  # SHA-256 of the invitation code while invited
            "accepted": bytes,  # the invitee's signature over their invitation and keys
        },
        pk="id",
        not_null={"created", "status", "exchange_public", "signing_public"},
    )
    db["scopes"].create(
        {
            "id": str,
            "kind": str,  # shared | internal | client | restricted
            "parent": str,
            "key_version": int,
            "created": str,
            "label": bytes,  # AEAD(scope key, {"name": ...})
            "label_key_version": int,
            "label_author": str,
            "label_created": str,
            "label_signature": bytes,
        },
        pk="id",
        not_null={"kind", "key_version", "created"},
    )
    db["scope_keys"].create(
        {
            "scope_id": str,
            "key_version": int,
            "member_id": str,
            "wrapped": bytes,
            "granted_by": str,
            "created": str,
            "signature": bytes,
        },
        pk=("scope_id", "key_version", "member_id"),
        not_null={"wrapped", "granted_by", "created", "signature"},
    )
    db["records"].create(
        {
            "id": str,
            "scope_id": str,
            "head": int,
            "head_vid": str,
            "created": str,
            "updated": str,
            "deleted": int,
            "conflict": int,  # 1 while concurrent versions from replicas await a person
            "seq": int,
        },
        pk="id",
        not_null={"scope_id", "head", "head_vid", "created", "updated", "deleted", "seq"},
        defaults={"conflict": 0},
    )
    db["records"].create_index(["seq"], unique=True)
    db["records"].create_index(["scope_id"])
    db["versions"].create(
        {
            "record_id": str,
            "number": int,
            "vid": str,
            "parent_vid": str,
            "scope_id": str,
            "key_version": int,
            "author": str,
            "created": str,
            "body": bytes,
            "signature": bytes,
            "merge_vid": str,  # second parent of a version that resolved a conflict
        },
        pk="vid",  # concurrent edits on two replicas may share a number, never a vid
        not_null={"record_id", "number", "scope_id", "key_version", "author", "created", "body"},
    )
    db["versions"].create_index(["record_id", "number"])
    db["attachments"].create(
        {
            "id": str,
            "record_id": str,
            "scope_id": str,
            "key_version": int,
            "author": str,
            "created": str,
            "size": int,
            "chunks": int,
            "file_key": bytes,  # AEAD(scope key, data key)
            "meta": bytes,  # AEAD(data key, name/mime/size/sha256)
            "digest": bytes,  # SHA-256 over every chunk ciphertext, in order
            "signature": bytes,
            "deleted": int,
        },
        pk="id",
        not_null={"record_id", "scope_id", "key_version", "author", "created", "size"},
    )
    db["attachments"].create_index(["record_id"])
    db["attachment_chunks"].create(
        {"attachment_id": str, "idx": int, "data": bytes}, pk=("attachment_id", "idx")
    )
    db["state"].create(
        {"id": int, "counter": int, "digest": bytes, "member": str, "signature": bytes},
        pk="id",
        not_null={"counter", "digest", "member", "signature"},
    )
    db["audit"].create(
        {
            "seq": int,
            "id": str,
            "member_id": str,
            "member_seq": int,  # each member's entries form their own chain (replicas merge)
            "scope_id": str,
            "key_version": int,
            "created": str,
            "prev_hash": bytes,
            "body_hash": bytes,
            "body": bytes,
            "signature": bytes,
        },
        pk="seq",
    )
    db["audit"].create_index(["member_id", "member_seq"], unique=True)


# Local-only rows of migration 2: what this replica still has to send, which packs it
# applied, its sealed target settings and last status. They never travel.
_OUTBOX_TRIGGERS = {
    "sync_out_version": "AFTER INSERT ON versions BEGIN "
    "INSERT INTO sync_outbox (kind, key, author) VALUES ('version', NEW.vid, NEW.author); END",
    # A version moved into a restricted sub-scope travels again (pushed by whoever moved it).
    "sync_out_version_move": "AFTER UPDATE OF scope_id ON versions "
    "WHEN NEW.scope_id IS NOT OLD.scope_id BEGIN "
    "INSERT INTO sync_outbox (kind, key, author) VALUES ('version', NEW.vid, NULL); END",
    "sync_out_attachment": "AFTER INSERT ON attachments BEGIN "
    "INSERT INTO sync_outbox (kind, key, author) VALUES ('attachment', NEW.id, NEW.author); END",
    "sync_out_attachment_move": "AFTER UPDATE OF scope_id ON attachments "
    "WHEN NEW.scope_id IS NOT OLD.scope_id BEGIN "
    "INSERT INTO sync_outbox (kind, key, author) VALUES ('attachment', NEW.id, NULL); END",
    "sync_out_audit": "AFTER INSERT ON audit BEGIN "
    "INSERT INTO sync_outbox (kind, key, author) VALUES ('audit', NEW.id, NEW.member_id); END",
    "sync_out_grant": "AFTER INSERT ON scope_keys BEGIN "
    "INSERT INTO sync_outbox (kind, key, author) VALUES ('grant', "
    "NEW.scope_id || ' ' || NEW.key_version || ' ' || NEW.member_id, NEW.granted_by); END",
    "sync_out_label": "AFTER UPDATE OF label_created ON scopes "
    "WHEN NEW.label_created IS NOT OLD.label_created BEGIN "
    "INSERT INTO sync_outbox (kind, key, author) VALUES ('label', NEW.id, NEW.label_author); END",
}


def _migration_2(db: sqlite_utils.Database) -> None:
    """Local sync bookkeeping: an outbox filled by triggers, applied packs, settings, status.

    Rows written before this migration are queued in the outbox, so an existing
    vault sends everything on its first sync.
    """
    conn = db.conn
    conn.execute(
        "CREATE TABLE sync_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "kind TEXT NOT NULL, key TEXT NOT NULL, author TEXT)"
    )
    conn.execute(
        "CREATE TABLE sync_packs (path TEXT PRIMARY KEY, state TEXT NOT NULL, "
        "size INTEGER, tag TEXT, sha256 TEXT, detail TEXT, at TEXT NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE sync_seq (scope_id TEXT NOT NULL, author TEXT NOT NULL, "
        "seq INTEGER NOT NULL, PRIMARY KEY (scope_id, author))"
    )
    conn.execute("CREATE TABLE sync_settings (member_id TEXT PRIMARY KEY, sealed BLOB NOT NULL)")
    # Rows a replica received but may not show: written by someone without the right
    # to write them then. Kept (never deleted, never sent) and re-checked whenever
    # memberships change, so every replica ends with the same rows whatever the order.
    conn.execute(
        "CREATE TABLE sync_quarantine (kind TEXT NOT NULL, key TEXT NOT NULL, "
        "author TEXT NOT NULL, created TEXT NOT NULL, reason TEXT NOT NULL, "
        "row TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (kind, key))"
    )
    conn.execute("CREATE TABLE sync_status (member_id TEXT PRIMARY KEY, body TEXT NOT NULL)")
    for name, body in _OUTBOX_TRIGGERS.items():
        conn.execute(f"CREATE TRIGGER {name} {body}")
    # A member's rows since a time: re-checked when their membership changes.
    conn.execute("CREATE INDEX sync_versions_author ON versions (author, created)")
    conn.execute(
        "INSERT INTO sync_outbox (kind, key, author) "
        "SELECT 'version', vid, author FROM versions "
        "UNION ALL SELECT 'attachment', id, author FROM attachments "
        "UNION ALL SELECT 'audit', id, member_id FROM audit "
        "UNION ALL SELECT 'grant', scope_id || ' ' || key_version || ' ' || member_id, granted_by "
        "FROM scope_keys "
        "UNION ALL SELECT 'label', id, label_author FROM scopes WHERE label_created IS NOT NULL"
    )


def _migration_3(db: sqlite_utils.Database) -> None:
    """The signed state records when it was signed, a keyed tag and the signed settings.

    Members' dates become their signed membership record's first date, and a record's
    date after a file was attached that attachment's date. Existing
    state rows keep their old signature (no time, no tag) and are upgraded by the
    next write, which verifies them first.
    """
    present = {c.name for c in db["state"].columns}
    columns = (("created", "TEXT"), ("key_version", "INTEGER"), ("tag", "BLOB"), ("meta", "TEXT"))
    for column, kind in columns:
        if column not in present:
            db.conn.execute(f"ALTER TABLE state ADD COLUMN {column} {kind}")
    # A member's date is their signed membership record's first version (check compares them).
    db.conn.execute(
        "UPDATE members SET created = coalesce((SELECT min(v.created) FROM versions v "
        "WHERE v.record_id = members.id AND v.scope_id = "
        "(SELECT value FROM meta WHERE key = 'shared_scope')), created)"
    )
    # A record's date after a file was attached is that attachment's (signed) date.
    db.conn.execute(
        "UPDATE records SET updated = max((SELECT v.created FROM versions v WHERE v.vid = "
        "records.head_vid), (SELECT max(a.created) FROM attachments a WHERE a.record_id = "
        "records.id)) WHERE EXISTS (SELECT 1 FROM attachments a WHERE a.record_id = records.id) "
        "AND EXISTS (SELECT 1 FROM versions v WHERE v.vid = records.head_vid)"
    )


def _migration_4(db: sqlite_utils.Database) -> None:
    """Indexes for the status bar's sync state, read on every unlock and after each sync.

    Counting conflicts and this member's unsent changes scanned every record and
    every outbox row: about 80 ms at 100,000 records, on the GUI thread.
    """
    db.conn.execute(
        "CREATE INDEX IF NOT EXISTS records_conflict ON records (scope_id) WHERE conflict = 1"
    )
    db.conn.execute("CREATE INDEX IF NOT EXISTS sync_outbox_author ON sync_outbox (author)")


TABLES = frozenset(
    {
        "meta",
        "members",
        "scopes",
        "scope_keys",
        "records",
        "versions",
        "attachments",
        "attachment_chunks",
        "audit",
        "state",
    }
)

MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "initial schema", _migration_1),
    (2, "local sync bookkeeping", _migration_2),
    (3, "signed state: time and keyed tag", _migration_3),
    (4, "indexes for the sync status", _migration_4),
]


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Bring the database to the current minor version; each step is one transaction.

    Returns the migration numbers applied. The caller has already refused newer
    major versions.
    """
    import sqlite_utils  # only needed when a migration runs; keeps start-up lean

    db = sqlite_utils.Database(conn)
    applied: list[int] = []
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    done = 0 if current == 0 else 1 + unpack_version(current)[1]
    for number, _name, step in MIGRATIONS:
        if number <= done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            conn.execute(f"PRAGMA user_version = {pack_version(FORMAT_MAJOR, number - 1)}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            # SQLite may already have rolled back (a failed COMMIT on a full or
            # refusing disk); a second ROLLBACK would mask the real error.
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied
