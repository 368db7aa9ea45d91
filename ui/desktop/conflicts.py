"""The conflicts view: records edited on two replicas at once, compared and resolved.

On the left, the records in conflict (``Vault.conflicts()``); on the right, the
selected record's concurrent versions side by side, the rows that differ marked
and ticked per version. Resolving (``Vault.resolve_conflict``) keeps mine, keeps
theirs, or saves the ticked values as one merged version; every replica follows
at its next sync. Errors are shown inline. The dialog is non-modal and emptied
on lock like every other screen holding decrypted values.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import fonts
from ui.desktop.conflictmodels import (
    RECORD_ID_ROLE,
    CompareModel,
    ConflictListModel,
    compare_rows,
)
from ui.desktop.signals import emit
from ui.desktop.syncstatus import local_time
from ui.desktop.unlock import ERROR_STYLE
from vault.errors import VaultError
from vault.model import Record
from vault.sync.conflicts import Conflict
from vault.vault import Vault

log = logging.getLogger(__name__)


class ConflictsDialog(QDialog):
    """Lists the records in conflict and resolves them."""

    resolved = Signal(str)  # record id

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictsDialog")
        self.setWindowTitle(self.tr("Sync conflicts"))
        self.resize(1000, 560)
        self.vault = vault
        self.list_model = ConflictListModel(self)
        self.list = QTableView()
        self.list.setObjectName("conflictList")
        self.list.setModel(self.list_model)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.verticalHeader().setVisible(False)
        self.list.horizontalHeader().setStretchLastSection(True)
        self.list.setMinimumWidth(300)
        self.list.selectionModel().selectionChanged.connect(self._selected)

        self.heading = QLabel()
        self.heading.setObjectName("conflictHeading")
        self.heading.setFont(fonts.scaled(self.heading.font(), 1.2, bold=True))
        self.heading.setWordWrap(True)
        self.hint = QLabel(
            self.tr(
                "Both versions are kept until you choose. Marked rows differ: tick the "
                "value to keep in each, or keep one version whole."
            )
        )
        self.hint.setWordWrap(True)
        self.compare_model = CompareModel(self)
        self.compare = QTableView()
        self.compare.setObjectName("conflictCompare")
        self.compare.setModel(self.compare_model)
        self.compare.setWordWrap(True)
        self.compare.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.compare.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.keep_mine = QPushButton(self.tr("Keep &mine"))
        self.keep_mine.setObjectName("keepMine")
        self.keep_mine.clicked.connect(lambda: self.keep(self._column_of(mine=True)))
        self.keep_theirs = QPushButton(self.tr("Keep &theirs"))
        self.keep_theirs.setObjectName("keepTheirs")
        self.keep_theirs.clicked.connect(lambda: self.keep(self._column_of(mine=False)))
        self.merge = QPushButton(self.tr("&Save ticked values"))
        self.merge.setObjectName("keepMerged")
        self.merge.clicked.connect(self.save_merged)
        actions = QHBoxLayout()
        actions.addWidget(self.keep_mine)
        actions.addWidget(self.keep_theirs)
        actions.addStretch(1)
        actions.addWidget(self.merge)
        self.message = QLabel()
        self.message.setObjectName("conflictMessage")
        self.message.setWordWrap(True)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.heading)
        column.addWidget(self.hint)
        column.addWidget(self.compare, 1)
        column.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([380, 620])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.reload()

    # ------------------------------------------------------------------ showing

    def reload(self, select: str | None = None) -> int:
        """Read the conflicts again (keeping the selection); returns how many there are."""
        current = select or self.record_id
        try:
            found = self.vault.conflicts()
        except VaultError as exc:
            self._say(str(exc), error=True)
            found = []
        self.list_model.set_rows([(c, self._client(c)) for c in found])
        self.list.resizeColumnsToContents()
        row = self.list_model.row_of(current) if current else -1
        if row < 0 and found:
            row = 0
        if row >= 0:
            self.list.selectRow(row)
        else:
            self._show(None)
        if not found:
            self.heading.setText(self.tr("No conflicts: every record has one version."))
        return len(found)

    @property
    def record_id(self) -> str | None:
        """The record whose versions are compared, or None."""
        rows = self.list.selectionModel().selectedRows()
        return rows[0].data(RECORD_ID_ROLE) if rows else None

    def _client(self, conflict: Conflict) -> str:
        try:
            return self.vault.scope_name(conflict.scope_id)
        except VaultError:
            return ""

    def _selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.list.selectionModel().selectedRows()
        self._show(self.list_model.conflict(rows[0].row()) if rows else None)

    def _show(self, conflict: Conflict | None) -> None:
        versions: list[Record] = []
        if conflict is not None:
            try:
                versions = self.vault.conflict_versions(conflict.record_id)
            except VaultError as exc:
                self._say(str(exc), error=True)
        if conflict is None or len(versions) < 2:
            self.compare_model.clear()
            self.heading.clear()
            self._enable(False)
            return
        template = self.vault.templates().get(versions[0].type)
        kinds = {}
        for version in versions:
            kinds.update(self.vault.kinds(version))
        headers = [self._header(i, v) for i, v in enumerate(versions)]
        rows = compare_rows(versions, template, kinds, self._title_of)
        self.compare_model.set_versions(versions, rows, headers)
        self.heading.setText(
            self.tr("“{title}”: {n} versions").format(title=conflict.title, n=len(versions))
        )
        self._enable(True)

    def _title_of(self, record_id: str) -> str:
        try:
            return self.vault.get_record(record_id).title
        except VaultError:
            return record_id[:8]

    def _header(self, column: int, version: Record) -> str:
        who = self.vault.member_name(version.author)
        if version.author == self.vault.member_id:
            who = self.tr("{name} (you)").format(name=who)
        text = self.tr("{who}\nversion {n}, {when}").format(
            n=version.version, who=who, when=local_time(version.updated)
        )
        return text + (self.tr(" (shown now)") if column == 0 else "")

    def _column_of(self, *, mine: bool) -> int:
        me = self.vault.member_id
        for column, version in enumerate(self.compare_model.versions):
            if (version.author == me) == mine:
                return column
        return -1

    def _enable(self, on: bool) -> None:
        self.keep_mine.setEnabled(on and self._column_of(mine=True) >= 0)
        self.keep_theirs.setEnabled(on and self._column_of(mine=False) >= 0)
        self.merge.setEnabled(on)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "")

    # ------------------------------------------------------------------ resolving

    def keep(self, column: int) -> Record | None:
        """Keep one version whole (by its column)."""
        if not 0 <= column < len(self.compare_model.versions):
            return None
        return self._resolve(self.compare_model.versions[column].vid, None)

    def save_merged(self) -> Record | None:
        """Keep the ticked value of every differing row (one version whole if all agree)."""
        if not self.compare_model.versions:
            return None
        vid, merged = self.compare_model.resolution()
        return self._resolve(vid, merged)

    def _resolve(self, vid: str, merged: Record | None) -> Record | None:
        record_id = self.record_id
        if record_id is None:
            return None
        try:
            record = self.vault.resolve_conflict(record_id, vid, merged=merged)
        except VaultError as exc:
            self._say(str(exc), error=True)
            return None
        log.info("conflict of record %s resolved", record_id)
        self._say(
            self.tr(
                "“{title}” resolved as version {n}; other replicas follow at their next sync."
            ).format(title=record.title, n=record.version)
        )
        self.reload()
        emit(self.resolved, record_id)
        return record

    def done(self, result: int) -> None:
        """Hold no decrypted value once closed."""
        self.compare_model.clear()
        self.list_model.set_rows([])
        super().done(result)
