"""Undo and redo for the whole record form: one step per committed field change.

Each line of a form keeps its own Qt undo, which only knows that line. The form
needs more: Ctrl+Z after editing the title, a tag and the Markdown body must
step back through those three changes in order, whichever input has focus.
:class:`FormUndo` keeps one :class:`QUndoStack` for the form. Every tracked
part (title, client, each field, tags, relations, files) is read after each
change and the old and new values become one :class:`FieldChange`; consecutive
keystrokes in the same part merge into one step until another part changes or
an undo or redo happens.

Ctrl+Z and Ctrl+Shift+Z (and Ctrl+Y) typed into a line or text editor go to the
form's stack, not the input's own (:meth:`FormUndo.take_keys`), so there is one
history; so do the Undo and Redo of an input's right-click menu
(:meth:`FormUndo.context_menu`). After an undo or redo the cursor of the input
that changed sits where the change was, as in a text editor, not at the end of
the line. Values live in memory only, like the inputs' own undo; :meth:`clear`
forgets them (on lock and after saving a secret must not linger in a stack).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QLineEdit, QMenu, QPlainTextEdit, QWidget

_MERGE_ID = 4242
"""Every merging command has this id; :meth:`FieldChange.mergeWith` compares the parts."""


@dataclass(frozen=True)
class Part:
    """A tracked part of the form: how to read it and how to show a value again."""

    key: str
    label: str
    read: Callable[[], Hashable]
    write: Callable[[Hashable], None]
    merge: bool


class FieldChange(QUndoCommand):
    """One change of one part of the form (merged keystrokes included)."""

    def __init__(self, undo: FormUndo, part: Part, old: Hashable, new: Hashable) -> None:
        super().__init__()
        self._undo, self.part, self.old, self.new = undo, part, old, new
        self._done_once = False  # the first redo is the edit the person already made
        self._sealed = False  # no more merging once undone or redone
        self.setText(part.label)  # the Edit menu says "Undo Title"

    def id(self) -> int:
        return _MERGE_ID if self.part.merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if self._sealed or not isinstance(other, FieldChange) or other.part.key != self.part.key:
            return False
        self.new = other.new
        self.setObsolete(self.old == self.new)  # typed and deleted again: no step at all
        return True

    def redo(self) -> None:
        if not self._done_once:
            self._done_once = True
            return
        self._sealed = True
        self._undo.apply(self.part, self.new)

    def undo(self) -> None:
        self._sealed = True
        self._undo.apply(self.part, self.old)


class FormUndo(QObject):
    """The undo stack of one form and the parts it tracks."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self._parts: dict[str, Part] = {}
        self._values: dict[str, Hashable] = {}
        self._applying = False
        self._editors: list[QLineEdit | QPlainTextEdit] = []

    def track(
        self,
        key: str,
        label: str,
        read: Callable[[], Hashable],
        write: Callable[[Hashable], None],
        *,
        merge: bool = True,
    ) -> None:
        """Follow part ``key`` (named ``label``); call :meth:`changed` whenever it changes.

        Args:
            key: Names the part for :meth:`changed`.
            label: What the Edit menu calls it (already translated).
            read: Returns its value (hashable, compared with ``==``).
            write: Shows a value read earlier.
            merge: Whether consecutive changes merge into one step (typing).
        """
        self._parts[key] = Part(key, label, read, write, merge)
        self._values[key] = read()

    def reset(self) -> None:
        """Take what the form shows now as the start: no steps, nothing to undo."""
        self.stack.clear()
        self._values = {key: part.read() for key, part in self._parts.items()}

    def snapshot(self) -> dict[str, Hashable]:
        """The current value of every tracked part."""
        return dict(self._values)

    def changed(self, key: str) -> None:
        """Part ``key`` changed: record one step (or grow the current one)."""
        part = self._parts.get(key)
        if part is None:
            return
        new = part.read()
        old = self._values.get(key)
        self._values[key] = new
        if self._applying or new == old:
            return
        self.stack.push(FieldChange(self, part, old, new))

    def apply(self, part: Part, value: Hashable) -> None:
        """Show ``value`` in ``part`` without recording it as a new step."""
        before = [(editor, _text(editor)) for editor in self._editors]
        self._applying = True
        try:
            part.write(value)
        finally:
            self._applying = False
        self._values[part.key] = part.read()
        for editor, old in before:
            new = _text(editor)
            if new != old:
                _put_cursor(editor, _change_end(old, new))

    def clear(self) -> None:
        """Forget every step and value (on lock: old secrets must not stay in the stack)."""
        self.stack.clear()
        self._values = {}
        self._parts = {}
        self._editors = []

    def take_keys(self, widget: QWidget) -> None:
        """Send undo and redo keys typed into ``widget``'s text inputs to the form's stack."""
        for editor in [*widget.findChildren(QLineEdit), *widget.findChildren(QPlainTextEdit)]:
            editor.installEventFilter(self)
            if isinstance(editor, QPlainTextEdit):  # its right clicks arrive at the viewport
                editor.viewport().installEventFilter(self)
            self._editors.append(editor)

    def context_menu(self, editor: QLineEdit | QPlainTextEdit) -> QMenu:
        """``editor``'s own right-click menu, its Undo and Redo stepping through the form."""
        menu = editor.createStandardContextMenu()
        steps = {
            "edit-undo": (self.stack.undo, self.stack.canUndo()),
            "edit-redo": (self.stack.redo, self.stack.canRedo()),
        }
        for action in menu.actions():
            step = steps.get(action.objectName())
            if step is not None:
                action.triggered.disconnect()  # the input's own history
                action.triggered.connect(step[0])
                action.setEnabled(step[1])
        return menu

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Undo/redo keys and menu items in an input step through the whole form."""
        kind = event.type()
        if kind == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            # A right click in a plain-text edit arrives at its viewport; the menu key
            # and Shift+F10 at the edit itself.
            editor = watched
            if not isinstance(editor, QLineEdit | QPlainTextEdit):
                editor = watched.parent()
            if isinstance(editor, QLineEdit | QPlainTextEdit):
                # popup(), not exec(): a lock while the menu is open deletes the form,
                # the input and the menu, which must not happen inside a nested loop.
                menu = self.context_menu(editor)
                menu.setParent(editor, menu.windowFlags())
                menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                menu.popup(event.globalPos())
                return True
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        if event.matches(QKeySequence.StandardKey.Undo):
            step = self.stack.undo
        elif event.matches(QKeySequence.StandardKey.Redo):
            step = self.stack.redo
        else:
            return super().eventFilter(watched, event)
        event.accept()  # an override: the key comes to this input, not to a window shortcut
        if kind == QEvent.Type.KeyPress:
            step()
        return True


def _text(editor: QLineEdit | QPlainTextEdit) -> str:
    return editor.text() if isinstance(editor, QLineEdit) else editor.toPlainText()


def _change_end(old: str, new: str) -> int:
    """Where the change from ``old`` to ``new`` ends in ``new``, in Qt's UTF-16 positions."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    tail = 0
    while tail < limit - start and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return len(new[: len(new) - tail].encode("utf-16-le")) // 2


def _put_cursor(editor: QLineEdit | QPlainTextEdit, position: int) -> None:
    if isinstance(editor, QLineEdit):
        editor.setCursorPosition(position)
        return
    cursor = editor.textCursor()
    cursor.setPosition(position)
    editor.setTextCursor(cursor)
