"""The create-vault wizard end to end: a real vault, its kit PDF, confirmation, cancel."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from crypto.kdf import KdfParams
from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS
from ui.desktop import dialogs
from ui.desktop.createwizard import (
    CONFIRM_PAGE,
    CREATING_PAGE,
    KIT_PAGE,
    PASSPHRASE_PAGE,
    default_folder,
)
from ui.desktop.createwizard_jobs import pending_path
from ui.desktop.mainwindow import MainWindow
from ui.desktop.recent import RecentVaults
from vault.recoverykit import key_groups
from vault.vault import Vault

pytestmark = [pytest.mark.timeout(120), OFFSCREEN_NOISE]

CHEAP = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
PASSPHRASE = "lantern-quarry-mosaic-ember-thistle"


@pytest.fixture(autouse=True)
def _no_queued_answers():
    yield
    dialogs.clear_answers()


@pytest.fixture
def win(qtbot):
    """The window on its start page, creating vaults with the cheap KDF."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.start_control.create_kdf = CHEAP
    yield window
    window.close()


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _to_kit(qtbot, win, target: Path):
    """Open the wizard from the start page and go as far as the recovery kit."""
    win.start_control.screen.create_button.click()
    wizard = win.start_control.wizard
    assert wizard is not None and wizard.isVisible()
    names = wizard.name_page
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    names.name.setText("Acme Field Services")
    assert names.location.text().endswith("acme-field-services.sitebook")  # follows the name
    names.location.setText(str(target.with_suffix("")))  # ".sitebook" is added
    names.owner.setText("Alice Admin")
    wizard.next()
    assert wizard.currentId() == PASSPHRASE_PAGE
    assert names.target() == target

    page = wizard.passphrase_page
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    page.passphrase.setText("Summer2024!")  # a common word and a year
    page.repeat.setText("Summer2024!")
    assert not next_button.isEnabled()
    assert "common" in page.meter.problems.text()
    page.passphrase.setText("AcmeField-2291")  # personal words
    assert "your name" in page.meter.problems.text()
    page.generate.click()  # six words, shown
    assert page.isComplete() and next_button.isEnabled()
    assert len(page.passphrase.text().split("-")) >= 6
    assert page.meter.bar.value() > 60
    page.passphrase.setText(PASSPHRASE)
    page.repeat.setText(PASSPHRASE + "x")
    assert not next_button.isEnabled() and "differ" in page.match.text()
    page.repeat.setText(PASSPHRASE)
    assert next_button.isEnabled() and next_button.text() == "&Create vault"

    wizard.next()
    assert wizard.currentId() == CREATING_PAGE
    assert wizard.busy and not wizard.button(QWizard.WizardButton.CancelButton).isEnabled()
    qtbot.waitUntil(lambda: wizard.currentId() == KIT_PAGE, timeout=SIGNAL_TIMEOUT_MS)
    return wizard


def test_wizard_creates_a_vault_that_opens_with_passphrase_and_kit_key(
    qtbot, win, tmp_path
) -> None:
    target = tmp_path / "acme.sitebook"
    wizard = _to_kit(qtbot, win, target)
    kit_page = wizard.kit_page
    key = wizard.pending.kit.recovery_key
    shown = [label.text() for label in kit_page.group_labels]
    assert shown == key_groups(key)
    assert not target.exists() and pending_path(target).exists()  # not usable yet
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()  # sealed in

    pdf = tmp_path / "kit" / "acme-kit"
    pdf.parent.mkdir()
    dialogs.set_next_answer(str(pdf))
    job = kit_page.save_pdf()
    with qtbot.waitSignal(job.finished, timeout=SIGNAL_TIMEOUT_MS):
        pass
    saved = pdf.with_suffix(".pdf")
    assert str(saved) in kit_page.status.text()
    text = _pdf_text(saved)
    assert all(group in text for group in shown)
    assert "Acme Field Services" in text and wizard.pending.kit.vault_id in text

    wizard.next()
    assert wizard.currentId() == CONFIRM_PAGE
    confirm = wizard.confirm_page
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()
    first, second = confirm.groups
    confirm.fields[0].setText(shown[first])
    confirm.fields[1].setText("ZZZZZ" if shown[second] != "ZZZZZ" else "YYYYY")
    confirm.stored.setChecked(True)
    assert not finish.isEnabled() and "does not match" in confirm.marks[1].text()
    confirm.fields[1].setText(shown[second].lower())  # case does not matter
    assert finish.isEnabled()
    confirm.stored.setChecked(False)
    assert not finish.isEnabled()
    confirm.stored.setChecked(True)

    on_screen: list[str] = []
    wizard.created.connect(
        lambda _vault: on_screen.extend(
            [label.text() for label in kit_page.group_labels]
            + [wizard.passphrase_page.passphrase.text(), *(f.text() for f in confirm.fields)]
        )
    )
    with qtbot.waitSignal(win.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        finish.click()
    assert on_screen == [""] * 11  # key, passphrase and typed groups off the screen
    assert win.is_unlocked and win.vault_path == target
    assert win.windowTitle() == "Acme Field Services — Sitebook"
    assert target.exists() and not pending_path(target).exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    win.start_control.wait_saved()  # the recent list is written on the worker
    (entry,) = RecentVaults().entries()
    assert entry.path == target and entry.name == "acme"  # the file's name, not the vault's
    assert "Acme" not in RecentVaults().path.read_text()
    win.close()

    with Vault.open(target) as vault:
        vault.unlock(PASSPHRASE)
        assert vault.name == "Acme Field Services"
        assert vault.kdf_params().memory_kib == CHEAP.memory_kib
    typed = "-".join(word for word in text.split() if word in shown)
    with Vault.open(target) as vault:
        vault.unlock_with_recovery(typed)  # the key as read off the PDF
        assert vault.is_unlocked


def test_cancel_on_the_kit_page_leaves_nothing(qtbot, win, tmp_path) -> None:
    target = tmp_path / "acme.sitebook"
    wizard = _to_kit(qtbot, win, target)
    assert pending_path(target).exists()
    wizard.reject()
    assert list(tmp_path.iterdir()) == [p for p in tmp_path.iterdir() if p.is_dir()]
    assert not target.exists() and not pending_path(target).exists()
    assert win.start_control.wizard is None
    assert win.stack.currentWidget() is win.start_control.screen
    assert RecentVaults().entries() == []


def test_cancel_on_the_confirm_page_leaves_nothing(qtbot, win, tmp_path) -> None:
    target = tmp_path / "acme.sitebook"
    wizard = _to_kit(qtbot, win, target)
    wizard.next()
    assert wizard.currentId() == CONFIRM_PAGE
    wizard.button(QWizard.WizardButton.CancelButton).click()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == []


def test_closing_the_window_discards_an_unconfirmed_vault(qtbot, win, tmp_path) -> None:
    target = tmp_path / "acme.sitebook"
    _to_kit(qtbot, win, target)
    win.close()
    assert not target.exists() and not pending_path(target).exists()


def test_name_page_refuses_an_existing_file_inline(qtbot, win, small_vault) -> None:
    win.start_control.new_action.trigger()
    wizard = win.start_control.wizard
    wizard.name_page.name.setText("Clash")
    wizard.name_page.location.setText(str(small_vault.path))
    wizard.next()
    assert wizard.currentId() == 0
    assert wizard.name_page.error.isVisible() and "already exists" in wizard.name_page.error.text()
    wizard.name_page.location.setText(str(small_vault.path.parent / "nope" / "x.sitebook"))
    wizard.next()
    assert wizard.currentId() == 0 and "does not exist" in wizard.name_page.error.text()
    wizard.reject()


def test_print_renders_the_key(qtbot, win, tmp_path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    wizard = _to_kit(qtbot, win, tmp_path / "acme.sitebook")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    wizard.kit_page.render_to(printer)
    text = _pdf_text(printed)
    assert all(group in text for group in key_groups(wizard.pending.kit.recovery_key))
    wizard.reject()


# ---------------------------------------------------------------------- locking reaches the wizard


def _secrets_on_screen(wizard) -> list[str]:
    page = wizard.passphrase_page
    return [
        *(label.text() for label in wizard.kit_page.group_labels),
        page.passphrase.text(),
        page.repeat.text(),
        *(field.text() for field in wizard.confirm_page.fields),
    ]


def test_locking_with_no_vault_open_empties_and_cancels_the_wizard(qtbot, win, tmp_path) -> None:
    target = tmp_path / "acme.sitebook"
    wizard = _to_kit(qtbot, win, target)
    assert any(_secrets_on_screen(wizard)) and win.vault is None
    seen: list[list[str]] = []
    wizard.rejected.connect(lambda: seen.append(_secrets_on_screen(wizard)))
    win.lock()  # what idle time, a screen lock or suspend call
    assert seen == [[""] * 12]  # nothing left on screen when it closed
    assert not wizard.isVisible() and win.start_control.wizard is None
    assert not target.exists() and not pending_path(target).exists()  # no unconfirmed vault


def test_idle_lock_on_the_start_page_clears_a_generated_passphrase(qtbot, win, tmp_path) -> None:
    win.start_control.new_action.trigger()
    wizard = win.start_control.wizard
    wizard.name_page.name.setText("Idle Co")
    wizard.name_page.location.setText(str(tmp_path / "idle.sitebook"))
    wizard.next()
    wizard.passphrase_page.generate.click()
    assert wizard.passphrase_page.passphrase.text()
    shown: list[str] = []
    wizard.rejected.connect(lambda: shown.append(wizard.passphrase_page.passphrase.text()))
    win.idle.timer.setInterval(50)  # the idle countdown, shortened: no vault is open
    win.idle.timer.start()
    qtbot.waitUntil(lambda: win.start_control.wizard is None, timeout=SIGNAL_TIMEOUT_MS)
    assert shown == [""]  # it was emptied before it closed (and was deleted)
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == []


def test_lock_while_the_key_is_derived_cancels_once_it_ends(qtbot, win, tmp_path) -> None:
    target = tmp_path / "busy.sitebook"
    win.start_control.new_action.trigger()
    wizard = win.start_control.wizard
    wizard.name_page.name.setText("Busy Co")
    wizard.name_page.location.setText(str(target))
    wizard.next()
    wizard.passphrase_page.passphrase.setText(PASSPHRASE)
    wizard.passphrase_page.repeat.setText(PASSPHRASE)
    wizard.next()
    assert wizard.busy
    job = wizard.job
    win.lock()
    assert wizard.passphrase_page.passphrase.text() == ""  # off the screen at once
    assert wizard.isVisible()  # it cannot close under a running key derivation
    at_close: list[list[str]] = []
    wizard.rejected.connect(lambda: at_close.append(_secrets_on_screen(wizard)))
    with qtbot.waitSignal(wizard.rejected, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert not job.running
    assert at_close == [[""] * 12]  # the key was never shown
    assert not target.exists() and not pending_path(target).exists()
    assert win.start_control.wizard is None


# ---------------------------------------------------------------------- bad locations, inline


def _name_page_problem(win, location: str) -> str:
    win.start_control.new_action.trigger()
    wizard = win.start_control.wizard
    wizard.name_page.name.setText("Somewhere")
    wizard.name_page.location.setText(location)
    wizard.next()  # validatePage: an exception here would fail the test (pytest-qt)
    assert wizard.currentId() == 0
    text = wizard.name_page.error.text()
    assert wizard.name_page.error.isVisibleTo(wizard)
    wizard.reject()
    return text


def test_a_folder_as_location_is_an_inline_message(qtbot, win, tmp_path) -> None:
    assert "is a folder" in _name_page_problem(win, "/")
    assert "is a folder" in _name_page_problem(win, str(tmp_path))
    assert "full path" in _name_page_problem(win, "relative.sitebook")


def test_a_location_that_cannot_be_checked_is_an_inline_message(qtbot, win, tmp_path) -> None:
    too_long = tmp_path / ("x" * 300) / "v.sitebook"  # stat() fails: ENAMETOOLONG
    assert "cannot be checked" in _name_page_problem(win, str(too_long))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_without_permission_is_an_inline_message(qtbot, win, tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert "may not create files" in _name_page_problem(win, str(locked / "v.sitebook"))
        inner = locked / "inner"
        locked.chmod(0o000)
        assert "cannot be checked" in _name_page_problem(win, str(inner / "v.sitebook"))
    finally:
        locked.chmod(0o700)


# ---------------------------------------------------------------------- saving the kit


def test_the_kit_is_suggested_away_from_the_vault_and_asked_before_replacing(
    qtbot, win, tmp_path, monkeypatch
) -> None:
    target = tmp_path / "acme.sitebook"
    wizard = _to_kit(qtbot, win, target)
    page = wizard.kit_page
    suggested: list[str] = []
    real_save_path = dialogs.save_path

    def save_path(parent, title, name="", filters=""):
        suggested.append(name)
        return real_save_path(parent, title, name, filters)  # answered by the queue

    monkeypatch.setattr(dialogs, "save_path", save_path)
    elsewhere = tmp_path / "offline"
    elsewhere.mkdir()
    existing = elsewhere / "kit.pdf"
    existing.write_bytes(b"keep me")
    dialogs.set_next_answer(str(elsewhere / "kit"), False)  # ".pdf" added: exists, keep it
    assert page.save_pdf() is None
    assert existing.read_bytes() == b"keep me"
    assert Path(suggested[0]).parent != tmp_path  # not next to the vault
    assert Path(suggested[0]).parent in (default_folder(), Path.home())
    assert Path(suggested[0]).name == "acme-emergency-kit.pdf"

    dialogs.set_next_answer(str(elsewhere / "kit"), True)  # asked again: replace it
    with qtbot.waitSignal(page.save_pdf().finished, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert existing.read_bytes().startswith(b"%PDF") and not page.error.isVisibleTo(wizard)

    beside = tmp_path / "beside-the-vault.pdf"
    dialogs.set_next_answer(str(beside))  # the vault's own folder: saved, with a warning
    with qtbot.waitSignal(page.save_pdf().finished, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert beside.exists() and page.error.isVisibleTo(wizard)
    assert "vault's own folder" in page.error.text()
    wizard.reject()
