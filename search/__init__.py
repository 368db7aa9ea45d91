"""Encrypted full-text search and the record catalog (DESIGN.md section 5).

The public API, used by the CLI and the window alike::

    from search import SearchIndex

    index = SearchIndex.open(vault, progress=..., cancel=...)   # load or build
    index.search("srv-dc* type:configuration client:contoso")  # -> [SearchHit]
    index.search_page(query, limit=50, offset=0)                # + total, suggestions
    index.catalog(scope_id, type)                               # -> [CatalogRow]
    index.counts()                                              # {scope: {type: n}}
    index.backlinks(record_id)      # "linked from", without decrypting
    index.due("2026-09-30")         # expiry, review and rotation dates
    index.maybe_save()      # on a timer;  index.close() before vault.lock()

Modules: :mod:`search.tokens` (IT-shaped tokenisation), :mod:`search.document`
(record -> indexed sections and FTS5 columns), :mod:`search.store` (the
in-memory SQLite/FTS5 database), :mod:`search.query` and :mod:`search.dates`
(the query language), :mod:`search.plan` (query -> FTS5 expression),
:mod:`search.rewrite`, :mod:`search.variants` and :mod:`search.lexicon` (word
forms, substrings, "did you mean"), :mod:`search.engine` (running a query),
:mod:`search.ranking`, :mod:`search.snippets`, :mod:`search.snapshot` (the
encrypted file), :mod:`search.relations` (links and dates) and
:mod:`search.index` (the facade). Nothing here imports Qt
or ``ui``.
"""

from search.index import SearchIndex
from search.model import (
    MARK_CLOSE,
    MARK_OPEN,
    CatalogRow,
    IndexCancelled,
    SearchError,
    SearchHit,
    SearchPage,
    Snippet,
)
from search.query import parse

__all__ = [
    "MARK_CLOSE",
    "MARK_OPEN",
    "CatalogRow",
    "IndexCancelled",
    "SearchError",
    "SearchHit",
    "SearchIndex",
    "SearchPage",
    "Snippet",
    "parse",
]
