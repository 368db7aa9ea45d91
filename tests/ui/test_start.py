"""The start page: recent vaults (persisted, missing files greyed and removable), open other.

The list keeps paths and dates only (a vault's name is encrypted inside it), and a
file the file system cannot check (no permission, a dead network mount) is shown as
"cannot be reached" instead of stopping the window from being built.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import pathlib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import OFFSCREEN_NOISE, unlock
from ui.desktop import dialogs
from ui.desktop.app import parse_args
from ui.desktop.mainwindow import MainWindow
from ui.desktop.recent import FILE_NAME, KEEP, UNREACHABLE, RecentVaults
from ui.desktop.recentmodel import EXISTS_ROLE, NAME, RecentVaultsModel
from ui.desktop.start import StartScreen

pytestmark = [pytest.mark.timeout(90), OFFSCREEN_NOISE]

T0 = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_queued_answers():
    yield
    dialogs.clear_answers()


def _store(sitebook_dirs) -> RecentVaults:
    return RecentVaults(sitebook_dirs.config / FILE_NAME)


# ---------------------------------------------------------------------- the list itself


def test_recent_list_is_saved_newest_first_and_read_back(sitebook_dirs, tmp_path) -> None:
    store = RecentVaults()  # the default place: the config folder
    assert store.path == sitebook_dirs.config / FILE_NAME
    store.opened(tmp_path / "alpha.sitebook", when=T0)
    store.opened(tmp_path / "b.sitebook", when=T0 + dt.timedelta(hours=1))
    store.opened(tmp_path / "alpha.sitebook", when=T0 + dt.timedelta(hours=2))
    again = RecentVaults()
    assert [(e.path.name, e.name) for e in again.entries()] == [
        ("alpha.sitebook", "alpha"),  # shown by its file name: the vault's name is secret
        ("b.sitebook", "b"),
    ]
    assert again.entries()[0].last_opened == T0 + dt.timedelta(hours=2)
    data = json.loads(store.path.read_text())
    assert all(set(item) == {"path", "last_opened"} for item in data["vaults"])  # nothing else
    assert again.remove(tmp_path / "b.sitebook")
    assert not again.remove(tmp_path / "b.sitebook")
    assert [e.path.name for e in RecentVaults().entries()] == ["alpha.sitebook"]


def test_a_list_with_vault_names_is_rewritten_without_them(sitebook_dirs, tmp_path) -> None:
    path = sitebook_dirs.config / FILE_NAME
    path.parent.mkdir(parents=True)
    old = {"path": str(tmp_path / "nw.sitebook"), "name": "Northwind Secret Client List"}
    path.write_text(json.dumps({"vaults": [{**old, "last_opened": "2026-01-01T00:00:00+00:00"}]}))
    (entry,) = RecentVaults(path).entries()
    assert entry.name == "nw"
    assert "Northwind" not in path.read_text()  # scrubbed as soon as it was read
    assert set(json.loads(path.read_text())["vaults"][0]) == {"path", "last_opened"}


def test_recent_list_keeps_a_bounded_number(sitebook_dirs, tmp_path) -> None:
    store = _store(sitebook_dirs)
    for i in range(KEEP + 5):
        store.opened(tmp_path / f"v{i}.sitebook", when=T0 + dt.timedelta(minutes=i))
    names = [e.path.name for e in RecentVaults(store.path).entries()]
    assert len(names) == KEEP and names[0] == f"v{KEEP + 4}.sitebook"


def test_damaged_recent_list_is_empty_not_an_error(sitebook_dirs, tmp_path) -> None:
    path = sitebook_dirs.config / FILE_NAME
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert RecentVaults(path).entries() == []
    path.write_text(
        json.dumps(
            {
                "vaults": [
                    {"path": 3},
                    {"path": "/x.sitebook", "name": "X", "last_opened": "2026-01-01T00:00:00"},
                ]
            }
        )
    )
    (entry,) = RecentVaults(path).entries()
    assert entry.name == "x" and entry.last_opened.tzinfo is not None


def test_model_passes_qtmodeltester(qtmodeltester, sitebook_dirs, small_vault, tmp_path) -> None:
    store = _store(sitebook_dirs)
    store.opened(small_vault.path, when=T0)
    store.opened(tmp_path / "gone.sitebook", when=T0 - dt.timedelta(days=1))
    model = RecentVaultsModel(store)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.data(model.index(0, NAME)) == "small"
    assert model.data(model.index(1, NAME)) == "gone (not found)"
    assert model.data(model.index(0, 0), EXISTS_ROLE) is True
    assert model.data(model.index(1, 0), EXISTS_ROLE) is False
    grey = QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ForegroundRole) == grey
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ForegroundRole) is None


# ---------------------------------------------------------------------- the screen


def test_missing_file_is_greyed_cannot_open_and_can_be_removed(
    qtbot, sitebook_dirs, small_vault, tmp_path
) -> None:
    store = _store(sitebook_dirs)
    store.opened(tmp_path / "gone.sitebook", when=T0 + dt.timedelta(hours=1))
    store.opened(small_vault.path, when=T0)
    screen = StartScreen(store)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.table.isVisible() and not screen.empty.isVisible()
    assert screen.table.currentIndex().row() == 0  # the newest: the missing one
    assert not screen.open_button.isEnabled() and screen.remove_button.isEnabled()
    with qtbot.assertNotEmitted(screen.open_requested):
        screen.open_row(0)
    assert screen.error.isVisible() and "gone.sitebook was not found" in screen.error.text()

    screen.activateWindow()
    screen.table.setFocus()
    qtbot.waitUntil(screen.table.hasFocus, timeout=5000)
    qtbot.keyClick(screen.table, Qt.Key.Key_Delete)  # Del removes the entry, not the file
    assert [e.name for e in RecentVaults(store.path).entries()] == ["small"]
    assert screen.open_button.isEnabled() and not screen.error.isVisible()
    assert small_vault.path.exists()
    with qtbot.waitSignal(screen.open_requested) as opened:
        qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert opened.args == [small_vault.path]

    screen.remove_current()
    assert not screen.table.isVisible() and screen.empty.isVisible()
    assert RecentVaults(store.path).entries() == []


def test_open_other_uses_the_file_dialog(qtbot, sitebook_dirs, tmp_path) -> None:
    screen = StartScreen(_store(sitebook_dirs))
    qtbot.addWidget(screen)
    dialogs.set_next_answer("")  # cancelled: nothing happens
    with qtbot.assertNotEmitted(screen.open_requested):
        screen.other_button.click()
    dialogs.set_next_answer(str(tmp_path / "x.sitebook"))
    with qtbot.waitSignal(screen.open_requested) as opened:
        screen.other_button.click()
    assert opened.args == [tmp_path / "x.sitebook"]


# ---------------------------------------------------------------------- in the window


@pytest.fixture
def bare_window(qtbot):
    """The window started without a vault, as ``sitebook-desktop`` without arguments."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.start()
    yield win
    win.close()


def test_without_a_path_the_window_shows_the_start_page(bare_window) -> None:
    start = bare_window.start_control
    assert bare_window.stack.currentWidget() is start.screen
    assert start.screen.empty.isVisible()
    assert bare_window.state_label.text() == "No vault open"
    assert bare_window.sync_label.text() == "Sync: no vault open"
    assert not start.close_action.isEnabled()
    assert start.open_action.shortcut().toString() == "Ctrl+O"
    assert start.close_action.shortcut().toString() == "Ctrl+W"
    assert start.new_action.shortcut().toString() == "Ctrl+Alt+N"
    menus = {a.text(): a.menu() for a in bare_window.menuBar().actions()}
    file_menu = menus["&File"]
    assert file_menu.actions()[:2] == [start.open_action, start.new_action]
    assert start.recent_menu.menuAction() in file_menu.actions()
    assert start.close_action in file_menu.actions()


def test_open_unlock_close_and_the_recent_list(qtbot, bare_window, small_vault) -> None:
    win, start = bare_window, bare_window.start_control
    dialogs.set_next_answer(str(small_vault.path))
    start.screen.other_button.click()
    assert win.stack.currentWidget() is win.unlock_screen
    assert str(small_vault.path) in win.unlock_screen.file_label.text()
    assert start.close_action.isEnabled()
    unlock(qtbot, win, small_vault.passphrase)
    start.wait_saved()  # the list is written on the worker
    (entry,) = RecentVaults().entries()
    assert entry.path == small_vault.path.resolve() and entry.name == "small"
    assert "Test provider" not in RecentVaults().path.read_text()  # the name stays in the vault
    assert (dt.datetime.now(dt.UTC) - entry.last_opened).total_seconds() < 60

    start.close_action.trigger()  # Ctrl+W: locked, closed, back to the start page
    assert win.vault is None and win.browser.proxy.rowCount() == 0
    assert win.stack.currentWidget() is start.screen
    assert start.screen.model.data(start.screen.model.index(0, NAME)) == "small"

    start.fill_recent_menu()
    (item,) = start.recent_menu.actions()
    assert item.text() == "small" and item.isEnabled()
    item.trigger()
    assert win.stack.currentWidget() is win.unlock_screen
    win.unlock_screen.other.click()  # "Other vaults…"
    assert win.stack.currentWidget() is start.screen

    start.screen.open_row(0)  # Enter on the list
    unlock(qtbot, win, small_vault.passphrase)
    assert win.is_unlocked


def test_recent_menu_disables_missing_files(bare_window, sitebook_dirs, tmp_path) -> None:
    RecentVaults().opened(tmp_path / "gone.sitebook")
    start = bare_window.start_control
    start.fill_recent_menu()
    (item,) = start.recent_menu.actions()
    assert item.text() == "gone (not found)" and not item.isEnabled()


# ------------------------------------------------------------ files that cannot be checked


def _unreachable_paths(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """Two listed vaults whose check raises: a too-long name (real) and a stale mount."""
    too_long = tmp_path / ("x" * 300) / "far.sitebook"  # stat() fails with ENAMETOOLONG
    stale = tmp_path / "nfs" / "stale.sitebook"
    real_stat = pathlib.Path.stat

    def stat(self: Path, *args: object, **kwargs: object) -> object:
        if self == stale:  # what a dead NFS or SMB mount answers
            raise OSError(errno.ESTALE, "Stale file handle")
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "stat", stat)
    return too_long, stale


def test_a_path_that_cannot_be_checked_never_stops_the_start_page(
    qtbot, sitebook_dirs, small_vault, tmp_path, monkeypatch
) -> None:
    too_long, stale = _unreachable_paths(tmp_path, monkeypatch)
    store = _store(sitebook_dirs)
    store.opened(small_vault.path, when=T0)
    store.opened(too_long, when=T0 + dt.timedelta(hours=1))
    store.opened(stale, when=T0 + dt.timedelta(hours=2))
    win = MainWindow()  # builds the start screen over the real list
    qtbot.addWidget(win)
    win.show()
    win.start()
    screen = win.start_control.screen
    model = screen.model
    assert model.rowCount() == 3
    assert [model.status(row) for row in range(2)] == [UNREACHABLE, UNREACHABLE]
    assert model.data(model.index(0, NAME)) == "stale (cannot be reached)"
    assert "network drive" in model.data(model.index(0, NAME), Qt.ItemDataRole.ToolTipRole)
    assert model.exists(2) and not screen.open_button.isEnabled()  # row 0 is selected
    with qtbot.assertNotEmitted(screen.open_requested):
        screen.open_row(1)
    assert "cannot be reached" in screen.error.text()
    win.start_control.fill_recent_menu()
    items = win.start_control.recent_menu.actions()
    assert [(a.text(), a.isEnabled()) for a in items] == [
        ("stale (cannot be reached)", False),
        ("far (cannot be reached)", False),
        ("small", True),
    ]
    win.close()


def test_opening_a_vault_while_one_is_unlocked_locks_it_first(
    qtbot, window, small_vault, tmp_path
) -> None:
    unlock(qtbot, window, small_vault.passphrase)
    first = window.vault
    other = tmp_path / "other.sitebook"
    other.write_bytes(small_vault.path.read_bytes())
    window.start_control.open_path(other)
    assert not first.is_unlocked  # keys dropped
    assert window.browser.proxy.rowCount() == 0
    assert window.vault is not first and window.vault_path == other
    assert window.stack.currentWidget() is window.unlock_screen


def test_command_line_arguments() -> None:
    assert parse_args([]).vault is None and not parse_args([]).demo
    assert parse_args(["x.sitebook"]).vault == Path("x.sitebook")
    assert parse_args(["--vault", "x.sitebook"]).vault == Path("x.sitebook")
    assert parse_args(["--demo"]).demo
    for bad in (["--demo", "x.sitebook"], ["a.sitebook", "--vault", "b.sitebook"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


def test_the_recent_list_is_not_queued_behind_busy_background_work(
    qtbot, bare_window, small_vault
) -> None:
    """Every thread of the shared pool busy (an index build, a sync): the list is still written."""
    import threading
    import time

    from PySide6.QtCore import QThreadPool

    from ui.desktop import worker

    win, start = bare_window, bare_window.start_control
    dialogs.set_next_answer(str(small_vault.path))
    start.screen.other_button.click()
    unlock(qtbot, win, small_vault.passphrase)
    start.wait_saved()
    RecentVaults().path.unlink()
    release = threading.Event()
    busy = [
        worker.run(lambda _c: release.wait(20), parent=win, on_success=lambda _r: None)
        for _ in range(QThreadPool.globalInstance().maxThreadCount())
    ]
    try:
        start.opened(win.vault)  # what unlocking does last
        began = time.monotonic()
        start.wait_saved()
        assert time.monotonic() - began < 5
        (entry,) = RecentVaults().entries()
        assert entry.path == small_vault.path.resolve()
    finally:
        release.set()
        for job in busy:
            job.stop()
