"""The index's vocabulary: "did you mean" suggestions and substring matches.

Both draw from the store's ``terms`` table (every token indexed) and check
each candidate against the FTS5 index's ``fts5vocab`` table, so they only
ever offer words that occur in a record now (and never a secret, which is
never indexed). Reading the whole ``fts5vocab`` table would mean walking the
whole index (a third of a second at 100,000 records); the term list is read
once and kept until the index changes.

- :meth:`Lexicon.similar` finds words within Damerau-Levenshtein distance 2
  (1 for words of up to four letters). Candidates come from a deletion index
  (each word and each word with one character deleted; two words within
  distance 2 share such a key in almost every case), then the distance is
  checked exactly. Only words of letters (3-32 of them) are suggested: a
  misspelled serial number has no useful neighbour.
- :meth:`Lexicon.containing` finds terms that contain a fragment anywhere
  (``0070`` -> ``0x80070005``), by a scan of all terms joined into one string.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable

MIN_WORD = 3
MAX_WORD = 32
MAX_CONTAINING = 500
"""Terms containing a fragment that are looked at, at most."""


class Lexicon:
    """The indexed terms (from the store's ``terms`` table), for suggestions and substrings."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        terms = [row[0] for row in conn.execute("SELECT term FROM terms")]
        self._joined = "\n" + "\n".join(terms) + "\n"
        self._words = [t for t in terms if MIN_WORD <= len(t) <= MAX_WORD and t.isalpha()]
        self._deletes: dict[str, list[str]] | None = None

    def counts(self, terms: Iterable[str]) -> dict[str, int]:
        """Record counts of terms that still occur in the index."""
        return counts(self.conn, terms)

    def containing(self, fragment: str, limit: int = 40) -> list[str]:
        """Terms containing ``fragment`` (lowercase), most frequent first."""
        if not fragment or "\n" in fragment:
            return []
        found: dict[str, None] = {}
        joined = self._joined
        for match in re.finditer(re.escape(fragment), joined):
            start = joined.rfind("\n", 0, match.start()) + 1
            end = joined.find("\n", match.end())
            found.setdefault(joined[start:end], None)
            if len(found) >= MAX_CONTAINING:
                break
        counts = self.counts(found)
        return sorted(counts, key=lambda t: (-counts[t], t))[:limit]

    def _index(self) -> dict[str, list[str]]:
        if self._deletes is None:
            index: dict[str, list[str]] = defaultdict(list)
            for term in self._words:
                for key in _deletions(term):
                    index[key].append(term)
            self._deletes = dict(index)
        return self._deletes

    def similar(self, word: str, limit: int = 3) -> list[str]:
        """Indexed words close to ``word``, closest and most frequent first."""
        word = word.lower()
        if not (MIN_WORD <= len(word) <= MAX_WORD) or not word.isalpha():
            return []
        index = self._index()
        allowed = 1 if len(word) <= 4 else 2
        close: dict[str, int] = {}
        for key in _deletions(word):
            for candidate in index.get(key, ()):
                if candidate != word and candidate not in close:
                    close[candidate] = edit_distance(word, candidate, allowed)
        close = {c: d for c, d in close.items() if d <= allowed}
        counts = self.counts(close)
        ranked = sorted(counts, key=lambda c: (close[c], -counts[c], c))
        return ranked[:limit]


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions), or ``limit + 1`` if larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


class Vocabulary:
    """Term look-ups for query rewriting: point queries on ``fts5vocab``, and the lexicon."""

    def __init__(self, conn: sqlite3.Connection, lexicon: Callable[[], Lexicon]) -> None:
        self.conn = conn
        self.lexicon = lexicon

    def doc_count(self, token: str) -> int:
        """In how many records ``token`` occurs (0 if in none)."""
        row = self.conn.execute("SELECT doc FROM vocab WHERE term = ?", (token,)).fetchone()
        return row[0] if row else 0

    def present(self, tokens: Iterable[str]) -> dict[str, int]:
        """The given tokens that occur in the index, with their record counts."""
        return counts(self.conn, tokens)


def counts(conn: sqlite3.Connection, terms: Iterable[str]) -> dict[str, int]:
    """Record counts of the terms that occur in the index (point look-ups in ``vocab``)."""
    wanted = sorted(set(terms))
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT term, doc FROM vocab WHERE term IN (SELECT value FROM json_each(?))",
        (json.dumps(wanted),),
    )
    return {term: doc for term, doc in rows if doc}
