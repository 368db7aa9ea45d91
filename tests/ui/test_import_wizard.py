"""The import wizard over a real vault file: KDBX from keepassxc-cli, CSV, cancel, errors."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget, QWizard

from bench.bench_import import generate
from importers.base import ImportReport
from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS, unlock
from ui.desktop import worker
from ui.desktop.importwizard import MAPPING, RUN, SOURCE, SUMMARY, TARGET, ImportWizard
from ui.desktop.importwizard_mapping import MASK, SAMPLE, MappingModel
from ui.desktop.importwizard_mapping import TARGET as TARGET_COLUMN
from ui.desktop.importwizard_parts import attachments_note, kept_as_custom
from ui.desktop.importwizard_preview import NEW
from vault.templates import BUILTIN_TEMPLATES

pytestmark = [pytest.mark.timeout(240), OFFSCREEN_NOISE]

DATA = Path(__file__).parents[1] / "importers" / "data"
KDBX_PASSWORD = "wizard kdbx password"
needs_keepassxc = pytest.mark.skipif(
    shutil.which("keepassxc-cli") is None, reason="keepassxc-cli is not installed"
)


@pytest.fixture
def unlocked(qtbot, window, small_vault):
    unlock(qtbot, window, small_vault.passphrase)
    return window


@pytest.fixture
def kdbx(tmp_path: Path) -> Path:
    """keepass.xml (6 entries) turned into a KDBX by the real keepassxc-cli."""
    target = tmp_path / "clients.kdbx"
    done = subprocess.run(
        [
            "keepassxc-cli",
            "import",
            "-q",
            "-t",
            "100",
            "-p",
            str(DATA / "keepass.xml"),
            str(target),
        ],
        input=f"{KDBX_PASSWORD}\n{KDBX_PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return target


def write_csv(path: Path, rows: int) -> Path:
    lines = ["Name,Login,Secret word,Website,Room"]
    lines += [f"Printer {n},user{n},pw-{n}-x,https://p{n}.example,R{n % 7}" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wait_page(qtbot, wizard: ImportWizard, page: int) -> None:
    qtbot.waitUntil(lambda: wizard.currentId() == page, timeout=SIGNAL_TIMEOUT_MS)


def wait_detected(qtbot, wizard: ImportWizard, name: str | None) -> None:
    qtbot.waitUntil(lambda: not wizard.busy, timeout=SIGNAL_TIMEOUT_MS)
    assert wizard.source.detected == name


def wait_preview(qtbot, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: wizard.target.isComplete(), timeout=SIGNAL_TIMEOUT_MS)


def csv_at_target(qtbot, window, path: Path) -> ImportWizard:
    """The wizard on ``path`` (a CSV), past the mapping as proposed, on the target page."""
    wizard = window.transfers.show_import(path)
    wait_detected(qtbot, wizard, "csv")
    wizard.next()
    wait_page(qtbot, wizard, MAPPING)
    wizard.next()
    wait_page(qtbot, wizard, TARGET)
    return wizard


def choose_client(wizard: ImportWizard, name: str) -> None:
    combo = wizard.target.client
    combo.setCurrentIndex(combo.findText(name))


def records_of(vault, scope_id: str) -> list:
    return [r for r in vault.list_records() if r.scope_id == scope_id]


@needs_keepassxc
def test_a_kdbx_from_keepassxc_imports_once_and_again_adds_nothing(
    qtbot, unlocked, kdbx: Path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    vault = unlocked.vault
    client = vault.clients()[0]
    before = len(vault.list_records())
    for attempt in range(2):
        wizard = unlocked.transfers.show_import(kdbx)
        assert isinstance(wizard, ImportWizard)
        wait_detected(qtbot, wizard, "kdbx")
        assert wizard.source.password.isVisibleTo(wizard)
        wizard.source.password.setText(KDBX_PASSWORD)
        wizard.next()
        wait_page(qtbot, wizard, TARGET)
        assert wizard.source.password.text() == ""  # not kept once the file is read
        choose_client(wizard, client.name)
        wait_preview(qtbot, wizard)
        preview = wizard.target.preview
        assert preview is not None and preview.dry_run
        if attempt == 0:
            assert (preview.created, preview.unchanged) == (6, 0)
            assert sum(preview.by_type.values()) == 6
            assert "Tags:" in wizard.target.groups.text()
        else:
            assert (preview.created, preview.updated, preview.unchanged) == (0, 0, 6)
        wizard.next()
        wait_page(qtbot, wizard, SUMMARY)
        report = wizard.report
        assert report is not None and not report.dry_run
        assert report.created == (6 if attempt == 0 else 0)
        assert report.unchanged == (0 if attempt == 0 else 6)
        assert "6" in wizard.summary.headline.text() or attempt == 1
        with qtbot.waitSignal(wizard.finished, timeout=SIGNAL_TIMEOUT_MS):
            wizard.button(QWizard.WizardButton.FinishButton).click()
        assert wizard.parsed is None  # the drafts (with their passwords) are dropped
        assert len(vault.list_records()) == before + 6
    mine = records_of(vault, client.id)
    assert sum(1 for r in mine if r.source and r.source.startswith("keepass:")) == 6
    # the list shows them: the index caught up
    assert any(row for row in unlocked.index.catalog(client.id) if row.id in {r.id for r in mine})
    assert KDBX_PASSWORD not in caplog.text


@needs_keepassxc
def test_a_wrong_kdbx_password_is_an_inline_message(qtbot, unlocked, kdbx: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wizard = unlocked.transfers.show_import(kdbx)
    wait_detected(qtbot, wizard, "kdbx")
    wizard.next()  # no password at all
    assert wizard.currentId() == SOURCE
    assert "password" in wizard.source.message.text()
    wizard.source.password.setText("not the password")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.source.message.isVisibleTo(wizard), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=SIGNAL_TIMEOUT_MS)
    assert wizard.currentId() == SOURCE
    assert "password or key file is wrong" in wizard.source.message.text()
    assert wizard.source.password.text() == ""
    assert "not the password" not in caplog.text
    wizard.reject()


def test_a_csv_is_mapped_and_imported_into_a_new_client(qtbot, unlocked, tmp_path: Path) -> None:
    vault = unlocked.vault
    path = write_csv(tmp_path / "printers.csv", 3)
    wizard = unlocked.transfers.show_import(path)
    wait_detected(qtbot, wizard, "csv")
    wizard.next()
    wait_page(qtbot, wizard, MAPPING)
    model = wizard.mapping.model
    mapping = model.mapping()
    assert mapping["Name"] == "title" and mapping["Login"] == "username"
    assert mapping["Website"] == "url" and mapping["Secret word"] == "secret:Secret word"
    secret_row = list(mapping).index("Secret word")
    assert model.index(secret_row, SAMPLE).data() == MASK  # a secret is never shown
    room_row = list(mapping).index("Room")
    assert model.setData(model.index(room_row, TARGET_COLUMN), "notes")
    assert model.mapping()["Room"] == "notes"
    wizard.next()
    wait_page(qtbot, wizard, TARGET)
    combo = wizard.target.client
    combo.setCurrentIndex(combo.findData(NEW))
    assert not wizard.target.isComplete()  # a new client needs a name
    wizard.target.new_name.setText("Fabrikam Printing")
    wait_preview(qtbot, wizard)
    assert wizard.target.preview.clients == ["Fabrikam Printing"]
    assert wizard.target.preview.created == 3
    wizard.next()
    wait_page(qtbot, wizard, SUMMARY)
    client = vault.find_client("Fabrikam Printing")
    records = sorted(records_of(vault, client.id), key=lambda r: r.title)
    assert [r.title for r in records] == ["Printer 0", "Printer 1", "Printer 2"]
    assert records[1].fields["username"] == "user1"
    assert records[1].fields["notes"] == "R1"
    assert records[1].fields["Secret word"] == "pw-1-x"
    assert "Secret word" in records[1].secret_names(vault.kinds(records[1]))
    wizard.reject()


def test_cancel_mid_import_leaves_nothing(qtbot, unlocked, tmp_path: Path) -> None:
    vault = unlocked.vault
    path = write_csv(tmp_path / "many.csv", 1500)
    before = len(vault.list_records())
    clients = [c.name for c in vault.clients()]
    wizard = csv_at_target(qtbot, unlocked, path)
    combo = wizard.target.client
    combo.setCurrentIndex(combo.findData(NEW))
    wizard.target.new_name.setText("Half Imported Ltd")
    wait_preview(qtbot, wizard)
    seen: list[int] = []

    def on_progress(done: int, total: int) -> None:
        seen.append(done)
        if done >= 25:
            wizard.run_page.job_line.cancel()

    wizard.next()
    assert wizard.currentId() == RUN
    job = wizard.run_page.job_line.job
    job.progressed.connect(on_progress)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=120_000)
    assert seen and max(seen) < 1500
    assert wizard.currentId() == RUN
    assert wizard.run_page.message.text() == "Cancelled. Nothing was imported."
    assert wizard.run_page.again.isVisibleTo(wizard)
    vault.refresh()
    assert len(vault.list_records()) == before
    assert [c.name for c in vault.clients()] == clients  # the new client rolled back too
    wizard.reject()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=SIGNAL_TIMEOUT_MS)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BrokenKeepassTruncated.xml", "keepass.xml"),
        ("BrokenCsvNotText.csv", "BrokenCsvNotText.csv"),
    ],
)
def test_a_damaged_file_is_an_inline_message(qtbot, unlocked, name: str, expected: str) -> None:
    wizard = unlocked.transfers.show_import(DATA / name)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=SIGNAL_TIMEOUT_MS)
    wizard.next()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=SIGNAL_TIMEOUT_MS)
    assert wizard.currentId() == SOURCE
    assert wizard.source.message.isVisibleTo(wizard)
    assert name in wizard.source.message.text()
    wizard.reject()


def test_an_unknown_format_is_named_and_can_be_chosen(qtbot, unlocked, tmp_path: Path) -> None:
    path = tmp_path / "notes.bin"
    path.write_bytes(bytes(range(256)) * 8)
    wizard = unlocked.transfers.show_import(path)
    wait_detected(qtbot, wizard, None)
    assert "not in a format Sitebook recognises" in wizard.source.message.text()
    assert "Not recognised" in wizard.source.detected_label.text()
    combo = wizard.source.format_combo
    combo.setCurrentIndex(combo.findData("keepass-xml"))  # override: then reading fails inline
    wizard.next()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=SIGNAL_TIMEOUT_MS)
    assert wizard.currentId() == SOURCE
    assert "notes.bin" in wizard.source.message.text()
    wizard.reject()


def test_a_file_dropped_on_the_window_opens_the_wizard(qtbot, unlocked, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dropped.csv", 2)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    args = (
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(QPoint(20, 20), *args)
    enter.setAccepted(False)
    QApplication.sendEvent(unlocked, enter)
    assert enter.isAccepted()  # the window takes the drag
    vault_file = QMimeData()
    vault_file.setUrls([QUrl.fromLocalFile(str(tmp_path / "other.sitebook"))])
    refused = QDragEnterEvent(QPoint(20, 20), args[0], vault_file, *args[2:])
    refused.setAccepted(False)
    QApplication.sendEvent(unlocked, refused)
    assert not refused.isAccepted()  # vault files are opened, not imported
    # Qt delivers a Drop only inside a real drag session: hand it to the window's filter.
    drop = QDropEvent(QPointF(20, 20), *args)
    assert unlocked.transfers.eventFilter(unlocked, drop)
    (wizard,) = [d for d in unlocked.transfers.open if isinstance(d, ImportWizard)]
    assert wizard.path == path
    wait_detected(qtbot, wizard, "csv")
    wizard.reject()


def test_one_record_with_one_attachment_is_counted_in_the_singular(
    qtbot, unlocked, tmp_path: Path
) -> None:
    path = tmp_path / "one.xml"
    generate(path, 1)  # its one entry carries one attachment
    wizard = unlocked.transfers.show_import(path)
    wait_detected(qtbot, wizard, "keepass-xml")
    wizard.next()
    wait_page(qtbot, wizard, TARGET)
    choose_client(wizard, unlocked.vault.clients()[0].name)
    wait_preview(qtbot, wizard)
    assert wizard.target.headline.text().endswith("0 skipped; 1 attachment.")
    wizard.next()
    wait_page(qtbot, wizard, SUMMARY)
    headline = wizard.summary.headline.text()
    assert headline.startswith("Imported 1 record from one.xml (keepass-xml) into ")
    assert headline.endswith("0 unchanged; 1 attachment.")
    assert not wizard.summary.skipped_view.isVisibleTo(wizard)  # nothing was skipped
    wizard.reject()
    # the status bar counts the new record too, not only the tree
    total = len(unlocked.vault.list_records())
    qtbot.waitUntil(
        lambda: unlocked.state_label.text() == f"Unlocked — {total} records",
        timeout=SIGNAL_TIMEOUT_MS,
    )


def test_the_summary_lists_what_was_skipped(qtbot, unlocked, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("Name,Type,Login\nPrinter 0,credential,u\nWarp core,spaceship,u2\n")
    wizard = csv_at_target(qtbot, unlocked, path)
    choose_client(wizard, unlocked.vault.clients()[0].name)
    wait_preview(qtbot, wizard)
    wizard.next()
    wait_page(qtbot, wizard, SUMMARY)
    assert wizard.summary.skipped_view.isVisibleTo(wizard)
    assert wizard.summary.skipped.rowCount() == 1
    reason = wizard.summary.skipped.index(0, 1).data()
    assert reason == "unknown record type 'spaceship'"
    wizard.reject()


def test_a_long_list_of_custom_fields_is_cut_at_twenty(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    names = [f"Field {n}" for n in range(1, 24)]
    few, many = ImportReport("csv", unmapped=names[:2]), ImportReport("csv", unmapped=names)
    assert kept_as_custom(widget, few) == "Kept as custom fields: Field 1, Field 2"
    assert kept_as_custom(widget, many).endswith("Field 19, Field 20 and 3 more")


def test_a_headline_names_attachments_only_when_there_are_some(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    assert [attachments_note(widget, n) for n in (0, 1, 2)] == [
        "",
        "; 1 attachment",
        "; 2 attachments",
    ]


def test_import_needs_an_unlocked_vault(window) -> None:
    assert not window.transfers.import_action.isEnabled()
    assert window.transfers.verify_action.isEnabled()
    assert window.transfers.show_import() is None
    assert window.transfers.import_action.shortcut().toString() == "Ctrl+I"


def test_the_mapping_model_passes_the_model_tester(qtmodeltester) -> None:
    model = MappingModel()
    model.load(
        ["Name", "Password", "Room"],
        {"Name": "a", "Password": "b", "Room": "c"},
        "credential",
        BUILTIN_TEMPLATES,
    )
    qtmodeltester.check(model)
    assert model.index(1, SAMPLE).data() == MASK
    model.set_record_type("configuration", BUILTIN_TEMPLATES)
    assert model.mapping()["Name"] == "title"
    assert not model.setData(model.index(0, TARGET_COLUMN), "not-a-field")


def test_locking_closes_the_wizard_and_drops_the_drafts(qtbot, unlocked, tmp_path: Path) -> None:
    wizard = unlocked.transfers.show_import(write_csv(tmp_path / "locked.csv", 2))
    wait_detected(qtbot, wizard, "csv")
    wizard.next()
    wait_page(qtbot, wizard, MAPPING)
    assert wizard.parsed is not None
    unlocked.lock()
    assert wizard.parsed is None and not wizard.isVisible()
    assert unlocked.transfers.open == []
    assert not unlocked.transfers.import_action.isEnabled()


def _crash_dialogs() -> list:
    return [w for w in QApplication.topLevelWidgets() if w.objectName() == "crashDialog"]


def test_locking_during_a_running_import_rolls_it_back_without_a_crash(
    qtbot, unlocked, small_vault, tmp_path: Path, caplog, monkeypatch
) -> None:
    caplog.set_level(logging.INFO)
    vault = unlocked.vault
    before = len(vault.list_records())
    clients = [c.name for c in vault.clients()]
    wizard = csv_at_target(qtbot, unlocked, write_csv(tmp_path / "big.csv", 1500))
    combo = wizard.target.client
    combo.setCurrentIndex(combo.findData(NEW))
    wizard.target.new_name.setText("Locked Midway Ltd")
    wait_preview(qtbot, wizard)
    closed: list[int] = []
    wizard.finished.connect(closed.append)
    seen: list[int] = []
    report = worker.JobControl.progress

    def held(control: worker.JobControl, done: int, total: int) -> None:
        # On a busy machine the worker could finish all 1,500 before the GUI thread
        # runs again: the import waits here, mid-way, until the lock cancels it.
        report(control, done, total)
        if total >= 1500 and done >= 100:
            control._cancel.wait(SIGNAL_TIMEOUT_MS / 1000)
            control.check()

    monkeypatch.setattr(worker.JobControl, "progress", held)
    wizard.next()
    job = wizard.run_page.job_line.job
    job.progressed.connect(lambda done, _total: seen.append(done))
    qtbot.waitUntil(lambda: any(done > 0 for done in seen), timeout=SIGNAL_TIMEOUT_MS)
    assert job.running

    unlocked.lock()  # what Ctrl+L or the idle timer does in the middle of the import
    assert not job.running  # stopped before the keys went, not after
    assert closed and unlocked.transfers.open == []
    assert not unlocked.is_unlocked and unlocked.index is None
    qtbot.wait(200)  # anything still queued would arrive now
    assert _crash_dialogs() == []
    assert not [r for r in caplog.records if "crashed" in r.getMessage()]
    assert max(seen) < 1500  # it was really cut short

    unlock(qtbot, unlocked, small_vault.passphrase)
    vault = unlocked.vault
    vault.refresh()
    assert len(vault.list_records()) == before  # rolled back: nothing half imported
    assert [c.name for c in vault.clients()] == clients
