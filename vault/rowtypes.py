"""Typed reading of stored rows: a value of the wrong storage class is damage, not a crash.

SQLite keeps whatever value a column is given, so a damaged or tampered file can
hold a BLOB where we wrote a number, NULL where we wrote an id, or text that is
not valid UTF-8 (``codec.text_factory`` decodes it losslessly). Readers check the
values they compare, hash or bind before using them; a failure names the column,
and the caller reports it as damage to the record or header row that holds it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping

from vault.codec import is_id, is_stamp, shown

# What a column must hold: an id, an optional id, a positive integer, any integer,
# a flag (0 or 1) or a timestamp.
ID, OPTIONAL_ID, NUMBER, INTEGER, FLAG, STAMP = "id", "id?", "number", "int", "flag", "stamp"

VERSION_COLUMNS: dict[str, str] = {
    "record_id": ID,
    "number": NUMBER,
    "vid": ID,
    "parent_vid": OPTIONAL_ID,
    "scope_id": ID,
    "key_version": NUMBER,
    "author": ID,
    "created": STAMP,
    "merge_vid": OPTIONAL_ID,
}

# How a Problem names a damaged column of a version.
VERSION_WORDS = {
    "record_id": "record id",
    "number": "version number",
    "vid": "version id",
    "parent_vid": "parent version id",
    "scope_id": "scope id",
    "key_version": "key version",
    "author": "author id",
    "created": "time",
    "merge_vid": "merged version id",
}

# Plaintext bookkeeping of the records table that readers compare and sort by.
RECORD_COLUMNS: dict[str, str] = {
    "head": NUMBER,
    "head_vid": ID,
    "scope_id": ID,
    "deleted": FLAG,
    "seq": INTEGER,
}

# What a technician reads in a Problem when a column of the records table is damaged.
_RECORD_WORDS = {
    "head": "its head version number",
    "head_vid": "its head version id",
    "scope_id": "its scope id",
    "deleted": "its deleted flag",
    "seq": "its change counter",
}


def fits(value: object, kind: str) -> bool:
    """Whether a stored value has the type and shape a column of ``kind`` must hold."""
    if kind == ID:
        return is_id(value)
    if kind == OPTIONAL_ID:
        return value is None or is_id(value)
    if kind == STAMP:
        return is_stamp(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    if kind == NUMBER:
        return value >= 1
    if kind == FLAG:
        return value in (0, 1)
    return True


def placeholder(value: object, kind: str) -> object:
    """A stand-in of the right type for a value that does not fit ``kind``.

    Numbers become 0 (never a real version), anything else its text with
    undecodable bytes replaced: comparable, bindable, and never a genuine id.
    """
    if kind in (NUMBER, INTEGER, FLAG):
        return 0
    return None if kind == OPTIONAL_ID and value is None else shown(value)


def bad_column(values: Mapping[str, object], kinds: Mapping[str, str]) -> str | None:
    """The first column of ``values`` that does not fit its kind, or None."""
    return next((name for name, kind in kinds.items() if not fits(values[name], kind)), None)


def damaged_records(conn: sqlite3.Connection) -> Iterator[tuple[object, str]]:
    """(record id, what is damaged) for rows of the records table with wrong column types.

    Selects by storage class in SQL (cheap on a large vault), then checks the
    shape of the few rows that could be wrong in Python.
    """
    columns = ", ".join(RECORD_COLUMNS)
    suspicious = " OR ".join(
        f"typeof({name}) != '{'integer' if kind in (NUMBER, INTEGER, FLAG) else 'text'}'"
        for name, kind in RECORD_COLUMNS.items()
    )
    for row in conn.execute(
        f"SELECT id, {columns} FROM records WHERE typeof(id) != 'text' OR {suspicious} "  # noqa: S608
        "OR head < 1 OR deleted NOT IN (0, 1) OR length(head_vid) != 32 "
        "OR length(scope_id) != 32"
    ):
        values = dict(zip(RECORD_COLUMNS, tuple(row)[1:], strict=True))
        bad = bad_column(values, RECORD_COLUMNS)
        if bad:
            yield row[0], f"{_RECORD_WORDS[bad]} is damaged"
        elif not is_id(row[0]):
            yield row[0], "its id is damaged"
