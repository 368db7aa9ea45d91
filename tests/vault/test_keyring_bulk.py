"""Opening every scope key at once gives exactly what opening them one by one gives.

``Vault.derived_keys`` (the search index's cold open) reads every grant in one
query; each key must still be unwrapped and its grant's signature checked, so a
planted or damaged grant is left out, and not remembered as good.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vault import Vault
from vault.errors import DamagedHeaderError
from vault.keyring import grant_is_genuine

from .conftest import PASSPHRASE
from .grants import current_grant, plant_grant, replace_wrapped

PURPOSE = "search-index"


def _cold(path: Path) -> Vault:
    """The vault opened and unlocked afresh: no scope key opened yet."""
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    return vault


def _three_clients(vault: Vault) -> list[str]:
    made = [vault.add_client(name).id for name in ("Contoso", "Fabrikam", "Northwind")]
    vault.close()
    return made


def test_bulk_keys_are_the_keys_opened_one_by_one(vault: Vault, vault_path: Path) -> None:
    _three_clients(vault)
    bulk = _cold(vault_path)
    readable = bulk.readable_scopes()
    assert len(readable) >= 4  # three clients, the internal scope, the shared scope
    found = bulk.derived_keys(readable, PURPOSE)
    bulk.close()
    single = _cold(vault_path)
    try:
        assert found == {s: single.derived_key(s, PURPOSE) for s in readable}
        assert len({key for _, key in found.values()}) == len(found)  # every scope its own key
    finally:
        single.close()


def test_only_the_scopes_asked_for_are_opened(vault: Vault, vault_path: Path) -> None:
    clients = _three_clients(vault)
    again = _cold(vault_path)
    try:
        assert set(again.derived_keys(clients[:2], PURPOSE)) == set(clients[:2])
        assert again.derived_keys(["0" * 32], PURPOSE) == {}  # no such scope
    finally:
        again.close()


def _flipped(path: Path, scope_id: str) -> None:
    wrapped = bytearray(current_grant(path, scope_id)[3])
    wrapped[-1] ^= 0x01
    replace_wrapped(path, scope_id, bytes(wrapped))


@pytest.mark.parametrize("damage", ["planted", "flipped"])
def test_a_planted_or_damaged_grant_is_left_out_and_not_remembered(
    vault: Vault, vault_path: Path, damage: str
) -> None:
    vault_id = vault.vault_id
    clients = _three_clients(vault)
    victim = clients[1]
    if damage == "planted":
        plant_grant(vault_path, vault_id, victim)
    else:
        _flipped(vault_path, victim)
    again = _cold(vault_path)
    try:
        found = again.derived_keys(clients, PURPOSE)
        assert set(found) == {clients[0], clients[2]}
        with pytest.raises(DamagedHeaderError, match="damaged or forged"):
            again.derived_key(victim, PURPOSE)
        assert set(again.derived_keys(clients, PURPOSE)) == {clients[0], clients[2]}
    finally:
        again.close()


@pytest.mark.parametrize("created", [1.5, None, b"2026-01-01"])
def test_a_grant_check_that_cannot_run_leaves_no_key_behind(
    vault: Vault, vault_path: Path, created: object
) -> None:
    """A planted grant whose columns are not text (a retyped column) is forged, not cached.

    The key is cached before its grant is checked; a check that raised instead of
    answering once left the attacker's key cached for every later call.
    """
    vault_id = vault.vault_id
    clients = _three_clients(vault)
    victim = clients[0]
    plant_grant(vault_path, vault_id, victim)
    again = _cold(vault_path)
    try:
        ring = again._ring()
        member_id, version, _, wrapped = current_grant(vault_path, victim)
        key = ring._unwrap(victim, version, wrapped)
        with sqlite3.connect(vault_path) as conn:
            granted_by, signature = conn.execute(
                "SELECT granted_by, signature FROM scope_keys WHERE scope_id = ? AND member_id = ?",
                (victim, member_id),
            ).fetchone()
        conn.close()
        grant = (wrapped, granted_by, created, signature)
        with pytest.raises(DamagedHeaderError, match="damaged or forged"):
            ring._check(victim, version, key, grant, again._signer_key)
        assert (victim, version) not in ring._scope_keys
        with pytest.raises(DamagedHeaderError, match="damaged or forged"):
            again.derived_key(victim, PURPOSE)
    finally:
        again.close()


def test_a_grant_with_non_text_columns_is_not_genuine_for_every_caller() -> None:
    """``sitebook check`` asks the same function: a retyped column is a problem, not a crash."""
    for granted_by, created in ((1.5, "2026-01-01"), ("m" * 32, 1.5), (None, None)):
        assert not grant_is_genuine(
            "v" * 32, "s" * 32, 1, "m" * 32, granted_by, created, b"w", b"s", lambda *_: None
        )
