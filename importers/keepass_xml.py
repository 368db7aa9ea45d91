"""KeePass 2 / KeePassXC XML (``keepass-xml``), and the reader the KDBX importer shares.

Mapping (every entry becomes a ``credential``):

- Title, UserName, Password, URL, Notes -> title, username, password, url, notes.
- TOTP: the ``otp`` string (an otpauth:// URI) -> totp; KeePassXC's legacy
  ``TOTP Seed``/``TOTP Settings`` pair -> totp as an otpauth:// URI (kept as
  secret custom fields when ``otp`` already says something different, or when
  the settings cannot be read, e.g. Steam codes).
- Keepass2Android's ``KP2A_URL``, ``KP2A_URL_1``... -> custom URL fields
  ``url_2``, ``url_3``...
- Every other string -> a custom field: secret when protected
  (``Protected``/``ProtectInMemory``), else text.
- Attachments (``Binary`` by reference to ``Meta/Binaries``, base64, gzip
  compressed or not, or inline) -> attachments.
- Entry history -> earlier versions of the record, oldest first.
- Expiry (``Times/Expires`` true) -> rotation_due.
- Tags (``;`` or ``,`` separated) -> tags.
- Groups -> a tag holding the group path ("Network/Firewalls"); with
  ``groups_as="clients"`` the top-level group names the client and the rest
  of the path is the tag. A group's notes -> a ``procedure`` record.
- A non-default Auto-Type sequence or window associations and an Override URL
  -> custom text fields.
- Ignored on purpose: icons, colours, custom icons, usage counts, timestamps
  (the vault keeps its own), KeePassXC's per-entry CustomData (browser
  integration settings).
- Skipped and reported: the recycle bin and entries listed as deleted objects.

The stable id is the entry's UUID (hex); KDBX imports share the ``keepass``
prefix, so importing a database as XML and later as KDBX finds the same records.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree.ElementTree import Element

from crypto import totp
from crypto.errors import TotpError
from importers.base import (
    UNTITLED,
    AttachmentDraft,
    ImportOptions,
    Parsed,
    RecordDraft,
    Revision,
)
from importers.gcpause import pausing
from importers.inputs import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_ITEMS,
    Budget,
    inflate,
    parse_xml,
    read_bytes,
)
from importers.registry import Format, Probe
from vault.errors import ImportInputError
from vault.fields import FieldKind

NAME = "keepass-xml"
PREFIX = "keepass"

STANDARD = {
    "Title": "title",
    "UserName": "username",
    "Password": "password",
    "URL": "url",
    "Notes": "notes",
}
_KP2A_URL = re.compile(r"KP2A_URL(?:_(\d+))?")
_TAG_SEPARATORS = re.compile(r"[;,]")
_KDBX4_EPOCH = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)


def _text(element: Element | None) -> str:
    return "" if element is None or element.text is None else element.text


def _child_text(element: Element, tag: str) -> str:
    return _text(element.find(tag))


def parse_time(text: str) -> datetime.date | None:
    """A KeePass time: ISO 8601 (XML exports, KDBX 3) or base64 seconds since year 1 (KDBX 4)."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 8:
        return None
    seconds = int.from_bytes(raw, "little")
    try:
        return (_KDBX4_EPOCH + datetime.timedelta(seconds=seconds)).date()
    except OverflowError:
        return None


def uuid_hex(text: str) -> str:
    """A KeePass UUID (base64 of 16 bytes) as 32 hex digits; '' if it is not one."""
    try:  # base64.b64decode(text.strip(), validate=True), without its Python layer
        raw = binascii.a2b_base64(text.strip().encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        return ""
    return raw.hex() if len(raw) == 16 and any(raw) else ""


@dataclass
class _Strings:
    fields: dict[str, str] = field(default_factory=dict)
    custom: dict[str, FieldKind] = field(default_factory=dict)
    title: str = ""


@dataclass
class _Context:
    file: object
    options: ImportOptions
    parsed: Parsed
    binaries: dict[str, bytes | None]
    budget: Budget
    deleted: set[str]
    recycle_bin: str
    entries: int = 0


def _read_binaries(meta: Element | None, ctx: _Context) -> None:
    if meta is None:
        return
    for binary in meta.findall("Binaries/Binary"):
        ident = binary.get("ID", "")
        ctx.binaries[ident] = _decode_binary(binary, ctx, f'<Binary ID="{ident}">')


def _decode_binary(element: Element, ctx: _Context, where: str) -> bytes | None:
    text = "".join(_text(element).split())
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        ctx.parsed.warn(f"{ctx.file}: {where} is not valid base64; its attachments are skipped")
        return None
    if element.get("Compressed", "").casefold() == "true":
        try:
            data = inflate(data, ctx.file, where, ctx.budget, MAX_FILE_BYTES)
        except ImportInputError as exc:
            ctx.parsed.warn(f"{exc}; its attachments are skipped")
            return None
    return data


def _string_elements(entry: Element) -> list[tuple[str, Element | None]]:
    """An entry's ``<String>`` elements as (key, value element), in document order."""
    pairs = []
    append = pairs.append
    for string in entry.findall("String"):
        key = string.find("Key")  # what _child_text(string, "Key") reads, inlined
        append(("" if key is None or key.text is None else key.text, string.find("Value")))
    return pairs


def _protected(value: Element | None) -> bool:
    return value is not None and (
        value.get("Protected", "").casefold() == "true"
        or value.get("ProtectInMemory", "").casefold() == "true"
    )


def _strings(
    entry: Element,
    ctx: _Context,
    origin: str,
    pairs: list[tuple[str, Element | None]] | None = None,
) -> _Strings:
    out = _Strings()
    extra_urls: list[tuple[int, str]] = []
    legacy: dict[str, str] = {}
    for key, value_element in _string_elements(entry) if pairs is None else pairs:
        value = "" if value_element is None or value_element.text is None else value_element.text
        if key == "Title":
            out.title = value
        elif key in STANDARD:
            out.fields[STANDARD[key]] = value
        elif key == "otp":
            out.fields["totp"] = value
        elif key in ("TOTP Seed", "TOTP Settings"):
            legacy[key] = value
        elif key.startswith("KP2A_URL") and (match := _KP2A_URL.fullmatch(key)):
            extra_urls.append((int(match.group(1) or 0), value))
        else:
            kind = FieldKind.SECRET if _protected(value_element) else FieldKind.TEXT
            _custom(out, key or "Field", value, kind)
            if value.strip():
                ctx.parsed.note_unmapped(key)
    _legacy_totp(out, legacy, ctx, origin)
    urls = [url for _, url in sorted(extra_urls) if url.strip()]
    if urls and not out.fields.get("url", "").strip():
        out.fields["url"] = urls.pop(0)
    for number, url in enumerate(urls, 2):
        _custom(out, f"url_{number}", url, FieldKind.URL)
    return out


def _custom(out: _Strings, name: str, value: str, kind: FieldKind) -> None:
    base, number = name, 2
    while name in out.fields:
        name = f"{base} ({number})"
        number += 1
    out.fields[name] = value
    out.custom[name] = kind


def _legacy_totp(out: _Strings, legacy: dict[str, str], ctx: _Context, origin: str) -> None:
    seed = legacy.get("TOTP Seed", "")
    if not seed.strip():
        if legacy.get("TOTP Settings", "").strip():
            _custom(out, "TOTP Settings", legacy["TOTP Settings"], FieldKind.TEXT)
        return
    try:
        spec = totp.parse_keepassxc(seed, legacy.get("TOTP Settings"))
    except (TotpError, ValueError) as exc:
        ctx.parsed.warn(f"{origin}: its TOTP Seed cannot be read ({exc}); kept as custom fields")
        for key, value in legacy.items():
            _custom(out, key, value, FieldKind.SECRET)
        return
    current = out.fields.get("totp", "").strip()
    if not current:
        issuer = " ".join(out.title.split())[:100] or None
        account = " ".join(out.fields.get("username", "").split())[:100] or None
        out.fields["totp"] = replace(spec, issuer=issuer, account=account).to_uri()
        return
    try:
        same = _same_code(totp.parse(current), spec)
    except (TotpError, ValueError):
        same = False
    if not same:
        for key, value in legacy.items():
            _custom(out, key, value, FieldKind.SECRET)


def _same_code(a: totp.TotpSpec, b: totp.TotpSpec) -> bool:
    return (a.secret, a.digits, a.period, a.algorithm) == (
        b.secret,
        b.digits,
        b.period,
        b.algorithm,
    )


def _attachments(entry: Element, ctx: _Context, origin: str) -> list[AttachmentDraft]:
    out: list[AttachmentDraft] = []
    for binary in entry.findall("Binary"):
        name = _child_text(binary, "Key") or "attachment"
        value = binary.find("Value")
        if value is None:
            continue
        ref = value.get("Ref")
        data: bytes | None
        if ref is not None:
            if ref not in ctx.binaries:
                ctx.parsed.skip(
                    f"{origin}, attachment '{name}'", f"refers to a missing binary {ref}"
                )
                continue
            data = ctx.binaries[ref]
        else:
            data = _decode_binary(value, ctx, f"{origin}, attachment '{name}'")
        if data is None:
            ctx.parsed.skip(f"{origin}, attachment '{name}'", "its data cannot be decoded")
            continue
        out.append(AttachmentDraft(name, data))
    return out


def _auto_type(entry: Element) -> str:
    auto = entry.find("AutoType")
    if auto is None:
        return ""
    lines = []
    sequence = _child_text(auto, "DefaultSequence").strip()
    if sequence:
        lines.append(f"Default sequence: {sequence}")
    for association in auto.findall("Association"):
        window = _child_text(association, "Window").strip()
        keys = _child_text(association, "KeystrokeSequence").strip()
        if window or keys:
            lines.append(f"{window}: {keys or '(default sequence)'}")
    return "\n".join(lines)


def _entry_content(
    entry: Element,
    ctx: _Context,
    origin: str,
    pairs: list[tuple[str, Element | None]] | None = None,
) -> _Strings:
    strings = _strings(entry, ctx, origin, pairs)
    auto = _auto_type(entry)
    if auto:
        _custom(strings, "Auto-Type", auto, FieldKind.TEXT)
    override = _child_text(entry, "OverrideURL").strip()
    if override:
        _custom(strings, "Override URL", override, FieldKind.TEXT)
    times = entry.find("Times")
    if times is not None and _child_text(times, "Expires").strip().casefold() == "true":
        expiry = parse_time(_child_text(times, "ExpiryTime"))
        if expiry is not None:
            strings.fields["rotation_due"] = expiry.isoformat()
    return strings


def _fallback_title(strings: _Strings) -> str:
    if strings.title.strip():
        return strings.title
    url = strings.fields.get("url", "").strip()
    if url:
        return re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.I).split("/")[0] or url
    return strings.fields.get("username", "").strip() or UNTITLED


def _entry(
    entry: Element, path: list[str], client: str | None, ctx: _Context, group: list[str]
) -> None:
    """Read one entry. ``path`` is its tag path (without the client's group when groups
    become clients), which its fallback source id hashes; ``group`` is its whole group
    path, which messages name."""
    ctx.entries += 1
    if ctx.entries > MAX_ITEMS:
        raise ImportInputError(f"holds more than {MAX_ITEMS:,} entries", file=ctx.file)
    raw_uuid = _child_text(entry, "UUID")
    ident = uuid_hex(raw_uuid)
    pairs = _string_elements(entry)
    title_guess = _first_string(pairs, "Title")
    where = "/".join(path) or "the root group"
    origin = (
        f"entry '{title_guess[:60] or '(untitled)'}' in '{'/'.join(group) or 'the root group'}'"
    )
    if ident and ident in ctx.deleted:
        ctx.parsed.skip(origin, "listed as deleted in the database")
        return
    strings = _entry_content(entry, ctx, origin, pairs)
    if not ident:
        ident = (
            "h"
            + hashlib.sha256(
                "\x1f".join([where, strings.title, strings.fields.get("username", "")]).encode(
                    "utf-8", "surrogatepass"
                )
            ).hexdigest()[:32]
        )
        ctx.parsed.warn(
            f"{origin} has no valid UUID; re-importing it may create a duplicate if it moves"
        )
    attachments = _attachments(entry, ctx, origin)
    history: list[Revision] = []
    histories = entry.findall("History")
    seen_data = (
        {(a.name, hashlib.sha256(a.data).digest()) for a in attachments} if histories else set()
    )
    for old in [e for h in histories for e in h.findall("Entry")]:
        old_strings = _entry_content(old, ctx, origin)
        history.append(
            Revision(_fallback_title(old_strings), old_strings.fields, old_strings.custom)
        )
        for attachment in _attachments(old, ctx, f"{origin} (history)"):
            key = (attachment.name, hashlib.sha256(attachment.data).digest())
            if key not in seen_data:
                seen_data.add(key)
                attachments.append(attachment)
    tags = [t for t in _TAG_SEPARATORS.split(_child_text(entry, "Tags")) if t.strip()]
    if path:
        tags.insert(0, "/".join(path))
    ctx.parsed.add(
        RecordDraft(
            source_id=ident,
            type="credential",
            title=_fallback_title(strings),
            fields=strings.fields,
            custom=strings.custom,
            tags=tags,
            client=client,
            attachments=attachments,
            history=history if ctx.options.history else [],
            origin=origin,
        )
    )


def _first_string(pairs: list[tuple[str, Element | None]], key: str) -> str:
    for name, value in pairs:
        if name == key:
            return " ".join(_text(value).split())
    return ""


def _walk(root_group: Element, ctx: _Context) -> None:
    by_clients = ctx.options.groups_as == "clients"
    stack: list[tuple[Element, list[str]]] = [(root_group, [])]
    while stack:
        group, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise ImportInputError(
                f"nests groups deeper than {MAX_DEPTH} levels",
                file=ctx.file,
                field="/".join(path[:5]),
            )
        client = path[0] if by_clients and path else None
        tag_path = path[1:] if by_clients else path
        notes = _child_text(group, "Notes")
        if path and notes.strip():
            ident = (
                uuid_hex(_child_text(group, "UUID"))
                or hashlib.sha256("/".join(path).encode("utf-8", "surrogatepass")).hexdigest()[:32]
            )
            ctx.parsed.add(
                RecordDraft(
                    source_id=f"group:{ident}",
                    type="procedure",
                    title=path[-1],
                    fields={"body": notes},
                    tags=["/".join(tag_path)] if tag_path else [],
                    client=client,
                    origin=f"notes of group '{'/'.join(path)}'",
                )
            )
        for entry in group.findall("Entry"):
            _entry(entry, tag_path, client, ctx, path)
        children = []
        for child in group.findall("Group"):
            name = " ".join(_child_text(child, "Name").split()) or "(unnamed group)"
            child_uuid = uuid_hex(_child_text(child, "UUID"))
            if ctx.recycle_bin and child_uuid == ctx.recycle_bin:
                count = sum(1 for e in child.iter("Entry")) - sum(
                    len(h.findall("Entry")) for h in child.iter("History")
                )
                ctx.parsed.skip(
                    f"group '{'/'.join([*path, name])}'",
                    f"the recycle bin ({count} entr{'y' if count == 1 else 'ies'}) is not imported",
                )
                continue
            if child_uuid and child_uuid in ctx.deleted:
                ctx.parsed.skip(
                    f"group '{'/'.join([*path, name])}'", "listed as deleted in the database"
                )
                continue
            children.append((child, [*path, name]))
        stack.extend(reversed(children))


def read_tree(
    root: Element,
    file: object,
    options: ImportOptions,
    *,
    format_name: str = NAME,
    binaries: dict[str, bytes] | None = None,
    budget: Budget | None = None,
) -> Parsed:
    """Read a KeePass XML document (an export, or a decrypted KDBX payload).

    Args:
        root: The ``<KeePassFile>`` element.
        file: The file's name for messages.
        options: Import options (groups as tags or clients, history).
        format_name: The format to report ("keepass-xml" or "kdbx").
        binaries: Attachments by reference id, for KDBX 4 (whose binaries
            live outside the XML); None to read ``Meta/Binaries``.
        budget: The inflation budget of this import.

    Raises:
        ImportInputError: Not a KeePass document, or beyond the limits.
    """
    if root.tag != "KeePassFile":
        raise ImportInputError(
            f"is not a KeePass XML file (it starts with <{root.tag}>)", file=file
        )
    parsed = Parsed(format_name, PREFIX)
    meta = root.find("Meta")
    recycle = ""
    if meta is not None and _child_text(meta, "RecycleBinEnabled").strip().casefold() != "false":
        recycle = uuid_hex(_child_text(meta, "RecycleBinUUID"))
    deleted = {
        uuid_hex(_child_text(d, "UUID")) for d in root.findall("Root/DeletedObjects/DeletedObject")
    }
    deleted.discard("")
    ctx = _Context(
        file,
        options,
        parsed,
        dict(binaries) if binaries is not None else {},
        budget or Budget(),
        deleted,
        recycle,
    )
    if binaries is None:
        _read_binaries(meta, ctx)
    groups = root.findall("Root/Group")
    if not groups:
        raise ImportInputError("has no <Root><Group> element", file=file, field="Root")
    for group in groups:
        _walk(group, ctx)
    if parsed.drafts:  # every entry has its <Times>
        parsed.note_dates_left_out()
    return parsed


@pausing
def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a KeePass 2 / KeePassXC XML export."""
    data = read_bytes(path)
    return read_tree(parse_xml(data, path), path, options)


def sniff(probe: Probe) -> int:
    """Certain when the XML's root element is ``<KeePassFile>``."""
    text = probe.text[:4096].lstrip()
    if text.startswith("<") and "<KeePassFile" in text:
        return 100
    return 0


FORMAT = Format(
    NAME,
    "KeePass 2 / KeePassXC XML",
    parse,
    sniff,
    prefix=PREFIX,
    description="an XML export from KeePass 2 or KeePassXC",
)
