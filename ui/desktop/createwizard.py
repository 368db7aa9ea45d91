"""The create-vault wizard: name and file, passphrase, creating, recovery kit, confirmation.

Five pages (:mod:`ui.desktop.createwizard_pages`, :mod:`ui.desktop.createwizard_kit`)
over one :class:`QWizard`. Key derivation runs off the GUI thread through
:mod:`ui.desktop.worker`, twice: once to create the vault (under a hidden
pending name, see :mod:`ui.desktop.createwizard_jobs`) and once, on Finish, to
open it under its chosen name. Only then does :attr:`CreateVaultWizard.created`
carry the unlocked vault to the window. Cancel at any step before that deletes
the pending file, so nothing is left behind; while a key derivation runs,
Cancel waits for it. The passphrase and the recovery key are taken off the
screen when the wizard closes, either way, and when the app locks
(:meth:`CreateVaultWizard.lock`: Ctrl+L, idle time, screen lock), which also
cancels the wizard, at once or as soon as a running key derivation ends.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget, QWizard

from crypto.kdf import KdfParams
from ui.desktop import worker
from ui.desktop.createwizard_jobs import PendingVault, create_pending, discard, finalize
from ui.desktop.createwizard_kit import ConfirmPage, CreatingPage, KitPage
from ui.desktop.createwizard_pages import NamePage, PassphrasePage, show
from ui.desktop.signals import emit
from vault.errors import VaultError
from vault.vault import Vault

log = logging.getLogger(__name__)

NAME_PAGE, PASSPHRASE_PAGE, CREATING_PAGE, KIT_PAGE, CONFIRM_PAGE = range(5)


def default_folder() -> Path:
    """Where new vaults go unless the person picks another folder: Documents, else home."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(found) if found else Path.home()
    return folder if folder.is_dir() else Path.home()


class CreateVaultWizard(QWizard):
    """Creates a vault step by step; emits ``created(Vault)`` once it is confirmed and open."""

    created = Signal(object)  # the new Vault, unlocked and read

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        kdf_params: KdfParams | None = None,
        folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("createVaultWizard")
        self.setWindowTitle(self.tr("Create a new vault"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        self._kdf_params = kdf_params
        self.pending: PendingVault | None = None
        self.vault: Vault | None = None
        self.job: worker.Job | None = None
        self.locked = False  # the app locked: close as soon as no job runs

        self.name_page = NamePage(folder or default_folder())
        self.passphrase_page = PassphrasePage(self.name_page)
        self.creating_page = CreatingPage(self)
        self.kit_page = KitPage(self)
        self.confirm_page = ConfirmPage(self)
        for page_id, page in enumerate(
            (
                self.name_page,
                self.passphrase_page,
                self.creating_page,
                self.kit_page,
                self.confirm_page,
            )
        ):
            self.setPage(page_id, page)
        self.passphrase_page.setButtonText(
            QWizard.WizardButton.NextButton, self.tr("&Create vault")
        )
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Continue"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Finish and open"))
        self.setMinimumSize(720, 560)
        # QWizard sets its buttons after a page's initializePage(): busy wins again here.
        self.currentIdChanged.connect(lambda _id: self.busy and self._set_busy(True))

    # ------------------------------------------------------------------ state

    @property
    def busy(self) -> bool:
        """True while a key derivation runs."""
        return self.job is not None and self.job.running

    def target(self) -> Path:
        """The file the vault will have."""
        return self.pending.target if self.pending else self.name_page.target()

    # ------------------------------------------------------------------ steps

    def start_create(self) -> worker.Job:
        """Create the vault under its pending name in the background (the creating page)."""
        self.pending = None
        work = partial(
            create_pending,
            target=self.name_page.target(),
            name=self.name_page.name.text(),
            owner=self.name_page.owner.text(),
            passphrase=self.passphrase_page.passphrase.text(),
            kdf_params=self._kdf_params,
            texts=self.tr,
        )
        self._set_busy(True)
        self.job = worker.run(work, on_success=self._created, on_error=self._job_ended, parent=self)
        self.job.crashed.connect(self._job_ended)
        return self.job

    def _created(self, pending: PendingVault) -> None:
        self._set_busy(False)
        self.pending = pending
        if not self.isVisible():  # closed meanwhile (the app quit): leave nothing
            self._discard()
            return
        if self.locked:  # the app locked while the key was derived: show nothing, cancel
            self.reject()
            return
        emit(self.creating_page.completeChanged)
        if self.currentId() == CREATING_PAGE:
            self.next()

    def _job_ended(self, _exc: object) -> None:
        self._set_busy(False)
        self.confirm_page.set_busy("")
        if self.locked:
            self.reject()

    def accept(self) -> None:
        """Finish: move the confirmed vault to its name and open it, then close."""
        if self.vault is not None:
            super().accept()
            return
        if self.busy or self.pending is None or not self.confirm_page.isComplete():
            return
        pending = self.pending
        passphrase = self.passphrase_page.passphrase.text()
        show(self.confirm_page.error, "")
        self.confirm_page.set_busy(self.tr("Saving and opening the vault…"))
        self._set_busy(True)
        self.job = worker.run(
            partial(finalize, pending=pending, passphrase=passphrase, texts=self.tr),
            on_success=self._finalized,
            on_error=self._finalize_failed,
            parent=self,
        )
        self.job.staged.connect(self.confirm_page.set_busy)
        self.job.crashed.connect(self._job_ended)

    def _finalized(self, vault: Vault) -> None:
        self._set_busy(False)
        self.confirm_page.set_busy("")
        self.vault = vault
        self.pending = None
        log.info("create-vault wizard finished")
        self._clear()
        if self.locked:  # confirmed and saved, but the app locked meanwhile: hand it over locked
            vault.lock()
        emit(self.created, vault)
        super().accept()

    def _finalize_failed(self, exc: VaultError) -> None:
        self._job_ended(exc)
        show(self.confirm_page.error, str(exc))

    def reject(self) -> None:
        """Cancel: delete the pending vault (nothing is left); refused while deriving a key."""
        if self.busy:
            return
        self._discard()
        self._clear()
        log.info("create-vault wizard cancelled")
        super().reject()

    def lock(self) -> None:
        """The app locks: take the passphrase and the key off the screen and cancel.

        While a key derivation runs the wizard cannot close; it is emptied now and
        cancelled (its pending vault deleted) as soon as the job ends. A vault that
        was confirmed and is being saved is kept and handed over locked.
        """
        if self.vault is not None:  # finished: being handed to the window
            return
        self._clear()
        if self.busy:
            self.locked = True
            return
        self.reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window is Cancel; while a key derivation runs it waits."""
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)

    def _discard(self) -> None:
        if self.pending is not None:
            discard(self.pending.path)
            self.pending = None

    def _clear(self) -> None:
        self.passphrase_page.clear()
        self.passphrase_page.show_text.setChecked(False)
        self.kit_page.clear()
        for field in self.confirm_page.fields:
            field.clear()

    def _set_busy(self, busy: bool) -> None:
        """No Cancel, Back or Finish while a key derivation runs; Back never onto a commit."""
        for which in (QWizard.WizardButton.CancelButton, QWizard.WizardButton.FinishButton):
            self.button(which).setEnabled(not busy)
        back_allowed = self.currentId() in (PASSPHRASE_PAGE, CREATING_PAGE, CONFIRM_PAGE)
        self.button(QWizard.WizardButton.BackButton).setEnabled(not busy and back_allowed)
