"""Unexpected errors: a report that never contains a secret, a dialog, and the excepthook.

Known conditions are :class:`vault.errors.VaultError` and are shown inline where
they happen. Anything else is a bug: it is logged and shown in a crash dialog
whose report can be copied (Vorta's ``dialogs/exception.py``). The report names
the exception type and the code path (file, line, function) but leaves out the
exception's message and any source text, because a message from a library can
quote the value it choked on, and values here are passwords.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

_OPEN: set[CrashDialog] = set()


def describe(exc: BaseException) -> str:
    """A crash report for ``exc``: type and code path, never its message or values."""
    lines = [
        f"Sitebook crash report: {type(exc).__module__}.{type(exc).__qualname__}",
        f"Python {platform.python_version()}, Qt {qVersion()}, {platform.platform()}",
        "Traceback (most recent call last):",
    ]
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for index, item in enumerate(reversed(chain)):
        if index:
            lines.append(f"  then: {type(item).__module__}.{type(item).__qualname__}")
        for frame in traceback.extract_tb(item.__traceback__):
            lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
    return "\n".join(lines)


class CrashDialog(QDialog):
    """Says that something unexpected happened and offers the report to copy."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle(self.tr("Sitebook: unexpected error"))
        self.report = report
        text = QLabel(
            self.tr(
                "Something went wrong that Sitebook did not expect. Your vault on disk "
                "is safe: every save is all or nothing.\n\nThe report below holds no "
                "field values. Copy it into a bug report."
            )
        )
        text.setWordWrap(True)
        details = QPlainTextEdit(report)
        details.setReadOnly(True)
        details.setMinimumSize(520, 180)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton(self.tr("Copy report"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(report))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(details)
        layout.addWidget(buttons)


def show_crash(exc: BaseException, parent: object = None) -> CrashDialog:
    """Log ``exc`` and open the crash dialog (non-blocking); return the dialog."""
    report = describe(exc)
    log.error("%s", report)
    dialog = CrashDialog(report, parent if isinstance(parent, QWidget) else None)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _OPEN.add(dialog)  # a parentless dialog lives as long as Python holds it
    dialog.finished.connect(lambda _result: _OPEN.discard(dialog))
    dialog.open()
    return dialog


def install_excepthook() -> None:
    """Route uncaught exceptions (in slots too) to the log and the crash dialog."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt) or QApplication.instance() is None:
            previous(kind, exc, tb)
            return
        show_crash(exc, QApplication.activeWindow())

    sys.excepthook = hook
