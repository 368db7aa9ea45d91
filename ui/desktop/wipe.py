"""Emptying a closed dialog's widgets on lock, before Qt gets round to deleting it.

A dialog closed with ``WA_DeleteOnClose`` lives on until the event loop deletes
it; on lock nothing decrypted may linger that long. :func:`wipe` clears every
line edit, text edit, combo box and model-backed list under a widget.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


def wipe(root: QWidget) -> None:
    """Clear every input, label text and list model under ``root``."""
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit, QComboBox)):
            widget.blockSignals(True)
            widget.clear()
            widget.blockSignals(False)
        elif isinstance(widget, QLabel) and widget.objectName():
            widget.clear()
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for method in ("set_rows", "set_entries", "set_items"):
                if hasattr(model, method):
                    getattr(model, method)([])
                    break
