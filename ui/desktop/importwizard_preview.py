"""The import wizard's target page: which client, and a dry run of what would happen.

The person picks the client the records go to (the provider-internal scope,
an existing client, or a new one, which the import itself creates inside its
transaction). Each choice runs ``importers.apply.run_import(dry_run=True)`` in
the background and shows: new, updated and unchanged counts; records per type;
what groups and folders become (tags, or clients); the first records; and
every warning and skipped item with its reason. No secret is shown: the
dry run's preview leaves secret values out.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWizardPage,
)

from importers.apply import run_import
from importers.base import ImportReport
from ui.desktop.importwizard_parts import (
    InlineMessage,
    JobLine,
    attachments_note,
    emit_complete,
    fit_columns,
    kept_as_custom,
)
from ui.desktop.tablemodel import RowsModel, make_table
from ui.desktop.worker import JobControl
from vault.errors import CancelledError, VaultError

if TYPE_CHECKING:
    from ui.desktop.importwizard import ImportWizard

INTERNAL, NEW = "", "\x00new"


class TargetPage(QWizardPage):
    """The client to import into, and the dry run's preview."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Where the records go"))
        self.setSubTitle(self.tr("Nothing is written yet. Check the preview, then press Import."))
        self.setCommitPage(True)
        self.setButtonText(wizard.WizardButton.CommitButton, self.tr("&Import"))
        self.preview: ImportReport | None = None
        self._pending = False

        self.client = QComboBox()
        self.client.setObjectName("importClient")
        self.client.addItem(self.tr("Provider internal (no client)"), INTERNAL)
        for client in wizard.vault.clients():
            self.client.addItem(client.name, client.id)
        self.client.addItem(self.tr("New client…"), NEW)
        if wizard.client_id:
            self.client.setCurrentIndex(max(self.client.findData(wizard.client_id), 0))
        self.client.currentIndexChanged.connect(self._client_changed)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("importNewClient")
        self.new_name.setPlaceholderText(self.tr("Name of the new client"))
        self.new_name.setVisible(False)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(400)
        self.debounce.timeout.connect(self.start_preview)
        self.new_name.textChanged.connect(lambda _t: self.debounce.start())

        self.headline = QLabel()
        self.headline.setObjectName("importPreviewHeadline")
        self.headline.setWordWrap(True)
        self.groups = QLabel()
        self.groups.setObjectName("importPreviewGroups")
        self.groups.setWordWrap(True)
        self.types = RowsModel([self.tr("Record type"), self.tr("Records")], self)
        self.types_view = make_table(self.types, "importPreviewTypes")
        self.rows = RowsModel(
            [self.tr("Action"), self.tr("Type"), self.tr("Title"), self.tr("Client")], self
        )
        self.rows_view = make_table(self.rows, "importPreviewRows")
        fit_columns(self.rows_view, 2)
        fit_columns(self.types_view, 0)
        self.problems = QPlainTextEdit()
        self.problems.setObjectName("importPreviewProblems")
        self.problems.setReadOnly(True)
        self.problems.setPlaceholderText(self.tr("No warnings, nothing skipped."))
        split = QSplitter()
        split.addWidget(self.types_view)
        split.addWidget(self.rows_view)
        split.setSizes([220, 520])

        form = QFormLayout()
        form.addRow(self.tr("Import &into:"), self.client)
        form.addRow("", self.new_name)
        self.message = InlineMessage("importPreviewMessage")
        self.job_line = JobLine("importPreviewing")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.headline)
        layout.addWidget(self.groups)
        layout.addWidget(split, 3)
        layout.addWidget(QLabel(self.tr("Warnings and skipped items:")))
        layout.addWidget(self.problems, 2)
        layout.addWidget(self.message)
        layout.addWidget(self.job_line)

    # ------------------------------------------------------------------ choice

    def client_id(self) -> str | None:
        """The existing client chosen (None: provider-internal or a new client)."""
        data = self.client.currentData()
        return None if data in (INTERNAL, NEW) else str(data)

    def new_client(self) -> str | None:
        """The new client's name when "New client…" is chosen, else None."""
        if self.client.currentData() != NEW:
            return None
        return self.new_name.text().strip() or None

    def target_label(self) -> str:
        """The chosen target as a person reads it."""
        if self.client.currentData() == NEW:
            return self.new_name.text().strip()
        return self.client.currentText()

    def _client_changed(self, _index: int) -> None:
        is_new = self.client.currentData() == NEW
        self.new_name.setVisible(is_new)
        if is_new:
            self.new_name.setFocus()
        self.start_preview()

    # ------------------------------------------------------------------ preview

    def initializePage(self) -> None:
        self.start_preview()

    def isComplete(self) -> bool:
        ready = self.preview is not None and not self.job_line.running and not self._pending
        return ready and (self.client.currentData() != NEW or self.new_client() is not None)

    def start_preview(self) -> None:
        """Run the dry run for the current choice (after the running one, if any)."""
        self.preview = None
        self.message.clear_message()
        if self.job_line.running:
            self._pending = True
            emit_complete(self)
            return
        self._pending = False
        if self.client.currentData() == NEW and self.new_client() is None:
            self.headline.setText(self.tr("Type the new client's name to see the preview."))
            emit_complete(self)
            return
        vault, parsed = self.w.vault, self.w.parsed_for(self.new_client())
        client, history = self.client_id(), self.w.options.history

        def work(_control: JobControl) -> ImportReport:
            return run_import(vault, parsed, client=client, history=history, dry_run=True)

        def failed(exc: VaultError) -> None:
            if not isinstance(exc, CancelledError):
                self.message.show_error(str(exc))

        job = self.w.start_job(work, on_success=self._show, on_error=failed)
        job.finished.connect(self._preview_finished)
        self.job_line.follow(job, self.tr("Comparing with the vault…"), cancellable=False)
        emit_complete(self)

    def _preview_finished(self) -> None:
        if self._pending:
            self.start_preview()
        emit_complete(self)

    def _show(self, report: ImportReport) -> None:
        if self._pending:
            return
        self.preview = report
        self.headline.setText(
            self.tr(
                "{new} new, {updated} updated, {unchanged} already in the vault unchanged, "
                "{skipped} skipped{attachments}."
            ).format(
                new=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
                skipped=len(report.skipped),
                attachments=attachments_note(self, report.attachments),
            )
        )
        self.groups.setText(self._groups_text(report))
        names = {t.id: t.name for t in self.w.templates.values()}
        self.types.set_rows([(names.get(t, t), str(n)) for t, n in sorted(report.by_type.items())])
        actions = {"create": self.tr("new"), "update": self.tr("update")}
        self.rows.set_rows(
            [
                (
                    actions.get(p["action"], p["action"]),
                    names.get(p["type"], p["type"]),
                    p["title"],
                    p["client"] or self.tr("internal"),
                )
                for p in report.preview
            ]
        )
        lines = [
            self.tr("Skipped: {item}: {reason}").format(item=s.item, reason=s.reason)
            for s in report.skipped
        ]
        lines += [self.tr("Warning: {text}").format(text=w) for w in report.warnings]
        if report.unmapped:
            lines.append(kept_as_custom(self, report))
        self.problems.setPlainText("\n".join(lines))

    def _groups_text(self, report: ImportReport) -> str:
        parsed = self.w.parsed
        tags = Counter(t for d in (parsed.drafts if parsed else []) for t in d.tags)
        parts = []
        if report.clients:
            parts.append(
                self.tr("New clients: {names}.").format(names=", ".join(report.clients[:12]))
            )
        if tags:
            shown = ", ".join(f"{tag} ({count})" for tag, count in tags.most_common(12))
            more = len(tags) - 12
            parts.append(
                self.tr("Tags: {tags}").format(tags=shown)
                + (self.tr(" and {n} more").format(n=more) if more > 0 else "")
            )
        if report.templates:
            parts.append(
                self.tr("New record types: {names}.").format(names=", ".join(report.templates))
            )
        return " ".join(parts)
