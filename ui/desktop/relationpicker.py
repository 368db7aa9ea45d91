"""The relation picker of the record form: find records by typing, link and unlink them.

Typing searches the search index (titles, hostnames, IPs, anything indexed)
through :class:`ui.desktop.searchbox.SearchRunner`: debounced and off the GUI
thread, so typing never waits and no record is decrypted to find candidates.
Up and Down move through the results, Enter (or a double click) links the
current one; Delete (or Remove) unlinks the selected relation. The picker only
edits the list of ids; the form saves them with the record (``links``), and the
record view then shows the relation on both records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.desktop.searchbox import SearchRunner
from ui.desktop.signals import emit

Index = QModelIndex | QPersistentModelIndex
MAX_RESULTS = 20
ID_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Relation:
    """A record as the picker names it."""

    id: str
    title: str
    type_name: str = ""
    client: str = ""

    def label(self) -> str:
        """ "srv-dc01 — Configuration · Contoso"."""
        detail = " · ".join(part for part in (self.type_name, self.client) if part)
        return f"{self.title} — {detail}" if detail else self.title


class RelationListModel(QAbstractListModel):
    """A list of relations (the linked records, or the search results)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Relation] = []

    def set_items(self, items: list[Relation]) -> None:
        """Replace the items."""
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> list[Relation]:
        """The items, in order."""
        return list(self._items)

    def item(self, row: int) -> Relation | None:
        """The item in ``row``, or None."""
        return self._items[row] if 0 <= row < len(self._items) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.label()
        if role == ID_ROLE:
            return item.id
        return None


class RelationPicker(QWidget):
    """Linked records, and a type-ahead search to add more."""

    changed = Signal()
    results_shown = Signal(int)  # how many search results are listed now

    def __init__(
        self,
        index: object | None,
        type_names: Mapping[str, str],
        *,
        exclude: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("relationPicker")
        self._types = dict(type_names)
        self._exclude = exclude
        self.query = QLineEdit()
        self.query.setObjectName("relationQuery")
        self.query.setPlaceholderText(self.tr("Type to find a record to link (title, host, IP)…"))
        self.query.setClearButtonEnabled(True)
        self.query.textChanged.connect(self._typed)
        self.query.installEventFilter(self)
        self.results_model = RelationListModel(self)
        self.results = QListView()
        self.results.setObjectName("relationResults")
        self.results.setModel(self.results_model)
        self.results.setUniformItemSizes(True)
        self.results.setMaximumHeight(140)
        self.results.setVisible(False)
        self.results.activated.connect(lambda at: self.add_result(at.row()))
        self.status = QLabel()
        self.status.setObjectName("relationStatus")
        self.status.setVisible(False)
        self.model = RelationListModel(self)
        self.links = QListView()
        self.links.setObjectName("relationLinks")
        self.links.setModel(self.model)
        self.links.setUniformItemSizes(True)
        self.links.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.links.setMaximumHeight(76)
        self.links.setAccessibleName(self.tr("Linked records"))
        self.remove_button = QPushButton(self.tr("Remo&ve link"))
        self.remove_button.setObjectName("removeRelation")
        self.remove_button.clicked.connect(lambda: self.remove(self.links.currentIndex().row()))
        unlink = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.links)
        unlink.setContext(Qt.ShortcutContext.WidgetShortcut)
        unlink.activated.connect(lambda: self.remove(self.links.currentIndex().row()))
        self.runner = SearchRunner(self)
        self.runner.limit = MAX_RESULTS + 1  # one more, in case the record itself is found
        self.runner.index = index
        self.runner.finished.connect(self._found)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.links, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.query)
        layout.addWidget(self.results)
        layout.addWidget(self.status)
        self._update_remove()
        self.model.modelReset.connect(self._update_remove)

    # ------------------------------------------------------------------ the links

    def set_links(self, relations: list[Relation]) -> None:
        """Show ``relations`` as the current links (no change signal)."""
        self.model.set_items(relations)

    def ids(self) -> tuple[str, ...]:
        """The linked record ids, in order."""
        return tuple(item.id for item in self.model.items())

    def add(self, relation: Relation) -> bool:
        """Link ``relation``; False if it is already linked or is the record itself."""
        if relation.id == self._exclude or relation.id in self.ids():
            return False
        self.model.set_items([*self.model.items(), relation])
        self.links.setCurrentIndex(self.model.index(self.model.rowCount() - 1))
        emit(self.changed)
        return True

    def remove(self, row: int) -> bool:
        """Unlink the relation in ``row``."""
        items = self.model.items()
        if not 0 <= row < len(items):
            return False
        del items[row]
        self.model.set_items(items)
        if items:
            self.links.setCurrentIndex(self.model.index(min(row, len(items) - 1)))
        emit(self.changed)
        return True

    def _update_remove(self) -> None:
        self.remove_button.setEnabled(self.model.rowCount() > 0)

    # ------------------------------------------------------------------ searching

    def _typed(self, text: str) -> None:
        if not text.strip():
            self.runner.cancel()
            self._show_results([])
            return
        self.runner.request(text)

    def _found(self, query: str, page: object) -> None:
        if query != self.query.text():
            return
        hits = getattr(page, "hits", []) if page is not None else []
        linked = set(self.ids())
        found = [
            Relation(h.id, h.title, self._types.get(h.type, h.type), h.client)
            for h in hits
            if h.id != self._exclude and h.id not in linked
        ][:MAX_RESULTS]
        self._show_results(found)
        if not found:
            self.status.setText(self.tr("No other record matches."))
            self.status.setVisible(True)

    def _show_results(self, found: list[Relation]) -> None:
        self.results_model.set_items(found)
        self.results.setVisible(bool(found))
        self.status.setVisible(False)
        if found:
            self.results.setCurrentIndex(self.results_model.index(0))
        emit(self.results_shown, len(found))

    def add_result(self, row: int | None = None) -> bool:
        """Link the search result in ``row`` (the current one by default)."""
        if row is None:
            row = self.results.currentIndex().row()
        item = self.results_model.item(row)
        if item is None or not self.add(item):
            return False
        self.query.clear()
        self.query.setFocus()
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down move through the results and Enter links one, while typing."""
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.isVisible():
                self.results.keyPressEvent(event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.add_result()  # and never the form's default button: no accidental save
                return True
        return super().eventFilter(watched, event)

    def clear(self) -> None:
        """Forget links, results and the query (on lock)."""
        self.runner.cancel()
        self.runner.index = None
        self.query.blockSignals(True)
        self.query.clear()
        self.query.blockSignals(False)
        self.results_model.set_items([])
        self.model.set_items([])
