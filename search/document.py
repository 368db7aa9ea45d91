"""From a decrypted record to what the index stores: catalog values, sections, FTS columns.

A :class:`Document` is the searchable view of one record head. Its *sections*
are the texts that may be searched and shown in snippets, each labelled with
the field it comes from and assigned to one FTS5 column:

============  ===============================================================
column        holds
============  ===============================================================
``title``     the record title
``tags``      the record's tags
``fields``    short field values (text, URL, e-mail, phone, IP, date, number,
              choice, tags fields; custom fields) and attachment file names
``body``      Markdown and multi-line text fields, the text of
              ``.txt``/``.md``/``.csv``/``.log`` attachments (first 1 MiB each),
              and the labels of the fields the record fills in (so "wifi
              password" finds the Wi-Fi credential: the label, never the value)
``facets``    filter tokens: scope, type, tags, and the year, month and day
              of creation and last change (weight 0, never shown)
``name``      the title again, only when it has at most :data:`NAME_TOKENS`
              tokens (a hostname, a person, "FortiGate admin"): weight 0, used
              to find records whose title *is* what was searched for
============  ===============================================================

Besides the sections, a document carries what the window needs to draw
relations and overviews without decrypting: its *links* (the records it links
to or names in a reference field) and its *facts* (the values of its date and
number fields: expiry, review and rotation dates, service dates, escalation
order). Neither is ever a secret kind.

Secret kinds (:data:`vault.fields.SECRET_KINDS`) are dropped here, before
anything is tokenised; so are reference fields (record ids) and fields whose
kind is unknown (a record whose template has gone), because an unknown kind
might be a secret. Tombstones have no sections: they stay in the catalog (for
a trash list) and leave the full-text index.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from search import tokens
from vault.fields import SECRET_KINDS, FieldKind
from vault.model import Attachment, Record
from vault.templates import Template

TEXT_ATTACHMENTS = (".txt", ".md", ".csv", ".log")
"""Attachments whose text is indexed (by file name ending, any case)."""

ATTACHMENT_TEXT_LIMIT = 1024 * 1024
"""How many bytes of each text attachment are indexed."""

NAME_TOKENS = 3
"""Titles of at most this many tokens are copied into the ``name`` column."""

SHORT_TEXT = 200
"""A text field longer than this (or with a line break) goes to the body column."""

COLUMNS = ("title", "tags", "fields", "body", "facets", "name")
"""The FTS5 columns, in table order."""

FACT_KINDS = frozenset({FieldKind.DATE, FieldKind.NUMBER})
"""Field kinds whose values are kept as facts (short, structured, never secret)."""

MAX_FACT = 64
"""Longer values of a fact kind are not kept (a valid date or number is far shorter)."""

_UNSAFE = re.compile(r"[^\w" + re.escape(tokens.JOINERS) + "]")
_BODY_KINDS = frozenset({FieldKind.MARKDOWN})
_SKIPPED_KINDS = frozenset({*SECRET_KINDS, FieldKind.REFERENCE})

AttachmentReader = Callable[[Attachment], str]
"""Returns the leading text of a text attachment (see :func:`read_text`)."""


@dataclass(frozen=True)
class Section:
    """One searchable text of a record.

    Attributes:
        label: What a person calls it: "Title", "Tags", a field's label, or
            "Attachment" (file name) / the file name (its text).
        column: The FTS5 column it is indexed in.
        text: The text.
        phone: Whether it is a phone number (its digits are indexed as well).
    """

    label: str
    column: str
    text: str
    phone: bool = False


@dataclass(frozen=True)
class Document:
    """The searchable view of one record head."""

    id: str
    scope_id: str
    type: str
    title: str
    tags: tuple[str, ...]
    columns: dict[str, str]
    created: str
    updated: str
    deleted: bool
    sections: tuple[Section, ...]
    stamp: str = ""
    links: tuple[str, ...] = ()
    facts: dict[str, str] = field(default_factory=dict)
    prepared: Prepared | None = field(default=None, compare=False, repr=False)

    def sections_json(self) -> str:
        """The sections as compact JSON."""
        return dump_sections(self.sections)

    def sections_packed(self) -> bytes | str:
        """The sections as the index stores them (:func:`pack_sections`, or JSON if prepared)."""
        if self.prepared is not None:
            return self.prepared.packed
        return pack_sections(self.sections)

    def streams(self) -> Streams:
        """The FTS5 column values (:func:`streams`), computed once if it was built prepared."""
        if self.prepared is not None:
            return self.prepared.streams
        return streams(self)


@dataclass(frozen=True)
class Prepared:
    """What the store derives from a document, worked out ahead (``build(..., prepared=True)``).

    On open, the catch-up tokenises the changed records while the snapshot is
    still being decrypted on another thread; the store then only inserts. The
    sections are kept as JSON text, not deflated (:func:`unpack_sections` reads both).
    """

    streams: Streams
    packed: bytes | str


def dump_sections(sections: Iterable[Section]) -> str:
    """Sections as compact JSON: ``[[label, column, text, phone], ...]``."""
    return json.dumps(
        [[s.label, s.column, s.text, int(s.phone)] for s in sections],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def load_sections(text: str | bytes) -> tuple[Section, ...]:
    """Sections from :func:`dump_sections` output."""
    return tuple(
        Section(label, column, body, bool(phone)) for label, column, body, phone in json.loads(text)
    )


_LABELS = (
    "Kind", "Hostname", "FQDN", "IP addresses", "MAC address", "Serial number", "Manufacturer",
    "Model", "Operating system", "Warranty expires", "Licence expires", "Notes", "Username",
    "URL", "Rotation due", "Procedure", "Review due", "What", "Why", "Approved by",
    "Approved on", "Status", "Date", "Technician", "Work done", "Ticket", "Minutes spent",
    "Role", "Phone", "Mobile", "Email", "Escalation order", "May approve changes", "Address",
    "Access notes", "Opening hours", "Support hours", "Response time", "Escalation path",
    "Starts on", "Ends on",
)  # fmt: skip
_ZDICT = (
    "".join(f'["{label}","{column}","' for column in ("body", "fields") for label in _LABELS)
    + '",0],["Attachment","fields","",0],["Fields","body","'
    + '[["Title","title","'
).encode()
"""The preset dictionary of :func:`pack_sections`: what most stored sections start with.

Part of the index format (:data:`search.store.FORMAT`): changing it makes
every stored section unreadable, so it is frozen here rather than derived from
the templates, and a change must bump the format.
"""


_PACKER = zlib.compressobj(6, zdict=_ZDICT)
_UNPACKER = zlib.decompressobj(zdict=_ZDICT)


def pack_sections(sections: Iterable[Section]) -> bytes:
    """Sections as stored in the index: :func:`dump_sections` JSON, deflated.

    A preset dictionary of the labels and JSON framing most records share makes
    short records compress too: at 100,000 demo records the stored sections
    shrink from 49 MB to 22 MB, and so does every snapshot load.
    """
    packer = _PACKER.copy()  # primed once: setting the dictionary costs more than deflating
    return packer.compress(dump_sections(sections).encode()) + packer.flush()


def unpack_sections(blob: bytes | str) -> tuple[Section, ...]:
    """Sections from :func:`pack_sections` output, or from :func:`dump_sections` JSON.

    The catch-up on open stores plain JSON (:class:`Prepared`): deflating cost
    a tenth of the catch-up's time, for a few hundred bytes a record.
    """
    if isinstance(blob, str):
        return load_sections(blob)
    unpacker = _UNPACKER.copy()
    return load_sections(unpacker.decompress(blob) + unpacker.flush())


def build(
    record: Record,
    kinds: Mapping[str, FieldKind],
    template: Template | None,
    attachments: Iterable[Attachment] = (),
    read: AttachmentReader | None = None,
    *,
    prepared: bool = False,
) -> Document:
    """The document for one record head.

    Args:
        record: The decrypted record (a tombstone gives a document without sections).
        kinds: Every field's kind (``vault.kinds(record)``).
        template: The record's template, for labels and list columns (None if gone).
        attachments: The record's attachments.
        read: Reads the leading text of a text attachment; None skips attachment text.
        prepared: Tokenise it now (:class:`Prepared`), for the catch-up on open.
    """
    labels = {f.name: f.label for f in template.fields} if template else {}
    listed = [f.name for f in template.list_columns()] if template else []
    columns = {
        name: record.fields[name]
        for name in listed
        if record.fields.get(name) and kinds.get(name) not in _SKIPPED_KINDS
    }
    sections: tuple[Section, ...] = ()
    links: tuple[str, ...] = ()
    facts: dict[str, str] = {}
    ready: Prepared | None = None
    if not record.deleted:
        sections = tuple(_sections(record, kinds, labels, attachments, read))
        if prepared:
            values = streams_of(
                sections, record.scope_id, record.type, record.tags, record.created, record.updated
            )
            ready = Prepared(values, dump_sections(sections))
        links = linked_ids(record, kinds)
        facts = {
            name: value.strip()
            for name, value in record.fields.items()
            if kinds.get(name) in FACT_KINDS and value.strip() and len(value) <= MAX_FACT
        }
    return Document(
        id=record.id,
        scope_id=record.scope_id,
        type=record.type,
        title=record.title,
        tags=tuple(record.tags),
        columns=columns,
        created=record.created,
        updated=record.updated,
        deleted=record.deleted,
        sections=sections,
        stamp=stamp(record),
        links=links,
        facts=facts,
        prepared=ready,
    )


def linked_ids(record: Record, kinds: Mapping[str, FieldKind]) -> tuple[str, ...]:
    """The records ``record`` relates to: its links, then its reference fields' values."""
    found = [*record.links]
    found += [
        value.strip()
        for name, value in record.fields.items()
        if kinds.get(name) is FieldKind.REFERENCE and value.strip()
    ]
    return tuple(i for i in dict.fromkeys(found) if i != record.id)


def is_due(name: str) -> bool:
    """Whether a date field of this name is something that expires or falls due.

    Warranties, licences, certificates and domains (``*expire*``, ``*expiry*``),
    rotation and review dates (``*_due``) and agreement ends (``ends_on``);
    custom date fields named the same way count too.
    """
    name = name.casefold()
    return "expire" in name or "expiry" in name or name.endswith("_due") or name == "ends_on"


def stamp(record: Record) -> str:
    """What identifies the indexed state of a record: a digest of its version id and change time.

    Adding an attachment changes the time but not the version, so both are
    needed. A 96-bit digest rather than the two themselves: at 100,000 records
    that is 4 MB less to store and to load.
    """
    return hashlib.blake2b(f"{record.vid}@{record.updated}".encode(), digest_size=12).hexdigest()


def _sections(
    record: Record,
    kinds: Mapping[str, FieldKind],
    labels: Mapping[str, str],
    attachments: Iterable[Attachment],
    read: AttachmentReader | None,
) -> Iterator[Section]:
    yield Section("Title", "title", record.title)
    if record.tags:
        yield Section("Tags", "tags", ", ".join(record.tags))
    body: list[Section] = []
    for name, value in record.fields.items():
        kind = kinds.get(name)
        if kind is None or kind in _SKIPPED_KINDS or not value:
            continue
        label = labels.get(name, name)
        long = kind in _BODY_KINDS or "\n" in value or len(value) > SHORT_TEXT
        section = Section(label, "body" if long else "fields", value, kind is FieldKind.PHONE)
        if long:
            body.append(section)
        else:
            yield section
    names = [labels.get(name, name) for name, value in record.fields.items() if value]
    if names:
        body.append(Section("Fields", "body", ", ".join(names)))
    for attachment in attachments:
        yield Section("Attachment", "fields", attachment.name)
        if read is not None and attachment.name.lower().endswith(TEXT_ATTACHMENTS):
            text = read(attachment)
            if text.strip():
                body.append(Section(attachment.name, "body", text))
    yield from body


Streams = tuple[str, str, str, str, str, str]


def streams(document: Document) -> Streams:
    """The FTS5 column values of a live document (see :data:`COLUMNS`)."""
    return streams_of(
        document.sections,
        document.scope_id,
        document.type,
        document.tags,
        document.created,
        document.updated,
    )


def streams_of(
    sections: Iterable[Section],
    scope_id: str,
    type: str,
    tags: Iterable[str],
    created: str,
    updated: str,
) -> Streams:
    """The FTS5 column values from stored sections (to add, and to remove exactly)."""
    by_column: dict[str, list[str]] = {"title": [], "tags": [], "fields": [], "body": []}
    extra: dict[str, list[str]] = {"fields": [], "body": []}
    for section in sections:
        if section.column == "tags":
            by_column["tags"].extend(tag.strip() for tag in section.text.split(","))
            continue
        by_column[section.column].append(section.text)
        if section.phone:
            extra[section.column].extend(tokens.phone_digits(section.text))
    title = tokens.stream(by_column["title"])
    words = title.split(f" {tokens.SEPARATOR} ", 1)[0]
    short = bool(words) and words.count(" ") < NAME_TOKENS
    return (
        title,
        tokens.stream(by_column["tags"]),
        tokens.stream(by_column["fields"], extra["fields"]),
        tokens.stream(by_column["body"], extra["body"]),
        facets(scope_id, type, tags, created, updated),
        title if short else "",
    )


def facets(scope_id: str, type: str, tags: Iterable[str], created: str, updated: str) -> str:
    """Filter tokens (no query word can produce them): ``=s=<scope> =t=<type> =g=<tag>``,
    and the year, month and day a record was created (``=c=2026``, ``=c=2026-03``,
    ``=c=2026-03-15``) and last changed (``=u=...``), in UTC."""
    words = [facet("s", scope_id), facet("t", type)]
    words.extend(facet("g", tag) for tag in tags)
    for kind, when in (("c", created), ("u", updated)):
        day = when[:10]
        if len(day) == 10:
            words += [f"={kind}={day[:4]}", f"={kind}={day[:7]}", f"={kind}={day}"]
    return " ".join(dict.fromkeys(words))


@lru_cache(maxsize=1 << 14)
def facet(kind: str, value: str) -> str:
    """One filter token; characters FTS5 would split on become ``_``."""
    safe = _UNSAFE.sub("_", tokens.normalise(value).casefold())
    return f"={kind}={safe}"[: tokens.MAX_TOKEN]


def read_text(chunks: Iterable[bytes], limit: int = ATTACHMENT_TEXT_LIMIT) -> str:
    """Decode the first ``limit`` bytes of a byte stream as text (UTF-8, or UTF-16 with a BOM).

    Undecodable bytes become U+FFFD; the stream is not read past ``limit``.
    """
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        if len(buffer) >= limit:
            break
    data = bytes(buffer[:limit])
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")
