"""The record form: new, edit and duplicate, laid out from the record's template.

Every template field gets the input of its kind (:mod:`ui.desktop.fieldinputs`)
and is validated as it is typed; Save stays disabled while any field is wrong,
and the vault's own :class:`~vault.errors.ValidationError` (which has the last
word) is shown next to the fields it names. Relations to other records are
added and removed with a type-ahead picker over the search index
(:mod:`ui.desktop.relationpicker`); files dropped on the form (or picked) are
attached after the record is saved, on the background helper
(:mod:`ui.desktop.recordeditor_files`). Closing with unsaved changes asks to
save, discard or keep editing (through :mod:`ui.desktop.dialogs`, so a test can
answer); changes undone back to what was saved count as no changes. Edit → Undo
and Redo (Ctrl+Z, Ctrl+Shift+Z) step through the changes of the whole form
(:mod:`ui.desktop.recordeditor_undo`); the tag line suggests the vault's tags
(:mod:`ui.desktop.recordeditor_tags`). Ctrl+S saves.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenuBar,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import worker
from ui.desktop.fieldinputs import ERROR_STYLE, FieldInput, ReferenceInput, SecretInput, make_input
from ui.desktop.guardeddialog import GuardedDialog
from ui.desktop.recordeditor_files import PendingFiles, attach_job, local_files
from ui.desktop.recordeditor_tags import TagCompleter
from ui.desktop.recordeditor_undo import FormUndo
from ui.desktop.relationpicker import Relation, RelationPicker
from ui.desktop.signals import emit
from vault.errors import CancelledError, ValidationError, VaultError
from vault.fields import split_tags
from vault.model import Record
from vault.templates import Template
from vault.vault import Vault

log = logging.getLogger(__name__)


class RecordEditor(GuardedDialog):
    """Edit a record (or make one) of one template; emits :attr:`saved` with its id."""

    saved = Signal(str)

    def __init__(
        self,
        vault: Vault,
        template: Template,
        scopes: Mapping[str, str],
        *,
        scope_id: str | None = None,
        record: Record | None = None,
        duplicate: bool = False,
        index: object | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recordEditor")
        self.vault, self.template, self.index = vault, template, index
        self.record = None if duplicate else record
        self.undo = FormUndo(self)
        self._forced_dirty = False
        self._clean: dict[str, Hashable] = {}
        self._attaching: worker.Job | None = None
        self.setAcceptDrops(True)
        if self.record is not None:
            title = self.tr("Edit {type}").format(type=template.name)
        else:
            title = self.tr("New {type}").format(type=template.name)
        self.setWindowTitle(title)

        self.title = QLineEdit()
        self.title.setObjectName("recordTitle")
        self.title.textChanged.connect(lambda _t: self._edited("title"))
        self.client = QComboBox()
        self.client.setObjectName("recordClient")
        for sid, name in scopes.items():
            self.client.addItem(name, sid)
        wanted = record.scope_id if record else scope_id
        if wanted is not None and (at := self.client.findData(wanted)) >= 0:
            self.client.setCurrentIndex(at)
        self.client.currentIndexChanged.connect(lambda _i: self._edited("client"))
        self.tags = QLineEdit()
        self.tags.setObjectName("recordTags")
        self.tags.setPlaceholderText(self.tr("Comma-separated: firewall, vpn"))
        self.tags.textChanged.connect(lambda _t: self._edited("tags"))
        self.tag_completer = TagCompleter(self.tags, self)
        self.title_error = QLabel()
        self.title_error.setStyleSheet(ERROR_STYLE)
        self.title_error.setVisible(False)

        form = QFormLayout()
        form.addRow(self.tr("&Title:"), self.title)
        form.addRow("", self.title_error)
        form.addRow(self.tr("&Client:"), self.client)
        self.inputs: dict[str, FieldInput] = {}
        for definition in template.fields:
            widget = make_input(definition, index)
            widget.setObjectName(f"field_{definition.name}")
            widget.edited.connect(lambda key=f"field:{definition.name}": self._edited(key))
            if isinstance(widget, SecretInput):
                widget.generate_requested.connect(lambda w=widget: self._generate(w))
            label = definition.label + (" *" if definition.required else "")
            form.addRow(label + ":", widget)
            form.addRow("", widget.error)
            if definition.help:
                widget.setToolTip(definition.help)
            self.inputs[definition.name] = widget
        form.addRow(self.tr("T&ags:"), self.tags)
        types = {t.id: t.name for t in vault.templates().values()}
        self.relations = RelationPicker(
            index, types, exclude=self.record.id if self.record else None
        )
        self.relations.changed.connect(lambda: self._edited("relations"))
        form.addRow(self.tr("&Related:"), self.relations)
        self.files = PendingFiles()
        self.files.changed.connect(lambda: self._edited("files"))
        form.addRow(self.tr("Attach:"), self.files)

        body = QWidget()
        body.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self._make_save_bar("editorMessage")
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, activated=self.save)
        self.progress = QProgressBar()
        self.progress.setObjectName("attachProgress")
        self.progress.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setMenuBar(self._menu_bar())
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.resize(760, 760)

        if record is not None:
            self._fill(record, duplicate)
        self._track()
        self._forced_dirty = duplicate
        self.undo.take_keys(self)
        self.tag_completer.load(index)
        self._validate()

    def _menu_bar(self) -> QMenuBar:
        """Edit → Undo / Redo over the whole form."""
        bar = QMenuBar(self)
        edit = bar.addMenu(self.tr("&Edit"))
        self.undo_action = self.undo.stack.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.redo_action = self.undo.stack.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Redo))
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            edit.addAction(action)
            self.addAction(action)
        return bar

    def _track(self) -> None:
        """Hand every part of the form to the undo stack, with what it shows now."""
        track = self.undo.track
        track("title", self.tr("Title"), self.title.text, lambda v: self.title.setText(str(v)))
        track(
            "client",
            self.tr("Client"),
            self.client.currentData,
            lambda v: self.client.setCurrentIndex(max(self.client.findData(v), 0)),
            merge=False,
        )
        for name, widget in self.inputs.items():
            track(
                f"field:{name}", widget.definition.label, widget.undo_value, widget.set_undo_value
            )
        track("tags", self.tr("Tags"), self.tags.text, lambda v: self.tags.setText(str(v)))
        track(
            "relations",
            self.tr("Related"),
            lambda: tuple(self.relations.model.items()),
            lambda v: self.relations.set_links(list(v)),
            merge=False,
        )
        track(
            "files",
            self.tr("Attach"),
            lambda: tuple(self.files.paths()),
            lambda v: self.files.set_paths([Path(p) for p in v]),
            merge=False,
        )
        self._clean = self.undo.snapshot()

    # ------------------------------------------------------------------ filling

    def _fill(self, record: Record, duplicate: bool) -> None:
        self.title.setText(record.title + (self.tr(" (copy)") if duplicate else ""))
        self.tags.setText(", ".join(record.tags))
        self.relations.set_links([self._relation(i) for i in record.links])
        for name, widget in self.inputs.items():
            value = record.fields.get(name, "")
            if isinstance(widget, ReferenceInput) and value:
                widget.set_choice(value, self._title_of(value))
            else:
                widget.set_text(value)

    def _relation(self, record_id: str) -> Relation:
        """A linked record's title and type (the few links of one record are decrypted)."""
        try:
            other = self.vault.get_record(record_id)
        except VaultError:
            return Relation(record_id, self.tr("(a record you cannot read)"))
        template = self.vault.templates().get(other.type)
        try:
            client = self.vault.scope_name(other.scope_id)
        except VaultError:
            client = ""
        return Relation(other.id, other.title, template.name if template else other.type, client)

    def _title_of(self, record_id: str) -> str:
        try:
            return self.vault.get_record(record_id).title
        except VaultError:
            return record_id

    def _generate(self, widget: SecretInput) -> None:
        from ui.desktop.generator import GeneratorDialog

        dialog = GeneratorDialog(self, can_use=True)
        dialog.accepted.connect(lambda: widget.set_text(dialog.value()))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.generator = dialog

    # ------------------------------------------------------------------ state

    @property
    def dirty(self) -> bool:
        """True when the form differs from what was opened (or last saved)."""
        return self._dirty

    @property  # type: ignore[override]
    def _dirty(self) -> bool:
        """What the unsaved-changes guard asks: undoing back to the start is no change."""
        return self._forced_dirty or self.undo.snapshot() != self._clean

    @_dirty.setter
    def _dirty(self, value: bool) -> None:
        """True: unsaved whatever the form shows; False: what it shows now is saved."""
        self._forced_dirty = value
        if not value:
            self._clean = self.undo.snapshot()

    def _edited(self, key: str) -> None:
        self.undo.changed(key)
        self._validate()

    def _validate(self) -> bool:
        ok = all(widget.validate() for widget in self.inputs.values())
        title_ok = bool(self.title.text().strip())
        self.title_error.setText(self.tr("A title is required.") if not title_ok else "")
        self.title_error.setVisible(not title_ok and self._dirty)
        self.save_button.setEnabled(ok and title_ok)
        return ok and title_ok

    def values(self) -> dict[str, str]:
        """The typed field values (unset fields included as "")."""
        return {name: widget.text() for name, widget in self.inputs.items()}

    # ------------------------------------------------------------------ saving

    def save(self) -> bool:
        """Write the record (a new version, or a new record); True on success."""
        if not self._validate():
            return False
        scope_id = self.client.currentData()
        tags = split_tags(self.tags.text())
        fields = self.values()
        links = self.relations.ids()
        if self._attaching is not None:
            return False
        try:
            if self.record is None:
                saved = self.vault.add_record(
                    scope_id,
                    self.template.id,
                    self.title.text(),
                    {k: v for k, v in fields.items() if v},
                    tags=tags,
                    links=links,
                )
            else:
                saved = self.vault.update_record(
                    self.record.id,
                    title=self.title.text(),
                    fields=fields,
                    tags=tags,
                    links=links,
                    scope_id=scope_id if scope_id != self.record.scope_id else None,
                    based_on=self.record.vid or None,
                )
        except ValidationError as exc:
            for name, problem in exc.problems.items():
                if name in self.inputs:
                    self.inputs[name].error.setText(
                        f"{self.inputs[name].definition.label}: {problem}"
                    )
                    self.inputs[name].error.setVisible(True)
            self.message.setText(str(exc))
            return False
        except VaultError as exc:
            self.message.setText(str(exc))
            return False
        self.record = saved
        self._dirty = False
        self.tag_completer.remember(saved.tags)
        log.info("record %s saved", saved.id)
        if self.files.paths():
            self._attach(saved.id)
            return True
        emit(self.saved, saved.id)
        super().accept()
        return True

    def _attach(self, record_id: str) -> None:
        """Attach the queued files in the background, then close (progress and cancel)."""
        files = self.files.paths()
        self.message.setText(self.tr("Saved. Attaching {n} file(s)…").format(n=len(files)))
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.save_button.setEnabled(False)

        def progressed(done: int, total: int) -> None:
            self.progress.setRange(0, max(total, 1) if total else 0)
            if total:
                self.progress.setValue(min(done, total))

        def finished_ok(_count: object) -> None:
            self._attaching = None
            self.files.clear()
            emit(self.saved, record_id)
            super(RecordEditor, self).accept()

        def failed(exc: VaultError) -> None:
            self._attaching = None
            self.progress.setVisible(False)
            self.save_button.setEnabled(True)
            emit(self.saved, record_id)  # the record itself is saved; the list shows it
            if isinstance(exc, CancelledError):
                self.message.setText(self.tr("The record is saved; attaching was cancelled."))
            else:
                self.message.setText(
                    self.tr("The record is saved, but a file was not attached: {e}").format(
                        e=str(exc)
                    )
                )
            self._dirty = True

        self._attaching = worker.run(
            attach_job(self.vault, record_id, files),
            on_success=finished_ok,
            on_error=failed,
            on_progress=progressed,
            parent=self,
        )

    @property
    def attaching(self) -> worker.Job | None:
        """The running attach job, if any."""
        return self._attaching

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept local files dragged over the form."""
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Queue dropped files for attaching when the record is saved."""
        if self.files.add(local_files(event.mimeData())):
            event.acceptProposedAction()

    def unsaved_question(self) -> str:
        return self.tr("Save the changes to this record?")

    def reject(self) -> None:
        """Close, asking first when there are unsaved changes; cancel attaching files."""
        if self._attaching is not None:
            self._attaching.cancel()
            return
        super().reject()

    def clear_secrets(self) -> None:
        """Empty every input (on lock) and close without asking."""
        self.undo.clear()  # before the inputs empty: no step remembers a secret
        self._clean = {}
        self.tag_completer.clear()
        for widget in self.inputs.values():
            widget.clear_secret()
        self.relations.clear()
        self.files.clear()
        if self._attaching is not None:
            self._attaching.cancel()
        self._dirty = False
        super().reject()
