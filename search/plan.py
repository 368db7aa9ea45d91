"""Translating a parsed query into FTS5 expressions and SQL filters.

User text reaches FTS5 only as quoted tokens from :mod:`search.tokens`; the
operators, column filters and facet tokens around them are written here. The
expression for ``srv-dc* type:credential -legacy`` is::

    ("srv-dc"*) AND ("=t=credential") NOT ("legacy")

``type:``, ``client:``, ``tag:``, ``updated:``/``created:`` and a ``scopes=``
restriction become facet tokens in the same expression
(:func:`search.document.facets`; a date range becomes the years, months and
days it covers, :func:`search.dates.period_tokens`), so FTS5 intersects them
before anything is ranked. A query with nothing positive to match has no
expression (:meth:`Plan.match` is None) and lists the catalog instead, where
dates are compared in SQL.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from search.dates import date_range, period_tokens
from search.document import facet
from search.query import AllOf, AnyOf, Filter, Node, Query, Term
from search.tokens import quote

MAX_FACET_SCOPES = 200
"""Scope restrictions with more scopes than this are applied in SQL, not as facets."""


@dataclass(frozen=True)
class Context:
    """What a plan needs to know about the vault, without holding the vault.

    Attributes:
        clients: Scope id -> display name for every scope in the index
            (client names, and the provider-internal scope's name).
        types: Record type id -> (name, plural), for ``type:``.
        scopes: Scopes to search (None: all in the index).
        dates: First and last day of ``created`` and ``updated`` in the index,
            which bound open date ranges (``updated:>2026-01-01``).
    """

    clients: Mapping[str, str]
    types: Mapping[str, tuple[str, str]]
    scopes: frozenset[str] | None = None
    dates: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Plan:
    """A query translated for SQLite.

    Attributes:
        include: FTS5 expressions that must all match (text and facets).
        exclude: FTS5 expressions that must not match.
        text_include: The text part of ``include`` (no facets).
        dates: (catalog column, start, end) ranges, half-open, None unbounded.
        scopes: Scopes to keep, when not all (None: every scope in the index).
        nothing: The filters exclude everything (an unknown client, say).
        notes: Remarks for the person.
    """

    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    text_include: list[str] = field(default_factory=list)
    dates: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    scopes: frozenset[str] | None = None
    nothing: bool = False
    notes: list[str] = field(default_factory=list)

    def match(self) -> str | None:
        """The full FTS5 expression, or None when nothing positive is searched."""
        if not self.include:
            return None
        return self._with_exclusions("(" + ") AND (".join(self.include) + ")")

    def _with_exclusions(self, expr: str) -> str:
        for other in self.exclude:
            expr += f" NOT ({other})"
        return expr

    def column_match(self, column: str) -> str | None:
        """The expression with its text restricted to one column (``title``, ``name``)."""
        if not self.text_include:
            return None
        facets = [c for c in self.include if c not in self.text_include]
        expr = f"{{{column}}} : ((" + ") AND (".join(self.text_include) + "))"
        if facets:
            expr = f"({expr}) AND (" + ") AND (".join(facets) + ")"
        return self._with_exclusions(expr)


def term_expr(term: Term) -> str:
    """A term as an FTS5 phrase: ``"srv dc01"``, ``"10.0.4."*``."""
    return quote(" ".join(term.tokens)) + ("*" if term.prefix else "")


def _node_expr(node: Node, notes: list[str]) -> str | None:
    if isinstance(node, Term):
        return term_expr(node)
    if isinstance(node, AnyOf):
        options = [e for e in (_node_expr(o, notes) for o in node.options) if e]
        if len(options) < len(node.options):
            notes.append("a part of an OR group with only exclusions was ignored")
        if not options:
            return None
        return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"
    include = [e for e in (_node_expr(n, notes) for n in node.include) if e]
    if not include:
        return None
    expr = "(" + ") AND (".join(include) + ")"
    for child in node.exclude:
        other = _node_expr(child, notes)
        if other:
            expr += f" NOT ({other})"
    return expr


def flatten(root: AllOf) -> tuple[list[Node], list[Node]]:
    """Top-level includes and excludes; groups of only exclusions are merged upwards."""
    include: list[Node] = []
    exclude: list[Node] = list(root.exclude)
    for node in root.include:
        if isinstance(node, AllOf) and not node.include:
            exclude.extend(node.exclude)
        else:
            include.append(node)
    return include, exclude


def plan(query: Query, context: Context) -> Plan:
    """Translate a parsed query and its filters (see the module docstring)."""
    out = Plan()
    include, exclude = flatten(query.root)
    for node in include:
        expr = _node_expr(node, out.notes)
        if expr:
            out.include.append(expr)
            out.text_include.append(expr)
    for node in exclude:
        expr = _node_expr(node, out.notes)
        if expr:
            out.exclude.append(expr)
    scopes = set(context.scopes) if context.scopes is not None else None
    grouped: dict[tuple[str, bool], list[Filter]] = {}
    for item in query.filters:
        grouped.setdefault((item.name, item.negated), []).append(item)
    for (name, negated), items in grouped.items():
        if name in ("updated", "created"):
            _dates(out, name, negated, items)
        elif name == "client":
            scopes = _client_scopes(out, negated, items, context, scopes)
        else:
            options = [_facet(item, context, out.notes) for item in items]
            expr = options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"
            (out.exclude if negated else out.include).append(expr)
    if out.include and out.dates:
        _date_facets(out, context)
    if scopes is not None:
        scopes &= set(context.clients)
        if not scopes:
            out.nothing = True
        elif scopes != set(context.clients):
            out.scopes = frozenset(scopes)
            if len(scopes) <= MAX_FACET_SCOPES and out.include:
                out.include.append(" OR ".join(quote(facet("s", s)) for s in sorted(scopes)))
    out.notes = list(dict.fromkeys(out.notes))
    return out


def _dates(out: Plan, name: str, negated: bool, items: list[Filter]) -> None:
    for item in items:
        found = date_range(item.value)
        if found is None:
            out.notes.append(
                f"'{name}:{item.value}' is not a date filter Sitebook reads "
                "(e.g. updated:>2026-01-01, updated:2026-03, updated:7d..) and was ignored"
            )
        elif negated:
            out.notes.append(f"'-{name}:' is not supported and was ignored")
        else:
            out.dates.append((name, found.start, found.end))


def _date_facets(out: Plan, context: Context) -> None:
    """Turn date ranges into facet tokens (years, months, days) FTS5 intersects itself."""
    remaining = []
    for column, start, end in out.dates:
        bounds = context.dates.get(column)
        if bounds is None:
            remaining.append((column, start, end))
            continue
        last = (datetime.date.fromisoformat(bounds[1]) + datetime.timedelta(days=1)).isoformat()
        low = max(start or bounds[0], bounds[0])
        high = min(end or last, last)
        found = period_tokens(column[0], low, high) if low < high else []
        if not found:
            out.nothing = True
            continue
        out.include.append(" OR ".join(quote(token) for token in found))
    out.dates = remaining


def _client_scopes(
    out: Plan,
    negated: bool,
    items: list[Filter],
    context: Context,
    scopes: set[str] | None,
) -> set[str]:
    wanted: set[str] = set()
    for item in items:
        matched = clients_matching(item.value, context.clients)
        if not matched:
            out.notes.append(f"no client matches '{item.value}'")
        wanted |= matched
    if negated:
        base = set(context.clients) if scopes is None else scopes
        return base - wanted
    return wanted if scopes is None else scopes & wanted


def _facet(item: Filter, context: Context, notes: list[str]) -> str:
    if item.name == "type":
        type_id = resolve_type(item.value, context.types)
        if type_id is None:
            known = ", ".join(sorted(context.types))
            notes.append(f"no record type '{item.value}' (known types: {known})")
            type_id = item.value
        return quote(facet("t", type_id))
    token = quote(facet("g", item.value))
    return token + "*" if item.prefix else token


def resolve_type(text: str, types: Mapping[str, tuple[str, str]]) -> str | None:
    """A type id from an id, name or plural (any case), or a unique id prefix."""
    wanted = text.strip().casefold()
    for type_id, (name, plural) in types.items():
        if wanted in (type_id.casefold(), name.casefold(), plural.casefold()):
            return type_id
    prefixed = [t for t in types if t.casefold().startswith(wanted)]
    return prefixed[0] if len(prefixed) == 1 else None


def clients_matching(text: str, clients: Mapping[str, str]) -> set[str]:
    """Scopes whose name is ``text`` (any case), starts with it, has a word starting with it,
    or whose id starts with it (4+ characters); the first rule that matches wins."""
    wanted = text.strip().casefold()
    if not wanted:
        return set()
    exact = {s for s, name in clients.items() if name.casefold() == wanted or s == wanted}
    if exact:
        return exact
    prefix = {s for s, name in clients.items() if name.casefold().startswith(wanted)}
    if prefix:
        return prefix
    words = {
        s
        for s, name in clients.items()
        if any(word.startswith(wanted) for word in name.casefold().split())
    }
    if words:
        return words
    return {s for s in clients if len(wanted) >= 4 and s.startswith(wanted)}
