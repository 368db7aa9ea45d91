"""The CSV column mapping of the import wizard: a table model and its target chooser.

One row per column of the file: its header, a sample value from the first row
(masked when the column goes to a secret field, so a password column never
shows), and the target it goes to, editable through a combo box. Targets are
those of :func:`importers.generic_csv.targets` for the chosen record type plus
"custom field" and "secret custom field" named after the column; the starting
mapping is :func:`importers.generic_csv.suggest`. :meth:`MappingModel.mapping`
is what the wizard hands back to ``ImportOptions.mapping``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from importers import generic_csv
from ui.desktop.signals import emit
from ui.desktop.tablemodel import ListModel
from vault.fields import SECRET_KINDS
from vault.templates import Template

Index = QModelIndex | QPersistentModelIndex
COLUMN, SAMPLE, TARGET = range(3)
TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
MASK = "••••••"


class MappingModel(ListModel):
    """Columns of a CSV, a sample value each, and the field each one goes to.

    One row per CSV column: ``_rows`` holds the column names.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Column"), self.tr("First row"), self.tr("Goes to")], parent)
        self._rows: list[str] = []
        self._samples: list[str] = []
        self._targets: list[str] = []
        self._choices: list[tuple[str, str]] = []
        self._secret: set[str] = set()

    def load(
        self,
        header: Sequence[str],
        first_row: Mapping[str, str],
        record_type: str,
        templates: Mapping[str, Template],
    ) -> None:
        """Show ``header`` with the suggested mapping for ``record_type``."""
        self.beginResetModel()
        self._rows = list(header)
        self._samples = [first_row.get(column, "") for column in header]
        self._set_type(record_type, templates)
        suggested = generic_csv.suggest(self._rows, record_type, templates)
        self._targets = [suggested[column] for column in self._rows]
        self.endResetModel()

    def set_record_type(self, record_type: str, templates: Mapping[str, Template]) -> None:
        """Change the record type: targets the new type lacks fall back to the suggestion."""
        self.beginResetModel()
        self._set_type(record_type, templates)
        valid = {target for target, _label in self._choices}
        suggested = generic_csv.suggest(self._rows, record_type, templates)
        self._targets = [
            target if target in valid or target.startswith(("custom:", "secret:")) else new
            for target, new in zip(self._targets, (suggested[c] for c in self._rows), strict=True)
        ]
        self.endResetModel()

    def _set_type(self, record_type: str, templates: Mapping[str, Template]) -> None:
        self._choices = generic_csv.targets(record_type, templates)
        template = templates.get(record_type)
        self._secret = (
            {f.name for f in template.fields if f.kind in SECRET_KINDS} if template else set()
        )

    def mapping(self) -> dict[str, str]:
        """Column header -> target, for every column."""
        return dict(zip(self._rows, self._targets, strict=True))

    def choices(self, row: int) -> list[tuple[str, str]]:
        """The (target, label) pairs row ``row`` may go to."""
        column = self._rows[row]
        return [
            *self._choices,
            (f"custom:{column}", self.tr("Custom field “{name}”").format(name=column)),
            (f"secret:{column}", self.tr("Secret custom field “{name}”").format(name=column)),
        ]

    def is_secret(self, row: int) -> bool:
        """Whether row ``row``'s values go to a secret field."""
        target = self._targets[row]
        return target in self._secret or target.startswith("secret:")

    def label(self, row: int) -> str:
        """What a person reads for row ``row``'s target."""
        target = self._targets[row]
        return next((label for value, label in self.choices(row) if value == target), target)

    # ------------------------------------------------------------------ Qt model

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == COLUMN:
                return self._rows[row]
            if column == SAMPLE:
                sample = self._samples[row]
                return MASK if sample and self.is_secret(row) else sample[:80]
            return self.label(row)
        if role in (Qt.ItemDataRole.EditRole, TARGET_ROLE) and column == TARGET:
            return self._targets[row]
        return None

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            not index.isValid()
            or index.column() != TARGET
            or role != Qt.ItemDataRole.EditRole
            or not isinstance(value, str)
            or value not in {target for target, _label in self.choices(index.row())}
        ):
            return False
        self._targets[index.row()] = value
        emit(self.dataChanged, self.index(index.row(), SAMPLE), self.index(index.row(), TARGET))
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == TARGET:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags


class TargetDelegate(QStyledItemDelegate):
    """Edits a mapping row's target with a combo box of the targets it may go to."""

    def createEditor(self, parent: QWidget, _option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("mappingTarget")
        model = index.model()
        if isinstance(model, MappingModel):
            for target, label in model.choices(index.row()):
                combo.addItem(label, target)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QComboBox):
            found = editor.findData(index.data(TARGET_ROLE))
            editor.setCurrentIndex(max(found, 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
