"""IT Glue flexible assets (part of the ``itglue`` importer): one user template per CSV.

Any CSV of an IT Glue export that is not one of the core kinds holds one
flexible-asset type. It becomes a user template named after the file (an id
such as ``backup-jobs``; ``itglue-...`` when the name is taken by a built-in
type): one field per column except the bookkeeping ones, with a machine name
made from the header and a kind guessed from the header and the values
(secret when the header says password, key, PIN...; date when every value
is a date; markdown when a value spans lines; text otherwise). The ``name``
column is the record title. Columns past the 200-field limit stay custom fields.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from importers.base import RecordDraft
from importers.inputs import decode_text, normal_key, read_csv
from importers.tabular import keep_rest
from vault.fields import RESERVED_FIELD_NAMES, FieldDef, FieldKind
from vault.templates import BUILTIN_TEMPLATES, MAX_FIELDS, Template, slugify

if TYPE_CHECKING:
    from importers.itglue import Export

_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
SECRET_WORDS = re.compile(
    r"(?<![a-z])(password|passphrase|secret|pin|key|psk|token|otp)(?![a-z])", re.I
)


def field_name(header: str, taken: set[str]) -> str:
    """A template field's machine name for a CSV header ("Backup Target" -> backup_target)."""
    name = re.sub(r"[^a-z0-9]+", "_", header.casefold()).strip("_")[:60] or "field"
    if not name[0].isalpha():
        name = f"f_{name}"[:60]
    if name in RESERVED_FIELD_NAMES:
        name = f"{name}_field"
    base, number = name, 2
    while name in taken:
        name = f"{base}_{number}"
        number += 1
    taken.add(name)
    return name


def _guess_kind(header: str, values: list[str]) -> FieldKind:
    filled = [v for v in values if v.strip()]
    if SECRET_WORDS.search(header):
        return FieldKind.SECRET
    if filled and all(_DATE.fullmatch(v.strip()) for v in filled):
        return FieldKind.DATE
    if any("\n" in v for v in filled):
        return FieldKind.MARKDOWN
    return FieldKind.TEXT


def read_flexible(export: Export, member: str) -> None:
    """Read one flexible-asset CSV: a user template, and a record per row."""
    from importers.itglue import DOMAIN_TEMPLATE, META, as_date, mark_archived

    label = export.tree.label(member)
    table = read_csv(decode_text(export.tree.read(member), label), label)
    stem = PurePosixPath(member).stem
    display = " ".join(re.sub(r"[_-]+", " ", stem).split()).strip() or "Flexible asset"
    display = display[:1].upper() + display[1:]
    type_id = slugify(display)
    if type_id in BUILTIN_TEMPLATES or type_id == DOMAIN_TEMPLATE.id:
        type_id = f"itglue-{type_id}"[:64]
    title_column = next((h for h in table.header if normal_key(h) == "name"), None)
    content = [h for h in table.header if normal_key(h) not in META and h != title_column]
    taken: set[str] = set()
    fields: list[FieldDef] = []
    names: dict[str, str] = {}
    for header in content[:MAX_FIELDS]:
        name = field_name(header, taken)
        kind = _guess_kind(header, [row.get(header, "") for _, row in table.rows])
        fields.append(
            FieldDef(
                name,
                kind,
                header.strip()[:100] or name,
                list_column=not fields and kind not in (FieldKind.SECRET,),
            )
        )
        names[header] = name
    template = Template(
        type_id,
        display[:100],
        f"{display[:99]}s" if not display.endswith("s") else display[:100],
        tuple(fields),
        builtin=False,
        description=f"Imported from IT Glue ({stem}).",
    )
    export.parsed.templates.append(template)
    kinds = {f.name: f.kind for f in fields}
    for line, row in table.rows:
        title = (
            (row.get(title_column, "") if title_column else "")
            or next((row[h] for h in content if row.get(h, "").strip()), "")
            or display
        )
        draft = RecordDraft(
            export.ident("flex", row, type_id, title),
            type_id,
            title,
            client=export.org(row),
            origin=f"{table.file}, line {line}",
        )
        for header, name in names.items():
            value = row.get(header, "")
            draft.put(name, as_date(value) if kinds[name] is FieldKind.DATE else value)
        mark_archived(draft, row)
        keep_rest(
            draft,
            row,
            [*names, *(h for h in table.header if normal_key(h) in META), title_column or ""],
            export.parsed,
        )
        export.add(draft)
