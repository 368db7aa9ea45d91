"""A progress dialog bound to a background :class:`~ui.desktop.worker.Job`.

It shows the job's stage as its label, a bar (busy while the total is unknown),
and a Cancel button that asks the job to stop; it closes itself when the job
finishes. It is window-modal and opened with ``show()``, never ``exec()``, so
nothing (a test included) ever blocks on it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from ui.desktop.worker import Job


class JobProgressDialog(QProgressDialog):
    """Follows one job: stage text, progress, cancel; closes when the job ends."""

    def __init__(
        self, job: Job, title: str, label: str, parent: QWidget | None = None, cancel: bool = True
    ) -> None:
        super().__init__(parent)
        self.setObjectName("jobProgress")
        self.job = job
        self.setWindowTitle(title)
        self.setLabelText(label)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumDuration(0)
        self.setMinimumWidth(420)
        self.setRange(0, 0)
        if cancel:
            self.setCancelButtonText(self.tr("Cancel"))
            self.canceled.connect(self._cancel)
        else:
            self.setCancelButton(None)
        job.staged.connect(self.setLabelText)
        job.progressed.connect(self._progress)
        job.finished.connect(self._finished)

    def _progress(self, done: int, total: int) -> None:
        if total <= 0:
            self.setRange(0, 0)
        else:
            self.setRange(0, total)
            self.setValue(min(done, total))

    def _cancel(self) -> None:
        self.setLabelText(self.tr("Cancelling…"))
        self.job.cancel()

    def _finished(self) -> None:
        self.close()
        self.deleteLater()
