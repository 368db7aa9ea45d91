"""The unlocked vault's three panes: client tree, record list, record view.

Everything the tree and the list show comes from the search catalog
(:class:`search.SearchIndex`), never from decrypting records one by one: the
tree from ``counts()``, the list from ``list_rows(scope, type)`` (plain tuples,
list columns decoded only when shown). Only the
selected record is decrypted, by the record view. Lists of more than
:data:`SYNC_ROWS` rows are read on the worker so the GUI thread never waits for
them. The search field above the list searches as you type (debounced, off the
GUI thread) within the selected client and type; clearing it shows the catalog
again. :meth:`VaultBrowser.clear` empties every model and the view (on lock).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSplitter,
    QTableView,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import worker
from ui.desktop.catalogmodel import (
    TITLE,
    CatalogProxy,
    CatalogTableModel,
    ListRow,
    read_list,
    rows_from_list,
)
from ui.desktop.clientmodel import (
    COUNT_ROLE,
    NAME,
    SCOPE_ROLE,
    TYPE_ROLE,
    ClientTreeModel,
    ScopeNode,
    build_nodes_from_counts,
)
from ui.desktop.recordmodel import RECORD_ID_ROLE
from ui.desktop.recordview import RecordView
from ui.desktop.searchbox import SearchRunner
from ui.desktop.signals import emit
from ui.desktop.worker import JobControl
from vault.model import Client
from vault.vault import Vault

EXPAND_UP_TO = 12  # clients; with more, the tree starts collapsed
MAX_COLUMN_WIDTH = 220
MAX_TITLE_WIDTH = 340
MIN_TITLE_WIDTH = 160
SYNC_ROWS = 5000  # lists up to this size are read on the GUI thread (a few ms)
FIT_ROWS = 40  # columns fit the rows in view (about 30) and the next few, no more
# A prepared list is shown this long after the tree: time for the tree's first paint and
# for input events in between, so the two never hold the GUI thread in one stretch.
LIST_AFTER_TREE_MS = 20

SYNTAX_HELP = """<b>Search syntax</b><br>
words — every word must match · <code>"exact phrase"</code><br>
<code>srv-dc*</code>, <code>10.0.4.*</code> — prefixes<br>
<code>type:credential</code> <code>client:contoso</code> <code>tag:firewall</code><br>
<code>NOT word</code>, <code>a OR b</code><br>
Secrets are never searched."""


@dataclass(frozen=True)
class TreeNodes:
    """The client tree's rows and every scope's name, read together."""

    nodes: list[ScopeNode]
    scope_names: Mapping[str, str]


@dataclass(frozen=True)
class Prepared:
    """What the browser shows first, read on the worker: the tree and the whole list."""

    tree: TreeNodes
    rows: list[ListRow]
    order: Qt.SortOrder | None  # the title order of ``rows``; None: by date


class VaultBrowser(QWidget):
    """Tree, list and view over one unlocked vault and its search index."""

    message = Signal(str)
    list_loaded = Signal(int)  # rows now in the list (catalog or search results)
    total_changed = Signal(int)  # records in the vault, each time the tree is filled

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault: Vault | None = None
        self.index: object | None = None  # search.SearchIndex
        self._scope_names: dict[str, str] = {}
        self._scope: tuple[str | None, str | None] = (None, None)
        self._list_job: worker.Job | None = None
        self._list_generation = 0
        self._pending_select: str | None = None
        self._expected = 0  # rows the tree says the selected scope holds

        self._all_label = self.tr("All records")
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
        # Measure the counts of the rows in view only: measuring 1,000 clients took the
        # GUI thread 0.2 s. "All records" is first and holds the widest count.
        header.setResizeContentsPrecision(0)
        self.tree.selectionModel().selectionChanged.connect(self._scope_selected)

        self.table_model = CatalogTableModel(self)
        self.proxy = CatalogProxy(self)
        self.proxy.setSourceModel(self.table_model)
        self.search = QLineEdit()
        self.search.setObjectName("recordFilter")
        self.search.setPlaceholderText(self.tr("Search (Ctrl+F) — srv-dc*, type:credential, …"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.filter = self.search  # the older name
        self.help_button = QToolButton()
        self.help_button.setObjectName("searchHelp")
        self.help_button.setText("?")
        self.help_button.setToolTip(SYNTAX_HELP)
        self.help_button.setAccessibleName(self.tr("Search syntax"))
        self.help_button.clicked.connect(self.show_syntax_help)
        self.runner = SearchRunner(self)
        self.runner.finished.connect(self._search_done)

        self.table = QTableView()
        self.table.setObjectName("recordTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(TITLE, Qt.SortOrder.AscendingOrder)
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
        columns.setResizeContentsPrecision(FIT_ROWS)  # fit to the rows in view, not all 100k
        self.table.selectionModel().currentRowChanged.connect(self._record_selected)
        self.count_label = QLabel()
        self.count_label.setObjectName("recordCount")
        self.opening_bar = QProgressBar()  # while the search index opens or is built
        self.opening_bar.setObjectName("openingProgress")
        self.opening_bar.setMaximumWidth(240)
        self.opening_bar.setTextVisible(False)
        self.opening_bar.setVisible(False)

        self.view = RecordView()
        self.view.setObjectName("recordView")
        self.view.record_activated.connect(self.select_record)
        self.view.message.connect(self.message)
        self.view.changed.connect(lambda record_id: self.refresh(select=record_id))

        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.help_button)
        column.addLayout(search_row)
        column.addWidget(self.table, 1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.count_label, 1)
        status_row.addWidget(self.opening_bar)
        column.addLayout(status_row)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.view)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([240, 700, 460])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

    # ------------------------------------------------------------------ public API

    def show_opening(self, text: str) -> None:
        """Show the empty page while the search index opens: ``text`` and a busy bar.

        The window shows this page as soon as the keys are in, so laying it out and
        painting it is done before the 1,000-client tree and the list arrive, never
        in the same turn of the event loop.
        """
        self.clear()
        self.view.show_note("")  # not "Select a record": there is nothing to select yet
        self.search.setEnabled(False)
        self.count_label.setText(text)
        self.opening_bar.setRange(0, 0)
        self.opening_bar.setVisible(True)

    def show_progress(self, done: int, total: int) -> None:
        """Move the busy bar while the index is built (``total`` 0: unknown)."""
        self.opening_bar.setRange(0, max(total, 0))
        if total:
            self.opening_bar.setValue(min(done, total))

    def tree_nodes(self, vault: Vault, index: object) -> TreeNodes:
        """The tree's rows and the scope names, from the catalog (safe off the GUI thread)."""
        clients = vault.clients()
        internal = Client(vault.internal_scope_id, vault.scope_name(vault.internal_scope_id))
        nodes = build_nodes_from_counts(
            index.counts(),  # type: ignore[attr-defined]
            clients,
            internal,
            vault.templates(),
            self._all_label,
        )
        return TreeNodes(nodes, {c.id: c.name for c in [*clients, internal]})

    def list_order(self) -> Qt.SortOrder | None:
        """The title order the list is sorted in, or None for another column (GUI thread)."""
        header = self.table.horizontalHeader()
        return header.sortIndicatorOrder() if header.sortIndicatorSection() == TITLE else None

    def prepare(self, vault: Vault, index: object, order: Qt.SortOrder | None) -> Prepared:
        """What :meth:`load` shows first, read off the GUI thread: the tree and every record.

        ``order`` is :meth:`list_order`, read on the GUI thread beforehand.
        """
        tree = self.tree_nodes(vault, index)
        return Prepared(tree, read_list(index, None, None, order), order)

    def load(
        self,
        vault: Vault,
        index: object,
        prepared: Prepared,
        then: Callable[[], None] | None = None,
    ) -> int:
        """Show an unlocked vault through its search index; return how many records it has.

        ``prepared`` is :meth:`prepare`, read on the worker. The tree is filled now,
        the list on a later turn of the event loop after the tree's first paint, and
        ``then`` is called on the turn after that: at 100,000 records each step takes
        the GUI thread 20–40 ms, too long together.
        """
        self._vault = vault
        self.index = index
        self.runner.index = index
        self.opening_bar.setVisible(False)
        self.search.setEnabled(True)
        self.view.set_vault(vault, index)  # type: ignore[arg-type]
        self._scope = (None, None)
        self._apply_tree(prepared.tree)
        self._list_generation += 1
        generation = self._list_generation

        def show() -> None:
            if generation == self._list_generation:
                self._show_rows(prepared.rows, search=False, title_order=prepared.order)
            if then is not None:
                QTimer.singleShot(1, self, then)

        QTimer.singleShot(LIST_AFTER_TREE_MS, self, show)
        return int(self.tree_model.index_for("").data(COUNT_ROLE) or 0)

    def reload_tree(self) -> None:
        """Rebuild the tree from the catalog's counts, keeping the selected row."""
        vault, index = self._vault, self.index
        if vault is None or index is None:
            return
        self._apply_tree(self.tree_nodes(vault, index))

    def _apply_tree(self, tree: TreeNodes) -> None:
        nodes = tree.nodes
        self._scope_names = dict(tree.scope_names)
        scope, kind = self._scope
        blocker = self.tree.selectionModel().blockSignals(True)
        self.tree_model.set_nodes(nodes)
        if len(nodes) <= EXPAND_UP_TO + 2:
            self.tree.expandAll()
        found = self.tree_model.index_for(scope or "", kind or "")
        if found.isValid():
            self.tree.setCurrentIndex(found)
            self._expected = int(found.data(COUNT_ROLE) or 0)
        self.tree.selectionModel().blockSignals(blocker)
        emit(self.total_changed, nodes[0].count if nodes else 0)

    def refresh(self, select: str | None = None) -> None:
        """Re-read the tree and the list after a change (and select ``select``)."""
        self.reload_tree()
        self._pending_select = select
        self._fill_list()

    def clear(self) -> None:
        """Empty the tree, the list and the view (on lock)."""
        self.runner.cancel()
        self.runner.index = None
        self._list_generation += 1
        self._vault = None
        self.index = None
        self._scope_names = {}
        self._scope = (None, None)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.tree_model.clear()
        self.table_model.clear()
        self.view.set_vault(None)
        self.count_label.clear()
        self.opening_bar.setVisible(False)
        self.search.setEnabled(True)

    def focus_filter(self) -> None:
        """Put the cursor in the search field, its text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def show_syntax_help(self) -> None:
        """Show the query syntax next to the search field."""
        from PySide6.QtWidgets import QToolTip

        QToolTip.showText(
            self.help_button.mapToGlobal(self.help_button.rect().bottomLeft()),
            SYNTAX_HELP,
            self.help_button,
        )

    def select_scope(self, scope_id: str, type_id: str = "") -> None:
        """Select a tree row ("" for all records) and so fill the list."""
        index = self.tree_model.index_for(scope_id, type_id)
        if index.isValid():
            self.tree.setCurrentIndex(index)

    def select_record(self, record_id: str) -> None:
        """Select a record in the list (widening to all records if needed) and show it."""
        row = self.table_model.row_of(record_id)
        if row < 0:
            if self.search.text():
                self.search.clear()
            if self._scope != (None, None):
                self._pending_select = record_id
                self.select_scope("")
                if self._pending_select is None:
                    return  # the list was read at once and the record selected
            row = self.table_model.row_of(record_id)
        if row < 0:
            self.view.show_record(record_id)
            return
        self._select_row(row)

    def current_scope(self) -> tuple[str | None, str | None]:
        """The (scope id, type id) selected in the tree; None means all."""
        return self._scope

    # ------------------------------------------------------------------ internals

    def _select_row(self, row: int) -> None:
        index = self.proxy.mapFromSource(self.table_model.index(row, TITLE))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    def _scope_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if self._vault is None or not indexes:
            return
        self._scope = (indexes[0].data(SCOPE_ROLE) or None, indexes[0].data(TYPE_ROLE) or None)
        self._expected = int(indexes[0].data(COUNT_ROLE) or 0)
        self.view.show_record(None)
        if self.search.text().strip():
            self._search_changed(self.search.text())
        else:
            self._fill_list()

    def _fill_list(self) -> None:
        index = self.index
        if index is None:
            return
        scope, kind = self._scope
        self._list_generation += 1
        generation = self._list_generation
        if self.search.text().strip():
            self._search_changed(self.search.text())
            return
        if self._expected <= SYNC_ROWS:
            rows = rows_from_list(index.list_rows(scope, kind))  # type: ignore[attr-defined]
            self._show_rows(rows, search=False)
            return
        self.count_label.setText(self.tr("Reading the list…"))
        order = self.list_order()

        def work(_control: JobControl) -> list[ListRow]:
            return read_list(index, scope, kind, order)  # in title order: no sort on the GUI

        def done(rows: list[ListRow]) -> None:
            if generation == self._list_generation:
                self._show_rows(rows, search=False, title_order=order)

        self._list_job = worker.run(work, on_success=done, parent=self)

    def _show_rows(
        self, rows: list[ListRow], *, search: bool, title_order: Qt.SortOrder | None = None
    ) -> None:
        vault = self._vault
        if vault is None:
            return
        current = self.view.record_id
        self.table_model.set_rows(
            rows, vault.templates(), self._scope_names, search=search, title_order=title_order
        )
        if not search:
            header = self.table.horizontalHeader()
            column = header.sortIndicatorSection()
            wanted = (column, header.sortIndicatorOrder())
            valid = 0 <= column < self.table_model.columnCount()
            if valid and self.table_model.sorted_by() != wanted:
                self.table_model.sort(*wanted)
        self._fit_columns()
        self._update_count(search)
        wanted = self._pending_select or current
        self._pending_select = None
        if wanted and (row := self.table_model.row_of(wanted)) >= 0:
            self._select_row(row)
        elif wanted and wanted == current:
            pass  # keep showing it
        else:
            self.view.show_record(None)
        emit(self.list_loaded, len(rows))

    def _fit_columns(self) -> None:
        """Fit columns to their contents, within caps, so the title stays readable."""
        header = self.table.horizontalHeader()
        for section in range(header.count()):
            self.table.resizeColumnToContents(section)
            cap = MAX_TITLE_WIDTH if section == TITLE else MAX_COLUMN_WIDTH
            width = min(header.sectionSize(section), cap)
            if section == TITLE:
                width = max(width, MIN_TITLE_WIDTH)
            header.resizeSection(section, width)

    def _search_changed(self, text: str) -> None:
        if self.index is None:
            return
        if not text.strip():
            self.runner.cancel()
            self._fill_list()
            return
        scope, _kind = self._scope
        self._list_generation += 1  # a catalog list still being read must not replace hits
        self.count_label.setText(self.tr("Searching…"))
        self.runner.request(text, None if scope is None else [scope])

    def _search_done(self, query: str, page: object) -> None:
        if self._vault is None or query != self.search.text():
            return
        if page is None:
            self._show_rows([], search=True)
            return
        _scope, kind = self._scope
        rows = [
            ListRow(
                h.id,
                h.scope_id,
                h.type,
                h.title,
                h.updated,
                {},
                f"{h.snippet.field}: {h.snippet.text}" if h.snippet.text else "",
            )
            for h in page.hits  # type: ignore[attr-defined]
            if kind is None or h.type == kind
        ]
        self._last_page = page
        self._show_rows(rows, search=True)

    def _update_count(self, search: bool = False) -> None:
        shown = self.table_model.rowCount()
        if search:
            page = getattr(self, "_last_page", None)
            total = getattr(page, "total", shown) if self._scope[1] is None else shown
            text = self.tr("{n} found").format(n=total) if shown else self.tr("Nothing found.")
            suggestions = list(getattr(page, "suggestions", []) or [])
            if not shown and suggestions:
                text += " " + self.tr("Did you mean: {s}?").format(s=html.escape(suggestions[0]))
        else:
            text = self.tr("1 record") if shown == 1 else self.tr("{n} records").format(n=shown)
        self.count_label.setText(text)

    def _record_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        record_id = current.data(RECORD_ID_ROLE) if current.isValid() else None
        self.view.show_record(record_id)

    def scope_names(self) -> Mapping[str, str]:
        """Scope ids to client names, as the tree shows them."""
        return dict(self._scope_names)
