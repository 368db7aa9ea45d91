"""The password generator dialog: random passwords or word passphrases, with strength.

Built on :mod:`crypto.passwords`. The result can be copied (cleared from the
clipboard like any secret) or, when the dialog was opened from a record form,
put into the password field with "Use". The generated value lives only in the
dialog and is dropped when it closes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crypto import passwords
from ui.desktop import clipboard

STRENGTH_COLOURS = ("#c01c28", "#e66100", "#e5a50a", "#26a269", "#1a5fb4")


def strength_text(value: str) -> tuple[int, str]:
    """(score 0-4, translated-ready label) of ``value``; (-1, "") for empty."""
    if not value:
        return -1, ""
    return passwords.strength(value)


class StrengthMeter(QWidget):
    """A bar and a word for how strong a password or passphrase is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.label = QLabel()
        self.label.setObjectName("strengthLabel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label)

    def update_for(self, value: str) -> int:
        """Show the strength of ``value``; return the score (-1 for empty)."""
        score, label = strength_text(value)
        self.bar.setValue(max(score, 0))
        colour = STRENGTH_COLOURS[max(score, 0)]
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        self.label.setText(self.tr(label) if label else "")
        return score


class GeneratorDialog(QDialog):
    """Generate a password or passphrase; ``value()`` after Use."""

    def __init__(self, parent: QWidget | None = None, *, can_use: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("passwordGenerator")
        self.setWindowTitle(self.tr("Password generator"))
        self.mode = QComboBox()
        self.mode.addItem(self.tr("Password"), "password")
        self.mode.addItem(self.tr("Passphrase (words)"), "passphrase")
        self.length = QSpinBox()
        self.length.setRange(8, 128)
        self.length.setValue(20)
        self.words = QSpinBox()
        self.words.setRange(4, 16)
        self.words.setValue(6)
        self.upper = QCheckBox(self.tr("A–Z"))
        self.lower = QCheckBox(self.tr("a–z"))
        self.digits = QCheckBox(self.tr("0–9"))
        self.symbols = QCheckBox(self.tr("Symbols"))
        self.ambiguous = QCheckBox(self.tr("Avoid look-alikes (0 O l 1)"))
        for box in (self.upper, self.lower, self.digits, self.symbols):
            box.setChecked(True)
        classes = QHBoxLayout()
        for box in (self.upper, self.lower, self.digits, self.symbols):
            classes.addWidget(box)
        self.output = QLineEdit()
        self.output.setObjectName("generatedPassword")
        self.output.setReadOnly(True)
        self.output.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.meter = StrengthMeter()
        self.error = QLabel()
        self.error.setStyleSheet("color: #c01c28;")
        regenerate = QPushButton(self.tr("&Regenerate"))
        regenerate.clicked.connect(self.generate)
        copy = QPushButton(self.tr("&Copy"))
        copy.clicked.connect(self.copy)
        form = QFormLayout()
        form.addRow(self.tr("&Kind:"), self.mode)
        form.addRow(self.tr("&Length:"), self.length)
        form.addRow(self.tr("&Words:"), self.words)
        form.addRow(self.tr("Characters:"), classes)
        form.addRow("", self.ambiguous)
        row = QHBoxLayout()
        row.addWidget(self.output, 1)
        row.addWidget(regenerate)
        row.addWidget(copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        if can_use:
            use = buttons.addButton(self.tr("&Use"), QDialogButtonBox.ButtonRole.AcceptRole)
            use.setObjectName("useGenerated")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.meter)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for widget in (self.length, self.words):
            widget.valueChanged.connect(self.generate)
        for box in (self.upper, self.lower, self.digits, self.symbols, self.ambiguous):
            box.toggled.connect(self.generate)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed()
        self.finished.connect(lambda _r: self.output.clear() if not can_use else None)

    def _mode_changed(self) -> None:
        words = self.mode.currentData() == "passphrase"
        self.words.setEnabled(words)
        for widget in (
            self.length,
            self.upper,
            self.lower,
            self.digits,
            self.symbols,
            self.ambiguous,
        ):
            widget.setEnabled(not words)
        self.generate()

    def generate(self) -> str:
        """Make a new value from the settings and show it."""
        try:
            if self.mode.currentData() == "passphrase":
                value = passwords.generate_passphrase(self.words.value())
            else:
                value = passwords.generate_password(
                    self.length.value(),
                    upper=self.upper.isChecked(),
                    lower=self.lower.isChecked(),
                    digits=self.digits.isChecked(),
                    symbols=self.symbols.isChecked(),
                    exclude_ambiguous=self.ambiguous.isChecked(),
                )
        except ValueError:
            self.error.setText(self.tr("Choose at least one kind of character."))
            return ""
        self.error.clear()
        self.output.setText(value)
        self.meter.update_for(value)
        return value

    def value(self) -> str:
        """The value shown."""
        return self.output.text()

    def copy(self) -> None:
        """Copy the value (cleared from the clipboard later)."""
        if self.output.text():
            clipboard.copy_secret(self.output.text())
            self.output.setFocus(Qt.FocusReason.OtherFocusReason)
