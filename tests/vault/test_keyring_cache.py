"""The keyring remembers which scopes are readable, and forgets as soon as the file changes.

Every test first asks (so the answer is cached), then changes grants or keys,
on the same connection or from another one, and asks again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from vault import Vault

from .test_team import as_member, join


def test_a_client_added_here_is_readable_at_once(vault: Vault) -> None:
    before = vault.readable_scopes()
    assert vault.readable_scopes() == before  # answered from the cache
    client = vault.add_client("Contoso")
    assert vault.readable_scopes() == before | {client.id}


def test_the_answer_is_a_copy(vault: Vault) -> None:
    first = vault.readable_scopes()
    first.add("not a scope")
    assert "not a scope" not in vault.readable_scopes()


def test_a_rolled_back_client_is_not_readable(vault: Vault) -> None:
    before = vault.readable_scopes()
    with pytest.raises(RuntimeError), vault.transaction():
        client = vault.add_client("Contoso")
        assert client.id in vault.readable_scopes()  # inside: asked of the file
        raise RuntimeError("abandon")
    assert vault.readable_scopes() == before


def test_a_grant_and_a_revoke_by_another_connection_are_seen(
    vault: Vault, vault_path: Path, fast_kdf: KdfParams
) -> None:
    contoso = vault.add_client("Contoso")
    fabrikam = vault.add_client("Fabrikam")
    carol_id = join(vault, vault_path, fast_kdf, "Carol", "client-admin", clients=["Contoso"])
    with as_member(vault_path, carol_id) as carol:
        seen = carol.readable_scopes()
        assert contoso.id in seen and fabrikam.id not in seen
        assert carol.readable_scopes() == seen  # cached, nothing changed

        vault.set_role(carol_id, "client-admin", clients=["Contoso", "Fabrikam"])
        assert {contoso.id, fabrikam.id} <= carol.readable_scopes()

        vault.set_role(carol_id, "client-admin", clients=["Fabrikam"])  # Contoso rotated
        now = carol.readable_scopes()
        assert fabrikam.id in now and contoso.id not in now

        vault.revoke_member(carol_id)
        assert carol.readable_scopes() & {contoso.id, fabrikam.id} == set()


def test_locking_forgets_the_answer(vault: Vault) -> None:
    vault.readable_scopes()
    ring = vault._ring()
    vault.lock()
    assert ring._readable is None
