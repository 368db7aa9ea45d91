"""Every model of the window passes pytest-qt's qtmodeltester (STYLE §4), empty and full."""

from __future__ import annotations

import pytest

from tests.ui.conftest import SmallVault
from ui.desktop.clientmodel import ClientTreeModel, build_nodes
from ui.desktop.recordmodel import RecordFilterProxy, RecordTableModel
from vault.model import Client
from vault.vault import Vault

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def opened(small_vault: SmallVault):
    vault = Vault.open(small_vault.path)
    vault.unlock(small_vault.passphrase)
    yield vault
    vault.close()


def _internal(vault: Vault) -> Client:
    return Client(vault.internal_scope_id, vault.scope_name(vault.internal_scope_id))


def _names(vault: Vault) -> dict[str, str]:
    return {c.id: c.name for c in [*vault.clients(), _internal(vault)]}


def test_client_tree_model_empty(qtmodeltester) -> None:
    qtmodeltester.check(ClientTreeModel())


def test_client_tree_model_full(qtmodeltester, opened: Vault) -> None:
    model = ClientTreeModel()
    nodes = build_nodes(
        opened.list_records(), opened.clients(), _internal(opened), opened.templates(), "All"
    )
    model.set_nodes(nodes)
    qtmodeltester.check(model)
    model.clear()
    qtmodeltester.check(model)


def test_record_table_model_empty(qtmodeltester) -> None:
    qtmodeltester.check(RecordTableModel())


@pytest.mark.parametrize("type_id", [None, "credential", "configuration", "service-entry"])
def test_record_table_model_full(qtmodeltester, opened: Vault, type_id: str | None) -> None:
    model = RecordTableModel()
    model.set_records(opened.list_records(type=type_id), opened.templates(), _names(opened))
    assert model.rowCount() > 0
    qtmodeltester.check(model)


def test_filter_proxy_sorted_and_filtered(qtmodeltester, opened: Vault) -> None:
    model = RecordTableModel()
    proxy = RecordFilterProxy()
    proxy.setSourceModel(model)
    model.set_records(opened.list_records(), opened.templates(), _names(opened))
    proxy.sort(0)
    proxy.setFilterFixedString("srv")
    qtmodeltester.check(proxy)
    assert 0 < proxy.rowCount() < model.rowCount()
    model.clear()
    qtmodeltester.check(proxy)
