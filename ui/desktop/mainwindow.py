"""The main window: welcome (first run), unlock screen, or the vault browser.

One window holds three pages in a stack. It opens the vault file (locked), shows
the unlock screen, and swaps to the browser once unlocked; Ctrl+L locks again,
which empties every model and view, forgets the keys and clears a copied secret
from the clipboard. On first run with the demo vault it drives
:class:`ui.desktop.firstrun.FirstRun` instead. The status bar says whether the
vault is locked and how many records it shows, and where sync stands.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from crypto.kdf import KdfParams
from ui.desktop import clipboard, fonts, settings, worker
from ui.desktop.about import show_about
from ui.desktop.attachmentspane import forget_opened_files
from ui.desktop.browser import Prepared, VaultBrowser
from ui.desktop.commands import Commands
from ui.desktop.crash import show_crash
from ui.desktop.firstrun import DEMO_RECORDS, FirstRun, passphrase_file_for
from ui.desktop.idlelock import IdleLock
from ui.desktop.importwizard_menu import TransferMenu
from ui.desktop.screens import Screens
from ui.desktop.signals import emit
from ui.desktop.startcontrol import StartControl
from ui.desktop.synccontrol import SyncControl
from ui.desktop.unlock import ERROR_STYLE, UnlockScreen
from ui.desktop.worker import JobControl
from vault.errors import VaultError
from vault.vault import Vault

log = logging.getLogger(__name__)


class WelcomePage(QWidget):
    """What shows while the demo vault is built, or when building it failed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(self.tr("Welcome to Sitebook"))
        heading.setFont(fonts.scaled(heading.font(), 1.8, bold=True))
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error = QLabel()
        self.error.setObjectName("welcomeError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.retry = QPushButton(self.tr("&Create the demo vault"))
        self.retry.setObjectName("createDemo")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(heading)
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        layout.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)

    def show_busy(self) -> None:
        """Say the demo vault is being created."""
        self.text.setText(self.tr("Creating a demo vault to explore…"))
        self.error.clear()
        self.retry.setVisible(False)

    def show_failed(self, message: str) -> None:
        """Say why there is no demo vault and offer to try again."""
        self.text.setText(self.tr("There is no demo vault yet."))
        self.error.setText(message)
        self.retry.setVisible(True)


class MainWindow(QMainWindow):
    """Sitebook's window over one vault file."""

    locked = Signal()
    unlocked = Signal(object)

    def __init__(
        self,
        vault_path: Path | None = None,
        *,
        demo: bool = False,
        demo_kdf: KdfParams | None = None,
        demo_records: int = DEMO_RECORDS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        worker.share_with_the_gui()  # jobs hand the interpreter back within 1 ms
        self.vault_path = Path(vault_path) if vault_path is not None else None  # None: start page
        self.demo = demo
        self._demo_kdf = demo_kdf
        self._demo_records = demo_records
        self.vault: Vault | None = None
        self.index: object | None = None  # search.SearchIndex while unlocked
        self.index_job: worker.Job | None = None
        self._opening: object | None = None  # names the current index job (see _unlocked)
        self.first_run: FirstRun | None = None

        self.welcome = WelcomePage()
        self.welcome.retry.clicked.connect(self.start_first_run)
        self.unlock_screen = UnlockScreen()
        self.unlock_screen.unlocked.connect(self._unlocked)
        self.browser = VaultBrowser()
        self.browser.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.browser.total_changed.connect(self._show_total)
        self.stack = QStackedWidget()
        for page in (self.welcome, self.unlock_screen, self.browser):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)
        self.start_control = StartControl(self)  # start page, Open/New/Close vault, wizard
        self.stack.addWidget(self.start_control.screen)
        self.unlock_screen.back_requested.connect(self.start_control.close_vault)

        self.save_timer = QTimer(self)
        self.save_timer.setInterval(30_000)
        self.save_timer.timeout.connect(self._save_index_quietly)
        self._make_actions()
        self.state_label = QLabel()
        self.state_label.setObjectName("vaultState")
        self.sync_label = self.sync.label
        for label in (self.state_label, self.sync_label):
            label.setContentsMargins(10, 0, 10, 0)
            self.statusBar().addPermanentWidget(label)
        self._show_locked()
        self.resize(1360, 840)

    def _make_actions(self) -> None:
        self.lock_action = QAction(self.tr("&Lock"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.find_action = QAction(self.tr("&Find…"), self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.browser.focus_filter)
        self.commands = Commands(self)
        self.settings = settings.shared()
        self.settings_action = QAction(self.tr("&Settings…"), self)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.show_settings)
        self.transfers = TransferMenu(self)  # File: import, hand over, verify
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.start_control.fill_menu(file_menu)
        self.transfers.fill_menu(file_menu)
        vault_menu = self.menuBar().addMenu(self.tr("&Vault"))
        vault_menu.addAction(self.lock_action)
        vault_menu.addSeparator()
        self.screens = Screens(self)
        self.screens.fill_vault_menu(vault_menu)
        vault_menu.addSeparator()
        self.sync = SyncControl(self)
        self.sync.fill_menu(vault_menu)
        vault_menu.addSeparator()
        vault_menu.addAction(self.settings_action)
        vault_menu.addSeparator()
        vault_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.find_action)
        record_menu = self.menuBar().addMenu(self.tr("&Record"))
        tools_menu = self.menuBar().addMenu(self.tr("&Tools"))
        self.commands.fill_menus(record_menu, tools_menu)
        self.screens.fill_tools_menu(tools_menu)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.about_action = QAction(self.tr("&About Sitebook"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)  # macOS: the app menu
        self.about_action.triggered.connect(lambda: show_about(self))
        help_menu.addAction(self.about_action)
        self.idle = IdleLock(self.lock, int(self.settings.get("idle_lock_minutes")), self)

    # ------------------------------------------------------------------ start

    def start(self) -> None:
        """Start page without a vault; else the demo's first run, or ask to unlock."""
        if self.vault_path is None:
            self.start_control.show_start()
        elif self.demo and not self.vault_path.exists():
            self.start_first_run()
        else:
            self.open_vault()

    def start_first_run(self) -> None:
        """Build the demo vault in the background (progress, then the passphrase)."""
        self.welcome.show_busy()
        self.stack.setCurrentWidget(self.welcome)
        if self.first_run is not None:
            self.first_run.deleteLater()
        self.first_run = FirstRun(
            self.vault_path, self, kdf_params=self._demo_kdf, records=self._demo_records
        )
        self.first_run.done.connect(self._unlocked)
        self.first_run.failed.connect(self._first_run_failed)
        self.first_run.start()

    def _first_run_failed(self, message: str) -> None:
        if self.vault_path.exists():
            self.open_vault()
        else:
            self.welcome.show_failed(message)

    def open_vault(self) -> None:
        """Open the file (locked) and show the unlock screen, or why it cannot open."""
        if self.vault is not None:
            self.vault.close()
            self.vault = None
        try:
            self.vault = Vault.open(self.vault_path)
            error = ""
        except VaultError as exc:
            log.info("cannot open the vault: %s", type(exc).__name__)
            error = str(exc)
        self.unlock_screen.set_vault(self.vault, self.vault_path, error)
        self.stack.setCurrentWidget(self.unlock_screen)
        self._show_locked()
        if self.vault is not None:
            self._import_search_early()

    def _import_search_early(self) -> None:
        """Import the search engine on the worker while the passphrase is typed.

        Imported after the key derivation instead, its modules held the GUI thread up
        for 30–40 ms while the browser page painted (both threads importing at once).
        """
        if "search" not in sys.modules:
            worker.run(lambda _control: importlib.import_module("search"), parent=self)

    # ------------------------------------------------------------------ lock state

    @property
    def is_unlocked(self) -> bool:
        """True while the browser shows an unlocked vault."""
        return self.vault is not None and self.vault.is_unlocked

    def _unlocked(self, vault: Vault) -> None:
        """The keys are in: show the (empty) browser and open the index off the GUI thread.

        The page is shown at once with a busy bar, so its layout and first paint are
        done while the index opens; the tree and the list fill it later, each in its
        own turn of the event loop. At 100,000 records doing both at once held the GUI
        thread for 55–80 ms.
        """
        if self.vault is not None and self.vault is not vault:
            self.vault.close()
        self.vault = vault
        self.unlock_screen.show_busy("")
        self.browser.show_opening(self.tr("Opening the search index…"))
        self.stack.setCurrentWidget(self.browser)
        self.state_label.setText(self.tr("Opening…"))
        browser = self.browser
        order = browser.list_order()
        opening = self._opening = object()  # lock, or a later unlock, makes this job stale

        def current() -> bool:
            return self._opening is opening and self.vault is vault and vault.is_unlocked

        def work(control: JobControl) -> object:
            from search import SearchIndex  # here: importing it costs start-up ~80 ms

            # Name every client and count the records here, not on the GUI thread
            # (1,000 signed client names and 100,000 records: over a second); the
            # names while the index's snapshot decrypts on its own thread.
            index = SearchIndex.open(
                vault,
                progress=control.progress,
                cancel=lambda: control.cancelled,
                meanwhile=vault.clients,
            )
            try:
                return index, browser.prepare(vault, index, order)
            except BaseException:
                index.close(save=False)
                raise

        def opened(result: tuple[object, Prepared]) -> None:
            index, prepared = result
            if current():
                self._index_ready(vault, index, prepared)
            else:  # locked (and perhaps unlocked again) meanwhile: a newer job counts
                index.close(save=False)  # type: ignore[attr-defined]

        def failed(exc: VaultError) -> None:
            if not current():
                return  # locked or replaced meanwhile: nothing to say
            vault.lock()
            self.browser.clear()
            self.unlock_screen.set_vault(vault, self.vault_path, str(exc))
            self.stack.setCurrentWidget(self.unlock_screen)
            self._show_locked()

        def crashed(exc: BaseException) -> None:
            if not current():  # the keys went away under it (lock): not worth a report
                log.info("index job stopped after lock: %s", type(exc).__name__)
                return
            failed(VaultError(self.tr("The search index could not be opened.")))
            show_crash(exc, self)

        self.index_job = worker.run(
            work,
            on_success=opened,
            on_error=failed,
            on_crash=crashed,
            on_progress=self.browser.show_progress,
            parent=self,
        )

    def _index_ready(self, vault: Vault, index: object, prepared: Prepared) -> None:
        self.index = index
        # The tree now; the list, then the sync status and recent list, on later turns of
        # the event loop, so no step holds the GUI thread long at 100,000 records.
        count = self.browser.load(
            vault, index, prepared, then=lambda: self._finish_unlock(vault, index)
        )
        self._show_state(vault, count)

    def _still_open(self, vault: Vault, index: object) -> bool:
        """False once the window was locked (or another vault opened) after ``index`` loaded."""
        return self.vault is vault and self.index is index and vault.is_unlocked

    def _show_state(self, vault: Vault, count: int) -> None:
        """The status bar, title and actions of an unlocked vault."""
        self._show_total(count)
        self.setWindowTitle(self.tr("{name} — Sitebook").format(name=vault.name))
        self.lock_action.setEnabled(True)
        self.find_action.setEnabled(True)
        self.commands.set_unlocked(True)
        self.screens.set_unlocked(True)

    def _show_total(self, count: int) -> None:
        """ "Unlocked — N records" in the status bar, after unlocking and after every
        change that refills the tree (an import, a new or deleted record, a sync)."""
        vault = self.vault
        if vault is None or not vault.is_unlocked:
            return
        state = (
            self.tr("Unlocked — 1 record")
            if count == 1
            else self.tr("Unlocked — {n} records").format(n=count)
        )
        if vault.read_only:  # read-only media: reads work, every change is refused
            state = self.tr(
                "{state} — read-only: copy the vault to a writable folder to change it"
            ).format(state=state)
        self.state_label.setText(state)

    def _finish_unlock(self, vault: Vault, index: object) -> None:
        if not self._still_open(vault, index):
            return
        self.sync.unlocked()
        self.start_control.opened(vault)
        self.idle.poke()
        self.save_timer.start()
        self.browser.table.setFocus()
        log.info("window unlocked with %d records", self.browser.table_model.rowCount())
        emit(self.unlocked, vault)

    def lock(self) -> None:
        """Forget keys and every decrypted value on screen; back to the unlock screen.

        Work that uses the vault stops first: import and handover jobs are cancelled
        and waited for (an import rolls back), their windows wiped; only then are the
        index closed and the keys dropped. An open create wizard is emptied even when
        no vault is open (idle lock on the start page).
        """
        self.start_control.lock()
        if not self.is_unlocked:
            return
        # An index still opening is closed when it arrives. Not cancelled: a job that
        # returns after a cancel has its result dropped, and an index must be closed.
        self._opening = None
        self.save_timer.stop()
        self.sync.locked()
        self.transfers.close_all()  # cancels and waits for jobs that use the keys and index
        self.commands.close_forms()
        self.screens.close_all()
        self.browser.clear()
        assert self.vault is not None
        if self.index is not None:
            self.index.close()  # type: ignore[attr-defined]  # saved, encrypted, before the keys go
            self.index = None
        self.vault.lock()
        clipboard.clear_if_ours()
        forget_opened_files()
        self.unlock_screen.clear()
        self.unlock_screen.set_vault(self.vault, self.vault_path)
        self.stack.setCurrentWidget(self.unlock_screen)
        self._show_locked()
        log.info("window locked")
        emit(self.locked)

    def _show_locked(self) -> None:
        hint = ""
        if self.demo and self.vault_path and passphrase_file_for(self.vault_path).exists():
            hint = self.tr("This is the demo vault; its passphrase is in {path}.").format(
                path=str(passphrase_file_for(self.vault_path))
            )
        self.unlock_screen.set_hint(hint)
        self.state_label.setText(self.tr("Locked"))
        name = self.vault_path.name if self.vault_path else ""
        self.setWindowTitle(self.tr("{file} — Sitebook").format(file=name))
        self.lock_action.setEnabled(False)
        self.find_action.setEnabled(False)
        self.commands.set_unlocked(False)
        self.screens.set_unlocked(False)
        self.statusBar().clearMessage()
        self.unlock_screen.focus()

    def _save_index_quietly(self) -> None:
        """Save the encrypted index in the background after a quiet period."""
        index = self.index
        if index is None or not index.dirty:  # type: ignore[attr-defined]
            return
        worker.run(lambda _c: index.maybe_save(), parent=self)  # type: ignore[attr-defined]

    def show_settings(self) -> None:
        """Open the settings dialog; apply what changed."""
        from ui.desktop.settingsdialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sync_button.setEnabled(self.is_unlocked)
        dialog.sync_button.clicked.connect(lambda: self.sync.show_settings(dialog))
        dialog.accepted.connect(self.apply_settings)
        dialog.open()
        self.settings_dialog = dialog

    def apply_settings(self) -> None:
        """Use the current settings (idle lock, search delay, theme)."""
        self.idle.set_minutes(int(self.settings.get("idle_lock_minutes")))
        self.browser.runner.set_delay(int(self.settings.get("search_delay_ms")))
        from ui.desktop.theme import apply_theme

        apply_theme(str(self.settings.get("theme")))
        self.sync.apply_settings()

    def showEvent(self, event: QShowEvent) -> None:
        """Shown: its platform window now exists, so the idle lock watches its input."""
        super().showEvent(event)
        self.idle.watch_windows()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Lock and close the vault file on the way out."""
        building = self.first_run is not None and self.first_run.busy
        indexing = self.index_job is not None and self.index_job.running
        if self.unlock_screen.is_busy or building or indexing or self.start_control.busy:
            self.statusBar().showMessage(self.tr("Please wait until the vault is ready."), 5000)
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Lock, close the vault file and clear a copied secret (safe to call twice)."""
        if self.first_run is not None:
            self.first_run.discard()
        self.start_control.shutdown()
        self.lock()
        if self.vault is not None:
            self.vault.close()
            self.vault = None
        clipboard.clear_if_ours()
