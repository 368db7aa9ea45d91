"""The TOTP strip of the record view: the current code and a countdown bar.

Shown only for a record with a TOTP seed. The code is recomputed every second
from :mod:`crypto.totp`; the seed itself is never shown. :meth:`TotpStrip.clear`
forgets the seed (on lock or when another record is shown).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from crypto import totp
from crypto.errors import TotpError
from crypto.totp import TotpSpec
from ui.desktop.signals import emit


class TotpStrip(QWidget):
    """Current TOTP code with seconds left; ``copy_requested`` when Copy is clicked."""

    copy_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec: TotpSpec | None = None
        self.title = QLabel(self.tr("One-time code:"))
        self.code = QLabel()
        self.code.setObjectName("totpCode")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.code.setFont(font)
        self.bar = QProgressBar()
        self.bar.setObjectName("totpCountdown")
        self.bar.setTextVisible(True)
        self.bar.setFormat(self.tr("%v s"))
        self.bar.setMaximumWidth(120)
        self.copy = QPushButton(self.tr("Copy code"))
        self.copy.setObjectName("copyTotp")
        self.copy.clicked.connect(lambda: emit(self.copy_requested))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.code)
        layout.addWidget(self.bar)
        layout.addStretch(1)
        layout.addWidget(self.copy)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.tick)
        self.setVisible(False)

    def set_seed(self, seed: str | None) -> None:
        """Follow the code of ``seed`` (a base32 seed or otpauth URI); None or bad hides."""
        self._spec = None
        if seed:
            try:
                self._spec = totp.parse(seed)
            except (ValueError, TotpError):
                self._spec = None
        self.setVisible(self._spec is not None)
        if self._spec is None:
            self._timer.stop()
            self.code.clear()
            return
        self.bar.setRange(0, self._spec.period)
        self.tick()
        self._timer.start()

    def current_code(self) -> str:
        """The code shown now ('' without a seed)."""
        return totp.code(self._spec) if self._spec else ""

    def tick(self) -> None:
        """Recompute the code and the seconds left."""
        if self._spec is None:
            return
        value = totp.code(self._spec)
        half = len(value) // 2
        self.code.setText(f"{value[:half]} {value[half:]}")
        self.bar.setValue(totp.remaining(self._spec))

    def clear(self) -> None:
        """Forget the seed and the code."""
        self.set_seed(None)
