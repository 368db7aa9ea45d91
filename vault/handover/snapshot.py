"""What a handover exports: one client's records, their history and attachments, read once.

Every writer of the package (site, PDF, records.json, KDBX, client.sitebook)
works from one :class:`Snapshot`, so the parts agree with each other and the
vault is decrypted only once. This module also owns the small rules the
writers share: which fields are secret, the order record types are shown in,
and how a field value is written for a person.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vault import errors
from vault.audit import AuditEntry
from vault.fields import SECRET_KINDS, FieldKind, default_label
from vault.model import Attachment, Client, Record, VersionInfo
from vault.templates import BUILTIN_TEMPLATES, Template
from vault.vault import Vault

SECRET_PLACEHOLDER = "stored in credentials.kdbx"  # noqa: S105 - a note, not a secret
"""What the site, records.json and the PDF show instead of a secret value."""

RUNBOOK_ORDER: tuple[str, ...] = (
    "agreement",
    "contact",
    "location",
    "procedure",
    "exception",
    "configuration",
    "credential",
    "service-entry",
)
"""Record types in the order a person reading a runbook wants them; user types follow."""

Tick = Callable[[int], None]


@dataclass(frozen=True)
class Revision:
    """One version of a record: who saved it and when, and its content then."""

    info: VersionInfo
    record: Record


@dataclass
class Item:
    """A record of the client with everything the package says about it."""

    record: Record
    kinds: dict[str, FieldKind]
    revisions: list[Revision]
    attachments: list[Attachment]
    backlinks: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The record id."""
        return self.record.id

    def is_secret(self, name: str, record: Record | None = None) -> bool:
        """Whether field ``name`` holds a secret (in the head, or in ``record``'s version)."""
        if record is not None and record.custom:  # a version's custom kinds come first
            kind = record.custom.get(name)
            if kind is not None:
                return kind in SECRET_KINDS
        return self.kinds.get(name, FieldKind.TEXT) in SECRET_KINDS

    @property
    def has_secrets(self) -> bool:
        """True when any version of the record holds a secret value (it goes into the KDBX)."""
        return any(
            self.is_secret(name, rev.record) and value
            for rev in self.revisions
            for name, value in rev.record.fields.items()
        )


@dataclass(frozen=True)
class Exporter:
    """The member who exported the package and signed its manifest."""

    member_id: str
    name: str
    public_key: bytes
    fingerprint: str


@dataclass
class Snapshot:
    """One client's scope, decrypted and checked, ready to be written in every format."""

    vault_id: str
    provider: str
    client: Client
    exporter: Exporter
    exported: str
    items: list[Item]
    templates: dict[str, Template]
    history: bool
    audit: bool
    hidden: int = 0
    audit_entries: list[AuditEntry] | None = None
    restricted: set[str] = field(default_factory=set)
    by_id: dict[str, Item] = field(default_factory=dict)
    labels: dict[tuple[str, str, bool], str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """label_of's memory: (type, field name, is custom) -> label."""

    def __post_init__(self) -> None:
        self.by_id = {item.id: item for item in self.items}

    @functools.cached_property
    def live(self) -> list[Item]:
        """Records that are not deleted, in runbook order (worked out once: do not change it)."""
        return [item for item in self.items if not item.record.deleted]

    @functools.cached_property
    def deleted(self) -> list[Item]:
        """Tombstoned records, kept with their history (worked out once: do not change it)."""
        return [item for item in self.items if item.record.deleted]

    def type_ids(self) -> list[str]:
        """The record types present, in runbook order."""
        present = {item.record.type for item in self.items}
        ordered = [t for t in RUNBOOK_ORDER if t in present]
        return ordered + sorted(present - set(ordered))

    def template(self, type_id: str) -> Template | None:
        """The template of a type, or None when the type is unknown."""
        return self.templates.get(type_id)

    def type_name(self, type_id: str, plural: bool = False) -> str:
        """A type's display name ("Credential", or "Credentials" with ``plural``)."""
        template = self.template(type_id)
        if template is None:
            return type_id
        return template.plural if plural else template.name

    def counts(self) -> dict[str, int]:
        """Live records per type, in runbook order."""
        found = Counter(item.record.type for item in self.live)
        return {t: found[t] for t in self.type_ids() if found[t]}

    def title_of(self, record_id: str) -> str | None:
        """The title of a record in the package, or None when it is not in it."""
        item = self.by_id.get(record_id)
        return item.record.title if item else None


def label_of(snapshot: Snapshot, record: Record, name: str) -> str:
    """The label a person sees for a field of ``record`` (each worked out once per snapshot)."""
    key = (record.type, name, name in record.custom)
    label = snapshot.labels.get(key)
    if label is None:
        template = snapshot.template(record.type)
        definition = template.field(name) if template else None
        if definition is not None:
            label = definition.label
        else:
            label = name if key[2] else default_label(name)
        snapshot.labels[key] = label
    return label


def ordered_fields(snapshot: Snapshot, record: Record) -> list[str]:
    """A record's field names: template order first, then custom fields as stored."""
    template = snapshot.template(record.type)
    names = [f.name for f in template.fields if f.name in record.fields] if template else []
    return names + [name for name in record.fields if name not in names]


def safe_name(text: str, limit: int = 80) -> str:
    """A file or folder name safe on Windows, macOS and Linux (never empty)."""
    cleaned = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]+', "_", text).strip(" .")
    cleaned = cleaned[:limit].rstrip(" .")
    if not cleaned or cleaned.upper().split(".")[0] in _WINDOWS_RESERVED:
        cleaned = f"_{cleaned}"
    return cleaned


_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)


def slug(text: str, limit: int = 40) -> str:
    """Lowercase ASCII letters, digits and hyphens, for readable paths."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-") or "record"


def take(
    vault: Vault,
    client_id: str,
    *,
    history: bool = True,
    audit: bool = True,
    tick: Tick | None = None,
    check: Callable[[], None] | None = None,
) -> Snapshot:
    """Read a client's records, versions and attachment list from an unlocked vault.

    Args:
        vault: The unlocked source vault.
        client_id: The client's id, name or unique prefix.
        history: Include every version (False: only the newest).
        audit: Whether the audit log was asked for (recorded; see ``export``).
        tick: Called with 1 per record read (progress).
        check: Called between records; raises CancelledError to stop.

    Raises:
        VaultError: The client is unknown, or a record of it cannot be read
            (the package would be incomplete, so nothing is exported).
    """
    client = vault.find_client(client_id)
    scopes = client_scopes(vault, client.id)
    records = [r for r in vault.list_records(include_deleted=True) if r.scope_id in scopes]
    _refuse_damaged(vault, client, scopes)
    hidden = _count_records(vault, scopes) - len(records)
    member_id = vault.member_id
    exporter = Exporter(
        member_id=member_id,
        name=vault.member_name(member_id),
        public_key=vault.signing_public(member_id),
        fingerprint=vault.fingerprint(member_id),
    )
    templates = vault.templates()
    items: list[Item] = []
    for record in records:
        if check:
            check()
        items.append(
            Item(
                record=record,
                kinds=vault.kinds(record),
                revisions=_revisions(vault, record, history),
                attachments=vault.attachments(record.id, strict=True),
            )
        )
        if tick:
            tick(1)
    _link_back(items)
    used = {rev.record.type for item in items for rev in item.revisions}
    order = {t: n for n, t in enumerate(RUNBOOK_ORDER)}
    items.sort(
        key=lambda i: (
            order.get(i.record.type, len(order)),
            i.record.type,
            i.record.title.casefold(),
            i.id,
        )
    )
    return Snapshot(
        hidden=hidden,
        audit_entries=vault.audit_log(client=client.id) if audit else None,
        restricted={r.id for r in records if r.scope_id != client.id},
        vault_id=vault.vault_id,
        provider=vault.name,
        client=client,
        exporter=exporter,
        exported=datetime.now(UTC).isoformat(timespec="seconds"),
        items=items,
        templates={t: templates[t] for t in sorted(used) if t in templates},
        history=history,
        audit=audit,
    )


def client_scopes(vault: Vault, client_id: str) -> set[str]:
    """The client's scope and its restricted sub-scopes (records restricted to some members).

    A read-only look at the scopes table: the vault API has no call listing a
    client's sub-scopes yet (the report proposes ``Vault.client_scopes``).
    """
    rows = vault._conn.execute(
        "SELECT id FROM scopes WHERE parent = ? AND kind = 'restricted'", (client_id,)
    ).fetchall()
    return {client_id, *(row[0] for row in rows)}


def _count_records(vault: Vault, scopes: set[str]) -> int:
    """Records stored in these scopes, readable or not (read-only, like client_scopes)."""
    marks = ",".join("?" * len(scopes))
    return vault._conn.execute(
        f"SELECT count(*) FROM records WHERE scope_id IN ({marks})",  # noqa: S608
        tuple(scopes),
    ).fetchone()[0]


def _refuse_damaged(vault: Vault, client: Client, scopes: set[str]) -> None:
    """Fail when a record of this client could not be read: never drop one silently."""
    if not vault.damaged:
        return
    marks = ",".join("?" * len(vault.damaged))
    scope_marks = ",".join("?" * len(scopes))
    # Read-only look at which scope the damaged records belong to (the catalog only
    # keeps their ids); a public ``Vault.damaged_in(scopes)`` would replace this.
    rows = vault._conn.execute(
        f"SELECT id FROM records WHERE scope_id IN ({scope_marks}) AND id IN ({marks})",  # noqa: S608
        (*scopes, *vault.damaged),
    ).fetchall()
    if rows:
        ids = ", ".join(sorted(r[0][:8] for r in rows)[:5])
        raise errors.VaultError(
            f"{len(rows)} record(s) of {client.name} cannot be read ({ids}); run "
            "'sitebook check'. Nothing was exported: the handover would be incomplete."
        )


def _revisions(vault: Vault, record: Record, history: bool) -> list[Revision]:
    """Every version oldest first (or just the head), each with its author and time."""
    if record.version == 1 or not history:
        created = record.created if record.version == 1 else record.updated
        info = VersionInfo(
            record.version,
            record.vid,
            record.author,
            vault.member_name(record.author),
            created,
            record.deleted,
            record.title,
        )
        return [Revision(info, record)]
    out = []
    for info in vault.history(record.id):
        content = (
            record if info.number == record.version else vault.get_record(record.id, info.number)
        )
        out.append(Revision(info, content))
    return out


def _link_back(items: list[Item]) -> None:
    """Fill each item's backlinks: live records linking to it or naming it in a reference."""
    known = {item.id for item in items}
    back: dict[str, list[str]] = {}
    for item in items:
        if item.record.deleted:
            continue
        targets = set(item.record.links)
        targets.update(
            value
            for name, value in item.record.fields.items()
            if item.kinds.get(name) is FieldKind.REFERENCE
        )
        for target in targets:
            if target in known and target != item.id:
                back.setdefault(target, []).append(item.id)
    for item in items:
        item.backlinks = sorted(back.get(item.id, []))


def builtin_or_user(template: Template) -> str:
    """ "built-in" or "user" for a template (records.json and README say which)."""
    return "built-in" if template.id in BUILTIN_TEMPLATES else "user"
