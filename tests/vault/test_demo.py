"""The demo vault: realistic, cross-linked, deterministic, and valid record by record."""

from __future__ import annotations

import pytest

from vault import Vault, errors
from vault.demo import build_demo
from vault.demo_data import TYPES


def test_demo_fills_an_empty_vault(vault: Vault) -> None:
    seen: list[tuple[int, int]] = []
    counts = build_demo(vault, records=120, seed=3, progress=lambda d, t: seen.append((d, t)))
    assert sum(counts.values()) == 120
    assert set(counts) == set(TYPES)
    assert seen[-1] == (120, 120)
    clients = vault.clients()
    assert len(clients) >= 4
    records = vault.list_records()
    assert len(records) == 120
    by_id = {r.id: r for r in records}
    linked = [r for r in records if r.links]
    assert linked and all(link in by_id for r in linked for link in r.links)
    credential = next(
        r for r in records if r.type == "credential" and r.fields.get("configuration")
    )
    assert by_id[credential.fields["configuration"]].type == "configuration"
    assert credential in vault.backlinks(credential.fields["configuration"])
    assert vault.check().ok


def test_demo_refuses_a_vault_with_clients(vault: Vault) -> None:
    vault.add_client("Existing")
    with pytest.raises(errors.VaultError, match="empty vault"):
        build_demo(vault, records=20)
