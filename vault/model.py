"""The values the vault API hands out: records, versions, clients, attachments, reports.

Plain frozen dataclasses with no behaviour that touches storage, so the CLI, the
window and the search index can hold them freely. Secret field values are present
in a decrypted :class:`Record`; callers decide whether to show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from vault.fields import SECRET_KINDS, FieldKind


@dataclass(frozen=True)
class Member:
    """A person in the vault, as the unlocked member can see them."""

    id: str
    name: str
    role: str
    status: str
    fingerprint: str


@dataclass(frozen=True)
class Client:
    """A client organisation: one scope with its own key."""

    id: str
    name: str


@dataclass(frozen=True)
class Record:
    """One record at one version, decrypted and signature-checked."""

    id: str
    scope_id: str
    type: str
    title: str
    fields: dict[str, str]
    custom: dict[str, FieldKind] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    version: int = 1
    vid: str = ""
    author: str = ""
    created: str = ""
    updated: str = ""
    deleted: bool = False
    source: str | None = None

    def kind_of(self, name: str, template_kinds: dict[str, FieldKind]) -> FieldKind:
        """The kind of field ``name``: from the template, else custom, else text."""
        return template_kinds.get(name) or self.custom.get(name, FieldKind.TEXT)

    def secret_names(self, template_kinds: dict[str, FieldKind]) -> set[str]:
        """Names of fields whose values are secrets."""
        return {n for n in self.fields if self.kind_of(n, template_kinds) in SECRET_KINDS}


_RECORD_FIELDS = frozenset(f.name for f in fields(Record))


def with_changes(record: Record, **changes: object) -> Record:
    """``dataclasses.replace(record, **changes)`` without its per-call introspection.

    ``replace`` looks up the dataclass fields and calls ``__init__`` with every one
    of them each time (about four times the cost of this copy); an import copies
    every record it writes. A :class:`Record` has no ``__post_init__`` and no
    ``init=False`` field, so copying its attributes and setting the changed ones
    gives the same record (tests/vault/test_model.py compares them).

    Raises:
        TypeError: ``changes`` names something that is not a field of Record.
    """
    unknown = changes.keys() - _RECORD_FIELDS
    if unknown:
        raise TypeError(f"Record has no field {sorted(unknown)[0]!r}")
    copy = object.__new__(Record)
    attributes = copy.__dict__
    attributes.update(record.__dict__)
    attributes.update(changes)
    return copy


@dataclass(frozen=True)
class VersionInfo:
    """One entry of a record's history."""

    number: int
    vid: str
    author: str
    author_name: str
    created: str
    deleted: bool
    title: str


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a record."""

    what: str  # "title", "type", "tags", "links", "deleted" or "field:<name>"
    old: str
    new: str
    secret: bool = False


@dataclass(frozen=True)
class Attachment:
    """An attachment's metadata (the bytes are fetched with ``extract_attachment``)."""

    id: str
    record_id: str
    name: str
    size: int
    sha256: str
    mime: str
    created: str
    author: str


@dataclass(frozen=True)
class Problem:
    """One thing ``check`` found wrong, naming the record and never its content."""

    kind: str  # record | attachment | member | scope | structure
    id: str
    detail: str
    version: int | None = None


@dataclass
class CheckReport:
    """The result of ``Vault.check``."""

    records: int = 0  # client and provider records (memberships and templates not counted)
    versions: int = 0
    attachments: int = 0
    chunks: int = 0
    skipped_scopes: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was damaged."""
        return not self.problems
