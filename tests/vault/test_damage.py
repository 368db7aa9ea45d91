"""Damaged rows are reported as our own errors, named, and never hide the rest of the vault.

Each test damages a real vault file on disk through raw SQL (as a faulty disk,
a bad copy or someone with file access would) and reads it back through the
public API: no TypeError, UnicodeEncodeError or raw sqlite3 error escapes, the
damaged record or attachment is named by ``check``, and the rest still reads.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto.kdf import KdfParams
from tests.vault.conftest import PASSPHRASE
from vault import Vault, errors
from vault.codec import ctx, is_id, new_id, shown, text_factory
from vault.model import Record


@pytest.fixture
def filled(vault_path: Path, fast_kdf: KdfParams) -> tuple[Path, str, dict[str, str]]:
    """A closed vault: two records of one client, one with two attachments."""
    vault, recovery_key = Vault.create(
        vault_path, name="Northwind IT", owner="Alice", passphrase=PASSPHRASE, kdf_params=fast_kdf
    )
    with vault:
        client = vault.add_client("Contoso")
        first = vault.add_record(client.id, "configuration", "srv-dc01", {"hostname": "dc01"})
        vault.update_record(first.id, fields={"notes": "primary"})
        second = vault.add_record(client.id, "procedure", "Restore", {"body": "1. Open the NAS"})
        one = vault.add_attachment(first.id, io.BytesIO(b"config one\n"), "one.conf")
        two = vault.add_attachment(first.id, io.BytesIO(b"config two\n"), "two.conf")
        ids = {"first": first.id, "second": second.id, "one": one.id, "two": two.id}
    return vault_path, recovery_key, ids


def _sql(path: Path, statement: str, *params: object) -> None:
    """Run one statement on the closed vault file, as tampering or a bad disk would."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(statement, params)
        conn.commit()
    finally:
        conn.close()


@pytest.fixture
def reopen(filled: tuple[Path, str, dict[str, str]]) -> Iterator:
    """Open the damaged file and unlock it with the recovery key."""
    opened: list[Vault] = []

    def _open() -> Vault:
        vault = Vault.open(filled[0])
        opened.append(vault)
        vault.unlock_with_recovery(filled[1])
        return vault

    yield _open
    for vault in opened:
        vault.close()


def _named(vault: Vault) -> set[str]:
    return {problem.id for problem in vault.check().problems}


def test_versions_without_their_records_row_are_named(filled, reopen) -> None:
    path, _key, ids = filled
    _sql(path, "DELETE FROM records WHERE id = ?", ids["first"])
    vault = reopen()
    with pytest.raises(errors.DamagedRecordError, match="records row is missing") as caught:
        vault.get_record(ids["first"], 1)
    assert caught.value.record_id == ids["first"]
    assert vault.get_record(ids["second"]).title == "Restore"
    assert ids["first"] in _named(vault)


def test_a_forged_attachment_does_not_hide_the_genuine_ones(filled, reopen) -> None:
    path, _key, ids = filled
    forged = new_id()
    _sql(
        path,
        "INSERT INTO attachments SELECT ?, record_id, scope_id, key_version, author, created, "
        "size, chunks, file_key, meta, digest, signature, deleted FROM attachments WHERE id = ?",
        forged,
        ids["one"],
    )
    vault = reopen()
    listed = {a.id for a in vault.attachments(ids["first"])}
    assert listed == {ids["one"], ids["two"]}
    assert list(vault.damaged_attachments) == [forged]
    assert "is damaged" in vault.damaged_attachments[forged]
    assert ids["first"] in _named(vault)


def test_an_id_that_is_not_utf8_is_named_not_a_crash(filled, reopen) -> None:
    path, _key, ids = filled
    bad = bytes.fromhex(ids["second"])[:8].hex().encode() + b"\xb0" * 24
    _sql(path, "UPDATE versions SET vid = CAST(? AS TEXT) WHERE record_id = ?", bad, ids["second"])
    vault = reopen()
    assert {r.id for r in vault.list_records()} == {ids["first"]}
    assert ids["second"] in _named(vault)
    assert vault.get_record(ids["first"]).title == "srv-dc01"


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("UPDATE versions SET number = CAST(number AS BLOB) WHERE record_id = ?", "version number"),
        ("UPDATE versions SET created = CAST(created AS BLOB) WHERE record_id = ?", "time"),
        ("UPDATE versions SET vid = NULL WHERE record_id = ? AND number = 1", "version id"),
        ("UPDATE records SET seq = CAST(seq AS BLOB) WHERE id = ?", "change counter"),
    ],
    ids=["number-as-blob", "created-as-blob", "vid-null", "seq-as-blob"],
)
def test_values_of_the_wrong_storage_class_are_named(
    filled, reopen, statement: str, words: str
) -> None:
    path, _key, ids = filled
    _sql(path, statement, ids["first"])
    vault = reopen()
    listed = {r.id for r in vault.list_records()}
    assert ids["second"] in listed  # the rest still reads
    report = vault.check()
    mine = [p for p in report.problems if p.id == ids["first"]]
    assert mine, report.problems
    assert any(words in p.detail for p in mine), mine


def test_damaged_audit_sequence_is_reported_by_the_audit_check(filled, reopen) -> None:
    path, _key, _ids = filled
    _sql(path, "UPDATE audit SET member_seq = NULL WHERE seq = 2")
    vault = reopen()
    problems = vault.verify_audit()
    assert any("sequence number is damaged" in p for p in problems), problems
    _sql(path, "UPDATE audit SET member_id = NULL WHERE seq = 3")
    assert any("member id" in p for p in reopen().verify_audit())


@pytest.mark.parametrize(
    ("value", "as_text"),
    [(b"\0" * 4, False), (b"", False), (b"0123456789abcdef", True)],
    ids=["4-byte-salt", "empty-salt", "salt-as-text"],
)
def test_a_bad_salt_is_a_damaged_header(filled, value: bytes, as_text: bool) -> None:
    path, _key, _ids = filled
    cast = "CAST(? AS TEXT)" if as_text else "?"
    _sql(path, f"UPDATE members SET salt = {cast}", value)
    with Vault.open(path) as vault:
        expected = errors.DamagedHeaderError if len(value) < 16 else errors.WrongPassphraseError
        with pytest.raises(expected):
            vault.unlock(PASSPHRASE)


def test_member_keys_stored_as_text_still_unlock(filled) -> None:
    path, _key, ids = filled
    _sql(path, "UPDATE members SET signing_public = CAST(signing_public AS TEXT)")
    with Vault.open(path) as vault:
        vault.unlock(PASSPHRASE)  # the same bytes in another storage class: nothing changed
        assert vault.get_record(ids["second"]).title == "Restore"


@pytest.mark.parametrize("key", ["shared_scope", "local_member", "vault_id"])
def test_a_meta_id_that_is_not_an_id_is_refused_at_open(filled, key: str) -> None:
    path, _key, _ids = filled
    _sql(path, "UPDATE meta SET value = CAST(? AS TEXT) WHERE key = ?", b"\xff" * 32, key)
    with pytest.raises(errors.DamagedHeaderError, match=key):
        Vault.open(path)


# ---------------------------------------------------------------------- encodings


def test_ctx_binds_the_exact_stored_bytes() -> None:
    raw = b"abc\xb0def"
    decoded = text_factory(raw)
    assert ctx("x", decoded) != ctx("x", "abc\ufffddef")
    assert ctx("x", decoded).endswith(b"\x00\x00\x00\x08sabc\xb0def")


@given(st.binary(max_size=64))
def test_text_from_the_file_round_trips_into_contexts_and_messages(raw: bytes) -> None:
    decoded = text_factory(raw)
    part = ctx("t", decoded)
    assert part.endswith(b"s" + raw)
    assert shown(decoded) == raw.decode("utf-8", "replace")  # printable in a message
    assert is_id(decoded) == (len(raw) == 32 and all(c in b"0123456789abcdef" for c in raw))


def test_damaged_record_error_message_is_printable() -> None:
    error = errors.DamagedRecordError(text_factory(b"\xb0" * 4), "its vid is damaged")
    assert "\ufffd" in str(error)
    str(error).encode("utf-8")  # never a UnicodeEncodeError when printed


def test_records_read_from_damaged_rows_are_never_returned(filled, reopen) -> None:
    path, _key, ids = filled
    _sql(
        path,
        "UPDATE versions SET key_version = CAST(key_version AS BLOB) WHERE record_id = ?",
        ids["second"],
    )
    vault = reopen()
    with pytest.raises(errors.VaultError):
        vault.get_record(ids["second"])
    assert all(isinstance(r, Record) and r.id != ids["second"] for r in vault.list_records())
