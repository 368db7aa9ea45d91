"""The record list model, fed from the search catalog: nothing is decrypted to draw a list.

:class:`CatalogTableModel` holds :class:`search.CatalogRow`-shaped rows (or search
hits) and shows Title, Type, Client (when rows span several scopes), the list
columns of the record type when one type is shown, a Match column for search
results, and Updated. It sorts itself (:meth:`sort` runs one Python ``sort`` over
precomputed keys, which stays well under 50 ms at 100,000 rows, where a
QSortFilterProxyModel calling ``data()`` n·log n times would not);
:class:`CatalogProxy` is the identity proxy the view sees, which forwards
sorting to it. Values never include a secret: the catalog holds none.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from ui.desktop.recordmodel import RECORD_ID_ROLE, SORT_ROLE, Column, local_time
from ui.desktop.signals import emit
from vault.fields import FieldKind
from vault.templates import Template

Index = QModelIndex | QPersistentModelIndex

TITLE, TYPE = 0, 1
FREEZE_ROWS = 20_000
SCOPE_ID_ROLE = Qt.ItemDataRole.UserRole + 3
TYPE_ID_ROLE = Qt.ItemDataRole.UserRole + 4


class CatalogLike(Protocol):
    """What the model needs of a row (``search.CatalogRow`` has it)."""

    id: str
    scope_id: str
    type: str
    title: str
    columns: dict[str, str]
    updated: str


@dataclass(frozen=True)
class ListRow:
    """One row as the model keeps it."""

    id: str
    scope_id: str
    type: str
    title: str
    updated: str
    columns: Mapping[str, str] = field(default_factory=dict)
    match: str = ""


def rows_from_catalog(rows: Iterable[CatalogLike]) -> list[ListRow]:
    """Catalog rows as list rows."""
    return [ListRow(r.id, r.scope_id, r.type, r.title, r.updated, r.columns) for r in rows]


class LazyColumns(Mapping[str, str]):
    """List-column values kept as the catalog's JSON text, decoded on first use.

    A 100,000-row list shows a few dozen rows at a time: decoding every row's
    columns up front cost most of the time it took to read the list.
    """

    __slots__ = ("_decoded", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._decoded: dict[str, str] | None = None

    def _values(self) -> dict[str, str]:
        if self._decoded is None:
            self._decoded = json.loads(self._text)
        return self._decoded

    def __getitem__(self, key: str) -> str:
        return self._values()[key]

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        """The value of ``key``, or ``default`` (fast path of Mapping.get)."""
        return self._values().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


def rows_from_list(rows: Iterable[tuple[str, str, str, str, str, str]]) -> list[ListRow]:
    """List rows from ``SearchIndex.list_rows`` tuples (columns decoded lazily)."""
    return [
        ListRow(id_, scope, type_, title, updated, LazyColumns(columns))
        for id_, scope, type_, title, updated, columns in rows
    ]


def sort_by_title(rows: list[ListRow], order: Qt.SortOrder) -> None:
    """Sort rows in place exactly as :meth:`CatalogTableModel.sort` sorts the Title column.

    For the worker: 100,000 rows take half a second to sort, too long for the
    GUI thread; :meth:`CatalogTableModel.set_rows` is then told they are sorted.
    """
    descending = order == Qt.SortOrder.DescendingOrder
    rows.sort(key=lambda r: (r.title.casefold(), r.id), reverse=descending)


class CatalogTableModel(QAbstractTableModel):
    """Record summaries for the centre list (read-only, self-sorting)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns: list[Column] = self._default_columns()
        self._rows: list[ListRow] = []
        self._templates: Mapping[str, Template] = {}
        self._scope_names: Mapping[str, str] = {}
        self._sorted: tuple[int, Qt.SortOrder] | None = None
        self._positions: dict[str, int] | None = None

    def _default_columns(self) -> list[Column]:
        return [
            Column("title", self.tr("Title")),
            Column("type", self.tr("Type")),
            Column("updated", self.tr("Updated"), FieldKind.DATE),
        ]

    # ------------------------------------------------------------------ filling

    def set_rows(
        self,
        rows: Sequence[ListRow],
        templates: Mapping[str, Template],
        scope_names: Mapping[str, str],
        *,
        search: bool = False,
        title_order: Qt.SortOrder | None = None,
    ) -> None:
        """Show ``rows``; choose the columns from what they have in common.

        ``title_order``: the rows are already sorted by title in that order
        (:func:`sort_by_title`), so the model need not sort them again.
        """
        columns = [Column("title", self.tr("Title")), Column("type", self.tr("Type"))]
        if len({r.scope_id for r in rows}) > 1:
            columns.append(Column("client", self.tr("Client")))
        types = {r.type for r in rows}
        if not search and len(types) == 1 and (template := templates.get(next(iter(types)))):
            columns.extend(
                Column(f"field:{f.name}", f.label, f.kind)
                for f in template.list_columns()
                if not f.secret
            )
        if search:
            columns.append(Column("match", self.tr("Match")))
        columns.append(Column("updated", self.tr("Updated"), FieldKind.DATE))
        self.beginResetModel()
        self._columns, self._rows = columns, list(rows)
        self._templates, self._scope_names = templates, scope_names
        self._positions = None
        self._sorted = None if title_order is None else (TITLE, title_order)
        self.endResetModel()
        if len(self._rows) >= FREEZE_ROWS:
            # 100k row objects make every full garbage collection a GUI stall of
            # 100+ ms; they are long-lived, so take them out of the collector's scans.
            gc.freeze()

    def clear(self) -> None:
        """Drop every row (on lock)."""
        self.beginResetModel()
        self._columns, self._rows = self._default_columns(), []
        self._templates, self._scope_names = {}, {}
        self._positions = None
        self.endResetModel()

    def column_keys(self) -> list[str]:
        """The keys of the current columns, in order."""
        return [c.key for c in self._columns]

    def record_id(self, row: int) -> str:
        """The id of the record in ``row``."""
        return self._rows[row].id

    def row_of(self, record_id: str) -> int:
        """The row showing ``record_id``, or -1."""
        if self._positions is None:
            self._positions = {r.id: i for i, r in enumerate(self._rows)}
        return self._positions.get(record_id, -1)

    def sorted_by(self) -> tuple[int, Qt.SortOrder] | None:
        """(column, order) the rows are sorted by, or None."""
        return self._sorted

    def rows(self) -> list[ListRow]:
        """The rows in their current order."""
        return list(self._rows)

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _text(self, row: ListRow, key: str) -> str:
        if key == "title":
            return row.title
        if key == "type":
            template = self._templates.get(row.type)
            return template.name if template else row.type
        if key == "updated":
            return local_time(row.updated)
        if key == "client":
            return self._scope_names.get(row.scope_id, "")
        if key == "match":
            return row.match
        return row.columns.get(key[6:], "")

    def _sort_key(self, row: ListRow, column: Column) -> object:
        if column.key == "updated":
            return row.updated
        text = self._text(row, column.key)
        if column.kind == FieldKind.NUMBER:
            try:
                return float(text)
            except ValueError:
                return float("-inf")
        return text.casefold()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, self._columns[index.column()].key)
        if role == RECORD_ID_ROLE:
            return row.id
        if role == SCOPE_ID_ROLE:
            return row.scope_id
        if role == TYPE_ID_ROLE:
            return row.type
        if role == SORT_ROLE:
            return self._sort_key(row, self._columns[index.column()])
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].header
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every row by ``column`` (one key per row, then one ``list.sort``)."""
        if not 0 <= column < len(self._columns):
            return
        self._sorted = (column, order)
        spec = self._columns[column]
        reverse = order == Qt.SortOrder.DescendingOrder
        emit(self.layoutAboutToBeChanged)
        persistent = self.persistentIndexList()
        old_ids = [self._rows[i.row()].id for i in persistent]
        old_columns = [i.column() for i in persistent]
        self._rows.sort(key=lambda r: (self._sort_key(r, spec), r.id), reverse=reverse)
        self._positions = None
        new = [self.index(self.row_of(i), c) for i, c in zip(old_ids, old_columns, strict=True)]
        self.changePersistentIndexList(persistent, new)
        emit(self.layoutChanged)


class CatalogProxy(QIdentityProxyModel):
    """The model the table sees; sorting goes to :class:`CatalogTableModel`."""
