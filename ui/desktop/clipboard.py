"""Copying secrets: onto the clipboard, marked as secret, and off it again.

A copied secret is cleared after the ``clipboard_seconds`` setting (20 s by
default) and when the vault locks, but only if the clipboard still holds it (the
person may have copied something else since). The copy carries the hints that
keep clipboard managers from storing it, whatever the platform (a hint nobody
reads costs nothing): ``x-kde-passwordManagerHint: secret`` (KDE Klipper and
others), and Windows' ``ExcludeClipboardContentFromMonitorProcessing`` and
``CanIncludeInClipboardHistory`` = 0 / ``CanUploadToCloudClipboard`` = 0.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QTimer
from PySide6.QtWidgets import QApplication

CLEAR_AFTER_SECONDS = 20  # the default; the setting wins

_WIN = 'application/x-qt-windows-mime;value="{}"'
HINTS: dict[str, bytes] = {
    "x-kde-passwordManagerHint": b"secret",
    _WIN.format("ExcludeClipboardContentFromMonitorProcessing"): b"\x01\x00\x00\x00",
    _WIN.format("CanIncludeInClipboardHistory"): b"\x00\x00\x00\x00",
    _WIN.format("CanUploadToCloudClipboard"): b"\x00\x00\x00\x00",
}

_state: dict[str, object] = {"copied": None, "timer": None}


def clear_seconds() -> int:
    """How long a copied secret stays (the ``clipboard_seconds`` setting)."""
    from ui.desktop.settings import shared

    return int(shared().get("clipboard_seconds"))


def copy_secret(text: str, seconds: int | None = None) -> None:
    """Put ``text`` on the clipboard and clear it after ``seconds`` if still there."""
    data = QMimeData()
    data.setText(text)
    for mime, value in HINTS.items():
        data.setData(mime, value)
    QApplication.clipboard().setMimeData(data)
    _state["copied"] = text
    timer = _state["timer"]
    if not isinstance(timer, QTimer):
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(clear_if_ours)
        _state["timer"] = timer
    timer.start((clear_seconds() if seconds is None else seconds) * 1000)


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
