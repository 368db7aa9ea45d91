"""The demo data set's shape: the provider, its clients and the records each holds.

Frozen dataclasses that :func:`vault.demo_data.generate` returns and
:mod:`vault.demo` writes; no randomness and no vault I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vault.fields import FieldKind
from vault.templates import BUILTIN_TEMPLATES

PROVIDER = "Northwind IT Services"
"""The IT service provider the demo vault belongs to."""

TECHNICIANS: tuple[str, ...] = (
    "Sam Patel",
    "Alex Kim",
    "Jordan Reyes",
    "Maria Lopez",
    "Chris Novak",
)

TYPES: tuple[str, ...] = (
    "configuration",
    "credential",
    "procedure",
    "exception",
    "service-entry",
    "contact",
    "location",
    "agreement",
)

_REFERENCE_FIELDS: dict[str, frozenset[str]] = {
    template.id: frozenset(f.name for f in template.fields if f.kind is FieldKind.REFERENCE)
    for template in BUILTIN_TEMPLATES.values()
}


@dataclass(frozen=True)
class DemoRecord:
    """One record to write.

    Attributes:
        key: Unique key within the plan ("contoso-dental/configuration/3").
        type: Template id.
        title: Record title.
        fields: Field values; reference fields hold the *key* of another record.
        tags: Tags, lowercase.
        links: Keys of related records in the same client.
        custom: Custom field values (kind text) by custom field name.
    """

    key: str
    type: str
    title: str
    fields: dict[str, str]
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)

    def fields_with_ids(self, ids: Mapping[str, str]) -> dict[str, str]:
        """Return the fields with every reference (a record key) replaced by its record id.

        Args:
            ids: Record key -> record id, for the records already written.

        Raises:
            KeyError: A referenced key has no id yet.
        """
        names = _REFERENCE_FIELDS[self.type]
        return {name: ids[value] if name in names else value for name, value in self.fields.items()}


@dataclass(frozen=True)
class DemoClient:
    """A client organisation and its records (its own scope in the vault).

    Records are ordered so that every reference field and link points to a
    record earlier in ``records``: a writer can resolve keys to ids in one pass.
    """

    key: str
    name: str
    records: list[DemoRecord]


@dataclass(frozen=True)
class DemoPlan:
    """The whole demo data set."""

    provider: str
    clients: list[DemoClient]

    @property
    def record_count(self) -> int:
        """Number of records across all clients."""
        return sum(len(client.records) for client in self.clients)
