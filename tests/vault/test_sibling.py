"""Vault.sibling: a second connection for background work, only ever to the same file.

A sibling gets the unlocked keys by value. If the path now names another file
(another vault, or a copy of this one put in its place), handing the keys over
would let them decrypt or sign on a file nobody unlocked, so it is refused.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from vault import Vault, errors

from .conftest import PASSPHRASE


def test_a_sibling_of_the_same_file_shares_the_keys(vault: Vault) -> None:
    client = vault.add_client("Contoso Dental")
    sibling = vault.sibling()
    try:
        assert sibling.is_unlocked
        assert [c.id for c in sibling.clients()] == [client.id]
    finally:
        sibling.close()
    assert vault.is_unlocked  # closing the sibling leaves this one alone


def test_another_vault_moved_into_the_path_gets_no_keys(
    vault: Vault, vault_path: Path, tmp_path: Path, fast_kdf: KdfParams
) -> None:
    other_path = tmp_path / "other.sitebook"
    other, _key = Vault.create(
        other_path, name="Mallory", owner="Mallory", passphrase=PASSPHRASE, kdf_params=fast_kdf
    )
    other.close()
    os.replace(other_path, vault_path)  # the open connection still holds the old file
    with pytest.raises(errors.VaultError) as caught:
        vault.sibling()
    assert "no longer the file" in str(caught.value)
    assert PASSPHRASE not in str(caught.value)


def test_a_copy_with_the_same_vault_id_in_its_place_gets_no_keys(
    vault: Vault, vault_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sitebook"
    with sqlite3.connect(vault_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # a faithful copy: same vault id, another inode
    with Vault.open(copy) as opened:
        assert opened.vault_id == vault.vault_id
    os.replace(copy, vault_path)
    with pytest.raises(errors.VaultError):
        vault.sibling()
