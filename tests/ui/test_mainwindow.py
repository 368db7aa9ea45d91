"""The unlocked window: tree, list, record view, filter, shortcuts, and locking."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from tests.ui.conftest import OFFSCREEN_NOISE, open_dialogs, unlock
from ui.desktop.browser import LIST_AFTER_TREE_MS
from ui.desktop.clientmodel import COUNT_ROLE, SCOPE_ROLE, TYPE_ROLE
from ui.desktop.recordhtml import MASK
from ui.desktop.recordmodel import RECORD_ID_ROLE
from ui.desktop.signals import emit
from vault.vault import Vault

pytestmark = [pytest.mark.timeout(60), OFFSCREEN_NOISE]


@pytest.fixture
def unlocked(qtbot, window, small_vault):
    """The window, unlocked."""
    unlock(qtbot, window, small_vault.passphrase)
    return window


def _model_text(model, parent: QModelIndex = QModelIndex()) -> list[str]:  # noqa: B008
    """Every DisplayRole/ToolTipRole string in a model, children included."""
    out: list[str] = []
    for row in range(model.rowCount(parent)):
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = index.data(role)
                if isinstance(value, str):
                    out.append(value)
            if column == 0:
                out.extend(_model_text(model, index))
    return out


def _widget_text(root: QWidget) -> list[str]:
    """Every text a widget tree shows or holds: labels, fields, documents, models."""
    out: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, (QLabel, QLineEdit)):
            out.append(widget.text())
        elif isinstance(widget, (QTextEdit, QPlainTextEdit)):
            out.append(widget.toPlainText())
            if isinstance(widget, QTextEdit):
                out.append(widget.toHtml())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            out.extend(_model_text(widget.model()))
    return out


def _credential(win):
    vault: Vault = win.vault
    return next(r for r in vault.list_records(type="credential") if r.fields.get("password"))


def test_tree_lists_clients_types_and_counts(unlocked, small_vault) -> None:
    model = unlocked.browser.tree_model
    vault = unlocked.vault
    names = [model.index(row, 0).data() for row in range(model.rowCount())]
    clients = [c.name for c in vault.clients()]
    assert names == ["All records", *clients, "Provider internal"]
    assert model.index(0, 0).data(COUNT_ROLE) == small_vault.records
    for row, client in enumerate(vault.clients(), start=1):
        top = model.index(row, 0)
        assert top.data(SCOPE_ROLE) == client.id
        records = vault.list_records(client.id)
        assert top.data(COUNT_ROLE) == len(records)
        assert model.index(row, 1).data() == str(len(records))
        types = {
            model.index(r, 0, top).data(TYPE_ROLE): model.index(r, 0, top).data(COUNT_ROLE)
            for r in range(model.rowCount(top))
        }
        assert types == {
            t: sum(1 for x in records if x.type == t) for t in {x.type for x in records}
        }
    credentials = model.index_for(vault.clients()[0].id, "credential")
    assert credentials.data() == "Credentials"


def test_list_shows_all_records_then_a_client_type(unlocked, small_vault) -> None:
    browser = unlocked.browser
    assert browser.proxy.rowCount() == small_vault.records
    assert browser.table_model.column_keys() == ["title", "type", "client", "updated"]
    client = unlocked.vault.clients()[1]
    browser.select_scope(client.id, "credential")
    expected = unlocked.vault.list_records(client.id, "credential")
    assert browser.proxy.rowCount() == len(expected)
    assert browser.table_model.column_keys() == [
        "title",
        "type",
        "field:username",
        "field:url",
        "updated",
    ]
    ids = {browser.proxy.index(r, 0).data(RECORD_ID_ROLE) for r in range(browser.proxy.rowCount())}
    assert ids == {r.id for r in expected}
    assert browser.count_label.text() == f"{len(expected)} records"


def test_list_never_shows_a_secret(unlocked, small_vault) -> None:
    browser = unlocked.browser
    for scope_row in range(browser.tree_model.rowCount()):
        top = browser.tree_model.index(scope_row, 0)
        for type_row in range(browser.tree_model.rowCount(top)):
            browser.tree.setCurrentIndex(browser.tree_model.index(type_row, 0, top))
            shown = "\n".join(_model_text(browser.proxy))
            assert not [s for s in small_vault.secrets if s in shown]


def test_list_sorts_by_clicked_column(unlocked) -> None:
    browser = unlocked.browser
    browser.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    titles = [browser.proxy.index(r, 0).data() for r in range(browser.proxy.rowCount())]
    assert titles == sorted(titles, key=str.casefold, reverse=True)


def test_selecting_a_credential_masks_the_secret_and_reveal_shows_it(qtbot, unlocked) -> None:
    browser = unlocked.browser
    record = _credential(unlocked)
    browser.select_record(record.id)
    view = browser.view
    assert view.record_id == record.id
    text = view.browser.toPlainText()
    assert record.title in text
    assert "Username" in text and record.fields["username"] in text  # label from FieldDef
    assert "Password" in text and MASK in text
    assert record.fields["password"] not in text
    assert record.fields["password"] not in view.html()
    view.reveal("password")
    assert record.fields["password"] in view.browser.toPlainText()
    assert "Hide" in view.browser.toPlainText()
    view.reveal("password")  # toggles back
    assert record.fields["password"] not in view.browser.toPlainText()


def test_reveal_and_copy_links_work(qtbot, unlocked) -> None:
    from PySide6.QtCore import QUrl

    record = _credential(unlocked)
    unlocked.browser.select_record(record.id)
    view = unlocked.browser.view
    emit(view.browser.anchorClicked, QUrl("sitebook:reveal/password"))
    assert "password" in view.revealed
    with qtbot.waitSignal(view.message, timeout=1000) as message:
        emit(view.browser.anchorClicked, QUrl("sitebook:copy/password"))
    assert "Password" in message.args[0]
    assert QApplication.clipboard().text() == record.fields["password"]
    unlocked.lock()
    assert QApplication.clipboard().text() == ""  # lock clears a copied secret


def test_relations_are_shown_both_ways_and_navigate(qtbot, unlocked) -> None:
    vault = unlocked.vault
    source = next(r for r in vault.list_records() if r.links)
    target = vault.get_record(source.links[0])
    view = unlocked.browser.view
    unlocked.browser.select_record(source.id)
    assert "Links to" in view.browser.toPlainText()
    assert target.title in view.browser.toPlainText()
    assert f"sitebook:record/{target.id}" in view.html()
    with qtbot.waitSignal(view.record_activated, timeout=1000):
        from PySide6.QtCore import QUrl

        emit(view.browser.anchorClicked, QUrl(f"sitebook:record/{target.id}"))
    assert view.record_id == target.id
    assert "Linked from" in view.browser.toPlainText()
    assert f"sitebook:record/{source.id}" in view.html()


def test_markdown_fields_are_rendered(unlocked) -> None:
    procedure = unlocked.vault.list_records(type="procedure")[0]
    unlocked.browser.select_record(procedure.id)
    html = unlocked.browser.view.html()
    assert "<h3>Procedure</h3>" in html
    assert "<ol>" in html or "<ul>" in html or "<p>" in html


def test_search_as_you_type_narrows_the_list_and_ctrl_f_focuses_it(qtbot, unlocked) -> None:
    browser = unlocked.browser
    unlocked.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is unlocked, timeout=5000)
    qtbot.keyClick(unlocked, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert browser.filter.hasFocus()
    total = browser.proxy.rowCount()
    title = browser.proxy.index(0, 0).data()
    with qtbot.waitSignal(browser.list_loaded, timeout=10_000):
        qtbot.keyClicks(browser.filter, f'"{title.upper()}"')
    assert 0 < browser.proxy.rowCount() < total
    shown = [browser.proxy.index(r, 0).data() for r in range(browser.proxy.rowCount())]
    assert title in shown
    assert "match" in browser.table_model.column_keys()
    assert browser.count_label.text().endswith("found")
    with qtbot.waitSignal(browser.list_loaded, timeout=10_000):
        browser.filter.clear()
    assert browser.proxy.rowCount() == total


def test_a_list_still_on_its_way_never_replaces_search_hits(qtbot, unlocked) -> None:
    """The list read with the index arrives later than a quick search's hits: it is dropped."""
    browser = unlocked.browser
    vault, index = unlocked.vault, unlocked.index
    title = browser.proxy.index(0, 0).data()
    total = browser.proxy.rowCount()
    prepared = browser.prepare(vault, index, browser.list_order())  # the whole list
    browser.runner.set_delay(0)
    browser.load(vault, index, prepared)  # the list comes LIST_AFTER_TREE_MS from now
    with qtbot.waitSignal(browser.list_loaded, timeout=10_000):
        browser.search.setText(f'"{title}"')
    assert 0 < browser.proxy.rowCount() < total  # the hits came first
    qtbot.wait(LIST_AFTER_TREE_MS * 5)
    assert 0 < browser.proxy.rowCount() < total  # and stay
    assert "match" in browser.table_model.column_keys()


def test_search_finds_nothing_for_a_secret(qtbot, unlocked, small_vault) -> None:
    browser = unlocked.browser
    secret = sorted(small_vault.secrets)[0]
    with qtbot.waitSignal(browser.list_loaded, timeout=10_000):
        browser.filter.setText(f'"{secret}"')
    assert browser.proxy.rowCount() == 0


def _assert_locked_and_clean(win, small_vault) -> None:
    assert not win.is_unlocked
    assert win.stack.currentWidget() is win.unlock_screen
    assert win.browser.tree_model.rowCount() == 0
    assert win.browser.table_model.rowCount() == 0
    assert win.browser.proxy.rowCount() == 0
    assert win.browser.view.record_id is None
    assert win.state_label.text() == "Locked"
    everything = "\n".join(_widget_text(win))
    assert not [s for s in small_vault.secrets if s in everything]
    for client in ("Contoso", "Fabrikam", "Tailspin", "Woodgrove"):
        assert client not in everything  # no decrypted name left either


def test_lock_empties_every_model_and_clears_secrets(qtbot, unlocked, small_vault) -> None:
    record = _credential(unlocked)
    unlocked.browser.select_record(record.id)
    unlocked.browser.view.reveal("password")
    unlocked.browser.filter.setText("a")
    assert record.fields["password"] in "\n".join(_widget_text(unlocked))  # the check can see it
    with qtbot.waitSignal(unlocked.locked, timeout=1000):
        unlocked.lock()
    _assert_locked_and_clean(unlocked, small_vault)
    assert unlocked.browser.filter.text() == ""
    assert open_dialogs() == []


def test_ctrl_l_locks_and_unlocking_again_works(qtbot, unlocked, small_vault) -> None:
    unlocked.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is unlocked, timeout=5000)
    with qtbot.waitSignal(unlocked.locked, timeout=1000):
        qtbot.keyClick(unlocked, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    _assert_locked_and_clean(unlocked, small_vault)
    unlock(qtbot, unlocked, small_vault.passphrase)
    assert unlocked.browser.proxy.rowCount() == small_vault.records


def test_ctrl_q_closes_the_window(qtbot, unlocked) -> None:
    unlocked.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is unlocked, timeout=5000)
    qtbot.keyClick(unlocked, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not unlocked.isVisible()
    assert unlocked.vault is None  # closed on the way out


HOSTILE = (
    "<script>alert(1)</script>\n\n"
    '<img src="http://example.invalid/raw.png">\n\n'
    "![tracker](http://example.invalid/tracker.png)\n\n"
    "[click](javascript:alert(1))"
)


def test_a_hostile_record_renders_inert(qtbot, small_vault, monkeypatch) -> None:
    from ui.desktop.mainwindow import MainWindow
    from ui.desktop.recordview import SafeBrowser

    with Vault.open(small_vault.path) as vault:
        vault.unlock(small_vault.passphrase)
        client = vault.clients()[0]
        made = vault.add_record(
            client.id, "procedure", "<b>Bold</b> & <i>co</i>", {"body": HOSTILE}
        )
    loads: list[tuple[str, object]] = []
    original = SafeBrowser.loadResource

    def spy(self, kind, url):
        result = original(self, kind, url)
        loads.append((url.toString(), result))
        return result

    monkeypatch.setattr(SafeBrowser, "loadResource", spy)
    win = MainWindow(small_vault.path)
    qtbot.addWidget(win)
    win.show()
    win.start()
    unlock(qtbot, win, small_vault.passphrase)
    win.browser.select_record(made.id)
    html = win.browser.view.html()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<img src="http://example.invalid/raw.png">' not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;i&gt;co&lt;/i&gt;" in html
    qtbot.waitUntil(lambda: bool(loads), timeout=2000)  # the image was asked for...
    assert all(result is None for _url, result in loads)  # ...and refused
    assert (
        "<b>Bold</b>" in win.browser.proxy.index(win.browser.table.currentIndex().row(), 0).data()
    )  # the list shows the title as plain text, not markup


def test_lock_clears_forms_panes_and_dialogs(qtbot, unlocked, small_vault) -> None:
    """Editor with a typed secret, TOTP strip, history, attachments, palette, screens: all gone."""
    vault = unlocked.vault
    record = next(
        r
        for r in vault.list_records(type="credential")
        if r.fields.get("password") and r.fields.get("totp")
    )
    unlocked.browser.select_record(record.id)
    view = unlocked.browser.view
    assert view.totp.isVisible()
    view.tabs.setCurrentWidget(view.history)
    editor = unlocked.commands.edit_record()
    assert editor.inputs["password"].text() == record.fields["password"]
    unlocked.commands.show_palette()
    unlocked.screens.show_overview()
    unlocked.screens.show_audit()
    unlocked.lock()
    _assert_locked_and_clean(unlocked, small_vault)
    assert not view.totp.isVisible() and view.totp.current_code() == ""
    assert view.history.model.rowCount() == 0 and view.attachments.model.rowCount() == 0
    assert unlocked.commands.editor is None and unlocked.screens.open == []
    assert not editor.isVisible() and editor.inputs["password"].text() == ""
    assert open_dialogs() == []
