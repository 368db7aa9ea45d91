"""A form dialog that asks before unsaved changes are lost: Save, Discard or Keep editing.

The record editor and the template editor share it: Escape, Cancel and the
window's close button all go through :meth:`GuardedDialog.reject`.
"""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel

from ui.desktop import dialogs
from ui.desktop.fieldinputs import ERROR_STYLE


class GuardedDialog(QDialog):
    """Subclasses set ``_dirty`` and provide :meth:`save` and :meth:`unsaved_question`."""

    _dirty = False

    def _make_save_bar(self, message_name: str) -> None:
        """The form's error line (``self.message``) and its Save/Cancel buttons.

        Sets ``self.message``, ``self.buttons`` and ``self.save_button``; Save
        calls :meth:`save`, Cancel goes through the guard (:meth:`reject`).
        """
        self.message = QLabel()
        self.message.setObjectName(message_name)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def unsaved_question(self) -> str:
        """The question asked when closing with unsaved changes."""
        raise NotImplementedError

    def save(self) -> bool:
        """Save the form; True if it was saved."""
        raise NotImplementedError

    def reject(self) -> None:
        """Close, asking first when there are unsaved changes."""
        if self._dirty:
            answer = dialogs.choose(
                self,
                self.tr("Unsaved changes"),
                self.unsaved_question(),
                [self.tr("Save"), self.tr("Discard"), self.tr("Keep editing")],
            )
            if answer == 0:
                self.save()
                return
            if answer != 1:
                return
        self._dirty = False
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's close button goes through the unsaved-changes guard."""
        if self._dirty:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
