"""Opening every scope key at once gives exactly what opening them one by one gives.

``Vault.derived_keys`` (the search index's cold open) reads every grant in one
query; each key must still be unwrapped and its grant's signature checked, so a
planted or damaged grant is left out, and not remembered as good.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crypto import aead, keys
from vault import Vault
from vault.errors import DamagedHeaderError
from vault.keyring import grant_context, grant_is_genuine

from .conftest import PASSPHRASE

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


def _grant(path: Path, scope_id: str) -> tuple[str, int, bytes, bytes]:
    """(member id, key version, member's exchange public key, wrapped) of a current grant."""
    with sqlite3.connect(path) as conn:
        member_id, version, wrapped = conn.execute(
            "SELECT k.member_id, k.key_version, k.wrapped FROM scope_keys k JOIN scopes s "
            "ON s.id = k.scope_id AND s.key_version = k.key_version WHERE k.scope_id = ?",
            (scope_id,),
        ).fetchone()
        (public,) = conn.execute(
            "SELECT exchange_public FROM members WHERE id = ?", (member_id,)
        ).fetchone()
    return member_id, version, public, wrapped


def _replace_wrapped(path: Path, scope_id: str, wrapped: bytes) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE scope_keys SET wrapped = ? WHERE scope_id = ?", (wrapped, scope_id))
    conn.close()


def _planted(path: Path, scope_id: str, vault_id: str) -> None:
    """Wrap a key of an attacker's choosing for the member (anyone can: the key is public)."""
    member_id, version, public, _ = _grant(path, scope_id)
    chosen = aead.new_key()
    _replace_wrapped(
        path,
        scope_id,
        keys.wrap_for(public, chosen, grant_context(vault_id, scope_id, version, member_id)),
    )


def _flipped(path: Path, scope_id: str) -> None:
    wrapped = bytearray(_grant(path, scope_id)[3])
    wrapped[-1] ^= 0x01
    _replace_wrapped(path, scope_id, bytes(wrapped))


@pytest.mark.parametrize("damage", ["planted", "flipped"])
def test_a_planted_or_damaged_grant_is_left_out_and_not_remembered(
    vault: Vault, vault_path: Path, damage: str
) -> None:
    vault_id = vault.vault_id
    clients = _three_clients(vault)
    victim = clients[1]
    if damage == "planted":
        _planted(vault_path, victim, vault_id)
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
    _planted(vault_path, victim, vault_id)
    again = _cold(vault_path)
    try:
        ring = again._ring()
        member_id, version, _, wrapped = _grant(vault_path, victim)
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
