"""The unlock screen: inline errors (never a modal), recovery key, busy state, bad files."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit

from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS, open_dialogs, unlock

pytestmark = [pytest.mark.timeout(60), OFFSCREEN_NOISE]


def test_starts_locked_with_nothing_prefilled(window) -> None:
    screen = window.unlock_screen
    assert window.stack.currentWidget() is screen
    assert screen.passphrase.text() == ""
    assert screen.passphrase.echoMode() == QLineEdit.EchoMode.Password
    assert not screen.error.isVisible()
    assert window.state_label.text() == "Locked"
    # The sync target lives inside the vault: nothing is known about it until unlock.
    assert window.sync_label.text() == "Sync: locked"
    assert not window.lock_action.isEnabled()


def test_wrong_passphrase_is_an_inline_message_not_a_modal(qtbot, window) -> None:
    screen = window.unlock_screen
    screen.passphrase.setText("not the passphrase")
    with qtbot.waitSignal(screen.failed, timeout=SIGNAL_TIMEOUT_MS) as failed:
        screen.button.click()
        assert screen.is_busy
        assert screen.busy.isVisible()
        assert not screen.button.isEnabled()
    assert failed.args == ["Wrong passphrase."]
    assert screen.error.isVisible()
    assert screen.error.text() == "Wrong passphrase."
    assert "c01c28" in screen.error.styleSheet()  # red
    assert open_dialogs() == []
    assert not screen.is_busy and screen.button.isEnabled()
    assert window.stack.currentWidget() is screen
    assert not window.vault.is_unlocked
    assert screen.passphrase.selectedText() == "not the passphrase"  # retype replaces it


def test_typing_again_hides_the_message(qtbot, window) -> None:
    screen = window.unlock_screen
    screen.passphrase.setText("wrong wrong")
    with qtbot.waitSignal(screen.failed, timeout=SIGNAL_TIMEOUT_MS):
        screen.button.click()
    qtbot.keyClicks(screen.passphrase, "x")
    assert not screen.error.isVisible()


def test_empty_passphrase_asks_without_deriving(qtbot, window) -> None:
    screen = window.unlock_screen
    with qtbot.waitSignal(screen.failed, timeout=1000) as failed:
        screen.button.click()
    assert failed.args == ["Type the passphrase."]
    assert not screen.is_busy


def test_the_browser_shows_at_once_and_fills_when_the_index_is_open(
    qtbot, window, small_vault
) -> None:
    """The page is laid out and painted while the index opens, apart from the tree and list."""
    seen: list[tuple[object, ...]] = []
    browser = window.browser

    def right_after_the_keys() -> None:  # runs after the window's own slot
        seen.append(
            (
                window.stack.currentWidget() is browser,
                browser.opening_bar.isVisible(),
                browser.search.isEnabled(),
                browser.count_label.text(),
                browser.tree_model.rowCount(),
                browser.table_model.rowCount(),
                window.lock_action.isEnabled(),
                "Select a record" in browser.view.html(),  # nothing to select yet
            )
        )

    window.unlock_screen.unlocked.connect(right_after_the_keys)
    unlock(qtbot, window, small_vault.passphrase)
    assert seen == [(True, True, False, "Opening the search index…", 0, 0, False, False)]
    assert not browser.opening_bar.isVisible() and browser.search.isEnabled()
    assert browser.tree_model.rowCount() > 1
    assert browser.table_model.rowCount() == small_vault.records
    assert browser.count_label.text() == f"{small_vault.records} records"
    assert window.lock_action.isEnabled()


def test_an_index_that_cannot_open_goes_back_to_the_unlock_screen(
    qtbot, window, small_vault, monkeypatch
) -> None:
    """The message is inline on the unlock screen and the keys are dropped again.

    The failure is injected at the search package's boundary: there is no honest
    way to make a real index refuse to open (a damaged snapshot is rebuilt).
    """
    import search
    from vault.errors import VaultError

    def refuse(*_args: object, **_kwargs: object) -> object:
        raise VaultError("The search index cannot be read.")

    monkeypatch.setattr(search.SearchIndex, "open", refuse)
    screen = window.unlock_screen
    screen.passphrase.setText(small_vault.passphrase)
    screen.button.click()
    qtbot.waitUntil(lambda: screen.error.isVisible(), timeout=SIGNAL_TIMEOUT_MS)
    assert screen.error.text() == "The search index cannot be read."
    assert window.stack.currentWidget() is screen
    assert not window.vault.is_unlocked
    assert window.state_label.text() == "Locked"
    assert window.browser.tree_model.rowCount() == 0
    assert not window.browser.opening_bar.isVisible()
    assert screen.button.isEnabled()
    assert open_dialogs() == []


def test_an_index_that_arrives_after_lock_is_closed_not_used(
    qtbot, window, small_vault, monkeypatch
) -> None:
    """Lock while the index opens, unlock again: the first index, when it comes, is closed.

    The first open is held back at the search package's boundary until the second
    unlock is done; both indexes are real.
    """
    import threading

    import search

    real_open = search.SearchIndex.open
    gate = threading.Event()
    opened: list[object] = []

    def first_one_late(*args: object, **kwargs: object) -> object:
        index = real_open(*args, **kwargs)
        opened.append(index)
        if len(opened) == 1:
            gate.wait(20)
        return index

    monkeypatch.setattr(search.SearchIndex, "open", first_one_late)
    screen = window.unlock_screen
    screen.passphrase.setText(small_vault.passphrase)
    screen.button.click()
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=SIGNAL_TIMEOUT_MS)
    window.lock()
    assert window.stack.currentWidget() is screen
    first_job = window.index_job
    unlock(qtbot, window, small_vault.passphrase)
    second = window.index
    assert len(opened) == 2 and second is opened[1]
    closed: list[object] = []
    real_close = opened[0].close  # type: ignore[attr-defined]
    opened[0].close = lambda **kw: (closed.append(kw), real_close(**kw))  # type: ignore[attr-defined]
    gate.set()
    qtbot.waitUntil(lambda: not first_job.running, timeout=SIGNAL_TIMEOUT_MS)
    assert closed == [{"save": False}]
    assert window.index is second and window.is_unlocked
    assert window.browser.table_model.rowCount() == small_vault.records


def test_right_passphrase_unlocks_and_empties_the_field(qtbot, window, small_vault) -> None:
    unlock(qtbot, window, small_vault.passphrase)
    assert window.is_unlocked
    assert window.stack.currentWidget() is window.browser
    assert window.unlock_screen.passphrase.text() == ""
    assert window.state_label.text() == f"Unlocked — {small_vault.records} records"
    assert window.windowTitle() == "Test provider — Sitebook"
    assert open_dialogs() == []


def test_recovery_key_unlocks(qtbot, window, small_vault) -> None:
    screen = window.unlock_screen
    screen.use_recovery.setChecked(True)
    assert screen.field_label.text() == "Recovery &key:"
    screen.passphrase.setText(small_vault.recovery_key.lower())
    with qtbot.waitSignal(window.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        screen.button.click()
    assert window.is_unlocked


def test_mistyped_recovery_key_is_inline(qtbot, window) -> None:
    screen = window.unlock_screen
    screen.use_recovery.setChecked(True)
    screen.passphrase.setText("AAAAA-BBBBB")
    with qtbot.waitSignal(screen.failed, timeout=SIGNAL_TIMEOUT_MS) as failed:
        screen.button.click()
    assert failed.args[0]
    assert screen.error.text() == failed.args[0]
    assert open_dialogs() == []


def test_missing_vault_file_is_explained_inline(qtbot, tmp_path) -> None:
    from ui.desktop.mainwindow import MainWindow

    win = MainWindow(tmp_path / "nowhere.sitebook")
    qtbot.addWidget(win)
    win.show()
    win.start()
    screen = win.unlock_screen
    assert screen.error.isVisible()
    assert "nowhere.sitebook" in screen.error.text()
    assert not screen.button.isEnabled()
    assert open_dialogs() == []


def test_a_file_that_is_not_a_vault_is_explained_inline(qtbot, tmp_path) -> None:
    from ui.desktop.mainwindow import MainWindow

    path = tmp_path / "notes.sitebook"
    path.write_text("just some notes\n")
    win = MainWindow(path)
    qtbot.addWidget(win)
    win.show()
    win.start()
    assert win.unlock_screen.error.isVisible()
    assert not win.unlock_screen.button.isEnabled()
