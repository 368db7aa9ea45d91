"""File ▸ Hand over client…: the handover export wizard over :mod:`vault.handover` (issue 6).

It asks what ``sitebook export handover`` asks, and calls the same core
function (:func:`vault.handover.export_handover`) with the same options:
the client; what to include (every version or only the newest, the audit
log); a folder or one zip file; where; the handover passphrase (generated and
shown once, or typed twice); and the Argon2id memory for the protected files
(``--kdf-memory``, measured by default). The export runs through the worker
with progress and cancel; the core builds the package in a hidden temp folder
and renames it into place only when complete, so a cancel leaves nothing.
The package is then verified (:func:`vault.handover.verify_package`) in the
same job; the last page shows the result, the files, the signing fingerprint,
the generated passphrase (once) and "Open folder".
"""

from __future__ import annotations

import hmac
import re
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from crypto import kdf
from ui.desktop import dialogs
from ui.desktop.handoverwizard_run import FinishPage, RunPage
from ui.desktop.importwizard_parts import InlineMessage, JobWizard, buddy_label
from vault.handover.export import MIN_PASSPHRASE
from vault.vault import Vault

OPTIONS, DESTINATION, RUN, FINISH = range(4)


def package_name(client: str) -> str:
    """A file-system-safe default name for ``client``'s package."""
    slug = re.sub(r"[^\w.-]+", "-", client.strip(), flags=re.UNICODE).strip("-.")
    return f"{slug or 'client'}-handover"


class OptionsPage(QWizardPage):
    """The client and what the package includes."""

    def __init__(self, wizard: HandoverWizard) -> None:
        super().__init__()
        self.setTitle(self.tr("Hand a client over"))
        self.setSubTitle(
            self.tr(
                "Everything the client owns, as a package that opens without Sitebook: a "
                "website, a KeePass file, JSON, a printable PDF and a vault file, signed."
            )
        )
        self.client = QComboBox()
        self.client.setObjectName("handoverClient")
        for client in wizard.vault.clients():
            self.client.addItem(client.name, client.id)
        if wizard.client_id:
            self.client.setCurrentIndex(max(self.client.findData(wizard.client_id), 0))
        self.history = QCheckBox(self.tr("Every &version of every record (history)"))
        self.history.setObjectName("handoverHistory")
        self.history.setChecked(True)
        self.audit = QCheckBox(self.tr("The client's &audit log"))
        self.audit.setObjectName("handoverAudit")
        self.audit.setChecked(True)
        self.zip = QCheckBox(self.tr("One &zip file instead of a folder"))
        self.zip.setObjectName("handoverZip")
        self.message = InlineMessage("handoverOptionsMessage")
        if self.client.count() == 0:
            self.message.show_error(self.tr("There is no client to hand over."))
        form = QFormLayout(self)
        form.addRow(self.tr("&Client:"), self.client)
        form.addRow(self.tr("Include:"), self.history)
        form.addRow("", self.audit)
        form.addRow(self.tr("Write:"), self.zip)
        form.addRow(self.message)

    def isComplete(self) -> bool:
        return self.client.count() > 0


class DestinationPage(QWizardPage):
    """Where the package goes and the passphrase that protects its secret parts."""

    def __init__(self, wizard: HandoverWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Where and how protected"))
        self.setSubTitle(
            self.tr(
                "credentials.kdbx and client.sitebook are protected by a handover passphrase. "
                "Give it to the client separately, not with the package."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Export"))
        self.folder = QLineEdit(str(Path.home()))
        self.folder.setObjectName("handoverFolder")
        choose = QPushButton(self.tr("C&hoose…"))
        choose.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        self.name = QLineEdit()
        self.name.setObjectName("handoverName")
        self.generate = QRadioButton(self.tr("&Generate one (six words, shown once at the end)"))
        self.generate.setObjectName("handoverGenerate")
        self.own = QRadioButton(self.tr("&Use my own"))
        self.own.setObjectName("handoverOwn")
        group = QButtonGroup(self)
        group.addButton(self.generate)
        group.addButton(self.own)
        self.generate.setChecked(True)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("handoverPassphrase")
        self.repeat = QLineEdit()
        self.repeat.setObjectName("handoverRepeat")
        for field in (self.passphrase, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.own.toggled.connect(self._mode_changed)
        self.memory = QSpinBox()
        self.memory.setObjectName("handoverKdfMemory")
        low, high = kdf.FLOOR_MEMORY_KIB // 1024, kdf.MAX_MEMORY_KIB // 1024
        self.memory.setRange(low - 1, high)
        self.memory.setSpecialValueText(self.tr("Measured (about one second)"))
        self.memory.setSuffix(self.tr(" MiB"))
        self.memory.setValue(low - 1)
        self.message = InlineMessage("handoverDestinationMessage")
        form = QFormLayout()
        form.addRow(buddy_label(self.tr("In &folder:"), self.folder), folder_row)
        form.addRow(self.tr("&Name:"), self.name)
        form.addRow(self.tr("Handover passphrase:"), self.generate)
        form.addRow("", self.own)
        form.addRow(self.tr("&Passphrase:"), self.passphrase)
        form.addRow(self.tr("&Repeat:"), self.repeat)
        form.addRow(self.tr("Key derivation &memory:"), self.memory)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._mode_changed(False)

    def initializePage(self) -> None:
        if not self.name.text().strip():
            self.name.setText(package_name(self.w.options.client.currentText()))

    def choose_folder(self) -> None:
        """Ask for the folder the package goes into."""
        path = dialogs.folder_path(self, self.tr("Write the package into"), self.folder.text())
        if path:
            self.folder.setText(path)

    def _mode_changed(self, own: bool) -> None:
        for field in (self.passphrase, self.repeat):
            field.setEnabled(own)
            if not own:
                field.clear()

    def out_path(self) -> Path:
        """The package folder, or zip file, to create."""
        name = self.name.text().strip()
        if self.w.options.zip.isChecked() and not name.lower().endswith(".zip"):
            name += ".zip"
        return Path(self.folder.text().strip()).expanduser() / name

    def given_passphrase(self) -> str | None:
        """The typed passphrase, or None to generate one."""
        return self.passphrase.text() if self.own.isChecked() else None

    def kdf_params(self) -> kdf.KdfParams | None:
        """Argon2id parameters as ``--kdf-memory`` gives them; None to measure."""
        if self.memory.value() < self.memory.minimum() + 1:
            return None
        return kdf.KdfParams(self.memory.value() * 1024, kdf.DEFAULT_ITERATIONS, kdf.DEFAULT_LANES)

    def validatePage(self) -> bool:
        """Check the destination and passphrase before anything is written."""
        problem = self._problem()
        self.message.show_error(problem)
        return not problem

    def _problem(self) -> str:
        folder = Path(self.folder.text().strip()).expanduser()
        name = self.name.text().strip()
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            return self.tr("Give the package a name (no slashes).")
        if not folder.is_dir():
            return self.tr("The folder {path} does not exist.").format(path=str(folder))
        out = self.out_path()
        if out.exists() or out.is_symlink():
            return self.tr("{path} already exists; choose another name.").format(path=str(out))
        if self.own.isChecked():
            first, second = self.passphrase.text(), self.repeat.text()
            if len(first) < MIN_PASSPHRASE:
                return self.tr("Use at least {n} characters.").format(n=MIN_PASSPHRASE)
            if not hmac.compare_digest(first.encode(), second.encode()):
                return self.tr("The two passphrases differ.")
        return ""


class HandoverWizard(JobWizard):
    """Exports a client's handover package, verifies it, and shows what was written."""

    def __init__(
        self, vault: Vault, *, client_id: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("handoverWizard")
        self.setWindowTitle(self.tr("Hand over client"))
        self.vault = vault
        self.client_id = client_id
        self.options = OptionsPage(self)
        self.destination = DestinationPage(self)
        self.run_page = RunPage(self)
        self.finish = FinishPage(self)
        for number, page in (
            (OPTIONS, self.options),
            (DESTINATION, self.destination),
            (RUN, self.run_page),
            (FINISH, self.finish),
        ):
            self.setPage(number, page)
        self.resize(760, 560)

    def forget(self) -> None:
        """Empty every field and label that holds a passphrase."""
        super().forget()
        self.destination.passphrase.clear()
        self.destination.repeat.clear()
        self.finish.forget()
        self.run_page.outcome = None
