"""Bitwarden unencrypted JSON exports (``bitwarden-json``), personal or organisation.

Mapping:

- Login (type 1) -> ``credential``: username, password, totp (a bare secret or
  an otpauth:// URI; ``steam://`` codes are kept as a secret custom field), the
  first URI -> url, further URIs -> custom URL fields ``url_2``, ``url_3``...;
  password history -> earlier versions of the record (oldest first).
- Secure note (2) -> ``procedure`` with the note as body (its name when empty).
- Card (3) -> ``credential`` with custom fields Cardholder name, Brand, Number
  (secret), Expiry (MM/YYYY) and Security code (secret).
- Identity (4) -> ``contact``: email, phone; salutation, names, company, address,
  username -> custom text; SSN, passport and licence numbers -> custom secret.
- SSH key (5) -> ``credential`` with Private key (secret), Public key and
  Fingerprint custom fields.
- Custom fields: text (0) -> text, hidden (1) -> secret, boolean (2) -> text
  "true"/"false", linked (3) -> text naming the linked field.
- Folders and collections -> tags; with ``groups_as="clients"`` the top-level
  part of the first collection (or folder) names the client.
- Favourite -> tag "favorite". Notes -> notes (body for secure notes).
- Skipped and reported: items in the trash, passkeys (FIDO2 credentials cannot
  leave the authenticator), unknown item types.
- An encrypted export is refused with a message saying how to export it.

The stable id is the item's id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from importers.base import UNTITLED, ImportOptions, Parsed, RecordDraft, Revision
from importers.fitting import clean_label
from importers.inputs import MAX_ITEMS, expect, parse_json, read_bytes, text_of
from importers.registry import Format, Probe
from vault.errors import ImportInputError
from vault.fields import FieldKind

NAME = "bitwarden-json"

LINKED = {
    100: "Username",
    101: "Password",
    300: "Cardholder name",
    301: "Expiry month",
    302: "Expiry year",
    303: "Security code",
    304: "Brand",
    305: "Number",
    400: "Title",
    401: "Middle name",
    402: "Address 1",
    403: "Address 2",
    404: "Address 3",
    405: "City",
    406: "State",
    407: "Postal code",
    408: "Country",
    409: "Company",
    410: "Email",
    411: "Phone",
    412: "SSN",
    413: "Username",
    414: "Passport number",
    415: "Licence number",
    416: "First name",
    417: "Last name",
    418: "Full name",
}

TYPES = {1: "login", 2: "secure note", 3: "card", 4: "identity", 5: "SSH key"}


def _fields(item: dict, draft: RecordDraft, parsed: Parsed, where: str) -> None:
    raw = item.get("fields") or []
    for index, entry in enumerate(expect(raw, list, where, "'fields'")):
        entry = expect(entry, dict, where, f"fields[{index}]")
        name = text_of(entry.get("name")) or f"Field {index + 1}"
        kind = entry.get("type", 0)
        value = text_of(entry.get("value"))
        if kind == 1:
            draft.put(name, value, FieldKind.SECRET)
        elif kind == 3:
            linked = LINKED.get(entry.get("linkedId"), "another field")
            draft.put(name, f"(linked to {linked})", FieldKind.TEXT)
        else:
            draft.put(name, value, FieldKind.TEXT)
        parsed.note_unmapped(name)


def _login(item: dict, draft: RecordDraft, options: ImportOptions, where: str) -> None:
    login = expect(item.get("login") or {}, dict, where, "'login'")
    draft.put("username", text_of(login.get("username")))
    draft.put("password", text_of(login.get("password")))
    code = text_of(login.get("totp")).strip()
    if code.lower().startswith("steam://"):
        draft.put("Steam Guard", code, FieldKind.SECRET)
    else:
        draft.put("totp", code)
    uris = expect(login.get("uris") or [], list, where, "'login.uris'")
    urls = [text_of(expect(u, dict, where, "a login URI").get("uri")).strip() for u in uris]
    urls = [u for u in urls if u]
    if urls:
        draft.put("url", urls[0])
    for number, url in enumerate(urls[1:], 2):
        draft.put(f"url_{number}", url, FieldKind.URL)
    history = expect(item.get("passwordHistory") or [], list, where, "'passwordHistory'")
    if options.history and history:
        olds = []
        for entry in history:
            entry = expect(entry, dict, where, "a password history entry")
            olds.append((text_of(entry.get("lastUsedDate")), text_of(entry.get("password"))))
        for _, password in sorted(olds):
            fields = dict(draft.fields)
            if password:
                fields["password"] = password
            else:
                fields.pop("password", None)
            draft.history.append(Revision(draft.title, fields, dict(draft.custom)))


def _card(item: dict, draft: RecordDraft, where: str) -> None:
    card = expect(item.get("card") or {}, dict, where, "'card'")
    draft.put("Cardholder name", text_of(card.get("cardholderName")), FieldKind.TEXT)
    draft.put("Brand", text_of(card.get("brand")), FieldKind.TEXT)
    draft.put("Number", text_of(card.get("number")), FieldKind.SECRET)
    month, year = text_of(card.get("expMonth")).strip(), text_of(card.get("expYear")).strip()
    if month or year:
        draft.put("Expiry", f"{month.zfill(2) if month else '??'}/{year or '????'}", FieldKind.TEXT)
    draft.put("Security code", text_of(card.get("code")), FieldKind.SECRET)


def _identity(item: dict, draft: RecordDraft, where: str) -> None:
    ident = expect(item.get("identity") or {}, dict, where, "'identity'")
    get = lambda key: text_of(ident.get(key)).strip()  # noqa: E731
    draft.put("email", get("email"))
    draft.put("phone", get("phone"))
    for key, label in (
        ("title", "Salutation"),
        ("firstName", "First name"),
        ("middleName", "Middle name"),
        ("lastName", "Last name"),
        ("company", "Company"),
        ("username", "Username"),
    ):
        draft.put(label, get(key), FieldKind.TEXT)
    address = "\n".join(
        part
        for part in (
            get("address1"),
            get("address2"),
            get("address3"),
            " ".join(p for p in (get("postalCode"), get("city")) if p),
            get("state"),
            get("country"),
        )
        if part
    )
    draft.put("Address", address, FieldKind.TEXT)
    for key, label in (
        ("ssn", "SSN"),
        ("passportNumber", "Passport number"),
        ("licenseNumber", "Licence number"),
    ):
        draft.put(label, get(key), FieldKind.SECRET)


def _ssh(item: dict, draft: RecordDraft, where: str) -> None:
    key = expect(item.get("sshKey") or {}, dict, where, "'sshKey'")
    draft.put("Private key", text_of(key.get("privateKey")), FieldKind.SECRET)
    draft.put("Public key", text_of(key.get("publicKey")), FieldKind.TEXT)
    draft.put("Fingerprint", text_of(key.get("keyFingerprint")), FieldKind.TEXT)


def _names(data: dict, key: str, file: object) -> dict[str, str]:
    out = {}
    for index, entry in enumerate(expect(data.get(key) or [], list, file, f"'{key}'")):
        entry = expect(entry, dict, file, f"{key}[{index}]")
        out[text_of(entry.get("id"))] = text_of(entry.get("name")).strip()
    return out


def read_items(data: Any, file: object, options: ImportOptions) -> Parsed:
    """Read a parsed Bitwarden export (a dict with ``items``) into drafts."""
    data = expect(data, dict, file, "the export")
    if data.get("encrypted") is True:
        raise ImportInputError(
            "is an encrypted Bitwarden export; export again choosing 'JSON' "
            "(not 'JSON (Encrypted)') and delete that file after importing",
            file=file,
        )
    if "items" not in data:
        raise ImportInputError("is not a Bitwarden export (no 'items')", file=file, field="items")
    folders = _names(data, "folders", file)
    collections = _names(data, "collections", file)
    items = expect(data["items"], list, file, "'items'")
    if len(items) > MAX_ITEMS:
        raise ImportInputError(f"holds more than {MAX_ITEMS:,} items", file=file)
    parsed = Parsed(NAME, NAME)
    for index, item in enumerate(items):
        item = expect(item, dict, file, f"items[{index}]")
        name = text_of(item.get("name")).strip()
        where = f"{file}, items[{index}]"
        origin = f"item '{name[:60] or index + 1}'"
        kind = item.get("type")
        if item.get("deletedDate"):
            parsed.skip(origin, "in the Bitwarden trash")
            continue
        if kind not in TYPES:
            parsed.skip(origin, f"unknown item type {text_of(kind)!r}")
            continue
        ident = text_of(item.get("id")).strip() or f"index-{index}"
        groups = [collections.get(text_of(c), "") for c in (item.get("collectionIds") or [])]
        folder = folders.get(text_of(item.get("folderId")), "") if item.get("folderId") else ""
        groups = [g for g in [*groups, folder] if g]
        client = None
        tags = list(groups)
        if options.groups_as == "clients" and groups:
            top, _, rest = groups[0].partition("/")
            client = top
            tags = [rest, *groups[1:]] if rest else groups[1:]
            if len([g for g in groups if g.partition("/")[0] != top]) > 0:
                parsed.warn(f"{origin} is in several collections; it goes to client '{top}'")
        if item.get("favorite") is True:
            tags.append("favorite")
        record_type = {2: "procedure", 4: "contact"}.get(kind, "credential")
        draft = RecordDraft(ident, record_type, name, tags=tags, client=client, origin=origin)
        notes = text_of(item.get("notes"))
        if kind == 2:
            draft.put("body", notes if notes.strip() else name or "(empty note)")
        else:
            draft.put("notes", notes)
        if kind == 1:
            _login(item, draft, options, where)
            login = item.get("login") or {}
            if isinstance(login, dict) and login.get("fido2Credentials"):
                parsed.skip(f"{origin}, passkey", "passkeys cannot be exported or imported")
        elif kind == 3:
            _card(item, draft, where)
        elif kind == 4:
            _identity(item, draft, where)
        elif kind == 5:
            _ssh(item, draft, where)
        _fields(item, draft, parsed, where)
        named = f"items[{index}].attachments"
        for attachment in expect(item.get("attachments") or [], list, file, named):
            file_name = text_of(attachment.get("fileName")) if isinstance(attachment, dict) else ""
            parsed.skip(
                f"{origin}, attachment '{clean_label(file_name, 80) or '?'}'",
                "a Bitwarden export holds no attachment files; download it from Bitwarden "
                "and attach it to the record",
            )
        if not draft.title.strip():
            draft.title = (
                draft.fields.get("url", "") or draft.fields.get("username", "") or UNTITLED
            )
        parsed.add(draft)
    return parsed


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a Bitwarden JSON export."""
    return read_items(parse_json(read_bytes(path), path), path, options)


def sniff(probe: Probe) -> int:
    """Sure on a JSON object with ``items`` and ``encrypted`` or ``folders``/``collections``."""
    text = probe.text.lstrip()
    if not text.startswith("{") or '"items"' not in text:
        return 0
    if '"encrypted"' in text or '"folders"' in text or '"collections"' in text:
        return 95
    return 40


FORMAT = Format(
    NAME,
    "Bitwarden JSON (unencrypted)",
    parse,
    sniff,
    description="a Bitwarden vault or organisation export in JSON, not encrypted",
)
