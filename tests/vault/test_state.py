"""The signed vault state catches rows removed or rolled back behind the vault's back."""

from __future__ import annotations

import io

import pytest

from vault import Vault, errors, state

from .conftest import PASSPHRASE


@pytest.fixture
def filled(vault: Vault, client):
    server = vault.add_record(client.id, "configuration", "srv-dc01", {"hostname": "srv-dc01"})
    cred = vault.add_record(client.id, "credential", "admin", {"password": "one"})
    vault.update_record(cred.id, fields={"password": "two"})
    vault.add_attachment(server.id, io.BytesIO(b"backup"), "backup.txt")
    assert vault.check().ok
    return vault, server, cred


def _structure(vault: Vault) -> list[str]:
    return [p.detail for p in vault.check().problems if p.kind == "structure"]


def test_rolling_back_a_record_is_detected(filled) -> None:
    vault, _server, cred = filled
    conn = vault._conn
    conn.execute("DELETE FROM versions WHERE record_id = ? AND number = 2", (cred.id,))
    conn.execute(
        "UPDATE records SET head = 1, head_vid = (SELECT vid FROM versions WHERE record_id = ? "
        "AND number = 1) WHERE id = ?",
        (cred.id, cred.id),
    )
    assert vault.get_record(cred.id).fields["password"] == "one"  # each version is still valid
    assert _structure(vault) == [state.ROLLED_BACK]


@pytest.mark.parametrize("table", ["records", "attachments"])
def test_deleting_rows_is_detected(filled, table: str) -> None:
    vault, _server, cred = filled
    if table == "records":
        vault._conn.execute("DELETE FROM versions WHERE record_id = ?", (cred.id,))
        vault._conn.execute("DELETE FROM records WHERE id = ?", (cred.id,))
    else:
        vault._conn.execute("DELETE FROM attachment_chunks")
        vault._conn.execute("DELETE FROM attachments")
    assert len(_structure(vault)) == 1


def test_forged_or_missing_state(filled) -> None:
    vault, *_ = filled
    vault._conn.execute("UPDATE state SET counter = counter + 1")
    assert _structure(vault) == ["its signed state does not verify (altered or forged)"]
    vault._conn.execute("DELETE FROM state")
    assert _structure(vault) == ["its signed state is missing (rows were removed or rolled back)"]


def test_state_follows_every_write(filled) -> None:
    vault, server, cred = filled
    vault.delete(cred.id)
    vault.undelete(cred.id)
    vault.restore(cred.id, 1)
    other = vault.add_client("Other")
    vault.update_record(server.id, scope_id=other.id)
    assert vault.check().ok


def _reopen(vault: Vault) -> Vault:
    """The same file opened and unlocked afresh (nothing cached from before the tampering)."""
    vault.close()
    again = Vault.open(vault.path)
    again.unlock(PASSPHRASE)
    return again


def test_a_recomputed_digest_is_refused_not_laundered(filled) -> None:
    vault, _server, cred = filled
    conn = vault._conn
    conn.execute("DELETE FROM versions WHERE record_id = ? AND number = 2", (cred.id,))
    conn.execute(
        "UPDATE records SET head = 1, head_vid = (SELECT vid FROM versions WHERE record_id = ? "
        "AND number = 1) WHERE id = ?",
        (cred.id, cred.id),
    )
    conn.execute("UPDATE state SET digest = ?", (state.recompute(conn).to_bytes(32, "big"),))
    again = _reopen(vault)  # unlock cannot record itself on top of a forged state...
    try:
        assert _structure(again) == [state.FORGED]  # ...so check still names it
        with pytest.raises(errors.StateTamperedError, match="signed state is damaged"):
            again.add_record(again.internal_scope_id, "contact", "After the tampering")
        assert _structure(again) == [state.FORGED]  # nothing was written
    finally:
        again.close()


def test_the_state_is_keyed_and_timed(filled) -> None:
    vault, *_ = filled
    stored = state.read(vault._conn)
    assert stored is not None and stored.tag is not None and stored.created
    shared_version = vault._conn.execute(
        "SELECT key_version FROM scopes WHERE id = ?", (vault.shared_scope_id,)
    ).fetchone()[0]
    assert stored.key_version == shared_version
    vault._conn.execute("UPDATE state SET tag = ?", (bytes(32),))
    assert _structure(vault) == [state.FORGED]


@pytest.mark.parametrize("key", ["internal_scope", "local_member", "created"])
def test_altered_or_deleted_settings_are_named(filled, key: str) -> None:
    vault, *_ = filled
    vault._conn.execute("UPDATE meta SET value = ? WHERE key = ?", ("0" * 32, key))
    assert _structure(vault) == [
        f"the vault's signed settings do not match: setting '{key}' was altered"
    ]
    vault._conn.execute("DELETE FROM meta WHERE key = ?", (key,))
    assert _structure(vault) == [
        f"the vault's signed settings do not match: setting '{key}' was deleted"
    ]


def test_the_local_member_is_matched_exactly(filled) -> None:
    vault, *_ = filled
    me = vault.member_id
    other = me[:31] + ("0" if me[31] != "0" else "1")  # a LIKE prefix match would not care
    vault._conn.execute("UPDATE meta SET value = ? WHERE key = 'local_member'", (other,))
    again = Vault.open(vault.path)
    try:
        with pytest.raises(errors.NotFoundError):
            again.unlock(PASSPHRASE)
        again.unlock(PASSPHRASE, me)  # naming the member still works; check names the setting
        assert _structure(again) == [
            "the vault's signed settings do not match: setting 'local_member' was altered"
        ]
    finally:
        again.close()


def test_member_rows_must_match_their_signed_records(filled) -> None:
    vault, *_ = filled
    me = vault.member_id
    vault._conn.execute("UPDATE members SET status = 'revoked' WHERE id = ?", (me,))
    found = [(p.kind, p.id, p.detail) for p in vault.check().problems]
    assert found == [
        ("member", me, "its status 'revoked' does not match its signed membership (active)")
    ]
    again = _reopen(vault)  # the signed record decides, not the row
    try:
        assert again.member_state().active
        again._conn.execute(
            "INSERT INTO members (id, created, status, exchange_public, signing_public) "
            "SELECT ?, created, 'active', exchange_public, signing_public FROM members "
            "WHERE id = ?",
            ("f" * 32, me),
        )
        assert ("member", "f" * 32) in {(p.kind, p.id) for p in again.check().problems}
    finally:
        again.close()


@pytest.mark.parametrize(
    ("column", "value", "detail"),
    [
        ("created", "2001-01-01T00:00:00+00:00", "its creation date does not match"),
        ("updated", "2001-01-01T00:00:00+00:00", "its last-changed date does not match"),
        ("conflict", 1, "its conflict flag does not match"),
    ],
)
def test_record_dates_and_conflict_follow_signed_versions(
    filled, column: str, value: object, detail: str
) -> None:
    vault, _server, cred = filled
    assert vault.check().ok
    vault._conn.execute(f"UPDATE records SET {column} = ? WHERE id = ?", (value, cred.id))
    found = [(p.id, p.detail) for p in vault.check().problems]
    assert len(found) == 1 and found[0][0] == cred.id and found[0][1].startswith(detail)


def test_a_scope_row_or_grant_tampered_with_is_named(filled) -> None:
    vault, server, _cred = filled
    scope = server.scope_id
    assert vault.check().ok
    vault._conn.execute("UPDATE scopes SET key_version = key_version + 1 WHERE id = ?", (scope,))
    kinds = {(p.kind, p.id) for p in vault.check().problems}
    assert ("scope", scope) in kinds
    vault._conn.execute("UPDATE scopes SET key_version = key_version - 1 WHERE id = ?", (scope,))
    vault._conn.execute("DELETE FROM scope_keys WHERE scope_id = ?", (scope,))
    vault.forget_cached()
    problems = vault.check().problems
    assert ("scope", scope) in {(p.kind, p.id) for p in problems}
    assert vault.check().skipped_scopes == 1  # its records cannot be read: the scope is named
