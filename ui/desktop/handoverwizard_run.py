"""The handover wizard's last two pages: the export with progress and cancel, and the result.

:class:`RunPage` calls :func:`vault.handover.export_handover` through the
worker with the options of the earlier pages, then
:func:`vault.handover.verify_package` on what it wrote. Cancel stops the
export and the core removes its temp folder: nothing is left at the
destination. :class:`FinishPage` shows whether the package verified (or the
first problem), where it is, every file in it, the signing key's fingerprint
to tell the recipient, the generated passphrase once (with Copy; it is never
logged and the page forgets it when the wizard closes) and "Open folder".
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from ui.desktop import clipboard
from ui.desktop.importwizard_parts import InlineMessage, JobPage
from ui.desktop.tablemodel import RowsModel, make_table
from ui.desktop.worker import JobControl
from vault.errors import CancelledError, VaultError
from vault.handover import HandoverResult, VerifyResult, export_handover, verify_package

if TYPE_CHECKING:
    from ui.desktop.handoverwizard import HandoverWizard


@dataclass(frozen=True)
class Outcome:
    """What the export wrote and what verifying it found."""

    result: HandoverResult
    verify: VerifyResult


class RunPage(JobPage):
    """Writes the package, then verifies it; cancel leaves nothing behind."""

    def __init__(self, wizard: HandoverWizard) -> None:
        super().__init__(wizard, "handover")
        self.setTitle(self.tr("Writing the handover package"))
        self.setSubTitle(
            self.tr("The package appears only when complete; cancelling leaves nothing behind.")
        )
        self.again.setText(self.tr("Export &again"))

    @property
    def outcome(self) -> Outcome | None:
        """What the export wrote and verifying it found; None until it succeeded."""
        return self.result

    @outcome.setter
    def outcome(self, value: Outcome | None) -> None:
        self.result = value

    def launch(self) -> None:
        options, destination = self.w.options, self.w.destination
        vault = self.w.vault
        client_id = str(options.client.currentData())
        out = destination.out_path()
        passphrase = destination.given_passphrase()
        zipped, history, audit = (
            options.zip.isChecked(),
            options.history.isChecked(),
            options.audit.isChecked(),
        )
        params = destination.kdf_params()
        written: dict[str, Outcome] = {}
        verifying = self.tr("Verifying the package…")

        def work(control: JobControl) -> Outcome:
            result = export_handover(
                vault,
                client_id,
                out,
                passphrase=passphrase,
                zip=zipped,
                history=history,
                audit=audit,
                progress=control.progress,
                cancel=lambda: control.cancelled,
                kdf_params=params,
            )
            with contextlib.suppress(CancelledError):
                control.stage(verifying)
            written["outcome"] = Outcome(result, verify_package(result.path))
            return written["outcome"]

        def failed(exc: VaultError) -> None:
            if "outcome" in written:  # cancelled after the package was complete
                self.succeeded(written["outcome"])
            else:
                self.failed(exc)

        job = self.w.start_job(work, on_success=self.succeeded, on_error=failed)
        job.crashed.connect(lambda _exc: self.failed(VaultError(self.tr("The export failed."))))
        self.job_line.follow(job, self.tr("Reading the client's records…"))

    def cancelled_text(self) -> str:
        return self.tr("Cancelled. Nothing was written.")

    def failed_text(self, reason: str) -> str:
        return self.tr("The package was not written: {reason}").format(reason=reason)


class FinishPage(QWizardPage):
    """The verify result, the files, the fingerprint, the passphrase once, Open folder."""

    def __init__(self, wizard: HandoverWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Handover package written"))
        self.setFinalPage(True)
        self.verdict = InlineMessage("handoverVerdict")
        self.where = QLabel()
        self.where.setObjectName("handoverWhere")
        self.where.setWordWrap(True)
        self.fingerprint = QLabel()
        self.fingerprint.setObjectName("handoverFingerprint")
        self.fingerprint.setWordWrap(True)
        self.secret = QLineEdit()
        self.secret.setObjectName("handoverGenerated")
        self.secret.setReadOnly(True)
        self.copy = QPushButton(self.tr("&Copy"))
        self.copy.setObjectName("handoverCopyPassphrase")
        self.copy.clicked.connect(self.copy_passphrase)
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.secret, 1)
        secret_row.addWidget(self.copy)
        self.secret_label = QLabel(
            self.tr(
                "Handover passphrase, shown only now. It opens credentials.kdbx and "
                "client.sitebook and is not in the package: give it to the client separately."
            )
        )
        self.secret_label.setWordWrap(True)
        self.files = RowsModel([self.tr("File")], self)
        self.files_view = make_table(self.files, "handoverFiles")
        self.open_button = QPushButton(self.tr("&Open folder"))
        self.open_button.setObjectName("handoverOpenFolder")
        self.open_button.clicked.connect(self.open_folder)
        form = QFormLayout()
        form.addRow(self.tr("Package:"), self.where)
        form.addRow(self.tr("Signing key:"), self.fingerprint)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addLayout(form)
        layout.addWidget(self.secret_label)
        layout.addLayout(secret_row)
        layout.addWidget(self.files_view, 1)
        layout.addWidget(self.open_button)

    def initializePage(self) -> None:
        outcome = self.w.run_page.outcome
        if outcome is None:
            return
        result, verify = outcome.result, outcome.verify
        if verify.ok:
            self.verdict.show_ok(
                self.tr("Verified: every file matches the signed manifest ({n} files).").format(
                    n=verify.files
                )
            )
        else:
            self.verdict.show_error(
                self.tr("The package does NOT verify: {problem}").format(
                    problem=str(verify.problems[0]) if verify.problems else "?"
                )
            )
        total = sum(result.counts.values())
        self.where.setText(
            self.tr("{path}\n{records} records, {entries} password entries.").format(
                path=str(result.path), records=total, entries=result.credentials
            )
        )
        self.fingerprint.setText(
            self.tr("{fingerprint} — tell the recipient yourself so they can check it.").format(
                fingerprint=result.fingerprint
            )
        )
        generated = result.passphrase_generated
        for widget in (self.secret, self.copy, self.secret_label):
            widget.setVisible(generated is not None)
        self.secret.setText(generated or "")
        self.files.set_rows([(name,) for name in result.files])

    def copy_passphrase(self) -> None:
        """Copy the generated passphrase (cleared from the clipboard after a while)."""
        if self.secret.text():
            clipboard.copy_secret(self.secret.text())

    def folder(self) -> str:
        """The folder to open: the package folder, or the one holding the zip file."""
        outcome = self.w.run_page.outcome
        if outcome is None:
            return ""
        path = outcome.result.path
        return str(path if path.is_dir() else path.parent)

    def open_folder(self) -> None:
        """Show the package in the file manager."""
        folder = self.folder()
        if folder:
            QDesktopServices.openUrl(QUrl.fromLocalFile(folder))

    def forget(self) -> None:
        """Drop the generated passphrase from the page."""
        self.secret.clear()
