"""The attachments tab of the record view: list, open, save as, add (also by drag and drop).

:class:`AttachmentModel` lists names, sizes and dates (never contents). Opening
extracts the file to a private temporary folder (mode 0700, emptied when the
window locks or closes) and hands it to the desktop; Save as writes where the
person chooses. Adding reads the file through the vault, which encrypts it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import dialogs
from ui.desktop.recordmodel import local_time
from ui.desktop.signals import emit
from vault.errors import VaultError
from vault.model import Attachment
from vault.vault import Vault

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
_open_dir: dict[str, Path] = {}


def human_size(size: int) -> str:
    """Bytes as "12 KB", "3.4 MB"."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def forget_opened_files() -> None:
    """Delete every attachment extracted for opening (on lock and quit)."""
    folder = _open_dir.pop("dir", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


class AttachmentModel(QAbstractTableModel):
    """A record's attachments: name, size, added."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Attachment] = []

    def set_items(self, items: list[Attachment]) -> None:
        """Show ``items``."""
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> Attachment:
        """The attachment in ``row``."""
        return self._items[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (item.name, human_size(item.size), local_time(item.created))[index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            names = (self.tr("Name"), self.tr("Size"), self.tr("Added"))
            return names[section] if 0 <= section < 3 else None
        return None


class AttachmentsPane(QWidget):
    """Lists one record's attachments with Open, Save as… and Add…; accepts dropped files."""

    message = Signal(str)
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._vault: Vault | None = None
        self._record_id: str | None = None
        self.model = AttachmentModel(self)
        self.table = QTableView()
        self.table.setObjectName("attachmentTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.open_button = QPushButton(self.tr("&Open"))
        self.open_button.clicked.connect(self.open_selected)
        self.save_button = QPushButton(self.tr("&Save as…"))
        self.save_button.clicked.connect(self.save_selected)
        self.add_button = QPushButton(self.tr("&Add…"))
        self.add_button.clicked.connect(self.add_asked)
        self.add_button.setToolTip(self.tr("Or drop files here"))
        buttons = QHBoxLayout()
        for button in (self.open_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def show_record(self, vault: Vault | None, record_id: str | None) -> int:
        """List the attachments of ``record_id``; return how many there are."""
        self._vault, self._record_id = vault, record_id
        items: list[Attachment] = []
        if vault is not None and record_id is not None:
            try:
                items = vault.attachments(record_id)
            except VaultError as exc:
                emit(self.message, str(exc))
        self.model.set_items(items)
        self.add_button.setEnabled(record_id is not None)
        return len(items)

    def clear(self) -> None:
        """Forget the record and its list."""
        self.show_record(None, None)

    def _selected(self) -> Attachment | None:
        index = self.table.currentIndex()
        if not index.isValid() and self.model.rowCount() == 1:
            return self.model.item(0)
        return self.model.item(index.row()) if index.isValid() else None

    def save_selected(self) -> Path | None:
        """Ask where, then write the selected attachment there."""
        item, vault = self._selected(), self._vault
        if item is None or vault is None:
            return None
        path = dialogs.save_path(self, self.tr("Save attachment"), item.name)
        if not path:
            return None
        try:
            written = vault.extract_attachment(item.id, path)
        except (VaultError, OSError) as exc:
            emit(self.message, str(exc))
            return None
        emit(self.message, self.tr("Saved {name}.").format(name=item.name))
        return written

    def extract_for_opening(self, item: Attachment) -> Path:
        """Write ``item`` into the private temporary folder; return its path."""
        assert self._vault is not None
        folder = _open_dir.get("dir")
        if folder is None or not folder.exists():
            folder = Path(tempfile.mkdtemp(prefix="sitebook-open-"))
            folder.chmod(0o700)
            _open_dir["dir"] = folder
        target = folder / item.id[:8]
        target.mkdir(exist_ok=True)
        return self._vault.extract_attachment(item.id, target / Path(item.name).name)

    def open_selected(self) -> None:
        """Open the selected attachment with the desktop's application for it."""
        item = self._selected()
        if item is None or self._vault is None:
            return
        try:
            path = self.extract_for_opening(item)
        except (VaultError, OSError) as exc:
            emit(self.message, str(exc))
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def add_asked(self) -> None:
        """Ask for a file and attach it."""
        path = dialogs.open_path(self, self.tr("Attach a file"))
        if path:
            self.add_files([Path(path)])

    def add_files(self, files: list[Path]) -> int:
        """Attach ``files`` to the record; return how many were added."""
        vault, record_id = self._vault, self._record_id
        if vault is None or record_id is None:
            return 0
        added = 0
        for path in files:
            try:
                vault.add_attachment(record_id, path)
                added += 1
            except (VaultError, OSError) as exc:
                emit(self.message, str(exc))
        self.show_record(vault, record_id)
        if added:
            emit(self.changed)
        return added

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept dragged local files."""
        if self._record_id and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Attach dropped local files."""
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.add_files(files)
            event.acceptProposedAction()
