"""The template editor: make or change a custom record type (IT Glue's flexible asset types).

A record type has a name, a plural, a type id (derived from the name while it is
new, fixed once saved: records refer to it) and a description, and an ordered
list of fields edited in a table (:mod:`ui.desktop.templateeditor_model`). Every
change is checked at once with the core's own rules
(:func:`vault.templates.template_problems`, and for a saved type
:func:`vault.template_changes.change_problems`, which keeps secret fields
secret); problems show inline, next to the header field or in red on the table
cell, and Save stays disabled until there are none. Saving goes through
``Vault.add_template`` / ``Vault.update_template``; closing with unsaved changes
asks first (through :mod:`ui.desktop.dialogs`, so a test can answer).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.desktop.fieldinputs import ERROR_STYLE
from ui.desktop.guardeddialog import GuardedDialog
from ui.desktop.signals import emit
from ui.desktop.templateeditor_model import (
    COLUMN_KEYS,
    HELP,
    KIND,
    LABEL,
    FieldRow,
    FieldTableModel,
    KindDelegate,
)
from vault.errors import ValidationError, VaultError
from vault.fields import FieldKind
from vault.template_changes import change_problems
from vault.templates import Template, slugify, template_problems
from vault.vault import Vault

log = logging.getLogger(__name__)

_FIELD_KEY = re.compile(r"fields\[(\d+)\](?:\.(\w+))?")


class TemplateEditor(GuardedDialog):
    """Edit one custom record type, or make a new one (from scratch or from ``base``)."""

    saved = Signal(str)  # the type id

    def __init__(
        self,
        vault: Vault,
        template: Template | None = None,
        *,
        base: Template | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("templateEditor")
        self.vault = vault
        self.original = template  # None: a new record type
        self._dirty = False
        self._id_typed = template is not None
        self.setWindowTitle(
            self.tr("Record type: {name}").format(name=template.name)
            if template
            else self.tr("New record type")
        )

        self.name = self._line("templateName", self.tr("e.g. Backup job"))
        self.plural = self._line("templatePlural", self.tr("e.g. Backup jobs"))
        self.type_id = self._line("templateId", self.tr("e.g. backup-job"))
        self.type_id.setReadOnly(template is not None)
        self.type_id.setToolTip(
            self.tr("Records refer to their type by this id; it cannot change once saved.")
        )
        self.type_id.textEdited.connect(lambda _t: setattr(self, "_id_typed", True))
        self.description = self._line(
            "templateDescription", self.tr("What records of this type hold")
        )
        self.name.textEdited.connect(self._name_edited)
        self.header_errors = {key: self._error_label() for key in ("name", "plural", "id")}

        form = QFormLayout()
        form.addRow(self.tr("&Name:"), self.name)
        form.addRow("", self.header_errors["name"])
        form.addRow(self.tr("&Plural:"), self.plural)
        form.addRow("", self.header_errors["plural"])
        form.addRow(self.tr("Type &id:"), self.type_id)
        form.addRow("", self.header_errors["id"])
        form.addRow(self.tr("&Description:"), self.description)

        self.model = FieldTableModel(self)
        self.model.edited.connect(self._edited)
        self.table = QTableView()
        self.table.setObjectName("templateFields")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(KIND, KindDelegate(kind_labels(self), self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HELP, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(70)
        self.table.setColumnWidth(LABEL, 160)

        self.add_button = QPushButton(self.tr("&Add field"))
        self.add_button.setObjectName("addField")
        self.add_button.clicked.connect(self.add_field)
        self.remove_button = QPushButton(self.tr("&Remove field"))
        self.remove_button.setObjectName("removeField")
        self.remove_button.clicked.connect(self.remove_field)
        self.up_button = QPushButton(self.tr("Move &up"))
        self.up_button.setToolTip(self.tr("Alt+Up"))
        self.up_button.clicked.connect(lambda: self.move_field(-1))
        self.down_button = QPushButton(self.tr("Move do&wn"))
        self.down_button.setToolTip(self.tr("Alt+Down"))
        self.down_button.clicked.connect(lambda: self.move_field(1))
        for keys, slot in (
            ("Alt+Up", lambda: self.move_field(-1)),
            ("Alt+Down", lambda: self.move_field(1)),
            ("Ctrl+Shift+A", self.add_field),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_field)
        row_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            row_buttons.addWidget(button)
        row_buttons.addStretch(1)

        self._make_save_bar("templateMessage")

        fields_label = QLabel(self.tr("&Fields (in the order forms show them):"))
        fields_label.setBuddy(self.table)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(fields_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(row_buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(900, 560)
        for first, second in (
            (self.name, self.plural),
            (self.plural, self.type_id),
            (self.type_id, self.description),
            (self.description, self.table),
            (self.table, self.add_button),
        ):
            QWidget.setTabOrder(first, second)

        self._fill(template or base, copy=template is None and base is not None)
        self._dirty = template is None and base is not None
        self.validate()

    # ------------------------------------------------------------------ building

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        line = QLineEdit()
        line.setObjectName(name)
        line.setPlaceholderText(placeholder)
        line.textChanged.connect(self._edited)
        return line

    def _error_label(self) -> QLabel:
        label = QLabel()
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.setVisible(False)
        return label

    def _fill(self, template: Template | None, *, copy: bool) -> None:
        if template is None:
            self.model.set_rows([])
            return
        name = self.tr("{name} (custom)").format(name=template.name) if copy else template.name
        self.name.setText(name)
        self.plural.setText(
            self.tr("{plural} (custom)").format(plural=template.plural) if copy else template.plural
        )
        self.type_id.setText(slugify(name) if copy else template.id)
        self.description.setText(template.description)
        saved = not copy
        self.model.set_rows([FieldRow.from_def(f, saved=saved) for f in template.fields])

    def _name_edited(self, text: str) -> None:
        if not self._id_typed:
            self.type_id.setText(slugify(text) if text.strip() else "")
        if not self.plural.isModified():
            self.plural.setText(f"{text.strip()}s" if text.strip() else "")

    # ------------------------------------------------------------------ rows

    def _current_row(self) -> int:
        current = self.table.currentIndex()
        return current.row() if current.isValid() else -1

    def add_field(self) -> int:
        """Append a field and start typing its label; return its row."""
        row = self.model.add_row()
        at = self.model.index(row, LABEL)
        self.table.setCurrentIndex(at)
        self.table.setFocus()
        self.table.edit(at)
        return row

    def remove_field(self) -> bool:
        """Remove the selected field."""
        row = self._current_row()
        removed = self.model.remove_row(row)
        if removed and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(min(row, self.model.rowCount() - 1), 0))
        return removed

    def move_field(self, delta: int) -> int:
        """Move the selected field up (-1) or down (+1); return its new row."""
        row = self._current_row()
        if row < 0:
            return row
        column = max(self.table.currentIndex().column(), 0)
        moved = self.model.move_row(row, delta)
        self.table.setCurrentIndex(self.model.index(moved, column))
        return moved

    # ------------------------------------------------------------------ checking

    @property
    def dirty(self) -> bool:
        """True when something changed since opening (or the last save)."""
        return self._dirty

    def _edited(self, *_args: object) -> None:
        self._dirty = True
        self.validate()

    def template(self) -> Template:
        """The record type as the form stands (not yet checked)."""
        name = self.name.text().strip()
        return Template(
            id=self.type_id.text().strip(),
            name=name,
            plural=self.plural.text().strip(),
            fields=self.model.definitions(),
            builtin=False,
            description=self.description.text().strip(),
        )

    def problems(self) -> dict[str, str]:
        """Every problem with the form, keyed like the core's (``name``, ``fields[1].kind``)."""
        template = self.template()
        problems = template_problems(template)
        if not template.fields:
            problems.setdefault("fields", self.tr("add at least one field"))
        if self.original is None:
            if template.id in self.vault.templates() and "id" not in problems:
                problems["id"] = self.tr("a record type with this id already exists")
        else:
            for key, message in change_problems(self.original, template).items():
                problems.setdefault(key, message)
        return problems

    def validate(self) -> bool:
        """Show every problem inline; True (and Save enabled) when there are none."""
        self.show_problems(self.problems())
        ok = not self._shown
        self.save_button.setEnabled(ok and (self._dirty or self.original is None))
        return ok

    def show_problems(self, problems: dict[str, str]) -> None:
        """Put each problem next to what it is about; the rest in the message line."""
        self._shown = dict(problems)
        cells: dict[tuple[int, int], str] = {}
        general: list[str] = []
        for key in ("name", "plural", "id"):
            label = self.header_errors[key]
            text = problems.get(key, "")
            label.setText(text and f"{self._header_name(key)} {text}")
            label.setVisible(bool(text) and self._worth_showing())
        for key, text in problems.items():
            if key in self.header_errors:
                continue
            match = _FIELD_KEY.fullmatch(key)
            if match is None:
                general.append(text)
                continue
            row = int(match.group(1))
            part = match.group(2) or "label"
            column = COLUMN_KEYS.index(part) if part in COLUMN_KEYS else LABEL
            cells[(row, column)] = text
            general.append(text)
        self.model.set_problems(cells)
        shown = general if self._worth_showing() else []
        self.message.setText("\n".join(shown[:6]) + ("\n…" if len(shown) > 6 else ""))

    def _worth_showing(self) -> bool:
        """Do not greet a blank new form with 'cannot be empty' before anything was typed."""
        return self._dirty or self.original is not None

    def _header_name(self, key: str) -> str:
        return {"name": self.tr("Name"), "plural": self.tr("Plural"), "id": self.tr("Type id")}[key]

    # ------------------------------------------------------------------ saving

    def save(self) -> bool:
        """Write the record type through the core; True on success."""
        if not self.validate():
            return False
        template = self.template()
        try:
            if self.original is None:
                saved = self.vault.add_template(template)
            else:
                saved = self.vault.update_template(template)
        except ValidationError as exc:
            self.show_problems(exc.problems)
            self.save_button.setEnabled(False)
            return False
        except VaultError as exc:
            self.message.setText(str(exc))
            return False
        self.original = saved
        self._dirty = False
        self.model.set_rows([replace(r, saved=True) for r in self.model.rows()])
        log.info("record type saved (%d fields)", len(saved.fields))
        emit(self.saved, saved.id)
        super().accept()
        return True

    def unsaved_question(self) -> str:
        return self.tr("Save the changes to this record type?")


def kind_labels(context: QWidget) -> dict[FieldKind, str]:
    """Translated names of the field kinds."""
    tr = context.tr
    return {
        FieldKind.TEXT: tr("Text"),
        FieldKind.MARKDOWN: tr("Markdown"),
        FieldKind.SECRET: tr("Secret"),
        FieldKind.TOTP: tr("TOTP seed (secret)"),
        FieldKind.URL: tr("URL"),
        FieldKind.EMAIL: tr("E-mail"),
        FieldKind.PHONE: tr("Phone"),
        FieldKind.IP: tr("IP / CIDR"),
        FieldKind.DATE: tr("Date"),
        FieldKind.NUMBER: tr("Number"),
        FieldKind.CHOICE: tr("Choice"),
        FieldKind.REFERENCE: tr("Reference to a record"),
        FieldKind.TAGS: tr("Tags"),
    }
