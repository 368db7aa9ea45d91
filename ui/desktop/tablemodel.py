"""A small read-only table model over a list of rows with fixed headers.

For the secondary screens (members, audit log, leaver report, overviews,
expiry): each gives headers and rows of strings, plus an optional payload per
row (kept under :data:`PAYLOAD_ROLE`). Big lists use their own models.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
PAYLOAD_ROLE = Qt.ItemDataRole.UserRole + 1


class ListModel(QAbstractTableModel):
    """A flat list of rows under fixed column headers; subclasses say what a row shows.

    Holds ``_rows`` and ``_headers`` and answers Qt's row, column and header
    questions, so each list model only writes its ``data``.
    """

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list = []

    def row_at(self, index: Index) -> object | None:
        """The row behind ``index``; None for an invalid or stale index."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None


class RowsModel(ListModel):
    """Rows of text with a payload each."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(headers, parent)
        self._payloads: list[object] = []

    def set_rows(self, rows: Sequence[Sequence[str]], payloads: Sequence[object] = ()) -> None:
        """Replace the rows (and their payloads, None where not given)."""
        self.beginResetModel()
        self._rows = [tuple(str(c) for c in r) for r in rows]
        self._payloads = list(payloads) + [None] * (len(rows) - len(payloads))
        self.endResetModel()

    def payload(self, row: int) -> object:
        """The payload of ``row``."""
        return self._payloads[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.row_at(index)
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row[index.column()] if index.column() < len(row) else ""
        if role == PAYLOAD_ROLE:
            return self._payloads[index.row()]
        return None


def make_table(model: QAbstractTableModel, name: str) -> object:
    """A read-only, row-selecting QTableView over ``model``."""
    from PySide6.QtWidgets import QAbstractItemView, QTableView

    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setSortingEnabled(False)
    return view
