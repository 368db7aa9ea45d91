"""Light and dark: follow the OS by default, or force one (the ``theme`` setting).

Qt 6.5+ reads the OS colour scheme itself; "light" and "dark" set
``QStyleHints.setColorScheme`` (Qt 6.8+) where available. HiDPI needs nothing:
Qt 6 scales by the screen's device pixel ratio and we draw no bitmaps.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication


def apply_theme(name: str) -> None:
    """Use ``name`` ("system", "light" or "dark")."""
    app = QGuiApplication.instance()
    if app is None:
        return
    hints = QGuiApplication.styleHints()
    if not hasattr(hints, "setColorScheme"):
        return
    scheme = {
        "light": Qt.ColorScheme.Light,
        "dark": Qt.ColorScheme.Dark,
    }.get(name, Qt.ColorScheme.Unknown)
    hints.setColorScheme(scheme)
