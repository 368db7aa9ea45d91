"""Sync in the window: settings, status bar, conflicts view, timer, lock.

Real replicas (Alice in the window, Bob through the API) of one vault sync
through a real folder target, and once through the real wsgidav server of
tests/sync. Nothing of our own storage is mocked.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from crypto.kdf import KdfParams
from tests.sync.conftest import World, passphrase
from tests.sync.davserver import PASSWORD, USER, DavServer
from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS, open_dialogs, unlock
from ui.desktop import dialogs
from ui.desktop.conflictmodels import CompareModel
from ui.desktop.mainwindow import MainWindow
from ui.desktop.syncstatus import CONFLICTS, LOCKED, OFF, OFFLINE, SYNCED, describe, local_time
from vault import sync
from vault.sync import SyncStatus, TargetSpec
from vault.vault import Vault

pytestmark = [pytest.mark.timeout(120), OFFSCREEN_NOISE]


@pytest.fixture
def share(tmp_path: Path, fast_kdf: KdfParams) -> Iterator[World]:
    """Replicas syncing through a folder (tests/sync's World)."""
    folder = tmp_path / "share"
    folder.mkdir()
    made = World(tmp_path, str(folder), fast_kdf)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DavServer]:
    """tests/sync's real wsgidav server on 127.0.0.1, for this test only."""
    running = DavServer(tmp_path / "dav-root").start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def dav_share(tmp_path: Path, server: DavServer, fast_kdf: KdfParams) -> Iterator[World]:
    """Replicas syncing through the WebDAV server."""
    made = World(tmp_path, TargetSpec(server.url, USER, PASSWORD), fast_kdf)
    try:
        yield made
    finally:
        made.close()


def _replicas(share: World) -> tuple[Vault, Vault, str, str]:
    """Alice (owner) and Bob (admin) replicas with one synced client and record."""
    alice = share.owner("Alice")
    client = alice.add_client("Contoso Dental")
    record = alice.add_record(
        client.id, "configuration", "srv-dc01", {"hostname": "srv-dc01", "notes": "first"}
    )
    bob = share.join(alice, "Bob", "admin")
    share.settle(alice, bob)
    return alice, bob, client.id, record.id


def _window(qtbot, path: Path) -> MainWindow:
    win = MainWindow(path)
    qtbot.addWidget(win)
    win.sync.runner.first.setInterval(60_000)  # tests start syncs themselves
    win.show()
    win.start()
    unlock(qtbot, win, passphrase("Alice"))
    return win


def _sync_now(qtbot, win: MainWindow):
    """F5 and wait for the run (and the catch-up that follows a merge)."""
    with qtbot.waitSignal(win.sync.runner.finished, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        assert win.sync.request()
    report, error = blocker.args
    job = win.sync.refresh_job
    if job is not None and job.running:
        with qtbot.waitSignal(job.finished, timeout=SIGNAL_TIMEOUT_MS):
            pass
    return report, error


def test_describe_names_each_state() -> None:
    assert describe(None).state == LOCKED
    off = SyncStatus(None, None, None, None, 0, 0)
    assert describe(off).text == "Sync: not configured"
    stamp = "2026-03-01T09:05:00.000000+00:00"
    done = SyncStatus("/share", stamp, stamp, None, 0, 0)
    assert describe(done).state == SYNCED
    assert describe(done).text == f"Sync: synced at {local_time(stamp)}"
    assert describe(done, running=True, progress=(2, 5)).text == "Sync: syncing… 2/5"
    two = SyncStatus("/share", stamp, stamp, None, 0, 0, conflicts=2)
    assert describe(two).state == CONFLICTS and describe(two).text == "Sync: 2 conflicts"
    failed = SyncStatus("/share", stamp, stamp, "Cannot reach the share", 0, 0)
    view = describe(failed)
    assert view.text == "Sync: error" and "Cannot reach the share" in view.tooltip


def test_settings_dialog_sets_tests_and_syncs_through_a_folder(qtbot, share: World) -> None:
    alice, bob, client_id, record_id = _replicas(share)
    win = _window(qtbot, alice.path)
    assert win.sync_label.text() == "Sync: not configured"
    assert win.sync_label.state == OFF

    dialog = win.sync.show_settings()
    assert dialog is not None and dialog.state["target"].text() == "not set"
    dialogs.set_next_answer(str(share.target))
    assert dialog.pick_folder() == str(share.target)
    assert dialog.folder.text() == str(share.target)
    with qtbot.assertNotEmitted(win.sync.runner.started):  # testing does not sync
        job = dialog.test()
        assert job is not None
        with qtbot.waitSignal(job.finished, timeout=SIGNAL_TIMEOUT_MS):
            pass
    assert dialog.message.text() == "Reachable: this vault already syncs there."

    with qtbot.waitSignal(win.sync.runner.finished, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        dialog.save_button.click()
    assert blocker.args[1] is None
    assert sync.load_target(win.vault).location == str(share.target)  # the CLI's sealed store
    assert win.sync_label.state == SYNCED
    assert win.sync_label.text().startswith("Sync: synced at ")
    assert dialog.state["target"].text() == str(share.target)
    assert dialog.message.text() == "Synced."
    assert dialog.state["last_error"].text() == "none"

    # Bob edits the record Alice is looking at and adds one; Alice presses F5.
    win.browser.select_record(record_id)
    assert win.browser.view.record.title == "srv-dc01"
    bob.update_record(record_id, title="srv-dc01 (primary)")
    added = bob.add_record(client_id, "configuration", "srv-fs01", {"hostname": "srv-fs01"})
    sync.sync(bob, share.target)
    report, error = _sync_now(qtbot, win)
    assert error is None and report.changed == 2
    assert win.browser.table_model.row_of(added.id) >= 0
    assert win.browser.view.record.title == "srv-dc01 (primary)"
    assert open_dialogs() == [dialog]

    # Clearing the target: sync stops, the label says so.
    dialogs.set_next_answer(True)
    assert dialog.clear_target()
    assert sync.load_target(win.vault) is None
    assert win.sync_label.text() == "Sync: not configured"
    assert not win.sync.runner.timer.isActive()
    dialog.reject()
    win.close()


def test_a_real_conflict_is_shown_and_resolved_in_the_window(qtbot, share: World) -> None:
    alice, bob, client_id, record_id = _replicas(share)
    other = alice.add_record(client_id, "configuration", "fw01", {"hostname": "fw01"})
    share.settle(alice, bob)
    sync.save_target(alice, sync.parse_spec(str(share.target)))
    win = _window(qtbot, alice.path)

    # Both replicas edit both records before either syncs.
    bob.update_record(record_id, title="srv-dc01 renamed by Bob")
    bob.update_record(other.id, fields={"notes": "Bob's note"})
    sync.sync(bob, share.target)
    win.vault.update_record(record_id, fields={"notes": "Alice's note"})
    win.vault.update_record(other.id, fields={"notes": "Alice's note"})
    _report, error = _sync_now(qtbot, win)
    assert error is None
    assert win.sync_label.state == CONFLICTS
    assert win.sync_label.text() == "Sync: 2 conflicts"

    qtbot.mouseClick(win.sync_label, Qt.MouseButton.LeftButton)
    dialog = win.sync.conflicts_dialog
    assert dialog is not None and dialog.list_model.rowCount() == 2

    # The first record: Bob's title with Alice's note, ticked per row.
    dialog.list.selectRow(dialog.list_model.row_of(record_id))
    model: CompareModel = dialog.compare_model
    assert model.columnCount() == 2
    keys = [row.key for row in model.rows]
    differing = {row.key for row in model.rows if row.differs}
    assert differing == {"title", "field:notes"}
    titles = model.rows[keys.index("title")].values
    bob_column = titles.index("srv-dc01 renamed by Bob")
    alice_column = 1 - bob_column
    assert model.headers[alice_column].startswith("Alice (you)\nversion ")
    assert model.headers[bob_column].startswith("Bob\nversion ")
    checked, role = Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole
    assert model.setData(model.index(keys.index("title"), bob_column), checked, role)
    assert model.setData(model.index(keys.index("field:notes"), alice_column), checked, role)
    assert model.index(keys.index("title"), alice_column).data(role) == Qt.CheckState.Unchecked
    assert not model.setData(model.index(keys.index("tags"), bob_column), checked, role)
    with qtbot.waitSignal(dialog.resolved, timeout=SIGNAL_TIMEOUT_MS):
        dialog.merge.click()
    merged = win.vault.get_record(record_id)
    assert merged.title == "srv-dc01 renamed by Bob"
    assert merged.fields["notes"] == "Alice's note"
    assert dialog.list_model.rowCount() == 1

    # The second: keep theirs (Bob's note) whole.
    assert dialog.record_id == other.id
    with qtbot.waitSignal(dialog.resolved, timeout=SIGNAL_TIMEOUT_MS):
        dialog.keep_theirs.click()
    assert win.vault.get_record(other.id).fields["notes"] == "Bob's note"
    assert dialog.list_model.rowCount() == 0
    assert win.vault.conflicts() == []

    # The resolution asked for a sync; Bob follows.
    assert win.sync.runner.running
    qtbot.waitUntil(lambda: not win.sync.runner.running, timeout=SIGNAL_TIMEOUT_MS)
    _sync_now(qtbot, win)
    share.settle(bob)
    assert bob.conflicts() == []
    assert bob.get_record(record_id).fields["notes"] == "Alice's note"
    assert bob.get_record(record_id).title == "srv-dc01 renamed by Bob"
    assert bob.get_record(other.id).fields["notes"] == "Bob's note"
    assert win.sync_label.state == SYNCED
    win.close()


def test_timer_syncs_in_the_background_and_lock_stops_it(qtbot, share: World) -> None:
    alice, bob, client_id, _record_id = _replicas(share)
    sync.save_target(alice, sync.parse_spec(str(share.target)))
    win = _window(qtbot, alice.path)
    runner = win.sync.runner
    assert runner.first.isActive()  # a first sync is planned after unlocking
    assert runner.timer.isActive() and runner.timer.interval() == 5 * 60_000  # the default
    runner.first.stop()
    shortcuts = [a.shortcut().toString() for a in win.findChildren(QAction)]
    assert shortcuts.count("F5") == 1 and win.sync.sync_now.shortcut().toString() == "F5"

    # The interval is a setting: the settings dialog changes it, and opens the sync settings.
    win.show_settings()
    settings = win.settings_dialog
    assert settings.sync_button.isEnabled()
    settings.sync_button.click()
    assert win.sync.settings_dialog is not None
    assert win.sync.settings_dialog.parent() is settings
    win.sync.settings_dialog.reject()
    settings.sync_interval.setValue(7)
    settings.accept()
    assert win.settings.get("sync_interval_minutes") == 7
    assert runner.timer.isActive() and runner.timer.interval() == 7 * 60_000

    added = bob.add_record(client_id, "contact", "Dana Reception", {"name": "Dana"})
    sync.sync(bob, share.target)
    runner.set_interval_ms(150)
    before = runner.runs
    with qtbot.waitSignal(runner.finished, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        pass  # nobody asked: the timer starts it
    runner.set_interval_ms(60_000)
    assert runner.runs > before and blocker.args[1] is None  # nobody called request()
    job = win.sync.refresh_job
    if job is not None and job.running:
        with qtbot.waitSignal(job.finished, timeout=SIGNAL_TIMEOUT_MS):
            pass
    qtbot.waitUntil(lambda: win.browser.table_model.row_of(added.id) >= 0)

    # Lock while a sync runs: it is cancelled, the timer stops, nothing more runs.
    qtbot.waitUntil(lambda: not runner.running, timeout=SIGNAL_TIMEOUT_MS)
    assert win.sync.request()
    win.lock()
    assert not runner.timer.isActive() and not runner.first.isActive()
    assert win.sync_label.state == LOCKED
    qtbot.waitUntil(lambda: not runner.running, timeout=SIGNAL_TIMEOUT_MS)
    runs = runner.runs
    qtbot.wait(400)
    assert runner.runs == runs
    assert runner._sibling is None  # its connection was closed
    assert open_dialogs() == []
    win.close()


def test_offline_target_shows_in_the_status_bar_not_a_dialog(
    qtbot, share: World, tmp_path: Path
) -> None:
    alice, _bob, _client_id, _record_id = _replicas(share)
    sync.save_target(alice, sync.parse_spec(str(share.target)))
    win = _window(qtbot, alice.path)
    moved = tmp_path / "unmounted"
    shutil.move(str(share.target), moved)
    _report, error = _sync_now(qtbot, win)
    assert error is not None
    assert win.sync_label.state == OFFLINE
    assert win.sync_label.text() == "Sync: offline"
    assert "does not exist or is not mounted" in win.sync_label.toolTip()
    assert "does not exist" in win.statusBar().currentMessage()
    assert open_dialogs() == []
    shutil.move(str(moved), str(share.target))
    _report, error = _sync_now(qtbot, win)
    assert error is None and win.sync_label.state == SYNCED
    win.close()


def test_webdav_target_with_credentials_through_the_real_server(
    qtbot, dav_share: World, server: DavServer
) -> None:
    alice, bob, client_id, _record_id = _replicas(dav_share)
    win = _window(qtbot, alice.path)
    dialog = win.sync.show_settings()
    assert dialog is not None
    dialog.use_webdav.setChecked(True)
    assert not dialog.folder.isEnabled() and dialog.url.isEnabled()
    dialog.url.setText(server.url)
    dialog.user.setText(USER)
    dialog.password.setText("not the password")
    job = dialog.test()
    with qtbot.waitSignal(job.finished, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert "refused the user name or password" in dialog.message.text()

    dialog.password.setText(PASSWORD)
    job = dialog.test()
    with qtbot.waitSignal(job.finished, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert dialog.message.text() == "Reachable: this vault already syncs there."
    with qtbot.waitSignal(win.sync.runner.finished, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        dialog.save_button.click()
    assert blocker.args[1] is None
    saved = sync.load_target(win.vault)
    assert (saved.location, saved.user, saved.password) == (server.url, USER, PASSWORD)
    assert dialog.password.text() == ""  # never shown again
    assert dialog.password.placeholderText() == "saved; leave empty to keep it"

    # Saving again without retyping the password keeps it.
    with qtbot.waitSignal(win.sync.runner.finished, timeout=SIGNAL_TIMEOUT_MS):
        dialog.save_button.click()
    assert sync.load_target(win.vault).password == PASSWORD

    added = bob.add_record(client_id, "configuration", "nas01", {"hostname": "nas01"})
    sync.sync(bob, dav_share.target)
    _report, error = _sync_now(qtbot, win)
    assert error is None
    assert win.browser.table_model.row_of(added.id) >= 0
    assert win.sync_label.state == SYNCED
    dialog.reject()
    win.close()


# ---------------------------------------------------------------------- typos and the password


@pytest.fixture
def unlocked_window(qtbot, small_vault):
    win = MainWindow(small_vault.path)
    qtbot.addWidget(win)
    win.show()
    win.start()
    unlock(qtbot, win, small_vault.passphrase)
    yield win
    win.close()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://cloud.example:abc/dav/", "port"),
        ("https://cloud.example:70000/dav/", "port"),
        ("https://[::1", "IPv6"),
    ],
)
def test_a_mistyped_url_is_an_inline_message(unlocked_window, url: str, says: str) -> None:
    dialog = unlocked_window.sync.show_settings()
    dialog.use_webdav.setChecked(True)
    dialog.url.setText(url)
    assert dialog.test() is None  # an exception here would fail the test (pytest-qt)
    assert says in dialog.message.text()
    assert not dialog.save()
    assert says in dialog.message.text()
    assert sync.load_target(unlocked_window.vault) is None
    dialog.reject()


def test_a_running_test_keeps_no_password_once_the_dialog_is_gone(
    qtbot, unlocked_window, monkeypatch
) -> None:
    import gc
    import socket

    from ui.desktop import syncsettings
    from ui.desktop.signals import emit

    monkeypatch.setattr(syncsettings, "TEST_TIMEOUT", 1.5)
    silent = socket.socket()  # accepts connections (backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    canary = "pw-canary-6f1d93"
    win = unlocked_window
    try:
        dialog = win.sync.show_settings()
        dialog.use_webdav.setChecked(True)
        dialog.url.setText(f"http://127.0.0.1:{silent.getsockname()[1]}/dav/")
        dialog.user.setText("alice")
        dialog.password.setText(canary)
        job = dialog.test()
        assert job is not None and job.running
        gone: list[bool] = []
        dialog.destroyed.connect(lambda _o=None: gone.append(True))
        dialog.reject()  # closed while the request hangs
        dialog = None
        qtbot.waitUntil(lambda: bool(gone), timeout=SIGNAL_TIMEOUT_MS)  # deleted on close
        assert job.parent() is win
        if job.running:
            with qtbot.waitSignal(job.finished, timeout=SIGNAL_TIMEOUT_MS):
                pass
    finally:
        silent.close()
    gc.collect()
    holding = [o for o in gc.get_objects() if isinstance(o, TargetSpec) and o.password == canary]
    assert holding == []  # the finished job no longer holds the password

    emit(job.crashed, RuntimeError("a late bug"))  # the deleted dialog is not called
    crashes = [d for d in open_dialogs() if d.objectName() == "crashDialog"]
    assert len(crashes) == 1 and crashes[0].parent() is win
    crashes[0].reject()
