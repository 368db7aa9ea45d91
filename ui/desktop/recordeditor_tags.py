"""Tag suggestions for the record form's comma-separated tag line.

The tags a vault uses are read from the search index's catalog (the list the
window draws from), never by decrypting records, and on the background helper,
so opening a form never waits for them. They are one query over the catalog
(``SearchIndex.tags``, about 0.05 s at 100,000 records, holding the index's lock), read once
per opened index and kept (:data:`_KNOWN`, dropped with the index on lock); a form that
saves adds its tags. A tag removed elsewhere may still be offered until the
next unlock: suggestions are a hint, never data. :class:`TagCompleter` then completes the
word after the last comma, ignoring case ("FIRE" offers "firewall"), and leaves
out the tags the line already has. Picking a suggestion replaces that word and
adds ", " for the next tag.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from PySide6.QtCore import QObject, QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLineEdit

from ui.desktop import worker
from ui.desktop.worker import JobControl
from vault.errors import VaultError
from vault.fields import split_tags

MAX_SHOWN = 12
_KNOWN: weakref.WeakKeyDictionary[object, dict[str, str]] = weakref.WeakKeyDictionary()
"""The tags read from each open index: casefolded tag -> first spelling seen."""


def catalog_tags(index: object) -> list[str]:
    """Every tag of a live record in ``index``'s catalog, once ignoring case, sorted.

    One query (``SearchIndex.tags``); the most recently changed record's spelling wins.
    """
    return index.tags()  # type: ignore[attr-defined,no-any-return]


def split_last(text: str) -> tuple[str, str]:
    """``text`` cut before the word after its last comma: (what stays, the word)."""
    at = text.rfind(",")
    return text[: at + 1], text[at + 1 :].strip()


class TagCompleter(QObject):
    """Completes the last tag typed in ``line`` from the vault's tags."""

    def __init__(self, line: QLineEdit, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.line = line
        self._tags: list[str] = []
        self._index: object | None = None
        self._job: worker.Job | None = None
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setObjectName("tagCompleter")
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setModelSorting(QCompleter.ModelSorting.CaseInsensitivelySortedModel)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(MAX_SHOWN)
        self.completer.setWidget(line)
        self.completer.activated[str].connect(self.insert)
        line.textEdited.connect(self.update)

    # ------------------------------------------------------------------ the tags

    def load(self, index: object | None) -> worker.Job | None:
        """Offer the vault's tags from ``index``: kept ones at once, else read in the background.

        Returns:
            The job reading them, or None when they were known (or there is no index).
        """
        self._index = index
        if index is None:
            return None
        known = _KNOWN.get(index)
        if known is not None:
            self.set_tags(known.values())
            return None

        def work(_control: JobControl) -> list[str]:
            return catalog_tags(index)

        def done(tags: list[str]) -> None:
            known = _KNOWN.setdefault(index, {})
            for tag in tags:
                known.setdefault(tag.casefold(), tag)
            self.set_tags(known.values())

        def failed(_exc: VaultError) -> None:
            self._job = None  # no suggestions; typing tags still works

        self._job = worker.run(work, on_success=done, on_error=failed, parent=self)
        return self._job

    def remember(self, tags: Iterable[str]) -> None:
        """Add the tags a saved record has to the ones offered from now on."""
        known = _KNOWN.get(self._index) if self._index is not None else None
        if known is not None:
            for tag in tags:
                known.setdefault(tag.casefold(), tag)

    @property
    def loading(self) -> worker.Job | None:
        """The running job that reads the tags, if any."""
        return self._job if self._job is not None and self._job.running else None

    def set_tags(self, tags: Iterable[str]) -> None:
        """Offer ``tags`` from now on."""
        self._job = None
        self._tags = sorted(tags, key=str.casefold)
        if self.line.hasFocus():
            self.update()

    def tags(self) -> list[str]:
        """The tags offered."""
        return list(self._tags)

    def clear(self) -> None:
        """Forget the tags (on lock)."""
        if self._job is not None:
            self._job.cancel()
        self._tags = []
        self._index = None
        self.model.setStringList([])
        self.completer.popup().hide()

    # ------------------------------------------------------------------ completing

    def update(self, *_args: object) -> bool:
        """Show the tags that complete the word after the last comma; True if any."""
        kept, word = split_last(self.line.text())
        popup = self.completer.popup()
        if not word or not self._tags:
            popup.hide()
            return False
        have = {tag.casefold() for tag in split_tags(kept)}
        self.model.setStringList([t for t in self._tags if t.casefold() not in have])
        self.completer.setCompletionPrefix(word)
        if self.completer.completionCount() == 0 or (
            self.completer.completionCount() == 1
            and self.completer.currentCompletion().casefold() == word.casefold()
        ):
            popup.hide()
            return False
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))
        self.completer.complete()
        return True

    def suggestions(self) -> list[str]:
        """What the drop-down offers now."""
        model = self.completer.completionModel()
        return [str(model.index(row, 0).data()) for row in range(model.rowCount())]

    def insert(self, tag: str) -> None:
        """Replace the word after the last comma by ``tag``, ready for the next one."""
        kept, _word = split_last(self.line.text())
        prefix = f"{kept} " if kept else ""
        self.line.setText(f"{prefix}{tag}, ")
        self.completer.popup().hide()
