"""The search index of an unlocked vault: open, catch up, search, list, save.

:class:`SearchIndex` is what the CLI and the window use. It holds one
in-memory index (:mod:`search.store`) of every record in the scopes the
member can read, and keeps it in step with the vault:

- **Open.** :meth:`SearchIndex.open` decrypts the member's snapshot from the
  cache folder (:mod:`search.snapshot`) and catches up from the records
  changed since its mark; if the snapshot is missing, damaged, made under an
  older scope key or for other scopes, or the vault's change counter went
  backwards, it rebuilds from the records, reporting progress and honouring a
  cancel check between batches. The snapshot is decrypted on a helper thread
  while the changes since the mark in its header are read and tokenised here,
  and that thread writes them in as they come, so load and catch-up overlap
  (:mod:`search.catchup`; together about 0.4 s at 100,000 records).
- **Catch up.** Every read (search, catalog, counts) first compares the
  vault's change counter with the index's mark: one indexed query when
  nothing changed; otherwise ``vault.changes(mark)`` is applied (saves,
  deletes, restores, imports, attachments, records that became unreadable).
  A client created since the mark is indexed from these changes; a scope that
  is readable but not in the snapshot (access granted meanwhile) is read up to
  the mark with ``vault.changes(0, scopes=..., until=mark)`` on open and on
  :meth:`refresh`,
  which also drops scopes that are no longer readable.
- **Relations and dates.** "Linked from", and the dates the expiry view and
  the client overview need, are read from the index too
  (:class:`search.relations.RelationReads`): the window decrypts only the
  record it shows.
- **Save.** :meth:`maybe_save` (call it on a timer, from a worker: at 100,000
  records writing takes about a second) writes the snapshot after a quiet
  period; :meth:`save` and :meth:`close` write it now. Call :meth:`close`
  *before* locking the vault: saving needs the scope keys.

One index for all readable scopes, not one per scope: with a thousand clients,
a thousand FTS5 databases cost ~15 ms per query before finding anything, and
a common word had to be ranked in each (see bench/bench_search.py). The
snapshot is instead encrypted under a key that needs the current key of
*every* scope it covers, so it is exactly as readable as the scopes are.

Records of the shared scope (templates, memberships) are not searchable
records; a change to a template re-indexes the records of its type, in case a
field became secret. All methods may be called from any one thread at a time
(a lock serialises them).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from crypto.keys import equal
from search import catchup, snapshot
from search.document import Document, stamp
from search.engine import Engine
from search.lexicon import Lexicon
from search.listing import ListRow, Order
from search.model import (
    Cancel,
    CatalogRow,
    IndexCancelled,
    Progress,
    SearchHit,
    SearchPage,
)
from search.plan import Context
from search.query import parse
from search.relations import RelationReads
from search.store import Store
from vault import paths
from vault.errors import VaultError
from vault.model import Record
from vault.recordstore import TEMPLATE_TYPE
from vault.vault import Vault

log = logging.getLogger(__name__)

PURPOSE = "search-index"
"""The ``Vault.derived_key`` purpose of snapshot keys."""

QUIET_SECONDS = 30.0
"""Default quiet period before :meth:`SearchIndex.maybe_save` writes."""

BATCH = 500
"""Records per progress report and cancel check while building."""

WINDOW = 5000
"""Change counters read (and records decrypted) per step of a rebuild."""


class _Names(Mapping[str, str]):
    """Scope names, decrypted on first use (a thousand clients cost ~0.1 s to name)."""

    def __init__(self, vault: Vault, scopes: Iterable[str]) -> None:
        self._vault = vault
        self._scopes = sorted(scopes)
        self._known = frozenset(self._scopes)

    def __getitem__(self, scope_id: str) -> str:
        if scope_id not in self._known:
            raise KeyError(scope_id)
        try:
            return self._vault.scope_name(scope_id)
        except VaultError:
            return scope_id[:8]

    def __iter__(self) -> Iterator[str]:
        return iter(self._scopes)

    def __len__(self) -> int:
        return len(self._scopes)


class SearchIndex(RelationReads):
    """The encrypted full-text index and record catalog of one unlocked vault.

    Attributes:
        vault: The vault it indexes.
        scopes: The scopes it covers (readable ones, the shared scope excluded).
        path: Its snapshot file.
        last_load: How it was opened: "loaded", or "rebuilt (<reason>)".
    """

    def __init__(self, vault: Vault, store: Store, scopes: set[str], cache: Path) -> None:
        self.vault = vault
        self.store = store
        self.scopes = scopes
        self.path = snapshot.path_for(cache, vault.vault_id, vault.member_id)
        self._lock = threading.RLock()
        self._dirty = False
        self._changed_at = time.monotonic()
        self._generation = 0
        self._lexicon: tuple[int, Lexicon] | None = None
        self.engine = Engine(store, self._get_lexicon)
        self.last_load: str = ""

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        vault: Vault,
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        cache: Path | None = None,
        meanwhile: Callable[[], object] | None = None,
    ) -> SearchIndex:
        """Load the snapshot and catch up, or rebuild from the records.

        Args:
            vault: An unlocked vault.
            progress: Called with (done, total) records while rebuilding.
            cancel: Checked between batches while rebuilding; True stops with
                :class:`search.model.IndexCancelled`.
            cache: The cache folder (default ``vault.paths.cache_dir()``).
            meanwhile: Other work of the caller's, called once on this thread
                while the snapshot decrypts on the helper (before a rebuild if
                there is none). The window names its clients there: a thousand
                signature checks that would otherwise wait for the snapshot.

        Raises:
            IndexCancelled: ``cancel`` returned True during a rebuild.
        """
        cache = cache or paths.cache_dir()
        readable = catchup.readable(vault)
        pending = [meanwhile] if meanwhile is not None else []
        loaded = cls._load(vault, readable, cache, pending)
        while pending:
            pending.pop()()
        if isinstance(loaded, str):
            log.info("search index rebuilt: %s", loaded)
            index = cls(vault, Store.create(vault.vault_id), readable, cache)
            index._rebuild(progress, cancel)
            index.last_load = f"rebuilt ({loaded})"
            return index
        store, covered, early = loaded
        index = cls(vault, store, covered, cache)
        index.last_load = "loaded"
        added = readable - covered
        if added:
            index._backfill(added, progress, cancel)
        index._catch_up(early)
        return index

    @staticmethod
    def _load(
        vault: Vault, readable: set[str], cache: Path, meanwhile: list[Callable[[], object]]
    ) -> tuple[Store, set[str], catchup.Changes | None] | str:
        """The snapshot's index, the scopes it covers and the vault's changes since its mark.

        The snapshot is decrypted and deserialised on a helper thread
        (:class:`search.catchup.Loader`) while this thread reads the changes
        since the mark its plaintext header names, and tokenises them; the
        helper writes them into the loaded index window by window. Keys are
        derived and the vault is read on this thread only. The changes are used
        only if the decrypted, authenticated header is the one peeked at.

        With a cold keyring, the helper starts decrypting as soon as every
        scope key is unwrapped, while this thread checks the grants'
        signatures (a thousand Ed25519 checks: about 0.15 s holding the GIL, so
        only a thread that releases it, as AES-GCM and SQLite do, gains from
        it). Should any check fail, that helper's work is thrown away unread,
        and the snapshot is read again with the keys that passed (and refused,
        as it covers a scope whose key could not be opened). The caller's
        ``meanwhile`` work (taken from the list, so it runs once) follows the
        changes, while the helper may still be decrypting or writing them.
        """
        path = snapshot.path_for(cache, vault.vault_id, vault.member_id)
        peeked = snapshot.peek(path)
        if isinstance(peeked, str):
            return peeked
        started: list[tuple[catchup.Loader, dict[str, tuple[int, bytes]]]] = []

        def start(keys: dict[str, tuple[int, bytes]]) -> None:
            loader = catchup.Loader(path, vault.vault_id, vault.member_id, keys, peeked)
            loader.start()
            started.append((loader, keys))

        wanted = [s for s, _ in peeked.scopes if s in readable]
        try:  # every grant in one query; a scope whose key cannot be opened is left out
            keys = vault.derived_keys(wanted, PURPOSE, unchecked=start)
        except BaseException:
            for loader, _ in started:
                _discard(loader)
            raise
        if started and not _same_keys(started[0][1], keys):
            _discard(started.pop()[0])
        if not started:
            start(keys)
        loader = started[0][0]
        early: catchup.Changes | None = None
        try:
            newest = vault.high_water_mark()
            covered = {scope for scope, _ in peeked.scopes}
            if len(keys) == len(covered) and peeked.mark < newest:
                early = catchup.read_changes(
                    vault,
                    peeked.mark,
                    covered,
                    readable,
                    prepared=True,
                    sink=loader.feed,
                    newest=newest,
                )
            while meanwhile:  # taken from the list: the caller does not call it again
                meanwhile.pop()()
        except BaseException:
            _discard(loader)
            raise
        loader.finish()
        found = loader.result()
        if isinstance(found, str):
            return found
        store, header = found
        if store.mark != header.mark or store.mark > newest:
            store.close()
            return "the vault has gone back to an older state"
        if header != peeked:
            early = None  # replaced while it was read: catch up from what was decrypted
        return store, {scope for scope, _ in header.scopes}, early

    def _rebuild(self, progress: Progress | None, cancel: Cancel | None) -> None:
        """Index every record, reading :data:`WINDOW` change counters at a time.

        Each window's records are decrypted, turned into documents and dropped
        before the next is read, so a rebuild never holds the whole vault
        decrypted (at 100,000 records that was over 300 MB at peak). Progress
        is reported in change counters, up to the vault's high-water mark.
        """
        mark = self.vault.high_water_mark()
        self._check(cancel)
        if progress:
            progress(0, mark)
        low = 0
        with self._lock:
            while low < mark:
                high = min(low + WINDOW, mark)
                records, _gone, _mark = self.vault.changes(low, until=high)
                documents: list[Document] = []
                for done, record in enumerate(records, 1):
                    if self._indexable(record):
                        documents.append(self._document(record))
                    if done % BATCH == 0:
                        self._check(cancel)
                del records
                self.store.bulk_load(documents)
                del documents
                low = high
                self._check(cancel)
                if progress:
                    progress(low, mark)
            self.store.optimize()
            self.store.set_meta("mark", mark)
            self._touched()

    def _backfill(
        self, scopes: set[str], progress: Progress | None = None, cancel: Cancel | None = None
    ) -> None:
        """Index every record of scopes that became readable (their changes may be old)."""
        self.scopes |= scopes
        # Changes after the mark come with the next catch-up; read only what came before.
        records, _gone, _mark = self.vault.changes(0, scopes=scopes, until=self.store.mark)
        wanted = [r for r in records if r.scope_id in scopes and self._indexable(r)]
        self._apply_records(wanted, (), progress, cancel)
        self._touched()

    @staticmethod
    def _check(cancel: Cancel | None) -> None:
        if cancel is not None and cancel():
            raise IndexCancelled()

    # ------------------------------------------------------------------ keeping up

    def _indexable(self, record: Record) -> bool:
        return (
            record.type != TEMPLATE_TYPE
            and record.scope_id != self.vault.shared_scope_id
            and record.scope_id in self.scopes
        )

    def _document(self, record: Record) -> Document:
        return catchup.document_of(self.vault, record)

    def _apply_records(
        self,
        records: list[Record],
        gone: Iterable[str],
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        *,
        force: bool = False,
    ) -> None:
        """Index records (skipping those indexed in this very state unless ``force``)."""
        if not force and records:
            known = self.store.stamps(r.id for r in records)
            records = [r for r in records if known.get(r.id) != stamp(r)]
        documents: list[Document] = []
        total = len(records)
        for done, record in enumerate(records, 1):
            documents.append(self._document(record))
            if done % BATCH == 0:
                self._check(cancel)
                if progress:
                    progress(done, total)
        self._apply_documents(documents, gone, force=True)  # the stamps were compared above

    def _apply_documents(
        self, documents: list[Document], gone: Iterable[str], *, force: bool = False
    ) -> None:
        """Write documents (unless ``force``, those indexed in this very state are skipped)."""
        with self._lock:
            if documents and not force:
                known = self.store.stamps(d.id for d in documents)
                documents = [d for d in documents if known.get(d.id) != d.stamp]
            self.store.apply(documents, gone)
            self._touched()

    def _catch_up(self, early: catchup.Changes | None = None) -> int:
        """Apply the vault's changes since the mark; returns how many records changed.

        ``early``: the changes since the mark, read while the snapshot loaded
        (used only if they start at the mark).
        """
        with self._lock:
            mark = self.store.mark
            newest = self.vault.high_water_mark()
            if newest == mark:
                return 0
            if newest < mark:
                log.info("search index rebuilt: the vault's change counter went backwards")
                self.store.close()
                self.store = Store.create(self.vault.vault_id)
                self.engine = Engine(self.store, self._get_lexicon)
                self._rebuild(None, None)
                return self.store.mark
            changes = early
            if changes is None or changes.since != mark:
                changes = catchup.read_changes(self.vault, mark, self.scopes)
            self.scopes |= changes.scopes
            self._apply_documents(changes.documents, changes.gone)
            if changes.templates:
                self._reindex_types(changes.templates)
            self.store.set_meta("mark", changes.mark)
            return changes.count

    def _reindex_types(self, templates: list[Record]) -> None:
        """Re-index every record of the types whose templates changed."""
        types: set[str] = set()
        for record in templates:
            try:
                types.add(json.loads(record.fields.get("definition", "{}"))["id"])
            except (ValueError, KeyError, TypeError):
                types.update(t.id for t in self.vault.templates().values() if not t.builtin)
        records, _gone, _mark = self.vault.changes(0)
        wanted = [r for r in records if r.type in types and self._indexable(r)]
        self._apply_records(wanted, (), force=True)

    def refresh(self, progress: Progress | None = None, cancel: Cancel | None = None) -> int:
        """Catch up with the vault now, including scopes that became (un)readable.

        Returns:
            How many records changed.
        """
        with self._lock:
            readable = catchup.readable(self.vault)
            lost = self.scopes - readable
            if lost:
                self.store.remove_scopes(lost)
                self.scopes -= lost
                self._touched()
            added = readable - self.scopes
            if added:
                self._backfill(added, progress, cancel)
            return self._catch_up() + len(lost) + len(added)

    def _touched(self) -> None:
        self._dirty = True
        self._changed_at = time.monotonic()
        self._generation += 1

    def _get_lexicon(self) -> Lexicon:
        if self._lexicon is None or self._lexicon[0] != self._generation:
            self._lexicon = (self._generation, Lexicon(self.store.conn))
        return self._lexicon[1]

    # ------------------------------------------------------------------ reading

    def _context(self, scopes: Iterable[str] | None) -> Context:
        types = {t.id: (t.name, t.plural) for t in self.vault.templates().values()}
        wanted = None if scopes is None else frozenset(scopes) & frozenset(self.scopes)
        return Context(_Names(self.vault, self.scopes), types, wanted, self.store.date_bounds())

    def search_page(
        self, query: str, *, scopes: Iterable[str] | None = None, limit: int = 50, offset: int = 0
    ) -> SearchPage:
        """One page of results with totals, suggestions and notes.

        Args:
            query: Anything a person typed (see :mod:`search.query`); never raises for it.
            scopes: Restrict to these scope ids (others, and unreadable ones, are ignored).
            limit: Results per page.
            offset: Results to skip.
        """
        with self._lock:
            self._catch_up()
            return self.engine.run(parse(query), self._context(scopes), limit=limit, offset=offset)

    def search(
        self, query: str, *, scopes: Iterable[str] | None = None, limit: int = 50, offset: int = 0
    ) -> list[SearchHit]:
        """The results for ``query``, best first (see :meth:`search_page`)."""
        return self.search_page(query, scopes=scopes, limit=limit, offset=offset).hits

    def suggest(self, query: str) -> list[str]:
        """'Did you mean' queries for words of ``query`` that are in no record."""
        with self._lock:
            self._catch_up()
            return self.engine.suggest(parse(query))

    def catalog(
        self,
        scope_id: str | None = None,
        type: str | None = None,
        include_deleted: bool = False,
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[CatalogRow]:
        """Records for a list, most recently changed first, without decrypting any.

        Args:
            scope_id: Only this scope (None: every readable scope).
            type: Only this record type.
            include_deleted: Include tombstones (for a trash list).
            limit: At most this many rows.
            offset: Rows to skip.
        """
        with self._lock:
            self._catch_up()
            scopes = None if scope_id is None else [scope_id]
            return self.store.catalog(
                scopes, type, include_deleted=include_deleted, limit=limit, offset=offset
            )

    def list_rows(
        self, scope_id: str | None = None, type: str | None = None, *, order: Order = "updated"
    ) -> list[ListRow]:
        """Live records for a big list, as plain tuples (see :func:`search.listing.list_rows`).

        (id, scope id, type, title, updated, list columns as a JSON object):
        what :meth:`catalog` gives, without the cost of decoding every row (a
        second at 100,000 records). ``order``: ``"updated"``, most recently
        changed first; ``"title"``, the order of :func:`search.listing.title_key`
        (a record list's default), which is cheaper than reading the rows by
        date and sorting them afterwards.
        """
        with self._lock:
            self._catch_up()
            return self.store.list_rows(None if scope_id is None else [scope_id], type, order)

    def tags(self) -> list[str]:
        """Every tag of a live record in a readable scope: once ignoring case, sorted.

        One query over the catalog (no record is decrypted). Where a tag is
        spelt several ways, the most recently changed record's spelling wins.
        """
        with self._lock:
            self._catch_up()
            return self.store.tags(self.scopes & self.vault.readable_scopes())

    def counts(self) -> dict[str, dict[str, int]]:
        """Live records per scope and type: ``{scope_id: {type: count}}``.

        Kept up to date as records change, and saved with the snapshot: the
        window asks after every save, and counting 100,000 records takes a
        quarter of a second.
        """
        with self._lock:
            self._catch_up()
            return self.store.counts()

    # ------------------------------------------------------------------ saving

    @property
    def dirty(self) -> bool:
        """Whether the index changed since it was last saved or loaded."""
        return self._dirty

    def save(self) -> int:
        """Write the encrypted snapshot now (if anything changed); returns bytes written."""
        with self._lock:
            if not self._dirty and self.path.exists():
                return 0
            derived = self.vault.derived_keys(self.scopes, PURPOSE)
            for scope_id in self.scopes - derived.keys():  # raises, naming why it cannot be read
                derived[scope_id] = self.vault.derived_key(scope_id, PURPOSE)
            keys = [(s, *derived[s]) for s in sorted(self.scopes)]
            data = self.store.to_bytes()
            try:
                size = snapshot.write(
                    self.path,
                    data,
                    mark=self.store.mark,
                    vault_id=self.vault.vault_id,
                    member_id=self.vault.member_id,
                    scopes=keys,
                )
            finally:
                del data
            self._dirty = False
            return size

    def maybe_save(self, quiet_seconds: float = QUIET_SECONDS) -> int:
        """Save if the index changed and nothing changed for ``quiet_seconds``; bytes written."""
        if self._dirty and time.monotonic() - self._changed_at >= quiet_seconds:
            return self.save()
        return 0

    def close(self, *, save: bool = True) -> None:
        """Save if needed (unless ``save`` is False) and free the index.

        Call it before locking the vault: saving needs the scope keys.
        """
        with self._lock:
            try:
                if save and self.vault.is_unlocked:
                    self.save()
            except (VaultError, OSError) as exc:
                log.warning("search index not saved: %s", type(exc).__name__)
            finally:
                self.store.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _discard(loader: catchup.Loader) -> None:
    """Stop a snapshot loader whose result is not wanted, and free what it loaded."""
    loader.finish()
    try:
        found = loader.result()
    except Exception:  # its result is not wanted, nor its failure
        return
    if not isinstance(found, str):
        found[0].close()


def _same_keys(a: dict[str, tuple[int, bytes]], b: dict[str, tuple[int, bytes]]) -> bool:
    """Whether two sets of scope keys are the same (keys compared in constant time)."""
    return a.keys() == b.keys() and all(a[s][0] == b[s][0] and equal(a[s][1], b[s][1]) for s in a)
