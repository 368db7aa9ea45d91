"""The client's audit log in a handover: ``audit.json`` and ``site/audit.html``.

Every entry of the client's scope the exporter can read (who did what and
when: unlocks are vault-wide and not included), oldest first. Audit details are
written by Sitebook itself (version numbers, counts, sources), never field
values, so they are safe in clear. With ``--no-audit`` nothing is written and
README.html says so.
"""

from __future__ import annotations

import json
from pathlib import Path

from vault.handover.html import e, page
from vault.handover.snapshot import Snapshot

AUDIT_FORMAT = "sitebook-handover-audit"
AUDIT_LEFT_OUT = "No audit log is included: the exporter chose to leave it out (--no-audit)."


def audit_note(snapshot: Snapshot) -> str:
    """The sentence README.html shows about the audit log."""
    if snapshot.audit_entries is None:
        return AUDIT_LEFT_OUT
    return (
        f"The client's audit log is included ({len(snapshot.audit_entries)} entries: who "
        "created, changed, revealed or exported what, and when) in audit.json and "
        "site/audit.html."
    )


def write_audit(snapshot: Snapshot, root: Path) -> list[str]:
    """Write the audit files (none with ``--no-audit``); return their package paths."""
    if snapshot.audit_entries is None:
        return []
    entries = [
        {
            "seq": entry.seq,
            "id": entry.id,
            "created": entry.created,
            "member_id": entry.member_id,
            "member": entry.member_name,
            "event": entry.event,
            "record_id": entry.record_id,
            "details": entry.details,
        }
        for entry in snapshot.audit_entries
    ]
    document = {
        "format": AUDIT_FORMAT,
        "format_version": 1,
        "client": {"id": snapshot.client.id, "name": snapshot.client.name},
        "source_vault_id": snapshot.vault_id,
        "entries": entries,
    }
    (root / "audit.json").write_text(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8", newline="\n"
    )
    rows = []
    for entry in entries:
        record = entry["record_id"]
        title = snapshot.title_of(record) if record else None
        if title:
            target = f'<a href="records/{e(record)}.html">{e(title)}</a>'
        else:
            target = e(record[:8]) if record else ""
        details = ", ".join(
            f"{e(k)}: {e(json.dumps(v, ensure_ascii=False))}" for k, v in entry["details"].items()
        )
        rows.append(
            f"<tr><td>{e(entry['created'][:19].replace('T', ' '))}</td><td>{e(entry['member'])}"
            f"</td><td>{e(entry['event'])}</td><td>{target}</td><td>{details}</td></tr>"
        )
    body = (
        f'<header class="top"><div class="crumbs"><a href="../README.html">Handover</a> › '
        f'<a href="index.html">{e(snapshot.client.name)}</a> › Audit log</div></header>'
        f'<h1>Audit log</h1><p class="meta">{len(entries)} entries, oldest first (UTC).</p>'
        "<table><thead><tr><th>When</th><th>Who</th><th>Event</th><th>Record</th>"
        f"<th>Details</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    (root / "site" / "audit.html").write_text(
        page(f"{snapshot.client.name} — audit log", body, root="../"),
        encoding="utf-8",
        newline="\n",
    )
    return ["audit.json", "site/audit.html"]
