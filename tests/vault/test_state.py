"""The signed vault state catches rows removed or rolled back behind the vault's back."""

from __future__ import annotations

import io

import pytest

from vault import Vault


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
    assert _structure(vault) == [
        "records or attachments were removed or rolled back since the last signed save"
    ]


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
