"""1Password 8 CSV exports (``1password-csv``).

Columns ``Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes``.

Mapping: each row -> ``credential``; OTPAuth -> totp; Tags (comma or
semicolon separated) -> tags; Favorite -> tag "favorite"; Archived -> tag
"archived"; Notes -> notes; any other column -> a custom text field. The
CSV has logins only; the 1PUX export carries every item type, sections,
history and files (see :mod:`importers.onepassword_1pux`). The stable id is a
hash of title, URL and username.
"""

from __future__ import annotations

import re
from pathlib import Path

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.registry import Format, Probe
from importers.tabular import RowIds, column, host_of, keep_rest, load_table

NAME = "1password-csv"
COLUMNS = (
    "Title",
    "Url",
    "Username",
    "Password",
    "OTPAuth",
    "Favorite",
    "Archived",
    "Tags",
    "Notes",
)


def _true(text: str) -> bool:
    return text.strip().casefold() in ("true", "1", "yes")


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a 1Password 8 CSV export."""
    table = load_table(path)
    parsed = Parsed(NAME, NAME)
    ids = RowIds()
    for line, row in table.rows:
        title, url, username = (
            column(row, "Title"),
            column(row, "Url", "URL"),
            column(row, "Username"),
        )
        tags = [t.strip() for t in re.split(r"[,;]", column(row, "Tags")) if t.strip()]
        if _true(column(row, "Favorite")):
            tags.append("favorite")
        if _true(column(row, "Archived")):
            tags.append("archived")
        draft = RecordDraft(
            ids(title, url, username),
            "credential",
            title or host_of(url) or username,
            tags=tags,
            origin=f"{path}, line {line}",
        )
        draft.put("username", username)
        draft.put("password", row.get("Password", ""))
        draft.put("url", url)
        draft.put("totp", column(row, "OTPAuth").strip())
        draft.put("notes", column(row, "Notes"))
        keep_rest(draft, row, COLUMNS, parsed)
        parsed.add(draft)
    return parsed


def sniff(probe: Probe) -> int:
    """Sure on 1Password 8's header."""
    keys = set(probe.header_keys)
    return 90 if {"title", "url", "username", "password", "otpauth"} <= keys else 0


FORMAT = Format(
    NAME,
    "1Password 8 CSV",
    parse,
    sniff,
    description="a CSV export from 1Password 8",
)
