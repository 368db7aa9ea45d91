"""``vault check`` for a record's plaintext bookkeeping: its dates and its conflict flag.

The ``records`` table keeps a record's created and updated dates and whether it
is in conflict, so lists can sort and flag without decrypting. None of it is
signed, but all of it follows from signed rows: created is the record's first
version's date, updated its head version's (or, after a file was attached, that
attachment's) date, and conflict whether its version graph has more than one
head. Check recomputes them and names every record whose row disagrees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vault.model import CheckReport, Problem

if TYPE_CHECKING:
    from vault.vault import Vault


def check_record_dates(vault: Vault, report: CheckReport, readable: set[str]) -> None:
    """Compare each readable record's created/updated/conflict with its signed versions."""
    conn = vault._conn
    versions: dict[str, list[tuple]] = {}
    for record_id, vid, parent, merge, created in conn.execute(
        "SELECT record_id, vid, parent_vid, merge_vid, created FROM versions"
    ):
        versions.setdefault(record_id, []).append((vid, parent, merge, created))
    attached: dict[str, set[object]] = {}
    for record_id, created in conn.execute("SELECT record_id, created FROM attachments"):
        attached.setdefault(record_id, set()).add(created)
    for record_id, scope_id, head_vid, created, updated, conflict in conn.execute(
        "SELECT id, scope_id, head_vid, created, updated, conflict FROM records"
    ).fetchall():
        mine = versions.get(record_id)
        if not mine or scope_id not in readable:
            continue  # no versions is reported by the record check; others' scopes are theirs
        times = {vid: when for vid, _p, _m, when in mine}
        try:
            first = min(when for *_rest, when in mine)
        except TypeError:
            continue  # a damaged date is reported with its version
        if created != first:
            report.problems.append(
                Problem("record", record_id, "its creation date does not match its first version")
            )
        touched = attached.get(record_id, set())
        if head_vid in times and updated != times[head_vid] and updated not in touched:
            report.problems.append(
                Problem("record", record_id, "its last-changed date does not match its versions")
            )
        named = {p for _v, p, _m, _w in mine} | {m for _v, _p, m, _w in mine}
        heads = sum(1 for vid, *_rest in mine if vid not in named)
        if conflict not in (0, 1) or bool(conflict) != (heads > 1):
            report.problems.append(
                Problem("record", record_id, "its conflict flag does not match its versions")
            )
