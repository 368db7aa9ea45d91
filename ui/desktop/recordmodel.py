"""The record list: a table model of record summaries and the sort/filter proxy over it.

The model keeps only what a list shows (id, title, type, client, updated, and
the template's list columns), copied out of the records it is given, so no
secret value is ever held by, or drawn from, a list. Columns: Title, Type, then
Client when the rows span several scopes, then the list columns of the record
type when exactly one type is shown, and Updated last.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from vault.fields import FieldDef, FieldKind
from vault.model import Record
from vault.ordering import text_order
from vault.templates import Template

Index = QModelIndex | QPersistentModelIndex

TITLE, TYPE = 0, 1  # the other columns depend on what is shown: see column_keys()
RECORD_ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the record's id (str)
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts right (dates, numbers, "Rack 9")


@dataclass(frozen=True)
class Column:
    """One column: a key ("title", "type", "updated", "client" or "field:<name>")."""

    key: str
    header: str
    kind: FieldKind = FieldKind.TEXT


@dataclass(frozen=True)
class RecordRow:
    """What a list shows of one record; ``values`` follow the model's extra columns."""

    id: str
    title: str
    type_name: str
    updated: str
    client: str
    values: tuple[str, ...]


def local_time(iso: str) -> str:
    """An ISO timestamp as local "YYYY-MM-DD HH:MM" (the text itself if unparsable)."""
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


class RecordTableModel(QAbstractTableModel):
    """Summaries of records for the centre list (read-only)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns: list[Column] = [*self._base_columns(), self._updated_column()]
        self._rows: list[RecordRow] = []

    def _base_columns(self) -> list[Column]:
        return [Column("title", self.tr("Title")), Column("type", self.tr("Type"))]

    def _updated_column(self) -> Column:
        return Column("updated", self.tr("Updated"), FieldKind.DATE)

    # ------------------------------------------------------------------ filling

    def set_records(
        self,
        records: Iterable[Record],
        templates: Mapping[str, Template],
        scope_names: Mapping[str, str],
    ) -> None:
        """Show ``records``; choose the columns from what they have in common."""
        records = list(records)
        columns = self._base_columns()
        if len({r.scope_id for r in records}) > 1:
            columns.append(Column("client", self.tr("Client")))
        types = {r.type for r in records}
        extra: list[FieldDef] = []
        if len(types) == 1 and (template := templates.get(next(iter(types)))):
            extra = [f for f in template.list_columns() if not f.secret]
            columns.extend(Column(f"field:{f.name}", f.label, f.kind) for f in extra)
        columns.append(self._updated_column())
        rows = [
            RecordRow(
                id=r.id,
                title=r.title,
                type_name=templates[r.type].name if r.type in templates else r.type,
                updated=r.updated,
                client=scope_names.get(r.scope_id, ""),
                values=tuple(r.fields.get(f.name, "") for f in extra),
            )
            for r in records
        ]
        self.beginResetModel()
        self._columns, self._rows = columns, rows
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row (on lock)."""
        self.beginResetModel()
        self._columns, self._rows = [*self._base_columns(), self._updated_column()], []
        self.endResetModel()

    def column_keys(self) -> list[str]:
        """The keys of the current columns, in order."""
        return [c.key for c in self._columns]

    def record_id(self, row: int) -> str:
        """The id of the record in ``row``."""
        return self._rows[row].id

    def row_of(self, record_id: str) -> int:
        """The row showing ``record_id``, or -1."""
        for row, item in enumerate(self._rows):
            if item.id == record_id:
                return row
        return -1

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _text(self, row: RecordRow, column: Column) -> str:
        if column.key == "title":
            return row.title
        if column.key == "type":
            return row.type_name
        if column.key == "updated":
            return local_time(row.updated)
        if column.key == "client":
            return row.client
        extra = [c for c in self._columns if c.key.startswith("field:")]
        return row.values[extra.index(column)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, column)
        if role == RECORD_ID_ROLE:
            return row.id
        if role == SORT_ROLE:
            if column.key == "updated":
                return row.updated
            text = self._text(row, column)
            if column.kind == FieldKind.NUMBER:
                try:
                    return float(text)
                except ValueError:
                    return float("-inf")
            return text_order(text)
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


class RecordFilterProxy(QSortFilterProxyModel):
    """Sorts by :data:`SORT_ROLE` and filters on any column's text, ignoring case."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)
