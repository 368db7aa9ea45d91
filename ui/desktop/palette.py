"""The Ctrl+K palette: type to jump to any record or run any action.

The list mixes the window's enabled actions whose names match what was typed
with the best search hits (at most :data:`MAX_RECORDS`, so each query stays a
few milliseconds on the GUI thread). Enter or a double click runs the current
entry; Escape closes. The dialog is opened with ``open()``, never ``exec()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QDialog, QLineEdit, QListView, QVBoxLayout, QWidget

from ui.desktop.signals import emit
from vault.errors import VaultError

Index = QModelIndex | QPersistentModelIndex
MAX_RECORDS = 20


@dataclass(frozen=True)
class Entry:
    """One palette line: an action to trigger or a record to show."""

    label: str
    detail: str
    action: QAction | None = None
    record_id: str | None = None


class PaletteModel(QAbstractListModel):
    """The palette's entries."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[Entry] = []

    def set_entries(self, entries: list[Entry]) -> None:
        """Replace the entries."""
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> Entry:
        """The entry in ``row``."""
        return self._entries[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{entry.label}    — {entry.detail}" if entry.detail else entry.label
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.detail
        return None


def action_name(action: QAction) -> str:
    """An action's text without its mnemonic ampersand and trailing ellipsis."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


class CommandPalette(QDialog):
    """Find a record or an action by typing."""

    record_chosen = Signal(str)

    def __init__(
        self,
        actions: list[QAction],
        index: object | None,
        type_names: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("commandPalette")
        self.setWindowTitle(self.tr("Go to record or run an action"))
        self._actions = actions
        self._index = index
        self._types = type_names
        self.query = QLineEdit()
        self.query.setObjectName("paletteQuery")
        self.query.setPlaceholderText(self.tr("Type a record, a hostname, or an action…"))
        self.query.textChanged.connect(self.update_entries)
        self.query.installEventFilter(self)
        self.model = PaletteModel(self)
        self.list = QListView()
        self.list.setObjectName("paletteList")
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)
        self.list.activated.connect(lambda i: self.run(i.row()))
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.list)
        self.resize(620, 420)
        self.update_entries("")

    def update_entries(self, text: str) -> None:
        """Refill the list for ``text``: matching actions, then matching records."""
        words = text.casefold().split()
        entries = [
            Entry(action_name(a), a.shortcut().toString(), action=a)
            for a in self._actions
            if a.isEnabled() and a.text() and all(w in action_name(a).casefold() for w in words)
        ]
        if text.strip() and self._index is not None:
            try:
                hits = self._index.search(text, limit=MAX_RECORDS)  # type: ignore[attr-defined]
            except VaultError:
                hits = []
            records = [
                Entry(h.title, f"{self._types.get(h.type, h.type)} · {h.client}", record_id=h.id)
                for h in hits
            ]
            entries = records + entries if records else entries
        self.model.set_entries(entries)
        if entries:
            self.list.setCurrentIndex(self.model.index(0))

    def run(self, row: int | None = None) -> None:
        """Run the entry in ``row`` (the current one by default) and close."""
        if row is None:
            row = self.list.currentIndex().row()
        if not 0 <= row < self.model.rowCount():
            return
        entry = self.model.entry(row)
        self.accept()
        self.model.set_entries([])
        if entry.record_id is not None:
            emit(self.record_chosen, entry.record_id)
        elif entry.action is not None:
            entry.action.trigger()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down move in the list and Enter runs, while typing in the field."""
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.list.keyPressEvent(event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.run()
                return True
        return super().eventFilter(watched, event)
