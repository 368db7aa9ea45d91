"""Re-ranking the best bm25 candidates: a record whose title *is* the query comes first.

FTS5's ``bm25()`` adds the column weights to the term frequency *before* it
saturates, over the length of the whole record. So a configuration titled
``srv-dc01`` (with the name again in its hostname and FQDN, and a long list of
fields) scores about the same as a service entry titled "Installed monthly
updates on srv-dc01". A person typing a hostname wants the thing itself first.
The :data:`CANDIDATES` best bm25 results are therefore rescored:

- ``score * EXACT`` when the title's tokens are exactly the query's tokens;
- ``score * WHOLE`` when every query term occurs in the title and every token
  of the title is matched by a query term (``dc01`` and ``srv-dc*`` for the
  host titled ``srv-dc01``: the title names only what was asked for);
- ``score * ALL_IN_TITLE`` when every query term occurs in the title (as a
  token or one of its parts, or as a prefix);

then sorted by score, ties by recency (higher rowid first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from search.query import Term
from search.tokens import chunks, parts

CANDIDATES = 100
"""How many of the best bm25 results are rescored."""

EXACT = 2.0
WHOLE = 1.6
ALL_IN_TITLE = 1.3


def _has(term: Term, title: Sequence[str], pieces: frozenset[str]) -> bool:
    if len(term.tokens) == 1:
        token = term.tokens[0]
        if term.prefix:
            return any(piece.startswith(token) for piece in pieces)
        if term.substring:
            return any(token in piece for piece in pieces)
        return token in pieces
    size = len(term.tokens)
    for start in range(len(title) - size + 1):
        window = title[start : start + size]
        if list(window[:-1]) == list(term.tokens[:-1]):
            last, wanted = window[-1], term.tokens[-1]
            if last == wanted or (term.prefix and last.startswith(wanted)):
                return True
    return False


def factor(title: str, groups: Sequence[Sequence[Term]]) -> float:
    """How much a title boosts a hit (1.0 for none).

    Args:
        title: The hit's title.
        groups: The query's groups (:meth:`search.query.Query.groups`): each
            top-level clause's terms, the term as typed first, then its word
            forms or expansions.
    """
    groups = [group for group in groups if group]
    if not groups:
        return 1.0
    title_tokens, pieces, own = _analysed(title)
    if not title_tokens:
        return 1.0
    typed = [group[0] for group in groups]
    wanted = [token for term in typed for token in term.tokens]
    if list(title_tokens) == wanted and not any(t.prefix or t.substring for t in typed):
        return EXACT
    if not all(any(_has(term, title_tokens, pieces) for term in group) for group in groups):
        return 1.0
    terms = [term for group in groups for term in group]
    for token, token_pieces in zip(title_tokens, own, strict=True):
        if not any(_has(term, (token,), token_pieces) for term in terms):
            return ALL_IN_TITLE
    return WHOLE


@lru_cache(maxsize=4096)
def _analysed(title: str) -> tuple[tuple[str, ...], frozenset[str], tuple[frozenset[str], ...]]:
    """A title's tokens, all their pieces, and each token's own pieces (titles repeat a lot)."""
    title_tokens = tuple(chunks(title))
    own = tuple(frozenset({token, *parts(token)}) for token in title_tokens)
    return title_tokens, frozenset().union(*own), own


def rerank(
    ranked: Iterable[tuple[int, float]],
    titles: Mapping[int, str],
    groups: Sequence[Sequence[Term]],
) -> list[tuple[int, float]]:
    """Rescore (rowid, score) pairs by their titles and sort best first, ties by recency."""
    rescored = [(rowid, score * factor(titles.get(rowid, ""), groups)) for rowid, score in ranked]
    rescored.sort(key=lambda item: (-item[1], -item[0]))
    return rescored
