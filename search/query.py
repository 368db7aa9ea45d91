"""The query language: what a person types, read into a small tree. Never raises.

Syntax (every string is a valid query; what cannot be read is searched as text
or dropped with a note):

==========================  ==================================================
``word``                    records containing the word (or one of its parts)
``"a phrase"``              the words next to each other; a lone ``"`` runs to
                            the end of the query
``srv-dc*``  ``10.0.4.*``   prefix: any token starting so (``10.0.4.`` keeps
                            its dot, so it does not match ``10.0.45.1``)
``*0070``                   substring: any token containing the text
``a b``  ``a AND b``        both (AND is implied)
``a OR b``                  either; OR binds tighter than AND:
                            ``fw01 OR fw02 vpn`` is ``(fw01 OR fw02) AND vpn``
``-word``  ``NOT word``     without; ``-"a phrase"``, ``-(a OR b)``
``( ... )``                 grouping; unbalanced parentheses are forgiven
``type:credential``         record type (id, name or plural, any case, or a
                            unique prefix: ``type:cred``)
``client:contoso``          client whose name (or a word of it) starts so;
                            ``client:"contoso dental"``
``tag:firewall``            exact tag (any case); ``tag:fire*`` for a prefix
``updated:>2026-01-01``     changed after that day; also ``<``, ``>=``,
                            ``<=``, ``=`` and a bare date; dates are ``YYYY``,
                            ``YYYY-MM``, ``YYYY-MM-DD``, ``today``,
                            ``yesterday`` or ``7d`` (7 days ago); ranges
                            ``2026-01..2026-03``, ``2026-01-01..``
``created:...``             the same for when the record was created
                            (details in :mod:`search.dates`)
==========================  ==================================================

Operators are recognised in capitals only (``or`` is a word). Filters always
apply to the whole query, wherever they are typed; the same filter given twice
means either value (``type:credential type:contact``); ``-type:procedure``
excludes. A word becomes tokens through :func:`search.tokens.chunks`; a word
that splits into several tokens (``foo,bar``) is searched as a phrase; a word
with no letters or digits (``(``, ``"``, an emoji) is dropped. At most
:data:`MAX_TERMS` words are kept, the rest are noted as ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from search.tokens import canonical, chunks, prefix_chunks

MAX_TERMS = 32
"""Words and phrases kept from one query (a pasted log is cut here)."""

MAX_QUERY = 20_000
"""Characters of a query that are read at all."""

FILTERS = frozenset({"type", "client", "tag", "updated", "created"})
"""Filter names (``name:value``)."""


@dataclass(frozen=True)
class Term:
    """A word, phrase, prefix or substring to find.

    Attributes:
        tokens: The tokens, in order; more than one means they must be adjacent.
        prefix: The last token is a prefix.
        substring: Find tokens that contain the (single) token anywhere.
        text: What was typed, for notes and suggestions.
        quoted: Typed in double quotes.
    """

    tokens: tuple[str, ...]
    prefix: bool = False
    substring: bool = False
    text: str = ""
    quoted: bool = False


@dataclass(frozen=True)
class AnyOf:
    """At least one of the options."""

    options: tuple[Node, ...]


@dataclass(frozen=True)
class AllOf:
    """Every one of ``include``, none of ``exclude``."""

    include: tuple[Node, ...] = ()
    exclude: tuple[Node, ...] = ()


Node = Term | AnyOf | AllOf


@dataclass(frozen=True)
class Filter:
    """A ``name:value`` filter as typed; :mod:`search.engine` resolves the value."""

    name: str
    value: str
    negated: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """A parsed query.

    Attributes:
        root: The text part; ``AllOf()`` when only filters (or nothing) were typed.
        filters: The filters, in the order typed.
        notes: Remarks for the person about how the query was read.
        text: The query as typed (cut to :data:`MAX_QUERY`).
    """

    root: AllOf
    filters: tuple[Filter, ...] = ()
    notes: tuple[str, ...] = ()
    text: str = ""

    @property
    def empty(self) -> bool:
        """No text to search (perhaps filters)."""
        return not self.root.include and not self.root.exclude

    def terms(self) -> list[Term]:
        """Every term in the tree, positive or not, in order."""
        out: list[Term] = []
        _collect(self.root, out, positive_only=False)
        return out

    def groups(self) -> list[list[Term]]:
        """The positive terms of each top-level clause: a hit should match every group.

        ``fw01 OR fw02 vpn`` gives ``[[fw01, fw02], [vpn]]``; a word widened to its
        forms (an OR group) is one group.
        """
        out: list[list[Term]] = []
        for node in self.root.include:
            found: list[Term] = []
            _collect(node, found, positive_only=True)
            if found:
                out.append(found)
        return out

    def positive_terms(self) -> list[Term]:
        """Terms that add matches (not under a NOT), in order."""
        out: list[Term] = []
        _collect(self.root, out, positive_only=True)
        return out


def _collect(node: Node, out: list[Term], *, positive_only: bool) -> None:
    if isinstance(node, Term):
        out.append(node)
    elif isinstance(node, AnyOf):
        for option in node.options:
            _collect(option, out, positive_only=positive_only)
    else:
        for child in node.include:
            _collect(child, out, positive_only=positive_only)
        if not positive_only:
            for child in node.exclude:
                _collect(child, out, positive_only=positive_only)


# ---------------------------------------------------------------------- lexing


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # "(", ")", "word", "phrase"
    text: str = ""
    negated: bool = False
    prefix: bool = False  # a phrase followed by *
    filter: str = ""  # for name:"quoted value"


_WORD_END = re.compile(r'[\s()"]')


def _lex(text: str) -> list[_Lexeme]:
    out: list[_Lexeme] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()":
            out.append(_Lexeme(ch))
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
            ch = text[i]
            if ch in "()":
                out.append(_Lexeme(ch, negated=True))
                i += 1
                continue
        if ch == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            phrase = text[i + 1 : end]
            i = end + 1
            prefix = i < n and text[i] == "*"
            if prefix:
                i += 1
            out.append(_Lexeme("phrase", phrase, negated, prefix))
            continue
        match = _WORD_END.search(text, i)
        end = match.start() if match else n
        word = text[i:end]
        i = end
        name, colon, value = word.partition(":")
        if colon and not value and i < n and text[i] == '"' and name.lower() in FILTERS:
            close = text.find('"', i + 1)
            close = n if close < 0 else close
            out.append(_Lexeme("phrase", text[i + 1 : close], negated, filter=name.lower()))
            i = close + 1
            continue
        if word:
            out.append(_Lexeme("word", word, negated))
    return out


# ---------------------------------------------------------------------- parsing


@dataclass
class _Parser:
    lexemes: list[_Lexeme]
    at: int = 0
    terms: int = 0
    filters: list[Filter] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def peek(self, offset: int = 0) -> _Lexeme | None:
        index = self.at + offset
        return self.lexemes[index] if index < len(self.lexemes) else None

    def operator(self, lexeme: _Lexeme | None, name: str) -> bool:
        return (
            lexeme is not None
            and lexeme.kind == "word"
            and not lexeme.negated
            and lexeme.text == name
        )

    def sequence(self, depth: int) -> AllOf:
        include: list[Node] = []
        exclude: list[Node] = []
        while (lexeme := self.peek()) is not None:
            if lexeme.kind == ")":
                self.at += 1
                if depth:
                    break
                continue
            if self.operator(lexeme, "AND") and (include or exclude) and self._atom_follows(1):
                self.at += 1
                continue
            negated = False
            if self.operator(lexeme, "NOT") and self._atom_follows(1):
                self.at += 1
                negated = True
            node, atom_negated = self.group(depth)
            if node is None:
                continue
            (exclude if negated != atom_negated else include).append(node)
        return AllOf(tuple(include), tuple(exclude))

    def _atom_follows(self, offset: int) -> bool:
        lexeme = self.peek(offset)
        return lexeme is not None and lexeme.kind != ")"

    def group(self, depth: int) -> tuple[Node | None, bool]:
        node, negated = self.atom(depth)
        options = [node] if node is not None else []
        while self.operator(self.peek(), "OR") and self._atom_follows(1):
            self.at += 1
            other, other_negated = self.atom(depth)
            if other_negated:
                self.notes.append("'-' and NOT inside an OR group were ignored")
            if other is not None:
                options.append(other)
        if len(options) > 1:
            if negated:
                self.notes.append("'-' and NOT inside an OR group were ignored")
            return AnyOf(tuple(options)), False
        return (options[0] if options else None), negated

    def atom(self, depth: int) -> tuple[Node | None, bool]:
        lexeme = self.lexemes[self.at]
        self.at += 1
        if lexeme.kind == "(":
            inner = self.sequence(depth + 1)
            if not inner.include and not inner.exclude:
                return None, lexeme.negated
            if not inner.include:
                if lexeme.negated:
                    # -( -a -b ) is "a or b"... keep it simple: drop double negation.
                    self.notes.append(
                        "a group with only exclusions inside an exclusion was ignored"
                    )
                    return None, False
                return inner, False
            if len(inner.include) == 1 and not inner.exclude:
                return inner.include[0], lexeme.negated
            return inner, lexeme.negated
        if lexeme.kind == ")":
            return None, False
        if lexeme.filter:
            self._filter(lexeme.filter, lexeme.text, lexeme.negated)
            return None, False
        if lexeme.kind == "phrase":
            tokens = (prefix_chunks if lexeme.prefix else chunks)(lexeme.text)
            return self._term(
                tokens, lexeme.text, prefix=lexeme.prefix, quoted=True
            ), lexeme.negated
        word = lexeme.text
        name, colon, value = word.partition(":")
        if colon and value and name.lower() in FILTERS:
            self._filter(name.lower(), value, lexeme.negated)
            return None, False
        prefix = word.endswith("*")
        substring = word.startswith("*") and len(word.strip("*")) > 0
        body = word.strip("*")
        tokens = (prefix_chunks if prefix else chunks)(body)
        if substring and len(tokens) != 1:
            substring = False
        return (
            self._term(tokens, word, prefix=prefix and not substring, substring=substring),
            lexeme.negated,
        )

    def _term(
        self,
        tokens: list[str],
        text: str,
        *,
        prefix: bool = False,
        substring: bool = False,
        quoted: bool = False,
    ) -> Term | None:
        if not tokens:
            return None
        tokens = [canonical(token) for token in tokens]
        if self.terms >= MAX_TERMS:
            if self.terms == MAX_TERMS:
                self.notes.append(f"only the first {MAX_TERMS} words were searched")
            self.terms += 1
            return None
        self.terms += 1
        return Term(tuple(tokens), prefix, substring, text, quoted)

    def _filter(self, name: str, value: str, negated: bool) -> None:
        prefix = value.endswith("*") and name == "tag"
        value = value.rstrip("*") if prefix else value
        value = value.strip()
        if value:
            self.filters.append(Filter(name, value, negated, prefix))


def parse(text: str) -> Query:
    """Read a query; never raises, whatever ``text`` is.

    Args:
        text: What the person typed.

    Returns:
        The parsed query (see the module docstring for the language).
    """
    if not isinstance(text, str):
        text = str(text)
    notes: list[str] = []
    if len(text) > MAX_QUERY:
        text = text[:MAX_QUERY]
        notes.append(f"only the first {MAX_QUERY:,} characters were read")
    parser = _Parser(_lex(text))
    root = parser.sequence(0)
    return Query(root, tuple(parser.filters), tuple(notes + _unique(parser.notes)), text)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
