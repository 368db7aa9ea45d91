"""RecordStore.replay_versions: many new records with their history in one pass, on a real file."""

from __future__ import annotations

import pytest

from tests.vault.conftest import PASSPHRASE
from vault import Vault
from vault.errors import ValidationError, VaultError
from vault.fields import FieldKind
from vault.model import Record

ID_A, ID_B = "a" * 32, "b" * 32


def _versions(scope_id: str, record_id: str = ID_A) -> list[Record]:
    first = Record(
        id=record_id,
        scope_id=scope_id,
        type="credential",
        title="  Domain   admin ",
        fields={"username": "administrator", "url": "portal.example.com"},
        tags=("ad", "AD", "domain"),
        source="test:1",
    )
    second = Record(
        id=record_id,
        scope_id=scope_id,
        type="credential",
        title="Domain admin",
        fields={"username": "administrator", "password": "s3cret", "Serial": "SN1"},
        custom={"Serial": FieldKind.TEXT},
        tags=("ad",),
        source="test:1",
    )
    return [first, second]


def _audit_events(vault: Vault) -> list[str]:
    return [entry.event for entry in vault.audit_log()]


def test_histories_are_stored_signed_and_readable_after_reopening(vault: Vault, client) -> None:
    other = Record(ID_B, client.id, "procedure", "Restore", {"body": "1. Boot"}, links=(ID_A,))
    with vault.transaction():
        heads = vault.replay_versions([_versions(client.id)])
        heads += vault.replay_versions([[other]])  # links to a record stored before
    assert [(h.id, h.version) for h in heads] == [(ID_A, 2), (ID_B, 1)]
    # Validated like add_record/update_record: title and tags cleaned, fields normalised.
    first = vault.get_record(ID_A, 1)
    assert first.title == "Domain admin" and first.tags == ("ad", "domain")
    assert first.fields == {"username": "administrator", "url": "portal.example.com"}
    path = vault.path
    vault.close()
    reopened = Vault.open(path)
    reopened.unlock(PASSPHRASE)
    try:
        head = reopened.get_record(ID_A)
        assert head.version == 2 and head.source == "test:1"
        assert head.fields == {"username": "administrator", "password": "s3cret", "Serial": "SN1"}
        assert head.custom == {"Serial": FieldKind.TEXT}
        assert [v.number for v in reopened.history(ID_A)] == [1, 2]
        assert reopened.get_record(ID_B).links == (ID_A,)
        assert {r.id for r in reopened.list_records(client.id)} == {ID_A, ID_B}
        report = reopened.check()
        assert report.ok, report.problems
        assert report.versions >= 3
    finally:
        reopened.close()


def test_each_version_is_audited_outside_bulk_and_once_inside(vault: Vault, client) -> None:
    before = _audit_events(vault).count("create")
    vault.replay_versions([_versions(client.id)])
    assert _audit_events(vault).count("create") == before + 2
    with vault.bulk("import", client.id, format="test"):
        vault.replay_versions([_versions(client.id, ID_B)])
    events = _audit_events(vault)
    assert events.count("create") == before + 2 and events.count("import") == 1


def test_an_id_already_in_the_vault_writes_nothing(vault: Vault, client) -> None:
    vault.replay_versions([_versions(client.id)])
    fresh = Record("c" * 32, client.id, "procedure", "New", {"body": "x"})
    with pytest.raises(VaultError, match="already in this vault"):
        vault.replay_versions([[fresh], _versions(client.id)])
    assert {r.id for r in vault.list_records(client.id)} == {ID_A}
    assert vault.check().ok


def test_invalid_content_is_refused_before_anything_is_written(vault: Vault, client) -> None:
    bad = Record(ID_B, client.id, "credential", "x", {"url": "not a url"})
    with pytest.raises(ValidationError):
        vault.replay_versions([_versions(client.id), [bad]])
    with pytest.raises(ValidationError):
        vault.replay_versions([[Record(ID_B, vault.shared_scope_id, "procedure", "x", {})]])
    unknown_link = Record(ID_B, client.id, "procedure", "x", {"body": "y"}, links=("d" * 32,))
    with pytest.raises(VaultError):
        vault.replay_versions([[unknown_link]])
    assert vault.list_records(client.id) == []


def test_unvalidated_copies_keep_links_to_records_of_the_same_batch(vault: Vault, client) -> None:
    first = Record(ID_A, client.id, "procedure", "A", {"body": "x"}, links=(ID_B,))
    second = Record(ID_B, client.id, "procedure", "B", {"body": "y"}, links=(ID_A,))
    with vault.transaction():
        vault.replay_versions([[first], [second]], validate=False, event=None)
    assert vault.get_record(ID_A).links == (ID_B,)
    assert vault.check().ok


def test_each_version_gets_its_own_random_id_and_salt(vault: Vault, client) -> None:
    """The batch draws version ids and body salts in one call: every one must still differ."""
    from crypto import aead
    from vault.codec import is_id, load
    from vault.versions import aad

    histories = [
        _versions(client.id, record_id=f"{n:032x}") for n in range(1, 41)
    ]  # 40 records, 2 versions each
    with vault.transaction():
        vault.replay_versions(histories)
    rows = vault._conn.execute(
        "SELECT record_id, vid, number, scope_id, key_version, body, parent_vid FROM versions "
        "WHERE scope_id = ?",
        (client.id,),
    ).fetchall()
    assert len(rows) == 80
    key_version, key = vault._current_key(client.id)
    salts, vids = set(), set()
    for record_id, vid, number, scope_id, stored_version, body, parent in rows:
        assert stored_version == key_version and is_id(vid)
        plain = aead.open_sealed(
            key, body, aad(vault.vault_id, scope_id, record_id, vid, number, stored_version)
        )
        salt = load(plain)["salt"]
        assert len(salt) == 32 and int(salt, 16) >= 0
        salts.add(salt)
        vids.add(vid)
        assert (parent is None) == (number == 1)
    assert len(salts) == 80 and len(vids) == 80 and not salts & vids
    assert vault.check().ok
