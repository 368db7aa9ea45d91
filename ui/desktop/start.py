"""The start screen: recent vaults, "Open other vault…", "Create new vault…".

What the window shows when no vault is chosen yet (the app started without a
path, or a vault was closed). The list comes from
:class:`ui.desktop.recent.RecentVaults` and names each vault by its file (the
vault's own name is encrypted inside it); a vault whose file is gone, or cannot
be checked (no permission, a dead network drive), is greyed, says so, cannot be
opened and can be removed from the list (Del). Nothing the file system says
stops the screen from being built.
Opening one emits :attr:`StartScreen.open_requested` with its path; the window
then shows the unlock screen. The file chooser goes through
:mod:`ui.desktop.dialogs`, so a test can answer it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from ui.desktop import dialogs, fonts
from ui.desktop.card import card, centre
from ui.desktop.recent import FOUND, UNREACHABLE, RecentVaults
from ui.desktop.recentmodel import NAME, OPENED, PATH, RecentVaultsModel
from ui.desktop.signals import emit
from ui.desktop.unlock import ERROR_STYLE


class StartScreen(QWidget):
    """Recent vaults and the ways to open or create one."""

    open_requested = Signal(object)  # Path of the vault file to unlock
    create_requested = Signal()
    demo_requested = Signal()

    def __init__(self, store: RecentVaults | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startScreen")
        self.store = store or RecentVaults()
        self.model = RecentVaultsModel(self.store, self)

        title = QLabel(self.tr("Sitebook"))
        title.setFont(fonts.scaled(title.font(), 1.8, bold=True))
        subtitle = QLabel(self.tr("Open a vault to continue, or create a new one."))
        heading = QLabel(self.tr("Recent vaults"))
        heading.setFont(fonts.scaled(heading.font(), 1.1, bold=True))

        self.table = QTableView()
        self.table.setObjectName("recentVaults")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PATH, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(OPENED, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(200)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.empty = QLabel(
            self.tr("No vaults opened yet. Create a new vault, or open a .sitebook file.")
        )
        self.empty.setObjectName("recentEmpty")
        self.empty.setWordWrap(True)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.error = QLabel()
        self.error.setObjectName("startError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        self.remove_button = QPushButton(self.tr("&Remove from list"))
        self.remove_button.setObjectName("removeRecent")
        self.remove_button.setToolTip(self.tr("Forget this entry; the file is not touched (Del)"))
        self.remove_button.clicked.connect(self.remove_current)
        self.open_button = QPushButton(self.tr("&Open"))
        self.open_button.setObjectName("openRecent")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentIndex().row()))
        self.other_button = QPushButton(self.tr("Open &other vault…"))
        self.other_button.setObjectName("openOther")
        self.other_button.clicked.connect(self.open_other)
        self.create_button = QPushButton(self.tr("Create &new vault…"))
        self.create_button.setObjectName("createVault")
        self.create_button.clicked.connect(lambda: emit(self.create_requested))
        self.demo_button = QPushButton(self.tr("Explore the &demo vault"))
        self.demo_button.setObjectName("openDemo")
        self.demo_button.setFlat(True)
        self.demo_button.clicked.connect(lambda: emit(self.demo_requested))

        self.remove_action = QAction(self.tr("Remove from list"), self.table)
        self.remove_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_action.triggered.connect(self.remove_current)
        self.table.addAction(self.remove_action)

        row_buttons = QHBoxLayout()
        row_buttons.addWidget(self.remove_button)
        row_buttons.addStretch(1)
        row_buttons.addWidget(self.open_button)
        more = QHBoxLayout()
        more.addWidget(self.demo_button)
        more.addStretch(1)
        more.addWidget(self.other_button)
        more.addWidget(self.create_button)

        frame, inner = card("startCard", 860)
        inner.addWidget(title)
        inner.addWidget(subtitle)
        inner.addSpacing(6)
        inner.addWidget(heading)
        inner.addWidget(self.table)
        inner.addWidget(self.empty)
        inner.addWidget(self.error)
        inner.addLayout(row_buttons)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        inner.addWidget(line)
        inner.addLayout(more)

        centre(self, frame, 6)
        self.refresh()

    # ------------------------------------------------------------------ public API

    def refresh(self) -> None:
        """Read the list again (files may have come back or gone) and select the newest."""
        self.store.load()
        self.model.refresh()
        has_rows = self.model.rowCount() > 0
        self.table.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        self.show_error("")
        if has_rows:
            self.table.setCurrentIndex(self.model.index(0, NAME))
        self._selection_changed(self.table.currentIndex())

    def focus(self) -> None:
        """Keyboard focus on the list, or on "Create new vault…" when it is empty."""
        target = self.table if self.model.rowCount() else self.create_button
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_error(self, message: str) -> None:
        """A red line under the list ('' hides it)."""
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def open_row(self, row: int) -> None:
        """Ask to open the vault of ``row`` (a missing file only says so)."""
        if not 0 <= row < self.model.rowCount():
            return
        entry = self.model.entry(row)
        status = entry.status  # asked again: the drive may have come or gone
        if status != FOUND:
            self.model.refresh()
            self.table.setCurrentIndex(self.model.index(row, NAME))
            if status == UNREACHABLE:
                text = self.tr(
                    "{path} cannot be reached: check the permissions of its folder, or "
                    "reconnect the network drive it is on."
                )
            else:
                text = self.tr(
                    "{path} was not found. Connect the drive it is on, or remove it from the list."
                )
            self.show_error(text.format(path=str(entry.path)))
            return
        self.show_error("")
        emit(self.open_requested, entry.path)

    def open_other(self) -> None:
        """Choose a vault file with a file dialog and ask to open it."""
        chosen = dialogs.open_path(
            self, self.tr("Open vault"), self.tr("Sitebook vaults (*.sitebook);;All files (*)")
        )
        if chosen:
            self.show_error("")
            emit(self.open_requested, Path(chosen))

    def remove_current(self) -> None:
        """Forget the selected vault (its file is not touched)."""
        row = self.table.currentIndex().row()
        if not 0 <= row < self.model.rowCount():
            return
        self.model.remove(row)
        self.show_error("")
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(min(row, self.model.rowCount() - 1), NAME))
        else:
            self.table.setVisible(False)
            self.empty.setVisible(True)
        self._selection_changed(self.table.currentIndex())

    # ------------------------------------------------------------------ internals

    def _selection_changed(
        self, current: QModelIndex, _previous: QModelIndex | None = None
    ) -> None:
        row = current.row() if current.isValid() else -1
        valid = 0 <= row < self.model.rowCount()
        self.remove_button.setEnabled(valid)
        self.open_button.setEnabled(valid and self.model.exists(row))
