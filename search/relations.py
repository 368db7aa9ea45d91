"""Relations and dates from the index: what the window shows without decrypting records.

The record view lists the records that link to the one shown ("Linked from"),
the client overview sorts contacts by escalation order and the expiry view
lists warranties, licences, rotation and review dates across clients. At
100,000 records, decrypting the vault to answer these took half a minute and
hundreds of megabytes; the index keeps what they need (:mod:`search.store`:
the ``links`` and ``facts`` tables, never a secret) and answers in
milliseconds. :class:`RelationReads` is mixed into :class:`search.SearchIndex`;
like its other reads, each first catches up with the vault.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from search.model import CatalogRow
from search.store import Store
from vault.ordering import text_order


class RelationReads:
    """Relation and date reads of :class:`search.SearchIndex` (mixed in)."""

    store: Store
    _lock: threading.RLock

    def _catch_up(self) -> int:
        raise NotImplementedError

    def rows(self, record_ids: Iterable[str]) -> dict[str, CatalogRow]:
        """Catalog rows (tombstones included) by record id; ids not indexed are left out."""
        with self._lock:
            self._catch_up()
            return self.store.rows_by_id(record_ids)

    def backlinks(self, record_id: str) -> list[CatalogRow]:
        """Live records that link to ``record_id`` or name it in a reference field.

        Read from the index (no record is decrypted), ordered by type, then title.
        """
        with self._lock:
            self._catch_up()
            rows = self.store.backlinks(record_id)
        return sorted(rows, key=lambda r: (r.type, text_order(r.title), r.id))

    def facts(self, record_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """Date and number field values of live records, by record id (never secrets)."""
        with self._lock:
            self._catch_up()
            return self.store.facts(record_ids)

    def due(self, until: str, scope_id: str | None = None) -> list[tuple[CatalogRow, str, str]]:
        """Every expiry or due date on or before ``until``, soonest first.

        Args:
            until: The last day wanted (``YYYY-MM-DD``); overdue dates are included.
            scope_id: Only this scope (None: every readable scope).

        Returns:
            (record row, field name, date) per date: warranties, licences,
            agreement ends, rotation and review dates (:func:`search.document.is_due`).
        """
        with self._lock:
            self._catch_up()
            return self.store.due(until, None if scope_id is None else [scope_id])
