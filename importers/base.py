"""The shapes every importer shares: record drafts, the parse result, options and the report.

An importer reads a foreign file into a :class:`Parsed`: a list of
:class:`RecordDraft` (what would become a record, with a stable source id),
user templates to create (IT Glue flexible assets), and what it could not
bring in (:class:`Skipped`) with the reason. Nothing is written here;
:mod:`importers.apply` turns a :class:`Parsed` into records, in one
transaction, and fills an :class:`ImportReport`.

Drafts use the vault's field names (see :mod:`vault.templates`). A value that
has no home in the template travels as a custom field; the fitting step
(:mod:`importers.fitting`) makes every draft valid without dropping anything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from vault.fields import FieldKind
from vault.templates import Template

GroupsAs = Literal["tags", "clients"]

PREVIEW_ROWS = 5
"""How many drafts a dry run shows."""


@dataclass
class AttachmentDraft:
    """A file to attach to the record: its name and its bytes."""

    name: str
    data: bytes


@dataclass
class Revision:
    """An earlier state of an item (KeePass history, Bitwarden password history)."""

    title: str
    fields: dict[str, str]
    custom: dict[str, FieldKind] = field(default_factory=dict)


@dataclass
class RecordDraft:
    """One record to be, as an importer read it.

    Attributes:
        source_id: Stable id of the item inside its format (a KeePass UUID, a
            Bitwarden id, a hash of a CSV row's identifying columns); the vault
            keeps ``"<prefix>:<source_id>"`` so a re-import finds the record.
        type: The record type (template id).
        title: The record's title.
        fields: Field name -> value: template fields by their machine name, any
            other name is a custom field.
        custom: Kinds of custom fields (a name missing here is text).
        tags: Tags.
        client: A client name for this record (IT Glue organization, a KeePass
            top-level group with ``groups_as="clients"``); None for the client
            the import is aimed at.
        attachments: Files to attach.
        links: Source ids of other drafts of the same import to relate to.
        refs: Reference field name -> source id of the record it points to.
        history: Earlier states, oldest first; each becomes a version.
        origin: Where the item is in the input, for messages ("line 12",
            "entry 'Router' in 'Network/Core'"); never contains a secret.
    """

    source_id: str
    type: str
    title: str
    fields: dict[str, str] = field(default_factory=dict)
    custom: dict[str, FieldKind] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    client: str | None = None
    attachments: list[AttachmentDraft] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)
    history: list[Revision] = field(default_factory=list)
    origin: str = ""

    def put(self, name: str, value: object, kind: FieldKind | None = None) -> None:
        """Set a field if ``value`` is not empty; ``kind`` declares a custom field's kind.

        A name already used gets " (2)", " (3)"... so two source fields with the
        same name both survive.
        """
        if value is None:
            return
        text = value if isinstance(value, str) else str(value)
        if text == "" or (kind is not FieldKind.SECRET and not text.strip()):
            return
        name = unique_name(name, self.fields)
        self.fields[name] = text
        if kind is not None:
            self.custom[name] = kind


def unique_name(name: str, taken: dict[str, Any] | set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... whichever is not in ``taken``."""
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


@dataclass(frozen=True)
class Skipped:
    """Something that could not be imported at all, and why."""

    item: str
    reason: str


SHOWN_UNMAPPED = 20
"""Names of fields kept as custom fields that a report lists; the rest are counted."""

UNTITLED = "Untitled"
"""The title of an item that has none and nothing to name it by (a URL, a user name)."""

DATES_LEFT_OUT = (
    "The file's own dates (created, changed, of earlier versions) are not kept: each "
    "record and its earlier versions carry the date of this import."
)
"""Every version's date is the signed time it was written; an imported date cannot be."""


@dataclass
class Parsed:
    """What an importer read: drafts, templates to add, and everything it noticed."""

    format: str
    prefix: str
    drafts: list[RecordDraft] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    dates_noted: bool = field(default=False, repr=False)

    def warn(self, message: str) -> None:
        """Note something the person should know (never a secret)."""
        self.warnings.append(message)

    def skip(self, item: str, reason: str) -> None:
        """Note an item that cannot be imported at all."""
        self.skipped.append(Skipped(item, reason))

    def note_dates_left_out(self) -> None:
        """Say (once) that the file's own dates are not kept: the vault dates what it signs."""
        if not self.dates_noted:
            self.dates_noted = True
            self.warnings.append(DATES_LEFT_OUT)

    def note_unmapped(self, name: str) -> None:
        """Note a source field name that had no home and became a custom field."""
        if name not in self.unmapped:
            self.unmapped.append(name)

    def add(self, draft: RecordDraft) -> RecordDraft:
        """Append a draft and return it."""
        self.drafts.append(draft)
        return draft


@dataclass
class ImportOptions:
    """Choices that change how a file is read.

    Attributes:
        groups_as: KeePass groups, Bitwarden folders and collections, LastPass
            groups and Markdown folders become tags, or (top level) clients.
        mapping: For CSV: column header -> target (see :mod:`importers.generic_csv`).
        record_type: For CSV: the record type of rows without a type column.
        passphrase: For KDBX: the database password.
        keyfile: For KDBX: the key file.
        history: Import earlier versions (KeePass history, password history).
    """

    groups_as: GroupsAs = "tags"
    mapping: dict[str, str] = field(default_factory=dict)
    record_type: str | None = None
    passphrase: str | None = None
    keyfile: Path | None = None
    history: bool = True


@dataclass
class ImportReport:
    """The outcome of an import or of its dry run (same shape for both).

    ``imported`` counts records created plus records updated; ``by_type``
    counts them per record type. ``unchanged`` are items already in the vault
    as they are in the file; ``preview`` holds the first drafts (no secrets).
    """

    format: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    attachments: int = 0
    templates: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    record_ids: list[str] = field(default_factory=list)

    def unmapped_shown(self) -> tuple[list[str], int]:
        """The custom field names a report lists by name, and how many more there are.

        A wide export can keep hundreds; the CLI and the window name the first
        :data:`SHOWN_UNMAPPED`.
        """
        return self.unmapped[:SHOWN_UNMAPPED], max(0, len(self.unmapped) - SHOWN_UNMAPPED)

    @property
    def imported(self) -> int:
        """Records created or updated (or that would be, in a dry run)."""
        return self.created + self.updated

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` object: format, imported, by_type, unmapped, skipped, warnings.

        Further keys follow those six: dry_run, created, updated, unchanged,
        attachments, templates, clients and preview.
        """
        return {
            "format": self.format,
            "imported": self.imported,
            "by_type": dict(sorted(self.by_type.items())),
            "unmapped": list(self.unmapped),
            "skipped": [{"item": s.item, "reason": s.reason} for s in self.skipped],
            "warnings": list(self.warnings),
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "attachments": self.attachments,
            "templates": list(self.templates),
            "clients": list(self.clients),
            "preview": list(self.preview),
        }
