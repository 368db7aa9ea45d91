"""Fixtures for the desktop tests: a small demo vault, an opened window, unlocking.

The vault is built once per test with the cheap KDF (64 MiB) and 60 demo
records, then closed, so each test opens it the way the app does.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from crypto.kdf import KdfParams
from vault.demo import build_demo
from vault.vault import Vault

PASSPHRASE = "correct horse battery staple"

# Qt's offscreen platform plugin does not implement propagateSizeHints(), so Qt
# warns whenever a shown top-level window with a layout gets a minimum size: any
# real window does. It is a limit of the test platform, not of our code (under
# xcb the same windows are silent); every other Qt warning still fails a test.
OFFSCREEN_NOISE = pytest.mark.qt_log_ignore(
    r"^This plugin does not support propagateSizeHints\(\)$"
)
SIGNAL_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class SmallVault:
    """A closed vault file with what a test needs to get into it."""

    path: Path
    passphrase: str
    recovery_key: str
    records: int
    secrets: frozenset[str]  # every secret field value in the vault


@pytest.fixture(scope="session")
def _small_vault_master(tmp_path_factory: pytest.TempPathFactory) -> SmallVault:
    """Built once per session (key derivation and 60 records take a second)."""
    path = tmp_path_factory.mktemp("ui-vault") / "small.sitebook"
    params = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
    vault, recovery_key = Vault.create(
        path, name="Test provider", owner="Tester", passphrase=PASSPHRASE, kdf_params=params
    )
    with vault:
        counts = build_demo(vault, records=60, seed=3)
        secrets = {
            value
            for record in vault.list_records()
            for name, value in record.fields.items()
            if name in record.secret_names(vault.kinds(record)) and value
        }
    assert secrets, "the demo vault should hold secrets to hide"
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert leftovers == [], leftovers  # closed cleanly: the file alone is the vault
    return SmallVault(path, PASSPHRASE, recovery_key, sum(counts.values()), frozenset(secrets))


@pytest.fixture
def small_vault(tmp_path: Path, _small_vault_master: SmallVault) -> SmallVault:
    """60 demo records in four clients, locked and closed: a fresh copy for each test."""
    path = tmp_path / "small.sitebook"
    shutil.copyfile(_small_vault_master.path, path)
    return replace(_small_vault_master, path=path)


@pytest.fixture
def window(qtbot, small_vault: SmallVault) -> Iterator:
    """The main window over the small vault, showing the unlock screen."""
    from ui.desktop.mainwindow import MainWindow

    win = MainWindow(small_vault.path)
    qtbot.addWidget(win)
    win.show()
    win.start()
    yield win
    win.close()


def unlock(qtbot, win, passphrase: str) -> None:
    """Type ``passphrase`` and unlock, waiting for the window to show the vault."""
    win.unlock_screen.passphrase.setText(passphrase)
    with qtbot.waitSignal(win.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        win.unlock_screen.button.click()


def open_dialogs() -> list[QWidget]:
    """Every visible dialog (a message box included), and the modal widget if any."""
    found: list[QWidget] = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
    ]
    modal = QApplication.activeModalWidget()
    if modal is not None and modal not in found:
        found.append(modal)
    return found
