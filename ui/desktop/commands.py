"""The window's commands: every menu entry and shortcut, and what each one does.

:class:`Commands` owns the QActions (so the Ctrl+K palette can list them) and
their handlers: new client and record, edit, duplicate, delete, the credential
shortcuts (Ctrl+B username, Ctrl+C password, Ctrl+T one-time code, Ctrl+U URL;
active while the record list or view has focus, so Ctrl+C still copies text in
a text field), the password generator, the palette, and the team and settings
screens. Actions that need an unlocked vault are enabled only while it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from ui.desktop import dialogs
from ui.desktop.actions import window_action
from ui.desktop.palette import CommandPalette
from ui.desktop.wipe import wipe
from vault.errors import VaultError

if TYPE_CHECKING:
    from ui.desktop.mainwindow import MainWindow
    from ui.desktop.recordeditor import RecordEditor


class Commands(QObject):
    """Actions and handlers of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.editor: RecordEditor | None = None
        self.palette: CommandPalette | None = None
        self.types_dialog: QWidget | None = None
        self.unlocked_only: list[QAction] = []
        self.all: list[QAction] = []
        b = window.browser
        self.new_client = self._action(self.tr("New &client…"), "Ctrl+Shift+N", self.add_client)
        self.new_record = self._action(self.tr("&New record…"), "Ctrl+N", self.add_record)
        self.edit = self._action(self.tr("&Edit record…"), "Ctrl+E", self.edit_record)
        self.duplicate = self._action(self.tr("D&uplicate record"), "Ctrl+D", self.duplicate_record)
        self.delete = self._action(self.tr("&Delete record"), "Del", self.delete_record)
        self.delete.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        b.table.addAction(self.delete)
        self.copy_user = self._copy(self.tr("Copy &username"), "Ctrl+B", "username")
        self.copy_password = self._copy(self.tr("Copy &password"), "Ctrl+C", "password")
        self.copy_totp = self._copy(self.tr("Copy one-time &code"), "Ctrl+T", "totp")
        self.copy_url = self._copy(self.tr("Copy U&RL"), "Ctrl+U", "url")
        self.generator = self._action(
            self.tr("Password &generator…"), "Ctrl+G", self.show_generator, locked_ok=True
        )
        self.palette_action = self._action(self.tr("&Go to…"), "Ctrl+K", self.show_palette)
        self.record_types = self._action(
            self.tr("Record &types…"), "Ctrl+Shift+T", self.show_record_types
        )

    def _action(self, text: str, keys: str, slot: object, *, locked_ok: bool = False) -> QAction:
        action = window_action(self.w, text, keys, slot)  # type: ignore[arg-type]
        self.all.append(action)
        if not locked_ok:
            self.unlocked_only.append(action)
        return action

    def _copy(self, text: str, keys: str, what: str) -> QAction:
        action = self._action(text, "", lambda: self.copy_field(what))
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.w.removeAction(action)
        for widget in (self.w.browser.table, self.w.browser.view):
            widget.addAction(action)
        return action

    def set_unlocked(self, unlocked: bool) -> None:
        """Enable the actions that need an unlocked vault."""
        for action in self.unlocked_only:
            action.setEnabled(unlocked)

    def fill_menus(self, record_menu: QMenu, tools_menu: QMenu) -> None:
        """Put the actions into the window's menus."""
        for action in (self.new_client, self.new_record, self.edit, self.duplicate, self.delete):
            record_menu.addAction(action)
        record_menu.addAction(self.record_types)
        record_menu.addSeparator()
        for action in (self.copy_user, self.copy_password, self.copy_totp, self.copy_url):
            record_menu.addAction(action)
        tools_menu.addAction(self.palette_action)
        tools_menu.addAction(self.generator)

    # ------------------------------------------------------------------ records

    def _scopes(self) -> dict[str, str]:
        return dict(self.w.browser.scope_names())

    def open_editor(self, editor: RecordEditor) -> RecordEditor:
        """Show a record form (window-modal, never blocking) and refresh after saving."""
        self.editor = editor
        editor.saved.connect(lambda record_id: self.w.browser.refresh(select=record_id))
        editor.finished.connect(lambda _r: setattr(self, "editor", None))
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.open()
        return editor

    def add_record(self, type_id: str | None = None) -> RecordEditor | None:
        """A form for a new record of ``type_id`` (or the type picked in the tree / asked)."""
        vault = self.w.vault
        if vault is None or not vault.is_unlocked:
            return None
        retired = vault.retired_templates()
        if type_id in retired:
            self._retired_message()
            return None
        templates = {k: t for k, t in vault.templates().items() if k not in retired}
        scope, kind = self.w.browser.current_scope()
        type_id = type_id or (kind if kind in templates else None)
        if type_id is None:
            names = [t.name for t in templates.values()]
            name = dialogs.ask_item(self.w, self.tr("New record"), self.tr("Record type:"), names)
            if name is None:
                return None
            type_id = next(t.id for t in templates.values() if t.name == name)
        from ui.desktop.recordeditor import RecordEditor  # on first use: start-up ~30 ms

        editor = RecordEditor(
            vault,
            templates[type_id],
            self._scopes(),
            scope_id=scope,
            index=self.w.index,
            parent=self.w,
        )
        return self.open_editor(editor)

    def edit_record(self) -> RecordEditor | None:
        """A form for the record shown."""
        return self._form_for_current(duplicate=False)

    def duplicate_record(self) -> RecordEditor | None:
        """A form for a new record filled from the record shown."""
        return self._form_for_current(duplicate=True)

    def _form_for_current(self, *, duplicate: bool) -> RecordEditor | None:
        vault, record = self.w.vault, self.w.browser.view.record
        if vault is None or record is None:
            return None
        template = vault.templates().get(record.type)
        if template is None:
            self.w.statusBar().showMessage(self.tr("This record's type is unknown."), 5000)
            return None
        if duplicate and record.type in vault.retired_templates():
            self._retired_message()
            return None
        from ui.desktop.recordeditor import RecordEditor  # on first use: start-up ~30 ms

        editor = RecordEditor(
            vault,
            template,
            self._scopes(),
            record=record,
            duplicate=duplicate,
            index=self.w.index,
            parent=self.w,
        )
        return self.open_editor(editor)

    def _retired_message(self) -> None:
        self.w.statusBar().showMessage(
            self.tr("This record type is retired: reinstate it under Record types to add records."),
            8000,
        )

    def delete_record(self) -> bool:
        """Move the record shown to the trash (restorable from its history)."""
        vault, record = self.w.vault, self.w.browser.view.record
        if vault is None or record is None:
            return False
        if not dialogs.confirm(
            self.w,
            self.tr("Delete record"),
            self.tr("Delete “{title}”? Its history is kept and it can be restored.").format(
                title=record.title
            ),
        ):
            return False
        try:
            vault.delete(record.id)
        except VaultError as exc:
            self.w.statusBar().showMessage(str(exc), 8000)
            return False
        self.w.browser.refresh()
        return True

    def add_client(self) -> str | None:
        """Ask for a name and add a client; return its scope id."""
        vault = self.w.vault
        if vault is None:
            return None
        name = dialogs.ask_text(self.w, self.tr("New client"), self.tr("Client name:"))
        if name is None or not name.strip():
            return None
        try:
            client = vault.add_client(name.strip())
        except VaultError as exc:
            self.w.statusBar().showMessage(str(exc), 8000)
            return None
        self.w.browser.refresh()
        self.w.browser.select_scope(client.id)
        return client.id

    # ------------------------------------------------------------------ credentials

    def copy_field(self, what: str) -> bool:
        """Copy the username, password, one-time code or URL of the record shown."""
        view = self.w.browser.view
        if what == "totp":
            if view.copy_totp():
                return True
            self.w.statusBar().showMessage(self.tr("This record has no one-time code."), 5000)
            return False
        return view.copy_kind(what)

    def show_generator(self) -> QWidget:
        """Open the password generator."""
        from ui.desktop.generator import GeneratorDialog

        dialog = GeneratorDialog(self.w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_palette(self) -> CommandPalette | None:
        """Open the Ctrl+K palette."""
        vault = self.w.vault
        if vault is None or not vault.is_unlocked:
            return None
        types = {t.id: t.name for t in vault.templates().values()}
        actions = [a for a in self.w.findChildren(QAction) if a is not self.palette_action]
        palette = CommandPalette(actions, self.w.index, types, self.w)
        palette.record_chosen.connect(self.w.browser.select_record)
        palette.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        palette.finished.connect(lambda _r: setattr(self, "palette", None))
        self.palette = palette
        palette.open()
        return palette

    def show_record_types(self) -> QWidget | None:
        """Open the record types (custom templates) list and editor."""
        from ui.desktop.templateeditor_manager import TemplateManager

        vault = self.w.vault
        if vault is None or not vault.is_unlocked:
            return None
        dialog = TemplateManager(vault, self.w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self.w.browser.refresh())
        dialog.finished.connect(lambda _r: setattr(self, "types_dialog", None))
        self.types_dialog = dialog
        dialog.open()
        return dialog

    def close_forms(self) -> None:
        """Close every form and palette without saving (on lock)."""
        types, self.types_dialog = self.types_dialog, None
        if types is not None:
            types.clear_forms()  # type: ignore[attr-defined]
            types.reject()  # type: ignore[attr-defined]
        editor, self.editor = self.editor, None
        if editor is not None:
            editor.clear_secrets()
            wipe(editor)
        palette, self.palette = self.palette, None
        if palette is not None:
            palette.reject()
            wipe(palette)
