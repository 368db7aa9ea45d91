"""The record form: validation per kind, relations through the picker, files, keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS, unlock
from ui.desktop import clipboard, dialogs
from vault.vault import Vault

pytestmark = [pytest.mark.timeout(90), OFFSCREEN_NOISE]


@pytest.fixture
def unlocked(qtbot, window, small_vault):
    unlock(qtbot, window, small_vault.passphrase)
    yield window
    dialogs.clear_answers()
    clipboard.clear_if_ours()


@pytest.mark.parametrize(
    ("type_id", "field", "bad", "message", "good", "stored"),
    [
        ("configuration", "ip_addresses", "10.0.4.300", "IP address", "10.0.4.0/24", "10.0.4.0/24"),
        ("credential", "url", "portal contoso", "URL", "https://portal.contoso.example", None),
        ("contact", "email", "alice(at)contoso", "email", "Alice@Contoso.example", None),
        ("credential", "rotation_due", "2027-02-30", "real date", "2027-02-28", "2027-02-28"),
        ("configuration", "warranty_expires", "31.12.2027", "YYYY-MM-DD", "2027-12-31", None),
    ],
)
def test_each_kind_is_validated_inline(
    qtbot, unlocked, type_id, field, bad, message, good, stored
) -> None:
    client = unlocked.vault.clients()[0]
    unlocked.browser.select_scope(client.id)
    editor = unlocked.commands.add_record(type_id)
    editor.title.setText("validation probe")
    widget = editor.inputs[field]
    widget.set_text(bad)
    assert widget.error.isVisible() and message in widget.error.text()
    assert bad not in widget.error.text()  # the message never repeats the value
    assert not editor.save_button.isEnabled()
    widget.set_text(good)
    assert not widget.error.isVisible() and editor.save_button.isEnabled()
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        assert editor.save()
    value = unlocked.vault.get_record(saved.args[0]).fields[field]
    assert value == (stored or value) and value


def test_number_fields_on_a_custom_type(qtbot, unlocked) -> None:
    from vault.fields import FieldDef, FieldKind
    from vault.templates import Template

    unlocked.vault.add_template(
        Template("rack", "Rack", "Racks", (FieldDef("units", FieldKind.NUMBER, "Units"),), False)
    )
    unlocked.browser.select_scope(unlocked.vault.clients()[0].id)
    editor = unlocked.commands.add_record("rack")
    editor.title.setText("Rack A")
    units = editor.inputs["units"]
    units.set_text("42,5")
    assert units.error.isVisible() and "decimal separator" in units.error.text()
    units.set_text("042.50")
    assert not units.error.isVisible()
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        editor.save()
    assert unlocked.vault.get_record(saved.args[0]).fields["units"] == "42.5"


def test_relation_picker_links_and_unlinks_shown_both_ways(qtbot, unlocked) -> None:
    vault: Vault = unlocked.vault
    credential = next(r for r in vault.list_records(type="credential") if not r.links)
    target = next(
        r for r in vault.list_records(type="configuration") if r.id not in credential.links
    )
    unlocked.browser.select_record(credential.id)
    editor = unlocked.commands.edit_record()
    picker = editor.relations
    assert picker.ids() == ()
    with qtbot.waitSignal(picker.results_shown, timeout=SIGNAL_TIMEOUT_MS) as shown:
        qtbot.keyClicks(picker.query, target.title)
    assert shown.args[0] >= 1
    assert credential.id not in [i.id for i in picker.results_model.items()]  # never itself
    row = next(r for r, i in enumerate(picker.results_model.items()) if i.id == target.id)
    picker.results.setCurrentIndex(picker.results_model.index(row))
    qtbot.keyClick(picker.query, Qt.Key.Key_Return)  # links; does not save the form
    assert picker.ids() == (target.id,) and editor.isVisible() and editor.dirty
    assert picker.query.text() == ""
    with qtbot.waitSignal(editor.saved, timeout=5000):
        assert editor.save()
    assert vault.get_record(credential.id).links == (target.id,)
    assert credential.id in [r.id for r in vault.backlinks(target.id)]
    unlocked.browser.select_record(target.id)
    assert credential.title in unlocked.browser.view.html()  # shown on the other record too

    unlocked.browser.select_record(credential.id)
    editor = unlocked.commands.edit_record()
    assert [r.title for r in editor.relations.model.items()] == [target.title]
    editor.relations.links.setCurrentIndex(editor.relations.model.index(0))
    assert editor.relations.remove(0) and editor.relations.ids() == ()
    with qtbot.waitSignal(editor.saved, timeout=5000):
        assert editor.save()
    assert vault.get_record(credential.id).links == ()
    assert credential.id not in [r.id for r in vault.backlinks(target.id)]


def test_dropped_files_are_attached_after_saving(qtbot, unlocked, tmp_path: Path) -> None:
    vault: Vault = unlocked.vault
    record = vault.list_records(type="procedure")[0]
    unlocked.browser.select_record(record.id)
    editor = unlocked.commands.edit_record()
    one, two = tmp_path / "switch-config.txt", tmp_path / "rack.png"
    one.write_text("hostname core-sw1\n" * 200)
    two.write_bytes(bytes(range(256)) * 64)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(one)), QUrl.fromLocalFile(str(two))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    editor.dropEvent(drop)  # what Qt calls when files are dropped on the form
    assert drop.isAccepted()
    assert [p.name for p in editor.files.paths()] == ["switch-config.txt", "rack.png"]
    assert editor.dirty
    with qtbot.waitSignal(editor.saved, timeout=SIGNAL_TIMEOUT_MS):
        assert editor.save()
    names = sorted(a.name for a in vault.attachments(record.id))
    assert "rack.png" in names and "switch-config.txt" in names
    got = b"".join(
        vault.read_attachment(
            next(a.id for a in vault.attachments(record.id) if a.name == "rack.png")
        )
    )
    assert got == two.read_bytes()
    assert not editor.isVisible()


def test_tab_order_walks_the_form_and_ctrl_s_saves(qtbot, unlocked) -> None:
    record = unlocked.vault.list_records(type="procedure")[0]
    unlocked.browser.select_record(record.id)
    editor = unlocked.commands.edit_record()
    editor.activateWindow()
    editor.title.setFocus()
    qtbot.waitUntil(editor.title.hasFocus, timeout=5000)
    seen = []
    for _ in range(8):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    body = editor.inputs["body"]
    assert seen[0] is editor.client
    assert seen[1] is body.editor  # the preview is skipped
    assert body.preview not in seen
    assert editor.inputs["review_due"].line in seen and editor.tags in seen
    editor.title.setText(record.title + " v2")
    with qtbot.waitSignal(editor.saved, timeout=5000):
        qtbot.keyClick(editor.title, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert unlocked.vault.get_record(record.id).title == record.title + " v2"
