"""File ▸ Verify a handover package… and File ▸ Import a handover package….

:class:`VerifyDialog` is ``sitebook handover verify``: it checks a package
folder or zip against its signed manifest (:func:`vault.handover.verify_package`,
no vault needed) and lists every problem, the first one on top.
:class:`ImportHandoverDialog` is ``sitebook import handover``: it brings a
package (folder, zip or a bare client.sitebook) into the unlocked vault as a
new client (:func:`vault.handover.import_handover`) with progress and cancel
(the core rolls back); a wrong passphrase is a line in the form. Both run
through the worker and never block the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import dialogs, worker
from ui.desktop.importwizard_parts import InlineMessage, JobLine, buddy_label, fit_columns
from ui.desktop.signals import emit
from ui.desktop.tablemodel import RowsModel, make_table
from ui.desktop.worker import JobControl
from vault import errors
from vault.handover import ImportResult, VerifyResult, import_handover, verify_package
from vault.vault import Vault


class _PackageDialog(QDialog):
    """A path to a package (folder or file), a job line, a message, and closing rules."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.job: worker.Job | None = None
        self._close_when_idle = False
        self.path = QLineEdit()
        self.path.setObjectName(f"{name}Path")
        self.path.setPlaceholderText(self.tr("Package folder, zip file or client.sitebook"))
        folder = QPushButton(self.tr("F&older…"))
        folder.clicked.connect(self._choose_folder)
        file = QPushButton(self.tr("&File…"))
        file.clicked.connect(self._choose_file)
        self.path_row = QHBoxLayout()
        self.path_row.addWidget(self.path, 1)
        self.path_row.addWidget(folder)
        self.path_row.addWidget(file)
        self.message = InlineMessage(f"{name}Message")
        self.job_line = JobLine(f"{name}Job")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

    def _choose_folder(self) -> None:
        path = dialogs.folder_path(self, self.tr("Handover package folder"))
        if path:
            self.path.setText(path)

    def _choose_file(self) -> None:
        path = dialogs.open_path(
            self, self.tr("Handover package"), self.tr("Packages (*.zip *.sitebook);;All (*)")
        )
        if path:
            self.path.setText(path)

    def package(self) -> Path | None:
        """The path typed or chosen, or None (with a message) when there is none."""
        text = self.path.text().strip()
        if not text:
            self.message.show_error(self.tr("Choose the package first."))
            return None
        return Path(text).expanduser()

    def run(self, fn: object, text: str, on_success: object, *, cancellable: bool) -> worker.Job:
        """Run ``fn`` through the worker, following it on the job line."""
        self.message.clear_message()
        self.job = worker.run(
            fn,  # type: ignore[arg-type]
            on_success=on_success,  # type: ignore[arg-type]
            on_error=self._failed,
            parent=self,
        )
        self.job.finished.connect(self._job_done)
        self.job_line.follow(self.job, text, cancellable=cancellable)
        return self.job

    def _failed(self, exc: errors.VaultError) -> None:
        if isinstance(exc, errors.CancelledError):
            self.message.show_error(self.tr("Cancelled. Nothing was imported."))
        else:
            self.message.show_error(str(exc))

    def _job_done(self) -> None:
        if self._close_when_idle:
            self._close_when_idle = False
            self.reject()

    def stop_jobs(self) -> None:
        """Cancel a running job and wait until it has stopped (the vault is about to lock)."""
        if self.job is not None:
            self.job.stop()

    def reject(self) -> None:
        """Close, cancelling a running job first."""
        if self.job is not None and self.job.running:
            self._close_when_idle = True
            self.job.cancel()
            return
        super().reject()


class VerifyDialog(_PackageDialog):
    """Checks a handover package's hashes, signature and counts."""

    def __init__(self, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__("verifyHandover", parent)
        self.setWindowTitle(self.tr("Verify a handover package"))
        self.result: VerifyResult | None = None
        self.verify_button = QPushButton(self.tr("&Verify"))
        self.verify_button.setObjectName("verifyHandoverButton")
        self.verify_button.setDefault(True)
        self.verify_button.clicked.connect(self.verify)
        self.path_row.addWidget(self.verify_button)
        self.problems = RowsModel([self.tr("File"), self.tr("Problem")], self)
        self.table = make_table(self.problems, "verifyHandoverProblems")
        fit_columns(self.table, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.path_row)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.job_line)
        layout.addWidget(self.buttons)
        self.resize(720, 380)
        if path is not None:
            self.path.setText(str(path))

    def verify(self) -> worker.Job | None:
        """Verify the package in the background."""
        path = self.package()
        if path is None or (self.job is not None and self.job.running):
            return None
        self.result = None
        self.problems.set_rows([])
        return self.run(
            lambda _control: verify_package(path),
            self.tr("Checking every file…"),
            self._show,
            cancellable=False,
        )

    def _show(self, result: VerifyResult) -> None:
        self.result = result
        self.problems.set_rows([(p.file, p.detail) for p in result.problems])
        if result.ok:
            self.message.show_ok(
                self.tr(
                    "OK: the handover package of {client} ({files} files) is intact and signed "
                    "by {name} on {when}. Signing key: {fingerprint} — compare it with the one "
                    "the exporter gave you."
                ).format(
                    client=result.client,
                    files=result.files,
                    name=result.exporter.get("name", "?"),
                    when=result.exported,
                    fingerprint=result.exporter.get("fingerprint", "?"),
                )
            )
        else:
            self.message.show_error(
                self.tr("FAILED: {problem}").format(problem=str(result.problems[0]))
            )


class ImportHandoverDialog(_PackageDialog):
    """Brings a handover package into the vault as a new client."""

    imported = Signal(object)  # the ImportResult

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__("importHandover", parent)
        self.setWindowTitle(self.tr("Import a handover package"))
        self.vault = vault
        self.result: ImportResult | None = None
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("importHandoverPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_name = QLineEdit()
        self.client_name.setObjectName("importHandoverClient")
        self.client_name.setPlaceholderText(self.tr("Default: the client's name in the package"))
        self.import_button = QPushButton(self.tr("&Import"))
        self.import_button.setObjectName("importHandoverButton")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        form = QFormLayout()
        form.addRow(buddy_label(self.tr("&Package:"), self.path), self.path_row)
        form.addRow(self.tr("Handover &passphrase:"), self.passphrase)
        form.addRow(self.tr("New client's &name:"), self.client_name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.job_line)
        layout.addWidget(self.buttons)
        self.resize(680, 260)

    def start(self) -> worker.Job | None:
        """Import the package in the background."""
        path = self.package()
        if path is None or (self.job is not None and self.job.running):
            return None
        passphrase = self.passphrase.text()
        if not passphrase:
            self.message.show_error(self.tr("Type the handover passphrase."))
            return None
        vault, name = self.vault, self.client_name.text().strip() or None
        wrong = self.tr("Wrong handover passphrase; nothing was imported.")

        def work(control: JobControl) -> ImportResult:
            try:
                return import_handover(
                    vault,
                    path,
                    passphrase,
                    client_name=name,
                    progress=control.progress,
                    cancel=lambda: control.cancelled,
                )
            except errors.WrongPassphraseError:
                raise errors.VaultError(wrong) from None

        self.passphrase.clear()
        return self.run(work, self.tr("Importing the package…"), self._done, cancellable=True)

    def _done(self, result: ImportResult) -> None:
        self.result = result
        text = self.tr(
            "Imported {records} records ({versions} versions) and {attachments} attachments as "
            "client “{client}”."
        ).format(
            records=result.records,
            versions=result.versions,
            attachments=result.attachments,
            client=result.client.name,
        )
        if result.verified:
            text += " " + self.tr(
                "The package verified; it was signed by the key {fingerprint}. Compare it with "
                "the fingerprint the exporter gave you."
            ).format(fingerprint=result.fingerprint)
        else:
            text += " " + self.tr("A bare client.sitebook has no signed manifest to check.")
        self.message.show_ok(text)
        emit(self.imported, result)
