"""The start screen's table of recent vaults: file name, path, last opened; missing files greyed.

A :class:`QAbstractTableModel` over :class:`ui.desktop.recent.RecentVaults`
(STYLE §4). Whether each file still exists is checked when the model is
refreshed (the start screen refreshes each time it is shown), not on every
paint. A missing file's row is grey, says "not found" (or "cannot be reached"
when the file system could not tell: no permission, a network drive that is
gone) and is not selectable for opening, only for removal. The first column is
the file's name: the vault's own name is encrypted inside it.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from ui.desktop.recent import FOUND, UNREACHABLE, RecentVault, RecentVaults
from ui.desktop.tablemodel import ListModel

Index = QModelIndex | QPersistentModelIndex

NAME, PATH, OPENED = range(3)
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The :class:`RecentVault` of a row."""
EXISTS_ROLE = Qt.ItemDataRole.UserRole + 2
"""True if the row's file is there."""


class RecentVaultsModel(ListModel):
    """Rows of recent vaults, newest first."""

    def __init__(self, store: RecentVaults, parent: QObject | None = None) -> None:
        super().__init__((), parent)
        self.store = store
        self._rows: list[tuple[RecentVault, str]] = []  # the entry and its status
        self._headers = [self.tr("Name"), self.tr("File"), self.tr("Last opened")]
        self.refresh()

    def refresh(self) -> None:
        """Read the list again and check which files are still there."""
        self.beginResetModel()
        self._rows = [(entry, entry.status) for entry in self.store.entries()]
        self.endResetModel()

    def entry(self, row: int) -> RecentVault:
        """The entry shown in ``row``."""
        return self._rows[row][0]

    def exists(self, row: int) -> bool:
        """True if the file of ``row`` was there at the last refresh."""
        return self._rows[row][1] == FOUND

    def status(self, row: int) -> str:
        """FOUND, MISSING or UNREACHABLE, as seen at the last refresh."""
        return self._rows[row][1]

    def remove(self, row: int) -> None:
        """Forget the vault of ``row`` (its file is not touched)."""
        entry = self._rows[row][0]
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.store.remove(entry.path)
        self.endRemoveRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.row_at(index)
        if row is None:
            return None
        entry, status = row
        exists = status == FOUND
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                if exists:
                    return entry.name
                if status == UNREACHABLE:
                    return self.tr("{name} (cannot be reached)").format(name=entry.name)
                return self.tr("{name} (not found)").format(name=entry.name)
            if column == PATH:
                return str(entry.path)
            if column == OPENED:
                return _when(entry.last_opened)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if status == UNREACHABLE:
                return self.tr(
                    "{path} cannot be reached: there is no permission to look at its folder, "
                    "or the network drive it is on is gone."
                ).format(path=str(entry.path))
            if not exists:
                return self.tr(
                    "{path} was not found. It may have been moved, renamed or "
                    "be on a drive that is not connected."
                ).format(path=str(entry.path))
            return str(entry.path)
        if role == Qt.ItemDataRole.ForegroundRole and not exists:
            return QApplication.palette().color(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        if role == ENTRY_ROLE:
            return entry
        if role == EXISTS_ROLE:
            return exists
        return None


def _when(moment: dt.datetime) -> str:
    """Local date and time, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
