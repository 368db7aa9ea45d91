"""The last three pages of the create-vault wizard: creating, the recovery kit, confirmation.

:class:`CreatingPage` runs :func:`ui.desktop.createwizard_jobs.create_pending`
in the background under a busy bar and moves on by itself; it is a commit page,
so nobody goes back to a passphrase that is already sealed in. :class:`KitPage`
shows the recovery key in large monospaced groups with "Save as PDF…"
(:func:`vault.recoverykit.write_pdf`, in the background) and "Print…". Saving
suggests Documents or home, never the vault's folder, and warns inline when
the person picks the vault's folder anyway; a name that gains ``.pdf`` after
the file dialog is asked about again if that file exists.
:class:`ConfirmPage` asks for one or two groups picked at random and a tick
("I have stored it") before Finish is enabled.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from ui.desktop import dialogs, fonts, worker
from ui.desktop.createwizard_pages import OK_STYLE, error_label, show
from ui.desktop.signals import emit
from ui.desktop.unlock import ERROR_STYLE
from vault.errors import VaultError
from vault.recoverykit import RecoveryKit, check_groups, group_matches, write_pdf

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from ui.desktop.createwizard import CreateVaultWizard

CHECKED_GROUPS = 2


class CreatingPage(QWizardPage):
    """Creates the vault in the background, then goes on to the kit by itself."""

    def __init__(self, wizard: CreateVaultWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("creatingPage")
        self.setTitle(self.tr("Creating the vault"))
        self.setSubTitle(
            self.tr("Sitebook derives your key from the passphrase; this takes a few seconds.")
        )
        self.setCommitPage(True)
        self._wizard = wizard
        self.stage = QLabel(self.tr("Starting…"))
        self.stage.setObjectName("creatingStage")
        self.busy = QProgressBar()
        self.busy.setObjectName("creatingBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.error = error_label("creatingError")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.stage)
        layout.addWidget(self.busy)
        layout.addWidget(self.error)
        layout.addStretch(2)

    def initializePage(self) -> None:
        """Start creating (again, after going back to fix something)."""
        show(self.error, "")
        self.busy.setVisible(True)
        self.stage.setText(self.tr("Starting…"))
        job = self._wizard.start_create()
        job.staged.connect(self.stage.setText)
        job.failed.connect(self._failed)
        job.crashed.connect(lambda _exc: self._failed(None))

    def _failed(self, exc: VaultError | None) -> None:
        self.busy.setVisible(False)
        self.stage.setText(self.tr("The vault was not created."))
        show(self.error, str(exc) if exc is not None else self.tr("Something went wrong."))
        emit(self.completeChanged)

    def isComplete(self) -> bool:
        """Done once the vault exists (under its pending name)."""
        return self._wizard.pending is not None


class KitPage(QWizardPage):
    """The recovery key, large, with Save as PDF… and Print…."""

    def __init__(self, wizard: CreateVaultWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("kitPage")
        self.setTitle(self.tr("Your recovery key"))
        self.setSubTitle(
            self.tr(
                "If the passphrase is ever lost, this key is the only way into the vault. "
                "It is shown now and never again: print it or save the emergency kit, and "
                "keep it on paper somewhere safe."
            )
        )
        self._wizard = wizard
        self.job: worker.Job | None = None
        key_font = fonts.monospace(fonts.scaled(self.font(), 2.0))
        key_font.setBold(True)
        small = fonts.scaled(self.font(), 0.85)
        self.group_labels: list[QLabel] = []
        grid = QGridLayout()
        grid.setContentsMargins(16, 14, 16, 14)
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(2)
        grid.setRowMinimumHeight(2, 14)  # air between the two rows of groups
        for index in range(8):
            label = QLabel()
            label.setObjectName(f"keyGroup{index + 1}")
            label.setFont(key_font)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            number = QLabel(self.tr("group {n}").format(n=index + 1))
            number.setFont(small)
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            number.setForegroundRole(self.foregroundRole())
            row, column = divmod(index, 4)
            grid.addWidget(label, row * 3, column)
            grid.addWidget(number, row * 3 + 1, column)
            self.group_labels.append(label)
        key_box = QFrame()
        key_box.setObjectName("recoveryKeyBox")
        key_box.setFrameShape(QFrame.Shape.StyledPanel)
        key_box.setBackgroundRole(QPalette.ColorRole.Base)
        key_box.setAutoFillBackground(True)
        key_box.setLayout(grid)
        advice = QLabel(
            self.tr(
                "Anyone with this key and a copy of the vault file can open the vault. Keep "
                "the paper away from the computer; do not e-mail or photograph it. A saved PDF "
                "belongs on offline storage, not next to the vault."
            )
        )
        advice.setWordWrap(True)

        self.save_button = QPushButton(self.tr("&Save as PDF…"))
        self.save_button.setObjectName("savePdf")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_pdf)
        self.print_button = QPushButton(self.tr("&Print…"))
        self.print_button.setObjectName("printKit")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_kit)
        for keys, slot in (("Ctrl+S", self.save_pdf), ("Ctrl+P", self.print_kit)):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(lambda _c=False, s=slot: s())
            self.addAction(action)
        self.status = QLabel()
        self.status.setObjectName("kitStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = error_label("kitError")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addSpacing(8)
        layout.addWidget(key_box)
        layout.addSpacing(12)
        layout.addWidget(advice)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def kit(self) -> RecoveryKit | None:
        """The kit of the vault being created."""
        pending = self._wizard.pending
        return pending.kit if pending is not None else None

    def initializePage(self) -> None:
        """Show the key."""
        kit = self.kit()
        for label, group in zip(self.group_labels, kit.groups if kit else [], strict=False):
            label.setText(group)
        show(self.error, "")
        self.status.setText("")

    def clear(self) -> None:
        """Take the key off the screen."""
        for label in self.group_labels:
            label.clear()

    def save_pdf(self) -> worker.Job | None:
        """Ask where, then write the one-page PDF there in the background."""
        kit = self.kit()
        if kit is None or (self.job is not None and self.job.running):
            return None
        vault_folder = self._wizard.target().parent
        suggested = kit_folder(vault_folder) / f"{self._wizard.target().stem}-emergency-kit.pdf"
        chosen = dialogs.save_path(
            self, self.tr("Save emergency kit"), str(suggested), self.tr("PDF files (*.pdf)")
        )
        if not chosen:
            return None
        path = chosen if chosen.lower().endswith(".pdf") else f"{chosen}.pdf"
        # The file dialog asked about overwriting ``chosen``, not the name with ".pdf".
        grown = path != chosen and _present(Path(path))
        if grown and not dialogs.confirm(
            self,
            self.tr("Replace file?"),
            self.tr("{path} already exists. Replace it?").format(path=path),
        ):
            return None
        beside_vault = _same_folder(Path(path).parent, vault_folder)
        show(self.error, "")
        self.status.setText(self.tr("Saving…"))
        self.save_button.setEnabled(False)

        def saved(written: object) -> None:
            self.save_button.setEnabled(True)
            self.status.setText(
                self.tr(
                    "Saved to {path}. Print it, or move it to offline storage; do not keep it "
                    "next to the vault."
                ).format(path=str(written))
            )
            if beside_vault:
                show(
                    self.error,
                    self.tr(
                        "This is the vault's own folder: whoever copies the folder gets the "
                        "vault and the key that opens it. Move the PDF to offline storage."
                    ),
                )

        def failed(exc: VaultError) -> None:
            self.save_button.setEnabled(True)
            self.status.setText("")
            show(self.error, str(exc))

        self.job = worker.run(
            lambda _control: write_pdf(kit, path), on_success=saved, on_error=failed, parent=self
        )
        return self.job

    def print_kit(self) -> None:
        """Print the kit on a printer chosen in the print dialog."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        kit = self.kit()
        if kit is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("Print emergency kit"))
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.render_to(printer)
            self.status.setText(self.tr("Sent to the printer."))

    def render_to(self, printer: QPrinter) -> None:
        """Draw the kit on ``printer`` (the same content as the PDF)."""
        kit = self.kit()
        if kit is None:
            return
        document = QTextDocument()
        document.setHtml(kit_html(kit))
        document.print_(printer)


def kit_folder(vault_folder: Path) -> Path:
    """Where to suggest saving the kit: Documents, else home; not the vault's folder."""
    from ui.desktop.createwizard import default_folder

    for folder in (default_folder(), Path.home()):
        if not _same_folder(folder, vault_folder):
            return folder
    return Path.home()


def _present(path: Path) -> bool:
    """True if something (a file, a folder, a dangling symlink) is at ``path``."""
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return True  # cannot tell: better to ask


def _same_folder(one: Path, other: Path) -> bool:
    """True if both name the same folder (a missing or unreadable one is never the same)."""
    try:
        return one.samefile(other)
    except (OSError, ValueError):
        return False


def kit_html(kit: RecoveryKit) -> str:
    """The kit as simple HTML for printing through Qt."""
    from vault.recoverykit import WHERE_TO_KEEP

    rows = "".join(
        f"<tr><td><b>{html.escape(label)}</b></td><td>{html.escape(value)}</td></tr>"
        for label, value in (
            ("Vault", kit.vault_name),
            ("File", kit.file_name),
            ("Vault id", kit.vault_id),
            ("Owner key fingerprint", kit.fingerprint),
            ("Created", kit.created.isoformat()),
        )
    )
    groups = kit.groups
    key_rows = "".join(
        "<tr>"
        + "".join(
            f"<td align='center' style='font-family: monospace; font-size: 22pt; "
            f"font-weight: bold; padding: 6px 14px'>{html.escape(g)}</td>"
            for g in groups[start : start + 4]
        )
        + "</tr>"
        for start in (0, 4)
    )
    advice = "".join(f"<li>{html.escape(text)}</li>" for text in WHERE_TO_KEEP)
    return (
        "<h1>Sitebook emergency kit</h1>"
        "<p>The recovery key below opens this vault if its passphrase is ever lost.</p>"
        f"<table cellspacing='4'>{rows}</table>"
        f"<h3>Recovery key</h3><table border='1' cellspacing='0'>{key_rows}</table>"
        f"<h3>Where to keep it</h3><ul>{advice}</ul>"
    )


class ConfirmPage(QWizardPage):
    """Type back groups of the key and tick "I have stored it"; then Finish."""

    def __init__(self, wizard: CreateVaultWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("confirmPage")
        self.setTitle(self.tr("Confirm the recovery key"))
        self.setSubTitle(
            self.tr("Type these groups from the key you wrote down or printed, to check it.")
        )
        self._wizard = wizard
        self.groups: tuple[int, ...] = ()
        mono = fonts.monospace(fonts.scaled(self.font(), 1.3))
        self.labels: list[QLabel] = []
        self.fields: list[QLineEdit] = []
        self.marks: list[QLabel] = []
        grid = QGridLayout()
        for row in range(CHECKED_GROUPS):
            label = QLabel()
            field = QLineEdit()
            field.setObjectName(f"confirmGroup{row + 1}")
            field.setFont(mono)
            field.setMaxLength(12)
            field.setMaximumWidth(field.fontMetrics().horizontalAdvance("MMMMMMMM") + 24)
            field.textChanged.connect(self._changed)
            label.setBuddy(field)
            mark = QLabel()
            mark.setObjectName(f"confirmMark{row + 1}")
            grid.addWidget(label, row, 0)
            grid.addWidget(field, row, 1)
            grid.addWidget(mark, row, 2)
            self.labels.append(label)
            self.fields.append(field)
            self.marks.append(mark)
        grid.setColumnStretch(2, 1)
        self.stored = QCheckBox(self.tr("I have &stored the recovery key somewhere safe"))
        self.stored.setObjectName("keyStored")
        self.stored.toggled.connect(self._changed)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setVisible(False)
        self.stage = QLabel()
        self.stage.setObjectName("confirmStage")
        self.error = error_label("confirmError")
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addSpacing(10)
        layout.addWidget(self.stored)
        layout.addStretch(1)
        layout.addWidget(self.error)
        layout.addWidget(self.stage)
        layout.addWidget(self.busy)

    def initializePage(self) -> None:
        """Pick the groups to ask for."""
        self.groups = check_groups(CHECKED_GROUPS)
        for label, field, mark, index in zip(
            self.labels, self.fields, self.marks, self.groups, strict=True
        ):
            label.setText(self.tr("Group &{n}:").format(n=index + 1))
            field.clear()
            mark.clear()
        self.stored.setChecked(False)
        show(self.error, "")
        self.fields[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def cleanupPage(self) -> None:
        """Going back to the key: empty the fields."""
        for field in self.fields:
            field.clear()
        self.stored.setChecked(False)

    def matches(self) -> list[bool]:
        """Whether each asked group was typed correctly."""
        kit = self._wizard.pending.kit if self._wizard.pending else None
        if kit is None:
            return [False] * len(self.fields)
        return [
            group_matches(kit.recovery_key, index, field.text())
            for index, field in zip(self.groups, self.fields, strict=True)
        ]

    def _changed(self, *_args: object) -> None:
        for ok, field, mark in zip(self.matches(), self.fields, self.marks, strict=True):
            typed = "".join(field.text().split()).replace("-", "")
            if ok:
                mark.setStyleSheet(OK_STYLE)
                mark.setText(self.tr("✓ matches"))
            elif len(typed) >= 5:
                mark.setStyleSheet(ERROR_STYLE)
                mark.setText(self.tr("does not match the key on the previous page"))
            else:
                mark.clear()
        emit(self.completeChanged)

    def set_busy(self, text: str) -> None:
        """Show the busy bar with ``text`` while the vault is saved ('' hides it)."""
        self.busy.setVisible(bool(text))
        self.stage.setText(text)
        for widget in (*self.fields, self.stored):
            widget.setEnabled(not text)

    def isComplete(self) -> bool:
        """Every group typed right, and the box ticked."""
        return self.stored.isChecked() and all(self.matches())
