"""Chrome, Edge and Brave password exports (``chrome-csv``).

Columns ``name,url,username,password`` and, in newer versions, ``note``.

Mapping: each row -> ``credential``; name -> title (the site when empty),
url, username, password, note -> notes. Any further column -> a custom text
field. The stable id is a hash of name, URL and username.
"""

from __future__ import annotations

from pathlib import Path

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.registry import Format, Probe
from importers.tabular import RowIds, column, host_of, keep_rest, load_table

NAME = "chrome-csv"
COLUMNS = ("name", "url", "username", "password")


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a Chrome/Edge/Brave password CSV."""
    table = load_table(path)
    parsed = Parsed(NAME, NAME)
    ids = RowIds()
    for line, row in table.rows:
        url = column(row, "url")
        title = column(row, "name") or host_of(url) or column(row, "username")
        username = column(row, "username")
        draft = RecordDraft(
            ids(column(row, "name"), url, username),
            "credential",
            title,
            origin=f"{path}, line {line}",
        )
        draft.put("username", username)
        draft.put("password", row.get("password", ""))
        draft.put("url", url)
        draft.put("notes", column(row, "note", "notes"))
        keep_rest(draft, row, [*COLUMNS, "note", "notes"], parsed)
        parsed.add(draft)
    return parsed


def sniff(probe: Probe) -> int:
    """Sure on the exact 4- or 5-column header."""
    keys = probe.header_keys
    if keys in (list(COLUMNS), [*COLUMNS, "note"]):
        return 90
    return 0


FORMAT = Format(
    NAME,
    "Chrome / Edge / Brave passwords CSV",
    parse,
    sniff,
    description="passwords exported from Chrome, Edge or Brave",
)
