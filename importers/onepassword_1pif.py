"""1Password 4-7 interchange files (``1password-1pif``): ``data.1pif``.

One JSON object per item, separated by lines
``***5642bee8-a5ff-11dc-8314-0800200c9a66***``.

Mapping by ``typeName``:

- ``webforms.WebForm``, ``passwords.Password``, ``wallet.computer.*`` (router,
  server, database), ``wallet.onlineservices.*`` and the other wallet types ->
  ``credential``: the fields designated username/password, ``location`` or
  the first URL -> url (further URLs -> ``url_2``...), section fields ->
  custom fields by their titles (``concealed`` -> secret, an otp field ->
  totp; dates -> YYYY-MM-DD).
- ``securenotes.SecureNote`` -> ``procedure`` (notes as body).
- ``identities.Identity`` -> ``contact``.
- ``wallet.computer.License`` -> ``configuration`` of kind licence.
- Folders (``system.folder.Regular``) -> tags (nested folders as paths), or
  with ``groups_as="clients"`` the top folder names the client; openContents
  tags -> tags; password history -> earlier versions.
- Skipped and reported: tombstones, trashed items, saved searches.

The stable id is the item's uuid.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from importers.base import UNTITLED, ImportOptions, Parsed, RecordDraft, Revision
from importers.inputs import MAX_ITEMS, decode_text, expect, parse_json, read_bytes, text_of
from importers.registry import Format, Probe
from vault.errors import ImportInputError
from vault.fields import FieldKind

NAME = "1password-1pif"
SEPARATOR = re.compile(r"^\*\*\*[0-9a-f-]{36}\*\*\*\s*$", re.M)


def _section_value(field: dict) -> tuple[str, str]:
    kind, raw = text_of(field.get("k")), field.get("v")
    if kind == "date" and isinstance(raw, (int, float)):
        try:
            return kind, datetime.datetime.fromtimestamp(raw, datetime.UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return kind, text_of(raw)
    if kind == "address" and isinstance(raw, dict):
        lines = [
            raw.get("street"),
            " ".join(text_of(raw.get(k)) for k in ("zip", "city") if raw.get(k)),
            raw.get("state"),
            raw.get("country"),
        ]
        return kind, "\n".join(text_of(p) for p in lines if text_of(p).strip())
    return kind, text_of(raw)


def _folders(items: list[dict]) -> dict[str, str]:
    raw = {
        text_of(i.get("uuid")): i
        for i in items
        if text_of(i.get("typeName")).startswith("system.folder")
    }
    out: dict[str, str] = {}
    for uuid, folder in raw.items():
        names, current, seen = [], folder, set()
        while current is not None and text_of(current.get("uuid")) not in seen and len(names) < 64:
            seen.add(text_of(current.get("uuid")))
            names.insert(0, text_of(current.get("title")).strip() or "(folder)")
            current = raw.get(text_of(current.get("folderUuid")))
        out[uuid] = "/".join(names)
    return out


def _item(
    item: dict,
    folders: dict[str, str],
    options: ImportOptions,
    parsed: Parsed,
    file: object,
    index: int,
) -> None:
    type_name = text_of(item.get("typeName"))
    title = text_of(item.get("title")).strip()
    origin = f"{file}, item '{title[:60] or index}'"
    if type_name.startswith("system.folder"):
        return
    if type_name == "system.Tombstone" or item.get("trashed"):
        parsed.skip(origin, "deleted or in the trash")
        return
    if type_name.startswith("system."):
        parsed.skip(origin, f"'{type_name}' is not an item")
        return
    record_type = "credential"
    if type_name == "securenotes.SecureNote":
        record_type = "procedure"
    elif type_name == "identities.Identity":
        record_type = "contact"
    elif type_name == "wallet.computer.License":
        record_type = "configuration"
    contents = expect(item.get("secureContents") or {}, dict, origin, "secureContents")
    folder = folders.get(text_of(item.get("folderUuid")), "")
    tags: list[str] = []
    client = None
    if folder and options.groups_as == "clients":
        client, _, rest = folder.partition("/")
        if rest:
            tags.append(rest)
    elif folder:
        tags.append(folder)
    open_contents = item.get("openContents") if isinstance(item.get("openContents"), dict) else {}
    tags.extend(text_of(t) for t in open_contents.get("tags") or [] if text_of(t).strip())
    draft = RecordDraft(
        text_of(item.get("uuid")) or f"index-{index}",
        record_type,
        title,
        tags=tags,
        client=client,
        origin=origin,
    )
    notes = text_of(contents.get("notesPlain"))
    if record_type == "procedure":
        draft.put("body", notes or title or "(empty note)")
    else:
        draft.put("notes", notes)
    if record_type == "configuration":
        draft.put("kind", "license")
    for field in contents.get("fields") or []:
        if not isinstance(field, dict):
            continue
        designation, value = text_of(field.get("designation")), text_of(field.get("value"))
        if (
            designation in ("username", "password")
            and record_type == "credential"
            and not draft.fields.get(designation)
        ):
            draft.put(designation, value)
        elif value and text_of(field.get("type")) != "B":  # B: a form's submit button
            name = text_of(field.get("name")) or "Field"
            draft.put(
                name,
                value,
                FieldKind.SECRET if text_of(field.get("type")) == "P" else FieldKind.TEXT,
            )
            parsed.note_unmapped(name)
    if contents.get("password") and not draft.fields.get("password"):
        draft.put("password", text_of(contents.get("password")))
    urls = [text_of(item.get("location"))] + [
        text_of(u.get("url")) for u in contents.get("URLs") or [] if isinstance(u, dict)
    ]
    urls = [u for u in dict.fromkeys(urls) if u.strip()]
    if urls and record_type == "credential":
        draft.put("url", urls.pop(0))
    for number, url in enumerate(urls, 2):
        draft.put(f"url_{number}", url, FieldKind.URL)
    for section in contents.get("sections") or []:
        if not isinstance(section, dict):
            continue
        for field in section.get("fields") or []:
            if not isinstance(field, dict):
                continue
            kind, text = _section_value(field)
            if not text:
                continue
            name = text_of(field.get("t")) or text_of(field.get("n")) or "Field"
            if (
                text_of(field.get("n")).startswith("TOTP_")
                or kind == "otp"
                or text.startswith("otpauth://")
            ) and not draft.fields.get("totp"):
                draft.put("totp", text)
                continue
            if (
                record_type == "contact"
                and kind in ("email", "phone")
                and not draft.fields.get(kind)
            ):
                draft.put(kind, text)
            elif record_type == "configuration" and text_of(field.get("n")) == "reg_code":
                draft.put("license_key", text)
            else:
                draft.put(name, text, FieldKind.SECRET if kind == "concealed" else FieldKind.TEXT)
                parsed.note_unmapped(name)
    history = [h for h in contents.get("passwordHistory") or [] if isinstance(h, dict)]
    if options.history and history and record_type == "credential":
        for entry in sorted(
            history, key=lambda h: h.get("time") if isinstance(h.get("time"), int) else 0
        ):
            fields = dict(draft.fields)
            fields["password"] = text_of(entry.get("value"))
            draft.history.append(Revision(title, fields, dict(draft.custom)))
    if not draft.title.strip():
        draft.title = draft.fields.get("url") or draft.fields.get("username") or UNTITLED
    parsed.add(draft)


def read_records(text: str, file: object) -> list[tuple[int, Any]]:
    """Split a 1PIF text into (line, parsed JSON object) pairs."""
    out: list[tuple[int, Any]] = []
    position, line = 0, 1
    for match in [*SEPARATOR.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[position:end]
        if chunk.strip():
            first = line + chunk[: len(chunk) - len(chunk.lstrip())].count("\n")
            out.append((first, parse_json(chunk.lstrip(), file, first_line=first)))
            if len(out) > MAX_ITEMS:
                raise ImportInputError(f"holds more than {MAX_ITEMS:,} items", file=file)
        line += text[position : (match.end() if match else len(text))].count("\n")
        position = match.end() if match else len(text)
    return out


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a 1PIF file (or a .1pif folder holding data.1pif)."""
    if path.is_dir():
        path = path / "data.1pif"
    text = decode_text(read_bytes(path), path)
    records = read_records(text, path)
    items = [expect(obj, dict, f"{path}, line {line}", "an item") for line, obj in records]
    folders = _folders(items)
    parsed = Parsed(NAME, NAME)
    for index, item in enumerate(items, 1):
        _item(item, folders, options, parsed, path, index)
    return parsed


def sniff(probe: Probe) -> int:
    """Sure on the 1PIF separator line."""
    if probe.is_dir:
        return 90 if "data.1pif" in probe.names else 0
    return 95 if SEPARATOR.search(probe.text) and '"typeName"' in probe.text else 0


FORMAT = Format(
    NAME,
    "1Password 1PIF",
    parse,
    sniff,
    folder=True,
    description="a 1Password 4-7 interchange file (data.1pif)",
)
