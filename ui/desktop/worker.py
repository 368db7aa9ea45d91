"""Slow work off the GUI thread: the one helper every long task goes through (STYLE §3).

Key derivation, demo creation, and later import, export, re-key, index rebuild
and sync all run as a :class:`Job`: a callable executed on Qt's thread pool
whose outcome comes back to the GUI thread as a signal, never as a shared
variable. The callable receives a :class:`JobControl` to report progress, name
its current stage and notice cancellation; ``control.progress`` has the
``(done, total)`` shape of the vault API's progress callbacks and raises
:class:`vault.errors.CancelledError` once the person has cancelled, so passing
it straight to a vault call makes that call cancellable.

Outcomes: ``succeeded(result)``; ``failed(VaultError)`` for known conditions
(shown inline by the caller; cancellation is a ``CancelledError``);
``crashed(exception)`` for anything else, which is a bug and goes to the crash
dialog unless the caller handles it. ``finished`` follows each of them.

A job drops its callable as soon as it has run: the callable's closure often
holds a secret (a WebDAV password, a passphrase), and the job object itself can
live on (re-parented, or until Qt deletes its parent). :meth:`Job.stop` cancels
and waits for the callable to return, then delivers the outcome at once: what
locking needs before it takes the keys away from work that uses them.

Jobs share one interpreter lock with the GUI thread, which needs it for every
Python call Qt makes (a model's ``data``, a slot, a timer). By default a thread
that wants the lock waits up to 5 ms for a busy worker to hand it over, and a
repaint makes dozens of such calls: sorting 100,000 rows on the worker froze the
window for about 200 ms. :func:`share_with_the_gui` lowers that wait to 1 ms
(39–60 ms then, most of it one ``list.sort`` call that cannot be interrupted).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThreadPool, Signal, Slot

from ui.desktop.crash import show_crash
from ui.desktop.signals import emit
from vault.errors import CancelledError, VaultError

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.001
"""How long a thread waits for the interpreter lock before the holder must let go."""

_OK, _FAILED, _CRASHED = 0, 1, 2
_RUNNING: set[Job] = set()  # keeps every job alive until its outcome is delivered
STOP_SECONDS = 30.0
"""How long :meth:`Job.stop` waits for a cancelled callable to return."""


class JobControl:
    """What a running job's callable uses to talk back; safe to call from any thread."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        """True once the person has asked to cancel."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise CancelledError if the job was cancelled (call between steps)."""
        if self._cancel.is_set():
            raise CancelledError()

    def progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` (total 0: unknown); raise CancelledError if cancelled."""
        self.check()
        emit(self._relay.progressed, int(done), int(total))

    def stage(self, text: str) -> None:
        """Name what the job does now (already translated); progress restarts as unknown."""
        self.check()
        emit(self._relay.staged, text)
        emit(self._relay.progressed, 0, 0)


class _Relay(QObject):
    """Carries one job's reports from its pool thread to the job, on the GUI thread.

    A job belongs to a window and is deleted with it, possibly while its pool
    thread is reporting; emitting on it then was a use-after-free (a segfault
    when a window closed during a job). Pool threads emit on the relay
    instead: it belongs to no window, and Qt drops its connections to a job
    that is gone. Its reports queue on the job, so :meth:`Job.stop` can still
    hand them over at once.
    """

    done = Signal(int, object)
    progressed = Signal(int, int)
    staged = Signal(str)


class Job(QObject):
    """A callable running on the thread pool, reporting back through signals.

    Signals are delivered on the GUI thread. A job runs once; create another to
    run again. A job deleted with its parent while it runs is cancelled, and
    its outcome goes nowhere.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    crashed = Signal(object)
    finished = Signal()
    progressed = Signal(int, int)
    staged = Signal(str)

    def __init__(self, fn: Callable[[JobControl], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn: Callable[[JobControl], Any] | None = fn  # None once it has run
        self._returned = threading.Event()  # set once the callable has returned or raised
        self._relay = _Relay()  # no parent: no window's closing deletes it
        self.control = JobControl(self._relay)
        self.running = False
        queued = Qt.ConnectionType.QueuedConnection
        self._relay.done.connect(self._deliver, queued)
        self._relay.progressed.connect(self.progressed, queued)
        self._relay.staged.connect(self.staged, queued)
        self.destroyed.connect(_orphaned(self.control))

    def start(self, pool: QThreadPool | None = None) -> Job:
        """Queue the callable on ``pool`` (Qt's global pool by default); return self."""
        if self.running:
            raise RuntimeError("this job is already running")
        fn, self._fn = self._fn, None  # nothing keeps the callable (or its secrets) once run
        if fn is None:
            raise RuntimeError("this job has run already")
        self.running = True
        _RUNNING.add(self)
        control, relay, returned = self.control, self._relay, self._returned
        handed = [fn]  # emptied by the pool thread: the callable goes before the outcome
        # The pool thread holds the relay and the control, never the job: the job's
        # last reference must not go on that thread (Qt objects die on their own).
        (pool or QThreadPool.globalInstance()).start(
            lambda: _execute(handed, control, relay, returned)
        )
        return self

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report or check."""
        self.control._cancel.set()

    def stop(self, timeout: float = STOP_SECONDS) -> bool:
        """Cancel, wait until the callable has returned, and deliver its outcome now.

        Call on the GUI thread. It blocks for as long as the callable takes to
        notice the cancel (its next progress report), at most ``timeout`` seconds.

        Returns:
            True if the job is not running any more; False if it did not stop in time.
        """
        if not self.running:
            return True
        self.cancel()
        if not self._returned.wait(timeout):
            log.warning("a background job did not stop within %.0f s", timeout)
            return False
        # The outcome is queued to this object; hand it over now rather than later.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        return not self.running

    @Slot(int, object)
    def _deliver(self, outcome: int, value: object) -> None:
        self.running = False
        _RUNNING.discard(self)
        self._relay.deleteLater()  # its pool thread has sent its last report
        if outcome == _OK:
            emit(self.succeeded, value)
        elif outcome == _FAILED:
            log.info("background job ended: %s", type(value).__name__)
            emit(self.failed, value)
        else:
            log.error("background job crashed: %s", type(value).__name__)
            emit(self.crashed, value)
        emit(self.finished)


def _orphaned(control: JobControl) -> Callable[..., None]:
    """What a job's ``destroyed`` does: cancel its work; nobody will take the outcome."""

    def gone(*_args: object) -> None:
        control._cancel.set()
        for job in [j for j in _RUNNING if j.control is control]:
            _RUNNING.discard(job)

    return gone


def _execute(
    handed: list[Callable[[JobControl], Any]],
    control: JobControl,
    relay: _Relay,
    returned: threading.Event,
) -> None:  # on a pool thread
    fn = handed.pop()
    outcome: tuple[int, object]
    try:
        outcome = (_OK, fn(control))
    except VaultError as exc:
        outcome = (_FAILED, _without_frames(exc))
    except Exception as exc:
        outcome = (_CRASHED, exc)
    # Let go of the callable before the outcome is delivered: the GUI thread
    # may act on it (and expect the secrets gone) before this thread runs on.
    fn = None  # type: ignore[assignment]
    if outcome[0] == _OK and control.cancelled:
        outcome = (_FAILED, CancelledError())
    try:
        emit(relay.done, *outcome)
    finally:
        returned.set()


def _without_frames(exc: VaultError) -> VaultError:
    """``exc`` with no traceback in it or in the exceptions it chains to.

    A known error is shown by its message alone; its traceback would keep the
    job's frames, and with them any secret the job's locals held (a WebDAV
    password, a passphrase), alive for as long as someone keeps the error.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
    return exc


def share_with_the_gui() -> None:
    """Let the GUI thread take the interpreter lock from a busy job within 1 ms.

    Process-wide; the main window calls it. The cost is a few more thread switches
    while a job and the GUI both run Python, and none while the GUI is idle.
    """
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def run(
    fn: Callable[[JobControl], Any],
    *,
    on_success: Callable[[Any], None] | None = None,
    on_error: Callable[[VaultError], None] | None = None,
    on_crash: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    parent: QObject | None = None,
    pool: QThreadPool | None = None,
) -> Job:
    """Run ``fn(control)`` off the GUI thread and deliver its outcome to callbacks.

    Args:
        fn: The work; it receives a :class:`JobControl`.
        on_success: Called with the return value, on the GUI thread.
        on_error: Called with a :class:`VaultError` (cancellation included).
        on_crash: Called with any other exception; by default the crash dialog.
        on_progress: Called with ``(done, total)``; total 0 means unknown.
        parent: The QObject that owns the job (for its lifetime and the crash dialog).
        pool: The thread pool; Qt's global pool by default.

    Returns:
        The started :class:`Job` (connect to its signals for anything more).
    """
    job = Job(fn, parent)
    if on_success is not None:
        job.succeeded.connect(on_success)
    if on_error is not None:
        job.failed.connect(on_error)
    if on_progress is not None:
        job.progressed.connect(on_progress)
    if on_crash is None:

        def on_crash(exc: BaseException) -> None:
            show_crash(exc, parent)

    job.crashed.connect(on_crash)
    return job.start(pool)
