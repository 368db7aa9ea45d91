"""The File menu's way in and out: Import…, Hand over client…, and the handover tools.

:class:`TransferMenu` owns four actions and opens their windows over the
main window: File ▸ Import… (Ctrl+I, the import wizard; also by dropping a
file or folder on the window), Hand over client… (Ctrl+Shift+E, the handover
export wizard), Verify a handover package… (Ctrl+Shift+V; needs no vault, so
it works while locked) and Import a handover package… (Ctrl+Shift+I). It
follows the window's ``unlocked`` and ``locked`` signals: actions that need
keys are enabled only while unlocked, and locking closes every window it
opened because they hold decrypted names and drafts: the window calls
:meth:`TransferMenu.close_all` before it drops the keys, which cancels their
jobs and waits for them to stop.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialog, QMenu

from ui.desktop.actions import window_action

if TYPE_CHECKING:
    from ui.desktop.handoverwizard import HandoverWizard
    from ui.desktop.handoverwizard_tools import ImportHandoverDialog, VerifyDialog
    from ui.desktop.importwizard import ImportWizard
    from ui.desktop.mainwindow import MainWindow
    from vault.vault import Vault

VAULT_SUFFIX = ".sitebook"


class TransferMenu(QObject):
    """Import and handover actions of one main window, and the windows they open."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.open: list[QDialog] = []
        self.import_action = window_action(window, self.tr("&Import…"), "Ctrl+I", self.show_import)
        self.handover_action = window_action(
            window, self.tr("&Hand over client…"), "Ctrl+Shift+E", self.show_handover
        )
        self.verify_action = window_action(
            window, self.tr("&Verify a handover package…"), "Ctrl+Shift+V", self.show_verify
        )
        self.import_handover_action = window_action(
            window,
            self.tr("Import a hand&over package…"),
            "Ctrl+Shift+I",
            self.show_import_handover,
        )
        self.needs_keys = [self.import_action, self.handover_action, self.import_handover_action]
        window.unlocked.connect(lambda _vault: self.set_unlocked(True))
        window.locked.connect(self._locked)
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        self.set_unlocked(window.is_unlocked)

    def fill_menu(self, menu: QMenu) -> None:
        """Put the actions into the File menu."""
        if menu.actions():
            menu.addSeparator()
        menu.addAction(self.import_action)
        menu.addAction(self.import_handover_action)
        menu.addSeparator()
        menu.addAction(self.handover_action)
        menu.addAction(self.verify_action)

    def set_unlocked(self, unlocked: bool) -> None:
        """Enable the actions that need an unlocked vault."""
        for action in self.needs_keys:
            action.setEnabled(unlocked)

    def _locked(self) -> None:
        self.set_unlocked(False)
        self.close_all()

    def close_all(self) -> None:
        """Close and wipe every window opened here, after stopping its running jobs.

        The window calls this while the vault is still unlocked and its index
        open: each job is cancelled and waited for (an import rolls back, an
        export removes its temp folder), so none runs on after the keys are gone.
        """
        from ui.desktop.wipe import wipe

        for dialog in list(self.open):
            stop = getattr(dialog, "stop_jobs", None)
            if stop is not None:
                stop()
            dialog.reject()
            if not dialog.isVisible():
                wipe(dialog)
        self.open = [d for d in self.open if d.isVisible()]

    def _show(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r, d=dialog: d in self.open and self.open.remove(d))
        self.open.append(dialog)
        dialog.open()
        return dialog

    def _vault(self) -> Vault | None:
        vault = self.w.vault
        return vault if vault is not None and vault.is_unlocked else None

    def _client(self) -> str | None:
        scope, _type = self.w.browser.current_scope()
        vault = self._vault()
        if vault is None or scope is None:
            return None
        return scope if any(c.id == scope for c in vault.clients()) else None

    def _refresh(self) -> None:
        """Show new records and clients (not once the vault has locked meanwhile)."""
        if self.w.is_unlocked:
            self.w.browser.refresh()

    # ------------------------------------------------------------------ windows

    def show_import(self, path: Path | None = None) -> ImportWizard | None:
        """Open the import wizard (on ``path`` when given, e.g. a dropped file)."""
        from ui.desktop.importwizard import ImportWizard

        vault = self._vault()
        if vault is None:
            return None
        wizard = ImportWizard(
            vault, index=self.w.index, path=path, client_id=self._client(), parent=self.w
        )
        wizard.imported.connect(lambda _report: self._refresh())
        self._show(wizard)
        return wizard

    def show_handover(self) -> HandoverWizard | None:
        """Open the handover export wizard for the client selected in the tree."""
        from ui.desktop.handoverwizard import HandoverWizard

        vault = self._vault()
        if vault is None:
            return None
        wizard = HandoverWizard(vault, client_id=self._client(), parent=self.w)
        self._show(wizard)
        return wizard

    def show_verify(self, path: Path | None = None) -> VerifyDialog:
        """Open the verify window (no vault needed)."""
        from ui.desktop.handoverwizard_tools import VerifyDialog

        dialog = VerifyDialog(self.w, path)
        self._show(dialog)
        return dialog

    def show_import_handover(self) -> ImportHandoverDialog | None:
        """Open the handover import window."""
        from ui.desktop.handoverwizard_tools import ImportHandoverDialog

        vault = self._vault()
        if vault is None:
            return None
        dialog = ImportHandoverDialog(vault, self.w)
        dialog.imported.connect(lambda _result: self._refresh())
        self._show(dialog)
        return dialog

    # ------------------------------------------------------------------ drag and drop

    def dropped_path(self, event: QDragEnterEvent | QDropEvent) -> Path | None:
        """The one local file or folder being dragged, if the window can import it now."""
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile() or self._vault() is None:
            return None
        path = Path(urls[0].toLocalFile())
        return None if path.suffix.lower() == VAULT_SUFFIX else path

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Accept a file dragged onto the window and open the import wizard on it."""
        if watched is self.w and event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self.dropped_path(event) is not None:  # type: ignore[arg-type]
                event.acceptProposedAction()  # type: ignore[attr-defined]
                return True
        elif watched is self.w and event.type() == QEvent.Type.Drop:
            path = self.dropped_path(event)  # type: ignore[arg-type]
            if path is not None:
                event.acceptProposedAction()  # type: ignore[attr-defined]
                self.show_import(path)
                return True
        return False
