"""The secondary screens of the window and their menu entries.

Members and access, audit log, leaver report (team vaults), client overview and
expiry dates. Each opens as its own non-modal dialog over the unlocked vault;
:meth:`Screens.close_all` closes every one of them when the vault locks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu

if TYPE_CHECKING:
    from ui.desktop.mainwindow import MainWindow


class Screens(QObject):
    """Opens and tracks the team, audit and overview dialogs."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.open: list[QDialog] = []
        self.members = self._action(self.tr("&Members and access…"), self.show_members)
        self.audit = self._action(self.tr("&Audit log…"), self.show_audit)
        self.leaver = self._action(self.tr("&Leaver report…"), self.show_leaver)
        self.overview = self._action(self.tr("Client &overview…"), self.show_overview)
        self.expiry = self._action(self.tr("&Expiry and due dates…"), self.show_expiry)
        self.actions = [self.members, self.audit, self.leaver, self.overview, self.expiry]

    def _action(self, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.w)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def fill_vault_menu(self, menu: QMenu) -> None:
        """Team entries into the Vault menu."""
        for action in (self.members, self.audit, self.leaver):
            menu.addAction(action)

    def fill_tools_menu(self, menu: QMenu) -> None:
        """Overview entries into the Tools menu."""
        menu.addSeparator()
        menu.addAction(self.overview)
        menu.addAction(self.expiry)

    def set_unlocked(self, unlocked: bool) -> None:
        """Enable the screens only while the vault is unlocked."""
        for action in self.actions:
            action.setEnabled(unlocked)

    def _show(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r, d=dialog: d in self.open and self.open.remove(d))
        self.open.append(dialog)
        dialog.show()
        return dialog

    def close_all(self) -> None:
        """Close every screen (on lock): their models hold decrypted names and titles."""
        from ui.desktop.wipe import wipe

        for dialog in list(self.open):
            dialog.reject()
            wipe(dialog)
        self.open.clear()

    def _vault(self):
        vault = self.w.vault
        return vault if vault is not None and vault.is_unlocked else None

    def show_members(self) -> QDialog | None:
        """Members and access."""
        from ui.desktop.teamscreens import MembersDialog

        vault = self._vault()
        return self._show(MembersDialog(vault, self.w)) if vault else None

    def show_audit(self) -> QDialog | None:
        """The audit log."""
        from ui.desktop.teamscreens import AuditDialog

        vault = self._vault()
        return self._show(AuditDialog(vault, self.w)) if vault else None

    def show_leaver(self) -> QDialog | None:
        """The leaver report."""
        from ui.desktop.teamscreens import LeaverDialog

        vault = self._vault()
        return self._show(LeaverDialog(vault, self.w)) if vault else None

    def show_overview(self) -> QDialog | None:
        """The overview of the client selected in the tree."""
        from ui.desktop.overviews import ClientOverview

        vault, index = self._vault(), self.w.index
        scope, _type = self.w.browser.current_scope()
        if vault is None or index is None:
            return None
        return self._show(ClientOverview(vault, index, scope, self.w))  # type: ignore[arg-type]

    def show_expiry(self) -> QDialog | None:
        """Expiry and due dates across clients."""
        from ui.desktop.overviews import ExpiryDialog

        vault, index = self._vault(), self.w.index
        if vault is None or index is None:
            return None
        return self._show(ExpiryDialog(vault, index, self.w))  # type: ignore[arg-type]
