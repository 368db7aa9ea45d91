"""Snippets: the excerpt of the best-matching field of a hit, with the matches marked.

The FTS5 table is contentless, so snippets are cut here, in Python, from the
sections stored for each hit, and only for the hits on the page. Every query
term becomes one alternative of a single case-insensitive pattern
(:class:`Marker`): a token must start at a word boundary (or right after
``0x``), a phrase's tokens may be separated by any run of non-word characters,
and a token that is not a prefix must end at a word boundary.

The section shown is the one in which the most of the query's terms match
(a term's word forms count as the term; fields before the body; the title only
when nothing else matches), and the excerpt is a window of about
:data:`WIDTH` characters around its first match, on one line, with "…" where
it was cut. A hit matched only through a derived part that is not spelled out
in the text (``wifi`` for ``Wi-Fi``, the bare spelling of a MAC address)
gets the whole value marked (:func:`by_parts`); failing that, the start of its
first field, unmarked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from search.document import Section
from search.model import Snippet
from search.query import Term
from search.tokens import chunk_spans, normalise, parts

WIDTH = 160
"""About how many characters an excerpt has."""

LEAD = 50
"""About how many characters of context come before the first match."""

SCAN = 200
"""Matches looked at per section at most (a 1 MiB log can match thousands of times)."""

_SPACE = re.compile(r"\s+")
_LEFT = r"(?:(?<![^\W_])|(?<=0x)|(?<=0X))"


def _source(term: Term) -> str:
    body = r"[\W_]+".join(re.escape(token) for token in term.tokens)
    if term.substring:
        return body
    return _LEFT + body + ("" if term.prefix else r"(?![^\W_])")


class Marker:
    """Finds a query's terms in text; each alternative knows which term group it serves."""

    def __init__(self, groups: Sequence[Sequence[Term]]) -> None:
        self.groups = [list(group) for group in groups if group]
        self.terms = [term for group in self.groups for term in group]
        alternatives: list[str] = []
        self._group_of: dict[str, int] = {}
        seen: set[str] = set()
        for number, group in enumerate(self.groups):
            for term in group:
                source = _source(term)
                if source in seen:
                    continue
                seen.add(source)
                name = f"g{len(alternatives)}"
                alternatives.append(f"(?P<{name}>{source})")
                self._group_of[name] = number
        self.pattern = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    def scan(self, text: str) -> tuple[int, int]:
        """(how many term groups match in ``text``, offset of the first match); (0, 0) if none."""
        if self.pattern is None:
            return 0, 0
        found: set[int] = set()
        first = 0
        for count, match in enumerate(self.pattern.finditer(text)):
            if not found:
                first = match.start()
            found.add(self._group_of[match.lastgroup or ""])
            if count >= SCAN or len(found) == len(self.groups):
                break
        return len(found), first

    def spans(self, line: str) -> tuple[tuple[int, int], ...]:
        """Where the terms match in one line, in order, not overlapping."""
        if self.pattern is None:
            return ()
        return tuple(m.span() for m in self.pattern.finditer(line) if m.end() > m.start())


def best(sections: Sequence[Section], marker: Marker) -> Snippet:
    """The snippet of a hit from its stored sections (title first, as stored)."""
    if not sections:
        return Snippet("Title", "")
    choice: tuple[int, Section, int] | None = None
    title: tuple[Section, int] | None = None
    for section in sections:
        hits, first = marker.scan(normalise(section.text))
        if not hits:
            continue
        if section.column == "title":
            title = title or (section, first)
            continue
        if choice is None or hits > choice[0]:
            choice = (hits, section, first)
            if hits == len(marker.groups):
                break
    if choice is not None:
        return excerpt(choice[1], choice[2], marker)
    if title is not None:
        return excerpt(title[0], title[1], marker)
    return by_parts(sections, marker.terms) if marker.terms else _start(sections)


def _start(sections: Sequence[Section]) -> Snippet:
    fallback = next((s for s in sections if s.column != "title"), sections[0])
    return excerpt(fallback, 0, None)


def _term_in(term: Term, pieces: set[str]) -> bool:
    token = term.tokens[-1]
    if term.prefix:
        return any(piece.startswith(token) for piece in pieces)
    if term.substring:
        return any(token in piece for piece in pieces)
    return token in pieces


def by_parts(sections: Sequence[Section], terms: Sequence[Term]) -> Snippet:
    """The snippet when no term is spelled out in the text: mark whole values whose parts match.

    ``wifi`` marks ``Wi-Fi``; ``b07b25d7b24c`` marks ``B0:7B:25:D7:B2:4C``.
    """
    ordered = [s for s in sections if s.column != "title"] + [
        s for s in sections if s.column == "title"
    ]
    for section in ordered:
        text = normalise(section.text)
        spans = [
            (start, end)
            for start, end, chunk in chunk_spans(text)
            if any(_term_in(term, {chunk, *parts(chunk)}) for term in terms)
        ]
        if spans:
            return _window(section, text, spans[0][0], spans)
    return _start(sections)


def excerpt(section: Section, first: int, marker: Marker | None) -> Snippet:
    """A one-line window of ``section`` around offset ``first``, with the matches marked."""
    text = normalise(section.text)
    line = _line(text, *_bounds(text, first))
    return Snippet(section.label, line, marker.spans(line) if marker else ())


def _window(section: Section, text: str, first: int, spans: list[tuple[int, int]]) -> Snippet:
    """Like :func:`excerpt`, marking given spans of ``text`` instead of patterns."""
    start, end = _bounds(text, first)
    line = _line(text, start, end)
    marked: list[tuple[int, int]] = []
    at = 0
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        value = text[span_start:span_end]
        found_at = line.find(value, at)
        if found_at >= 0:
            marked.append((found_at, found_at + len(value)))
            at = found_at + len(value)
    return Snippet(section.label, line, tuple(marked))


def _bounds(text: str, first: int) -> tuple[int, int]:
    start = max(0, first - LEAD)
    if start:
        space = text.rfind(" ", max(0, start - 20), first)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.find(" ", end, end + 20)
        end = space if space >= 0 else end
    return start, end


def _line(text: str, start: int, end: int) -> str:
    window = _SPACE.sub(" ", text[start:end]).strip()
    head = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return head + window + tail
