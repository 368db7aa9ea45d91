"""Opening the index fast: decrypt the snapshot on one thread while this one reads the vault.

:meth:`search.index.SearchIndex.open` needs two things at once: the
snapshot (tens of megabytes to decrypt and deserialise; AES-GCM and SQLite run
without holding the GIL) and the records changed since the snapshot's mark
(every one decrypted and its signature verified, then tokenised: Python work
that needs the GIL). So :class:`Loader` decrypts on a helper thread while the
opening thread calls :func:`read_changes`.

The changes are read in windows of :data:`WINDOW` change counters. Each
window's documents go to the loader as soon as they are tokenised, and once
its index is loaded the loader writes them in (the FTS5 inserts run in SQLite,
without the GIL), while the opening thread verifies and tokenises the next
window. What the loader wrote is ordinary index content: the catch-up that
follows compares stamps and skips it, and writes only what the loader did not
(nothing, normally; everything, if the snapshot turned out not to be the one
peeked at, in which case the loader writes nothing).

At 100,000 records and 1,000 changes the helper thread is done in about 0.2 s
and the opening thread in about 0.3 s (figures: ``bench/bench_search.py``).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from search import snapshot
from search.document import Document, build, read_text
from search.store import Store
from vault.errors import VaultError
from vault.model import Attachment, Record
from vault.recordstore import TEMPLATE_TYPE
from vault.vault import Vault

log = logging.getLogger(__name__)

WINDOW = 250
"""Change counters read (decrypted, verified, tokenised) before handing documents on."""

Sink = Callable[[list[Document]], None]
"""Takes a window's documents (see :meth:`Loader.feed`)."""


def readable(vault: Vault) -> set[str]:
    """The scopes whose records are searchable: readable ones, the shared scope excluded."""
    return vault.readable_scopes() - {vault.shared_scope_id}


@dataclass
class Changes:
    """The vault's changes after ``since``, read and turned into documents (no index needed)."""

    since: int
    mark: int
    scopes: set[str]
    documents: list[Document]
    gone: list[str]
    templates: list[Record]
    count: int


def read_changes(
    vault: Vault,
    since: int,
    scopes: set[str],
    readable_now: set[str] | None = None,
    *,
    prepared: bool = False,
    sink: Sink | None = None,
    newest: int | None = None,
) -> Changes:
    """Decrypt the records changed after ``since`` into documents.

    Args:
        vault: The vault.
        since: The index's mark.
        scopes: The scopes the index covers; a client created (or synced in)
            since the mark is added if readable (all its records are new).
        readable_now: The readable scopes, if the caller has just asked the vault.
        prepared: Tokenise the documents now (``build(..., prepared=True)``).
        sink: Given each window's documents as soon as they are made. Without
            it the changes are read in one go.
        newest: The vault's high-water mark, read just before: windows of
            :data:`WINDOW` counters up to it, then one for anything newer.
    """
    bounds: list[int | None] = [None]
    if sink is not None and newest is not None:
        bounds = [*range(since + WINDOW, newest, WINDOW), None]
    found = Changes(since, since, set(scopes), [], [], [], 0)
    low = since
    for high in bounds:
        window = _window(vault, low, high, found.scopes, readable_now, prepared)
        found.mark = max(found.mark, window.mark)
        found.documents += window.documents
        found.gone += window.gone
        found.templates += window.templates
        found.count += window.count
        if sink is not None and window.documents:
            sink(window.documents)
        low = high if high is not None else low
    return found


def _window(
    vault: Vault,
    since: int,
    until: int | None,
    scopes: set[str],
    readable_now: set[str] | None,
    prepared: bool,
) -> Changes:
    """The changes with counters in (since, until]; ``scopes`` grows by new readable ones."""
    records, gone, mark = vault.changes(since, until=until)
    shared = vault.shared_scope_id
    unknown = {r.scope_id for r in records} - scopes - {shared}
    if unknown:
        scopes |= unknown & (readable(vault) if readable_now is None else readable_now)
    count = len(records) + len(gone)
    templates = [r for r in records if r.type == TEMPLATE_TYPE]
    filed = vault.with_attachments(r.id for r in records if not r.deleted)
    documents: list[Document] = []
    for record in records:
        if record.type == TEMPLATE_TYPE:
            continue
        if record.scope_id == shared or record.scope_id not in scopes:
            gone.append(record.id)  # no longer readable here
            continue
        documents.append(document_of(vault, record, record.id in filed, prepared=prepared))
    return Changes(since, mark, scopes, documents, gone, templates, count)


def document_of(
    vault: Vault, record: Record, filed: bool = True, *, prepared: bool = False
) -> Document:
    """The document of a record; ``filed``: it may have attachments (False: known to have none)."""
    attachments: list[Attachment] = []
    if filed and not record.deleted:
        attachments = vault.attachments(record.id)

    def read(attachment: Attachment) -> str:
        stream = vault.read_attachment(attachment.id)
        try:
            return read_text(stream)
        except VaultError:
            log.warning("attachment %s could not be read for the index", attachment.id)
            return ""
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()

    template = vault.templates().get(record.type)
    return build(record, vault.kinds(record), template, attachments, read, prepared=prepared)


class Loader(threading.Thread):
    """Decrypts and deserialises a snapshot on a helper thread, then writes documents fed to it.

    It touches only the snapshot file, keys derived beforehand and the index
    it loads, never the vault. The decrypted plaintext is unmapped as soon as
    SQLite holds its copy. Documents given to :meth:`feed` are written into
    the index only if its decrypted header is ``expected`` (the one peeked at,
    whose mark the changes were read from); :meth:`result` waits for
    :meth:`finish` and for the last of them.
    """

    def __init__(
        self,
        path: Path,
        vault_id: str,
        member_id: str,
        keys: dict[str, tuple[int, bytes]],
        expected: snapshot.Header | None = None,
    ) -> None:
        super().__init__(name="search-index-load", daemon=True)
        self._args = (path, vault_id, member_id, keys)
        self._expected = expected
        self._found: tuple[Store, snapshot.Header] | str = "the snapshot was not read"
        self._error: BaseException | None = None
        self._batches: queue.SimpleQueue[list[Document] | None] = queue.SimpleQueue()
        self._done = threading.Event()

    def feed(self, documents: list[Document]) -> None:
        """Queue documents to write into the index once it is loaded (never blocks)."""
        self._batches.put(documents)

    def finish(self) -> None:
        """No more documents will come."""
        self._batches.put(None)

    def run(self) -> None:
        try:
            self._load()
            if not isinstance(self._found, str) and self._found[1] == self._expected:
                self._write(self._found[0])
        except BaseException as exc:  # re-raised on the opening thread
            self._error = exc
        finally:
            self._args = (self._args[0], "", "", {})
            self._done.set()

    def _load(self) -> None:
        path, vault_id, member_id, keys = self._args

        def key_for(scope_id: str) -> tuple[int, bytes]:
            if scope_id not in keys:
                raise VaultError("not readable")
            return keys[scope_id]

        found = snapshot.read(path, vault_id=vault_id, member_id=member_id, key_for=key_for)
        if isinstance(found, str):
            self._found = found
            return
        data, header = found
        del found
        try:
            store = Store.from_bytes(data, vault_id)
        finally:  # the plaintext goes as soon as SQLite has its copy
            with contextlib.suppress(BufferError):
                snapshot.release(data)
            del data
        self._found = "the snapshot holds no usable index" if store is None else (store, header)

    def _write(self, store: Store) -> None:
        """Write fed documents until :meth:`finish` (skipping those indexed in this very state)."""
        if self._expected is None or store.mark != self._expected.mark:
            return
        while (batch := self._batches.get()) is not None:
            try:
                known = store.stamps(d.id for d in batch)
                store.apply([d for d in batch if known.get(d.id) != d.stamp])
            except Exception:  # the catch-up that follows writes what is missing
                log.warning("search index: early catch-up stopped", exc_info=True)
                return

    def result(self) -> tuple[Store, snapshot.Header] | str:
        """Wait for the index and the documents fed so far; what it found (or re-raise)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._found
