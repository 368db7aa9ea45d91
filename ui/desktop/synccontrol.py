"""The window's sync: menu entries, the status-bar label, dialogs, and background runs.

:class:`SyncControl` belongs to the main window. It owns the "Sync now" (F5),
"Sync settings…" and "Sync conflicts…" actions, the status-bar label
(:class:`ui.desktop.syncstatus.SyncStatusLabel`; a click opens the conflicts
view, or the sync settings when there is nothing to resolve) and the
:class:`ui.desktop.syncrunner.SyncRunner` that syncs on a timer. After a sync
that merged something it drops the vault's caches and catches the search index
up in the background, then refreshes the list and the record shown. Errors
land in the status bar, never in a modal dialog. On lock everything stops and
the dialogs are closed and emptied.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from ui.desktop import worker
from ui.desktop.syncrunner import SyncRunner
from ui.desktop.syncstatus import SyncStatusLabel, describe
from ui.desktop.wipe import wipe
from ui.desktop.worker import JobControl
from vault import errors, sync
from vault.sync import SyncStatus
from vault.sync.report import SyncReport

if TYPE_CHECKING:
    from ui.desktop.conflicts import ConflictsDialog
    from ui.desktop.mainwindow import MainWindow
    from ui.desktop.syncsettings import SyncSettingsDialog
    from vault.vault import Vault

log = logging.getLogger(__name__)

MESSAGE_MS = 8000


class SyncControl(QObject):
    """Sync in one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.label = SyncStatusLabel()
        self.label.clicked.connect(self.label_clicked)
        self.runner = SyncRunner(self)
        self.runner.started.connect(lambda: self.show_state(reread=False))
        self.runner.progressed.connect(self._progressed)
        self.runner.finished.connect(self._finished)
        self.last_error: BaseException | None = None
        self.refresh_job: worker.Job | None = None
        self.conflicts_dialog: ConflictsDialog | None = None
        self.settings_dialog: SyncSettingsDialog | None = None
        self._progress = (0, 0)
        self._status: SyncStatus | None = None

        self.sync_now = QAction(self.tr("S&ync now"), window)
        self.sync_now.setShortcut(QKeySequence("F5"))
        self.sync_now.triggered.connect(lambda _c=False: self.request())
        self.settings_action = QAction(self.tr("Sync se&ttings…"), window)
        self.settings_action.triggered.connect(lambda _c=False: self.show_settings())
        self.conflicts_action = QAction(self.tr("Sync co&nflicts…"), window)
        self.conflicts_action.triggered.connect(lambda _c=False: self.show_conflicts())
        self.actions = [self.sync_now, self.settings_action, self.conflicts_action]
        for action in self.actions:
            window.addAction(action)
        self.set_unlocked(False)

    def fill_menu(self, menu: QMenu) -> None:
        """Put the sync entries into a menu."""
        for action in self.actions:
            menu.addAction(action)

    def set_unlocked(self, unlocked: bool) -> None:
        """Enable the entries while the vault is unlocked."""
        for action in self.actions:
            action.setEnabled(unlocked)

    def _vault(self) -> Vault | None:
        vault = self.w.vault
        return vault if vault is not None and vault.is_unlocked else None

    # ------------------------------------------------------------------ lock state

    def unlocked(self) -> None:
        """The window shows an unlocked vault: show the state and start the timer."""
        vault = self._vault()
        if vault is None:
            return
        self.last_error = None
        self.set_unlocked(True)
        self.runner.start(vault, int(self.w.settings.get("sync_interval_minutes")))
        self.show_state()

    def locked(self) -> None:
        """Stop syncing, close and empty the sync dialogs."""
        self.runner.stop()
        if self.refresh_job is not None and self.refresh_job.running:
            self.refresh_job.cancel()
        for name in ("conflicts_dialog", "settings_dialog"):
            dialog = getattr(self, name)
            setattr(self, name, None)
            if dialog is not None:
                dialog.reject()
                wipe(dialog)
        self.set_unlocked(False)
        self.last_error = None
        self.label.show_view(describe(None))

    def apply_settings(self) -> None:
        """The interval setting may have changed."""
        if self._vault() is not None:
            self.runner.set_interval(int(self.w.settings.get("sync_interval_minutes")))

    # ------------------------------------------------------------------ state

    def show_state(self, *, reread: bool = True) -> None:
        """Show where sync stands in the status bar (``reread``: read the status again)."""
        vault = self._vault()
        if vault is None:
            self._status = None
            self.label.show_view(describe(None))
            if self.w.vault_path is None:  # the start page: there is nothing to unlock yet
                self.label.setText(self.tr("Sync: no vault open"))
                self.label.setToolTip("")
            return
        if reread or self._status is None:
            try:
                self._status = sync.read_status(vault)
            except errors.VaultError as exc:
                self.label.setText(self.tr("Sync: error"))
                self.label.setToolTip(str(exc))
                return
        self.label.show_view(
            describe(
                self._status,
                running=self.runner.running,
                error=self.last_error,
                progress=self._progress,
            )
        )

    def _progressed(self, done: int, total: int) -> None:
        self._progress = (done, total)
        self.show_state(reread=False)  # a few times per pack: the counts can wait

    def request(self) -> bool:
        """Sync now (F5); says why not when it cannot."""
        if self._vault() is None:
            return False
        if not self.runner.configured():
            self.w.statusBar().showMessage(
                self.tr("No sync target yet: set one in Sync settings."), MESSAGE_MS
            )
            self.show_settings()
            return False
        if self.runner.running:
            self.runner.request()  # runs again once this one ends
            self.w.statusBar().showMessage(self.tr("A sync is running already."), MESSAGE_MS)
            return False
        return self.runner.request()

    def _finished(self, report: SyncReport | None, error: BaseException | None) -> None:
        self._progress = (0, 0)
        self.last_error = error
        if error is not None and not isinstance(error, errors.CancelledError):
            if not isinstance(error, errors.VaultError):
                error = errors.SyncError(
                    self.tr(
                        "Sync stopped on an unexpected problem ({kind}); see the log file."
                    ).format(kind=type(error).__name__)
                )
                self.last_error = error
            self.w.statusBar().showMessage(str(error), MESSAGE_MS)
        self.show_state()
        if self.settings_dialog is not None:
            self.settings_dialog.sync_ended(self.last_error)
        if report is not None and (report.applied or report.changed or report.repaired):
            self._catch_up()

    def _catch_up(self) -> None:
        """Merged changes: drop cached names and keys, bring the index up to date, refresh."""
        vault = self._vault()
        if vault is None:
            return
        vault.forget_cached()
        index = self.w.index

        def work(_control: JobControl) -> int:
            return int(index.refresh()) if index is not None else 0  # type: ignore[attr-defined]

        def done(_changed: int) -> None:
            if self._vault() is None:
                return
            browser = self.w.browser
            shown = browser.view.record
            browser.refresh(select=shown.id if shown else None)
            if shown is not None:
                try:
                    fresh = vault.get_record(shown.id)
                except errors.VaultError:
                    fresh = None
                if fresh is None or fresh.vid != shown.vid:
                    browser.view.show_record(shown.id)
            if self.conflicts_dialog is not None:
                self.conflicts_dialog.reload()

        def failed(exc: errors.VaultError) -> None:
            if not isinstance(exc, errors.CancelledError):
                self.w.statusBar().showMessage(str(exc), MESSAGE_MS)

        self.refresh_job = worker.run(work, on_success=done, on_error=failed, parent=self)

    # ------------------------------------------------------------------ dialogs

    def label_clicked(self) -> None:
        """Conflicts to resolve: the conflicts view; otherwise the sync settings."""
        vault = self._vault()
        if vault is None:
            return
        if sync.read_status(vault).conflicts:
            self.show_conflicts()
        else:
            self.show_settings()

    def show_settings(self, parent: QWidget | None = None) -> SyncSettingsDialog | None:
        """Open the sync settings (one at a time); over ``parent`` when a dialog asks."""
        from ui.desktop.syncsettings import SyncSettingsDialog

        vault = self._vault()
        if vault is None:
            return None
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return self.settings_dialog
        dialog = SyncSettingsDialog(vault, self.w.settings, parent or self.w)
        if parent is not None:  # over the (window-modal) settings dialog
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._target_saved)
        dialog.finished.connect(lambda _r: setattr(self, "settings_dialog", None))
        dialog.destroyed.connect(lambda _o=None: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.show()
        return dialog

    def _target_saved(self) -> None:
        self.last_error = None
        self.runner.set_interval(int(self.w.settings.get("sync_interval_minutes")))
        self.show_state()
        self.runner.request()

    def show_conflicts(self) -> ConflictsDialog | None:
        """Open the conflicts view (one at a time)."""
        from ui.desktop.conflicts import ConflictsDialog

        vault = self._vault()
        if vault is None:
            return None
        if self.conflicts_dialog is not None:
            self.conflicts_dialog.reload()
            self.conflicts_dialog.raise_()
            self.conflicts_dialog.activateWindow()
            return self.conflicts_dialog
        dialog = ConflictsDialog(vault, self.w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resolved.connect(self._resolved)
        dialog.finished.connect(lambda _r: setattr(self, "conflicts_dialog", None))
        dialog.destroyed.connect(lambda _o=None: setattr(self, "conflicts_dialog", None))
        self.conflicts_dialog = dialog
        dialog.show()
        return dialog

    def _resolved(self, record_id: str) -> None:
        self.show_state()
        browser = self.w.browser
        shown = browser.view.record_id
        browser.refresh(select=shown)
        if shown == record_id:
            browser.view.show_record(record_id)
        self.runner.request()  # so other replicas see the resolution soon
