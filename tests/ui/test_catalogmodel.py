"""The catalog-backed record list: columns, sorting, qtmodeltester, and 100,000 rows."""

from __future__ import annotations

import gc
import time

import pytest
from PySide6.QtCore import Qt

from ui.desktop.catalogmodel import (
    FREEZE_ROWS,
    CatalogProxy,
    CatalogTableModel,
    ListRow,
    read_list,
    sort_by_title,
)
from ui.desktop.recordmodel import RECORD_ID_ROLE, SORT_ROLE
from vault.templates import BUILTIN_TEMPLATES

pytestmark = pytest.mark.timeout(120)


def make_rows(n: int, type_: str = "configuration", scopes: int = 3) -> list[ListRow]:
    """``n`` generated catalog rows (what SearchIndex.catalog hands out, minus tags)."""
    return [
        ListRow(
            id=f"{i:032x}",
            scope_id=f"scope{i % scopes}",
            type=type_,
            title=f"srv-{(i * 7919) % n:06d}",
            updated=f"2026-01-{1 + i % 28:02d}T10:00:00+00:00",
            columns={
                "hostname": f"srv-{i:06d}",
                "kind": "server",
                "ip_addresses": f"10.0.{i % 250}.1",
            },
        )
        for i in range(n)
    ]


def catalog_view(qtbot, *, sorting: bool = False, shown: bool = False):
    """(model, proxy, view): the record model behind its proxy in a table, as the browser has.

    ``shown``: sized 900×700 and on screen (for what painting and scrolling do).
    """
    from PySide6.QtWidgets import QTableView

    model = CatalogTableModel()
    proxy = CatalogProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(sorting)
    if shown:
        view.resize(900, 700)
        view.show()
    return model, proxy, view


def test_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = CatalogTableModel()
    qtmodeltester.check(model)
    model.set_rows(make_rows(50), BUILTIN_TEMPLATES, {"scope0": "A", "scope1": "B"})
    qtmodeltester.check(model)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    model.clear()
    qtmodeltester.check(model)


def test_columns_follow_the_type_and_never_show_secrets() -> None:
    model = CatalogTableModel()
    model.set_rows(make_rows(10), BUILTIN_TEMPLATES, {})
    keys = model.column_keys()
    assert keys[:3] == ["title", "type", "client"]
    assert "field:hostname" in keys and "field:license_key" not in keys
    assert keys[-1] == "updated"
    model.set_rows(make_rows(10, "credential", scopes=1), BUILTIN_TEMPLATES, {})
    assert "field:password" not in model.column_keys() and "client" not in model.column_keys()
    model.set_rows(make_rows(3), BUILTIN_TEMPLATES, {}, search=True)
    assert "match" in model.column_keys()


def test_sort_through_the_proxy_keeps_the_selection(qtbot) -> None:
    model, proxy, view = catalog_view(qtbot, sorting=True)
    model.set_rows(make_rows(200), BUILTIN_TEMPLATES, {})
    view.setCurrentIndex(proxy.index(17, 0))
    chosen = view.currentIndex().data(RECORD_ID_ROLE)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    titles = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert titles == sorted(titles)
    assert view.currentIndex().data(RECORD_ID_ROLE) == chosen
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # a reversal: rows move to their mirror
    titles = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert titles == sorted(titles, reverse=True)
    assert view.currentIndex().data(RECORD_ID_ROLE) == chosen


def test_100k_rows_fill_and_sort_on_the_worker(qtbot) -> None:
    """Not a timed assert on a loaded machine: a generous ceiling that catches O(n²)."""
    rows = make_rows(100_000)
    model = CatalogTableModel()
    started = time.perf_counter()
    model.set_rows(rows, BUILTIN_TEMPLATES, {})
    with qtbot.waitSignal(model.sort_finished, timeout=30_000):
        model.sort(0, Qt.SortOrder.AscendingOrder)
        assert model.sort_job is not None  # big lists are sorted off the GUI thread
    assert time.perf_counter() - started < 5
    assert model.rowCount() == 100_000
    titles = [model.index(r, 0).data() for r in range(0, 100_000, 997)]
    assert titles == sorted(titles)
    assert model.row_of(rows[-1].id) >= 0
    ascending = [model.record_id(r) for r in range(100_000)]
    with qtbot.waitSignal(model.sort_finished, timeout=1000):
        model.sort(0, Qt.SortOrder.DescendingOrder)  # the other way round: reversed at once
    assert model.sort_job is None
    assert [model.record_id(r) for r in range(100_000)] == ascending[::-1]


def test_a_late_background_sort_never_reorders_newer_rows(qtbot) -> None:
    model = CatalogTableModel()
    model.set_rows(make_rows(30_000), BUILTIN_TEMPLATES, {})
    model.sort(0, Qt.SortOrder.DescendingOrder)
    job = model.sort_job
    assert job is not None
    fresh = make_rows(10)
    model.set_rows(fresh, BUILTIN_TEMPLATES, {})  # e.g. another client picked meanwhile
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert [r.id for r in model.rows()] == [r.id for r in fresh]


def test_every_column_sorts_by_value_then_id(qtbot) -> None:
    rows = make_rows(300)
    rows[5] = rows[5]._replace(columns='{"ip_addresses": "10.0.0.9", "hostname": "Zed"}')
    model = CatalogTableModel()
    model.set_rows(rows, BUILTIN_TEMPLATES, {"scope0": "b", "scope1": "A", "scope2": "c"})
    for column, key in enumerate(model.column_keys()):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            with qtbot.waitSignal(model.sort_finished, timeout=1000):
                model.sort(column, order)
            shown = [
                (model.index(r, column).data(SORT_ROLE), model.index(r, 0).data(RECORD_ID_ROLE))
                for r in range(model.rowCount())
            ]
            wanted = sorted(shown, reverse=order == Qt.SortOrder.DescendingOrder)
            assert shown == wanted, key


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_read_list_by_title_is_the_order_sort_by_title_gives(
    small_vault, tmp_path, order: Qt.SortOrder
) -> None:
    from search import SearchIndex
    from vault.vault import Vault

    vault = Vault.open(small_vault.path)
    vault.unlock(small_vault.passphrase)
    client = vault.clients()[0]
    for title in ("Érable", "erable", "ß-street", "SS-street", "zz top", "ZZ top", "Rack 10"):
        vault.add_record(client.id, "procedure", title, {"body": "Steps."})
    vault.add_record(client.id, "procedure", "Rack 9", {"body": "Steps."})
    try:
        with SearchIndex.open(vault, cache=tmp_path / "cache") as index:
            for scope, kind in ((None, None), (client.id, None), (None, "procedure")):
                expected = read_list(index, scope, kind, None)
                assert len(expected) > 6
                sort_by_title(expected, order)
                assert read_list(index, scope, kind, order) == expected
                racks = [r[3] for r in expected if r[3].startswith("Rack")]  # r[3]: the title
                ascending = ["Rack 9", "Rack 10"]
                assert racks == (
                    ascending if order == Qt.SortOrder.AscendingOrder else ascending[::-1]
                )
    finally:
        vault.close()


def test_a_big_list_is_frozen_out_of_collections_until_the_lock() -> None:
    """100k long-lived rows leave the collector's scans; clearing (lock) gives them back."""
    gc.unfreeze()
    model = CatalogTableModel()
    model.set_rows(make_rows(FREEZE_ROWS), BUILTIN_TEMPLATES, {"scope0": "A"})
    assert gc.get_freeze_count() > 0
    model.clear()
    assert gc.get_freeze_count() == 0
