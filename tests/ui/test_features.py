"""Editing, palette, credential shortcuts, idle lock, settings, team screens, overviews."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import OFFSCREEN_NOISE, unlock
from ui.desktop import clipboard, dialogs
from ui.desktop.settings import SETTINGS, Settings

pytestmark = [pytest.mark.timeout(60), OFFSCREEN_NOISE]


@pytest.fixture
def unlocked(qtbot, window, small_vault):
    unlock(qtbot, window, small_vault.passphrase)
    yield window
    dialogs.clear_answers()
    clipboard.clear_if_ours()


def test_new_record_form_validates_live_and_saves(qtbot, unlocked) -> None:
    client = unlocked.vault.clients()[0]
    unlocked.browser.select_scope(client.id)
    editor = unlocked.commands.add_record("configuration")
    assert editor is not None and not editor.save_button.isEnabled()
    editor.title.setText("srv-new01")
    ips = editor.inputs["ip_addresses"]
    ips.set_text("10.0.4.300")
    assert ips.error.isVisible() and not editor.save_button.isEnabled()
    ips.set_text("10.0.4.10, 10.0.4.0/24")
    assert not ips.error.isVisible()
    editor.inputs["warranty_expires"].set_text("31/12/2027")
    assert not editor.save_button.isEnabled()
    editor.inputs["warranty_expires"].set_text("2027-12-31")
    editor.inputs["notes"].set_text("# Rack\n- U12")
    editor.inputs["notes"].update_preview()
    assert "Rack" in editor.inputs["notes"].preview.toPlainText()
    editor.tags.setText("dc, core")
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        assert editor.save()
    record = unlocked.vault.get_record(saved.args[0])
    assert record.title == "srv-new01" and record.scope_id == client.id
    assert record.fields["warranty_expires"] == "2027-12-31" and set(record.tags) == {"dc", "core"}
    assert unlocked.browser.view.record_id == record.id  # the list shows and selects it


def test_edit_duplicate_and_unsaved_guard(qtbot, unlocked) -> None:
    vault = unlocked.vault
    record = vault.list_records(type="contact")[0]
    unlocked.browser.select_record(record.id)
    editor = unlocked.commands.edit_record()
    editor.inputs["email"].set_text("not-an-address")
    assert editor.dirty and not editor.save_button.isEnabled()
    dialogs.set_next_answer(2)  # keep editing
    editor.reject()
    assert editor.isVisible()
    dialogs.set_next_answer(1)  # discard
    editor.reject()
    assert not editor.isVisible()
    assert vault.get_record(record.id).fields.get("email") == record.fields.get("email")

    copy = unlocked.commands.duplicate_record()
    assert copy.title.text().endswith("(copy)") and copy.record is None
    with qtbot.waitSignal(copy.saved, timeout=5000) as saved:
        copy.save()
    assert saved.args[0] != record.id
    assert vault.get_record(saved.args[0]).fields.get("role") == record.fields.get("role")


def test_new_client_and_delete(qtbot, unlocked) -> None:
    dialogs.set_next_answer("Fabrikam Ltd")
    scope = unlocked.commands.add_client()
    assert scope and any(c.name == "Fabrikam Ltd" for c in unlocked.vault.clients())
    assert unlocked.browser.current_scope()[0] == scope
    record = unlocked.vault.list_records(type="procedure")[0]
    unlocked.browser.select_record(record.id)
    dialogs.set_next_answer(True)
    assert unlocked.commands.delete_record()
    assert unlocked.vault.get_record(record.id).deleted
    assert unlocked.browser.table_model.row_of(record.id) < 0


def test_palette_jumps_to_a_record_and_runs_actions(qtbot, unlocked) -> None:
    record = unlocked.vault.list_records(type="configuration")[0]
    palette = unlocked.commands.show_palette()
    qtbot.keyClicks(palette.query, record.title)
    assert palette.model.rowCount() > 0
    assert palette.model.entry(0).record_id == record.id
    qtbot.keyClick(palette.query, Qt.Key.Key_Return)
    assert unlocked.browser.view.record_id == record.id
    palette = unlocked.commands.show_palette()
    palette.query.setText("lock")
    row = next(
        r
        for r in range(palette.model.rowCount())
        if palette.model.entry(r).action is unlocked.lock_action
    )
    palette.run(row)
    assert not unlocked.is_unlocked


def test_credential_shortcuts_copy_and_clipboard_clears(qtbot, unlocked) -> None:
    record = next(
        r
        for r in unlocked.vault.list_records(type="credential")
        if r.fields.get("password") and r.fields.get("username") and r.fields.get("url")
    )
    unlocked.browser.select_record(record.id)
    unlocked.activateWindow()
    unlocked.browser.table.setFocus()
    qtbot.waitUntil(lambda: unlocked.browser.table.hasFocus(), timeout=5000)
    for key, expected in (
        (Qt.Key.Key_B, record.fields["username"]),
        (Qt.Key.Key_C, record.fields["password"]),
        (Qt.Key.Key_U, record.fields["url"]),
    ):
        qtbot.keyClick(unlocked.browser.table, key, Qt.KeyboardModifier.ControlModifier)
        assert QApplication.clipboard().text() == expected
    clipboard.copy_secret(record.fields["password"], seconds=1)
    qtbot.waitUntil(lambda: QApplication.clipboard().text() == "", timeout=3000)


def test_generator_makes_strong_passwords(qtbot, unlocked) -> None:
    dialog = unlocked.commands.show_generator()
    assert len(dialog.value()) == 20 and dialog.meter.label.text()
    dialog.mode.setCurrentIndex(1)
    assert len(dialog.value().split("-")) == 6
    dialog.mode.setCurrentIndex(0)
    for box in (dialog.upper, dialog.lower, dialog.digits, dialog.symbols):
        box.setChecked(False)
    assert dialog.error.text()
    dialog.close()


def test_idle_lock(qtbot, unlocked) -> None:
    unlocked.idle.timer.setInterval(200)
    unlocked.idle.poke()
    with qtbot.waitSignal(unlocked.locked, timeout=5000):
        pass
    assert not unlocked.is_unlocked


def _restarted(qtbot, idle, send) -> bool:
    """True if ``send()`` (re)starts the idle countdown.

    The countdown is stopped first: QTimer.remainingTime() does not change on a
    restart until the event loop runs again, so it cannot tell.
    """
    idle.timer.stop()
    send()
    return idle.timer.isActive()


def test_idle_countdown_restarts_on_input_to_any_top_level_window(qtbot, unlocked) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QDialog

    idle = unlocked.idle
    window = unlocked.windowHandle()
    assert not _restarted(qtbot, idle, lambda: None)  # the check can fail
    assert _restarted(qtbot, idle, lambda: QTest.keyClick(window, Qt.Key.Key_Shift))
    assert _restarted(qtbot, idle, lambda: QTest.mouseMove(window, QPoint(40, 40)))
    dialog = QDialog(unlocked)  # its own platform window, found when it gains focus
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.windowHandle() is not None and dialog.isActiveWindow())
    handle = dialog.windowHandle()
    assert _restarted(qtbot, idle, lambda: QTest.keyClick(handle, Qt.Key.Key_Shift))
    dialog.close()


def test_idle_lock_runs_no_python_for_events_of_widgets(qtbot, small_vault, monkeypatch) -> None:
    """Only input to top-level windows reaches the filter, not every widget's events.

    A filter on the QApplication ran Python for every paint, timer and layout event,
    and each call waited for the interpreter lock while a worker computed.
    """
    from PySide6.QtCore import QEvent
    from PySide6.QtTest import QTest

    from ui.desktop.idlelock import IdleLock

    seen: list[str] = []
    real = IdleLock.eventFilter

    def spy(self, watched, event) -> bool:
        seen.append(type(watched).__name__)
        return real(self, watched, event)

    monkeypatch.setattr(IdleLock, "eventFilter", spy)  # before the window: bindings cache it
    from ui.desktop.mainwindow import MainWindow

    window = MainWindow(small_vault.path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    seen.clear()
    table = window.browser.table
    for kind in (QEvent.Type.UpdateRequest, QEvent.Type.LayoutRequest, QEvent.Type.Polish):
        QApplication.sendEvent(table.viewport(), QEvent(kind))
    table.viewport().repaint()
    assert seen == []
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Shift)
    assert seen and set(seen) == {"QWindow"}  # the spy works
    window.close()


def test_screen_lock_locks(qtbot, unlocked) -> None:
    unlocked.idle.screen_locked(True)
    assert not unlocked.is_unlocked


def test_settings_defaults_bounds_and_file(tmp_path) -> None:
    settings = Settings(tmp_path / "s.json")
    assert settings.get("clipboard_seconds") == 20 and settings.get("idle_lock_minutes") == 10
    with pytest.raises(ValueError):
        settings.set("clipboard_seconds", 1)
    settings.set("theme", "dark")
    settings.save()
    assert Settings(tmp_path / "s.json").get("theme") == "dark"
    (tmp_path / "s.json").write_text('{"theme": "purple", "clipboard_seconds": "x"}')
    again = Settings(tmp_path / "s.json")
    assert again.get("theme") == "system" and again.get("clipboard_seconds") == 20
    assert set(SETTINGS) >= {"clipboard_seconds", "idle_lock_minutes", "theme"}


def test_settings_dialog_applies(qtbot, unlocked) -> None:
    unlocked.show_settings()
    dialog = unlocked.settings_dialog
    dialog.idle.setValue(3)
    dialog.accept()
    assert unlocked.idle.minutes == 3 and unlocked.settings.get("idle_lock_minutes") == 3


def test_members_audit_and_leaver(qtbot, unlocked, tmp_path) -> None:
    vault = unlocked.vault
    members = unlocked.screens.show_members()
    assert members.model.rowCount() >= 1
    target = tmp_path / "invite.json"
    dialogs.set_next_answer("Dana Tech", "technician", str(target))
    assert members.invite() == target and "sitebook-invitation" in target.read_text()
    assert any(m.name == "Dana Tech" for m in vault.members())

    record = next(r for r in vault.list_records(type="credential") if r.fields.get("password"))
    unlocked.browser.select_record(record.id)
    unlocked.browser.view.copy("password")
    audit = unlocked.screens.show_audit()
    events = [audit.model.index(r, 2).data() for r in range(audit.model.rowCount())]
    assert "copy" in events and "unlock" in events
    assert audit.verify() == [] and "intact" in audit.result.text()
    audit.member.setCurrentIndex(1)
    assert audit.model.rowCount() >= 1

    leaver = unlocked.screens.show_leaver()
    me = next(
        i for i in range(leaver.member.count()) if leaver.member.itemData(i) == vault.member_id
    )
    leaver.member.setCurrentIndex(me)
    first = leaver.model.index(0, 1).data()
    assert first == record.title  # touched first
    unlocked.lock()
    assert unlocked.screens.open == []


def test_overview_and_expiry(qtbot, unlocked) -> None:
    client = unlocked.vault.clients()[0]
    unlocked.browser.select_scope(client.id)
    overview = unlocked.screens.show_overview()
    text = overview.page.toPlainText()
    assert client.name in text and "Password health" in text and "Open exceptions" in text
    expiry = unlocked.screens.show_expiry()
    buckets = {expiry.model.index(r, 0).data() for r in range(expiry.model.rowCount())}
    assert buckets <= {"Overdue", "Within 30 days", "Within 90 days"}
