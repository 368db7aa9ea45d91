"""KeePassXC CSV exports (``keepassxc-csv``).

Columns ``Group,Title,Username,Password,URL,Notes,TOTP,Icon,Last Modified,
Created`` (KeePassXC 2.7; older versions stop after Notes or TOTP).

Mapping: each row -> ``credential``; TOTP (an otpauth:// URI) -> totp; the
group path (without the root group's name, "Root/Servers" -> "Servers") ->
a tag, or with ``groups_as="clients"`` its top level names the client. Icon
and times are left out on purpose; any other column -> a custom text field.
CSV carries no UUIDs: the stable id is a hash of group, title, username and
URL. (The KDBX or XML export keeps history and attachments; prefer them.)
"""

from __future__ import annotations

from pathlib import Path

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.registry import Format, Probe
from importers.tabular import RowIds, column, host_of, keep_rest, load_table

NAME = "keepassxc-csv"
COLUMNS = (
    "Group",
    "Title",
    "Username",
    "Password",
    "URL",
    "Notes",
    "TOTP",
    "Icon",
    "Last Modified",
    "Created",
)


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a KeePassXC CSV export."""
    table = load_table(path)
    parsed = Parsed(NAME, NAME)
    ids = RowIds()
    for line, row in table.rows:
        parts = [p for p in column(row, "Group").split("/") if p.strip()]
        path_parts = parts[1:]  # the first part is the root group's name
        client = None
        tag_parts = path_parts
        if options.groups_as == "clients" and path_parts:
            client, tag_parts = path_parts[0], path_parts[1:]
        url, username, title = column(row, "URL"), column(row, "Username"), column(row, "Title")
        draft = RecordDraft(
            ids("/".join(parts), title, username, url),
            "credential",
            title or host_of(url) or username,
            tags=["/".join(tag_parts)] if tag_parts else [],
            client=client,
            origin=f"{path}, line {line}",
        )
        draft.put("username", username)
        draft.put("password", row.get("Password", ""))
        draft.put("url", url)
        draft.put("notes", column(row, "Notes"))
        draft.put("totp", column(row, "TOTP").strip())
        keep_rest(draft, row, COLUMNS, parsed)
        parsed.add(draft)
    if any(column(row, "Created") or column(row, "Last Modified") for _, row in table.rows):
        parsed.note_dates_left_out()
    return parsed


def sniff(probe: Probe) -> int:
    """Sure on KeePassXC's header."""
    keys = probe.header_keys
    return 90 if keys[:6] == ["group", "title", "username", "password", "url", "notes"] else 0


FORMAT = Format(
    NAME,
    "KeePassXC CSV",
    parse,
    sniff,
    description="a CSV export from KeePassXC",
)
