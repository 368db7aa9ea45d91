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
    order = list(templates)

    def types_of(per_type: Mapping[str, int]) -> list[TypeNode]:
        present = [t for t, n in per_type.items() if n]
        present.sort(key=lambda t: (order.index(t) if t in order else len(order), t))
        return [
            TypeNode(t, templates[t].plural if t in templates else t, per_type[t]) for t in present
        ]

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
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, NAME, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._nodes)
        if parent.column() != NAME or parent.internalId() != 0:
            return 0
        return len(self._nodes[parent.row()].types)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 2

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # ------------------------------------------------------------------ data

    def _node(self, index: Index) -> tuple[ScopeNode, TypeNode | None]:
        if index.internalId() == 0:
            return self._nodes[index.row()], None
        scope = self._nodes[index.internalId() - 1]
        return scope, scope.types[index.row()]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        scope, kind = self._node(index)
        count = kind.count if kind else scope.count
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == COUNT:
                return str(count)
            return kind.label if kind else scope.name
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == NAME:
            name = kind.label if kind else scope.name
            return self.tr("{name}: {count} records").format(name=name, count=count)
        if role == Qt.ItemDataRole.FontRole and scope.italic and kind is None:
            font = QFont()
            font.setItalic(True)
            return font
        if role == SCOPE_ROLE:
            return scope.scope_id
        if role == TYPE_ROLE:
            return kind.type_id if kind else ""
        if role == COUNT_ROLE:
            return count
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (self.tr("Clients"), self.tr("Records"))[section] if 0 <= section < 2 else None
        return None
