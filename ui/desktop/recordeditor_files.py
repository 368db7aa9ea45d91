"""Files to attach from the record form: dropped or picked, added when the record is saved.

:class:`PendingFiles` lists the files (name and size; nothing is read yet) and
accepts local files dropped anywhere on the form. :func:`attach_job` adds them
to the saved record through ``Vault.add_attachment`` on the background helper,
with progress in bytes and cancel, so a large file never blocks the window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import dialogs
from ui.desktop.attachmentspane import human_size
from ui.desktop.signals import emit
from ui.desktop.worker import JobControl
from vault.vault import Vault


def local_files(data: QMimeData) -> list[Path]:
    """The local files (not folders) in dropped ``data``."""
    if not data.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in data.urls() if u.isLocalFile()]


class PendingFiles(QWidget):
    """Files waiting to be attached when the record is saved."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._paths: list[Path] = []
        self.model = QStringListModel(self)
        self.list = QListView()
        self.list.setObjectName("pendingFiles")
        self.list.setModel(self.model)
        self.list.setMaximumHeight(80)
        self.list.setAccessibleName(self.tr("Files to attach"))
        self.list.setToolTip(self.tr("Drop files anywhere on this form to attach them."))
        self.add_button = QPushButton(self.tr("Attac&h files…"))
        self.add_button.setObjectName("attachFiles")
        self.add_button.clicked.connect(self.ask)
        self.remove_button = QPushButton(self.tr("Don’t attach"))
        self.remove_button.clicked.connect(self.remove_selected)
        drop = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        drop.setContext(Qt.ShortcutContext.WidgetShortcut)
        drop.activated.connect(self.remove_selected)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._refresh()

    def paths(self) -> list[Path]:
        """The files, in the order they were added."""
        return list(self._paths)

    def add(self, files: list[Path]) -> int:
        """Queue readable files (folders and duplicates are skipped); return how many."""
        added = 0
        for path in files:
            if path.is_file() and path not in self._paths:
                self._paths.append(path)
                added += 1
        if added:
            self._refresh()
            emit(self.changed)
        return added

    def ask(self) -> None:
        """Ask for a file to attach."""
        path = dialogs.open_path(self, self.tr("Attach a file"))
        if path:
            self.add([Path(path)])

    def remove_selected(self) -> bool:
        """Take the selected file off the list."""
        row = self.list.currentIndex().row()
        if not 0 <= row < len(self._paths):
            return False
        del self._paths[row]
        self._refresh()
        emit(self.changed)
        return True

    def set_paths(self, files: list[Path]) -> None:
        """Show exactly ``files`` (the form's undo; no change signal)."""
        self._paths = list(files)
        self._refresh()

    def clear(self) -> None:
        """Forget every file."""
        self._paths.clear()
        self._refresh()

    def _refresh(self) -> None:
        lines = []
        for path in self._paths:
            try:
                size = human_size(path.stat().st_size)
            except OSError:
                size = "?"
            lines.append(f"{path.name}  ({size})")
        self.model.setStringList(lines)
        self.list.setVisible(bool(lines))
        self.remove_button.setVisible(bool(lines))


def attach_job(vault: Vault, record_id: str, files: list[Path]) -> Callable[[JobControl], int]:
    """The background work that attaches ``files`` to ``record_id``; returns how many."""
    sizes = []
    for path in files:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    total = max(sum(sizes), 1)

    def work(control: JobControl) -> int:
        done = 0
        for path, size in zip(files, sizes, strict=True):
            control.check()
            base = done

            def step(part: int, _whole: int, base: int = base) -> None:
                control.progress(base + part, total)

            vault.add_attachment(record_id, path, progress=step)
            done += size
            control.progress(done, total)
        return len(files)

    return work
