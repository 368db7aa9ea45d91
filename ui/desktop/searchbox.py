"""Search as you type: debounced queries run off the GUI thread, newest result wins.

:class:`SearchRunner` waits ``delay_ms`` after the last keystroke, then runs
``SearchIndex.search_page`` through :mod:`ui.desktop.worker`. At most one query
is in flight; a query typed meanwhile replaces the pending one and runs when the
current one ends, and only the result for the latest text is delivered. Typing
therefore never waits for a search.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import QObject, QTimer, Signal

from ui.desktop import worker
from ui.desktop.signals import emit
from ui.desktop.worker import JobControl
from vault.errors import VaultError

log = logging.getLogger(__name__)

DEFAULT_DELAY_MS = 150
PAGE_SIZE = 500


class SearchRunner(QObject):
    """Runs the latest query against a search index; emits :attr:`finished` with its page."""

    finished = Signal(str, object)  # query, search.SearchPage (or None if it failed)

    def __init__(self, parent: QObject | None = None, delay_ms: int = DEFAULT_DELAY_MS) -> None:
        super().__init__(parent)
        self.index: object | None = None
        self.limit = PAGE_SIZE
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._fire)
        self._wanted: tuple[str, tuple[str, ...] | None] | None = None
        self._job: worker.Job | None = None

    def set_delay(self, delay_ms: int) -> None:
        """Change the debounce delay."""
        self._timer.setInterval(delay_ms)

    @property
    def busy(self) -> bool:
        """True while a query waits or runs."""
        return self._timer.isActive() or (self._job is not None and self._job.running)

    def request(self, query: str, scopes: Iterable[str] | None = None) -> None:
        """Search for ``query`` (in ``scopes``) once typing pauses."""
        self._wanted = (query, None if scopes is None else tuple(scopes))
        self._timer.start()

    def cancel(self) -> None:
        """Forget the pending query (on lock)."""
        self._timer.stop()
        self._wanted = None

    def _fire(self) -> None:
        if self._wanted is None or self.index is None:
            return
        if self._job is not None and self._job.running:
            return  # _done runs the newest query next
        query, scopes = self._wanted
        self._wanted = None
        index, limit = self.index, self.limit

        def work(_control: JobControl) -> object:
            return index.search_page(query, scopes=scopes, limit=limit)  # type: ignore[attr-defined]

        def done(page: object) -> None:
            if self._wanted is None and self.index is index:
                emit(self.finished, query, page)

        def failed(exc: VaultError) -> None:
            log.info("search failed: %s", type(exc).__name__)
            if self._wanted is None:
                emit(self.finished, query, None)

        self._job = worker.run(work, on_success=done, on_error=failed, parent=self)
        self._job.finished.connect(self._next)

    def _next(self) -> None:
        if self._wanted is not None and not self._timer.isActive():
            self._fire()
