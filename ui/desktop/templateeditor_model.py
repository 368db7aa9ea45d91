"""The field table of the template editor: one row per field, edited in place.

:class:`FieldTableModel` holds the fields being edited as :class:`FieldRow`
values (label, machine name, kind, secret, required, list column, choices,
help) and turns them into :class:`vault.fields.FieldDef` for the core, which
has the last word on validity. Cells named by a validation problem are drawn
in red with the problem as their tooltip. "Secret" is a view of the kind: ticking
it makes a text field a secret field, unticking makes it text again. A field
that already exists in the saved template keeps its machine name (records store
values under it); new fields get one derived from their label until it is
typed by hand. :class:`KindDelegate` edits the kind with a drop-down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.desktop.signals import emit
from vault.fields import SECRET_KINDS, FieldDef, FieldKind

Index = QModelIndex | QPersistentModelIndex

LABEL, NAME, KIND, SECRET, REQUIRED, LIST_COLUMN, CHOICES, HELP = range(8)
COLUMN_KEYS = ("label", "name", "kind", "secret", "required", "list_column", "choices", "help")
CHECK_COLUMNS = (SECRET, REQUIRED, LIST_COLUMN)
ERROR_COLOUR = QColor("#c01c28")


def field_slug(label: str) -> str:
    """A machine name for ``label``: "Admin PIN" -> "admin_pin" ("field" if nothing is left)."""
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:64].rstrip("_")
    if slug and slug[0].isdigit():
        slug = f"f_{slug}"[:64]
    return slug or "field"


@dataclass
class FieldRow:
    """One field as the table edits it."""

    label: str = ""
    name: str = ""
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    list_column: bool = False
    choices: str = ""  # comma-separated
    help: str = ""
    saved: bool = False  # in the saved template: the machine name is fixed
    name_typed: bool = False  # the name was typed, so the label no longer drives it

    @classmethod
    def from_def(cls, definition: FieldDef, *, saved: bool) -> FieldRow:
        """A row for an existing field definition."""
        return cls(
            definition.label,
            definition.name,
            definition.kind,
            definition.required,
            definition.list_column,
            ", ".join(definition.choices),
            definition.help,
            saved,
            True,
        )

    def to_def(self) -> FieldDef:
        """The field definition (checked later by the core)."""
        choices = tuple(c.strip() for c in self.choices.split(",") if c.strip())
        return FieldDef(
            self.name.strip(),
            self.kind,
            self.label.strip(),
            self.required,
            choices if self.kind is FieldKind.CHOICE else (),
            self.list_column,
            self.help.strip(),
        )


class FieldTableModel(QAbstractTableModel):
    """The fields of the template being edited, in display order.

    :attr:`edited` is emitted for changes a person made (not for problem marks).
    """

    edited = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[FieldRow] = []
        self._problems: dict[tuple[int, int], str] = {}
        self.headers = (
            self.tr("Label"),
            self.tr("Name"),
            self.tr("Kind"),
            self.tr("Secret"),
            self.tr("Required"),
            self.tr("In lists"),
            self.tr("Choices"),
            self.tr("Help"),
        )

    # ------------------------------------------------------------------ content

    def set_rows(self, rows: list[FieldRow]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = [replace(row) for row in rows]
        self._problems = {}
        self.endResetModel()

    def rows(self) -> list[FieldRow]:
        """Copies of the rows, in order."""
        return [replace(row) for row in self._rows]

    def definitions(self) -> tuple[FieldDef, ...]:
        """The rows as field definitions, in order."""
        return tuple(row.to_def() for row in self._rows)

    def add_row(self) -> int:
        """Append an empty text field; return its row."""
        at = len(self._rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.append(FieldRow())
        self.endInsertRows()
        emit(self.edited)
        return at

    def remove_row(self, row: int) -> bool:
        """Remove the field in ``row``."""
        if not 0 <= row < len(self._rows):
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()
        emit(self.edited)
        return True

    def move_row(self, row: int, delta: int) -> int:
        """Move ``row`` up (-1) or down (+1); return where it is now."""
        target = row + delta
        if not (0 <= row < len(self._rows) and 0 <= target < len(self._rows)):
            return row
        destination = target + 1 if delta > 0 else target
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        self._rows.insert(target, self._rows.pop(row))
        self.endMoveRows()
        emit(self.edited)
        return target

    def set_problems(self, problems: dict[tuple[int, int], str]) -> None:
        """Mark cells (row, column) as wrong, with the message as tooltip."""
        changed = set(problems) | set(self._problems)
        self._problems = dict(problems)
        for row, column in changed:
            if 0 <= row < len(self._rows):
                at = self.index(row, column)
                emit(self.dataChanged, at, at)

    def problem(self, row: int, column: int) -> str:
        """The problem shown on a cell ('' if none)."""
        return self._problems.get((row, column), "")

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMN_KEYS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
            return self.headers[section]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row, column = self._rows[index.row()], index.column()
        if column in CHECK_COLUMNS:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if column == NAME and row.saved:
            return base
        if column == CHOICES and row.kind is not FieldKind.CHOICE:
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        problem = self._problems.get((index.row(), column), "")
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column in CHECK_COLUMNS:
                return None
            value = {
                LABEL: row.label,
                NAME: row.name,
                KIND: str(row.kind),
                CHOICES: row.choices,
                HELP: row.help,
            }[column]
            return value
        if role == Qt.ItemDataRole.CheckStateRole and column in CHECK_COLUMNS:
            on = {
                SECRET: row.kind in SECRET_KINDS,
                REQUIRED: row.required,
                LIST_COLUMN: row.list_column,
            }[column]
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            if problem:
                return problem
            if column == NAME and row.saved:
                return self.tr("Records store values under this name; it cannot change.")
            if column == CHOICES and row.kind is not FieldKind.CHOICE:
                return self.tr("Only choice fields have choices.")
            return None
        if role == Qt.ItemDataRole.ForegroundRole and problem:
            return QBrush(ERROR_COLOUR)
        if role == Qt.ItemDataRole.BackgroundRole and problem:
            colour = QColor(ERROR_COLOUR)
            colour.setAlpha(40)
            return QBrush(colour)
        return None

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return False
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column in CHECK_COLUMNS:
            on = _checked(value)
            if column == SECRET:
                if on and row.kind not in SECRET_KINDS:
                    row.kind = FieldKind.SECRET
                    row.list_column = False
                elif not on and row.kind in SECRET_KINDS:
                    row.kind = FieldKind.TEXT
            elif column == REQUIRED:
                row.required = on
            else:
                row.list_column = on
            self._row_changed(index.row())
            return True
        if role != Qt.ItemDataRole.EditRole or column in CHECK_COLUMNS:
            return False
        text = "" if value is None else str(value)
        if column == LABEL:
            row.label = text
            if not row.saved and not row.name_typed:
                row.name = field_slug(text) if text.strip() else ""
        elif column == NAME:
            if row.saved:
                return False
            row.name, row.name_typed = text.strip(), bool(text.strip())
        elif column == KIND:
            try:
                row.kind = FieldKind(text)
            except ValueError:
                return False
            if row.kind in SECRET_KINDS:
                row.list_column = False
        elif column == CHOICES:
            row.choices = text
        else:
            row.help = text
        self._row_changed(index.row())
        return True

    def _row_changed(self, row: int) -> None:
        emit(self.dataChanged, self.index(row, 0), self.index(row, len(COLUMN_KEYS) - 1))
        emit(self.edited)


def _checked(value: object) -> bool:
    if isinstance(value, Qt.CheckState):
        return value == Qt.CheckState.Checked
    return value in (2, True, Qt.CheckState.Checked.value)


class KindDelegate(QStyledItemDelegate):
    """Edits the Kind column with a drop-down of every field kind."""

    def __init__(self, labels: dict[FieldKind, str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.labels = labels

    def createEditor(
        self, parent: QWidget, _option: QStyleOptionViewItem, _index: Index
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("kindEditor")
        for kind in FieldKind:
            combo.addItem(self.labels.get(kind, str(kind)), str(kind))
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        at = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(at, 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)

    def displayText(self, value: object, _locale: object) -> str:
        try:
            return self.labels.get(FieldKind(str(value)), str(value))
        except ValueError:
            return str(value)
