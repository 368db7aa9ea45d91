"""IT Glue account exports (``itglue``): the export folder, or its zip.

IT Glue exports one CSV per kind of item, a ``documents`` folder of HTML and
an ``attachments`` folder. CSVs are read as UTF-8 (with or without BOM) or
Windows-1252; columns are matched loosely ("Serial Number" = serial_number)
and any column not named here becomes a custom field, so nothing is lost.

Mapping:

- organizations.csv -> clients (by name; other items name their organisation
  by name or id). An organisation's description, quick notes and alert ->
  a ``procedure`` "About NAME".
- configurations.csv -> ``configuration``: hostname, primary IP, MAC,
  serial, manufacturer, model, operating system, warranty expiry, notes;
  the configuration type -> kind (server, workstation, firewall...; anything
  else -> other, with the type kept); status, location, contact and the rest
  -> custom fields; archived -> tag "archived".
- passwords.csv -> ``credential``: username, password, URL, notes, OTP
  secret -> totp; category and folder -> tags; a password embedded in a
  configuration -> its Configuration reference, in another item -> a relation.
- contacts.csv -> ``contact``; locations.csv -> ``location``.
- domains.csv -> the user template ``domain`` (registrar, expiry, notes).
- Any other CSV is a flexible-asset type -> a user template named after the
  file (fields from its columns; kinds guessed: date, secret, markdown,
  text) and one record per row.
- documents (DOC-* folders of HTML) -> ``procedure`` in Markdown, images and
  files attached (see :mod:`importers.itglue_documents`).
- attachments/<kind>/<id>/... -> attachments of the matching item.
- Left out on purpose: logs, users and groups (not documentation); created
  and updated times (the vault keeps its own).

Stable ids are IT Glue's ids: ``configuration:ID``, ``password:ID``...
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.inputs import CsvTable, Tree, decode_text, normal_key, read_csv
from importers.registry import Format, Probe
from importers.tabular import RowIds, column, humanize, keep_rest
from vault.errors import ImportInputError
from vault.fields import FieldDef, FieldKind
from vault.templates import Template

NAME = "itglue"
CORE = {
    "organizations",
    "configurations",
    "passwords",
    "contacts",
    "locations",
    "domains",
    "documents",
}
IGNORED = re.compile(r"(^|_|-)(logs?|activity|users|groups|password_folders|exports?)($|_|-)", re.I)
META = {
    "id",
    "organization",
    "organizationid",
    "organizationname",
    "createdat",
    "updatedat",
    "resourceurl",
    "archived",
}
KINDS = {
    "server": "server",
    "virtual server": "virtual-machine",
    "virtual machine": "virtual-machine",
    "vm": "virtual-machine",
    "workstation": "workstation",
    "desktop": "workstation",
    "laptop": "laptop",
    "notebook": "laptop",
    "firewall": "firewall",
    "switch": "switch",
    "managed switch": "switch",
    "router": "network",
    "network device": "network",
    "access point": "access-point",
    "wireless access point": "access-point",
    "printer": "printer",
    "nas": "storage",
    "san": "storage",
    "storage": "storage",
    "phone": "phone",
    "mobile phone": "phone",
    "mobile device": "phone",
    "software": "software",
    "license": "license",
    "cloud": "cloud-service",
}
DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")


def _names(text: str) -> tuple[str, ...]:
    """Column names written as one space-separated string."""
    return tuple(text.split())


COMMON_COLUMNS = _names(
    "id organization organization_id organization_name archived created_at updated_at resource_url"
)
CONFIGURATION_COLUMNS = (
    *COMMON_COLUMNS,
    *_names(
        "name configuration_type type hostname primary_ip ip ip_address mac_address mac "
        "serial_number serial manufacturer manufacturer_name model model_name "
        "operating_system operating_system_name os warranty_expires_at warranty_expires "
        "warranty_expiry notes location location_name"
    ),
)
LOCATION_COLUMNS = (
    *COMMON_COLUMNS,
    *_names(
        "name address_1 address1 address address_2 address2 postal_code zip city region "
        "region_name state country country_name phone notes"
    ),
)
CONTACT_COLUMNS = (
    *COMMON_COLUMNS,
    *_names(
        "first_name last_name name title job_title primary_email email emails "
        "primary_phone phone office_phone phones mobile mobile_phone cell notes"
    ),
)
PASSWORD_COLUMNS = (
    *COMMON_COLUMNS,
    *_names(
        "name username password url notes otp_secret otp totp one_time_password "
        "resource_type resource_id password_category category password_folder folder"
    ),
)
DOMAIN_COLUMNS = (
    *COMMON_COLUMNS,
    *_names("name domain registrar_name registrar expires_on expires_at expiry notes"),
)

DOMAIN_TEMPLATE = Template(
    id="domain",
    name="Domain",
    plural="Domains",
    description="A domain name: its registrar and when it must be renewed.",
    builtin=False,
    fields=(
        FieldDef("registrar", FieldKind.TEXT, "Registrar", list_column=True),
        FieldDef("expires", FieldKind.DATE, "Expires", list_column=True),
        FieldDef("notes", FieldKind.MARKDOWN, "Notes"),
    ),
)


def as_date(text: str) -> str:
    """YYYY-MM-DD from a date or an ISO timestamp; the text unchanged otherwise."""
    match = DATE.fullmatch(text.strip())
    return match.group(1) if match else text


class Export:
    """One IT Glue export being read: its tree, organisations and drafts so far."""

    def __init__(self, tree: Tree, options: ImportOptions) -> None:
        self.tree = tree
        self.options = options
        self.parsed = Parsed(NAME, NAME)
        self.orgs: dict[str, str] = {}
        self.ids = RowIds()
        self.base = self._base()
        self.by_source: dict[str, RecordDraft] = {}
        self.locations: dict[tuple[str | None, str], str] = {}

    def _base(self) -> str:
        for wanted in ("organizations.csv", "passwords.csv", "configurations.csv"):
            for name in self.tree.names():
                if PurePosixPath(name).name.casefold() == wanted and name.count("/") <= 1:
                    parent = str(PurePosixPath(name).parent)
                    return "" if parent == "." else parent + "/"
        return ""

    def table(self, stem: str) -> CsvTable | None:
        name = self.tree.find(f"{self.base}{stem}.csv")
        if name is None:
            return None
        label = self.tree.label(name)
        return read_csv(decode_text(self.tree.read(name), label), label)

    def org(self, row: dict[str, str]) -> str | None:
        by_id = column(row, "organization_id", "org_id")
        if by_id.strip() and by_id.strip() in self.orgs:
            return self.orgs[by_id.strip()]
        name = column(row, "organization", "organization_name", "org", "organisation")
        if name.strip() in self.orgs:
            return self.orgs[name.strip()]
        return name.strip() or None

    def add(self, draft: RecordDraft) -> RecordDraft:
        self.by_source[draft.source_id] = self.parsed.add(draft)
        return draft

    def ident(self, kind: str, row: dict[str, str], *parts: str) -> str:
        value = column(row, "id").strip()
        return f"{kind}:{value}" if value else f"{kind}:h{self.ids(kind, *parts)}"


def mark_archived(draft: RecordDraft, row: dict[str, str]) -> None:
    if column(row, "archived").strip().casefold() in ("true", "yes", "1"):
        draft.tags.append("archived")


def _organizations(export: Export) -> None:
    table = export.table("organizations")
    if table is None:
        return
    for line, row in table.rows:
        name = column(row, "name").strip()
        if not name:
            export.parsed.skip(f"{table.file}, line {line}", "an organisation without a name")
            continue
        ident = column(row, "id").strip()
        export.orgs[ident or name] = name
        export.orgs[name] = name
        about = [column(row, key) for key in ("description", "quick_notes", "alert")]
        rest = {
            k: v
            for k, v in row.items()
            if normal_key(k) not in META | {"name", "description", "quicknotes", "alert"}
        }
        if not any(a.strip() for a in about) and not any(v.strip() for v in rest.values()):
            continue
        draft = RecordDraft(
            export.ident("organization", row, name),
            "procedure",
            f"About {name}",
            client=name,
            origin=f"{table.file}, line {line}",
        )
        body = "\n\n".join(
            f"**{label}:** {text.strip()}"
            for label, text in zip(("Description", "Quick notes", "Alert"), about, strict=True)
            if text.strip()
        )
        draft.put("body", body or f"Organisation {name}")
        keep_rest(
            draft,
            row,
            ["id", "name", "description", "quick_notes", "alert"],
            export.parsed,
            label=humanize,
        )
        export.add(draft)


def _configurations(export: Export) -> None:
    table = export.table("configurations")
    if table is None:
        return
    for line, row in table.rows:
        title = column(row, "name", "hostname") or "Configuration"
        client = export.org(row)
        draft = RecordDraft(
            export.ident("configuration", row, title),
            "configuration",
            title,
            client=client,
            origin=f"{table.file}, line {line}",
        )
        kind_text = column(row, "configuration_type", "type").strip()
        kind = KINDS.get(kind_text.casefold(), "other" if kind_text else "")
        draft.put("kind", kind)
        if kind == "other":
            draft.put("Configuration type", kind_text, FieldKind.TEXT)
        draft.put("hostname", column(row, "hostname"))
        draft.put("ip_addresses", column(row, "primary_ip", "ip", "ip_address"))
        draft.put("mac_address", column(row, "mac_address", "mac"))
        draft.put("serial_number", column(row, "serial_number", "serial"))
        draft.put("manufacturer", column(row, "manufacturer", "manufacturer_name"))
        draft.put("model", column(row, "model", "model_name"))
        draft.put(
            "operating_system", column(row, "operating_system", "operating_system_name", "os")
        )
        draft.put(
            "warranty_expires",
            as_date(column(row, "warranty_expires_at", "warranty_expires", "warranty_expiry")),
        )
        draft.put("notes", column(row, "notes"))
        location = column(row, "location", "location_name").strip()
        if location:
            target = export.locations.get((client, location.casefold()))
            if target:
                draft.refs["location"] = target
            else:
                draft.put("Location", location, FieldKind.TEXT)
        mark_archived(draft, row)
        keep_rest(draft, row, CONFIGURATION_COLUMNS, export.parsed, label=humanize)
        export.add(draft)


def _locations(export: Export) -> None:
    table = export.table("locations")
    if table is None:
        return
    for line, row in table.rows:
        title = column(row, "name") or column(row, "city") or "Location"
        client = export.org(row)
        draft = RecordDraft(
            export.ident("location", row, title),
            "location",
            title,
            client=client,
            origin=f"{table.file}, line {line}",
        )
        lines = [
            column(row, "address_1", "address1", "address"),
            column(row, "address_2", "address2"),
            " ".join(
                p for p in (column(row, "postal_code", "zip"), column(row, "city")) if p.strip()
            ),
            column(row, "region", "region_name", "state"),
            column(row, "country", "country_name"),
        ]
        draft.put("address", "\n".join(p.strip() for p in lines if p.strip()))
        draft.put("phone", column(row, "phone"))
        draft.put("access_notes", column(row, "notes"))
        mark_archived(draft, row)
        keep_rest(draft, row, LOCATION_COLUMNS, export.parsed, label=humanize)
        export.add(draft)
        export.locations[(client, title.casefold())] = draft.source_id


def _contacts(export: Export) -> None:
    table = export.table("contacts")
    if table is None:
        return
    for line, row in table.rows:
        name = " ".join(
            p.strip() for p in (column(row, "first_name"), column(row, "last_name")) if p.strip()
        )
        name = name or column(row, "name") or column(row, "primary_email", "email") or "Contact"
        draft = RecordDraft(
            export.ident("contact", row, name),
            "contact",
            name,
            client=export.org(row),
            origin=f"{table.file}, line {line}",
        )
        draft.put("role", column(row, "title", "job_title"))
        draft.put("email", column(row, "primary_email", "email", "emails"))
        draft.put("phone", column(row, "primary_phone", "phone", "office_phone", "phones"))
        draft.put("mobile", column(row, "mobile", "mobile_phone", "cell"))
        draft.put("notes", column(row, "notes"))
        mark_archived(draft, row)
        keep_rest(draft, row, CONTACT_COLUMNS, export.parsed, label=humanize)
        export.add(draft)


def _passwords(export: Export) -> None:
    table = export.table("passwords")
    if table is None:
        return
    for line, row in table.rows:
        title = column(row, "name") or column(row, "username") or "Password"
        origin = f"{table.file}, line {line}"
        tags = [
            t
            for t in (
                column(row, "password_category", "category").strip(),
                column(row, "password_folder", "folder").strip(),
            )
            if t
        ]
        draft = RecordDraft(
            export.ident("password", row, title, column(row, "username")),
            "credential",
            title,
            tags=tags,
            client=export.org(row),
            origin=origin,
        )
        draft.put("username", column(row, "username"))
        draft.put("password", row.get("password", "") or column(row, "password"))
        draft.put("url", column(row, "url"))
        draft.put("notes", column(row, "notes"))
        draft.put("totp", column(row, "otp_secret", "otp", "totp", "one_time_password").strip())
        kind, target = column(row, "resource_type").strip(), column(row, "resource_id").strip()
        if kind and target:
            if kind.casefold() == "configuration":
                draft.refs["configuration"] = f"configuration:{target}"
            else:
                draft.links.append(_resource_source(kind, target))
        mark_archived(draft, row)
        keep_rest(draft, row, PASSWORD_COLUMNS, export.parsed, label=humanize)
        export.add(draft)


def _resource_source(kind: str, ident: str) -> str:
    folded = kind.casefold()
    for prefix in ("location", "contact", "document", "domain", "organization"):
        if folded.startswith(prefix):
            return f"{prefix}:{ident}"
    return f"flex:{ident}"


def _domains(export: Export) -> None:
    table = export.table("domains")
    if table is None:
        return
    export.parsed.templates.append(DOMAIN_TEMPLATE)
    for line, row in table.rows:
        title = column(row, "name", "domain") or "Domain"
        draft = RecordDraft(
            export.ident("domain", row, title),
            "domain",
            title,
            client=export.org(row),
            origin=f"{table.file}, line {line}",
        )
        draft.put("registrar", column(row, "registrar_name", "registrar"))
        draft.put("expires", as_date(column(row, "expires_on", "expires_at", "expiry")))
        draft.put("notes", column(row, "notes"))
        mark_archived(draft, row)
        keep_rest(draft, row, DOMAIN_COLUMNS, export.parsed, label=humanize)
        export.add(draft)


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read an IT Glue export folder or zip."""
    from importers import itglue_assets, itglue_documents

    with Tree(path) as tree:
        export = Export(tree, options)
        tree.report_left_out(export.parsed.skip)
        if not any(tree.find(f"{export.base}{stem}.csv") for stem in CORE):
            raise ImportInputError(
                "is not an IT Glue export (no organizations.csv, passwords.csv ...)", file=path
            )
        _organizations(export)
        _locations(export)
        _configurations(export)
        _contacts(export)
        _domains(export)
        for member in tree.names():
            relative = member[len(export.base) :] if member.startswith(export.base) else member
            if "/" in relative or not relative.lower().endswith(".csv"):
                continue
            stem = PurePosixPath(relative).stem.casefold()
            if stem in CORE:
                continue
            if IGNORED.search(stem):
                export.parsed.skip(
                    tree.label(member), "logs, users and groups are not documentation"
                )
                continue
            itglue_assets.read_flexible(export, member)
        _passwords(export)
        itglue_documents.read_documents(export)
        itglue_documents.read_attachments(export)
        _check_links(export)
    if export.parsed.drafts:  # every IT Glue CSV has created_at and updated_at
        export.parsed.note_dates_left_out()
    return export.parsed


def _check_links(export: Export) -> None:
    for draft in export.parsed.drafts:
        missing = [s for s in [*draft.links, *draft.refs.values()] if s not in export.by_source]
        for source in missing:
            what = source.replace(":", " ")
            export.parsed.warn(
                f"{draft.origin}: it is linked to {what}, which is not in the export"
            )
        draft.links = [s for s in draft.links if s in export.by_source]
        draft.refs = {k: v for k, v in draft.refs.items() if v in export.by_source}


def sniff(probe: Probe) -> int:
    """Sure on a folder or zip with IT Glue's CSVs."""
    if not (probe.is_dir or probe.is_zip):
        return 0
    names = {PurePosixPath(n).name.casefold() for n in probe.names if n.count("/") <= 1}
    if "organizations.csv" in names and names & {
        "configurations.csv",
        "passwords.csv",
        "contacts.csv",
    }:
        return 95
    if {"configurations.csv", "passwords.csv"} <= names:
        return 85
    return 0


FORMAT = Format(
    NAME,
    "IT Glue export",
    parse,
    sniff,
    folder=True,
    description="an IT Glue account export (the folder or its zip)",
)
