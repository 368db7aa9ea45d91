"""Fixtures for search tests: a real vault file on disk (floor-level KDF) and its index.

No storage is mocked: every test writes a ``.sitebook`` file under its own
``tmp_path`` and the index snapshots go to the redirected cache folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from search import SearchIndex
from vault import Vault
from vault.model import Client

PASSPHRASE = "correct horse battery"


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "vault" / "search.sitebook"


@pytest.fixture
def vault(vault_path: Path, fast_kdf: KdfParams) -> Iterator[Vault]:
    """A new, unlocked vault (closed at the end)."""
    vault_path.parent.mkdir(parents=True, exist_ok=True)
    made, _recovery = Vault.create(
        vault_path,
        name="Northwind IT",
        owner="Alice Admin",
        passphrase=PASSPHRASE,
        kdf_params=fast_kdf,
    )
    yield made
    if made.is_unlocked:
        made.close()


@pytest.fixture
def contoso(vault: Vault) -> Client:
    return vault.add_client("Contoso Dental")


@pytest.fixture
def fabrikam(vault: Vault) -> Client:
    return vault.add_client("Fabrikam Logistics")


@pytest.fixture
def index(vault: Vault) -> Iterator[SearchIndex]:
    """The vault's search index (closed, and so saved, at the end)."""
    opened = SearchIndex.open(vault)
    yield opened
    opened.close()


def reopen(path: Path, passphrase: str = PASSPHRASE, member_id: str | None = None) -> Vault:
    """Open and unlock a vault file again (as a new process would)."""
    vault = Vault.open(path)
    vault.unlock(passphrase, member_id=member_id)
    return vault


def ids(hits) -> list[str]:
    """Record ids of search hits, in order."""
    return [hit.id for hit in hits]
