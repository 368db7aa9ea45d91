"""Background sync for the window: on a timer while unlocked, and on "Sync now".

One :class:`SyncRunner` per window. While the vault is unlocked and a target is
saved, it syncs every ``interval`` minutes (and once shortly after unlocking)
through the one background helper, :mod:`ui.desktop.worker`. Each run works on a
second connection to the vault file (:meth:`vault.vault.Vault.sibling`), so a
sync's transactions never mix with the window's own writes on the GUI thread.

Runs never overlap: a timer tick while one runs is skipped; a request (Sync
now) while one runs is remembered and served once it ends. Locking stops the
timer, cancels a running sync (it stops between packs; packs are applied whole
or not at all) and drops the second connection's keys at once; its file handle
is closed when the run has ended.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from ui.desktop import worker
from ui.desktop.signals import emit
from ui.desktop.worker import JobControl
from vault import errors, sync
from vault.sync.report import SyncReport
from vault.vault import Vault

log = logging.getLogger(__name__)

FIRST_DELAY_MS = 3000  # the first sync after unlocking: once the window has settled


class SyncRunner(QObject):
    """Runs :func:`vault.sync.sync` in the background, never twice at once."""

    started = Signal()
    progressed = Signal(int, int)  # packs done, total (0: unknown)
    finished = Signal(object, object)  # SyncReport | None, exception | None

    def __init__(self, parent: QObject | None = None, *, first_delay_ms: int = FIRST_DELAY_MS):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.first = QTimer(self)
        self.first.setSingleShot(True)
        self.first.setInterval(first_delay_ms)
        self.first.timeout.connect(self.request)
        self.interval_ms = 0
        self.job: worker.Job | None = None
        self._vault: Vault | None = None
        self._sibling: Vault | None = None
        self._again = False
        self.runs = 0  # syncs started since this runner was made (for tests and the log)

    # ------------------------------------------------------------------ state

    @property
    def running(self) -> bool:
        """True while a sync runs."""
        return self.job is not None and self.job.running

    @property
    def active(self) -> bool:
        """True while unlocked (between :meth:`start` and :meth:`stop`)."""
        return self._vault is not None and self._vault.is_unlocked

    def configured(self) -> bool:
        """True when a target is saved (a damaged one too: syncing then says what is wrong)."""
        if not self.active:
            return False
        assert self._vault is not None
        try:
            return sync.load_target(self._vault) is not None
        except errors.SyncError:
            return True

    # ------------------------------------------------------------------ control

    def start(self, vault: Vault, minutes: int) -> None:
        """The vault is unlocked: sync soon, then every ``minutes`` (0: only when asked)."""
        self._vault = vault
        self.set_interval(minutes)
        if self.configured():
            self.first.start()

    def set_interval(self, minutes: int) -> None:
        """Sync every ``minutes`` while a target is set (0: only on request)."""
        self.set_interval_ms(max(0, int(minutes)) * 60_000)

    def set_interval_ms(self, milliseconds: int) -> None:
        """Like :meth:`set_interval`, in milliseconds (0: only on request)."""
        self.interval_ms = max(0, int(milliseconds))
        self.reschedule()

    def reschedule(self) -> None:
        """Start or stop the timer after the target or the interval changed."""
        if self.interval_ms > 0 and self.configured():
            self.timer.setInterval(self.interval_ms)
            self.timer.start()
        else:
            self.timer.stop()

    def _tick(self) -> None:
        """The timer: sync unless one runs (a tick during a run is simply skipped)."""
        if not self.running:
            self.request()

    def request(self) -> bool:
        """Sync now; True if a run started (False: locked, no target, or one is running)."""
        self.first.stop()
        if not self.configured():
            return False
        if self.running:
            self._again = True
            return False
        vault = self._vault
        assert vault is not None
        try:
            sibling = vault.sibling()
        except errors.VaultError as exc:
            emit(self.finished, None, exc)
            return False
        self._sibling = sibling
        self.runs += 1

        def work(control: JobControl) -> SyncReport:
            return sync.sync(
                sibling, progress=control.progress, cancelled=lambda: control.cancelled
            )

        def crashed(exc: BaseException) -> None:
            if self.active:
                log.error("sync crashed: %s", type(exc).__name__, exc_info=exc)
            else:  # the keys went away under it on lock
                log.info("sync stopped by locking: %s", type(exc).__name__)
            self._done(None, exc)

        self.job = worker.run(
            work,
            on_success=lambda report: self._done(report, None),
            on_error=lambda exc: self._done(None, exc),
            on_crash=crashed,
            on_progress=lambda done, total: emit(self.progressed, done, total),
            parent=self,
        )
        if self.timer.isActive():
            self.timer.start()  # the next automatic run counts from this one
        emit(self.started)
        return True

    def _done(self, report: SyncReport | None, error: BaseException | None) -> None:
        sibling, self._sibling = self._sibling, None
        if sibling is not None:
            sibling.close()
        if not self.active:
            return  # locked meanwhile: nothing to show, nothing to run again
        if error is not None:
            log.info("sync ended: %s", type(error).__name__)
        emit(self.finished, report, error)
        if self._again:
            self._again = False
            self.request()

    def stop(self) -> None:
        """The vault locks: no more runs; a running one is cancelled and its keys dropped."""
        self.timer.stop()
        self.first.stop()
        self._again = False
        self._vault = None
        if self.job is not None and self.job.running:
            self.job.cancel()
        if self._sibling is not None:
            self._sibling.lock()  # the running sync stops at its next step
