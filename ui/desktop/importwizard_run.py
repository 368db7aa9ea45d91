"""The import wizard's last two pages: the import with progress and cancel, and its report.

:class:`RunPage` starts the one-transaction import as soon as it shows;
Cancel (or closing the wizard) rolls it back, leaving nothing half imported,
and the page offers to start again. :class:`SummaryPage` reports what was
written: new, updated and unchanged records, records per type, attachments,
new clients and record types, every skipped item with its reason and every
warning. Importing the same file again adds nothing: its items come back as
unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWizardPage,
)

from importers.base import ImportReport
from ui.desktop.importwizard_parts import (
    InlineMessage,
    JobPage,
    attachments_note,
    fit_columns,
    kept_as_custom,
)
from ui.desktop.tablemodel import RowsModel, make_table
from vault.errors import VaultError

if TYPE_CHECKING:
    from ui.desktop.importwizard import ImportWizard


class RunPage(JobPage):
    """Runs the import; cancel rolls it back."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard, "import")
        self.setTitle(self.tr("Importing"))
        self.setSubTitle(
            self.tr("Everything is written in one step: cancelling leaves the vault as it was.")
        )
        self.again.setText(self.tr("Import &again"))

    @property
    def done_report(self) -> ImportReport | None:
        """The finished import's report; None until it succeeded."""
        return self.result

    def launch(self) -> None:
        target = self.w.target
        job = self.w.start_import(
            target.client_id(), target.new_client(), self.succeeded, self.failed
        )
        job.crashed.connect(lambda _exc: self.failed(VaultError(self.tr("The import failed."))))
        self.job_line.follow(job, self.tr("Importing…"))

    def cancelled_text(self) -> str:
        return self.tr("Cancelled. Nothing was imported.")

    def failed_text(self, reason: str) -> str:
        return self.tr("Nothing was imported: {reason}").format(reason=reason)


class SummaryPage(QWizardPage):
    """What the import wrote, what it skipped and why."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Import finished"))
        self.setFinalPage(True)
        self.headline = QLabel()
        self.headline.setObjectName("importSummaryHeadline")
        self.headline.setWordWrap(True)
        self.types = RowsModel([self.tr("Record type"), self.tr("Records")], self)
        self.types_view = make_table(self.types, "importSummaryTypes")
        self.skipped = RowsModel([self.tr("Not imported"), self.tr("Why")], self)
        self.skipped_view = make_table(self.skipped, "importSummarySkipped")
        fit_columns(self.types_view, 1)
        fit_columns(self.skipped_view, 1)
        self.warnings = QPlainTextEdit()
        self.warnings.setObjectName("importSummaryWarnings")
        self.warnings.setReadOnly(True)
        self.warnings.setPlaceholderText(self.tr("No warnings."))
        self.note = InlineMessage("importSummaryNote")
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.types_view, 2)
        self.skipped_label = QLabel(self.tr("Skipped:"))
        layout.addWidget(self.skipped_label)
        layout.addWidget(self.skipped_view, 2)
        layout.addWidget(QLabel(self.tr("Warnings:")))
        layout.addWidget(self.warnings, 1)
        layout.addWidget(self.note)

    def initializePage(self) -> None:
        report = self.w.report
        if report is None:
            return
        path = self.w.path
        headline = (
            self.tr(
                "Imported 1 record from {file} ({format}) into {target}: {new} new, "
                "{updated} updated, {unchanged} unchanged{attachments}."
            )
            if report.imported == 1
            else self.tr(
                "Imported {n} records from {file} ({format}) into {target}: {new} new, "
                "{updated} updated, {unchanged} unchanged{attachments}."
            )
        )
        self.headline.setText(
            headline.format(
                n=report.imported,
                file=path.name if path else "",
                format=report.format,
                target=self.w.target.target_label(),
                new=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
                attachments=attachments_note(self, report.attachments),
            )
        )
        names = {t.id: t.name for t in self.w.templates.values()}
        rows = [(names.get(t, t), str(n)) for t, n in sorted(report.by_type.items())]
        rows += [(self.tr("New client"), name) for name in report.clients]
        rows += [(self.tr("New record type"), names.get(t, t)) for t in report.templates]
        self.types.set_rows(rows)
        self.skipped.set_rows([(s.item, s.reason) for s in report.skipped])
        for widget in (self.skipped_label, self.skipped_view):  # an empty table says nothing
            widget.setVisible(bool(report.skipped))
        lines = list(report.warnings)
        if report.unmapped:
            lines.append(kept_as_custom(self, report))
        self.warnings.setPlainText("\n".join(lines))
        if report.imported:
            self.note.show_ok(
                self.tr("Importing this file again adds nothing: unchanged items are skipped.")
            )
        else:
            self.note.show_ok(self.tr("Everything in this file is already in the vault."))
