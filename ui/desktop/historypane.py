"""The history tab of the record view: every version, what changed, and restore.

Selecting a version shows what changed between it and the one before (secret
values are never shown: a changed secret reads "changed"). Restore saves the
selected version's content as the newest version, after a confirmation.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import dialogs
from ui.desktop.recordmodel import local_time
from ui.desktop.signals import emit
from vault.errors import VaultError
from vault.model import Change, VersionInfo
from vault.vault import Vault

Index = QModelIndex | QPersistentModelIndex


class VersionModel(QAbstractTableModel):
    """A record's versions, newest first: number, when, who, title."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[VersionInfo] = []

    def set_items(self, items: list[VersionInfo]) -> None:
        """Show ``items`` (given oldest first; shown newest first)."""
        self.beginResetModel()
        self._items = list(reversed(items))
        self.endResetModel()

    def item(self, row: int) -> VersionInfo:
        """The version in ``row``."""
        return self._items[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        v = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            title = v.title + (self.tr(" (deleted)") if v.deleted else "")
            return (str(v.number), local_time(v.created), v.author_name, title)[index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            names = (self.tr("Version"), self.tr("When"), self.tr("Who"), self.tr("Title"))
            return names[section] if 0 <= section < 4 else None
        return None


def diff_html(changes: list[Change], labels: dict[str, str], secret_text: str) -> str:
    """A table of changes; secret values are replaced by ``secret_text``."""
    if not changes:
        return "<p>—</p>"
    rows = []
    for change in changes:
        name = change.what[6:] if change.what.startswith("field:") else change.what
        label = labels.get(name, name)
        if change.secret:
            old = escape(secret_text) if change.old else ""
            new = escape(secret_text) if change.new else ""
        else:
            old, new = escape(change.old), escape(change.new)
        rows.append(
            f"<tr><td><b>{escape(label)}</b></td>"
            f'<td style="color:#c01c28"><s>{old}</s></td>'
            f'<td style="color:#26a269">{new}</td></tr>'
        )
    return '<table cellpadding="4">' + "".join(rows) + "</table>"


class HistoryPane(QWidget):
    """Versions, a diff of the selected one against its predecessor, and Restore."""

    message = Signal(str)
    restored = Signal(str)  # record id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault: Vault | None = None
        self._record_id: str | None = None
        self.model = VersionModel(self)
        self.table = QTableView()
        self.table.setObjectName("versionTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda c, _p: self._show_diff(c))
        self.diff = QTextBrowser()
        self.diff.setObjectName("versionDiff")
        self.diff.setOpenLinks(False)
        self.restore_button = QPushButton(self.tr("&Restore this version"))
        self.restore_button.setObjectName("restoreVersion")
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_button.setEnabled(False)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.diff)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

    def show_record(self, vault: Vault | None, record_id: str | None) -> None:
        """List the versions of ``record_id`` (None empties the tab)."""
        self._vault, self._record_id = vault, record_id
        items: list[VersionInfo] = []
        if vault is not None and record_id is not None:
            try:
                items = vault.history(record_id)
            except VaultError as exc:
                emit(self.message, str(exc))
        self.model.set_items(items)
        self.diff.clear()
        self.restore_button.setEnabled(False)
        if items:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def clear(self) -> None:
        """Forget the record, its versions and the diff."""
        self.show_record(None, None)

    def select_version(self, number: int) -> None:
        """Select version ``number``."""
        for row in range(self.model.rowCount()):
            if self.model.item(row).number == number:
                self.table.setCurrentIndex(self.model.index(row, 0))

    def _show_diff(self, current: QModelIndex) -> None:
        vault, record_id = self._vault, self._record_id
        if not current.isValid() or vault is None or record_id is None:
            self.diff.clear()
            return
        version = self.model.item(current.row())
        self.restore_button.setEnabled(current.row() > 0)
        if version.number <= 1:
            self.diff.setHtml(escape(self.tr("The first version.")))
            return
        try:
            changes = vault.diff(record_id, version.number - 1, version.number)
            record = vault.get_record(record_id, version.number)
            template = vault.templates().get(record.type)
        except VaultError as exc:
            self.diff.setPlainText(str(exc))
            return
        labels = {f.name: f.label for f in template.fields} if template else {}
        labels.update(title=self.tr("Title"), tags=self.tr("Tags"), links=self.tr("Related"))
        self.diff.setHtml(diff_html(changes, labels, self.tr("(secret changed)")))

    def restore_selected(self) -> bool:
        """Restore the selected version as the newest, after confirming."""
        vault, record_id = self._vault, self._record_id
        index = self.table.currentIndex()
        if vault is None or record_id is None or not index.isValid() or index.row() == 0:
            return False
        number = self.model.item(index.row()).number
        if not dialogs.confirm(
            self,
            self.tr("Restore version"),
            self.tr("Save the content of version {n} as the newest version?").format(n=number),
        ):
            return False
        try:
            vault.restore(record_id, number)
        except VaultError as exc:
            emit(self.message, str(exc))
            return False
        emit(self.message, self.tr("Version {n} restored.").format(n=number))
        emit(self.restored, record_id)
        return True
