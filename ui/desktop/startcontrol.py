"""Choosing the vault: the start screen, the File menu's vault entries, and the create wizard.

:class:`StartControl` gives the main window its start page
(:class:`ui.desktop.start.StartScreen`), the actions "Open vault…" (Ctrl+O),
"New vault…" (Ctrl+Alt+N), "Open recent" and "Close vault" (Ctrl+W), and runs
the create-vault wizard (:class:`ui.desktop.createwizard.CreateVaultWizard`).
Switching to another vault always locks the current one first (every model
emptied, keys dropped) and closes its file. A vault is added to the
recent-vaults list (:mod:`ui.desktop.recent`) when it has been unlocked, by its
path only, written on the worker (its fsync once held the GUI thread 80 ms).
Locking reaches an open create wizard too (:meth:`StartControl.lock`): its
passphrase and recovery key leave the screen. The window keeps only a few hooks
into this class, so it stays small.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QThreadPool
from PySide6.QtWidgets import QMenu

from crypto.kdf import KdfParams
from ui.desktop import dialogs, worker
from ui.desktop.actions import window_action
from ui.desktop.firstrun import demo_vault_path
from ui.desktop.recent import FOUND, UNREACHABLE, RecentVaults
from ui.desktop.start import StartScreen
from vault.vault import Vault

if TYPE_CHECKING:
    from ui.desktop.createwizard import CreateVaultWizard
    from ui.desktop.mainwindow import MainWindow

log = logging.getLogger(__name__)


class StartControl(QObject):
    """The start page, the vault entries of the File menu, and the create wizard."""

    def __init__(self, window: MainWindow, recent: RecentVaults | None = None) -> None:
        super().__init__(window)
        self.w = window
        self.recent = recent or RecentVaults()
        self.create_kdf: KdfParams | None = None  # None: calibrate; tests set a cheap one
        self.wizard: CreateVaultWizard | None = None
        self.save_job: worker.Job | None = None  # the recent list being written
        # A pool of its own: a write queued behind an index build or a sync in the
        # shared pool would make opening the File menu wait for them.
        self.save_pool = QThreadPool(self)
        self.save_pool.setMaxThreadCount(1)
        self.screen = StartScreen(self.recent)
        self.screen.open_requested.connect(self.open_path)
        self.screen.create_requested.connect(self.new_vault)
        self.screen.demo_requested.connect(self.open_demo)

        self.open_action = window_action(window, self.tr("&Open vault…"), "Ctrl+O", self.open_other)
        self.new_action = window_action(
            window, self.tr("&New vault…"), "Ctrl+Alt+N", self.new_vault
        )
        self.close_action = window_action(
            window, self.tr("&Close vault"), "Ctrl+W", self.close_vault
        )
        self.recent_menu = QMenu(self.tr("Open &recent"), window)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)

    def fill_menu(self, menu: QMenu) -> None:
        """Put Open, New, Open recent and Close at the top of the File menu."""
        menu.addAction(self.open_action)
        menu.addAction(self.new_action)
        menu.addMenu(self.recent_menu)
        menu.addAction(self.close_action)
        menu.addSeparator()

    def fill_recent_menu(self) -> None:
        """List the recent vaults (missing files disabled) in the submenu."""
        self.recent_menu.clear()
        self.wait_saved()
        self.recent.load()
        for entry in self.recent.entries():
            status = entry.status  # never raises: an unreachable file is just disabled
            exists = status == FOUND
            if status == UNREACHABLE:
                text = self.tr("{name} (cannot be reached)").format(name=entry.name)
            else:
                text = (
                    entry.name if exists else self.tr("{name} (not found)").format(name=entry.name)
                )
            action = self.recent_menu.addAction(text)
            action.setToolTip(str(entry.path))
            action.setStatusTip(str(entry.path))
            action.setEnabled(exists)
            action.triggered.connect(lambda _c=False, p=entry.path: self.open_path(p))
        if not self.recent_menu.actions():
            self.recent_menu.addAction(self.tr("No recent vaults")).setEnabled(False)

    # ------------------------------------------------------------------ state

    @property
    def busy(self) -> bool:
        """True while the wizard derives a key (the window must not close then)."""
        return self.wizard is not None and self.wizard.busy

    def _window_busy(self) -> bool:
        w = self.w
        first_run = w.first_run is not None and w.first_run.busy
        indexing = w.index_job is not None and w.index_job.running
        if w.unlock_screen.is_busy or first_run or indexing or self.busy:
            w.statusBar().showMessage(self.tr("Please wait until the vault is ready."), 5000)
            return True
        return False

    # ------------------------------------------------------------------ start page

    def show_start(self) -> None:
        """Show the recent vaults (no vault is open)."""
        w = self.w
        self.wait_saved()
        self.screen.refresh()
        w.stack.setCurrentWidget(self.screen)
        w.setWindowTitle(self.tr("Sitebook"))
        w.state_label.setText(self.tr("No vault open"))
        w.sync.show_state()
        self.close_action.setEnabled(False)
        self.screen.focus()

    def vault_shown(self) -> None:
        """A vault file is chosen (locked or not): it can be closed."""
        self.close_action.setEnabled(True)

    def opened(self, vault: Vault) -> None:
        """The window shows ``vault`` unlocked: remember its path (never its name).

        The list is read, updated and written (fsync) on the worker, by a list
        object of its own, so the GUI thread shares nothing with it.
        """
        path, file = vault.path, self.recent.path

        def save(_control: worker.JobControl) -> None:
            try:
                RecentVaults(file).opened(path)
            except OSError as exc:  # the list is a convenience; never stop the vault opening
                log.warning("recent-vaults list not saved: %s", type(exc).__name__)

        self.wait_saved()  # one writer at a time: the newest entry is written last
        self.save_job = worker.run(save, parent=self, pool=self.save_pool)
        self.vault_shown()

    def wait_saved(self) -> None:
        """Wait for the recent list being written, if any (a few ms), before reading it."""
        if self.save_job is not None:
            self.save_job.stop()  # the write ignores the cancel: it finishes, then returns
            self.save_job = None

    # ------------------------------------------------------------------ actions

    def _leave_current(self) -> bool:
        """Lock and close the vault shown now; False if the window is busy."""
        if self._window_busy():
            return False
        w = self.w
        w.lock()
        if w.vault is not None:
            w.vault.close()
            w.vault = None
        return True

    def open_path(self, path: Path) -> None:
        """Show the unlock screen of the vault at ``path`` (the current one is closed)."""
        if not self._leave_current():
            return
        w = self.w
        w.vault_path = Path(path).expanduser()
        w.demo = w.vault_path.resolve() == demo_vault_path().resolve()
        log.info("opening another vault file")
        w.open_vault()
        self.vault_shown()

    def open_other(self) -> None:
        """Choose a vault file with a file dialog and open it."""
        chosen = dialogs.open_path(
            self.w, self.tr("Open vault"), self.tr("Sitebook vaults (*.sitebook);;All files (*)")
        )
        if chosen:
            self.open_path(Path(chosen))

    def open_demo(self) -> None:
        """Open the demo vault, creating it first if it does not exist."""
        if not self._leave_current():
            return
        w = self.w
        w.vault_path = demo_vault_path()
        w.demo = True
        w.start()
        self.vault_shown()

    def close_vault(self) -> None:
        """Lock and close the vault; back to the start page."""
        if self.w.vault_path is None and self.w.vault is None:
            return
        if not self._leave_current():
            return
        self.w.vault_path = None
        self.w.demo = False
        log.info("vault closed")
        self.show_start()

    def new_vault(self) -> CreateVaultWizard | None:
        """Open the create-vault wizard (window-modal, never blocking)."""
        if self.wizard is not None:
            self.wizard.raise_()
            self.wizard.activateWindow()
            return self.wizard
        # Imported on first use: the wizard and its PDF kit (reportlab) cost start-up ~90 ms.
        from ui.desktop.createwizard import CreateVaultWizard

        wizard = CreateVaultWizard(self.w, kdf_params=self.create_kdf)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.created.connect(self._created)
        wizard.finished.connect(lambda _result: setattr(self, "wizard", None))
        self.wizard = wizard
        wizard.open()
        return wizard

    def _created(self, vault: Vault) -> None:
        """The wizard made, confirmed and opened ``vault``: show it."""
        w = self.w
        if w.is_unlocked:
            w.lock()
        if w.vault is not None and w.vault is not vault:
            w.vault.close()
        w.vault = None
        w.vault_path = vault.path
        w.demo = False
        if not vault.is_unlocked:  # the app locked while it was being saved: unlock it first
            w.vault = vault
            w.unlock_screen.set_vault(vault, vault.path)
            w.stack.setCurrentWidget(w.unlock_screen)
            w._show_locked()
            self.vault_shown()
            return
        w.unlock_screen.set_vault(vault, vault.path)  # its busy bar shows the index opening
        w.stack.setCurrentWidget(w.unlock_screen)
        w._unlocked(vault)  # the window's own path for a freshly unlocked vault
        self.vault_shown()

    def lock(self) -> None:
        """The window locks (with or without a vault open): the wizard's secrets leave."""
        if self.wizard is not None:
            self.wizard.lock()

    def shutdown(self) -> None:
        """On quit: cancel an open wizard so its pending vault is deleted."""
        if self.wizard is not None and not self.wizard.busy:
            self.wizard.reject()
