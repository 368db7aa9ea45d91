"""ITFlow CSV exports and import templates (``itflow-csv``): clients, contacts, locations,
assets and credentials.

ITFlow's own importers go by the number of columns, not their names, and so
does this one (headers change across versions; "Full Name           " in one
template is "Name" in the export):

- 22 columns, clients: Client Name, Industry, Referral, Website, Primary
  Location Name, Location Phone, Location Address, City, State, Postal Code,
  Country, Primary Contact Name, Title, Contact Phone, Extension, Contact
  Mobile, Contact Email, Hourly Rate, Currency, Payment Terms, Tax ID,
  Abbreviation -> per row a client with its primary ``location``, its primary
  ``contact`` and an ``agreement`` "Client details" holding industry,
  referral, website, rate, currency, terms, tax id and abbreviation.
- 8 columns, contacts: Name, Title, Department, Email, Phone, Ext, Mobile,
  Location -> ``contact`` (title -> role, phone with its extension).
- 7 (6 in older versions) columns, locations: Name, Address, City, State,
  Postal Code, Phone[, Hours] -> ``location``.
- 9 columns (import template), 13 or 14 (export), assets: Name, Description,
  Type, Make, Model, Serial, OS[, Purchase Date, Warranty Expire, Install
  Date], Assigned To, Location[, Physical Location][, Notes] ->
  ``configuration`` (type -> kind).
- 4 or 5 columns, credentials: Name[, Description], Username, Password, URL
  -> ``credential``.

Cells no layout names are kept as custom fields. A per-client export goes to
``--client``. The stable id is a hash of the layout and the row's name.
"""

from __future__ import annotations

from pathlib import Path

from importers.base import ImportOptions, Parsed, RecordDraft
from importers.registry import Format, Probe
from importers.tabular import RowIds, load_table
from vault.errors import ImportInputError
from vault.fields import FieldKind

NAME = "itflow-csv"
CLIENT_COLUMNS = [
    "name",
    "industry",
    "referral",
    "website",
    "location_name",
    "location_phone",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "contact_name",
    "contact_title",
    "contact_phone",
    "extension",
    "contact_mobile",
    "contact_email",
    "rate",
    "currency",
    "terms",
    "tax_id",
    "abbreviation",
]
LAYOUTS: dict[int, tuple[str, list[str]]] = {
    22: ("clients", CLIENT_COLUMNS),
    8: ("contacts", ["name", "title", "department", "email", "phone", "ext", "mobile", "location"]),
    7: ("locations", ["name", "address", "city", "state", "zip", "phone", "hours"]),
    6: ("locations", ["name", "address", "city", "state", "zip", "phone"]),
    9: (
        "assets",
        ["name", "description", "type", "make", "model", "serial", "os", "assigned", "location"],
    ),
    13: (
        "assets",
        [
            "name",
            "description",
            "type",
            "make",
            "model",
            "serial",
            "os",
            "purchased",
            "warranty",
            "installed",
            "assigned",
            "location",
            "notes",
        ],
    ),
    14: (
        "assets",
        [
            "name",
            "description",
            "type",
            "make",
            "model",
            "serial",
            "os",
            "purchased",
            "warranty",
            "installed",
            "assigned",
            "location",
            "physical",
            "notes",
        ],
    ),
    4: ("credentials", ["name", "username", "password", "url"]),
    5: ("credentials", ["name", "description", "username", "password", "url"]),
}
ASSET_KINDS = {
    "laptop": "laptop",
    "desktop": "workstation",
    "workstation": "workstation",
    "server": "server",
    "virtual machine": "virtual-machine",
    "firewall/router": "firewall",
    "firewall": "firewall",
    "router": "network",
    "switch": "switch",
    "access point": "access-point",
    "printer": "printer",
    "phone": "phone",
    "mobile phone": "phone",
    "tablet": "phone",
    "nas": "storage",
}
LABELS = {
    "purchased": "Purchase date",
    "installed": "Install date",
    "assigned": "Assigned to",
    "location": "Location",
    "physical": "Physical location",
    "department": "Department",
}


def _phone(number: str, extension: str) -> str:
    return (
        f"{number.strip()} ext {extension.strip()}"
        if number.strip() and extension.strip()
        else number
    )


def _address(*parts: str) -> str:
    street, city, state, postal, country = (*parts, "", "", "", "", "")[:5]
    lines = [
        street.strip(),
        " ".join(p.strip() for p in (postal, city) if p.strip()),
        state.strip(),
        country.strip(),
    ]
    return "\n".join(line for line in lines if line)


def _client_rows(cells: dict[str, str], ids: RowIds, origin: str, parsed: Parsed) -> None:
    client = cells["name"].strip()
    if not client:
        parsed.skip(origin, "a client without a name")
        return
    details = RecordDraft(
        ids("client", client),
        "agreement",
        f"{client} – client details",
        client=client,
        origin=origin,
    )
    for key, label in (
        ("industry", "Industry"),
        ("referral", "Referral"),
        ("rate", "Hourly rate"),
        ("currency", "Currency"),
        ("terms", "Payment terms (days)"),
        ("tax_id", "Tax ID"),
        ("abbreviation", "Abbreviation"),
    ):
        details.put(label, cells[key], FieldKind.TEXT)
    details.put("Website", cells["website"], FieldKind.URL)
    parsed.add(details)
    if any(
        cells[k].strip()
        for k in ("location_name", "location_phone", "address", "city", "state", "zip", "country")
    ):
        location = RecordDraft(
            ids("client-location", client),
            "location",
            cells["location_name"] or "Primary",
            client=client,
            tags=["primary"],
            origin=origin,
        )
        location.put(
            "address",
            _address(
                cells["address"], cells["city"], cells["state"], cells["zip"], cells["country"]
            ),
        )
        location.put("phone", cells["location_phone"])
        parsed.add(location)
    if any(
        cells[k].strip()
        for k in (
            "contact_name",
            "contact_title",
            "contact_phone",
            "contact_mobile",
            "contact_email",
        )
    ):
        contact = RecordDraft(
            ids("client-contact", client),
            "contact",
            cells["contact_name"] or cells["contact_email"] or "Primary contact",
            client=client,
            tags=["primary"],
            origin=origin,
        )
        contact.put("role", cells["contact_title"])
        contact.put("phone", _phone(cells["contact_phone"], cells["extension"]))
        contact.put("mobile", cells["contact_mobile"])
        contact.put("email", cells["contact_email"])
        parsed.add(contact)


def _row(
    layout: str, cells: dict[str, str], ids: RowIds, origin: str, parsed: Parsed
) -> RecordDraft | None:
    name = cells.get("name", "").strip()
    if layout == "contacts":
        draft = RecordDraft(
            ids(layout, name, cells["email"]),
            "contact",
            name or cells["email"] or "Contact",
            origin=origin,
        )
        draft.put("role", cells["title"])
        draft.put("email", cells["email"])
        draft.put("phone", _phone(cells["phone"], cells["ext"]))
        draft.put("mobile", cells["mobile"])
        extra = ("department", "location")
    elif layout == "locations":
        draft = RecordDraft(
            ids(layout, name), "location", name or cells["city"] or "Location", origin=origin
        )
        draft.put(
            "address", _address(cells["address"], cells["city"], cells["state"], cells["zip"])
        )
        draft.put("phone", cells["phone"])
        draft.put("opening_hours", cells.get("hours", ""))
        extra = ()
    elif layout == "assets":
        draft = RecordDraft(
            ids(layout, name, cells["serial"]),
            "configuration",
            name or cells["serial"] or "Asset",
            origin=origin,
        )
        kind_text = cells["type"].strip()
        draft.put("kind", ASSET_KINDS.get(kind_text.casefold(), "other" if kind_text else ""))
        if kind_text and kind_text.casefold() not in ASSET_KINDS:
            draft.put("Asset type", kind_text, FieldKind.TEXT)
        draft.put("manufacturer", cells["make"])
        draft.put("model", cells["model"])
        draft.put("serial_number", cells["serial"])
        draft.put("operating_system", cells["os"])
        draft.put("warranty_expires", cells.get("warranty", "")[:10])
        notes = "\n\n".join(
            t for t in (cells["description"].strip(), cells.get("notes", "").strip()) if t
        )
        draft.put("notes", notes)
        extra = ("purchased", "installed", "assigned", "location", "physical")
    else:
        draft = RecordDraft(
            ids(layout, name, cells["username"], cells["url"]),
            "credential",
            name or cells["url"] or cells["username"],
            origin=origin,
        )
        draft.put("username", cells["username"])
        draft.put("password", cells["password"])
        draft.put("url", cells["url"])
        draft.put("notes", cells.get("description", ""))
        extra = ()
    for key in extra:
        draft.put(LABELS[key], cells.get(key, ""), FieldKind.TEXT)
    return draft


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read an ITFlow CSV (its layout chosen by the number of columns)."""
    table = load_table(path)
    count = len(table.header)
    if count not in LAYOUTS:
        known = ", ".join(f"{n} ({LAYOUTS[n][0]})" for n in sorted(LAYOUTS))
        raise ImportInputError(
            f"has {count} columns; ITFlow's layouts have {known}", file=path, line=1
        )
    layout, names = LAYOUTS[count]
    parsed = Parsed(NAME, NAME)
    ids = RowIds()
    for line, row in table.rows:
        values = list(row.values())
        cells = dict(zip(names, values[:count], strict=True))
        origin = f"{path}, line {line}"
        if layout == "clients":
            _client_rows(cells, ids, origin, parsed)
            continue
        draft = _row(layout, cells, ids, origin, parsed)
        if draft is None:
            continue
        for number, cell in enumerate(values[count:], count + 1):
            draft.put(f"Column {number}", cell, FieldKind.TEXT)
        parsed.add(draft)
    return parsed


def sniff(probe: Probe) -> int:
    """Fairly sure when the column count fits a layout and the first header is ITFlow's."""
    keys = probe.header_keys
    if len(keys) not in LAYOUTS or not keys:
        return 0
    first = keys[0]
    layout = LAYOUTS[len(keys)][0]
    if layout == "clients" and first == "clientname":
        return 85
    if (
        layout == "contacts"
        and first in ("name", "fullname")
        and any(k.startswith("department") for k in keys)
    ):
        return 70
    if layout == "assets" and first == "name" and "assignedto" in keys:
        return 75
    if layout == "locations" and keys[:2] == ["name", "address"] and "postalcode" in keys:
        return 70
    if layout == "credentials" and first == "name" and keys[-3:] == ["username", "password", "url"]:
        return 60
    return 0


FORMAT = Format(
    NAME,
    "ITFlow CSV",
    parse,
    sniff,
    description="an ITFlow CSV: clients, contacts, locations, assets or credentials",
)
