"""Running a query against the index: counting, ranking, hits, and what to do with nothing.

The query is parsed (:mod:`search.query`), widened to word forms and
substrings (:mod:`search.rewrite`), planned (:mod:`search.plan`) and run.

Ranking is ``bm25()`` with the column weights :data:`WEIGHTS` (title 10, tags
5, fields 3, body 1, facets 0); the best :data:`search.ranking.CANDIDATES` are
rescored by their titles (:mod:`search.ranking`), ties broken by recency.
bm25 costs a few microseconds per matching record, so a query matching more
than :data:`RANK_BUDGET` records is ranked in tiers, each complete before the
next: records whose short title *is* the query (the ``name`` column), then
records matching in the title, then the :data:`WINDOW` most recently changed
matches; a tier that is itself larger than the budget is cut to its most
recent :data:`WINDOW`. The page then says ``approximate``. Below the budget,
the ``name`` matches join the bm25 candidates before they are rescored, so a
host outranks the hundred service entries that mention it.

When nothing matches, single words that occur in no record are retried as
prefixes and as substrings of indexed terms, and "did you mean" suggestions
are offered. A query with nothing positive to match (only ``-word``, only
dates, or nothing at all) lists the catalog, most recently changed first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from search import ranking, rewrite, snippets
from search.lexicon import Lexicon, Vocabulary
from search.model import SearchHit, SearchPage
from search.plan import MAX_FACET_SCOPES, Context, Plan, plan
from search.query import AllOf, Query, Term
from search.store import Store

WEIGHTS = (10.0, 5.0, 3.0, 1.0, 0.0, 0.0)
"""bm25 weights of the columns title, tags, fields, body, facets, name."""

RANK_BUDGET = 3000
"""Most matches ranked with bm25 in one step; beyond it ranking goes by tiers."""

WINDOW = 3000
"""How many of the most recent matches a tier that is too large ranks."""

_BM25 = "bm25(fts, " + ", ".join(str(w) for w in WEIGHTS) + ")"

Ranked = list[tuple[int, float]]


class Engine:
    """Searches one :class:`search.store.Store`."""

    def __init__(self, store: Store, lexicon: Callable[[], Lexicon]) -> None:
        self.store = store
        self.conn = store.conn
        self.vocabulary = Vocabulary(store.conn, lexicon)

    def run(self, query: Query, context: Context, *, limit: int, offset: int) -> SearchPage:
        """One page of results for a parsed query."""
        limit = max(0, int(limit))
        offset = max(0, int(offset))
        first = plan(query, context)
        notes = list(query.notes) + first.notes
        if first.nothing:
            return SearchPage([], 0, notes=notes)
        if query.empty and not query.filters and query.text.strip():
            notes.append("nothing to search for: type letters or digits")
            return SearchPage([], 0, notes=notes)
        widened = rewrite.widen(query, self.vocabulary)
        page = self._page(plan(widened, context), widened, context, limit, offset)
        if page.total or query.empty:
            return replace(page, notes=notes)
        suggestions = rewrite.suggest(query, self.vocabulary)
        relaxed = rewrite.relax(widened, self.vocabulary)
        if relaxed is not None:
            page = self._page(plan(relaxed, context), relaxed, context, limit, offset)
            if page.total:
                notes.append(
                    "no exact match; showing words that start with or contain what you typed"
                )
        return replace(page, suggestions=suggestions, notes=notes)

    def suggest(self, query: Query) -> list[str]:
        """'Did you mean' queries for the words of ``query`` that are in no record."""
        return rewrite.suggest(query, self.vocabulary)

    # ------------------------------------------------------------------ pages

    def _page(
        self,
        planned: Plan,
        query: Query,
        context: Context,
        limit: int,
        offset: int,
    ) -> SearchPage:
        groups = query.groups()
        match = planned.match()
        if match is None:
            return self._listing(planned, context, limit, offset)
        sql = _Sql(self, planned)
        total = sql.count(match)
        if total == 0 or limit == 0:
            return SearchPage([], total)
        wanted = limit + offset
        approximate = total > RANK_BUDGET
        named = planned.column_match("name")
        if approximate:
            tiers = [named, planned.column_match("title"), match]
            ranked = self._tiers(sql, tiers, wanted, groups)
        else:
            pool = dict(sql.ranked(match, max(wanted, ranking.CANDIDATES)))
            if named is not None:
                for rowid, score in self._tier(sql, named, ranking.CANDIDATES):
                    pool.setdefault(rowid, score)
            ranked = ranking.rerank(pool.items(), self.store.titles(pool), groups)
        chosen = ranked[offset:wanted]
        return SearchPage(self._hits(chosen, query, context), total, approximate=approximate)

    def _tier(self, sql: _Sql, expr: str, wanted: int, size: int | None = None) -> Ranked:
        """The best matches of one tier: all ranked, or its most recent WINDOW if too many."""
        size = sql.count(expr) if size is None else size
        if size == 0:
            return []
        since = None if size <= RANK_BUDGET else sql.cut(expr)
        return sql.ranked(expr, max(wanted, ranking.CANDIDATES), since)

    def _tiers(
        self, sql: _Sql, tiers: list[str | None], wanted: int, groups: list[list[Term]]
    ) -> Ranked:
        out: Ranked = []
        seen: set[int] = set()
        for number, tier in enumerate(tiers):
            if tier is None:
                continue
            last = number == len(tiers) - 1
            found = self._tier(sql, tier, wanted, RANK_BUDGET + 1 if last else None)
            found = ranking.rerank(found, self.store.titles(r for r, _ in found), groups)
            out.extend(hit for hit in found if hit[0] not in seen)
            seen.update(rowid for rowid, _ in found)
            if len(out) >= wanted:
                break
        return out

    def _listing(self, planned: Plan, context: Context, limit: int, offset: int) -> SearchPage:
        clauses = ["c.deleted = 0"]
        args: list[object] = []
        _date_clauses(planned, clauses, args)
        if planned.scopes is not None:
            clauses.append("c.scope IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(sorted(planned.scopes)))
        if planned.exclude:
            clauses.append("c.rowid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            args.append("(" + ") OR (".join(planned.exclude) + ")")
        where = " AND ".join(clauses)
        count_sql = f"SELECT count(*) FROM catalog c WHERE {where}"  # noqa: S608
        total = self.conn.execute(count_sql, args).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT c.rowid FROM catalog c WHERE {where} "  # noqa: S608
            "ORDER BY c.updated DESC, c.rowid DESC LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
        chosen = [(rowid, 0.0) for (rowid,) in rows]
        return SearchPage(self._hits(chosen, Query(AllOf()), context), total)

    def _hits(self, chosen: Ranked, query: Query, context: Context) -> list[SearchHit]:
        if not chosen:
            return []
        rows = self.store.catalog_rows(rowid for rowid, _ in chosen)
        marker = snippets.Marker(query.groups())
        hits = []
        for rowid, score in chosen:
            row = rows.get(rowid)
            if row is None:
                continue
            hits.append(
                SearchHit(
                    id=row.id,
                    scope_id=row.scope_id,
                    client=context.clients.get(row.scope_id, ""),
                    type=row.type,
                    title=row.title,
                    snippet=snippets.best(self.store.sections(rowid), marker),
                    score=round(score, 6),
                    updated=row.updated,
                )
            )
        return hits


def _date_clauses(planned: Plan, clauses: list[str], args: list[object]) -> None:
    for column, start, end in planned.dates:
        if start is not None:
            clauses.append(f"c.{column} >= ?")
            args.append(start)
        if end is not None:
            clauses.append(f"c.{column} < ?")
            args.append(end)


class _Sql:
    """The SQL of one planned query: counting, cutting and ranking FTS5 matches."""

    def __init__(self, engine: Engine, planned: Plan) -> None:
        self.conn = engine.conn
        clauses: list[str] = []
        self.args: list[object] = []
        _date_clauses(planned, clauses, self.args)
        if planned.scopes is not None and len(planned.scopes) > MAX_FACET_SCOPES:
            clauses.append("c.scope IN (SELECT value FROM json_each(?))")
            self.args.append(json.dumps(sorted(planned.scopes)))
        self.join = "JOIN catalog c ON c.rowid = fts.rowid" if clauses else ""
        self.where = ("AND " + " AND ".join(clauses)) if clauses else ""

    def count(self, match: str) -> int:
        """How many records match."""
        sql = f"SELECT count(*) FROM fts {self.join} WHERE fts MATCH ? {self.where}"  # noqa: S608
        return self.conn.execute(sql, [match, *self.args]).fetchone()[0]

    def cut(self, match: str) -> int:
        """The rowid above which the :data:`WINDOW` most recent matches lie."""
        row = self.conn.execute(
            f"SELECT fts.rowid FROM fts {self.join} WHERE fts MATCH ? {self.where} "  # noqa: S608
            "ORDER BY fts.rowid DESC LIMIT 1 OFFSET ?",
            [match, *self.args, WINDOW - 1],
        ).fetchone()
        return row[0] if row else 0

    def ranked(self, match: str, count: int, since: int | None = None) -> Ranked:
        """The best ``count`` matches by bm25 (only rowids >= ``since`` when given)."""
        window, extra = ("AND fts.rowid >= ?", [since]) if since is not None else ("", [])
        rows = self.conn.execute(
            f"SELECT fts.rowid, {_BM25} AS score FROM fts {self.join} "  # noqa: S608
            f"WHERE fts MATCH ? {self.where} {window} ORDER BY score, fts.rowid DESC LIMIT ?",
            [match, *self.args, *extra, count],
        ).fetchall()
        return [(rowid, -score) for rowid, score in rows]
