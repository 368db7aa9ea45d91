"""Models of the conflicts view: the records in conflict, and their versions side by side.

:class:`ConflictListModel` lists :class:`vault.sync.conflicts.Conflict` rows.
:class:`CompareModel` puts the concurrent versions of one record in columns and
their title, tags, deletion and fields in rows; rows that differ are marked and
carry a tick per column, so a person picks which version's value each differing
row keeps. :meth:`CompareModel.resolution` turns the ticks into what
``Vault.resolve_conflict`` takes: one version to keep, or a merged record.
Secret values are masked; whether two secrets differ is still shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from ui.desktop.recordhtml import MASK
from ui.desktop.signals import emit
from ui.desktop.syncstatus import local_time
from ui.desktop.tablemodel import ListModel
from vault.fields import SECRET_KINDS, FieldKind
from vault.model import Record
from vault.sync.conflicts import Conflict
from vault.templates import Template

Index = QModelIndex | QPersistentModelIndex
RECORD_ID_ROLE = Qt.ItemDataRole.UserRole + 1
DIFFERS_ROLE = Qt.ItemDataRole.UserRole + 2
DIFFERENT = QColor(255, 196, 0, 70)

TITLE, CLIENT, VERSIONS, CHANGED = range(4)


class ConflictListModel(ListModel):
    """Records in conflict: title, client, how many versions, newest version's time."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__((), parent)
        self._rows: list[tuple[Conflict, str]] = []
        self._headers = [
            self.tr("Record"),
            self.tr("Client"),
            self.tr("Versions"),
            self.tr("Changed"),
        ]

    def set_rows(self, rows: Sequence[tuple[Conflict, str]]) -> None:
        """Replace the rows: (conflict, client name) pairs."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def conflict(self, row: int) -> Conflict:
        """The conflict shown in ``row``."""
        return self._rows[row][0]

    def row_of(self, record_id: str) -> int:
        """The row of a record, -1 if it is not listed."""
        return next((i for i, (c, _n) in enumerate(self._rows) if c.record_id == record_id), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.row_at(index)
        if row is None:
            return None
        conflict, client = row
        if role == RECORD_ID_ROLE:
            return conflict.record_id
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        column = index.column()
        if column == TITLE:
            return conflict.title
        if column == CLIENT:
            return client
        if column == VERSIONS:
            return str(len(conflict.heads))
        if column == CHANGED:
            return local_time(max(h.created for h in conflict.heads))
        return None


@dataclass(frozen=True)
class Row:
    """One compared item: ``key`` is "title", "tags", "deleted" or "field:<name>"."""

    key: str
    label: str
    values: tuple[str, ...]
    secret: bool = False
    shown: tuple[str, ...] = ()  # what to show instead of ``values`` (reference titles)

    @property
    def differs(self) -> bool:
        """True when the versions disagree on this item."""
        return len(set(self.values)) > 1


def compare_rows(
    versions: Sequence[Record],
    template: Template | None,
    kinds: dict[str, FieldKind],
    title_of: Callable[[str], str] | None = None,
) -> list[Row]:
    """The rows comparing ``versions``: title, tags, deleted, then fields in template order.

    ``title_of`` names a referenced record (a reference field shows its title).
    """
    tr = QCoreApplication.translate
    yes = tr("Conflicts", "yes")
    rows = [
        Row("title", tr("Conflicts", "Title"), tuple(v.title for v in versions)),
        Row("tags", tr("Conflicts", "Tags"), tuple(", ".join(v.tags) for v in versions)),
    ]
    if any(v.deleted for v in versions):
        deleted = tuple(yes if v.deleted else "" for v in versions)
        rows.append(Row("deleted", tr("Conflicts", "Deleted"), deleted))
    names = [f.name for f in template.fields] if template else []
    for version in versions:
        names.extend(n for n in version.fields if n not in names)
    for name in names:
        values = tuple(v.fields.get(name, "") for v in versions)
        if not any(values):
            continue
        definition = template.field(name) if template else None
        kind = kinds.get(name) or next(
            (v.custom[name] for v in versions if name in v.custom), FieldKind.TEXT
        )
        label = definition.label if definition else name
        shown: tuple[str, ...] = ()
        if kind == FieldKind.REFERENCE and title_of is not None:
            shown = tuple(title_of(v) if v else "" for v in values)
        rows.append(Row(f"field:{name}", label, values, kind in SECRET_KINDS, shown))
    return rows


class CompareModel(QAbstractTableModel):
    """The versions of one record in columns, items in rows, a tick per differing cell."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.versions: list[Record] = []
        self.headers: list[str] = []
        self.rows: list[Row] = []
        self.chosen: list[int] = []

    def set_versions(
        self, versions: Sequence[Record], rows: Sequence[Row], headers: Sequence[str]
    ) -> None:
        """Show ``versions`` (first: the one shown until resolved); every tick on the first."""
        self.beginResetModel()
        self.versions = list(versions)
        self.rows = list(rows)
        self.headers = list(headers)
        self.chosen = [0] * len(self.rows)
        self.endResetModel()

    def clear(self) -> None:
        """Show nothing (and hold no decrypted value)."""
        self.set_versions([], [], [])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.versions)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        value = (row.shown or row.values)[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return MASK if row.secret and value else value
        if role == Qt.ItemDataRole.CheckStateRole and row.differs:
            mine = self.chosen[index.row()] == index.column()
            return Qt.CheckState.Checked if mine else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.BackgroundRole and row.differs:
            return DIFFERENT
        if role == DIFFERS_ROLE:
            return row.differs
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and self.rows[index.row()].differs:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        if not self.rows[index.row()].differs:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        if not checked:
            return False  # one tick per row: ticking another column moves it
        self.chosen[index.row()] = index.column()
        left = self.index(index.row(), 0)
        right = self.index(index.row(), len(self.versions) - 1)
        emit(self.dataChanged, left, right, [Qt.ItemDataRole.CheckStateRole])
        return True

    def choose_all(self, column: int) -> None:
        """Tick every differing row in one column."""
        self.chosen = [column] * len(self.rows)
        if self.rows:
            emit(
                self.dataChanged,
                self.index(0, 0),
                self.index(len(self.rows) - 1, len(self.versions) - 1),
                [Qt.ItemDataRole.CheckStateRole],
            )

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return self.rows[section].label if 0 <= section < len(self.rows) else None

    def resolution(self) -> tuple[str, Record | None]:
        """(vid to keep, merged content or None): None when every tick is in one column."""
        used = [c for c, row in zip(self.chosen, self.rows, strict=True) if row.differs]
        if not used:
            return self.versions[0].vid, None
        base = Counter(used).most_common(1)[0][0]
        if all(c == base for c in used):
            return self.versions[base].vid, None
        merged = self.versions[base]
        fields = dict(merged.fields)
        custom = dict(merged.custom)
        for column, row in zip(self.chosen, self.rows, strict=True):
            source = self.versions[column]
            if row.key == "title":
                merged = replace(merged, title=source.title)
            elif row.key == "tags":
                merged = replace(merged, tags=source.tags)
            elif row.key == "deleted":
                merged = replace(merged, deleted=source.deleted)
            else:
                name = row.key.removeprefix("field:")
                if source.fields.get(name):
                    fields[name] = source.fields[name]
                    if name in source.custom:
                        custom[name] = source.custom[name]
                else:
                    fields.pop(name, None)
        return self.versions[base].vid, replace(merged, fields=fields, custom=custom)
