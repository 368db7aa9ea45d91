"""``vault check``: verify every ciphertext and signature, and name what is damaged.

Walks members, scope grants, scope names, every version of every record and every
attachment chunk the unlocked member can read. It never stops at the first
problem: each one becomes a :class:`~vault.model.Problem` naming the record by id
(never its content), so a technician knows exactly what to restore.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from vault import check_dates, check_header, errors, rowtypes, state
from vault.codec import as_bytes, is_id, shown
from vault.keyring import grant_is_genuine
from vault.model import CheckReport, Problem
from vault.versions import VersionRow

if TYPE_CHECKING:
    from vault.vault import Vault


def run_check(vault: Vault, progress: Callable[[int, int], None] | None = None) -> CheckReport:
    """Verify everything the unlocked member can read; see the module docstring."""
    report = CheckReport()
    conn = vault._conn
    _check_grants(vault, conn, report)
    readable = vault.readable_scopes()
    report.skipped_scopes = conn.execute("SELECT count(*) FROM scopes").fetchone()[0] - len(
        readable
    )
    for (scope_id,) in conn.execute("SELECT id FROM scopes").fetchall():
        if scope_id in readable:
            try:
                vault.scope_name(scope_id)
            except errors.VaultError as exc:
                report.problems.append(Problem("scope", scope_id, str(exc)))
    try:
        vault.members()
    except errors.VaultError as exc:
        report.problems.append(Problem("member", "-", str(exc)))
    wrong = state.problem(vault)
    if wrong:
        report.problems.append(Problem("structure", "vault", wrong))
    check_header.check_members(vault, report)
    check_header.check_scopes(vault, report)
    check_dates.check_record_dates(vault, report, readable)
    _check_records(vault, conn, readable, report, progress)
    _check_attachments(vault, conn, readable, report)
    return report


def _check_grants(vault: Vault, conn: sqlite3.Connection, report: CheckReport) -> None:
    for row in conn.execute(
        "SELECT scope_id, key_version, member_id, wrapped, granted_by, created, signature "
        "FROM scope_keys"
    ).fetchall():
        scope_id, key_version, member_id, wrapped, granted_by, created, signature = row
        if not grant_is_genuine(
            vault.vault_id,
            scope_id,
            key_version,
            member_id,
            granted_by,
            created,
            as_bytes(wrapped),
            as_bytes(signature),
            vault._signer_key,
        ):
            report.problems.append(
                Problem(
                    "scope", scope_id, f"the key granted to member {member_id} is forged or damaged"
                )
            )


def _check_records(
    vault: Vault,
    conn: sqlite3.Connection,
    readable: set[str],
    report: CheckReport,
    progress: Callable[[int, int], None] | None,
) -> None:
    heads = {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT id, head, head_vid, scope_id, deleted, conflict FROM records"
        )
    }
    scopes = {r[0] for r in conn.execute("SELECT id FROM scopes")}
    shared = vault.shared_scope_id
    report.records = sum(1 for head in heads.values() if head[2] != shared)
    seen_heads: dict[str, int] = {}
    total = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    damaged_records: set[str] = set()
    rows = conn.execute(
        f"SELECT {VersionRow.COLUMNS} FROM versions ORDER BY record_id, number"  # noqa: S608
    )
    for done, raw in enumerate(rows, 1):
        row = VersionRow.from_row(tuple(raw))
        report.versions += 1
        seen_heads[row.record_id] = max(seen_heads.get(row.record_id, 0), row.number)
        head = heads.get(row.record_id)
        if head is None:
            report.problems.append(
                Problem("record", row.record_id, "a version has no record", row.number)
            )
            continue
        if row.scope_id not in readable and head[2] not in readable:
            continue
        try:
            record = vault._open_row(row)
        except errors.AccessDeniedError:
            # Not ours to read, unless its scope is one we read or none at all: then the
            # version's scope or key version was altered (or its scope row removed).
            if row.scope_id in readable or row.scope_id not in scopes:
                damaged_records.add(row.record_id)
                report.problems.append(
                    Problem(
                        "record",
                        row.record_id,
                        "its scope or key version does not open (altered, or its scope is gone)",
                        row.number,
                    )
                )
            continue
        except errors.VaultError as exc:
            damaged_records.add(row.record_id)
            report.problems.append(Problem("record", row.record_id, _detail(exc), row.number))
            continue
        # A record in conflict (concurrent versions merged from replicas) has other
        # versions at its head's number; only the head itself must match exactly.
        if row.vid == head[1] or (row.number == head[0] and not head[4]):
            if row.vid != head[1] or row.number != head[0] or row.scope_id != head[2]:
                report.problems.append(
                    Problem(
                        "record", row.record_id, "its head does not match its versions", row.number
                    )
                )
            elif bool(head[3]) != record.deleted:
                report.problems.append(
                    Problem("record", row.record_id, "its deleted flag was altered", row.number)
                )
        if progress and done % 500 == 0:
            progress(done, total)
    for record_id, (head_number, *_rest) in heads.items():
        latest = seen_heads.get(record_id)
        if latest is None:
            report.problems.append(Problem("record", record_id, "all of its versions are missing"))
        elif latest != head_number:
            report.problems.append(
                Problem(
                    "record",
                    record_id,
                    f"its newest version {latest} is not its head {head_number}",
                )
            )
    numbers: dict[str, list[int]] = {}
    for record_id, number in conn.execute("SELECT record_id, number FROM versions"):
        if isinstance(number, int):  # a damaged number was reported with its version
            numbers.setdefault(record_id, []).append(number)
    for record_id, detail in rowtypes.damaged_records(conn):
        report.problems.append(Problem("record", shown(record_id), detail))
    for record_id, found in numbers.items():
        # Concurrent edits merged from another replica may share a number; none may be skipped.
        if set(found) != set(range(1, max(found) + 1)):
            report.problems.append(
                Problem("record", record_id, "versions are missing from its history")
            )


def _check_attachments(
    vault: Vault, conn: sqlite3.Connection, readable: set[str], report: CheckReport
) -> None:
    conn.row_factory = sqlite3.Row
    scopes = {r[0] for r in conn.execute("SELECT id FROM scopes")}
    for row in conn.execute("SELECT * FROM attachments").fetchall():
        if row["scope_id"] not in readable:
            if row["scope_id"] not in scopes:
                report.problems.append(
                    Problem("attachment", shown(row["record_id"]), "its scope is gone or altered")
                )
            continue
        report.attachments += 1
        if not is_id(row["id"]):
            report.problems.append(
                Problem("attachment", shown(row["record_id"]), "an attachment's id is damaged")
            )
            continue
        try:
            for _chunk in vault.read_attachment(row["id"]):
                report.chunks += 1
        except errors.VaultError as exc:
            report.problems.append(Problem("attachment", row["record_id"], _detail(exc)))


def _detail(exc: Exception) -> str:
    text = str(exc)
    return text.split(" is damaged: ", 1)[-1].rstrip(".") if " is damaged: " in text else text
