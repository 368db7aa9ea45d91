"""The rows a pack carries, as a small SQLite database: written by SQL, checked on read.

A pack body holds five tables with fixed columns: ``versions`` (as stored),
``attachments`` and ``attachment_chunks``, ``audit`` (without the local ``seq``)
and ``label`` (at most one row: the scope's sealed, signed name). Bodies are
built inside the vault's own connection (``ATTACH ':memory:'``, ``INSERT ...
SELECT``, ``serialize()``), so packing 100,000 rows never loops in Python; a
received body is ``deserialize()``-d into an attached schema and its shape checked
(only plain tables, exactly these columns) before any row is read from it.
"""

from __future__ import annotations

import contextlib
import sqlite3

from vault.sync.pack import PackRejected
from vault.versions import VersionRow

OUT = "sync_out"
IN = "sync_in"

COLUMNS: dict[str, tuple[str, ...]] = {
    "versions": tuple(c.strip() for c in VersionRow.COLUMNS.split(",")),
    "attachments": (
        "id",
        "record_id",
        "scope_id",
        "key_version",
        "author",
        "created",
        "size",
        "chunks",
        "file_key",
        "meta",
        "digest",
        "signature",
        "deleted",
    ),
    "attachment_chunks": ("attachment_id", "idx", "data"),
    "audit": (
        "id",
        "member_id",
        "member_seq",
        "scope_id",
        "key_version",
        "created",
        "prev_hash",
        "body_hash",
        "body",
        "signature",
    ),
    "label": ("label", "label_key_version", "label_author", "label_created", "label_signature"),
}
KEYS = {
    "versions": "PRIMARY KEY (vid)",
    "attachments": "PRIMARY KEY (id)",
    "attachment_chunks": "PRIMARY KEY (attachment_id, idx)",
    "audit": "PRIMARY KEY (member_id, member_seq)",
    "label": "",
}


def cols(table: str, alias: str = "") -> str:
    """The column list of a pack table, optionally qualified."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + c for c in COLUMNS[table])


def attach(conn: sqlite3.Connection, schema: str) -> None:
    """Attach an empty in-memory schema (outside any transaction)."""
    conn.execute(f"ATTACH DATABASE ':memory:' AS {schema}")


def detach(conn: sqlite3.Connection, schema: str) -> None:
    """Detach a schema attached by :func:`attach` (ignoring one that is not there)."""
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute(f"DETACH DATABASE {schema}")


def create_tables(conn: sqlite3.Connection, schema: str) -> None:
    """The five body tables in ``schema``."""
    for table, columns in COLUMNS.items():
        key = KEYS[table]
        body = ", ".join(columns) + (f", {key}" if key else "")
        conn.execute(f"CREATE TABLE {schema}.{table} ({body})")


def extract(
    conn: sqlite3.Connection,
    scope_id: str,
    *,
    selection: str | None,
    label: bool,
) -> tuple[bytes, dict[str, int]]:
    """Serialise a scope's rows into a body database; return (bytes, row counts).

    ``selection`` names a temp table of ``(kind, key)`` rows choosing which
    versions, attachments and audit entries go in; None takes every row of the
    scope (a snapshot). ``label`` adds the scope's name. Runs outside a transaction.
    """
    attach(conn, OUT)
    try:
        create_tables(conn, OUT)
        pick = {
            kind: (
                f"AND {column} IN (SELECT key FROM temp.{selection} WHERE kind = '{kind}')"  # noqa: S608
                if selection
                else ""
            )
            for kind, column in (("version", "vid"), ("attachment", "id"), ("audit", "id"))
        }
        conn.execute("BEGIN")
        try:
            conn.execute(
                f"INSERT INTO {OUT}.versions SELECT {cols('versions')} FROM main.versions "  # noqa: S608
                f"WHERE scope_id = ? {pick['version']}",
                (scope_id,),
            )
            conn.execute(
                f"INSERT INTO {OUT}.attachments SELECT {cols('attachments')} "  # noqa: S608
                f"FROM main.attachments WHERE scope_id = ? {pick['attachment']}",
                (scope_id,),
            )
            conn.execute(
                f"INSERT INTO {OUT}.attachment_chunks SELECT c.attachment_id, c.idx, c.data "  # noqa: S608
                f"FROM main.attachment_chunks c JOIN {OUT}.attachments a "
                "ON a.id = c.attachment_id"
            )
            conn.execute(
                f"INSERT INTO {OUT}.audit SELECT {cols('audit')} FROM main.audit "  # noqa: S608
                f"WHERE scope_id = ? {pick['audit']}",
                (scope_id,),
            )
            if label:
                conn.execute(
                    f"INSERT INTO {OUT}.label SELECT {cols('label')} FROM main.scopes "  # noqa: S608
                    "WHERE id = ? AND label IS NOT NULL",
                    (scope_id,),
                )
            counts = {
                table: conn.execute(f"SELECT count(*) FROM {OUT}.{table}").fetchone()[0]  # noqa: S608
                for table in COLUMNS
            }
        finally:
            conn.execute("COMMIT")
        return conn.serialize(name=OUT), counts
    finally:
        detach(conn, OUT)


def load(conn: sqlite3.Connection, plain: bytes) -> None:
    """Put a received body into the attached ``sync_in`` schema and check its shape."""
    try:
        conn.deserialize(plain, name=IN)
        objects = conn.execute(f"SELECT type, name FROM {IN}.sqlite_master").fetchall()  # noqa: S608
    except sqlite3.DatabaseError:
        raise PackRejected("its body is not a pack database") from None
    tables = {name for kind, name in objects if kind == "table"}
    others = [
        name
        for kind, name in objects
        if kind != "table" and not (kind == "index" and name.startswith("sqlite_autoindex_"))
    ]
    if tables != set(COLUMNS) or others:
        raise PackRejected("its body has unexpected tables")
    for table, expected in COLUMNS.items():
        found = tuple(r[1] for r in conn.execute(f"PRAGMA {IN}.table_info({table})"))
        if found != expected:
            raise PackRejected(f"its {table} table has unexpected columns")
    if conn.execute(f"SELECT count(*) FROM {IN}.label").fetchone()[0] > 1:  # noqa: S608
        raise PackRejected("it names its scope more than once")
