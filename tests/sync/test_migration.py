"""Migration 2 (format 1.1): local sync bookkeeping, and a vault made before it syncs whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vault import Vault, schema, sync
from vault.sync.targets import TargetSpec

from .conftest import World, passphrase, snapshot_of

SYNC_TABLES = (
    "sync_outbox",
    "sync_packs",
    "sync_seq",
    "sync_settings",
    "sync_status",
    "sync_quarantine",
)


def _make_format_1_0(path: Path) -> None:
    """Turn a current vault file into what Sitebook wrote before migration 2."""
    conn = sqlite3.connect(path, isolation_level=None)
    for name in schema._OUTBOX_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    for table in SYNC_TABLES:
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DROP INDEX sync_versions_author")
    conn.execute(f"PRAGMA user_version = {schema.pack_version(1, 0)}")
    conn.close()


def test_migration_2_queues_everything_an_older_vault_holds(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    made = {alice.add_record(contoso.id, "contact", f"P{n}").id for n in range(3)}
    path = alice.path
    world.replicas.pop("Alice").close()
    _make_format_1_0(path)
    opened = Vault.open(path)
    assert schema.unpack_version(opened._conn.execute("PRAGMA user_version").fetchone()[0]) == (
        1,
        schema.FORMAT_MINOR,
    )
    tables = {r[0] for r in opened._conn.execute("SELECT name FROM sqlite_master")}
    assert set(SYNC_TABLES) <= tables
    queued = opened._conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
    versions = opened._conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    assert queued >= versions
    opened.unlock(passphrase("Alice"))
    world.replicas["Alice"] = opened
    sync.sync(opened, world.target)
    bob = world.join(opened, "Bob", "technician")
    assert made <= {r.id for r in bob.list_records()}
    assert snapshot_of(bob) == snapshot_of(opened)


def test_the_target_password_is_sealed_per_member(world: World) -> None:
    alice = world.owner()
    secret = "webdav-password-canary-7f3a"
    sync.save_target(alice, TargetSpec("https://dav.example/s/", "alice", secret))
    assert sync.load_target(alice) == TargetSpec("https://dav.example/s/", "alice", secret)
    alice._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(p.read_bytes() for p in alice.path.parent.glob(f"{alice.path.name}*"))
    assert secret.encode() not in raw and b"dav.example" not in raw
    status = sync.read_status(alice)
    assert status.target == "https://dav.example/s/"
    assert secret not in repr(status)
    # Another member on the same file has their own (empty) settings.
    bob = world.join(alice, "Bob", "admin")
    assert sync.load_target(bob) is not None  # join saved the target Bob used
    assert sync.load_target(bob).location != "https://dav.example/s/"
    assert sync.retarget(alice) > 0
    assert sync.read_status(alice).pending_changes > 0
