"""The record view's panes: TOTP countdown, audit of reveal/copy, attachments, history."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from crypto import totp
from tests.ui.conftest import OFFSCREEN_NOISE, unlock
from ui.desktop import clipboard, dialogs

pytestmark = [pytest.mark.timeout(60), OFFSCREEN_NOISE]


@pytest.fixture
def unlocked(qtbot, window, small_vault):
    unlock(qtbot, window, small_vault.passphrase)
    yield window
    dialogs.clear_answers()


def _credential(vault, totp_seed: bool = False):
    for record in vault.list_records(type="credential"):
        if record.fields.get("password") and (not totp_seed or record.fields.get("totp")):
            return record
    pytest.skip("the demo has no such credential")


def test_totp_code_and_countdown(qtbot, unlocked) -> None:
    record = _credential(unlocked.vault, totp_seed=True)
    unlocked.browser.select_record(record.id)
    strip = unlocked.browser.view.totp
    assert strip.isVisible()
    expected = totp.code(totp.parse(record.fields["totp"]))
    assert strip.code.text().replace(" ", "") == expected
    assert 1 <= strip.bar.value() <= 30
    assert record.fields["totp"] not in strip.code.text()
    assert unlocked.browser.view.copy_totp()
    assert QApplication.clipboard().text() == expected
    clipboard.clear_if_ours()


def test_reveal_and_copy_are_audited(qtbot, unlocked) -> None:
    vault = unlocked.vault
    record = _credential(vault)
    unlocked.browser.select_record(record.id)
    view = unlocked.browser.view
    view.reveal("password")
    assert view.copy_kind("password")
    assert view.copy_kind("username")
    events = [
        (e.event, e.record_id, e.details.get("field"))
        for e in vault.audit_log()
        if e.event in ("reveal", "copy")
    ]
    assert ("reveal", record.id, "password") in events
    assert ("copy", record.id, "password") in events
    assert ("copy", record.id, "username") not in events  # not a secret
    clipboard.clear_if_ours()


def test_clipboard_carries_the_no_history_hints(qtbot) -> None:
    clipboard.copy_secret("hunter2-not-real", seconds=60)
    data = QApplication.clipboard().mimeData()
    assert bytes(data.data("x-kde-passwordManagerHint")) == b"secret"
    assert any("CanIncludeInClipboardHistory" in f for f in data.formats())
    assert clipboard.clear_if_ours()
    assert QApplication.clipboard().text() == ""


def test_clipboard_is_cleared_only_if_still_ours(qtbot) -> None:
    clipboard.copy_secret("first-secret", seconds=1)
    QApplication.clipboard().setText("something else")
    qtbot.wait(1200)
    assert QApplication.clipboard().text() == "something else"
    clipboard.copy_secret("second-secret", seconds=1)
    qtbot.waitUntil(lambda: QApplication.clipboard().text() == "", timeout=3000)


def test_attachments_add_save_and_list(qtbot, unlocked, tmp_path) -> None:
    record = unlocked.vault.list_records(type="configuration")[0]
    unlocked.browser.select_record(record.id)
    pane = unlocked.browser.view.attachments
    source = tmp_path / "switch-config.txt"
    source.write_text("interface vlan 10\n")
    before = pane.model.rowCount()
    assert pane.add_files([source]) == 1
    assert pane.model.rowCount() == before + 1
    assert "Attachments (" in unlocked.browser.view.tabs.tabText(1)
    row = next(r for r in range(pane.model.rowCount()) if pane.model.item(r).name == source.name)
    pane.table.setCurrentIndex(pane.model.index(row, 0))
    target = tmp_path / "out" / "copy.txt"
    target.parent.mkdir()
    dialogs.set_next_answer(str(target))
    assert pane.save_selected() is not None
    assert target.read_text() == "interface vlan 10\n"
    opened = pane.extract_for_opening(pane.model.item(row))
    assert opened.read_text() == "interface vlan 10\n"
    from ui.desktop.attachmentspane import forget_opened_files

    forget_opened_files()
    assert not opened.exists()


def test_history_diff_and_restore(qtbot, unlocked) -> None:
    vault = unlocked.vault
    record = vault.list_records(type="configuration")[0]
    vault.update_record(record.id, title=record.title + " renamed")
    unlocked.browser.select_record(record.id)
    view = unlocked.browser.view
    view.tabs.setCurrentWidget(view.history)
    history = view.history
    assert history.model.rowCount() >= 2
    history.select_version(history.model.item(0).number)
    assert "renamed" in history.diff.toPlainText()
    history.table.setCurrentIndex(history.model.index(1, 0))
    dialogs.set_next_answer(True)
    assert history.restore_selected()
    assert vault.get_record(record.id).title == record.title


def test_secret_changes_are_masked_in_the_diff(qtbot, unlocked) -> None:
    vault = unlocked.vault
    record = _credential(vault)
    vault.update_record(record.id, fields={"password": "Brand-new-Secret-42"})
    unlocked.browser.select_record(record.id)
    view = unlocked.browser.view
    view.tabs.setCurrentWidget(view.history)
    text = view.history.diff.toPlainText()
    assert "secret changed" in text
    assert "Brand-new-Secret-42" not in text and record.fields["password"] not in text
