"""The unlocked vault's three panes: client tree, filtered record list, record view.

Picking a client (or one of its record types) in the tree fills the record
list; picking a record shows it on the right. The filter above the list narrows
it by any shown column. :meth:`VaultBrowser.clear` empties every model and the
view, which is what locking relies on.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui.desktop.clientmodel import NAME, SCOPE_ROLE, TYPE_ROLE, ClientTreeModel, build_nodes
from ui.desktop.recordmodel import (
    RECORD_ID_ROLE,
    TITLE,
    RecordFilterProxy,
    RecordTableModel,
)
from ui.desktop.recordview import RecordView
from vault.model import Client
from vault.vault import Vault

EXPAND_UP_TO = 12  # clients; with more, the tree starts collapsed
MAX_COLUMN_WIDTH = 220
MAX_TITLE_WIDTH = 340
MIN_TITLE_WIDTH = 160


class VaultBrowser(QWidget):
    """Tree, list and view over one unlocked vault."""

    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault: Vault | None = None
        self._scope_names: dict[str, str] = {}

        self.tree_model = ClientTreeModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("clientTree")
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.selectionModel().selectionChanged.connect(self._scope_selected)

        self.table_model = RecordTableModel(self)
        self.proxy = RecordFilterProxy(self)
        self.proxy.setSourceModel(self.table_model)
        self.filter = QLineEdit()
        self.filter.setObjectName("recordFilter")
        self.filter.setPlaceholderText(self.tr("Filter records (Ctrl+F)"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)
        self.table = QTableView()
        self.table.setObjectName("recordTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(TITLE, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        rows = self.table.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        columns = self.table.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setHighlightSections(False)
        self.table.selectionModel().currentRowChanged.connect(self._record_selected)
        self.count_label = QLabel()
        self.count_label.setObjectName("recordCount")

        self.view = RecordView()
        self.view.setObjectName("recordView")
        self.view.record_activated.connect(self.select_record)
        self.view.message.connect(self.message)

        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.filter)
        column.addWidget(self.table, 1)
        column.addWidget(self.count_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.view)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([240, 740, 420])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

    # ------------------------------------------------------------------ public API

    def load(self, vault: Vault) -> int:
        """Show an unlocked vault, starting with all records; return how many there are."""
        self._vault = vault
        self.view.set_vault(vault)
        clients = vault.clients()
        internal = Client(vault.internal_scope_id, vault.scope_name(vault.internal_scope_id))
        self._scope_names = {c.id: c.name for c in [*clients, internal]}
        records = vault.list_records()
        self.tree_model.set_nodes(
            build_nodes(records, clients, internal, vault.templates(), self.tr("All records"))
        )
        if len(clients) <= EXPAND_UP_TO:
            self.tree.expandAll()
        self.tree.setCurrentIndex(self.tree_model.index(0, NAME))
        return len(records)

    def clear(self) -> None:
        """Empty every model, the filter and the view, and forget the vault."""
        self._vault = None
        self._scope_names = {}
        self.filter.clear()
        self.table_model.clear()
        self.tree_model.clear()
        self.view.set_vault(None)
        self.count_label.clear()

    def focus_filter(self) -> None:
        """Put the cursor in the filter, its text selected."""
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def select_scope(self, scope_id: str, type_id: str = "") -> None:
        """Select a tree row ("" for all records) and so fill the list."""
        index = self.tree_model.index_for(scope_id, type_id)
        if index.isValid():
            self.tree.setCurrentIndex(index)

    def select_record(self, record_id: str) -> None:
        """Select a record in the list (widening to all records if needed) and show it."""
        row = self.table_model.row_of(record_id)
        if row < 0 or not self.proxy.mapFromSource(self.table_model.index(row, TITLE)).isValid():
            self.filter.clear()
            self.select_scope("")
            row = self.table_model.row_of(record_id)
        if row < 0:
            self.view.show_record(record_id)
            return
        index = self.proxy.mapFromSource(self.table_model.index(row, TITLE))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    # ------------------------------------------------------------------ internals

    def _scope_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        vault = self._vault
        indexes = selected.indexes()
        if vault is None or not indexes:
            return
        scope_id = indexes[0].data(SCOPE_ROLE) or None
        type_id = indexes[0].data(TYPE_ROLE) or None
        records = vault.list_records(scope_id, type_id)
        self.table_model.set_records(records, vault.templates(), self._scope_names)
        self.view.show_record(None)
        self._fit_columns()
        self._update_count()

    def _fit_columns(self) -> None:
        """Fit columns to their contents, within caps, so the title stays readable."""
        header = self.table.horizontalHeader()
        if self.table_model.rowCount() > 2000:
            return  # measuring every row costs more than it helps
        for section in range(header.count()):
            self.table.resizeColumnToContents(section)
            cap = MAX_TITLE_WIDTH if section == TITLE else MAX_COLUMN_WIDTH
            width = min(header.sectionSize(section), cap)
            if section == TITLE:
                width = max(width, MIN_TITLE_WIDTH)
            header.resizeSection(section, width)

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._update_count()
        if not self.table.currentIndex().isValid():
            self.view.show_record(None)

    def _update_count(self) -> None:
        total, shown = self.table_model.rowCount(), self.proxy.rowCount()
        if total == shown:
            text = self.tr("1 record") if total == 1 else self.tr("{n} records").format(n=total)
        else:
            text = self.tr("{shown} of {total} records").format(shown=shown, total=total)
        self.count_label.setText(text)

    def _record_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        record_id = current.data(RECORD_ID_ROLE) if current.isValid() else None
        self.view.show_record(record_id)
