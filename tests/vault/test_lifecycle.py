"""Creating, opening, unlocking, locking and re-keying a vault file."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from vault import Vault, errors, schema
from vault.storage import read_header

from .conftest import PASSPHRASE


def test_create_opens_with_passphrase_and_recovery_key(made, vault_path: Path) -> None:
    vault, recovery_key = made
    client = vault.add_client("Contoso")
    record = vault.add_record(client.id, "procedure", "Restore", {"body": "1. Open the console"})
    vault.close()

    again = Vault.open(vault_path)
    assert not again.is_unlocked
    again.unlock(PASSPHRASE)
    assert again.get_record(record.id).fields["body"] == "1. Open the console"
    again.lock()
    with pytest.raises(errors.LockedError):
        again.get_record(record.id)
    again.unlock_with_recovery(recovery_key.lower().replace("-", " "))
    assert [c.name for c in again.clients()] == ["Contoso"]
    assert again.name == "Northwind IT"
    assert again.members()[0].name == "Alice Admin"
    assert again.members()[0].role == "owner"
    again.close()


def test_file_is_wal_with_full_sync_and_format_version(vault: Vault, vault_path: Path) -> None:
    conn = vault._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    user_version, app_id = read_header(vault_path)
    assert schema.unpack_version(user_version) == (schema.FORMAT_MAJOR, schema.FORMAT_MINOR)
    assert app_id == schema.APPLICATION_ID


def test_wrong_passphrase_and_wrong_recovery_key(made, vault_path: Path) -> None:
    vault, recovery_key = made
    vault.lock()
    with pytest.raises(errors.WrongPassphraseError) as caught:
        vault.unlock("not the passphrase")
    assert "not the passphrase" not in str(caught.value)
    from crypto import recovery

    other = recovery.generate()
    with pytest.raises(errors.WrongRecoveryKeyError):
        vault.unlock_with_recovery(other)
    typo = ("1" if recovery_key[0] != "1" else "2") + recovery_key[1:]
    with pytest.raises(errors.RecoveryKeyFormatError) as caught_typo:
        vault.unlock_with_recovery(typo)
    assert "group 1" in str(caught_typo.value)
    assert recovery_key not in str(caught_typo.value)


def test_change_passphrase_rewraps_only_member_secrets(made, vault_path: Path) -> None:
    vault, recovery_key = made
    client = vault.add_client("Fabrikam")
    record = vault.add_record(
        client.id, "credential", "Admin", {"username": "root", "password": "pw1"}
    )
    before = vault._conn.execute("SELECT body FROM versions").fetchall()
    vault.change_passphrase("a brand new passphrase")
    after = vault._conn.execute("SELECT body FROM versions").fetchall()
    assert before == after
    vault.close()
    again = Vault.open(vault_path)
    with pytest.raises(errors.WrongPassphraseError):
        again.unlock(PASSPHRASE)
    again.unlock("a brand new passphrase")
    assert again.get_record(record.id).fields["password"] == "pw1"
    again.lock()
    again.unlock_with_recovery(recovery_key)  # the emergency kit still works
    again.close()


def test_lock_drops_keys_and_cache(vault: Vault, client) -> None:
    vault.add_record(client.id, "contact", "Pat", {"email": "pat@contoso.example"})
    assert vault.list_records()
    vault.lock()
    assert vault._keyring is None
    assert vault._catalog == {}
    with pytest.raises(errors.LockedError):
        vault.list_records()


def test_short_passphrase_and_weak_kdf_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.ValidationError):
        Vault.create(tmp_path / "a.sitebook", name="X", owner="Y", passphrase="short")
    with pytest.raises(errors.ValidationError):
        Vault.create(
            tmp_path / "b.sitebook",
            name="X",
            owner="Y",
            passphrase="long enough passphrase",
            kdf_params=KdfParams(memory_kib=32 * 1024),
        )
    assert not list(tmp_path.glob("*.sitebook*"))
    assert not list(tmp_path.glob(".*creating*"))


def test_create_refuses_existing_file(tmp_path: Path, fast_kdf: KdfParams) -> None:
    target = tmp_path / "x.sitebook"
    target.write_bytes(b"keep me")
    with pytest.raises(errors.VaultError, match="already exists"):
        Vault.create(target, name="X", owner="Y", passphrase=PASSPHRASE, kdf_params=fast_kdf)
    assert target.read_bytes() == b"keep me"


def test_newer_format_is_refused_and_untouched(made, vault_path: Path) -> None:
    vault, _ = made
    vault.close()
    conn = sqlite3.connect(vault_path)
    conn.execute(f"PRAGMA user_version = {schema.pack_version(schema.FORMAT_MAJOR + 1, 0)}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    digest = hashlib.sha256(vault_path.read_bytes()).hexdigest()
    with pytest.raises(errors.NewerFormatError, match="newer"):
        Vault.open(vault_path)
    assert hashlib.sha256(vault_path.read_bytes()).hexdigest() == digest
    assert not Path(f"{vault_path}-wal").exists()


def test_migration_1_creates_every_table(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    assert schema.migrate(conn) == [number for number, _name, _step in schema.MIGRATIONS]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "meta",
        "members",
        "scopes",
        "scope_keys",
        "records",
        "versions",
        "attachments",
        "attachment_chunks",
        "audit",
    } <= tables
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    assert schema.migrate(conn) == []  # idempotent


def test_vault_busy_is_a_clear_error(vault: Vault, vault_path: Path) -> None:
    holder = sqlite3.connect(vault_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        vault._conn.execute("PRAGMA busy_timeout = 100")
        with pytest.raises(errors.VaultBusyError, match="busy"):
            vault.add_client("Blocked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [c.name for c in vault.clients()] == []


def test_external_signatures(vault: Vault) -> None:
    from vault.vault import verify_signature

    signature = vault.sign("handover-manifest", b"manifest bytes")
    public = vault.signing_public()
    assert verify_signature(
        public, "handover-manifest", vault.vault_id, b"manifest bytes", signature
    )
    assert not verify_signature(public, "handover-manifest", vault.vault_id, b"other", signature)
    assert not verify_signature(
        public, "other-purpose", vault.vault_id, b"manifest bytes", signature
    )
    assert vault.fingerprint() == vault.members()[0].fingerprint


def test_create_in_a_missing_folder_is_a_clear_error(tmp_path: Path, fast_kdf: KdfParams) -> None:
    with pytest.raises(errors.StorageError, match="folder"):
        Vault.create(
            tmp_path / "nope" / "x.sitebook",
            name="X",
            owner="Y",
            passphrase=PASSPHRASE,
            kdf_params=fast_kdf,
        )
