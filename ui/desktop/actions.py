"""Window actions: a menu entry with its shortcut, live wherever focus is in the window.

Each part of the window (commands, the start page's File entries, the import and
handover entries) makes its actions the same way; this is that way.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def window_action(window: QWidget, text: str, keys: str, slot: Callable[[], object]) -> QAction:
    """An action of ``window`` that calls ``slot()``; ``keys`` its shortcut ("" for none).

    Added to the window itself, so the shortcut works before the menu was ever opened.
    """
    action = QAction(text, window)
    if keys:
        action.setShortcut(QKeySequence(keys))
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action
