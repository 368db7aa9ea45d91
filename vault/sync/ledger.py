"""This replica's sync bookkeeping (local only, never sent): packs seen, pack numbers used.

``sync_packs`` remembers every file this replica has dealt with, by its path on
the target: ``pushed`` (written here), ``applied`` (merged), ``covered`` (its
rows arrived in a snapshot), ``waiting`` (no key or author yet; retried) and
``rejected`` (with the reason; retried only once the file changes, by size,
modification time or ETag, as a half-synchronised file in a Dropbox folder
does). ``sync_seq`` keeps the last pack number this replica used per scope and
author.
"""

from __future__ import annotations

import sqlite3

from vault.codec import now
from vault.sync.targets import Entry

DONE = ("applied", "pushed", "covered")


def mark(
    conn: sqlite3.Connection,
    path: str,
    state: str,
    *,
    size: int | None = None,
    tag: str | None = None,
    sha256: str | None = None,
    detail: str | None = None,
) -> None:
    """Record what happened to a file on the target (inside the caller's transaction)."""
    conn.execute(
        "INSERT OR REPLACE INTO sync_packs (path, state, size, tag, sha256, detail, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (path, state, size, tag, sha256, detail, now()),
    )


Seen = tuple[str, int | None, str | None]


def known(conn: sqlite3.Connection, folder: str) -> dict[str, Seen]:
    """(state, size, tag) of every file recorded directly in ``folder``."""
    prefix = folder.rstrip("/") + "/"
    out = {}
    for path, state, size, tag in conn.execute(
        "SELECT path, state, size, tag FROM sync_packs WHERE substr(path, 1, ?) = ?",
        (len(prefix), prefix),
    ):
        if "/" not in path[len(prefix) :]:
            out[path] = (state, size, tag)
    return out


def state_of(conn: sqlite3.Connection, path: str) -> str | None:
    """The recorded state of one file, or None."""
    row = conn.execute("SELECT state FROM sync_packs WHERE path = ?", (path,)).fetchone()
    return row[0] if row else None


def wanted(record: Seen | None, entry: Entry) -> bool:
    """Whether a listed file still needs looking at (a refused one only once it changed)."""
    if record is None:
        return True
    state, seen_size, seen_tag = record
    if state in DONE:
        return False
    if state == "rejected":
        return entry.size != seen_size or (entry.tag is not None and entry.tag != seen_tag)
    return True


def last_seq(conn: sqlite3.Connection, scope_id: str, author: str) -> int:
    """The last pack number this replica used for ``author`` in a scope (0 if none)."""
    row = conn.execute(
        "SELECT seq FROM sync_seq WHERE scope_id = ? AND author = ?", (scope_id, author)
    ).fetchone()
    return row[0] if row else 0


def set_seq(conn: sqlite3.Connection, scope_id: str, author: str, seq: int) -> None:
    """Remember a pack number as used."""
    conn.execute(
        "INSERT INTO sync_seq (scope_id, author, seq) VALUES (?, ?, ?) "
        "ON CONFLICT (scope_id, author) DO UPDATE SET seq = max(seq, excluded.seq)",
        (scope_id, author, seq),
    )
