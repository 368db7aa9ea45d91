"""Bitwarden CSV exports (``bitwarden-csv``), personal or organisation.

Columns ``folder,favorite,type,name,notes,fields,reprompt,login_uri,
login_username,login_password,login_totp`` (organisation exports have
``collections`` instead of ``folder``).

Mapping: ``login`` rows -> ``credential`` (the first URI -> url, further
URIs -> custom URL fields ``url_2``...; login_totp -> totp); ``note`` rows ->
``procedure`` (the note as body). The ``fields`` cell holds one ``name: value``
per line -> custom text fields. Folder or collections -> tags (with
``groups_as="clients"`` the top level names the client); favorite -> tag
"favorite". Other item types are not in Bitwarden's CSV (use the JSON export).
The stable id is a hash of folder, type, name, username and first URI.
"""

from __future__ import annotations

from pathlib import Path

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.registry import Format, Probe
from importers.tabular import RowIds, column, keep_rest, load_table
from vault.fields import FieldKind

NAME = "bitwarden-csv"
COLUMNS = (
    "folder",
    "collections",
    "favorite",
    "type",
    "name",
    "notes",
    "fields",
    "reprompt",
    "login_uri",
    "login_username",
    "login_password",
    "login_totp",
)


def _custom_fields(draft: RecordDraft, text: str, parsed: Parsed) -> None:
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition(": ")
        if not sep:
            name, value = f"Field {number}", line
        draft.put(name.strip() or f"Field {number}", value, FieldKind.TEXT)
        parsed.note_unmapped(name.strip() or f"Field {number}")


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a Bitwarden CSV export."""
    table = load_table(path)
    parsed = Parsed(NAME, NAME)
    ids = RowIds()
    for line, row in table.rows:
        origin = f"{path}, line {line}"
        kind = column(row, "type").strip().lower() or "login"
        group = column(row, "folder") or column(row, "collections")
        groups = [g.strip() for g in group.split(",") if g.strip()] if group else []
        name = column(row, "name")
        uris = [u.strip() for u in column(row, "login_uri").split(",") if u.strip()]
        username = column(row, "login_username")
        if kind not in ("login", "note"):
            parsed.skip(origin, f"Bitwarden item type '{kind[:20]}' is not in its CSV export")
            continue
        client = None
        tags = list(groups)
        if options.groups_as == "clients" and groups:
            top, _, rest = groups[0].partition("/")
            client, tags = top, ([rest] if rest else []) + groups[1:]
        if column(row, "favorite").strip() in ("1", "true"):
            tags.append("favorite")
        draft = RecordDraft(
            ids(group, kind, name, username, uris[0] if uris else ""),
            "procedure" if kind == "note" else "credential",
            name or (uris[0] if uris else username),
            tags=tags,
            client=client,
            origin=origin,
        )
        notes = column(row, "notes")
        if kind == "note":
            draft.put("body", notes or name or "(empty note)")
        else:
            draft.put("notes", notes)
            draft.put("username", username)
            draft.put("password", row.get("login_password", ""))
            draft.put("totp", column(row, "login_totp").strip())
            if uris:
                draft.put("url", uris[0])
            for number, uri in enumerate(uris[1:], 2):
                draft.put(f"url_{number}", uri, FieldKind.URL)
        _custom_fields(draft, column(row, "fields"), parsed)
        keep_rest(draft, row, COLUMNS, parsed)
        parsed.add(draft)
    return parsed


def sniff(probe: Probe) -> int:
    """Sure on Bitwarden's header."""
    keys = set(probe.header_keys)
    if {"loginuri", "loginusername", "loginpassword", "type", "name"} <= keys:
        return 90
    return 0


FORMAT = Format(
    NAME,
    "Bitwarden CSV",
    parse,
    sniff,
    description="a Bitwarden vault or organisation export in CSV",
)
