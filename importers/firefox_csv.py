"""Firefox password exports (``firefox-csv``).

Columns ``url,username,password,httpRealm,formActionOrigin,guid,timeCreated,
timeLastUsed,timePasswordChanged``.

Mapping: each row -> ``credential`` titled by the site's host; url,
username, password; httpRealm -> custom "HTTP realm", formActionOrigin ->
custom "Form action origin". The timestamps are left out on purpose (the vault
keeps its own). The stable id is the row's guid (a hash of URL and username
when missing).
"""

from __future__ import annotations

from pathlib import Path

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.registry import Format, Probe
from importers.tabular import RowIds, column, host_of, keep_rest, load_table
from vault.fields import FieldKind

NAME = "firefox-csv"
COLUMNS = (
    "url",
    "username",
    "password",
    "httpRealm",
    "formActionOrigin",
    "guid",
    "timeCreated",
    "timeLastUsed",
    "timePasswordChanged",
)


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a Firefox password CSV."""
    table = load_table(path)
    parsed = Parsed(NAME, NAME)
    ids = RowIds()
    for line, row in table.rows:
        url = column(row, "url")
        username = column(row, "username")
        guid = column(row, "guid").strip().strip("{}")
        draft = RecordDraft(
            guid or ids(url, username),
            "credential",
            host_of(url) or url or username,
            origin=f"{path}, line {line}",
        )
        draft.put("username", username)
        draft.put("password", row.get("password", ""))
        draft.put("url", url)
        draft.put("HTTP realm", column(row, "httpRealm"), FieldKind.TEXT)
        draft.put("Form action origin", column(row, "formActionOrigin"), FieldKind.TEXT)
        keep_rest(draft, row, COLUMNS, parsed)
        parsed.add(draft)
    dated = ("timeCreated", "timeLastUsed", "timePasswordChanged")
    if any(column(row, name) for _, row in table.rows for name in dated):
        parsed.note_dates_left_out()
    return parsed


def sniff(probe: Probe) -> int:
    """Sure on Firefox's header."""
    keys = probe.header_keys
    return 90 if keys[:3] == ["url", "username", "password"] and "formactionorigin" in keys else 0


FORMAT = Format(
    NAME,
    "Firefox passwords CSV",
    parse,
    sniff,
    description="passwords exported from Firefox",
)
