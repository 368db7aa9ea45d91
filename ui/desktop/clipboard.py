"""Copying secrets: onto the clipboard, marked as secret, and off it again.

A copied secret is cleared after :data:`CLEAR_AFTER_SECONDS` and when the vault
locks, but only if the clipboard still holds it (the person may have copied
something else since). Like KeePassXC, the copy carries the
``x-kde-passwordManagerHint`` so clipboard managers that honour it keep no history.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QTimer
from PySide6.QtWidgets import QApplication

CLEAR_AFTER_SECONDS = 30

_state: dict[str, object] = {"copied": None, "timer": None}


def copy_secret(text: str, seconds: int = CLEAR_AFTER_SECONDS) -> None:
    """Put ``text`` on the clipboard and clear it after ``seconds`` if still there."""
    data = QMimeData()
    data.setText(text)
    data.setData("x-kde-passwordManagerHint", b"secret")
    QApplication.clipboard().setMimeData(data)
    _state["copied"] = text
    timer = _state["timer"]
    if not isinstance(timer, QTimer):
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(clear_if_ours)
        _state["timer"] = timer
    timer.start(seconds * 1000)


def clear_if_ours() -> bool:
    """Clear the clipboard if it still holds the last copied secret; True if it did."""
    copied, _state["copied"] = _state["copied"], None
    timer = _state["timer"]
    if isinstance(timer, QTimer):
        timer.stop()
    clipboard = QApplication.clipboard()
    if copied is not None and clipboard.text() == copied:
        clipboard.clear()
        return True
    return False
