"""Pieces the import and handover wizards share: the wizard base, messages, a job line.

:class:`JobWizard` is the base of both wizards: it starts their background jobs
and never closes while one runs (closing cancels it first). :class:`JobPage`
is a page that runs one such job as soon as it shows, with progress, cancel
and "again"; the import and the export pages fill in what the job does.

:class:`InlineMessage` is the red (or green) line a page shows for a known error
instead of a modal box (STYLE §5). :class:`JobLine` is a page's view of one
background :class:`~ui.desktop.worker.Job`: the stage text, a progress bar (busy
while the total is unknown) and a Cancel button that asks the job to stop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from importers.base import ImportReport
from ui.desktop import worker
from ui.desktop.signals import emit
from ui.desktop.unlock import ERROR_STYLE
from ui.desktop.worker import Job, JobControl
from vault.errors import CancelledError, VaultError

OK_STYLE = "color: #26a269;"


class InlineMessage(QLabel):
    """A word-wrapped message line: red for problems, green for good news; hidden when empty."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)

    def show_error(self, text: str) -> None:
        """Show ``text`` as a problem ('' hides the line)."""
        self.setStyleSheet(ERROR_STYLE)
        self.setText(text)
        self.setVisible(bool(text))

    def show_ok(self, text: str) -> None:
        """Show ``text`` as good news ('' hides the line)."""
        self.setStyleSheet(OK_STYLE)
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        """Hide the line."""
        self.show_error("")


class JobLine(QWidget):
    """Stage text, a progress bar and Cancel for the job a page runs; hidden when idle."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.job: Job | None = None
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName(f"{name}Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addLayout(row)
        self.setVisible(False)

    @property
    def running(self) -> bool:
        """True while the followed job runs."""
        return self.job is not None and self.job.running

    def follow(self, job: Job, text: str, *, cancellable: bool = True) -> None:
        """Show ``job``'s stage and progress until it finishes."""
        self.job = job
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(True)
        job.staged.connect(self.label.setText)
        job.progressed.connect(self._progress)
        job.finished.connect(self._finished)
        self.setVisible(True)

    def cancel(self) -> None:
        """Ask the job to stop (it stops at its next progress report)."""
        if self.running:
            assert self.job is not None
            self.label.setText(self.tr("Cancelling…"))
            self.cancel_button.setEnabled(False)
            self.job.cancel()

    def _progress(self, done: int, total: int) -> None:
        if total <= 0:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def _finished(self) -> None:
        self.setVisible(False)


class JobWizard(QWizard):
    """A wizard whose pages run background jobs; it never closes under a running job.

    Closing (Cancel, Escape, the window's close button) while a job runs cancels
    the job and closes once it has stopped, so no job outlives its wizard and an
    import or export is rolled back rather than abandoned. :meth:`forget` runs
    whenever the wizard ends, to drop what may hold a secret.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.jobs: list[worker.Job] = []
        self._close_when_idle = False

    def start_job(self, fn: Callable[[JobControl], Any], **callbacks: Any) -> worker.Job:
        """Run ``fn`` through the worker; the wizard stays open until it has finished."""
        job = worker.run(fn, parent=self, **callbacks)
        self.jobs.append(job)
        job.finished.connect(lambda: self._job_done(job))
        return job

    @property
    def busy(self) -> bool:
        """True while any of the wizard's jobs runs."""
        return any(job.running for job in self.jobs)

    def stop_jobs(self) -> None:
        """Cancel every running job and wait until it has stopped (the vault is about to lock)."""
        for job in list(self.jobs):
            job.stop()

    def _job_done(self, job: worker.Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        if self._close_when_idle and not self.busy:
            self._close_when_idle = False
            self.reject()

    def reject(self) -> None:
        """Close; running jobs are cancelled first and closing follows when they stop."""
        if self.busy:
            self._close_when_idle = True
            for job in self.jobs:
                job.cancel()
            return
        self.forget()
        super().reject()

    def done(self, result: int) -> None:
        """End the wizard (after :meth:`forget`), unless a job still runs."""
        if self.busy:
            self.reject()
            return
        self.forget()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's close button works like Cancel."""
        if self.busy:
            event.ignore()
            self.reject()
            return
        self.forget()
        super().closeEvent(event)

    def forget(self) -> None:
        """Drop whatever may hold a secret (subclasses extend this)."""


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose mnemonic (``&``) focuses ``buddy`` (for rows holding a layout)."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def fit_columns(view: QAbstractItemView, stretch: int) -> None:
    """Size a table's columns to their contents, with column ``stretch`` taking the rest."""
    header = view.horizontalHeader()  # type: ignore[attr-defined]
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)


def attachments_note(widget: QWidget, count: int) -> str:
    """ "; 1 attachment" or "; N attachments" after a headline's counts; nothing for none.

    English only needs two forms, and no translations ship yet; Qt's ``%n``
    plurals would show "attachment(s)" without a loaded translation."""
    if count == 0:
        return ""
    if count == 1:
        return widget.tr("; 1 attachment")
    return widget.tr("; {count} attachments").format(count=count)


def kept_as_custom(widget: QWidget, report: ImportReport) -> str:
    """The report line naming the fields kept as custom fields (the first twenty)."""
    shown, more = report.unmapped_shown()
    text = ", ".join(shown)
    if more:
        text = widget.tr("{names} and {more} more").format(names=text, more=more)
    return widget.tr("Kept as custom fields: {names}").format(names=text)


def emit_complete(page: QWizardPage) -> None:
    """Tell the wizard that ``page``'s Next button may have changed."""
    emit(page.completeChanged)


class JobPage(QWizardPage):
    """Runs one background job when shown; complete once it succeeded, else offers "again".

    Subclasses set the title, subtitle and ``again`` button text, start the
    job in :meth:`launch` (calling :meth:`succeeded` and :meth:`failed`) and
    word the two failure messages.
    """

    def __init__(self, wizard: JobWizard, name: str) -> None:
        super().__init__()
        self.w = wizard
        self.result: Any = None
        self.job_line = JobLine(f"{name}Running")
        self.message = InlineMessage(f"{name}RunMessage")
        self.again = QPushButton()  # worded by the subclass, like the title
        self.again.setObjectName(f"{name}Again")
        self.again.setVisible(False)
        self.again.clicked.connect(self.start)
        layout = QVBoxLayout(self)
        layout.addWidget(self.job_line)
        layout.addWidget(self.message)
        layout.addWidget(self.again)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.start()

    def isComplete(self) -> bool:
        return self.result is not None

    def start(self) -> None:
        """Start (or restart) the job."""
        if self.job_line.running:
            return
        self.result = None
        self.message.clear_message()
        self.again.setVisible(False)
        self.launch()
        emit_complete(self)

    def launch(self) -> None:
        """Start the job and follow it with ``self.job_line``."""
        raise NotImplementedError

    def cancelled_text(self) -> str:
        """What the page says when the job was cancelled."""
        raise NotImplementedError

    def failed_text(self, reason: str) -> str:
        """What the page says when the job failed for ``reason``."""
        raise NotImplementedError

    def succeeded(self, result: object) -> None:
        """Keep the job's result and go on to the next page."""
        self.result = result
        emit_complete(self)
        self.w.next()

    def failed(self, exc: VaultError) -> None:
        """Say why nothing was written and offer to run the job again."""
        if isinstance(exc, CancelledError):
            self.message.show_error(self.cancelled_text())
        else:
            self.message.show_error(self.failed_text(str(exc)))
        self.again.setVisible(True)
        emit_complete(self)
