"""The unlock screen: passphrase (or recovery key), Unlock, and inline errors.

Key derivation and the first catalog read run off the GUI thread through
:mod:`ui.desktop.worker` while a busy bar shows. A wrong passphrase, a mistyped
recovery key or an unreadable file is a red line in the form, never a modal
dialog. Nothing is prefilled, and the field is emptied once it has served.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from ui.desktop import fonts, worker
from ui.desktop.card import card, centre
from ui.desktop.signals import emit
from ui.desktop.worker import JobControl
from vault.errors import VaultError
from vault.vault import Vault

log = logging.getLogger(__name__)

ERROR_STYLE = "color: #c01c28;"


class UnlockScreen(QWidget):
    """Asks for the passphrase of an opened, locked vault and unlocks it in the background."""

    unlocked = Signal(object)  # the unlocked Vault
    failed = Signal(str)  # the inline message shown
    back_requested = Signal()  # "Other vaults…": back to the start page

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault: Vault | None = None
        self.job: worker.Job | None = None
        self._hint_text = ""

        title = QLabel(self.tr("Sitebook"))
        title.setFont(fonts.scaled(title.font(), 1.8, bold=True))
        self.file_label = QLabel()
        self.file_label.setObjectName("unlockFile")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.field_label = QLabel()
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setMinimumWidth(320)
        self.passphrase.returnPressed.connect(self.unlock)
        self.passphrase.textEdited.connect(lambda _text: self._show_error(""))
        self.field_label.setBuddy(self.passphrase)
        self.use_recovery = QCheckBox(self.tr("Use &recovery key"))
        self.use_recovery.setObjectName("useRecoveryKey")
        self.use_recovery.toggled.connect(self._mode_changed)

        self.error = QLabel()
        self.error.setObjectName("unlockError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.hint = QLabel()
        self.hint.setObjectName("unlockHint")
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.setVisible(False)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setVisible(False)
        self.button = QPushButton(self.tr("&Unlock"))
        self.button.setObjectName("unlockButton")
        self.button.setDefault(True)
        self.button.clicked.connect(self.unlock)
        self.other = QPushButton(self.tr("&Other vaults…"))
        self.other.setObjectName("otherVaults")
        self.other.setFlat(True)
        self.other.setAutoDefault(False)
        self.other.clicked.connect(lambda: emit(self.back_requested))

        form = QFormLayout()
        form.addRow(self.field_label, self.passphrase)
        form.addRow("", self.use_recovery)
        buttons = QHBoxLayout()
        buttons.addWidget(self.other)
        buttons.addStretch(1)
        buttons.addWidget(self.button)

        frame, inner = card("unlockCard", 560)
        inner.addWidget(title)
        inner.addWidget(self.file_label)
        inner.addLayout(form)
        inner.addWidget(self.error)
        inner.addWidget(self.busy)
        inner.addLayout(buttons)
        inner.addWidget(self.hint)

        centre(self, frame, 3)
        self._mode_changed(False)

    # ------------------------------------------------------------------ public API

    def set_vault(self, vault: Vault | None, path: Path, error: str = "") -> None:
        """Ask for ``vault`` (opened at ``path``), or show why it could not be opened."""
        self._vault = vault
        self.file_label.setText(self.tr("Vault: {path}").format(path=str(path)))
        self.clear()
        self._show_error(error)
        self.passphrase.setEnabled(vault is not None)
        self.use_recovery.setEnabled(vault is not None)
        self.button.setEnabled(vault is not None)

    def set_hint(self, text: str) -> None:
        """A line under the form (e.g. where the demo passphrase is kept); '' hides it."""
        self._hint_text = text
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def clear(self) -> None:
        """Empty the field and the message (on lock and after use)."""
        self.passphrase.clear()
        self._show_error("")

    def focus(self) -> None:
        """Put the cursor in the passphrase field."""
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def is_busy(self) -> bool:
        """True while a key derivation runs."""
        return self.job is not None and self.job.running

    def unlock(self) -> None:
        """Start unlocking with what was typed (no-op while busy or without a vault)."""
        if self._vault is None or self.is_busy:
            return
        text = self.passphrase.text()
        recovery = self.use_recovery.isChecked()
        if not text.strip():
            self._fail(
                self.tr("Type the recovery key.") if recovery else self.tr("Type the passphrase.")
            )
            return
        vault = self._vault

        def work(_control: JobControl) -> Vault:
            # No vault.refresh(): the window draws from the search index and decrypts
            # only the record shown (decrypting 100,000 records took half a minute).
            if recovery:
                vault.unlock_with_recovery(text)
            else:
                vault.unlock(text)
            return vault

        self._set_busy(True)
        self.job = worker.run(work, on_success=self._done, on_error=self._error, parent=self)
        self.job.crashed.connect(lambda _exc: self._set_busy(False))

    # ------------------------------------------------------------------ internals

    def show_busy(self, text: str) -> None:
        """Show the busy bar with ``text`` under the form ('' hides both, re-enables the form)."""
        busy = bool(text)
        self.busy.setVisible(busy)
        self.hint.setVisible(busy or bool(self._hint_text))
        self.hint.setText(text or self._hint_text)
        for widget in (self.passphrase, self.use_recovery, self.button):
            widget.setEnabled(not busy and self._vault is not None)
        self.other.setEnabled(not busy)

    def _mode_changed(self, recovery: bool) -> None:
        self.passphrase.clear()
        self._show_error("")
        if recovery:
            self.field_label.setText(self.tr("Recovery &key:"))
            self.passphrase.setEchoMode(QLineEdit.EchoMode.Normal)
            self.passphrase.setPlaceholderText(self.tr("The key from the emergency kit"))
        else:
            self.field_label.setText(self.tr("&Passphrase:"))
            self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
            self.passphrase.setPlaceholderText("")
        self.focus()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.passphrase, self.use_recovery, self.button):
            widget.setEnabled(not busy and self._vault is not None)
        self.other.setEnabled(not busy)

    def _done(self, vault: Vault) -> None:
        self._set_busy(False)
        self.clear()
        emit(self.unlocked, vault)

    def _error(self, exc: VaultError) -> None:
        self._set_busy(False)
        if self._vault is not None and self._vault.is_unlocked:
            self._vault.lock()  # unlocked, then failed reading: start again cleanly
        self._fail(str(exc))
        self.passphrase.selectAll()

    def _fail(self, message: str) -> None:
        self._show_error(message)
        self.focus()
        emit(self.failed, message)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
