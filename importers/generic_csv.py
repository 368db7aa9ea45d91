"""Any CSV (``csv``) with a column mapping, and the mapping API the window's page uses.

A mapping sends each column (by its header) to a target:

- ``title``, ``tags`` (split on ``,`` ``;`` ``|``), ``client`` (the row's client),
  ``type`` (the row's record type, by id or name), ``id`` (a stable id);
- a field of the record type by machine name (``username``, ``ip_addresses``);
- ``custom:NAME`` (a custom text field) or ``secret:NAME`` (a custom secret);
- ``-`` to leave the column out on purpose.

Columns the mapping does not name are matched by :func:`suggest` (field names,
labels and common aliases such as "Login" -> username, "Website" -> url,
"Organization" -> client); anything still unmatched becomes a custom text
field named after its header and is listed as unmapped. The record type is
``options.record_type`` (default ``credential``) unless a column gives it.
The delimiter (comma, semicolon, tab or pipe) is guessed from the header.

The stable id is the ``id`` column, else a hash of the row's type, client,
title and identifying fields (username, URL, hostname, serial, email).

API for the window: :func:`columns`, :func:`preview_rows`, :func:`targets`,
:func:`suggest`, :func:`validate_mapping` and :func:`read_mapped`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.inputs import normal_key, noticing
from importers.registry import Format, Probe
from importers.tabular import RowIds, load_table
from vault.errors import ImportInputError
from vault.fields import FieldKind
from vault.templates import BUILTIN_TEMPLATES, Template

NAME = "csv"
DEFAULT_TYPE = "credential"
IGNORE = "-"
SPECIAL = ("title", "tags", "client", "type", "id")
IDENTIFYING = ("username", "url", "hostname", "serial_number", "email", "fqdn")
TITLE_COLUMNS = ("hostname", "host", "computername", "devicename", "name", "site", "system")
SECRET_WORDS = re.compile(
    r"(?<![a-z])(pass|passwd|password|passphrase|passcode|secret|pin|token|api ?key|key|otp|totp"
    r"|pwd|psk)(?![a-z])",
    re.I,
)

ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("name", "title", "account", "item", "entry", "label", "display name", "subject"),
    "tags": ("tags", "tag", "group", "grouping", "folder", "category", "labels", "path"),
    "client": ("client", "organization", "organisation", "company", "customer", "tenant"),
    "type": ("record type", "item type", "type"),
    "id": ("id", "uuid", "guid", "identifier"),
    "username": ("username", "user", "user name", "login", "login name", "account name", "userid"),
    "password": ("password", "pass", "pwd", "passwd", "secret"),
    "url": ("url", "uri", "website", "web site", "link", "login url", "login uri", "web address"),
    "totp": ("totp", "otp", "otpauth", "2fa", "mfa", "one time password", "authenticator"),
    "notes": ("notes", "note", "comments", "comment", "description", "extra", "details"),
    "body": ("body", "content", "text", "procedure", "markdown"),
    "hostname": ("hostname", "host", "host name", "computer name", "device name", "computer"),
    "ip_addresses": ("ip", "ip address", "ip addresses", "ips", "primary ip", "ipv4"),
    "serial_number": ("serial", "serial number", "service tag", "serialnumber", "sn"),
    "mac_address": ("mac", "mac address"),
    "operating_system": ("os", "operating system"),
    "warranty_expires": ("warranty", "warranty expires", "warranty expiry", "warranty end"),
    "email": ("email", "e-mail", "mail", "email address"),
    "phone": ("phone", "telephone", "office phone", "work phone", "phone number"),
    "mobile": ("mobile", "cell", "cell phone", "mobile phone"),
    "role": ("role", "job title", "position"),
    "address": ("address", "street", "street address"),
}


def columns(path: Path) -> list[str]:
    """The column headers of a CSV file (duplicates made unique)."""
    return load_table(path, delimiter=None).header


def preview_rows(path: Path, count: int = 5) -> list[dict[str, str]]:
    """The first ``count`` rows as header -> value (for the mapping page)."""
    return [row for _line, row in load_table(path, delimiter=None).rows[:count]]


def targets(
    record_type: str, templates: Mapping[str, Template] | None = None
) -> list[tuple[str, str]]:
    """The targets a column can be mapped to for a record type: (target, label) pairs.

    The window offers these plus ``custom:NAME`` and ``secret:NAME``.
    """
    template = (templates or BUILTIN_TEMPLATES).get(record_type)
    out = [
        ("title", "Title"),
        ("tags", "Tags"),
        ("client", "Client"),
        ("type", "Record type"),
        ("id", "Stable id"),
    ]
    if template is not None:
        out.extend((f.name, f.label) for f in template.fields)
    out.append((IGNORE, "Leave out"))
    return out


def suggest(
    header: list[str],
    record_type: str = DEFAULT_TYPE,
    templates: Mapping[str, Template] | None = None,
) -> dict[str, str]:
    """A proposed mapping: each column to a target (unmatched columns to ``custom:HEADER``).

    Exact field names and labels win over aliases; each target is used once. A
    leftover column whose header sounds secret ("PIN", "API key", "Password 2")
    becomes ``secret:HEADER`` so that it is never indexed or shown in lists.
    """
    template = (templates or BUILTIN_TEMPLATES).get(record_type)
    names: dict[str, str] = {}
    if template is not None:
        for f in template.fields:
            names.setdefault(normal_key(f.name), f.name)
            names.setdefault(normal_key(f.label), f.name)
    valid = set(SPECIAL) | ({f.name for f in template.fields} if template else set())
    aliases: dict[str, str] = {}
    for target, words in ALIASES.items():
        if target in valid:
            for word in words:
                aliases.setdefault(normal_key(word), target)
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in header:
        key = normal_key(column)
        target = names.get(key) or (key if key in SPECIAL else None) or aliases.get(key)
        if target and target not in used:
            out[column] = target
            used.add(target)
        elif SECRET_WORDS.search(column):
            out[column] = f"secret:{column}"
        else:
            out[column] = f"custom:{column}"
    return out


def validate_mapping(
    mapping: Mapping[str, str],
    header: list[str],
    record_type: str,
    templates: Mapping[str, Template] | None = None,
) -> dict[str, str]:
    """Check a person's mapping; return it complete (unnamed columns suggested).

    Raises:
        ImportInputError: A column that is not in the file, or a target that is
            not a field of the record type (the message lists the valid ones).
    """
    templates = templates or BUILTIN_TEMPLATES
    template = templates.get(record_type)
    if template is None:
        raise ImportInputError(
            f"unknown record type '{record_type}'; known types: {', '.join(templates)}",
            field="type",
        )
    folded = {normal_key(h): h for h in header}
    fields = {f.name for f in template.fields}
    checked: dict[str, str] = {}
    for column, target in mapping.items():
        real = column if column in header else folded.get(normal_key(column))
        if real is None:
            raise ImportInputError(
                f"--map names the column '{column}', which the file does not have "
                f"(columns: {', '.join(header)})",
                field=column,
            )
        target = target.strip()
        kind, _, rest = target.partition(":")
        if target in SPECIAL or target == IGNORE or target in fields:
            checked[real] = target
        elif kind in ("custom", "secret") and rest.strip():
            checked[real] = f"{kind}:{rest.strip()}"
        else:
            valid = ", ".join([*SPECIAL, *sorted(fields), "custom:NAME", "secret:NAME", IGNORE])
            raise ImportInputError(
                f"'{target}' is not a field of {template.name} (use one of: {valid})", field=column
            )
    proposed = suggest(header, record_type, templates)
    taken = set(checked.values())
    for column in header:
        if column not in checked:
            target = proposed[column]
            checked[column] = target if target not in taken else f"custom:{column}"
            taken.add(checked[column])
    return checked


def _type_of(text: str, templates: Mapping[str, Template]) -> str | None:
    value = text.strip()
    if value in templates:
        return value
    folded = normal_key(value)
    for template in templates.values():
        if folded in (
            normal_key(template.id),
            normal_key(template.name),
            normal_key(template.plural),
        ):
            return template.id
    return None


def _fallback_title(row: Mapping[str, str], fields: Mapping[str, str]) -> str:
    for column, value in row.items():
        if normal_key(column) in TITLE_COLUMNS and value.strip():
            return value
    for name in ("hostname", "username", "email", "url"):
        if fields.get(name, "").strip():
            return fields[name]
    return next((value for value in row.values() if value.strip()), "")


def read_mapped(
    path: Path,
    options: ImportOptions,
    templates: Mapping[str, Template] | None = None,
) -> Parsed:
    """Read a CSV with ``options.mapping`` (completed by :func:`suggest`).

    The window calls this directly (its mapping page), not through
    ``importers.read``: rows of the wrong length are collected here too.
    """
    templates = templates or BUILTIN_TEMPLATES
    with noticing() as notes:
        table = load_table(path, delimiter=None)
    record_type = options.record_type or DEFAULT_TYPE
    mapping = validate_mapping(options.mapping, table.header, record_type, templates)
    parsed = Parsed(NAME, NAME, warnings=list(notes))
    for column, target in mapping.items():
        if target.startswith(("custom:", "secret:")) and column not in options.mapping:
            parsed.note_unmapped(column)
    ids = RowIds()
    type_column = next((c for c, t in mapping.items() if t == "type"), None)
    per_type: dict[str, dict[str, str]] = {record_type: mapping}
    for line, row in table.rows:
        origin = f"{path}, line {line}"
        row_type = record_type
        if type_column is not None and row.get(type_column, "").strip():
            found = _type_of(row[type_column], templates)
            if found is None:
                parsed.skip(origin, f"unknown record type '{row[type_column].strip()[:40]}'")
                continue
            row_type = found
        if row_type not in per_type:
            # Columns the person did not map are matched again for this row's type.
            proposed = suggest(table.header, row_type, templates)
            per_type[row_type] = {
                column: target if column in options.mapping else proposed[column]
                for column, target in mapping.items()
            }
        row_mapping = per_type[row_type]
        title = ""
        tags: list[str] = []
        client: str | None = None
        ident = ""
        fields: dict[str, str] = {}
        custom: dict[str, FieldKind] = {}
        for column, value in row.items():
            target = row_mapping.get(column, f"custom:{column}")
            if target in (IGNORE, "type") or value == "":
                continue
            if target == "title":
                title = value
            elif target == "tags":
                tags.extend(t for t in re.split(r"[,;|]", value) if t.strip())
            elif target == "client":
                client = value.strip() or None
            elif target == "id":
                ident = value.strip()
            elif target.startswith(("custom:", "secret:")):
                kind, _, name = target.partition(":")
                name = name if name not in fields else f"{name} ({column})"
                fields[name] = value
                custom[name] = FieldKind.SECRET if kind == "secret" else FieldKind.TEXT
            else:
                fields[target] = value
        if row_type == "procedure" and not fields.get("body", "").strip():
            fields["body"] = fields.pop("notes", "") or title
        if not title.strip():
            title = _fallback_title(row, fields)
        stable = ident or ids(
            row_type, client or "", title, *(fields.get(k, "") for k in IDENTIFYING)
        )
        parsed.add(
            RecordDraft(
                stable,
                row_type,
                title,
                fields=fields,
                custom=custom,
                tags=tags,
                client=client,
                origin=origin,
            )
        )
    return parsed


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read any CSV with the mapping in ``options`` (see the module docstring)."""
    return read_mapped(path, options)


def sniff(probe: Probe) -> int:
    """A weak yes for anything with a CSV-looking header; the named formats score higher."""
    header = [h for h in probe.header if h]
    if len(header) < 2 or probe.suffix not in (".csv", ".tsv", ".txt", ""):
        return 0
    return 10


FORMAT = Format(
    NAME,
    "Any CSV (column mapping)",
    parse,
    sniff,
    description="any CSV file; map columns with --map COLUMN=FIELD",
)
