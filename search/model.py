"""The values the search API hands out: hits, snippets, catalog rows, pages, errors.

Plain frozen dataclasses, shared by the CLI and the window. Nothing here holds a
secret: secret fields never reach the index, so they cannot reach a hit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vault.errors import VaultError

Progress = Callable[[int, int], None]
"""``progress(done, total)`` during a rebuild."""

Cancel = Callable[[], bool]
"""Returns True when the person asked to stop a rebuild."""

MARK_OPEN = "["
MARK_CLOSE = "]"
"""The default markers around matched text in :meth:`Snippet.marked` and ``str(snippet)``."""


class SearchError(VaultError):
    """A known search condition (shown like any vault error)."""


class IndexCancelled(SearchError):
    """The person cancelled building the index; nothing was saved."""

    def __init__(self) -> None:
        super().__init__("Building the search index was cancelled.")


@dataclass(frozen=True)
class Snippet:
    """A short excerpt of the field that matched, with the matched spans.

    Attributes:
        field: The label of the field the excerpt comes from ("Title",
            "Hostname", "Notes", "Attachment", or an attachment's file name).
        text: The excerpt, one line; "…" marks text cut at either end.
        spans: (start, end) offsets into ``text`` of each match, in order, not
            overlapping.
    """

    field: str
    text: str
    spans: tuple[tuple[int, int], ...] = ()

    def marked(self, open: str = MARK_OPEN, close: str = MARK_CLOSE) -> str:
        """The excerpt with every matched span wrapped in ``open`` and ``close``.

        The window escapes ``text`` for HTML and passes ``<b>`` and ``</b>``.
        """
        out: list[str] = []
        at = 0
        for start, end in self.spans:
            out.append(self.text[at:start])
            out.append(open + self.text[start:end] + close)
            at = end
        out.append(self.text[at:])
        return "".join(out)

    def __str__(self) -> str:
        return self.marked()


@dataclass(frozen=True)
class SearchHit:
    """One search result.

    Attributes:
        id: The record id.
        scope_id: The record's scope (a client's, or the provider-internal one).
        client: The scope's name (client name, or "Provider internal").
        type: The record type (template id).
        title: The record title.
        snippet: Where the query matched, with the matches marked.
        score: Relevance, higher is better (negated bm25); comparable within
            one query's results only.
        updated: When the record last changed (ISO 8601 UTC).
    """

    id: str
    scope_id: str
    client: str
    type: str
    title: str
    snippet: Snippet
    score: float
    updated: str


@dataclass(frozen=True)
class SearchPage:
    """One page of results with what a search box shows around them.

    Attributes:
        hits: The results on this page, best first.
        total: How many records match in all (for "1–50 of 312").
        suggestions: "Did you mean" queries when nothing matched (best first).
        notes: Short remarks about how the query was read, e.g. a filter
            value that was not understood or a query that was shortened.
        approximate: True when the query matched so many records that only
            title matches and the most recently changed matches were ranked.
    """

    hits: list[SearchHit]
    total: int
    suggestions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    approximate: bool = False


@dataclass(frozen=True)
class CatalogRow:
    """What a record list shows, read from the index without decrypting records.

    Attributes:
        id: The record id.
        scope_id: Its scope.
        type: Its record type.
        title: Its title.
        tags: Its tags.
        columns: Values of the template's list columns, by field name (never secrets).
        created: When it was created (ISO 8601 UTC).
        updated: When it last changed.
        deleted: Whether it is a tombstone (only listed with ``include_deleted``).
    """

    id: str
    scope_id: str
    type: str
    title: str
    tags: tuple[str, ...]
    columns: dict[str, str]
    created: str
    updated: str
    deleted: bool
