"""Fixtures for vault tests: a real vault file on disk with a fast (but floor-level) KDF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from vault import Vault

PASSPHRASE = "correct horse battery"


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "test.sitebook"


@pytest.fixture
def made(vault_path: Path, fast_kdf: KdfParams) -> Iterator[tuple[Vault, str]]:
    """A new unlocked vault and its recovery key."""
    vault, recovery_key = Vault.create(
        vault_path,
        name="Northwind IT",
        owner="Alice Admin",
        passphrase=PASSPHRASE,
        kdf_params=fast_kdf,
    )
    yield vault, recovery_key
    vault.close()


@pytest.fixture
def vault(made: tuple[Vault, str]) -> Vault:
    return made[0]


@pytest.fixture
def client(vault: Vault):
    return vault.add_client("Contoso Dental")
