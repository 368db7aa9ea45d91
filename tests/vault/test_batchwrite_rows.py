"""Multi-row INSERTs of vault.batchwrite: every row stored and queued for sync, in order.

Rows go to SQLite in statements of up to ``ROWS_PER_INSERT`` rows, fewer when the
SQLite build allows fewer parameters; the outbox trigger still sees every row.
"""

from __future__ import annotations

import sqlite3

import pytest

from vault import Vault, batchwrite
from vault.model import Record


def _records(scope_id: str, count: int) -> list[list[Record]]:
    return [
        [
            Record(
                id=f"{n:032x}",
                scope_id=scope_id,
                type="credential",
                title=f"Login {n}",
                fields={"username": f"user{n}", "url": f"https://srv-{n}.example/login"},
                source=f"test:{n}",
            )
        ]
        for n in range(1, count + 1)
    ]


@pytest.mark.parametrize(("limit", "per_insert"), [(32766, 500), (40, 3), (23, 2), (11, 1)])
def test_every_row_is_stored_and_queued_whatever_the_parameter_limit(
    vault: Vault, client, monkeypatch: pytest.MonkeyPatch, limit: int, per_insert: int
) -> None:
    conn = vault._conn
    old_limit = conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    monkeypatch.setattr(batchwrite, "ROWS_PER_INSERT", per_insert)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        with vault.transaction():
            heads = vault.replay_versions(_records(client.id, 7))
    finally:
        conn.set_trace_callback(None)
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, old_limit)
    # SQLite traces a statement again at each trigger run: count runs of the same text.
    inserts = [
        s
        for i, s in enumerate(statements)
        if s.startswith("INSERT INTO versions") and (i == 0 or statements[i - 1] != s)
    ]
    assert len(inserts) == -(-7 // min(per_insert, limit // 11))
    assert [h.id for h in heads] == [f"{n:032x}" for n in range(1, 8)]
    assert [vault.get_record(h.id).fields["username"] for h in heads] == [
        f"user{n}" for n in range(1, 8)
    ]
    queued = conn.execute(
        "SELECT key FROM sync_outbox WHERE kind = 'version' ORDER BY id"
    ).fetchall()
    assert [row[0] for row in queued][-7:] == [h.vid for h in heads]
    assert vault.check().ok
