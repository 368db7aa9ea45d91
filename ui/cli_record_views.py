"""How a record looks on the command line: the text views and the JSON shapes.

``record show`` lays fields out in template order with their labels and masks
secrets unless asked; ``record diff`` says "changed" for a secret; the JSON
shapes (documented in :mod:`ui.cli`) put null where a secret would be. These
functions only read from the vault; the commands live in :mod:`ui.cli_records`.
"""

from __future__ import annotations

from typing import Any

from ui.cli_common import MASK, human_size, labelled, short, when
from vault import Vault
from vault.errors import VaultError
from vault.fields import SECRET_KINDS, FieldKind
from vault.model import Change, Record


def client_of(vault: Vault, scope_id: str) -> tuple[str | None, str | None]:
    """(client name, client id) of a scope; (None, None) for provider-internal records."""
    if scope_id == vault.internal_scope_id:
        return None, None
    return vault.scope_name(scope_id), scope_id


def client_label(vault: Vault, scope_id: str) -> str:
    """The client name, or "Provider internal"."""
    return vault.scope_name(scope_id)


def ordered_fields(vault: Vault, record: Record) -> list[tuple[str, str, str, FieldKind, bool]]:
    """(name, label, value, kind, is_custom) in template order, then custom fields."""
    template = vault.templates().get(record.type)
    kinds = vault.kinds(record)
    out = []
    seen: set[str] = set()
    if template is not None:
        for definition in template.fields:
            if definition.name in record.fields and definition.name not in record.custom:
                out.append(
                    (
                        definition.name,
                        definition.label,
                        record.fields[definition.name],
                        kinds[definition.name],
                        False,
                    )
                )
                seen.add(definition.name)
    for name, value in record.fields.items():
        if name not in seen:
            out.append((name, name, value, kinds.get(name, FieldKind.TEXT), True))
    return out


def record_json(vault: Vault, record: Record, *, reveal: bool = False) -> dict[str, Any]:
    """The documented JSON shape of one record (secrets null unless ``reveal``)."""
    client, client_id = client_of(vault, record.scope_id)
    fields = {
        name: (value if reveal or kind not in SECRET_KINDS else None)
        for name, _label, value, kind, _custom in ordered_fields(vault, record)
    }
    return {
        "id": record.id,
        "client": client,
        "client_id": client_id,
        "type": record.type,
        "title": record.title,
        "fields": fields,
        "custom": {name: str(kind) for name, kind in record.custom.items()},
        "tags": list(record.tags),
        "links": list(record.links),
        "backlinks": [other.id for other in vault.backlinks(record.id)],
        "attachments": [
            {"id": a.id, "name": a.name, "size": a.size, "sha256": a.sha256}
            for a in vault.attachments(record.id)
        ],
        "version": record.version,
        "created": record.created,
        "updated": record.updated,
        "author": vault.member_name(record.author),
        "author_id": record.author,
        "deleted": record.deleted,
    }


def summary_json(vault: Vault, record: Record) -> dict[str, Any]:
    """The JSON shape of one row of ``record list``."""
    client, client_id = client_of(vault, record.scope_id)
    return {
        "id": record.id,
        "type": record.type,
        "title": record.title,
        "client": client,
        "client_id": client_id,
        "tags": list(record.tags),
        "version": record.version,
        "updated": record.updated,
        "deleted": record.deleted,
    }


def type_name(vault: Vault, type_id: str) -> str:
    template = vault.templates().get(type_id)
    return template.name if template else type_id


def related_line(vault: Vault, record_id: str) -> str:
    try:
        other = vault.get_record(record_id)
    except VaultError as exc:  # shown in place: one unreadable link must not hide the record
        return f"  {short(record_id)}  ({exc})"
    mark = " (deleted)" if other.deleted else ""
    return f"  {short(other.id)}  {type_name(vault, other.type)}  {other.title}{mark}"


def _shown_value(vault: Vault, value: str, kind: FieldKind, *, reveal: bool) -> str:
    """A field value as ``record show`` prints it: masked, or a reference with its title."""
    if kind in SECRET_KINDS and not reveal:
        return MASK
    if kind is FieldKind.REFERENCE:
        return related_line(vault, value).strip()
    return value


def show_lines(vault: Vault, record: Record, head: Record, *, reveal: bool) -> list[str]:
    """The text view of a record for ``record show``."""
    client = client_label(vault, record.scope_id)
    version = f"{record.version}"
    if record.version != head.version:
        version += f" of {head.version} (an older version)"
    header = [
        ("Type", f"{type_name(vault, record.type)} ({record.type})"),
        ("Client", client),
        ("ID", record.id),
        ("Version", version),
        ("Updated", f"{when(record.updated)} by {vault.member_name(record.author)}"),
        ("Created", when(record.created)),
    ]
    if record.deleted:
        header.append(("Status", "deleted (sitebook record undelete brings it back)"))
    lines = [record.title, *labelled(header)]
    fields = ordered_fields(vault, record)
    if fields:
        lines.append("")
        lines.extend(
            labelled(
                (
                    label + (f" ({kind})" if custom and kind is not FieldKind.TEXT else ""),
                    _shown_value(vault, value, kind, reveal=reveal),
                )
                for _name, label, value, kind, custom in fields
            )
        )
    lines.append("")
    lines.extend(labelled([("Tags", ", ".join(record.tags) or "-")]))
    if record.links:
        lines.append("Links to:")
        lines.extend(related_line(vault, link) for link in record.links)
    backlinks = vault.backlinks(record.id)
    if backlinks:
        lines.append("Linked from:")
        lines.extend(f"  {short(o.id)}  {type_name(vault, o.type)}  {o.title}" for o in backlinks)
    attachments = vault.attachments(record.id)
    if attachments:
        lines.append("Attachments:")
        lines.extend(
            f"  {short(a.id)}  {a.name}  {human_size(a.size)}  sha256 {a.sha256[:16]}…"
            for a in attachments
        )
    return lines


def _change_label(vault: Vault, record: Record, change: Change) -> str:
    if change.what.startswith("field:"):
        name = change.what.removeprefix("field:")
        template = vault.templates().get(record.type)
        definition = template.field(name) if template else None
        return definition.label if definition else name
    return change.what.capitalize()


def diff_lines(vault: Vault, record: Record, changes: list[Change], *, reveal: bool) -> list[str]:
    """Text lines describing ``changes``; secret values are 'changed' unless ``reveal``."""
    lines = []
    for change in changes:
        label = _change_label(vault, record, change)
        if change.secret and not reveal:
            lines.append(f"{label}: changed (a secret; --reveal shows it)")
        elif "\n" in change.old or "\n" in change.new:
            lines.append(f"{label}:")
            lines.extend(f"  - {line}" for line in change.old.split("\n") if change.old)
            lines.extend(f"  + {line}" for line in change.new.split("\n") if change.new)
        else:
            lines.append(f"{label}: {change.old or '(empty)'} -> {change.new or '(empty)'}")
    return lines
