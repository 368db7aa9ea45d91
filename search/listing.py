"""Whole-catalog reads for the window: every tag in use, and list rows in the list's order.

Both read only the index's ``catalog`` table (:mod:`search.store`), never a
record, and are shaped so that SQLite does the work and Python builds as few
objects as it can:

- :func:`tags` collects the tags of live records with one ``DISTINCT`` over
  the catalog's tag lists (a record's tags are stored as one JSON array, and
  a vault uses few distinct sets of them): about 0.04 s at 100,000 records,
  where decoding every catalog row took 1.7 s.
- :func:`list_rows` gives the rows a record list shows, most recently
  changed first or already in the list's default order (by title, as
  :func:`title_key` orders), so the window need not sort 100,000 rows before
  showing them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Literal

from vault.ordering import text_order

ListRow = tuple[str, str, str, str, str, str]
"""(id, scope id, type, title, updated, list columns as a JSON object)."""

Order = Literal["updated", "title"]
"""``updated``: most recently changed first; ``title``: by :func:`title_key`, ascending."""

_ROW_COLUMNS = "id, scope, type, title, updated, columns"


def title_key(row: ListRow) -> str:
    """The title order of a list row (:func:`vault.ordering.text_order`), then its id.

    One string per row: ``"\\0"`` sorts before every character a title holds,
    so it compares as the pair (title order, id) would.
    """
    return text_order(row[3]) + "\0" + row[0]


def tags(conn: sqlite3.Connection, scope_ids: Iterable[str]) -> list[str]:
    """Every tag of a live record in ``scope_ids``, once ignoring case, in text order.

    Where a tag is spelt in more than one way ("VPN", "vpn"), the spelling of
    the most recently changed record that uses one of them wins.
    """
    scopes = json.dumps(sorted(scope_ids))
    sets = [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT tags FROM catalog NOT INDEXED WHERE deleted = 0 "
            "AND tags != '[]' AND scope IN (SELECT value FROM json_each(?))",
            (scopes,),
        )
    ]
    spellings: dict[str, set[str]] = {}
    for text in sets:
        for tag in _decoded(text):
            spellings.setdefault(tag.casefold(), set()).add(tag)
    clashes = {folded for folded, found in spellings.items() if len(found) > 1}
    if clashes:
        _prefer_recent(conn, scopes, sets, spellings, clashes)
    chosen = [next(iter(found)) for found in spellings.values()]
    return sorted(chosen, key=lambda tag: (text_order(tag), tag))


def _decoded(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [t for t in value if isinstance(t, str) and t] if isinstance(value, list) else []


def _prefer_recent(
    conn: sqlite3.Connection,
    scopes: str,
    sets: list[str],
    spellings: dict[str, set[str]],
    clashes: set[str],
) -> None:
    """Narrow each clashing tag to the spelling of the most recently changed record using it."""
    wanted = [t for t in sets if any(tag.casefold() in clashes for tag in _decoded(t))]
    rows = conn.execute(
        "SELECT tags, max(rowid) AS latest FROM catalog WHERE deleted = 0 "
        "AND tags IN (SELECT value FROM json_each(?)) "
        "AND scope IN (SELECT value FROM json_each(?)) GROUP BY tags ORDER BY latest DESC",
        (json.dumps(wanted), scopes),
    )
    for text, _latest in rows:  # rowid order is the order in which records last changed
        for tag in _decoded(text):
            folded = tag.casefold()
            if folded in clashes:
                spellings[folded] = {tag}
                clashes.discard(folded)


def list_rows(
    conn: sqlite3.Connection, where: str, args: list[object], order: Order = "updated"
) -> list[ListRow]:
    """Catalog rows for a record list, as plain tuples, in ``order``.

    Args:
        conn: The index database.
        where: A ``WHERE`` clause over the catalog (from the store's filter).
        args: Its arguments.
        order: ``updated`` (most recently changed first) or ``title``.
    """
    if order == "updated":
        sql = f"SELECT {_ROW_COLUMNS} FROM catalog {where} ORDER BY updated DESC, rowid DESC"  # noqa: S608
        return conn.execute(sql, args).fetchall()
    if order != "title":
        raise ValueError(f"unknown list order {order!r}")
    # Sorting the tuples here costs less than an ORDER BY in SQLite, and gives Python's
    # case folding (SQLite's NOCASE folds ASCII letters only).
    rows = conn.execute(f"SELECT {_ROW_COLUMNS} FROM catalog {where}", args).fetchall()  # noqa: S608
    rows.sort(key=title_key)
    return rows
