"""1Password 8 exports (``1password-1pux``): the ``.1pux`` zip with ``export.data`` and files.

Mapping by category:

- Login (001), Password (005), Server (110), Database (102), Email account
  (111), API credential (112), Wireless router (109), SSH key (114) and the
  wallet items (card 002, bank account 101, licences and documents 103-108,
  115...) -> ``credential``: the username/password login fields and the
  first URL to their fields, further URLs -> ``url_2``...; section fields
  -> custom fields named after their titles (concealed -> secret; a TOTP
  field -> totp, a second one -> secret; dates -> YYYY-MM-DD; month/year ->
  YYYY-MM; addresses -> one text block; files -> attachments).
- Secure note (003) -> ``procedure`` (notes as body).
- Identity (004) -> ``contact`` (email and phone from the identity section).
- Software licence (100) -> ``configuration`` of kind licence (the licence
  key -> license_key).
- Document (006) -> ``procedure`` with the document attached.
- Password history -> earlier versions (oldest first). Notes -> notes.
- Vaults -> a tag "vault: NAME"; with ``groups_as="clients"`` the vault names
  the client. Tags stay tags; favourites get "favorite"; archived items get
  "archived". Items in the trash are skipped and reported.

The stable id is the item's uuid.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from importers.base import (
    UNTITLED,
    AttachmentDraft,
    ImportOptions,
    Parsed,
    RecordDraft,
    Revision,
)
from importers.inputs import MAX_ITEMS, Tree, expect, parse_json, text_of
from importers.registry import Format, Probe
from vault.errors import ImportInputError
from vault.fields import FieldKind

NAME = "1password-1pux"
NOTE, IDENTITY, DOCUMENT, LICENCE = "003", "004", "006", "100"


def _value(value: Any) -> tuple[str, str]:
    """(kind, text) of a 1PUX field value such as ``{"concealed": "x"}``."""
    if not isinstance(value, dict) or not value:
        return "string", text_of(value)
    kind, raw = next(iter(value.items()))
    if kind == "date" and isinstance(raw, (int, float)):
        try:
            return kind, datetime.datetime.fromtimestamp(raw, datetime.UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return kind, text_of(raw)
    if kind == "monthYear" and isinstance(raw, int):
        return kind, f"{raw // 100:04d}-{raw % 100:02d}"
    if kind == "address" and isinstance(raw, dict):
        parts = [
            raw.get("street"),
            " ".join(p for p in (text_of(raw.get("zip")), text_of(raw.get("city"))) if p),
            raw.get("state"),
            raw.get("country"),
        ]
        return kind, "\n".join(text_of(p) for p in parts if text_of(p).strip())
    if kind == "email" and isinstance(raw, dict):
        return kind, text_of(raw.get("email_address"))
    if kind == "sshKey" and isinstance(raw, dict):
        return "concealed", text_of(raw.get("privateKey"))
    if kind == "file" and isinstance(raw, dict):
        return kind, text_of(raw.get("documentId")) + "\x1f" + text_of(raw.get("fileName"))
    return kind, text_of(raw)


def _file(
    tree: Tree, document_id: str, file_name: str, parsed: Parsed, origin: str
) -> AttachmentDraft | None:
    for name in tree.names():
        if name.startswith("files/") and name[6:].startswith(f"{document_id}__"):
            return AttachmentDraft(file_name or name[6 + len(document_id) + 2 :], tree.read(name))
    parsed.skip(f"{origin}, file '{file_name}'", "the file is not in the export")
    return None


def _target(draft: RecordDraft, kind: str, title: str, ident: str) -> str:
    """The template field a section field belongs in ('' for a custom field)."""
    folded = title.casefold()
    wanted = ""
    if kind == "totp":
        wanted = "totp"
    elif draft.type == "contact" and kind in ("email", "phone"):
        wanted = kind
    elif draft.type == "configuration" and (
        ident == "reg_code" or folded in ("license key", "licence key")
    ):
        wanted = "license_key"
    elif draft.type == "credential" and folded in ("username", "password", "url", "website"):
        wanted = "url" if folded == "website" else folded
    return wanted if wanted and not draft.fields.get(wanted) else ""


def _sections(details: dict, draft: RecordDraft, tree: Tree, parsed: Parsed, origin: str) -> None:
    for section in expect(details.get("sections") or [], list, origin, "sections"):
        section = expect(section, dict, origin, "a section")
        for entry in expect(section.get("fields") or [], list, origin, "section fields"):
            entry = expect(entry, dict, origin, "a section field")
            title = text_of(entry.get("title")) or text_of(entry.get("id")) or "Field"
            kind, text = _value(entry.get("value"))
            if kind == "file":
                document_id, _, file_name = text.partition("\x1f")
                found = _file(tree, document_id, file_name, parsed, origin)
                if found:
                    draft.attachments.append(found)
                continue
            if not text:
                continue
            target = _target(draft, kind, title, text_of(entry.get("id")))
            if target:
                draft.put(target, text)
            else:
                secret = kind in ("concealed", "totp", "creditCardNumber") or bool(
                    entry.get("guarded")
                )
                draft.put(title, text, FieldKind.SECRET if secret else FieldKind.TEXT)
                parsed.note_unmapped(title)


def _history_time(entry: dict) -> int:
    time = entry.get("time")
    return time if isinstance(time, int) else 0


def _item(
    item: dict, vault_name: str, tree: Tree, options: ImportOptions, parsed: Parsed, index: int
) -> None:
    overview = expect(item.get("overview") or {}, dict, tree.path, "an item's overview")
    details = expect(item.get("details") or {}, dict, tree.path, "an item's details")
    title = text_of(overview.get("title")).strip()
    origin = f"item '{title[:60] or index}' in vault '{vault_name}'"
    state = text_of(item.get("state")) or "active"
    if state == "deleted" or item.get("trashed"):
        parsed.skip(origin, "in the 1Password trash")
        return
    category = text_of(item.get("categoryUuid"))
    record_type = {
        NOTE: "procedure",
        DOCUMENT: "procedure",
        IDENTITY: "contact",
        LICENCE: "configuration",
    }.get(category, "credential")
    tags = [text_of(t) for t in overview.get("tags") or [] if text_of(t).strip()]
    client = vault_name if options.groups_as == "clients" and vault_name else None
    if not client and vault_name:
        tags.insert(0, f"vault: {vault_name}")
    if item.get("favIndex"):
        tags.append("favorite")
    if state == "archived":
        tags.append("archived")
    draft = RecordDraft(
        text_of(item.get("uuid")) or f"index-{index}",
        record_type,
        title,
        tags=tags,
        client=client,
        origin=origin,
    )
    notes = text_of(details.get("notesPlain"))
    if record_type == "procedure":
        draft.put("body", notes or title or "(empty note)")
    else:
        draft.put("notes", notes)
    if record_type == "configuration":
        draft.put("kind", "license")
    for field in expect(details.get("loginFields") or [], list, origin, "loginFields"):
        field = expect(field, dict, origin, "a login field")
        designation = text_of(field.get("designation"))
        value = text_of(field.get("value"))
        if designation in ("username", "password") and not draft.fields.get(designation):
            draft.put(designation, value)
        elif value:
            name = text_of(field.get("name")) or text_of(field.get("id")) or "Login field"
            kind = FieldKind.SECRET if text_of(field.get("fieldType")) == "P" else FieldKind.TEXT
            draft.put(name, value, kind)
            parsed.note_unmapped(name)
    if details.get("password") and not draft.fields.get("password"):
        draft.put("password", text_of(details.get("password")))
    urls = [text_of(u.get("url")) for u in overview.get("urls") or [] if isinstance(u, dict)]
    urls = [u for u in dict.fromkeys([text_of(overview.get("url")), *urls]) if u.strip()]
    if urls and record_type == "credential":
        draft.put("url", urls[0])
        urls = urls[1:]
    for number, url in enumerate(urls, 2):
        draft.put(f"url_{number}", url, FieldKind.URL)
    _sections(details, draft, tree, parsed, origin)
    document = details.get("documentAttributes")
    if isinstance(document, dict):
        found = _file(
            tree,
            text_of(document.get("documentId")),
            text_of(document.get("fileName")),
            parsed,
            origin,
        )
        if found:
            draft.attachments.append(found)
    history = [h for h in details.get("passwordHistory") or [] if isinstance(h, dict)]
    if options.history and history and record_type == "credential":
        for entry in sorted(history, key=_history_time):
            fields = dict(draft.fields)
            fields["password"] = text_of(entry.get("value"))
            draft.history.append(Revision(title, fields, dict(draft.custom)))
    if not draft.title.strip():
        draft.title = draft.fields.get("url") or draft.fields.get("username") or UNTITLED
    parsed.add(draft)


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a 1Password ``.1pux`` export."""
    parsed = Parsed(NAME, NAME)
    with Tree(path) as tree:
        tree.report_left_out(parsed.skip)
        name = tree.find("export.data")
        if name is None:
            raise ImportInputError("is not a 1PUX export (no export.data inside)", file=path)
        label = tree.label(name)
        data = expect(parse_json(tree.read(name), label), dict, label, "export.data")
        count = 0
        for account in expect(data.get("accounts") or [], list, label, "'accounts'"):
            account = expect(account, dict, label, "an account")
            for vault in expect(account.get("vaults") or [], list, label, "'vaults'"):
                vault = expect(vault, dict, label, "a vault")
                attrs = expect(vault.get("attrs") or {}, dict, label, "a vault's attrs")
                vault_name = text_of(attrs.get("name")).strip()
                for item in expect(vault.get("items") or [], list, label, "'items'"):
                    count += 1
                    if count > MAX_ITEMS:
                        raise ImportInputError(f"holds more than {MAX_ITEMS:,} items", file=label)
                    item = expect(item, dict, label, "an item")
                    _item(
                        item.get("item", item) if isinstance(item.get("item"), dict) else item,
                        vault_name,
                        tree,
                        options,
                        parsed,
                        count,
                    )
    return parsed


def sniff(probe: Probe) -> int:
    """Sure on a zip holding export.data (and export.attributes)."""
    names = {n.lower() for n in probe.names}
    if (probe.is_zip or probe.is_dir) and "export.data" in names:
        return 95
    return 0


FORMAT = Format(
    NAME,
    "1Password 8 (.1pux)",
    parse,
    sniff,
    folder=True,
    description="a 1Password 8 export in its .1pux format",
)
