"""One input widget per field kind, with live validation through ``vault.fields.normalise``.

:func:`make_input` returns a :class:`FieldInput`: the widget to lay out, how to
read and set its text, and :meth:`FieldInput.problem`, the phrase
``normalise`` raised for what is typed now ("is not a valid date (use
YYYY-MM-DD)"), shown in red under the field while typing. Markdown fields get
an editor with a live, sanitised preview; reference fields a searchable picker
over the search index; secrets a masked line with Show and Generate.

A reference field searches the way the relation picker does: through
:class:`ui.desktop.searchbox.SearchRunner`, debounced and on the background
helper, so typing never waits for the index. :meth:`FieldInput.undo_value`
and :meth:`FieldInput.set_undo_value` give the form's undo
(:mod:`ui.desktop.recordeditor_undo`) what it needs to show a value again.
"""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QWidget,
)

from ui.desktop.recordhtml import render_markdown
from ui.desktop.recordview import SafeBrowser
from ui.desktop.searchbox import SearchRunner
from ui.desktop.signals import emit
from vault.fields import FieldDef, FieldKind, normalise

ERROR_STYLE = "color: #c01c28;"
REFERENCE_RESULTS = 20
REFERENCE_DELAY_MS = 200
PLACEHOLDERS = {
    FieldKind.DATE: "YYYY-MM-DD",
    FieldKind.IP: "10.0.4.10, 10.0.4.0/24",
    FieldKind.URL: "https://",
    FieldKind.EMAIL: "name@example.com",
    FieldKind.NUMBER: "0",
}


class FieldInput(QWidget):
    """An input for one field, with its validation message."""

    edited = Signal()

    def __init__(self, definition: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.definition = definition
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(False)
        self.error.setWordWrap(True)

    def text(self) -> str:
        """What is typed (before normalising)."""
        raise NotImplementedError

    def set_text(self, value: str) -> None:
        """Show ``value``."""
        raise NotImplementedError

    def clear_secret(self) -> None:
        """Forget what was typed (on lock)."""
        self.set_text("")

    def undo_value(self) -> Hashable:
        """What the form's undo keeps to show this input's state again."""
        return self.text()

    def set_undo_value(self, value: Hashable) -> None:
        """Show a value :meth:`undo_value` returned."""
        self.set_text(str(value))

    def problem(self) -> str:
        """What is wrong with the current text ('' if nothing)."""
        value = self.text()
        if self.definition.required and not value.strip():
            return self.tr("is required")
        try:
            normalise(self.definition.kind, value, choices=self.definition.choices)
        except ValueError as exc:
            return str(exc)
        return ""

    def validate(self) -> bool:
        """Show or hide the message; True when the value is acceptable."""
        message = self.problem()
        self.error.setText(f"{self.definition.label} {message}" if message else "")
        self.error.setVisible(bool(message))
        return not message

    def _changed(self) -> None:
        self.validate()
        emit(self.edited)


class LineInput(FieldInput):
    """A single line (text, URL, e-mail, phone, IP/CIDR, date, number, tags)."""

    def __init__(self, definition: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(definition, parent)
        self.line = QLineEdit()
        self.line.setPlaceholderText(definition.help or PLACEHOLDERS.get(definition.kind, ""))
        self.line.textChanged.connect(self._changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line)

    def text(self) -> str:
        return self.line.text()

    def set_text(self, value: str) -> None:
        self.line.setText(value)


class SecretInput(LineInput):
    """A masked line with Show and (for passwords) Generate."""

    generate_requested = Signal()

    def __init__(self, definition: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(definition, parent)
        self.line.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_button = QPushButton(self.tr("Show"))
        self.show_button.setCheckable(True)
        self.show_button.toggled.connect(
            lambda on: self.line.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        self.layout().addWidget(self.show_button)
        if definition.kind == FieldKind.SECRET:
            generate = QPushButton(self.tr("Generate…"))
            generate.setObjectName(f"generate_{definition.name}")
            generate.clicked.connect(lambda: emit(self.generate_requested))
            self.layout().addWidget(generate)


class ChoiceInput(FieldInput):
    """A drop-down of the template's choices (and "" for unset)."""

    def __init__(self, definition: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(definition, parent)
        self.combo = QComboBox()
        self.combo.addItem("")
        self.combo.addItems(list(definition.choices))
        self.combo.currentTextChanged.connect(self._changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)

    def text(self) -> str:
        return self.combo.currentText()

    def set_text(self, value: str) -> None:
        if self.combo.findText(value) < 0 and value:
            self.combo.addItem(value)
        self.combo.setCurrentText(value)


class MarkdownInput(FieldInput):
    """A Markdown editor with a live, sanitised preview (nothing remote is loaded)."""

    def __init__(self, definition: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(definition, parent)
        self.editor = QPlainTextEdit()
        self.editor.setTabChangesFocus(True)
        self.editor.setUndoRedoEnabled(False)  # the form's undo covers the body
        self.editor.setPlaceholderText(
            definition.help or self.tr("Markdown: # heading, - list, `code`")
        )
        self.preview = SafeBrowser()
        self.preview.setObjectName(f"preview_{definition.name}")
        self.preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes editor -> next field
        split = QSplitter()
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        split.setMinimumHeight(140)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.update_preview)
        self.editor.textChanged.connect(self._timer.start)
        self.editor.textChanged.connect(self._changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    def update_preview(self) -> None:
        """Render the Markdown now."""
        self.preview.setHtml(render_markdown(self.editor.toPlainText()))

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, value: str) -> None:
        self.editor.setPlainText(value)
        self.update_preview()


class ReferenceInput(FieldInput):
    """A searchable picker of another record (type to search the index, off the GUI thread)."""

    results_shown = Signal(int)  # how many records the drop-down lists now

    def __init__(
        self, definition: FieldDef, index: object | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(definition, parent)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.lineEdit().setPlaceholderText(self.tr("Type to search records…"))
        self.runner = SearchRunner(self, delay_ms=REFERENCE_DELAY_MS)
        self.runner.limit = REFERENCE_RESULTS
        self.runner.index = index
        self.runner.finished.connect(self._found)
        self.combo.lineEdit().textEdited.connect(self._typed)
        self.combo.editTextChanged.connect(lambda _t: self._changed())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)

    def _typed(self, text: str) -> None:
        if text.strip():
            self.runner.request(text)
        else:
            self.runner.cancel()

    def _found(self, query: str, page: object) -> None:
        """Fill the drop-down with the results for ``query`` if it is still what is typed."""
        typed = self.combo.currentText()
        if query != typed:
            return
        hits = getattr(page, "hits", []) if page is not None else []
        self.combo.blockSignals(True)
        self.combo.clear()
        for hit in hits:
            label = f"{hit.title} · {hit.client}" if hit.client else hit.title
            self.combo.addItem(label, hit.id)
        self.combo.setEditText(typed)
        self.combo.blockSignals(False)
        if hits:
            self.combo.showPopup()
        emit(self.results_shown, len(hits))

    def set_choice(self, record_id: str, label: str) -> None:
        """Select ``record_id`` shown as ``label``."""
        self.combo.clear()
        self.combo.addItem(label, record_id)
        self.combo.setCurrentIndex(0)

    def text(self) -> str:
        data = self.combo.currentData()
        if data and self.combo.currentText() == self.combo.itemText(self.combo.currentIndex()):
            return str(data)
        return "" if not self.combo.currentText().strip() else self.combo.currentText()

    def set_text(self, value: str) -> None:
        if value:
            self.set_choice(value, value)
        else:
            self.combo.clear()

    def undo_value(self) -> Hashable:
        return (self.text(), self.combo.currentText())

    def set_undo_value(self, value: Hashable) -> None:
        record_id, label = value if isinstance(value, tuple) else (str(value), str(value))
        if record_id and len(record_id) == 32:
            self.set_choice(record_id, label)
        else:
            self.combo.clear()
            self.combo.setEditText(label)

    def clear_secret(self) -> None:
        self.runner.cancel()
        self.runner.index = None
        self.combo.clear()

    def problem(self) -> str:
        value = self.text()
        if value and len(value) != 32:
            return self.tr("must be a record picked from the list")
        return super().problem()


def make_input(definition: FieldDef, index: object | None = None) -> FieldInput:
    """The input widget for ``definition``'s kind (reference fields search ``index``)."""
    kind = definition.kind
    if kind in (FieldKind.SECRET, FieldKind.TOTP):
        return SecretInput(definition)
    if kind == FieldKind.CHOICE:
        return ChoiceInput(definition)
    if kind == FieldKind.MARKDOWN:
        return MarkdownInput(definition)
    if kind == FieldKind.REFERENCE:
        return ReferenceInput(definition, index)
    return LineInput(definition)
