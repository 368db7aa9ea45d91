"""Tampering cases on values: bytes flipped, integers nudged, storage classes changed.

Each generator reads the pristine vault (:class:`tests.reliability.tamper.Pristine`)
and returns :class:`~tests.reliability.tamper.Case` objects: SQL statements plus
what ``check`` must name and what may legitimately break (:func:`expectations`).
Header rows may take their scope (or, for meta, members and the shared scope,
everything) with them; a record's or attachment's rows must be named by ``check``
and break nothing else. Whole-row tampering lives in ``tamper_rows``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from tests.reliability.tamper import (
    Case,
    Pristine,
    as_text,
    flipped,
    set_value,
)

HEADER_TABLES = ("meta", "members", "scopes", "scope_keys", "state")
PASSPHRASE_COLUMNS = frozenset({"kdf", "salt", "secrets"})  # only a passphrase unlock reads them
INT_VARIANTS = (1, -1)  # added to an integer; plus 0, -1 and 2**62 outright


def sample_positions(size: int, count: int | None, rng: random.Random) -> list[int]:
    """Every position (count None), else the first 2, the last 2 and random ones between."""
    if count is None or size <= count:
        return list(range(size))
    ends = {0, 1, size - 2, size - 1}
    middle = rng.sample(range(2, size - 2), max(0, count - len(ends)))
    return sorted(ends | set(middle))


def scope_break(pristine: Pristine, scope_id: str) -> frozenset[str] | None:
    """What tampering with a scope's row or grant may make unreadable."""
    if scope_id == pristine.shared_scope:
        return None  # membership, names and templates all hang on the shared scope
    return frozenset(pristine.records_in(scope_id) | {f"client:{scope_id}"})


def expectations(
    pristine: Pristine, table: str, row: dict[str, Any]
) -> tuple[frozenset[str], frozenset[str] | None]:
    """(ids a check Problem must name, ids allowed to become unreadable) for a row.

    The header every key hangs on (meta, members, and the shared scope with the
    signed membership records in it) may take everything with it and must just be
    refused somewhere; a client's scope row or grant may take that client's
    records; a record's or attachment's rows must be named by check and break
    nothing else; an audit entry must be reported by the audit check.
    """
    if table in ("meta", "members"):
        return frozenset(), None
    if table == "scopes":
        return frozenset(), scope_break(pristine, as_text(row["id"]))
    if table == "scope_keys":
        return frozenset(), scope_break(pristine, as_text(row["scope_id"]))
    if table == "audit":
        return frozenset({"-"}), frozenset()
    if table == "attachment_chunks":
        record = pristine.attachments[as_text(row["attachment_id"])][0]
    elif table in ("versions", "attachments"):
        record = as_text(row["record_id"])
    elif table == "records":
        record = as_text(row["id"])
    else:  # state
        return frozenset(), frozenset()
    if record not in pristine.heads:  # a signed membership record: header-like
        return frozenset(), None
    return frozenset({record}), frozenset({record})


def _utf8(value: object) -> bool:
    if not isinstance(value, bytes):
        return True
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def is_text(pristine: Pristine, table: str, column: str) -> bool:
    return pristine.types[(table, column)] == "text"


def row_name(table: str, row: dict[str, Any]) -> str:
    if table == "meta":
        return f"meta[{as_text(row['key'])}]"
    key = row.get("id") or row.get("scope_id") or row.get("record_id") or row.get("attachment_id")
    return f"{table}[{as_text(key)[:6] if key is not None else row['rowid']}]"


def flip_cases(
    pristine: Pristine,
    table: str,
    columns: Iterable[str] | None,
    *,
    positions: int | None,
    rng: random.Random,
    masks: tuple[int, ...] | None = None,
    skip: frozenset[str] = frozenset(),
) -> list[Case]:
    """Cases that flip bytes of (and nudge integers in) every value of a table's columns.

    What each case must be named by and may break comes from :func:`expectations`.
    ``masks`` None flips bit ``position % 8`` (every bit gets its turn across a value).
    """
    cases = []
    for row in pristine.rows(table):
        wanted = columns if columns is not None else [c for c in row if c != "rowid"]
        for column in wanted:
            if column in skip or row.get(column) is None:
                continue
            value = row[column]
            where = f"{row_name(table, row)}.{column}"
            rowid = row["rowid"]
            if isinstance(value, int):
                variants = [value + d for d in INT_VARIANTS] + [0, -1, 2**62]
                flips = [(f"{where}={v}", v, True) for v in dict.fromkeys(variants) if v != value]
            else:
                flips = []
                for position in sample_positions(len(value), positions, rng):
                    for mask in masks or (1 << (position % 8),):
                        new = flipped(value, position, mask)
                        flips.append((f"{where}[{position}]^{mask:#04x}", new, _utf8(new)))
            text = is_text(pristine, table, column)
            expected = expectations(pristine, table, row)
            for label, new, valid in flips:
                cases.append(
                    Case(
                        name=f"flip {label}",
                        statements=(set_value(table, column, rowid, new, text=text),),
                        named=expected[0],
                        may_break=expected[1],
                        passphrase=table == "members" and column in PASSPHRASE_COLUMNS,
                        target=f"{row_name(table, row)}.{column}",
                        valid_text=valid or not text,
                    )
                )
    return cases


def retype_cases(pristine: Pristine, table: str) -> list[Case]:
    """Cases that change a value's storage class: NULL, the same bytes as TEXT/BLOB, empty.

    One row per table: for versions and attachments a row of a user record (R1),
    so that the record it belongs to is the one expected to break.
    """
    rows = pristine.rows(table)
    mine = [r for r in rows if as_text(r.get("record_id") or b"") == pristine.names["R1"]]
    cases = []
    for row in (mine or rows)[:1]:
        for column, value in row.items():
            if column == "rowid" or value is None:
                continue
            kind = pristine.types[(table, column)]
            raw = value if isinstance(value, bytes) else str(value).encode()
            # (label, new value, store as TEXT, the same bytes in another storage class)
            variants = [("NULL", None, False, False)]
            if kind == "integer":
                variants.append(("BLOB", raw, False, False))
            else:
                variants.append(("BLOB" if kind == "text" else "TEXT", raw, kind == "blob", True))
                variants.append(("empty", b"", kind == "text", False))
            expected = expectations(pristine, table, row)
            for label, new, text, same_bytes in variants:
                cases.append(
                    Case(
                        name=f"retype {row_name(table, row)}.{column} to {label}",
                        statements=(set_value(table, column, row["rowid"], new, text=text),),
                        named=expected[0],
                        may_break=expected[1],
                        structure=True,
                        passphrase=table == "members" and column in PASSPHRASE_COLUMNS,
                        target=f"{row_name(table, row)}.{column}",
                        same_bytes=same_bytes,
                    )
                )
    return cases
