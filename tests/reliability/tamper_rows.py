"""Tampering cases on whole rows: swapped, deleted, duplicated, rolled back.

Ciphertexts swapped between records, versions, attachments, chunks, scopes and
audit entries; rows deleted one at a time and whole records or attachments at
once; versions replayed, records and attachments copied under new ids; records
rolled back to an older version, alone, with an older signed state, or with the
state digest recomputed to match (what a tamperer can do, since it is unkeyed).
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterable
from typing import Any

from tests.reliability.tamper import Case, Pristine, Statement, as_text, legacy_image, set_value
from tests.reliability.tamper_cases import expectations, is_text, row_name, scope_break


def _values(row: dict[str, Any], skip: Iterable[str] = ("rowid",)) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in skip}


def _insert(table: str, row: dict[str, Any], pristine: Pristine) -> Statement:
    """An INSERT of ``row`` that keeps each value's storage class."""
    columns = list(row)
    holders = [
        "CAST(? AS TEXT)" if isinstance(row[c], bytes) and is_text(pristine, table, c) else "?"
        for c in columns
    ]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(holders)})",
        tuple(row[c] for c in columns),
    )


def _delete(table: str, rowid: int) -> Statement:
    return (f"DELETE FROM {table} WHERE rowid = ?", (rowid,))


def _update(table: str, rowid: int, values: dict[str, Any], pristine: Pristine) -> list[Statement]:
    return [
        set_value(
            table,
            column,
            rowid,
            value,
            text=isinstance(value, bytes) and is_text(pristine, table, column),
        )
        for column, value in values.items()
    ]


def _fresh_id(rng: random.Random) -> bytes:
    return rng.getrandbits(128).to_bytes(16, "big").hex().encode()


def swap_cases(pristine: Pristine) -> list[Case]:
    """Ciphertexts swapped between records, versions, attachments, chunks, scopes and entries."""
    n = pristine.names
    versions = {(as_text(r["record_id"]), r["number"]): r for r in pristine.rows("versions")}
    atts = {as_text(r["id"]): r for r in pristine.rows("attachments")}
    chunks = {
        (as_text(r["attachment_id"]), r["idx"]): r for r in pristine.rows("attachment_chunks")
    }
    scopes = {as_text(r["id"]): r for r in pristine.rows("scopes")}
    grants = {as_text(r["scope_id"]): r for r in pristine.rows("scope_keys")}
    audit = pristine.rows("audit")
    cases = []

    def swap(name, table, first, second, columns, named, may_break):
        statements = _update(table, first["rowid"], {c: second[c] for c in columns}, pristine)
        statements += _update(table, second["rowid"], {c: first[c] for c in columns}, pristine)
        cases.append(Case(name, tuple(statements), frozenset(named), may_break))

    r1, r2, r3 = n["R1"], n["R2"], n["R3"]
    pairs = [
        ("R1 v1 <-> R2 v1", (r1, 1), (r2, 1)),  # same client
        ("R1 v1 <-> R3 v1", (r1, 1), (r3, 1)),  # different scopes
        ("R1 v1 <-> R1 v2", (r1, 1), (r1, 2)),  # same record
        ("R1 v3 <-> R1 v2", (r1, 3), (r1, 2)),  # the head with its predecessor
    ]
    for label, a, b in pairs:
        ids = {a[0], b[0]}
        for columns in (("body",), ("signature",), ("body", "signature")):
            swap(
                f"swap {'+'.join(columns)} {label}",
                "versions",
                versions[a],
                versions[b],
                columns,
                ids,
                frozenset(ids),
            )
    a1, a2 = atts[n["A1"]], atts[n["A2"]]
    both = {as_text(a1["record_id"]), as_text(a2["record_id"])}
    for columns in (
        ("file_key",),
        ("meta",),
        ("digest", "signature"),
        ("file_key", "meta", "digest", "signature", "size", "chunks"),
    ):
        swap(
            f"swap {'+'.join(columns)} A1 <-> A2",
            "attachments",
            a1,
            a2,
            columns,
            both,
            frozenset(both),
        )
    a2_record = as_text(a2["record_id"])
    swap(
        "swap chunks A2#0 <-> A2#1",
        "attachment_chunks",
        chunks[(n["A2"], 0)],
        chunks[(n["A2"], 1)],
        ("data",),
        {a2_record},
        frozenset({a2_record}),
    )
    swap(
        "swap chunks A1#0 <-> A2#0",
        "attachment_chunks",
        chunks[(n["A1"], 0)],
        chunks[(n["A2"], 0)],
        ("data",),
        both,
        frozenset(both),
    )
    ca, cb = n["client-a"], pristine.internal_scope
    two_clients = (scope_break(pristine, ca) or frozenset()) | (
        scope_break(pristine, cb) or frozenset()
    )
    swap(
        "swap label client A <-> B",
        "scopes",
        scopes[ca],
        scopes[cb],
        ("label", "label_signature", "label_author", "label_created"),
        set(),
        two_clients,
    )
    swap(
        "swap wrapped key client A <-> B",
        "scope_keys",
        grants[ca],
        grants[cb],
        ("wrapped",),
        set(),
        two_clients,
    )
    swap(
        "swap grant client A <-> B",
        "scope_keys",
        grants[ca],
        grants[cb],
        ("wrapped", "signature", "created"),
        set(),
        two_clients,
    )
    if len(audit) >= 2:
        swap(
            "swap audit bodies 1 <-> 2",
            "audit",
            audit[0],
            audit[1],
            ("body", "body_hash"),
            set(),
            frozenset(),
        )
    return cases


def removal_cases(pristine: Pristine) -> list[Case]:
    """Rows deleted: one at a time from every table, and whole records and attachments."""
    cases = []
    for table in ("versions", "records", "attachments", "attachment_chunks", "audit", "state"):
        for row in pristine.rows(table):
            named, may_break = expectations(pristine, table, row)
            cases.append(
                Case(
                    f"delete {row_name(table, row)}",
                    (_delete(table, row["rowid"]),),
                    named=named,
                    may_break=may_break,
                    structure=True,
                )
            )
    for table in ("scope_keys", "scopes", "members", "meta"):
        for row in pristine.rows(table):
            named, may_break = expectations(pristine, table, row)
            cases.append(
                Case(
                    f"delete {row_name(table, row)}",
                    (_delete(table, row["rowid"]),),
                    named=named,
                    may_break=may_break,
                    target=row_name(table, row),
                )
            )
    for name in ("R1", "R2", "R3", "R4"):
        record = pristine.names[name]
        statements = [("DELETE FROM versions WHERE record_id = ?", (record,))]
        statements += [("DELETE FROM records WHERE id = ?", (record,))]
        statements += [
            (
                "DELETE FROM attachment_chunks WHERE attachment_id IN "
                "(SELECT id FROM attachments WHERE record_id = ?)",
                (record,),
            ),
            ("DELETE FROM attachments WHERE record_id = ?", (record,)),
        ]
        cases.append(
            Case(
                f"delete every row of record {name}",
                tuple(statements),
                frozenset({record}),
                frozenset({record}),
                structure=True,
            )
        )
    for name in ("A1", "A2"):
        attachment = pristine.names[name]
        record = pristine.attachments[attachment][0]
        statements = (
            ("DELETE FROM attachment_chunks WHERE attachment_id = ?", (attachment,)),
            ("DELETE FROM attachments WHERE id = ?", (attachment,)),
        )
        cases.append(
            Case(
                f"delete attachment {name} with its chunks",
                statements,
                frozenset({record}),
                frozenset({record}),
                structure=True,
            )
        )
    return cases


def duplicate_cases(pristine: Pristine, rng: random.Random) -> list[Case]:
    """Rows copied: a version replayed as the next one, records and attachments under new ids."""
    n = pristine.names
    cases = []
    versions = {(as_text(r["record_id"]), r["number"]): r for r in pristine.rows("versions")}
    records = {as_text(r["id"]): r for r in pristine.rows("records")}
    for name in ("R1", "R2", "R3"):
        record = n[name]
        head = pristine.heads[record]
        old = _values(versions[(record, 1)])
        vid = _fresh_id(rng)
        replay = old | {"number": head + 1, "vid": vid}
        statements = [_insert("versions", replay, pristine)]
        statements += _update(
            "records", records[record]["rowid"], {"head": head + 1, "head_vid": vid}, pristine
        )
        cases.append(
            Case(
                f"replay {name} v1 as v{head + 1} (new head)",
                tuple(statements),
                frozenset({record}),
                frozenset({record}),
                structure=True,
            )
        )
        same_vid = old | {"number": head + 1}
        statements = [
            ("DELETE FROM versions WHERE vid = ?", (old["vid"],)),
            _insert("versions", same_vid, pristine),
        ]
        statements += _update(
            "records",
            records[record]["rowid"],
            {"head": head + 1, "head_vid": old["vid"]},
            pristine,
        )
        cases.append(
            Case(
                f"renumber {name} v1 as v{head + 1} (same vid)",
                tuple(statements),
                frozenset({record}),
                frozenset({record}),
                structure=True,
            )
        )
        twin = _fresh_id(rng)
        statements = [_insert("records", _values(records[record]) | {"id": twin}, pristine)]
        statements += [
            _insert(
                "versions",
                _values(versions[(record, k)]) | {"record_id": twin, "vid": _fresh_id(rng)},
                pristine,
            )
            for k in range(1, head + 1)
        ]
        cases.append(
            Case(
                f"copy record {name} under a new id",
                tuple(statements),
                frozenset({record, twin.decode()}),
                frozenset(),
                structure=True,
            )
        )
    for row in pristine.rows("attachments"):
        record = as_text(row["record_id"])
        twin = _fresh_id(rng)
        statements = [_insert("attachments", _values(row) | {"id": twin}, pristine)]
        statements += [
            _insert("attachment_chunks", _values(c) | {"attachment_id": twin}, pristine)
            for c in pristine.rows("attachment_chunks")
            if c["attachment_id"] == row["id"]
        ]
        cases.append(
            Case(
                f"copy attachment {as_text(row['id'])[:6]} under a new id",
                tuple(statements),
                frozenset({record}),
                frozenset(),
                structure=True,
            )
        )
        other = n["R2"] if record != n["R2"] else n["R1"]
        statements = tuple(
            _update("attachments", row["rowid"], {"record_id": other.encode()}, pristine)
        )
        cases.append(
            Case(
                f"move attachment {as_text(row['id'])[:6]} to another record",
                statements,
                frozenset({record, other}),
                frozenset({record, other}),
                structure=True,
            )
        )
        last = max(
            c["idx"] for c in pristine.rows("attachment_chunks") if c["attachment_id"] == row["id"]
        )
        chunk = next(
            c
            for c in pristine.rows("attachment_chunks")
            if c["attachment_id"] == row["id"] and c["idx"] == 0
        )
        statements = (_insert("attachment_chunks", _values(chunk) | {"idx": last + 1}, pristine),)
        cases.append(
            Case(
                f"append a copy of chunk 0 to attachment {as_text(row['id'])[:6]}",
                statements,
                frozenset({record}),
                frozenset({record}),
            )
        )
    grant = next(r for r in pristine.rows("scope_keys") if as_text(r["scope_id"]) == n["client-a"])
    statements = (_insert("scope_keys", _values(grant) | {"member_id": _fresh_id(rng)}, pristine),)
    cases.append(
        Case("grant client A's key to an unknown member id", statements, may_break=frozenset())
    )
    member = pristine.rows("members")[0]
    statements = (_insert("members", _values(member) | {"id": _fresh_id(rng)}, pristine),)
    cases.append(
        Case("copy the owner's member row under a new id", statements, may_break=frozenset())
    )
    return cases


def rollback_cases(pristine: Pristine) -> list[Case]:
    """Records (and the signed state) put back as they were earlier."""
    n = pristine.names
    cases = []
    versions = {(as_text(r["record_id"]), r["number"]): r for r in pristine.rows("versions")}
    records = {as_text(r["id"]): r for r in pristine.rows("records")}
    for name, to in (("R1", 2), ("R1", 1), ("R3", 1), ("R4", 1)):
        record = n[name]
        head = pristine.heads[record]
        statements = [
            ("DELETE FROM versions WHERE record_id = ? AND number > ?", (record, to)),
        ]
        older = versions[(record, to)]
        statements += _update(
            "records",
            records[record]["rowid"],
            {"head": to, "head_vid": older["vid"], "deleted": 0},
            pristine,
        )
        label = (
            "resurrect tombstoned R4" if name == "R4" else f"roll {name} back from v{head} to v{to}"
        )
        cases.append(
            Case(label, tuple(statements), frozenset({record}), frozenset({record}), structure=True)
        )
        keep = [
            ("UPDATE records SET head = ?, head_vid = ? WHERE id = ?", (to, older["vid"], record))
        ]
        cases.append(
            Case(
                f"point {name}'s head back at v{to}, keeping newer versions",
                tuple(keep),
                frozenset({record}),
                frozenset({record}),
                structure=True,
            )
        )
    # R1 and the signed state both as in the older copy of the file.
    r1 = n["R1"]
    old_state = pristine.rows("state", old=True)[0]
    old_record = next(r for r in pristine.rows("records", old=True) if as_text(r["id"]) == r1)
    statements = [("DELETE FROM versions WHERE record_id = ? AND number > 2", (r1,))]
    statements += _update(
        "records", records[r1]["rowid"], _values(old_record, ("rowid", "id")), pristine
    )
    state_row = pristine.rows("state")[0]
    statements += _update(
        "state", state_row["rowid"], _values(old_state, ("rowid", "id")), pristine
    )
    cases.append(
        Case(
            "roll R1 and the signed state back to an older copy",
            tuple(statements),
            frozenset({r1}),
            frozenset({r1}),
            structure=True,
        )
    )
    return cases


def forged_state_cases(pristine: Pristine) -> list[Case]:
    """Rows removed or rolled back, with the state digest recomputed to match (left unsigned).

    The digest is an unkeyed sum over public row values, so anyone with the file
    can recompute it; only the state's signature should stand in the way.
    """
    from vault import state  # the digest a tamperer would compute

    cases = []
    wanted = {
        "roll R1 back from v3 to v2": "roll R1 back from v3 to v2",
        "resurrect tombstoned R4": "resurrect tombstoned R4",
        "delete attachment A1 with its chunks": "delete attachment A1 with its chunks",
        "delete every row of record R2": "delete every row of record R2",
    }
    for base in rollback_cases(pristine) + removal_cases(pristine):
        if base.name not in wanted:
            continue
        conn = sqlite3.connect(":memory:", isolation_level=None)
        try:
            conn.deserialize(legacy_image(pristine.data))
            for sql, params in base.statements:
                conn.execute(sql, params)
            digest = state.recompute(conn).to_bytes(32, "big")
        finally:
            conn.close()
        forge = ("UPDATE state SET digest = ?", (digest,))
        cases.append(
            Case(
                f"{base.name}, state digest recomputed to match",
                (*base.statements, forge),
                base.named,
                base.may_break,
                structure=True,
            )
        )
    return cases
