"""The first-run dialog: the new demo vault's passphrase and recovery key, once.

Both are shown in read-only, selectable fields with a Copy button each, with a
plain statement that this is a demo vault full of invented data and where its
passphrase is kept. The dialog is opened with ``open()`` (window-modal,
non-blocking); :meth:`FirstRunDialog.clear` empties it when it closes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import clipboard, fonts


class FirstRunDialog(QDialog):
    """Shows the demo vault's passphrase and recovery key, with Copy buttons."""

    def __init__(
        self,
        *,
        passphrase: str,
        recovery_key: str,
        passphrase_file: Path,
        records: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunDialog")
        self.setWindowTitle(self.tr("Your demo vault is ready"))
        heading = QLabel(self.tr("Your demo vault is ready"))
        heading.setFont(fonts.scaled(heading.font(), 1.4, bold=True))
        intro = QLabel(
            self.tr(
                "Sitebook created a demo vault with {records} records for four invented "
                "clients, so you can look around. Everything in it is made-up sample data."
            ).format(records=records)
        )
        intro.setWordWrap(True)

        mono = fonts.monospace(fonts.scaled(self.font(), 1.1))
        self.passphrase = self._value_field(passphrase, mono, "demoPassphrase")
        self.recovery_key = self._value_field(recovery_key, mono, "demoRecoveryKey")
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        for row, (label, field) in enumerate(
            (
                (self.tr("Passphrase:"), self.passphrase),
                (self.tr("Recovery key:"), self.recovery_key),
            )
        ):
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(field, row, 1)
            copy = QPushButton(self.tr("Copy"))
            copy.setObjectName(f"copy{field.objectName()[0].upper()}{field.objectName()[1:]}")
            copy.setAutoDefault(False)
            copy.clicked.connect(lambda _checked=False, f=field: self._copy(f))
            grid.addWidget(copy, row, 2)
        grid.setColumnStretch(1, 1)

        note = QLabel(
            self.tr(
                "You need the passphrase to open the vault next time. Because this is demo "
                "data, Sitebook also saved it in a file only you can read:\n{path}\n\n"
                "For a real vault, never write the passphrase into a file: keep the "
                "recovery key on paper, somewhere safe."
            ).format(path=str(passphrase_file))
        )
        note.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("firstRunStatus")

        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(
            self.tr("&Open the demo vault"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok.setObjectName("firstRunOk")
        self.ok.setDefault(True)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)
        self.finished.connect(lambda _result: self.clear())

    def _value_field(self, value: str, font: QFont, name: str) -> QLineEdit:
        field = QLineEdit(value)
        field.setObjectName(name)
        field.setReadOnly(True)
        field.setFont(font)
        field.setCursorPosition(0)
        field.setMinimumWidth(field.fontMetrics().horizontalAdvance(value) + 24)
        return field

    def _copy(self, field: QLineEdit) -> None:
        clipboard.copy_secret(field.text())
        self.status.setText(
            self.tr("Copied. The clipboard clears in {seconds} s.").format(
                seconds=clipboard.clear_seconds()
            )
        )

    def clear(self) -> None:
        """Empty the fields (the dialog has done its job)."""
        self.passphrase.clear()
        self.recovery_key.clear()
