"""File ▸ Import…: the import wizard over :mod:`importers` (issue 5).

Pages: the file (format recognised from its content, or chosen; the password
of a KeePass database), the column mapping (plain CSV only), the target client
with a dry-run preview (counts per type, folders as tags or clients, the first
records, warnings and what will be skipped), the import itself, and a summary.

Every slow step runs through :mod:`ui.desktop.worker`: recognising the format,
reading the file (a KDBX key derivation takes a second), the dry run, and the
import, which is one vault transaction (``importers.apply.run_import``) with
progress and cancel: cancelling rolls everything back. Afterwards the search
index catches up in the same job. Errors a person can cause (unknown format,
wrong password, damaged file) are lines on the page, never dialogs. The
wizard holds the parsed drafts (secrets included) only while open; the
password field is emptied once the file is read.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from importers.apply import run_import
from importers.base import ImportOptions, ImportReport, Parsed
from ui.desktop import worker
from ui.desktop.importwizard_parts import JobWizard
from ui.desktop.importwizard_preview import TargetPage
from ui.desktop.importwizard_run import RunPage, SummaryPage
from ui.desktop.importwizard_source import MappingPage, SourcePage
from ui.desktop.signals import emit
from ui.desktop.worker import JobControl
from vault.errors import CancelledError, VaultError
from vault.vault import Vault

log = logging.getLogger(__name__)

SOURCE, MAPPING, TARGET, RUN, SUMMARY = range(5)


class ImportWizard(JobWizard):
    """Brings a file from another tool into the vault, with preview, progress and a report."""

    imported = Signal(object)  # the ImportReport, once records were written

    def __init__(
        self,
        vault: Vault,
        *,
        index: object | None = None,
        path: Path | None = None,
        client_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importWizard")
        self.setWindowTitle(self.tr("Import"))
        self.vault = vault
        self.index = index
        self.templates = vault.templates()
        self.client_id = client_id
        self.parsed: Parsed | None = None
        self.options = ImportOptions()
        self.path: Path | None = None
        self.header: list[str] = []
        self.first_row: dict[str, str] = {}
        self.report: ImportReport | None = None

        self.source = SourcePage(self)
        self.mapping = MappingPage(self)
        self.target = TargetPage(self)
        self.run_page = RunPage(self)
        self.summary = SummaryPage(self)
        for number, page in (
            (SOURCE, self.source),
            (MAPPING, self.mapping),
            (TARGET, self.target),
            (RUN, self.run_page),
            (SUMMARY, self.summary),
        ):
            self.setPage(number, page)
        self.setStartId(SOURCE)
        self.resize(820, 620)
        if path is not None:
            self.source.set_path(Path(path))

    def forget(self) -> None:
        """Drop every draft and option that may hold a secret."""
        super().forget()
        self.parsed = None
        self.options = ImportOptions()
        self.source.password.clear()

    # ------------------------------------------------------------------ what to import

    def set_parsed(self, parsed: Parsed, header: list[str], first_row: dict[str, str]) -> None:
        """The file was read: keep the drafts (and a CSV's columns)."""
        self.parsed = parsed
        self.header = header
        self.first_row = first_row

    def parsed_for(self, new_client: str | None) -> Parsed:
        """The drafts to import; with ``new_client``, drafts without a client get that one."""
        assert self.parsed is not None
        if not new_client:
            return self.parsed
        drafts = [
            d if d.client is not None else replace(d, client=new_client) for d in self.parsed.drafts
        ]
        return replace(self.parsed, drafts=drafts)

    def start_import(
        self,
        client_id: str | None,
        new_client: str | None,
        on_done: Callable[[ImportReport], None],
        on_error: Callable[[VaultError], None],
    ) -> worker.Job:
        """Import in one transaction, then let the search index catch up."""
        vault, index = self.vault, self.index
        parsed = self.parsed_for(new_client)
        history = self.options.history
        committed: dict[str, ImportReport] = {}
        updating = self.tr("Updating the search index…")

        def work(control: JobControl) -> ImportReport:
            report = run_import(
                vault,
                parsed,
                client=client_id,
                history=history,
                progress=control.progress,
                cancel=lambda: control.cancelled,
            )
            committed["report"] = report
            if index is not None and report.imported:
                with contextlib.suppress(CancelledError):
                    control.stage(updating)
                index.refresh()  # type: ignore[attr-defined]
            return report

        def failed(exc: VaultError) -> None:
            if "report" in committed:  # cancelled after the commit: the records are in
                finished(committed["report"])
            else:
                on_error(exc)

        def finished(report: ImportReport) -> None:
            self.report = report
            log.info(
                "import from the window: %d created, %d updated", report.created, report.updated
            )
            if report.imported:
                emit(self.imported, report)
            on_done(report)

        return self.start_job(work, on_success=finished, on_error=failed)
