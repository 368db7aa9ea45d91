"""Opening the index with a cold keyring: every grant still checked, the caller's work run once.

The snapshot starts decrypting before the grants' signatures are checked; a
planted grant must still keep that snapshot from being used.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from crypto import aead, keys
from search import SearchIndex, snapshot
from search.index import PURPOSE
from tests.vault.grants import plant_grant
from vault import Vault
from vault.codec import ctx
from vault.errors import DamagedHeaderError
from vault.model import Client

from .conftest import PASSPHRASE


def _saved(vault: Vault, contoso: Client, fabrikam: Client) -> None:
    vault.add_record(contoso.id, "configuration", "srv-dc01", {"hostname": "srv-dc01"})
    vault.add_record(fabrikam.id, "configuration", "fab-fs02", {"hostname": "fab-fs02"})
    with SearchIndex.open(vault) as index:
        assert index.last_load.startswith("rebuilt")


def _cold(path: Path) -> Vault:
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    return vault


def test_a_cold_open_loads_the_snapshot_and_runs_the_callers_work_once(
    vault: Vault, vault_path: Path, contoso: Client, fabrikam: Client
) -> None:
    _saved(vault, contoso, fabrikam)
    vault.close()
    cold = _cold(vault_path)
    calls: list[int] = []
    try:
        with SearchIndex.open(cold, meanwhile=lambda: calls.append(len(cold.clients()))) as index:
            assert index.last_load == "loaded"
            assert [h.title for h in index.search("fab-fs02")] == ["fab-fs02"]
        assert calls == [2]
    finally:
        cold.close()


def test_the_callers_work_runs_once_when_rebuilding(vault: Vault, contoso: Client) -> None:
    calls: list[str] = []
    with SearchIndex.open(vault, meanwhile=lambda: calls.append("named")) as index:
        assert index.last_load.startswith("rebuilt")
    assert calls == ["named"]


def test_a_failing_callers_work_stops_the_open(
    vault: Vault, vault_path: Path, contoso: Client, fabrikam: Client
) -> None:
    _saved(vault, contoso, fabrikam)

    def fails() -> None:
        raise RuntimeError("the caller's own failure")

    with pytest.raises(RuntimeError, match="caller's own"):
        SearchIndex.open(vault, meanwhile=fails)
    with SearchIndex.open(vault) as index:  # nothing was left half-open
        assert index.last_load == "loaded"


def test_a_planted_grant_keeps_the_snapshot_from_being_used(
    vault: Vault,
    vault_path: Path,
    contoso: Client,
    fabrikam: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    vault_id = vault.vault_id
    _saved(vault, contoso, fabrikam)
    vault.close()
    plant_grant(vault_path, vault_id, fabrikam.id)
    cold = _cold(vault_path)
    try:
        assert fabrikam.id not in cold.derived_keys([fabrikam.id], "search-index")
        caplog.set_level(logging.INFO, logger="search.index")
        # The snapshot is refused (its key needs Fabrikam's), and rebuilding then meets
        # the forged key when it reads Fabrikam's records, as opening them one by one does.
        with pytest.raises(DamagedHeaderError, match="damaged or forged"):
            SearchIndex.open(cold)
        assert "it covers a scope this member cannot read now" in caplog.text
    finally:
        cold.close()


def test_a_snapshot_made_with_a_planted_key_is_never_loaded(
    vault: Vault, vault_path: Path, contoso: Client, fabrikam: Client
) -> None:
    """The attack the grant signatures stop: a planted key and a snapshot made under it."""
    vault_id, member_id = vault.vault_id, vault.member_id
    _saved(vault, contoso, fabrikam)
    index = SearchIndex.open(vault)
    data, mark, path = index.store.to_bytes(), index.store.mark, index.path
    genuine = vault.derived_keys(index.scopes, PURPOSE)
    index.close(save=False)
    vault.close()
    chosen = aead.new_key()
    version = plant_grant(vault_path, vault_id, fabrikam.id, chosen)
    info = ctx("derived-key", vault_id, fabrikam.id, version, PURPOSE)
    forged = {**genuine, fabrikam.id: (version, keys.derive_subkey(chosen, info))}
    scopes = [(s, v, k) for s, (v, k) in forged.items()]
    snapshot.write(path, data, mark=mark, vault_id=vault_id, member_id=member_id, scopes=scopes)
    cold = _cold(vault_path)
    try:
        with pytest.raises(DamagedHeaderError, match="damaged or forged"):
            SearchIndex.open(cold)  # not "loaded": the planted grant's signature fails
    finally:
        cold.close()
