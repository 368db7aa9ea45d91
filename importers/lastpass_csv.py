"""LastPass CSV exports (``lastpass-csv``).

Columns ``url,username,password,totp,extra,name,grouping,fav`` (older exports
lack ``totp``).

Mapping:

- A site -> ``credential``: url, username, password, totp, extra -> notes,
  name -> title (the site's host when empty).
- A secure note (url ``http://sn``) -> ``procedure`` with extra as body;
  when extra starts with ``NoteType:`` its ``Key:Value`` lines become
  structured fields: Server, Database, Email Account, SSH Key, Wi-Fi and the
  wallet types (card, bank account, passport, licences...) -> ``credential``
  (Username/Password/URL/Hostname/Notes to their fields, anything else a
  custom field, secret when its name says so: password, PIN, number, code,
  key...); Software License -> ``configuration`` of kind licence (License
  Key -> license_key); Address -> ``contact``. ``Notes:`` runs to the end.
- grouping ("Clients\\Contoso\\Network", backslashes) -> the tag
  "Clients/Contoso/Network"; with ``groups_as="clients"`` the top level names
  the client. fav -> tag "favorite".

The stable id is a hash of grouping, name, username and URL.
"""

from __future__ import annotations

import re
from pathlib import Path

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.registry import Format, Probe
from importers.tabular import RowIds, column, host_of, keep_rest, load_table
from vault.fields import FieldKind

NAME = "lastpass-csv"
COLUMNS = ("url", "username", "password", "totp", "extra", "name", "grouping", "fav")
SECURE_NOTE = "http://sn"
SECRET_NAME = re.compile(
    r"password|passphrase|\bpin\b|card number|account number|security code|\bcvv\b|\bssn\b"
    r"|social security|routing number|\biban\b|private key|licen[cs]e key|\bsecret\b"
    r"|passport number|licen[cs]e number|\bkey\b",
    re.I,
)
KNOWN = {
    "username": "username",
    "user name": "username",
    "password": "password",
    "url": "url",
    "website": "url",
    "notes": "notes",
}


def note_fields(extra: str) -> tuple[str, list[tuple[str, str]]]:
    """Split a structured secure note into its NoteType and (key, value) pairs.

    ``Notes:`` takes everything after it, line breaks included.
    """
    lines = extra.replace("\r\n", "\n").split("\n")
    note_type = lines[0].partition(":")[2].strip()
    pairs: list[tuple[str, str]] = []
    for index, line in enumerate(lines[1:], 1):
        key, sep, value = line.partition(":")
        if not sep:
            if pairs:
                pairs[-1] = (pairs[-1][0], pairs[-1][1] + "\n" + line)
            continue
        if key.strip().casefold() == "notes":
            pairs.append(("Notes", "\n".join([value, *lines[index + 1 :]])))
            break
        pairs.append((key.strip(), value))
    return note_type, pairs


def _structured(
    draft: RecordDraft, note_type: str, pairs: list[tuple[str, str]], parsed: Parsed
) -> None:
    for key, value in pairs:
        folded = key.casefold()
        if draft.type == "configuration" and folded in ("license key", "licence key"):
            draft.put("license_key", value)
        elif draft.type == "contact" and folded in ("email address", "email"):
            draft.put("email", value)
        elif draft.type == "contact" and folded in ("phone", "mobile phone"):
            draft.put("phone" if folded == "phone" else "mobile", value)
        elif folded in ("hostname", "server", "host") and draft.type == "credential":
            draft.put("Hostname", value, FieldKind.TEXT)
        elif folded in KNOWN and (draft.type != "contact" or KNOWN[folded] == "notes"):
            draft.put(KNOWN[folded], value)
        else:
            kind = FieldKind.SECRET if SECRET_NAME.search(key) else FieldKind.TEXT
            draft.put(key or "Field", value, kind)
            parsed.note_unmapped(key)


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a LastPass CSV export."""
    table = load_table(path)
    parsed = Parsed(NAME, NAME)
    ids = RowIds()
    for line, row in table.rows:
        url, username, name = column(row, "url"), column(row, "username"), column(row, "name")
        grouping = column(row, "grouping").replace("\\", "/")
        parts = [p.strip() for p in grouping.split("/") if p.strip()]
        client = None
        if options.groups_as == "clients" and parts:
            client, parts = parts[0], parts[1:]
        tags = ["/".join(parts)] if parts else []
        if column(row, "fav").strip() == "1":
            tags.append("favorite")
        extra = row.get("extra", "")
        ident = ids(grouping, name, username, url)
        origin = f"{path}, line {line}"
        if url.strip().casefold() == SECURE_NOTE:
            note_type, pairs = note_fields(extra) if extra.startswith("NoteType:") else ("", [])
            record_type = "procedure"
            if note_type:
                record_type = {"software license": "configuration", "address": "contact"}.get(
                    note_type.casefold(), "credential"
                )
            draft = RecordDraft(
                ident,
                record_type,
                name or note_type or "Secure note",
                tags=tags,
                client=client,
                origin=origin,
            )
            if note_type:
                draft.put("Note type", note_type, FieldKind.TEXT)
                if record_type == "configuration":
                    draft.put("kind", "license")
                _structured(draft, note_type, pairs, parsed)
            else:
                draft.put("body", extra or name or "(empty note)")
        else:
            draft = RecordDraft(
                ident,
                "credential",
                name or host_of(url) or username,
                tags=tags,
                client=client,
                origin=origin,
            )
            draft.put("username", username)
            draft.put("password", row.get("password", ""))
            draft.put("url", url)
            draft.put("totp", column(row, "totp").strip())
            draft.put("notes", extra)
        keep_rest(draft, row, COLUMNS, parsed)
        parsed.add(draft)
    return parsed


def sniff(probe: Probe) -> int:
    """Sure on LastPass's header."""
    keys = set(probe.header_keys)
    return 90 if {"url", "username", "password", "extra", "name", "grouping"} <= keys else 0


FORMAT = Format(
    NAME,
    "LastPass CSV",
    parse,
    sniff,
    description="a CSV export from LastPass",
)
