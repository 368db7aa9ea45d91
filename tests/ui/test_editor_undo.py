"""The record form's whole-form undo, tag suggestions and reference fields searched off the GUI."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS, unlock
from ui.desktop import dialogs
from ui.desktop.recordeditor import RecordEditor
from ui.desktop.recordeditor_tags import split_last
from vault.vault import Vault

pytestmark = [pytest.mark.timeout(90), OFFSCREEN_NOISE]
DISCARD, KEEP_EDITING = 1, 2
# Drop-downs pop up: the offscreen platform cannot raise them or grab the keyboard
# for them (under xcb the same popups are silent).
POPUP_NOISE = pytest.mark.qt_log_ignore(
    r"^This plugin does not support propagateSizeHints\(\)$",
    r"^This plugin does not support raise\(\)$",
    r"^This plugin does not support grabbing the keyboard$",
)


@pytest.fixture
def unlocked(qtbot, window, small_vault):
    unlock(qtbot, window, small_vault.passphrase)
    yield window
    dialogs.clear_answers()


def _editor_for(window, type_id: str) -> tuple[RecordEditor, object]:
    record = window.vault.list_records(type=type_id)[0]
    window.browser.select_record(record.id)
    editor = window.commands.edit_record()
    assert editor is not None
    return editor, record


def test_undo_steps_back_through_the_whole_form(qtbot, unlocked) -> None:
    editor, record = _editor_for(unlocked, "configuration")
    hostname = editor.inputs["hostname"]
    start = (editor.title.text(), hostname.text(), editor.tags.text())
    assert not editor.dirty and not editor.undo_action.isEnabled()

    qtbot.keyClicks(editor.title, " v2")  # three keystrokes, one step
    qtbot.keyClicks(hostname.line, "-new")
    qtbot.keyClicks(editor.tags, ", probe-tag")
    assert editor.undo.stack.count() == 3 and editor.dirty
    assert "Tags" in editor.undo_action.text()

    editor.undo_action.trigger()
    editor.undo_action.trigger()
    assert editor.title.text() == start[0] + " v2"  # the first change remains
    assert (hostname.text(), editor.tags.text()) == start[1:]
    assert editor.dirty

    editor.redo_action.trigger()
    assert hostname.text() == start[1] + "-new" and editor.tags.text() == start[2]

    # Ctrl+Z typed in any line goes to the form's stack, not that line's own undo.
    qtbot.keyClick(editor.tags, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert hostname.text() == start[1] and editor.tags.text() == start[2]
    qtbot.keyClick(hostname.line, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.title.text() == start[0]
    assert not editor.dirty  # undone back to the original: nothing to save

    dialogs.set_next_answer(KEEP_EDITING)  # would be used only if the guard asked
    editor.reject()
    assert not editor.isVisible()  # closed without asking
    assert unlocked.vault.get_record(record.id).title == start[0]


def test_undo_puts_the_cursor_where_the_change_was(qtbot, unlocked) -> None:
    editor, _record = _editor_for(unlocked, "configuration")
    title = editor.title
    title.setFocus()
    title.setText("srv-file01 backup")
    editor.undo.reset()
    title.setCursorPosition(3)
    qtbot.keyClicks(title, "XY")  # typed in the middle
    assert title.text() == "srvXY-file01 backup"
    title.setCursorPosition(len(title.text()))
    editor.undo_action.trigger()
    assert title.text() == "srv-file01 backup" and title.cursorPosition() == 3
    editor.redo_action.trigger()
    assert title.cursorPosition() == 5  # after "srvXY"
    body = editor.inputs["notes"].editor  # the Markdown editor: a plain-text edit
    body.setPlainText("line one\nline two")
    editor.undo.reset()
    cursor = body.textCursor()
    cursor.setPosition(4)
    body.setTextCursor(cursor)
    qtbot.keyClicks(body, "s")
    editor.undo_action.trigger()
    assert body.toPlainText() == "line one\nline two" and body.textCursor().position() == 4
    dialogs.set_next_answer(DISCARD)
    editor.reject()


@POPUP_NOISE
def test_the_right_click_undo_steps_through_the_whole_form(qtbot, unlocked) -> None:
    editor, _record = _editor_for(unlocked, "configuration")
    hostname = editor.inputs["hostname"]
    start = (editor.title.text(), hostname.text())
    qtbot.keyClicks(editor.title, "-a")
    qtbot.keyClicks(hostname.line, "-b")
    menu = editor.undo.context_menu(editor.title)  # right-click in the title, not the host
    actions = {a.objectName(): a for a in menu.actions()}
    assert actions["edit-undo"].isEnabled() and not actions["edit-redo"].isEnabled()
    actions["edit-undo"].trigger()  # undoes the last change of the form: the hostname's
    assert (editor.title.text(), hostname.text()) == (start[0] + "-a", start[1])
    notes = editor.inputs["notes"].editor  # a plain-text edit: same menu items
    menu = editor.undo.context_menu(notes)
    actions = {a.objectName(): a for a in menu.actions()}
    assert actions["edit-redo"].isEnabled()
    actions["edit-redo"].trigger()
    assert hostname.text() == start[1] + "-b"
    menu = editor.undo.context_menu(editor.title)
    {a.objectName(): a for a in menu.actions()}["edit-undo"].trigger()
    _open_menu(editor.title)  # the menu a real right click opens
    _choose("edit-undo")
    assert (editor.title.text(), hostname.text()) == start
    assert not editor.dirty
    editor.reject()


def _open_menu(widget, reason=QContextMenuEvent.Reason.Mouse) -> None:
    at = QPoint(5, 5)
    QApplication.sendEvent(widget, QContextMenuEvent(reason, at, widget.mapToGlobal(at)))


def _choose(name: str) -> None:
    popup = QApplication.activePopupWidget()
    assert popup is not None
    {a.objectName(): a for a in popup.actions()}[name].trigger()
    popup.close()


@POPUP_NOISE
def test_the_menu_key_in_the_notes_uses_the_form_undo_too(qtbot, unlocked) -> None:
    editor, _record = _editor_for(unlocked, "configuration")
    notes = editor.inputs["notes"].editor
    notes.setPlainText("x")
    editor.undo.reset()
    qtbot.keyClicks(editor.title, "-a")
    _open_menu(notes, QContextMenuEvent.Reason.Keyboard)  # arrives at the edit, not its viewport
    _choose("edit-undo")
    assert notes.toPlainText() == "x" and not editor.title.text().endswith("-a")
    dialogs.set_next_answer(DISCARD)  # the notes differ from the saved record
    editor.reject()


@POPUP_NOISE
def test_locking_with_a_right_click_menu_open_closes_it_safely(qtbot, unlocked) -> None:
    editor, _record = _editor_for(unlocked, "configuration")
    _open_menu(editor.title)
    assert QApplication.activePopupWidget() is not None
    unlocked.lock()  # the idle lock or a screen lock, while the menu is open
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=5000)
    assert not unlocked.is_unlocked


def test_the_cursor_goes_to_the_end_of_the_change_in_utf16_units() -> None:
    from ui.desktop.recordeditor_undo import _change_end

    assert _change_end("srv-file01", "srvX-file01") == 4
    assert _change_end("srvX-file01", "srv-file01") == 3
    assert _change_end("aa", "aaa") == 3  # repeated letters: the end of the added one
    assert _change_end("srv-01", "srv😀-01") == 5  # the emoji is two UTF-16 units in Qt
    assert _change_end("😀x", "😀yx") == 3  # after the "y"
    assert _change_end("", "new") == 3 and _change_end("old", "") == 0


def test_undo_covers_relations_and_the_guard_still_asks(qtbot, unlocked) -> None:
    vault: Vault = unlocked.vault
    editor, record = _editor_for(unlocked, "procedure")
    others = [r for r in vault.list_records(type="configuration") if r.id not in record.links]
    from ui.desktop.relationpicker import Relation

    before = editor.relations.ids()
    assert editor.relations.add(Relation(others[0].id, others[0].title))
    editor.inputs["body"].editor.appendPlainText("One more line.")
    assert editor.undo.stack.count() == 2
    editor.undo.stack.undo()
    assert editor.relations.ids() == (*before, others[0].id)
    editor.undo.stack.undo()
    assert editor.relations.ids() == before and not editor.dirty
    editor.undo.stack.redo()
    assert editor.dirty

    dialogs.set_next_answer(KEEP_EDITING)
    editor.reject()
    assert editor.isVisible()  # real changes: the guard asked and we kept editing
    with qtbot.waitSignal(editor.saved, timeout=5000):
        assert editor.save()
    assert vault.get_record(record.id).links == (*before, others[0].id)


def test_lock_forgets_the_undo_steps(qtbot, unlocked) -> None:
    editor, _record = _editor_for(unlocked, "credential")
    password = editor.inputs["password"]
    qtbot.keyClicks(password.line, "typed-secret")
    assert editor.undo.stack.count() == 1
    unlocked.lock()
    assert editor.undo.stack.count() == 0 and editor.undo.snapshot() == {}


def test_split_last_cuts_after_the_last_comma() -> None:
    assert split_last("vpn, FIre") == ("vpn,", "FIre")
    assert split_last("fire") == ("", "fire")
    assert split_last("a, b, ") == ("a, b,", "")


@POPUP_NOISE
def test_tags_complete_from_the_catalog_without_decrypting(qtbot, unlocked) -> None:
    vault: Vault = unlocked.vault
    unlocked.browser.select_scope(vault.clients()[0].id)
    editor = unlocked.commands.add_record("configuration")
    tags = editor.tag_completer
    if tags.loading is not None:
        with qtbot.waitSignal(tags.loading.finished, timeout=SIGNAL_TIMEOUT_MS):
            pass
    assert vault._catalog_seq == -1  # no record was decrypted to find the tags
    in_vault = {t.casefold() for r in vault.list_records() for t in r.tags}
    assert in_vault and {t.casefold() for t in tags.tags()} == in_vault

    wanted = sorted(in_vault)[0]
    editor.activateWindow()
    editor.tags.setFocus()
    qtbot.keyClicks(editor.tags, "zz-first, " + wanted[:2].upper())
    offered = tags.suggestions()
    assert wanted in [t.casefold() for t in offered]
    assert all(t.casefold().startswith(wanted[:2]) for t in offered)
    assert tags.completer.popup().isVisible()
    row = [t.casefold() for t in offered].index(wanted)
    popup = tags.completer.popup()
    popup.setCurrentIndex(tags.completer.completionModel().index(row, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert editor.tags.text().casefold() == f"zz-first, {wanted}, "
    qtbot.keyClicks(editor.tags, wanted[:2])
    assert wanted not in [t.casefold() for t in tags.suggestions()]  # already on the line


class _RecordingIndex:
    """The window's real index, noting on which thread each search runs."""

    def __init__(self, index: object) -> None:
        self._index = index
        self.on_gui_thread: list[bool] = []

    def search_page(self, *args: object, **kwargs: object) -> object:
        self.on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return self._index.search_page(*args, **kwargs)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._index, name)


@POPUP_NOISE
def test_reference_field_searches_on_the_worker(qtbot, unlocked) -> None:
    vault: Vault = unlocked.vault
    target = vault.list_records(type="configuration")[0]
    index = _RecordingIndex(unlocked.index)
    editor = RecordEditor(
        vault,
        vault.template("credential"),
        dict(unlocked.browser.scope_names()),
        scope_id=target.scope_id,
        index=index,
        parent=unlocked,
    )
    qtbot.addWidget(editor)
    editor.show()
    field = editor.inputs["configuration"]
    with qtbot.waitSignal(field.results_shown, timeout=SIGNAL_TIMEOUT_MS) as shown:
        qtbot.keyClicks(field.combo.lineEdit(), target.title)
    assert shown.args[0] >= 1
    assert index.on_gui_thread and not any(index.on_gui_thread)
    assert len(index.on_gui_thread) < len(target.title)  # debounced: not one per keystroke
    row = field.combo.findData(target.id)
    assert row >= 0
    field.combo.setCurrentIndex(row)
    assert field.text() == target.id and not field.error.isVisible()
    editor.undo.stack.undo()  # the pick and the typing before it are one step
    assert field.text() == ""
    editor.reject()
