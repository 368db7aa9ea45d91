"""Record types: every template in a list, and the way into the template editor.

Built-in types can be used as the starting point of a custom one ("New from
selected") but not changed. Custom types can be edited, and retired: a retired
type is no longer offered for new records, while its records keep their fields
(``Vault.retire_template``); "Reinstate" brings it back. The list is a
:class:`TemplateListModel` (model/view, STYLE §4).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.desktop.fieldinputs import ERROR_STYLE
from ui.desktop.templateeditor import TemplateEditor
from vault.errors import VaultError
from vault.templates import Template
from vault.vault import Vault

Index = QModelIndex | QPersistentModelIndex
NAME, TYPE_ID, FIELDS, STATE = range(4)


@dataclass(frozen=True)
class TypeRow:
    """One record type as the list shows it."""

    template: Template
    retired: bool


class TemplateListModel(QAbstractTableModel):
    """Record types: name, id, field count, built-in / custom / retired."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TypeRow] = []
        self.headers = (self.tr("Name"), self.tr("Type id"), self.tr("Fields"), self.tr("Origin"))

    def set_rows(self, rows: list[TypeRow]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, row: int) -> TypeRow | None:
        """The row ``row``, or None."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, type_id: str) -> int:
        """The row of ``type_id`` (-1 if absent)."""
        return next((i for i, r in enumerate(self._rows) if r.template.id == type_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        template = row.template
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == NAME:
                return template.name
            if index.column() == TYPE_ID:
                return template.id
            if index.column() == FIELDS:
                return str(len(template.fields))
            if template.builtin:
                return self.tr("Built-in")
            return self.tr("Custom, retired") if row.retired else self.tr("Custom")
        if role == Qt.ItemDataRole.ToolTipRole:
            return template.description or None
        return None


class TemplateManager(QDialog):
    """The list of record types with New, Edit and Retire."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templateManager")
        self.setWindowTitle(self.tr("Record types"))
        self.vault = vault
        self.editor: TemplateEditor | None = None
        self.model = TemplateListModel(self)
        self.table = QTableView()
        self.table.setObjectName("templateList")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(lambda _i: self.edit_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())

        self.new_button = QPushButton(self.tr("&New…"))
        self.new_button.clicked.connect(self.new_type)
        self.copy_button = QPushButton(self.tr("New &from selected…"))
        self.copy_button.clicked.connect(self.new_from_selected)
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.retire_button = QPushButton(self.tr("&Retire"))
        self.retire_button.setObjectName("retireType")
        self.retire_button.clicked.connect(self.toggle_retired)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_type)
        buttons = QVBoxLayout()
        for button in (self.new_button, self.copy_button, self.edit_button, self.retire_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.message = QLabel()
        self.message.setObjectName("templateManagerMessage")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addLayout(buttons)
        intro = QLabel(
            self.tr(
                "Custom record types hold what the built-in ones do not: backup jobs, "
                "UPS units, domains. Retired types are not offered for new records; "
                "their records stay as they are."
            )
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row, 1)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.resize(720, 440)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        """Re-read the record types (and select ``select``)."""
        try:
            templates = self.vault.templates()
            retired = self.vault.retired_templates()
        except VaultError as exc:
            self.message.setText(str(exc))
            return
        rows = sorted(
            (TypeRow(t, t.id in retired) for t in templates.values()),
            key=lambda r: (r.template.builtin, r.retired, r.template.name.casefold()),
        )
        self.model.set_rows(rows)
        at = self.model.row_of(select) if select else 0
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(max(at, 0), NAME))
        self._update_buttons()

    def selected(self) -> TypeRow | None:
        """The selected record type."""
        current = self.table.currentIndex()
        return self.model.row(current.row()) if current.isValid() else None

    def _update_buttons(self) -> None:
        row = self.selected()
        custom = row is not None and not row.template.builtin
        self.edit_button.setEnabled(custom)
        self.retire_button.setEnabled(custom)
        self.copy_button.setEnabled(row is not None)
        self.retire_button.setText(
            self.tr("Re&instate") if row is not None and row.retired else self.tr("&Retire")
        )

    def _open(self, editor: TemplateEditor) -> TemplateEditor:
        self.editor = editor
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(lambda type_id: self.reload(select=type_id))
        editor.finished.connect(lambda _r: setattr(self, "editor", None))
        editor.open()
        return editor

    def new_type(self) -> TemplateEditor:
        """Open the editor for a new, empty record type."""
        return self._open(TemplateEditor(self.vault, parent=self))

    def new_from_selected(self) -> TemplateEditor | None:
        """Open the editor for a new record type that starts as a copy of the selected one."""
        row = self.selected()
        if row is None:
            return None
        return self._open(TemplateEditor(self.vault, base=row.template, parent=self))

    def edit_selected(self) -> TemplateEditor | None:
        """Open the editor for the selected custom record type."""
        row = self.selected()
        if row is None:
            return None
        if row.template.builtin:
            self.message.setText(
                self.tr("Built-in record types cannot be changed; use “New from selected”.")
            )
            return None
        return self._open(TemplateEditor(self.vault, row.template, parent=self))

    def toggle_retired(self) -> bool:
        """Retire the selected custom type, or reinstate it; True if it changed."""
        row = self.selected()
        if row is None or row.template.builtin:
            return False
        try:
            self.vault.retire_template(row.template.id, retired=not row.retired)
        except VaultError as exc:
            self.message.setText(str(exc))
            return False
        self.message.clear()
        self.reload(select=row.template.id)
        return True

    def clear_forms(self) -> None:
        """Close the editor without saving and empty the list (on lock)."""
        editor, self.editor = self.editor, None
        if editor is not None:
            editor._dirty = False
            editor.reject()
        self.model.set_rows([])
