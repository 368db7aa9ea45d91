"""Modal questions a test can answer: file choosers and confirmations (STYLE §6).

Like KeePassXC's ``MessageBox::setNextAnswer``: every modal question the window
asks goes through this module, and a test queues the answer beforehand with
:func:`set_next_answer`; the queued answer is taken instead of showing anything,
so no test ever hangs on a dialog. Without a queued answer the real Qt dialog is
shown.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

_answers: deque[object] = deque()


def set_next_answer(*answers: object) -> None:
    """Queue answers for the next questions, in order (a path, "" to cancel, True/False)."""
    _answers.extend(answers)


def clear_answers() -> None:
    """Drop answers a test queued but did not use."""
    _answers.clear()


def save_path(parent: QWidget | None, title: str, name: str = "", filters: str = "") -> str:
    """Ask where to save; "" if cancelled."""
    if _answers:
        return str(_answers.popleft())
    path, _ = QFileDialog.getSaveFileName(parent, title, name, filters)
    return path


def open_path(parent: QWidget | None, title: str, filters: str = "") -> str:
    """Ask for a file to open; "" if cancelled."""
    if _answers:
        return str(_answers.popleft())
    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return path


def folder_path(parent: QWidget | None, title: str, start: str = "") -> str:
    """Ask for a folder; "" if cancelled."""
    if _answers:
        return str(_answers.popleft())
    return QFileDialog.getExistingDirectory(parent, title, start)


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask a yes/no question; True for yes."""
    if _answers:
        return bool(_answers.popleft())
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def choose(parent: QWidget | None, title: str, text: str, buttons: list[str]) -> int:
    """Ask to pick one of ``buttons`` (translated labels); the index chosen, -1 if closed."""
    if _answers:
        return int(_answers.popleft())  # type: ignore[call-overload]
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    made = [box.addButton(label, QMessageBox.ButtonRole.AcceptRole) for label in buttons]
    box.exec()
    clicked = box.clickedButton()
    return made.index(clicked) if clicked in made else -1


def ask_text(parent: QWidget | None, title: str, label: str) -> str | None:
    """Ask for one line of text; None if cancelled."""
    if _answers:
        answer = _answers.popleft()
        return None if answer is None else str(answer)
    from PySide6.QtWidgets import QInputDialog

    text, ok = QInputDialog.getText(parent, title, label)
    return text if ok else None


def ask_item(parent: QWidget | None, title: str, label: str, items: list[str]) -> str | None:
    """Ask to pick one of ``items``; None if cancelled."""
    if _answers:
        answer = _answers.popleft()
        return None if answer is None else str(answer)
    from PySide6.QtWidgets import QInputDialog

    item, ok = QInputDialog.getItem(parent, title, label, items, 0, False)
    return item if ok else None
