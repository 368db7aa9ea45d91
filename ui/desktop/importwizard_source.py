"""The import wizard's first two pages: the file, and (for plain CSV) its column mapping.

:class:`SourcePage` takes a file or folder (typed, chosen or dropped on the
window), recognises its format in the background (``importers.registry.sniff``)
and lets the person name another; a KeePass database asks for its password
and/or key file. Next reads the file through the worker; a wrong password, an
unknown format or a damaged file is a red line on the page. :class:`MappingPage`
shows a CSV's columns with a sample and where each goes, and reads the file
again with the mapping chosen.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWizardPage,
)

from importers import generic_csv, read, registry
from importers.base import ImportOptions, Parsed
from ui.desktop import dialogs
from ui.desktop.importwizard_mapping import MappingModel, TargetDelegate
from ui.desktop.importwizard_parts import InlineMessage, JobLine, buddy_label, emit_complete
from ui.desktop.worker import JobControl
from vault.errors import CancelledError, VaultError

if TYPE_CHECKING:
    from ui.desktop.importwizard import ImportWizard

ENCRYPTED = frozenset({"kdbx"})
"""Formats that need a password (or key file) to be read."""

MAPPING_PAGE, TARGET_PAGE = 1, 2


class SourcePage(QWizardPage):
    """The file, its format, a KeePass password, and how groups come in."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Choose what to import"))
        self.setSubTitle(
            self.tr(
                "An export of KeePass, Bitwarden, 1Password, LastPass, a browser, IT Glue, "
                "ITFlow, a CSV file or a folder of Markdown. You can also drop it on the window."
            )
        )
        self.detected: str | None = None
        self._generation = 0
        self._read_key: tuple | None = None

        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText(self.tr("File or folder to import"))
        self.path_edit.editingFinished.connect(lambda: self.set_path(self._typed_path()))
        choose_file = QPushButton(self.tr("Choose &file…"))
        choose_file.clicked.connect(self.choose_file)
        choose_folder = QPushButton(self.tr("Choose f&older…"))
        choose_folder.clicked.connect(self.choose_folder)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(choose_file)
        path_row.addWidget(choose_folder)

        self.format_combo = QComboBox()
        self.format_combo.setObjectName("importFormat")
        self.format_combo.addItem(self.tr("Recognise from the content"), None)
        for fmt in registry.formats().values():
            self.format_combo.addItem(f"{fmt.label} ({fmt.name})", fmt.name)
        self.format_combo.currentIndexChanged.connect(lambda _i: self._inputs_changed())
        self.detected_label = QLabel()
        self.detected_label.setObjectName("importDetected")
        self.detected_label.setWordWrap(True)

        self.password = QLineEdit()
        self.password.setObjectName("importPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textChanged.connect(lambda _t: self._inputs_changed())
        self.keyfile = QLineEdit()
        self.keyfile.setObjectName("importKeyfile")
        self.keyfile.setPlaceholderText(self.tr("Optional"))
        self.keyfile.textChanged.connect(lambda _t: self._inputs_changed())
        keyfile_button = QPushButton(self.tr("Choose k&ey file…"))
        keyfile_button.clicked.connect(self.choose_keyfile)
        keyfile_row = QHBoxLayout()
        keyfile_row.addWidget(self.keyfile, 1)
        keyfile_row.addWidget(keyfile_button)

        self.groups = QComboBox()
        self.groups.setObjectName("importGroupsAs")
        self.groups.addItem(self.tr("Tags"), "tags")
        self.groups.addItem(self.tr("Clients (the top-level group names the client)"), "clients")
        self.groups.currentIndexChanged.connect(lambda _i: self._inputs_changed())
        self.history = QCheckBox(self.tr("Import earlier &versions as history"))
        self.history.setObjectName("importHistory")
        self.history.setChecked(True)
        self.history.toggled.connect(lambda _c: self._inputs_changed())

        form = QFormLayout()
        form.addRow(buddy_label(self.tr("&Import from:"), self.path_edit), path_row)
        form.addRow(self.tr("&Format:"), self.format_combo)
        form.addRow("", self.detected_label)
        self.password_label = QLabel(self.tr("&Password:"))
        self.password_label.setBuddy(self.password)
        form.addRow(self.password_label, self.password)
        self.keyfile_label = buddy_label(self.tr("&Key file:"), self.keyfile)
        form.addRow(self.keyfile_label, keyfile_row)
        self._keyfile_row = keyfile_row
        form.addRow(self.tr("&Groups and folders become:"), self.groups)
        form.addRow("", self.history)
        self.message = InlineMessage("importSourceMessage")
        self.job_line = JobLine("importReading")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.job_line)
        self._show_password(False)

    # ------------------------------------------------------------------ choosing

    def _typed_path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text).expanduser() if text else None

    def choose_file(self) -> None:
        """Ask for a file."""
        path = dialogs.open_path(self, self.tr("Import a file"))
        if path:
            self.set_path(Path(path))

    def choose_folder(self) -> None:
        """Ask for a folder (an IT Glue export, a Markdown vault)."""
        path = dialogs.folder_path(self, self.tr("Import a folder"))
        if path:
            self.set_path(Path(path))

    def choose_keyfile(self) -> None:
        """Ask for the KeePass key file."""
        path = dialogs.open_path(self, self.tr("KeePass key file"))
        if path:
            self.keyfile.setText(path)

    def set_path(self, path: Path | None) -> None:
        """Use ``path`` and recognise its format in the background."""
        if path is None or (path == self.w.path and self.detected is not None):
            return
        self.w.path = path
        self.path_edit.setText(str(path))
        self.detected = None
        self._inputs_changed()
        self._generation += 1
        generation = self._generation
        self.detected_label.setText(self.tr("Recognising the format…"))

        def work(_control: JobControl) -> str:
            if not path.exists():
                raise VaultError(self.tr("{path} does not exist.").format(path=str(path)))
            return registry.sniff(path).name

        def found(name: str) -> None:
            if generation == self._generation:
                self.detected = name
                fmt = registry.get(name)
                self.detected_label.setText(self.tr("Recognised: {label}").format(label=fmt.label))
                self._inputs_changed()

        def failed(exc: VaultError) -> None:
            if generation == self._generation:
                self.detected_label.setText(self.tr("Not recognised: choose the format above."))
                if self.format_combo.currentData() is None:
                    self.message.show_error(str(exc))

        self.w.start_job(work, on_success=found, on_error=failed)

    def format_name(self) -> str | None:
        """The format chosen, else the one recognised (None while unknown)."""
        return self.format_combo.currentData() or self.detected

    def _show_password(self, shown: bool) -> None:
        for widget in (self.password_label, self.password, self.keyfile_label, self.keyfile):
            widget.setVisible(shown)
        for index in range(self._keyfile_row.count()):
            item = self._keyfile_row.itemAt(index).widget()
            if item is not None:
                item.setVisible(shown)

    def _inputs_changed(self) -> None:
        self._read_key = None
        self.message.clear_message()
        self._show_password(self.format_name() in ENCRYPTED)
        emit_complete(self)

    # ------------------------------------------------------------------ reading

    def _key(self) -> tuple:
        return (
            self.w.path,
            self.format_name(),
            self.groups.currentData(),
            self.history.isChecked(),
            self.keyfile.text().strip(),
        )

    def isComplete(self) -> bool:
        return self.w.path is not None and not self.job_line.running

    def nextId(self) -> int:
        parsed = self.w.parsed
        return MAPPING_PAGE if parsed is not None and parsed.format == "csv" else TARGET_PAGE

    def validatePage(self) -> bool:
        """Next: go on if the file was read with these choices, else read it first."""
        if self._read_key is not None and self._read_key == self._key():
            return True
        path = self.w.path
        if path is None:
            return False
        name = self.format_name()
        if name is None and self.detected_label.text() == self.tr("Recognising the format…"):
            self.message.show_error(self.tr("Still recognising the format; try again."))
            return False
        options = ImportOptions(
            groups_as=self.groups.currentData(),
            history=self.history.isChecked(),
        )
        if name in ENCRYPTED:
            if not self.password.text() and not self.keyfile.text().strip():
                self.message.show_error(self.tr("Type the database's password (or a key file)."))
                self.password.setFocus()
                return False
            options.passphrase = self.password.text() or None
            keyfile = self.keyfile.text().strip()
            options.keyfile = Path(keyfile).expanduser() if keyfile else None
        self.w.options = options
        self.start_read(path, name, options)
        return False

    def start_read(self, path: Path, name: str | None, options: ImportOptions) -> None:
        """Read the file in the background; go to the next page when done."""
        key = self._key()
        templates = self.w.templates

        def work(control: JobControl) -> tuple[Parsed, list[str], dict[str, str]]:
            if name == "csv":
                parsed = generic_csv.read_mapped(path, options, templates)
                rows = generic_csv.preview_rows(path, 1)
                return parsed, generic_csv.columns(path), rows[0] if rows else {}
            parsed = read(path, name, options)
            control.check()
            return parsed, [], {}

        def done(result: tuple[Parsed, list[str], dict[str, str]]) -> None:
            self.password.clear()
            self.w.options.passphrase = None
            self.w.set_parsed(*result)
            self._read_key = key
            self.w.mapping.loaded_for = None
            emit_complete(self)
            self.w.next()

        def failed(exc: VaultError) -> None:
            if name in ENCRYPTED:
                self.password.clear()  # (this clears the message too: show it after)
                self.password.setFocus()
            if not isinstance(exc, CancelledError):
                self.message.show_error(str(exc))
            emit_complete(self)

        self.message.clear_message()
        job = self.w.start_job(work, on_success=done, on_error=failed)
        job.finished.connect(lambda: emit_complete(self))
        self.job_line.follow(job, self.tr("Reading {name}…").format(name=path.name))
        emit_complete(self)


class MappingPage(QWizardPage):
    """A CSV's columns, a sample value each, and the field each one goes to."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Map the columns"))
        self.setSubTitle(
            self.tr(
                "Choose the record type and where each column goes. Columns left as custom "
                "fields are kept under their own name; secret fields are never shown in lists."
            )
        )
        self.loaded_for: Path | None = None
        self._read_mapping: tuple | None = None
        self.record_type = QComboBox()
        self.record_type.setObjectName("importRecordType")
        for template in wizard.templates.values():
            self.record_type.addItem(template.name, template.id)
        self.record_type.setCurrentIndex(
            max(self.record_type.findData(generic_csv.DEFAULT_TYPE), 0)
        )
        self.record_type.currentIndexChanged.connect(self._type_changed)
        self.model = MappingModel(self)
        self.table = QTableView()
        self.table.setObjectName("importMapping")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(2, TargetDelegate(self.table))
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AllEditTriggers
            & ~QAbstractItemView.EditTrigger.CurrentChanged
        )
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 200)
        self.table.setColumnWidth(1, 240)
        form = QFormLayout()
        form.addRow(self.tr("Each row is a:"), self.record_type)
        self.message = InlineMessage("importMappingMessage")
        self.job_line = JobLine("importMappingReading")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.job_line)

    def initializePage(self) -> None:
        if self.loaded_for != self.w.path:
            self.loaded_for = self.w.path
            self.model.load(
                self.w.header, self.w.first_row, self.record_type.currentData(), self.w.templates
            )
            self._read_mapping = self._key()  # the first read used the suggestion

    def _type_changed(self, _index: int) -> None:
        self.model.set_record_type(self.record_type.currentData(), self.w.templates)

    def _key(self) -> tuple:
        return (self.record_type.currentData(), tuple(sorted(self.model.mapping().items())))

    def isComplete(self) -> bool:
        return not self.job_line.running

    def validatePage(self) -> bool:
        """Next: read the CSV again with this mapping (in the background) unless it was."""
        if self._read_mapping == self._key():
            return True
        path, key = self.w.path, self._key()
        assert path is not None
        options = replace_options(self.w.options, self.record_type.currentData(), self.model)
        templates = self.w.templates

        def work(_control: JobControl) -> Parsed:
            return generic_csv.read_mapped(path, options, templates)

        def done(parsed: Parsed) -> None:
            self.w.options = options
            self.w.set_parsed(parsed, self.w.header, self.w.first_row)
            self._read_mapping = key
            emit_complete(self)
            self.w.next()

        def failed(exc: VaultError) -> None:
            if not isinstance(exc, CancelledError):
                self.message.show_error(str(exc))
            emit_complete(self)

        self.message.clear_message()
        job = self.w.start_job(work, on_success=done, on_error=failed)
        job.finished.connect(lambda: emit_complete(self))
        self.job_line.follow(job, self.tr("Reading with this mapping…"))
        emit_complete(self)
        return False


def replace_options(options: ImportOptions, record_type: str, model: MappingModel) -> ImportOptions:
    """``options`` with the record type and mapping of the mapping page."""
    return replace(options, record_type=record_type, mapping=model.mapping())
