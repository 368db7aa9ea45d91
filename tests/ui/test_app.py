"""The entry point: arguments, the rotating log, and ``python -m ui.desktop`` on first run."""

from __future__ import annotations

import logging
import logging.handlers
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ui.conftest import OFFSCREEN_NOISE, unlock
from ui.desktop.app import LOG_FILE, parse_args, setup_logging

pytestmark = [pytest.mark.timeout(90), OFFSCREEN_NOISE]

ROOT = Path(__file__).resolve().parents[2]


def test_parse_args() -> None:
    assert parse_args([]).vault is None
    assert parse_args(["--vault", "x.sitebook"]).vault == Path("x.sitebook")
    with pytest.raises(SystemExit):
        parse_args(["--bogus"])


@pytest.fixture
def app_log(sitebook_dirs):
    """The app's rotating log handler, removed again after the test."""
    root = logging.getLogger()
    before = list(root.handlers), root.level
    path = setup_logging()
    yield path
    for handler in root.handlers:
        if handler not in before[0]:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(before[1])


def test_log_is_rotating_and_never_holds_a_secret(qtbot, app_log, window, small_vault) -> None:
    assert app_log.parent.name == "sitebook-log"
    assert any(
        isinstance(h, logging.handlers.RotatingFileHandler) for h in logging.getLogger().handlers
    )
    window.unlock_screen.passphrase.setText("wrong passphrase 123")
    with qtbot.waitSignal(window.unlock_screen.failed, timeout=30_000):
        window.unlock_screen.button.click()
    unlock(qtbot, window, small_vault.passphrase)
    record = next(r for r in window.vault.list_records(type="credential") if r.fields["password"])
    window.browser.select_record(record.id)
    window.browser.view.reveal("password")
    window.browser.view.copy("password")
    window.lock()
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = app_log.read_text(encoding="utf-8")
    assert "vault unlocked" in text and "window locked" in text
    for secret in (small_vault.passphrase, "wrong passphrase 123", *small_vault.secrets):
        assert secret not in text
    assert record.title not in text


def test_module_entry_point_prints_help() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "ui.desktop", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "--vault" in done.stdout


def test_first_start_creates_the_demo_vault_in_the_data_folder(sitebook_dirs) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SITEBOOK_DEMO_KDF_MIB": "64"}
    log = sitebook_dirs.log / LOG_FILE
    process = subprocess.Popen(
        [sys.executable, "-m", "ui.desktop", "--demo"],  # what `make run` passes
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if log.exists() and "demo vault created" in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.2)
        assert process.poll() is None, process.communicate()[0]
        assert (sitebook_dirs.data / "demo.sitebook").exists()
    finally:
        process.terminate()  # SIGTERM closes the window: the vault locks and closes
        try:
            output = process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail("the app did not stop on SIGTERM")
    assert process.returncode == 0, output
    text = log.read_text(encoding="utf-8")
    assert "Sitebook stopped" in text
    passphrase = (sitebook_dirs.data / "demo-passphrase.txt").read_text().split()[-1]
    assert passphrase not in text and passphrase not in output
    assert sorted(p.name for p in sitebook_dirs.data.iterdir()) == [
        "demo-passphrase.txt",
        "demo.sitebook",
    ]  # closed cleanly: no -wal or -shm left
