"""The navigation tree: clients (and "Provider internal") with their record types and counts.

Two levels, built from the records the unlocked member can read: a top row per
scope (plus "All records" first), and under it one row per record type present,
each with a count. Rows carry the scope id and type id in custom roles, so a
selection says exactly what the record table should show. Index identity uses
``internalId`` (0 for top rows, parent row + 1 for children) rather than Python
object pointers, which shiboken does not keep alive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from vault.model import Client, Record
from vault.templates import Template

Index = QModelIndex | QPersistentModelIndex

NAME, COUNT = 0, 1
SCOPE_ROLE = Qt.ItemDataRole.UserRole + 1  # scope id; "" for "All records"
TYPE_ROLE = Qt.ItemDataRole.UserRole + 2  # record type id; "" for a whole scope
COUNT_ROLE = Qt.ItemDataRole.UserRole + 3  # number of records under the row

# Plain ints and flags computed once: a view asks data() tens of thousands of times while it
# lays out 1,000 clients, and comparing or combining Qt's Python enums each time added up.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_SCOPE, _TYPE, _COUNT = int(SCOPE_ROLE), int(TYPE_ROLE), int(COUNT_ROLE)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


@dataclass
class TypeNode:
    """One record type under a scope."""

    type_id: str
    label: str
    count: int


@dataclass
class ScopeNode:
    """A client, the provider-internal scope, or all of them (scope_id "")."""

    scope_id: str
    name: str
    count: int
    types: list[TypeNode] = field(default_factory=list)
    italic: bool = False


def build_nodes(
    records: Iterable[Record],
    clients: Iterable[Client],
    internal: Client,
    templates: Mapping[str, Template],
    all_label: str,
) -> list[ScopeNode]:
    """The tree's rows: "All records", every client by name, then "Provider internal"."""
    records = list(records)
    per_scope: dict[str, Counter[str]] = {}
    for record in records:
        per_scope.setdefault(record.scope_id, Counter())[record.type] += 1
    order = list(templates)

    def types_of(counts: Counter[str]) -> list[TypeNode]:
        present = sorted(counts, key=lambda t: (order.index(t) if t in order else len(order), t))
        return [
            TypeNode(t, templates[t].plural if t in templates else t, counts[t]) for t in present
        ]

    everything: Counter[str] = Counter(r.type for r in records)
    nodes = [ScopeNode("", all_label, len(records), types_of(everything), italic=True)]
    for client in [*clients, internal]:
        counts = per_scope.get(client.id, Counter())
        nodes.append(ScopeNode(client.id, client.name, sum(counts.values()), types_of(counts)))
    return nodes


def build_nodes_from_counts(
    counts: Mapping[str, Mapping[str, int]],
    clients: Iterable[Client],
    internal: Client,
    templates: Mapping[str, Template],
    all_label: str,
) -> list[ScopeNode]:
    """The tree's rows from the search catalog's ``{scope: {type: n}}`` (nothing decrypted)."""
    rank = {t: i for i, t in enumerate(templates)}
    last = len(rank)
    labels = {t: template.plural for t, template in templates.items()}

    def types_of(per_type: Mapping[str, int]) -> list[TypeNode]:
        present = sorted((rank.get(t, last), t) for t, n in per_type.items() if n)
        return [TypeNode(t, labels.get(t, t), per_type[t]) for _rank, t in present]

    scopes = [*clients, internal]
    everything: Counter[str] = Counter()
    for client in scopes:
        everything.update(counts.get(client.id, {}))
    nodes = [ScopeNode("", all_label, sum(everything.values()), types_of(everything), italic=True)]
    for client in scopes:
        per_type = counts.get(client.id, {})
        nodes.append(ScopeNode(client.id, client.name, sum(per_type.values()), types_of(per_type)))
    return nodes


class ClientTreeModel(QAbstractItemModel):
    """Scopes and their record types, with counts (read-only)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._nodes: list[ScopeNode] = []

    # ------------------------------------------------------------------ filling

    def set_nodes(self, nodes: list[ScopeNode]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._nodes = list(nodes)
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row (on lock)."""
        self.set_nodes([])

    def index_for(self, scope_id: str, type_id: str = "") -> QModelIndex:
        """The index of a scope row, or of one of its type rows; invalid if absent."""
        for row, node in enumerate(self._nodes):
            if node.scope_id != scope_id:
                continue
            top = self.index(row, NAME)
            if not type_id:
                return top
            for child_row, child in enumerate(node.types):
                if child.type_id == type_id:
                    return self.index(child_row, NAME, top)
        return QModelIndex()

    # ------------------------------------------------------------------ structure

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column > COUNT or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row >= len(self._nodes):
                return QModelIndex()
            return self.createIndex(row, column, 0)
        top = parent.row()
        if parent.internalId() != 0 or parent.column() != NAME or top >= len(self._nodes):
            return QModelIndex()
        if row >= len(self._nodes[top].types):
            return QModelIndex()
        return self.createIndex(row, column, top + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        top = index.internalId()
        return QModelIndex() if top == 0 else self.createIndex(top - 1, NAME, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._nodes)
        if parent.column() != NAME or parent.internalId() != 0:
            return 0
        return len(self._nodes[parent.row()].types)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 2

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else _NO_FLAGS

    # ------------------------------------------------------------------ data

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        top = index.internalId()
        if top == 0:
            scope, kind = self._nodes[index.row()], None
        else:
            scope = self._nodes[top - 1]
            kind = scope.types[index.row()]
        if role == _DISPLAY:
            if index.column() == COUNT:
                return str(kind.count if kind else scope.count)
            return kind.label if kind else scope.name
        if role == _ALIGN:
            return _RIGHT if index.column() == COUNT else None
        if role == _TOOLTIP and index.column() == NAME:
            name = kind.label if kind else scope.name
            count = kind.count if kind else scope.count
            return self.tr("{name}: {count} records").format(name=name, count=count)
        if role == _FONT:
            if scope.italic and kind is None:
                font = QFont()
                font.setItalic(True)
                return font
            return None
        if role == _SCOPE:
            return scope.scope_id
        if role == _TYPE:
            return kind.type_id if kind else ""
        if role == _COUNT:
            return kind.count if kind else scope.count
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (self.tr("Clients"), self.tr("Records"))[section] if 0 <= section < 2 else None
        return None
