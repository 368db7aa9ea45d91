"""First run: the demo vault is built in the background, its passphrase shown once and saved."""

from __future__ import annotations

import re
import stat

import pytest
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS, open_dialogs, unlock
from ui.desktop.firstrun import (
    KDF_ENV,
    PASSPHRASE_FILE,
    demo_kdf_params,
    demo_vault_path,
)
from ui.desktop.mainwindow import MainWindow
from vault.vault import Vault

pytestmark = [pytest.mark.timeout(90), OFFSCREEN_NOISE]

RECORDS = 60


@pytest.fixture(autouse=True)
def cheap_demo_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KDF_ENV, "64")


def _window(qtbot) -> MainWindow:
    win = MainWindow(demo_vault_path(), demo=True, demo_kdf=demo_kdf_params(), demo_records=RECORDS)
    qtbot.addWidget(win)
    win.show()
    return win


def _first_run(qtbot) -> tuple[MainWindow, object]:
    win = _window(qtbot)
    win.start()
    assert win.first_run is not None and win.first_run.busy
    progress = win.findChild(QProgressDialog)
    assert progress is not None and progress.isVisible()
    with qtbot.waitSignal(win.first_run.dialog_shown, timeout=SIGNAL_TIMEOUT_MS) as shown:
        pass
    return win, shown.args[0]


def test_demo_kdf_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert demo_kdf_params().memory_kib == 64 * 1024
    monkeypatch.setenv(KDF_ENV, "not a number")
    assert demo_kdf_params() is None
    monkeypatch.setenv(KDF_ENV, "999999999")
    assert demo_kdf_params() is None
    monkeypatch.delenv(KDF_ENV)
    assert demo_kdf_params() is None


def test_first_run_creates_the_demo_vault_and_shows_its_passphrase(qtbot, sitebook_dirs) -> None:
    win, dialog = _first_run(qtbot)
    passphrase = dialog.passphrase.text()
    recovery_key = dialog.recovery_key.text()
    assert re.fullmatch(r"[a-z]+(-[a-z]+){4}", passphrase)  # five words
    assert dialog.isVisible() and dialog.passphrase.isReadOnly()
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.status)))
    assert "made-up sample data" in texts and PASSPHRASE_FILE in texts

    path = demo_vault_path()
    assert path.parent == sitebook_dirs.data
    assert path.exists()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    saved = path.parent / PASSPHRASE_FILE
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    content = saved.read_text()
    assert passphrase in content and "demo" in content.lower() and "invented" in content

    dialog.findChild(type(dialog.ok), "copyDemoPassphrase").click()
    assert QApplication.clipboard().text() == passphrase

    with qtbot.waitSignal(win.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        dialog.ok.click()
        # cleared on close (the dialog is deleted once the search index is open)
        assert dialog.passphrase.text() == "" and dialog.recovery_key.text() == ""
    assert win.is_unlocked
    assert win.browser.proxy.rowCount() == RECORDS
    assert open_dialogs() == []

    with Vault.open(path) as vault:  # what the dialog showed really opens it
        assert vault.kdf_params().memory_kib == 64 * 1024
        vault.unlock_with_recovery(recovery_key)
        assert vault.count_records() == RECORDS


def test_later_runs_show_the_unlock_screen_with_a_hint(qtbot) -> None:
    win, dialog = _first_run(qtbot)
    passphrase = dialog.passphrase.text()
    with qtbot.waitSignal(win.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        dialog.ok.click()
    win.close()

    again = _window(qtbot)
    again.start()
    assert again.first_run is None
    assert again.stack.currentWidget() is again.unlock_screen
    assert again.unlock_screen.passphrase.text() == ""
    assert PASSPHRASE_FILE in again.unlock_screen.hint.text()
    unlock(qtbot, again, passphrase)
    assert again.browser.proxy.rowCount() == RECORDS


def test_cancelling_the_first_run_leaves_nothing_behind(qtbot, sitebook_dirs) -> None:
    win = _window(qtbot)
    win.start()
    with qtbot.waitSignal(win.first_run.failed, timeout=SIGNAL_TIMEOUT_MS) as failed:
        win.findChild(QProgressDialog).findChild(QPushButton).click()
    assert "Cancelled" in failed.args[0]
    assert list(sitebook_dirs.data.iterdir()) == []
    assert win.stack.currentWidget() is win.welcome
    assert win.welcome.retry.isVisible()
    assert open_dialogs() == []

    win.welcome.retry.click()  # try again: a new FirstRun, whose outcome is still queued
    with qtbot.waitSignal(win.first_run.dialog_shown, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert demo_vault_path().exists()
    with qtbot.waitSignal(win.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        win.first_run.dialog.ok.click()
