"""Vault files handed to the running app by the desktop (macOS "Open With", a double click).

On Linux and Windows the file manager starts ``sitebook-desktop PATH`` and the
path arrives on the command line. macOS starts the bundle without arguments
and delivers the path as a ``QFileOpenEvent`` to the application object, at
launch or while the app runs, so without this filter a double-clicked vault
would open the demo vault instead. Only ``.sitebook`` files are taken; other
events pass through untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent

VAULT_SUFFIX = ".sitebook"


class FileOpenFilter(QObject):
    """Hands each vault path the platform asks us to open to ``opener``.

    Paths that arrive before an opener is set (macOS sends the launch file
    before the window exists) are kept and handed over by ``set_opener``.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._opener: Callable[[Path], None] | None = None
        self.pending: list[Path] = []

    def set_opener(self, opener: Callable[[Path], None]) -> None:
        """Send future vault paths, and any that already arrived, to ``opener``."""
        self._opener = opener
        waiting, self.pending = self.pending, []
        for path in waiting:
            opener(path)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.FileOpen or not isinstance(event, QFileOpenEvent):
            return super().eventFilter(watched, event)
        text = event.file() or event.url().toLocalFile()
        if not text or not text.lower().endswith(VAULT_SUFFIX):
            return False
        path = Path(text)
        if self._opener is None:
            self.pending.append(path)
        else:
            self._opener(path)
        return True
