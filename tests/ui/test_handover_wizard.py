"""The handover export wizard, the verify window and handover import, over real vault files."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWizard

from crypto.kdf import KdfParams
from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS, unlock
from ui.desktop.handoverwizard import DESTINATION, FINISH, RUN, HandoverWizard
from ui.desktop.handoverwizard_tools import ImportHandoverDialog, VerifyDialog
from vault import Vault
from vault.handover import export_handover, verify_package

pytestmark = [pytest.mark.timeout(240), OFFSCREEN_NOISE]

KDF = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
OWN_PASSPHRASE = "handover staple orbit velvet"


@pytest.fixture
def unlocked(qtbot, window, small_vault):
    unlock(qtbot, window, small_vault.passphrase)
    return window


def wait_page(qtbot, wizard: HandoverWizard, page: int) -> None:
    qtbot.waitUntil(lambda: wizard.currentId() == page, timeout=120_000)


def fill(wizard: HandoverWizard, folder: Path, name: str, client: str) -> None:
    options = wizard.options
    options.client.setCurrentIndex(options.client.findText(client))
    wizard.next()
    assert wizard.currentId() == DESTINATION
    wizard.destination.folder.setText(str(folder))
    wizard.destination.name.setText(name)
    wizard.destination.memory.setValue(64)  # the design's floor, as --kdf-memory 64


def test_export_through_the_wizard_verifies_and_opens_the_folder(
    qtbot, unlocked, tmp_path: Path, monkeypatch, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    vault = unlocked.vault
    client = vault.clients()[0]
    wizard = unlocked.transfers.show_handover()
    assert isinstance(wizard, HandoverWizard)
    fill(wizard, tmp_path, "pkg", client.name)
    wizard.next()  # Export
    assert wizard.currentId() == RUN
    wait_page(qtbot, wizard, FINISH)
    outcome = wizard.run_page.outcome
    assert outcome is not None
    result = outcome.result
    assert result.path == tmp_path / "pkg" and result.path.is_dir()
    assert result.passphrase_generated and wizard.finish.secret.text() == (
        result.passphrase_generated
    )
    assert result.passphrase_generated not in caplog.text
    check = verify_package(result.path)  # the core's own verify agrees with the page
    assert check.ok and check.client == client.name
    assert wizard.finish.verdict.text().startswith("Verified")
    assert result.fingerprint in wizard.finish.fingerprint.text()
    shown = [wizard.finish.files.index(r, 0).data() for r in range(wizard.finish.files.rowCount())]
    assert shown == list(result.files)
    assert {"README.html", "credentials.kdbx", "client.sitebook", "manifest.json"} <= set(shown)
    live = [r for r in vault.list_records() if r.scope_id == client.id]
    assert sum(result.counts.values()) == len(live)
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    wizard.finish.open_button.click()
    assert opened == [str(result.path)]
    with qtbot.waitSignal(wizard.finished, timeout=SIGNAL_TIMEOUT_MS):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.finish.secret.text() == ""  # the passphrase is shown once


def test_a_zip_with_my_own_passphrase(qtbot, unlocked, tmp_path: Path) -> None:
    vault = unlocked.vault
    client = vault.clients()[1]
    wizard = unlocked.transfers.show_handover()
    fill(wizard, tmp_path, "contoso", client.name)
    wizard.options.zip.setChecked(True)
    wizard.options.history.setChecked(False)
    dest = wizard.destination
    dest.own.setChecked(True)
    dest.passphrase.setText("short")
    dest.repeat.setText("short")
    wizard.next()
    assert wizard.currentId() == DESTINATION
    assert "at least 8" in dest.message.text()
    dest.passphrase.setText(OWN_PASSPHRASE)
    dest.repeat.setText(OWN_PASSPHRASE + "!")
    wizard.next()
    assert wizard.currentId() == DESTINATION
    assert dest.message.text() == "The two passphrases differ."
    dest.repeat.setText(OWN_PASSPHRASE)
    wizard.next()
    wait_page(qtbot, wizard, FINISH)
    result = wizard.run_page.outcome.result
    assert result.path == tmp_path / "contoso.zip" and result.path.is_file()
    assert result.passphrase_generated is None
    assert not wizard.finish.secret.isVisibleTo(wizard)
    assert verify_package(result.path).ok
    assert wizard.finish.folder() == str(tmp_path)
    wizard.reject()


def test_an_existing_destination_is_refused_before_anything_runs(
    qtbot, unlocked, tmp_path: Path
) -> None:
    (tmp_path / "taken").mkdir()
    wizard = unlocked.transfers.show_handover()
    fill(wizard, tmp_path, "taken", unlocked.vault.clients()[0].name)
    wizard.next()
    assert wizard.currentId() == DESTINATION
    assert "already exists" in wizard.destination.message.text()
    wizard.destination.folder.setText(str(tmp_path / "missing"))
    wizard.next()
    assert "does not exist" in wizard.destination.message.text()
    wizard.reject()


def test_cancel_leaves_no_files(qtbot, unlocked, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    wizard = unlocked.transfers.show_handover()
    fill(wizard, out, "cancelled", unlocked.vault.clients()[0].name)
    seen: list[int] = []

    def on_progress(done: int, total: int) -> None:
        seen.append(done)
        wizard.run_page.job_line.cancel()

    wizard.next()
    assert wizard.currentId() == RUN
    wizard.run_page.job_line.job.progressed.connect(on_progress)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=120_000)
    assert seen
    assert wizard.currentId() == RUN
    assert wizard.run_page.message.text() == "Cancelled. Nothing was written."
    assert list(out.iterdir()) == []  # no package, no hidden temp folder
    wizard.reject()


@pytest.fixture
def package(tmp_path: Path, small_vault) -> tuple[Path, str]:
    """A handover package of the small vault's first client, written by the core."""
    vault = Vault.open(small_vault.path)
    try:
        vault.unlock(small_vault.passphrase)
        client = vault.clients()[0]
        result = export_handover(
            vault, client.id, tmp_path / "package", passphrase=OWN_PASSPHRASE, kdf_params=KDF
        )
    finally:
        vault.close()
    return result.path, client.name


def test_verify_names_a_changed_file(qtbot, package) -> None:
    path, client = package
    dialog = VerifyDialog(None, path)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.verify().finished, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert dialog.result is not None and dialog.result.ok
    assert dialog.message.text().startswith(f"OK: the handover package of {client}")
    readme = path / "README.html"
    readme.write_bytes(readme.read_bytes().replace(b"<", b"[", 1))
    with qtbot.waitSignal(dialog.verify().finished, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert not dialog.result.ok
    assert dialog.message.text().startswith("FAILED: README.html")
    assert dialog.problems.rowCount() >= 1


def test_import_a_package_into_another_vault(qtbot, package, tmp_path: Path) -> None:
    path, client = package
    target, _ = Vault.create(
        tmp_path / "next.sitebook",
        name="Next provider",
        owner="Bo",
        passphrase="p" * 12,
        kdf_params=KDF,
    )
    try:
        dialog = ImportHandoverDialog(target)
        qtbot.addWidget(dialog)
        dialog.path.setText(str(path))
        dialog.passphrase.setText("wrong passphrase entirely")
        with qtbot.waitSignal(dialog.start().finished, timeout=120_000):
            pass
        assert dialog.message.text() == "Wrong handover passphrase; nothing was imported."
        assert target.clients() == []
        assert dialog.passphrase.text() == ""
        dialog.passphrase.setText(OWN_PASSPHRASE)
        with qtbot.waitSignal(dialog.imported, timeout=120_000):
            dialog.start()
        assert [c.name for c in target.clients()] == [client]
        assert dialog.result is not None and dialog.result.verified
        assert dialog.result.records == len(
            [r for r in target.list_records() if r.scope_id == dialog.result.client.id]
        )
        assert "Imported" in dialog.message.text()
    finally:
        target.close()


def test_the_file_menu_holds_the_actions(unlocked) -> None:
    menu = next(a.menu() for a in unlocked.menuBar().actions() if a.text() == "&File")
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    start = texts.index("&Import…")
    assert texts[start : start + 4] == [
        "&Import…",
        "Import a hand&over package…",
        "&Hand over client…",
        "&Verify a handover package…",
    ]
    mine = unlocked.transfers
    actions = (mine.import_action, mine.handover_action, mine.verify_action)
    assert all(a.isEnabled() for a in (*actions, mine.import_handover_action))
    assert unlocked.transfers.handover_action.shortcut().toString() == "Ctrl+Shift+E"


def test_locking_during_a_running_export_leaves_nothing_and_never_crashes(
    qtbot, unlocked, tmp_path: Path, caplog
) -> None:
    from PySide6.QtWidgets import QApplication

    caplog.set_level(logging.INFO)
    out = tmp_path / "out"
    out.mkdir()
    wizard = unlocked.transfers.show_handover()
    fill(wizard, out, "locked-midway", unlocked.vault.clients()[0].name)
    closed: list[int] = []
    wizard.finished.connect(closed.append)
    seen: list[int] = []
    wizard.next()  # Export
    assert wizard.currentId() == RUN
    job = wizard.run_page.job_line.job
    job.progressed.connect(lambda done, _total: seen.append(done))
    qtbot.waitUntil(lambda: bool(seen), timeout=120_000)
    assert job.running

    unlocked.lock()
    assert not job.running and closed and unlocked.transfers.open == []
    assert not unlocked.is_unlocked
    qtbot.wait(200)
    crashes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "crashDialog"]
    assert crashes == []
    assert not [r for r in caplog.records if "crashed" in r.getMessage()]
    assert list(out.iterdir()) == []  # no package, no temp folder
