"""The record list model, fed from the search catalog: nothing is decrypted to draw a list.

:class:`CatalogTableModel` holds rows in :class:`ListRow`'s field order (the
plain tuples ``SearchIndex.list_rows`` returns are taken as they are: building
100,000 row objects cost a quarter of a second) and shows Title, Type, Client
(when rows span several scopes), the list columns of the record type when one
type is shown, a Match column for search results, and Updated. A row's list
columns stay the catalog's JSON text until a row is drawn. The model sorts
itself by one string key per row (:func:`row_key`) and one ``list.sort``, on the
worker for long lists, where a QSortFilterProxyModel calling ``data()`` n·log n
times would take seconds; :func:`sort_by_title` sorts a big list on the worker
before it is shown. :class:`CatalogProxy` is the identity proxy the view sees, which
forwards sorting to it. Values never include a secret: the catalog holds none.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from ui.desktop import worker
from ui.desktop.recordmodel import RECORD_ID_ROLE, SORT_ROLE, Column, local_time
from ui.desktop.signals import emit
from vault.fields import FieldKind
from vault.ordering import text_order
from vault.templates import Template

Index = QModelIndex | QPersistentModelIndex

TITLE, TYPE = 0, 1
FREEZE_ROWS = 20_000
BACKGROUND_SORT_ROWS = 10_000  # longer lists are sorted on the worker (0.2 s at 100k rows)
RELEASE_ROWS = 20_000  # longer lists are freed a chunk per event-loop turn (30 ms at 100k)
RELEASE_CHUNK = 5_000  # rows freed per turn (a millisecond or two)
RELEASE_EVERY_MS = 5


DECODED_CACHE = 4096  # rows whose list columns are kept decoded (a few screens' worth)
SCOPE_ID_ROLE = Qt.ItemDataRole.UserRole + 3
TYPE_ID_ROLE = Qt.ItemDataRole.UserRole + 4
_ID, _SCOPE, _TYPE, _TITLE, _UPDATED, _COLUMNS, _MATCH = range(7)  # positions in a row
_NO_COLUMNS: Mapping[str, str] = MappingProxyType({})


class CatalogLike(Protocol):
    """What the model needs of a row (``search.CatalogRow`` has it)."""

    id: str
    scope_id: str
    type: str
    title: str
    columns: dict[str, str]
    updated: str


class ListRow(NamedTuple):
    """One row as the model keeps it (a plain tuple in this order will do).

    ``columns`` is the list-column values, or the catalog's JSON text of them,
    decoded by the model when the row is drawn.
    """

    id: str
    scope_id: str
    type: str
    title: str
    updated: str
    columns: Mapping[str, str] | str = _NO_COLUMNS
    match: str = ""


Row = ListRow | tuple  # a ListRow, or a tuple of at least its first six fields in order


def rows_from_catalog(rows: Iterable[CatalogLike]) -> list[ListRow]:
    """Catalog rows as list rows."""
    return [ListRow(r.id, r.scope_id, r.type, r.title, r.updated, r.columns) for r in rows]


def rows_from_list(rows: Iterable[tuple[str, str, str, str, str, str]]) -> list[Row]:
    """``SearchIndex.list_rows`` tuples as list rows: they already are (nothing is copied)."""
    return rows if isinstance(rows, list) else list(rows)


def as_list_row(row: Row) -> ListRow:
    """``row`` as a :class:`ListRow` (list columns decoded)."""
    columns = row[_COLUMNS] if len(row) > _COLUMNS else _NO_COLUMNS
    if isinstance(columns, str):
        columns = json.loads(columns) if columns else {}
    match = row[_MATCH] if len(row) > _MATCH else ""
    return ListRow(row[_ID], row[_SCOPE], row[_TYPE], row[_TITLE], row[_UPDATED], columns, match)


def _title_key(row: Row) -> str:
    # Title order (numbers by value), then the id: "\0" sorts before every character a
    # title holds, so one string compares as the pair would, and strings sort far faster
    # than tuples. The same key as search.listing.title_key.
    return text_order(row[_TITLE]) + "\0" + row[_ID]


def sort_by_title(rows: list[Row], order: Qt.SortOrder) -> None:
    """Sort rows in place exactly as :meth:`CatalogTableModel.sort` sorts the Title column.

    For the worker: 100,000 rows take 0.2 s to sort by title, too long for
    the GUI thread; :meth:`CatalogTableModel.set_rows` is then told they are sorted.
    """
    rows.sort(key=_title_key, reverse=order == Qt.SortOrder.DescendingOrder)


def read_list(
    index: object, scope: str | None, kind: str | None, order: Qt.SortOrder | None
) -> list[Row]:
    """A list's rows from ``SearchIndex.list_rows``: by ``order`` of title, or by date if None.

    For the worker. The index gives them in :func:`sort_by_title`'s ascending
    order (its ``title_key`` is this module's), cheaper than reading them by
    date and sorting; descending is that reversed (keys are unique).
    """
    if order is None:
        return rows_from_list(index.list_rows(scope, kind))  # type: ignore[attr-defined]
    rows: list[Row] = index.list_rows(scope, kind, order="title")  # type: ignore[attr-defined]
    if order == Qt.SortOrder.DescendingOrder:
        rows.reverse()
    return rows


def _spans_scopes(rows: Sequence[Row]) -> bool:
    first = rows[0][_SCOPE] if rows else ""
    return any(r[_SCOPE] != first for r in rows)


def _types(rows: Sequence[Row]) -> set[str]:
    """Every type in ``rows`` when there is one; else two of them (enough to know)."""
    if not rows:
        return set()
    first = rows[0][_TYPE]
    other = next((r[_TYPE] for r in rows if r[_TYPE] != first), None)
    return {first} if other is None else {first, other}


def _field_value(row: Row, name: str) -> str:
    columns = row[_COLUMNS] if len(row) > _COLUMNS else _NO_COLUMNS
    if isinstance(columns, str):
        columns = json.loads(columns) if columns else {}
    return str(columns.get(name, ""))


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("-inf")


def row_key(
    column: Column, templates: Mapping[str, Template], scope_names: Mapping[str, str]
) -> Callable[[Row], object]:
    """The sort key of a row for ``column``: its value as the column sorts, then the id.

    Text sorts in :func:`vault.ordering.text_order` (case-folded, numbers by
    value), search snippets case-folded; one string per row (value, "\\0", id) compares as
    the pair would, as no shown value holds "\\0". Reads nothing but its
    arguments, so a worker thread can sort with it.
    """
    key = column.key
    if key == "title":
        return _title_key
    if key == "updated":
        return lambda r: r[_UPDATED] + "\0" + r[_ID]
    if key == "type":
        names = {t: text_order(template.name) for t, template in templates.items()}
        return lambda r: (
            (names[r[_TYPE]] if r[_TYPE] in names else text_order(r[_TYPE])) + "\0" + r[_ID]
        )
    if key == "client":
        clients = {scope: text_order(name) for scope, name in scope_names.items()}
        return lambda r: clients.get(r[_SCOPE], "") + "\0" + r[_ID]
    if key == "match":
        return lambda r: (r[_MATCH] if len(r) > _MATCH else "").casefold() + "\0" + r[_ID]
    name = key[6:]
    if column.kind == FieldKind.NUMBER:
        return lambda r: (_number(_field_value(r, name)), r[_ID])
    return lambda r: text_order(_field_value(r, name)) + "\0" + r[_ID]


class CatalogTableModel(QAbstractTableModel):
    """Record summaries for the centre list (read-only, self-sorting).

    Lists of :data:`BACKGROUND_SORT_ROWS` rows or more are sorted on the worker:
    :meth:`sort` returns at once and the new order is shown when it is ready
    (``sort_finished`` says so; short lists emit it before :meth:`sort` returns).
    """

    sort_finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0  # bumped whenever the rows are replaced: late sorts are dropped
        self.sort_job: worker.Job | None = None
        self._columns: list[Column] = self._default_columns()
        self._rows: list[Row] = []
        self._to_free: list[list[Row]] = []  # long lists being freed (_release_rows)
        self._free_timer = QTimer(self)
        self._free_timer.setInterval(RELEASE_EVERY_MS)
        self._free_timer.timeout.connect(self._free_chunk)
        self._templates: Mapping[str, Template] = {}
        self._scope_names: Mapping[str, str] = {}
        self._sorted: tuple[int, Qt.SortOrder] | None = None
        self._positions: dict[str, int] | None = None
        self._scanned = False  # row_of has scanned the rows once since they changed
        self._decoded: dict[str, Mapping[str, str]] = {}

    def _default_columns(self) -> list[Column]:
        return [
            Column("title", self.tr("Title")),
            Column("type", self.tr("Type")),
            Column("updated", self.tr("Updated"), FieldKind.DATE),
        ]

    # ------------------------------------------------------------------ filling

    def set_rows(
        self,
        rows: Sequence[Row],
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
        if _spans_scopes(rows):
            columns.append(Column("client", self.tr("Client")))
        types = _types(rows)
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
        self._generation += 1
        self.sort_job = None
        self._release_rows()
        self._columns, self._rows = columns, list(rows)
        self._templates, self._scope_names = templates, scope_names
        self._scanned = False
        self._sorted = None if title_order is None else (TITLE, title_order)
        self.endResetModel()
        if len(self._rows) >= FREEZE_ROWS and gc.get_freeze_count() == 0:
            # 100k row objects make every full garbage collection a GUI stall of
            # 100+ ms; they are long-lived, so take them out of the collector's scans.
            # Once, after collecting the young garbage: a cycle still waiting to be
            # collected (a closed editor's values) must not be frozen with them.
            gc.collect(1)
            gc.freeze()

    def clear(self) -> None:
        """Drop every row (on lock)."""
        self.beginResetModel()
        self._generation += 1
        self.sort_job = None
        self._release_rows()
        self._columns = self._default_columns()
        self._templates, self._scope_names = {}, {}
        self._scanned = False
        self.endResetModel()
        # What set_rows froze (every object alive then, not only the rows) is collectable
        # again: a reference cycle made before the lock must not outlive it.
        gc.unfreeze()

    def _release_rows(self) -> None:
        """Let go of the rows, their positions and decoded columns (inside a model reset).

        Freeing 100,000 rows (600,000 objects) took the GUI thread 30 ms in one go
        each time a search replaced the whole list. A long list is freed a chunk at a
        time on later turns of the event loop instead. Not on the worker: while a
        worker runs Python, each of the hundreds of Python calls of a repaint waits
        for the interpreter lock, and the paint beside it took longer than the 30 ms.
        """
        rows, positions = self._rows, self._positions
        self._rows, self._positions, self._decoded = [], None, {}
        if len(rows) >= RELEASE_ROWS:
            if positions:
                positions.clear()  # a millisecond: its keys are the rows' ids, still alive
            self._to_free.append(rows)
            self._free_timer.start()

    def _free_chunk(self) -> None:
        while self._to_free and not self._to_free[0]:
            self._to_free.pop(0)
        if not self._to_free:
            self._free_timer.stop()
            return
        del self._to_free[0][-RELEASE_CHUNK:]

    def column_keys(self) -> list[str]:
        """The keys of the current columns, in order."""
        return [c.key for c in self._columns]

    def record_id(self, row: int) -> str:
        """The id of the record in ``row``."""
        return self._rows[row][_ID]

    def row_of(self, record_id: str) -> int:
        """The row showing ``record_id``, or -1.

        The first lookup after the rows change scans them (a few ms at 100,000
        rows); the next builds an index of every id (tens of ms), worth it only
        when lookups repeat.
        """
        if self._positions is None:
            if not self._scanned:
                self._scanned = True
                found = (i for i, r in enumerate(self._rows) if r[_ID] == record_id)
                return next(found, -1)
            self._positions = {r[_ID]: i for i, r in enumerate(self._rows)}
        return self._positions.get(record_id, -1)

    def sorted_by(self) -> tuple[int, Qt.SortOrder] | None:
        """(column, order) the rows are sorted by, or None."""
        return self._sorted

    def rows(self) -> list[ListRow]:
        """The rows in their current order (as :class:`ListRow`, list columns decoded)."""
        return [as_list_row(r) for r in self._rows]

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _list_columns(self, row: Row) -> Mapping[str, str]:
        columns = row[_COLUMNS] if len(row) > _COLUMNS else _NO_COLUMNS
        if not isinstance(columns, str):
            return columns
        decoded = self._decoded.get(row[_ID])
        if decoded is None:
            if len(self._decoded) >= DECODED_CACHE:
                self._decoded.clear()
            decoded = self._decoded[row[_ID]] = json.loads(columns) if columns else {}
        return decoded

    def _text(self, row: Row, key: str) -> str:
        if key == "title":
            return row[_TITLE]
        if key == "type":
            template = self._templates.get(row[_TYPE])
            return template.name if template else row[_TYPE]
        if key == "updated":
            return local_time(row[_UPDATED])
        if key == "client":
            return self._scope_names.get(row[_SCOPE], "")
        if key == "match":
            return row[_MATCH] if len(row) > _MATCH else ""
        return str(self._list_columns(row).get(key[6:], ""))

    def _sort_key(self, row: Row, column: Column) -> object:
        if column.key == "updated":
            return row[_UPDATED]
        text = self._text(row, column.key)
        if column.kind == FieldKind.NUMBER:
            try:
                return float(text)
            except ValueError:
                return float("-inf")
        return text.casefold() if column.key == "match" else text_order(text)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, self._columns[index.column()].key)
        if role == RECORD_ID_ROLE:
            return row[_ID]
        if role == SCOPE_ID_ROLE:
            return row[_SCOPE]
        if role == TYPE_ID_ROLE:
            return row[_TYPE]
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
        """Sort every row by ``column``: one key per row, then one ``list.sort``.

        The other direction of the current sort is a reversal (keys are unique).
        Long lists are sorted on the worker; see the class docstring.
        """
        if not 0 <= column < len(self._columns):
            return
        previous, self._sorted = self._sorted, (column, order)
        if previous is not None and previous[0] == column and self.sort_job is None:
            if previous[1] != order:
                self._show_order(self._rows[::-1], reversal=True)
            else:
                emit(self.sort_finished)
            return
        key = row_key(self._columns[column], self._templates, self._scope_names)
        reverse = order == Qt.SortOrder.DescendingOrder
        if len(self._rows) < BACKGROUND_SORT_ROWS:
            self._show_order(sorted(self._rows, key=key, reverse=reverse))
            return
        rows, generation = self._rows, self._generation

        def work(_control: worker.JobControl) -> tuple[list[Row], dict[str, int]]:
            ordered = sorted(rows, key=key, reverse=reverse)  # a new list: ``rows`` stays shown
            return ordered, {r[_ID]: i for i, r in enumerate(ordered)}  # here, not on the GUI

        def done(result: tuple[list[Row], dict[str, int]]) -> None:
            if generation == self._generation and self._sorted == (column, order):
                self.sort_job = None
                self._show_order(*result)

        self.sort_job = worker.run(work, on_success=done, parent=self)

    def _show_order(
        self,
        rows: list[Row],
        positions: dict[str, int] | None = None,
        *,
        reversal: bool = False,
    ) -> None:
        """Show the same rows in a new order, keeping the view's selection on its records.

        ``positions``: each record id's row in ``rows``, if known (else built when needed).
        ``reversal``: ``rows`` is the current order reversed, so each held row moves to
        its mirror position; no pass over 100,000 rows on the GUI thread to find them.
        """
        emit(self.layoutAboutToBeChanged)
        persistent = self.persistentIndexList()
        last = len(rows) - 1
        if reversal and persistent:
            moved = [self.index(last - i.row(), i.column()) for i in persistent]
            self._rows, self._positions, self._scanned = rows, None, False
            self.changePersistentIndexList(persistent, moved)
            emit(self.layoutChanged)
            emit(self.sort_finished)
            return
        old_ids = [self._rows[i.row()][_ID] for i in persistent]
        old_columns = [i.column() for i in persistent]
        self._rows = rows
        self._positions, self._scanned = positions, False
        if persistent:
            found = positions
            if found is None:  # one pass for the few ids the view holds on to
                wanted = set(old_ids)
                found = {r[_ID]: i for i, r in enumerate(rows) if r[_ID] in wanted}
            new = [
                self.index(found.get(i, -1), c) for i, c in zip(old_ids, old_columns, strict=True)
            ]
            self.changePersistentIndexList(persistent, new)
        emit(self.layoutChanged)
        emit(self.sort_finished)


class CatalogProxy(QIdentityProxyModel):
    """The model the table sees; sorting goes to :class:`CatalogTableModel`."""
