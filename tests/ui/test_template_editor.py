"""The template editor against a real vault: create, use, edit and retire a custom record type."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import OFFSCREEN_NOISE, unlock
from ui.desktop import clipboard, dialogs
from ui.desktop.templateeditor_model import (
    KIND,
    LABEL,
    LIST_COLUMN,
    NAME,
    REQUIRED,
    SECRET,
    FieldTableModel,
    field_slug,
)
from vault.fields import FieldKind
from vault.vault import Vault

pytestmark = [pytest.mark.timeout(90), OFFSCREEN_NOISE]
CHECKED = Qt.CheckState.Checked
UNCHECKED = Qt.CheckState.Unchecked


@pytest.fixture
def unlocked(qtbot, window, small_vault):
    unlock(qtbot, window, small_vault.passphrase)
    yield window
    dialogs.clear_answers()
    clipboard.clear_if_ours()


def set_cell(model: FieldTableModel, row: int, column: int, value: object) -> None:
    role = Qt.ItemDataRole.CheckStateRole if column in (SECRET, REQUIRED, LIST_COLUMN) else None
    at = model.index(row, column)
    assert model.setData(at, value, role or Qt.ItemDataRole.EditRole)


def add_field(editor, label: str, kind: FieldKind | None = None) -> int:
    row = editor.add_field()
    editor.table.closePersistentEditor(editor.model.index(row, LABEL))
    set_cell(editor.model, row, LABEL, label)
    if kind is not None:
        set_cell(editor.model, row, KIND, str(kind))
    return row


def test_field_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = FieldTableModel()
    model.add_row()
    set_cell(model, 0, LABEL, "Admin PIN")
    model.add_row()
    qtmodeltester.check(model)
    assert field_slug("Admin PIN") == "admin_pin" and field_slug("2nd site") == "f_2nd_site"


def test_create_a_custom_type_use_it_edit_it_and_retire_it(qtbot, unlocked) -> None:
    vault: Vault = unlocked.vault
    manager = unlocked.commands.show_record_types()
    assert manager is not None and manager.model.rowCount() == len(vault.templates())
    editor = manager.new_type()
    assert not editor.save_button.isEnabled()  # nothing typed yet
    qtbot.keyClicks(editor.name, "Backup job")
    assert editor.type_id.text() == "backup-job" and editor.plural.text() == "Backup jobs"
    assert not editor.save_button.isEnabled()  # no fields yet
    assert "at least one field" in editor.message.text()

    add_field(editor, "Target host")
    assert editor.model.index(0, NAME).data() == "target_host"
    set_cell(editor.model, 0, REQUIRED, CHECKED)
    set_cell(editor.model, 0, LIST_COLUMN, CHECKED)
    add_field(editor, "Retention days", FieldKind.NUMBER)
    add_field(editor, "Encryption key")
    set_cell(editor.model, 2, SECRET, CHECKED)
    assert editor.model.definitions()[2].kind is FieldKind.SECRET
    add_field(editor, "Schedule", FieldKind.CHOICE)
    # A choice field without choices is refused inline, on its cell.
    assert not editor.save_button.isEnabled()
    assert "at least one choice" in editor.model.problem(3, 6)
    set_cell(editor.model, 3, 6, "nightly, weekly")
    # Two fields with one name: shown on the name cell of the second.
    add_field(editor, "target host")
    assert "already used" in editor.model.problem(4, NAME)
    editor.table.setCurrentIndex(editor.model.index(4, 0))
    assert editor.remove_field()
    # Order: move the schedule up above the key.
    editor.table.setCurrentIndex(editor.model.index(3, 0))
    assert editor.move_field(-1) == 2
    assert [d.name for d in editor.model.definitions()] == [
        "target_host",
        "retention_days",
        "schedule",
        "encryption_key",
    ]
    assert editor.save_button.isEnabled(), editor.message.text()
    with qtbot.waitSignal(editor.saved, timeout=5000):
        assert editor.save()
    saved = vault.template("backup-job")
    assert saved.field("encryption_key").secret and saved.field("target_host").required
    assert manager.selected().template.id == "backup-job"

    # A record of the new type, through the record form.
    client = vault.clients()[0]
    unlocked.browser.select_scope(client.id)
    form = unlocked.commands.add_record("backup-job")
    form.title.setText("Nightly NAS backup")
    form.inputs["retention_days"].set_text("thirty")
    assert form.inputs["retention_days"].error.isVisible() and not form.save_button.isEnabled()
    form.inputs["retention_days"].set_text("30")
    assert not form.save_button.isEnabled()  # target host is required
    form.inputs["target_host"].set_text("nas01")
    form.inputs["schedule"].set_text("nightly")
    form.inputs["encryption_key"].set_text("k3y-Only-In-The-Vault")
    with qtbot.waitSignal(form.saved, timeout=5000) as done:
        assert form.save()
    record = vault.get_record(done.args[0])
    assert record.type == "backup-job" and record.fields["retention_days"] == "30"
    assert unlocked.index.search("k3y-Only-In-The-Vault") == []  # the secret is not indexed

    # Edit the type: the id is fixed, saved names are fixed, a secret stays secret.
    editor = manager.edit_selected()
    assert editor.type_id.isReadOnly()
    assert not editor.model.flags(editor.model.index(0, NAME)) & Qt.ItemFlag.ItemIsEditable
    set_cell(editor.model, 3, SECRET, UNCHECKED)
    assert "must stay a secret" in editor.model.problem(3, KIND)
    assert not editor.save_button.isEnabled()
    set_cell(editor.model, 3, KIND, str(FieldKind.SECRET))
    add_field(editor, "Verified on", FieldKind.DATE)
    editor.name.setText("Backup schedule")
    with qtbot.waitSignal(editor.saved, timeout=5000):
        assert editor.save()
    assert vault.template("backup-job").name == "Backup schedule"
    assert vault.template("backup-job").fields[-1].kind is FieldKind.DATE
    assert vault.get_record(record.id).fields["target_host"] == "nas01"

    # Retire: not offered for new records any more; the record keeps working.
    assert manager.toggle_retired() and vault.retired_templates() == {"backup-job"}
    assert manager.retire_button.text().replace("&", "") == "Reinstate"
    dialogs.set_next_answer(None)  # the type question: cancelled
    offered: list[list[str]] = []
    real = dialogs.ask_item
    dialogs.ask_item = lambda _p, _t, _l, items: offered.append(items)  # type: ignore[assignment]
    try:
        unlocked.browser.select_scope("")
        unlocked.commands.add_record()
    finally:
        dialogs.ask_item = real  # type: ignore[assignment]
        dialogs.clear_answers()
    assert offered and "Backup schedule" not in offered[0] and "Credential" in offered[0]
    unlocked.browser.select_scope(client.id)
    assert unlocked.commands.add_record("backup-job") is None  # not even when named
    assert "retired" in unlocked.statusBar().currentMessage()
    unlocked.browser.select_record(record.id)
    assert "nas01" in unlocked.browser.view.html()
    assert manager.toggle_retired() and vault.retired_templates() == set()


def test_builtin_types_are_read_only_but_can_seed_a_new_type(qtbot, unlocked) -> None:
    manager = unlocked.commands.show_record_types()
    row = manager.model.row_of("credential")
    manager.table.setCurrentIndex(manager.model.index(row, 0))
    assert not manager.edit_button.isEnabled() and manager.edit_selected() is None
    editor = manager.new_from_selected()
    assert editor.type_id.text() == "credential-custom" and editor.dirty
    assert editor.model.rowCount() == len(unlocked.vault.template("credential").fields)
    # Names of a copied type can still change: nothing is saved under them yet.
    assert editor.model.flags(editor.model.index(0, NAME)) & Qt.ItemFlag.ItemIsEditable
    editor.type_id.setText("credential")
    assert "built-in" in editor.header_errors["id"].text() and not editor.save_button.isEnabled()
    editor.type_id.setText("vpn-account")
    add_field(editor, "VPN gateway", FieldKind.URL)
    with qtbot.waitSignal(editor.saved, timeout=5000):
        assert editor.save()
    assert unlocked.vault.template("vpn-account").field("vpn_gateway").kind is FieldKind.URL
    # Unsaved-changes guard.
    again = manager.edit_selected()
    again.description.setText("changed")
    dialogs.set_next_answer(2)
    again.reject()
    assert again.isVisible()
    dialogs.set_next_answer(1)
    again.reject()
    assert not again.isVisible()


def test_lock_closes_the_record_types_screen(qtbot, unlocked) -> None:
    manager = unlocked.commands.show_record_types()
    editor = manager.new_type()
    editor.name.setText("Half-typed")
    unlocked.lock()
    assert not manager.isVisible() and not editor.isVisible()
    assert manager.model.rowCount() == 0
