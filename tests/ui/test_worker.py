"""The background-work helper: results, known errors, bugs, progress and cancel."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QObject, QThread
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import OFFSCREEN_NOISE
from ui.desktop import worker
from vault.errors import CancelledError, WrongPassphraseError

pytestmark = [pytest.mark.timeout(30), OFFSCREEN_NOISE]

TIMEOUT_MS = 5000


def test_result_arrives_on_the_gui_thread(qtbot) -> None:
    threads: dict[str, object] = {}
    results: list[int] = []

    def work(control: worker.JobControl) -> int:
        threads["work"] = threading.current_thread()
        return 42

    def done(value: int) -> None:
        threads["done"] = QThread.currentThread()
        results.append(value)

    job = worker.Job(work)
    job.succeeded.connect(done)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        job.start()
    assert results == [42]
    assert threads["work"] is not threading.main_thread()
    assert threads["done"] is QApplication.instance().thread()
    assert not job.running


def test_vault_error_goes_to_on_error(qtbot) -> None:
    errors: list[Exception] = []

    def work(control: worker.JobControl) -> None:
        raise WrongPassphraseError()

    job = worker.Job(work)
    job.failed.connect(errors.append)
    job.succeeded.connect(lambda _value: pytest.fail("no result expected"))
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        job.start()
    assert len(errors) == 1 and isinstance(errors[0], WrongPassphraseError)


def test_run_wires_callbacks(qtbot) -> None:
    seen: list[object] = []
    job = worker.run(lambda control: "ok", on_success=seen.append, on_error=seen.append)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        pass
    assert seen == ["ok"]


def test_a_bug_goes_to_on_crash_not_on_error(qtbot) -> None:
    crashes: list[BaseException] = []
    errors: list[Exception] = []

    def work(control: worker.JobControl) -> None:
        raise ZeroDivisionError("secret value 1234 must not reach the report")

    job = worker.run(work, on_error=errors.append, on_crash=crashes.append)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        pass
    assert errors == [] and len(crashes) == 1
    from ui.desktop.crash import describe

    report = describe(crashes[0])
    assert "ZeroDivisionError" in report and "test_worker.py" in report
    assert "1234" not in report


def test_default_crash_handler_opens_the_crash_dialog(qtbot) -> None:
    def work(control: worker.JobControl) -> None:
        raise KeyError("some-field-value")

    job = worker.run(work)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        pass
    dialogs = [w for w in QApplication.topLevelWidgets() if w.objectName() == "crashDialog"]
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    assert "some-field-value" not in dialogs[0].report
    dialogs[0].reject()


def test_progress_and_stage_reach_the_gui(qtbot) -> None:
    progress: list[tuple[int, int]] = []
    stages: list[str] = []

    def work(control: worker.JobControl) -> None:
        control.stage("Counting")
        for done in range(1, 4):
            control.progress(done, 3)

    job = worker.Job(work)
    job.progressed.connect(lambda done, total: progress.append((done, total)))
    job.staged.connect(stages.append)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        job.start()
    assert stages == ["Counting"]
    assert progress == [(0, 0), (1, 3), (2, 3), (3, 3)]


def test_cancel_stops_at_the_next_progress_report(qtbot) -> None:
    started = threading.Event()
    release = threading.Event()
    steps: list[int] = []
    errors: list[Exception] = []

    def work(control: worker.JobControl) -> None:
        started.set()
        release.wait(5)
        for step in range(100):
            control.progress(step, 100)
            steps.append(step)

    job = worker.Job(work)
    job.failed.connect(errors.append)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        job.start()
        assert started.wait(5)
        job.cancel()
        release.set()
    assert steps == []
    assert len(errors) == 1 and isinstance(errors[0], CancelledError)


def test_a_job_runs_once(qtbot) -> None:
    job = worker.Job(lambda control: None)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        job.start()
        with pytest.raises(RuntimeError):
            job.start()


class _Secret:
    """Stands for a password held by a job's function (weakly referable)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _job_holding(secret: _Secret, parent=None) -> worker.Job:
    return worker.run(lambda control: len(secret.text), parent=parent)


def test_a_job_drops_its_function_and_what_it_holds_once_run(qtbot) -> None:
    secret = _Secret("webdav password")
    ref = weakref.ref(secret)
    job = _job_holding(secret)
    del secret
    with qtbot.waitSignal(job.succeeded, timeout=TIMEOUT_MS) as outcome:
        pass
    assert outcome.args == [len("webdav password")]
    gc.collect()
    assert ref() is None  # the job lives on; the password does not


def test_stop_cancels_waits_and_delivers_before_it_returns(qtbot) -> None:
    started = threading.Event()
    outcomes: list[object] = []
    ended: list[str] = []

    def work(control: worker.JobControl) -> None:
        started.set()
        for step in range(10_000):
            time.sleep(0.005)
            control.progress(step, 10_000)
        ended.append("ran to the end")

    job = worker.run(work, on_error=outcomes.append, on_success=outcomes.append)
    assert started.wait(5)
    assert job.stop(timeout=10)
    assert not job.running and ended == []  # stopped, and the outcome is already here
    assert len(outcomes) == 1 and isinstance(outcomes[0], CancelledError)
    assert job.stop()  # stopping a finished job is a no-op


def test_stop_gives_up_after_its_timeout(qtbot) -> None:
    release = threading.Event()
    job = worker.run(lambda control: release.wait(10), on_error=lambda _exc: None)
    assert not job.stop(timeout=0.2)  # never reports progress: cannot be stopped in time
    assert job.running
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT_MS):
        release.set()


def test_a_job_whose_window_closed_meanwhile_ends_quietly(qtbot) -> None:
    """A wizard closed while its job runs deletes the job with it: no error, no crash."""
    owner = QObject()
    waiting, release = threading.Event(), threading.Event()
    reports: list[str] = []

    def work(control: worker.JobControl) -> str:
        waiting.set()
        release.wait(10)
        try:
            control.progress(1, 2)
        except CancelledError:
            reports.append("cancelled")
            raise
        return "result"

    job = worker.Job(work, parent=owner)
    job.succeeded.connect(lambda _value: pytest.fail("nobody may receive the result"))
    job.start()
    assert waiting.wait(5)
    shiboken6.delete(owner)  # takes the job with it, as closing a wizard does
    release.set()
    qtbot.waitUntil(lambda: job._returned.is_set(), timeout=TIMEOUT_MS)
    qtbot.wait(50)  # anything the pool thread queued arrives now
    assert reports == ["cancelled"]
    assert job not in worker._RUNNING

    # the same when the job ends without reporting progress after the window closed
    owner = QObject()
    release.clear()
    job = worker.Job(lambda control: release.wait(10), parent=owner)
    job.start()
    shiboken6.delete(owner)
    release.set()
    qtbot.waitUntil(lambda: job._returned.is_set(), timeout=TIMEOUT_MS)
    qtbot.wait(50)
    assert job not in worker._RUNNING


_CLOSE_WHILE_REPORTING = """
import sys, threading, time
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject
from ui.desktop import worker

app = QCoreApplication([])
for round_ in range(int(sys.argv[1])):
    owner = QObject()
    started = threading.Event()

    def work(control, started=started):
        started.set()
        for step in range(100_000):
            control.progress(step, 100_000)

    job = worker.Job(work, parent=owner)
    job.start()
    assert started.wait(5)
    time.sleep(0.0005 * (round_ % 7))
    shiboken6.delete(owner)  # the window closes while its job reports progress
    assert job._returned.wait(10)
    app.processEvents()
print("closed", round_ + 1, "windows")
"""


def test_closing_windows_while_their_jobs_report_never_crashes(tmp_path: Path) -> None:
    """Emitting on a job its window was deleting was a use-after-free: a segfault
    in about one run of 300 closes. In a child process, so a crash is a failure."""
    script = tmp_path / "close_while_reporting.py"
    script.write_text(_CLOSE_WHILE_REPORTING)
    done = subprocess.run(
        [sys.executable, str(script), "4000"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip() == "closed 4000 windows"
