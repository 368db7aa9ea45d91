"""A deterministic, realistic demo data set: an IT provider and the clients it looks after.

This module owns the *plan* of the demo vault: which clients exist and which
records each holds, with every field value written out. It does no vault I/O
and handles no passphrases; a writer turns the plan into records, resolving
the record keys that reference fields and links hold into record ids.

The same ``(records, seed)`` always gives the same plan: all randomness comes
from :class:`random.Random` instances seeded from ``seed``, and every date is
a fixed offset from 2026-01-01. Every field value passes
:func:`vault.templates.validate_fields` for its record's template.
"""

from __future__ import annotations

import datetime
import gc
import random
import re
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
_BASE = datetime.date(2026, 1, 1).toordinal()


def _table(alphabet: str) -> bytes:
    """A ``bytes.translate`` table mapping every byte onto ``alphabet`` uniformly."""
    if 256 % len(alphabet):
        raise ValueError("the alphabet's length must divide 256")
    return bytes(alphabet[i % len(alphabet)].encode("ascii")[0] for i in range(256))


# Random strings come from rng.randbytes() through these tables: much faster than
# rng.choices(), and uniform because each alphabet's length divides 256.
_BASE32 = _table("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_PASSWORD = _table("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+=?@")
_SERIAL = _table("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")


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


# --------------------------------------------------------------------------- clients

_FIXED_CLIENTS: tuple[tuple[str, str], ...] = (
    ("Contoso Dental", "contoso"),
    ("Fabrikam Logistics", "fabrikam"),
    ("Tailspin Architects", "tailspin"),
    ("Woodgrove Bakery", "woodgrove"),
)
_STEMS: tuple[str, ...] = (
    "Adatum", "Alpine", "Bellows", "Blue Yonder", "Coho", "Contoso", "Fabrikam", "Fourth",
    "Graphic", "Humongous", "Litware", "Lucerne", "Margie's", "Munson", "Northridge", "Proseware",
    "Relecloud", "Southridge", "Tailspin", "Trey", "VanArsdel", "Wide World", "Wingtip",
    "Woodgrove", "Datum", "Consolidated", "First Up", "Liberty", "Lamna", "Fincher", "Baldwin",
    "Harbour", "Kestrel", "Meadow", "Oakfield", "Pinewood", "Riverside", "Stonebridge",
    "Summit", "Westbrook",
)  # fmt: skip
_TRADES: tuple[str, ...] = (
    "Dental", "Logistics", "Architects", "Bakery", "Winery", "Accounting", "Law Group",
    "Veterinary Clinic", "Opticians", "Engineering", "Publishing", "Travel", "Insurance",
    "Physiotherapy", "Estate Agents", "Builders", "Print Shop", "Pharmacy", "Brewery",
    "Consulting", "Medical Practice", "Hotel", "Garden Centre", "Motors", "Foundation",
    "Academy", "Surveyors",
)  # fmt: skip
_TOWNS: tuple[str, ...] = (
    "Redmond", "Bellevue", "Kirkland", "Tacoma", "Everett", "Olympia", "Spokane", "Yakima",
    "Bellingham", "Renton", "Kent", "Auburn", "Lynnwood", "Issaquah", "Bothell", "Edmonds",
)  # fmt: skip


def _client_names(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Return ``count`` unique (name, short name) pairs; the fixed four come first."""
    names = list(_FIXED_CLIENTS[:count])
    taken = {name for name, _ in names}
    pool = [(f"{stem} {trade}", stem) for stem in _STEMS for trade in _TRADES]
    rng.shuffle(pool)
    for town in ("", *_TOWNS, *(f"Site {n}" for n in range(2, 10_000))):
        for name, stem in pool:
            if len(names) >= count:
                return names
            full = f"{name} {town}".strip() if town else name
            if full not in taken:
                taken.add(full)
                names.append((full, stem))
    return names


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --------------------------------------------------------------------------- people

_FIRST = (
    "Anna", "Ben", "Carla", "David", "Emma", "Farid", "Grace", "Hiro", "Ines", "James", "Kerstin",
    "Liam", "Mei", "Noah", "Olivia", "Pavel", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Will", "Yara", "Zoe",
)  # fmt: skip
_LAST = (
    "Berg", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Nakamura", "O'Brien", "Patel", "Rossi", "Schmidt",
    "Tanaka", "Usman", "Vogel", "Walsh", "Young", "Zimmer",
)  # fmt: skip
_ROLES = (
    ("Owner", "yes"),
    ("Office manager", "yes"),
    ("IT contact", "yes"),
    ("Accountant", "no"),
    ("Practice manager", "yes"),
    ("Reception", "no"),
    ("Operations lead", "no"),
    ("Facilities", "no"),
)
_PARKING = ("visitor bays at the back", "street parking only", "garage level -1")
_STREETS = (
    "Harbour Street", "Mill Lane", "Station Road", "Pine Avenue", "Market Square", "Lakeview Drive",
    "Commerce Way", "Elm Street", "Canal Walk", "Quarry Road",
)  # fmt: skip


def _phone(rng: random.Random) -> str:
    # 555-0100..0199 are reserved for fiction in the North American numbering plan.
    return f"+1 ({rng.choice(('206', '425', '253', '360'))}) 555-01{rng.randrange(100):02d}"


def _date(offset_days: int) -> str:
    return datetime.date.fromordinal(_BASE + offset_days).isoformat()


def _random_text(rng: random.Random, table: bytes, length: int) -> str:
    return rng.randbytes(length).translate(table).decode("ascii")


def _seed32(rng: random.Random) -> str:
    return _random_text(rng, _BASE32, 32)


def _password(rng: random.Random) -> str:
    return _random_text(rng, _PASSWORD, 20)


def _serial(rng: random.Random, prefix: str, length: int = 8) -> str:
    return prefix + _random_text(rng, _SERIAL, length)


def _mac(rng: random.Random, oui: str) -> str:
    tail = rng.getrandbits(24)
    return f"{oui}:{tail >> 16:02X}:{(tail >> 8) & 0xFF:02X}:{tail & 0xFF:02X}"


# --------------------------------------------------------------------------- configurations

# (role, kind, hostname, manufacturer, model, operating system, host octet, tags)
_CORE_CONFIGS: tuple[tuple[str, str, str, str, str, str, int, tuple[str, ...]], ...] = (
    ("dc", "server", "srv-dc01", "Dell", "PowerEdge R450", "Windows Server 2022 Standard", 10,
     ("server", "windows", "active-directory")),
    ("fw", "firewall", "fw01", "Fortinet", "FortiGate 60F", "FortiOS 7.4.4", 1,
     ("network", "firewall")),
    ("fs", "server", "srv-fs01", "Dell", "PowerEdge T350", "Windows Server 2022 Standard", 11,
     ("server", "windows", "file-server")),
    ("m365", "cloud-service", "", "Microsoft", "Microsoft 365 Business Premium", "", 0,
     ("cloud", "microsoft-365")),
    ("sw", "switch", "sw-core01", "HPE Aruba", "2930F 48G PoE+", "ArubaOS-Switch 16.11", 2,
     ("network", "switch")),
    ("nas", "storage", "nas01", "Synology", "RS1221+", "DSM 7.2", 20, ("storage", "backup")),
    ("lic", "license", "", "Microsoft", "Microsoft 365 Business Premium", "", 0,
     ("licence", "microsoft-365")),
    ("prn", "printer", "prn-01", "Kyocera", "TASKalfa 2554ci", "", 40, ("printer",)),
    ("hv", "server", "hv01", "HPE", "ProLiant DL380 Gen10 Plus", "VMware ESXi 8.0 U2", 12,
     ("server", "virtualisation")),
    ("dc2", "virtual-machine", "srv-dc02", "VMware", "Virtual machine",
     "Windows Server 2022 Standard", 13, ("server", "windows", "active-directory")),
    ("plotter", "printer", "prn-plotter01", "HP", "DesignJet T650", "", 41, ("printer", "legacy")),
    ("ap", "access-point", "ap-01", "Ubiquiti", "UniFi U6 Pro", "UniFi 6.6", 30,
     ("network", "wifi")),
    ("veeam", "software", "", "Veeam", "Backup & Replication 12", "", 0, ("backup", "software")),
    ("av", "software", "", "ESET", "PROTECT Entry", "", 0, ("security", "software")),
)  # fmt: skip
_OUI = {"Dell": "B0:7B:25", "HPE": "94:40:C9", "Fortinet": "70:4C:A5", "Synology": "00:11:32",
        "HPE Aruba": "88:3A:30", "Kyocera": "00:17:C8", "HP": "3C:52:82", "Ubiquiti": "74:83:C2",
        "Lenovo": "8C:16:45", "VMware": "00:50:56", "Yealink": "80:5E:C0"}  # fmt: skip
# (kind, hostname prefix, manufacturer, model, operating system, subnet, tags)
_FILLER_CONFIGS = (
    ("laptop", "lt", "Lenovo", "ThinkPad T14 Gen 4", "Windows 11 Pro 23H2", 20, ("laptop",)),
    ("laptop", "lt", "Dell", "Latitude 5440", "Windows 11 Pro 23H2", 20, ("laptop",)),
    ("workstation", "ws", "HP", "EliteDesk 800 G9", "Windows 11 Pro 23H2", 20, ("workstation",)),
    ("workstation", "ws", "Dell", "OptiPlex 7010", "Windows 10 Pro 22H2", 20, ("workstation",)),
    ("phone", "tel", "Yealink", "T54W", "", 50, ("voip",)),
    ("access-point", "ap", "Ubiquiti", "UniFi U6 Lite", "UniFi 6.6", 30, ("network", "wifi")),
    ("virtual-machine", "srv-app", "VMware", "Virtual machine", "Ubuntu 22.04 LTS", 10,
     ("server", "linux")),
)  # fmt: skip


class _Client:
    """Builds one client's records; holds the per-client vocabulary."""

    def __init__(self, rng: random.Random, index: int, name: str, short: str) -> None:
        self.rng = rng
        self.key = _slug(name) or f"client-{index + 1}"
        self.name = name
        compact = re.sub(r"[^a-z0-9]+", "", name.lower())
        self.ad = f"{_slug(short)}.local" if index < len(_FIXED_CLIENTS) else f"{compact}.local"
        self.mail = f"{compact}.com"
        self.netbios = _slug(short).replace("-", "").upper()[:15]
        self.net = 10 + rng.randrange(240)
        self.records: list[DemoRecord] = []
        self.counters: dict[str, int] = {}
        self.by_role: dict[str, DemoRecord] = {}
        self.by_prefix: dict[str, list[DemoRecord]] = {}
        self.configs: list[DemoRecord] = []
        self.locations: list[DemoRecord] = []
        self.people: list[str] = []
        self.name_offset = rng.randrange(575)
        self.m365_users = 0
        self.local_admins = 0

    def add(
        self,
        type_: str,
        title: str,
        fields: dict[str, str],
        tags: list[str] | tuple[str, ...] = (),
        links: list[str] | None = None,
        custom: dict[str, str] | None = None,
    ) -> DemoRecord:
        number = self.counters.get(type_, 0) + 1
        self.counters[type_] = number
        record = DemoRecord(
            key=f"{self.key}/{type_}/{number}",
            type=type_,
            title=title,
            fields={k: v for k, v in fields.items() if v},
            tags=list(tags),
            links=links or [],
            custom=custom or {},
        )
        self.records.append(record)
        return record

    def ip(self, subnet: int, host: int) -> str:
        return f"10.{self.net}.{subnet}.{host}"

    def location_key(self) -> str:
        return self.rng.choice(self.locations).key if self.locations else ""

    def config(self, *roles: str) -> DemoRecord | None:
        for role in roles:
            if role in self.by_role:
                return self.by_role[role]
            if role in self.by_prefix:
                return self.rng.choice(self.by_prefix[role])
        return self.rng.choice(self.configs) if self.configs else None

    # ----------------------------------------------------------------- per type

    def agreement(self) -> None:
        rng = self.rng
        start = rng.choice((-365, 0, 0, 90))
        tier = rng.choice(("Essentials", "Professional", "Premium"))
        hours = {"Essentials": "Mon-Fri 08:00-17:00", "Professional": "Mon-Fri 07:00-19:00",
                 "Premium": "24/7 for P1, Mon-Sat 07:00-20:00 otherwise"}[tier]  # fmt: skip
        response = {"Essentials": "P1 4 h, P2 next business day, P3 3 business days",
                    "Professional": "P1 1 h, P2 4 h, P3 next business day",
                    "Premium": "P1 30 min, P2 2 h, P3 8 business hours"}[tier]  # fmt: skip
        self.add(
            "agreement",
            f"Managed services agreement ({tier})",
            {
                "support_hours": hours,
                "response_time": response,
                "escalation_path": (
                    "1. Service desk: +1 (425) 555-0100, support@northwind-it.example\n"
                    f"2. Account manager: {TECHNICIANS[0]}\n"
                    f"3. Service director: {TECHNICIANS[3]}"
                ),
                "starts_on": _date(start),
                "ends_on": _date(start + 729),
                "notes": (
                    f"**Tier:** {tier}. Covers servers, network, endpoints and Microsoft 365.\n\n"
                    "Out of scope: line-of-business software, printers under a lease contract."
                ),
            },
            tags=("contract",),
        )

    def location(self, number: int) -> None:
        rng = self.rng
        town = rng.choice(_TOWNS)
        title = "Head office" if number == 1 else f"Branch {town}"
        record = self.add(
            "location",
            title,
            {
                "address": (
                    f"{self.name}\n{rng.randrange(1, 240)} {rng.choice(_STREETS)}\n"
                    f"{town}, WA 98{rng.randrange(100):03d}"
                ),
                "phone": _phone(rng),
                "access_notes": (
                    "Server room is behind reception; the key is in the key safe "
                    f"(code with the office manager). Alarm panel left of the entrance.\n\n"
                    f"Parking: {rng.choice(_PARKING)}."
                ),
                "opening_hours": rng.choice(
                    ("Mon-Fri 08:00-17:30", "Mon-Fri 07:00-16:00", "Mon-Sat 06:00-14:00")
                ),
            },
            tags=("site",),
        )
        self.locations.append(record)

    def contact(self, number: int) -> None:
        rng = self.rng
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        while f"{first} {last}" in self.people and len(self.people) < 500:
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
        role, approves = _ROLES[(number - 1) % len(_ROLES)]
        person = f"{first} {last}"
        self.people.append(person)
        local = f"{first}.{last}".lower().replace("'", "")
        self.add(
            "contact",
            person,
            {
                "role": role,
                "phone": _phone(rng),
                "mobile": _phone(rng) if rng.random() < 0.7 else "",
                "email": f"{local}@{self.mail}",
                "escalation_order": str(number) if number <= 4 else "",
                "may_approve_changes": approves,
                "notes": "Prefers a call over email for outages." if number == 1 else "",
            },
            tags=("contact", "decision-maker") if approves == "yes" else ("contact",),
        )

    def configuration(self, number: int) -> None:
        if number <= len(_CORE_CONFIGS):
            self._core_config(*_CORE_CONFIGS[number - 1])
        else:
            self._filler_config(number)

    def _core_config(
        self,
        role: str,
        kind: str,
        host: str,
        maker: str,
        model: str,
        os_name: str,
        octet: int,
        tags: tuple[str, ...],
    ) -> None:
        rng = self.rng
        fields: dict[str, str] = {
            "kind": kind,
            "hostname": host,
            "manufacturer": maker,
            "model": model,
            "operating_system": os_name,
        }
        custom: dict[str, str] = {}
        title = host
        if host:
            fields["fqdn"] = f"{host}.{self.ad}"
            fields["location"] = self.location_key()
            subnet = 1 if role in ("fw", "sw", "ap") else (20 if role == "nas" else 10)
            subnet = 40 if role in ("prn", "plotter") else subnet
            fields["ip_addresses"] = self.ip(subnet, octet)
            if role == "fw":
                fields["ip_addresses"] += (
                    f", 203.0.113.{rng.randrange(2, 250)}, 10.{self.net}.0.0/16"
                )
            if maker in _OUI:
                fields["mac_address"] = _mac(rng, _OUI[maker])
            if kind != "virtual-machine":
                fields["serial_number"] = _serial(rng, maker[:2].upper())
                fields["warranty_expires"] = _date(rng.randrange(30, 1100))
                custom["Asset tag"] = f"{self.netbios[:3]}-{rng.randrange(1, 9999):04d}"
            if kind == "server":
                custom["Rack position"] = f"Rack 1, U{rng.randrange(1, 40)}"
        if role == "m365":
            title = f"Microsoft 365 tenant {self.mail}"
            fields["fqdn"] = f"{self.mail.split('.')[0]}.onmicrosoft.com"
            fields["notes"] = (
                f"Tenant for **{self.mail}**. Security defaults off; Conditional Access "
                "requires MFA for all users. Global admins: see the credentials."
            )
        elif role == "lic":
            seats = rng.choice((10, 15, 25, 40, 60))
            title = f"Microsoft 365 Business Premium ({seats} seats)"
            fields["license_expires"] = _date(rng.randrange(60, 700))
            fields["notes"] = f"{seats} seats, annual commitment, billed monthly via CSP."
        elif kind == "software":
            title = f"{maker} {model}"
            key = _random_text(rng, _SERIAL, 25)
            fields["license_key"] = "-".join(key[i : i + 5] for i in range(0, 25, 5))
            fields["license_expires"] = _date(rng.randrange(60, 700))
        elif role == "dc":
            fields["notes"] = (
                f"Primary domain controller for `{self.ad}` (NetBIOS `{self.netbios}`). "
                "Holds all FSMO roles. DNS and DHCP for the office LAN."
            )
        elif role == "plotter":
            fields["notes"] = "Scan-to-folder only works over SMBv1; see the exception."
        record = self.add("configuration", title, fields, tags=tags, custom=custom)
        self.by_role[role] = record
        self.configs.append(record)

    def _filler_config(self, number: int) -> None:
        rng = self.rng
        kind, prefix, maker, model, os_name, subnet, tags = rng.choice(_FILLER_CONFIGS)
        host = f"{prefix}-{number:03d}"
        owner = rng.choice(self.people) if self.people and kind == "laptop" else ""
        fields = {
            "kind": kind,
            "hostname": host,
            "fqdn": f"{host}.{self.ad}",
            "ip_addresses": self.ip(subnet, 20 + number % 230),
            "mac_address": _mac(rng, _OUI[maker]),
            "serial_number": _serial(rng, maker[:2].upper()) if kind != "virtual-machine" else "",
            "manufacturer": maker,
            "model": model,
            "operating_system": os_name,
            "location": self.location_key(),
            "warranty_expires": _date(rng.randrange(-200, 1100))
            if kind != "virtual-machine"
            else "",
            "notes": f"Assigned to {owner}." if owner else "",
        }
        record = self.add("configuration", host, fields, tags=tags)
        self.configs.append(record)
        self.by_prefix.setdefault(prefix, []).append(record)

    def credential(self, number: int) -> None:
        rng = self.rng
        specs = (
            ("dc", f"Domain admin ({self.netbios}\\administrator)", f"{self.netbios}\\administrator", "", False, ("admin", "active-directory")),  # noqa: E501
            ("fw", "FortiGate admin", "nwadmin", f"https://{self.ip(1, 1)}:4443", True, ("admin", "firewall")),  # noqa: E501
            ("m365", "Microsoft 365 global admin", f"nw-admin@{self.mail.split('.')[0]}.onmicrosoft.com", "https://admin.microsoft.com", True, ("admin", "microsoft-365", "mfa")),  # noqa: E501
            ("nas", "Synology DSM admin", "nwadmin", f"https://{self.ip(20, 20)}:5001", True, ("admin", "backup")),  # noqa: E501
            ("fs", "Backup service account", f"{self.netbios}\\svc-veeam", "", False, ("service-account", "backup")),  # noqa: E501
            ("hv", "ESXi root", "root", f"https://{self.ip(10, 12)}/ui", False, ("admin", "virtualisation")),  # noqa: E501
            ("sw", "Switch management", "manager", f"https://{self.ip(1, 2)}", False, ("admin", "network")),  # noqa: E501
            ("ap", "Wi-Fi pre-shared key (Staff)", "", "", False, ("wifi",)),
            ("prn", "Printer web admin", "Admin", f"http://{self.ip(40, 40)}", False, ("printer",)),
        )  # fmt: skip
        config: DemoRecord | None = None
        if number <= len(specs):
            role, title, user, url, mfa, tags = specs[number - 1]
        else:
            role = rng.choice(("m365", "m365", "lt"))
            devices = self.by_prefix.get("lt", []) + self.by_prefix.get("ws", [])
            if role == "lt" and self.local_admins >= len(devices):
                role = "m365"
            if role == "m365":
                # Staff names walk (first, last) pairs; 25 and 23 are coprime, so the
                # first 575 are distinct.
                k = self.m365_users
                self.m365_users += 1
                person = (
                    f"{_FIRST[(k + self.name_offset) % 25]} {_LAST[(k + self.name_offset) % 23]}"
                )
                local = person.lower().replace(" ", ".").replace("'", "")
                title, user, url, mfa = (
                    f"{person} (Microsoft 365)",
                    f"{local}@{self.mail}",
                    "https://portal.office.com",
                    rng.random() < 0.3,
                )
                tags = ("user", "microsoft-365")
            else:
                config = devices[self.local_admins]
                self.local_admins += 1
                host = config.title
                title, user, url, mfa = (f"Local admin on {host}", ".\\nwlocal", "", False)
                tags = ("admin", "laps")
        if config is None:
            config = self.config(role)
        self.add(
            "credential",
            title,
            {
                "username": user,
                "password": _password(rng),
                "url": url,
                "totp": _seed32(rng) if mfa else "",
                "rotation_due": _date(rng.randrange(0, 365)),
                "configuration": config.key if config else "",
                "notes": "Stored in the break-glass envelope as well." if number == 1 else "",
            },
            tags=tags,
            custom={"Recovery codes": "Printed, in the office safe"} if mfa and number < 4 else {},
        )

    def procedure(self, number: int) -> None:
        rng = self.rng
        spec = _PROCEDURES[(number - 1) % len(_PROCEDURES)]
        title, roles, tags, body = spec
        cycle = (number - 1) // len(_PROCEDURES)
        if cycle:
            title = f"{title} #{cycle + 1}"
        covered = [self.by_role[r] for r in roles if r in self.by_role]
        hosts = {r: (self.by_role[r].fields.get("hostname") or self.by_role[r].title)
                 for r in ("dc", "fs", "nas", "fw", "hv") if r in self.by_role}  # fmt: skip
        text = body.format(
            dc=hosts.get("dc", "srv-dc01"),
            fs=hosts.get("fs", "srv-fs01"),
            nas=hosts.get("nas", "nas01"),
            fw=hosts.get("fw", "fw01"),
            ad=self.ad,
            netbios=self.netbios,
            mail=self.mail,
        )
        self.add(
            "procedure",
            title,
            {"body": text.rstrip(), "review_due": _date(rng.randrange(30, 400))},
            tags=tags,
            links=[record.key for record in covered],
        )

    def exception(self, number: int) -> None:
        rng = self.rng
        title, role, what, why, status = _EXCEPTIONS[(number - 1) % len(_EXCEPTIONS)]
        cycle = (number - 1) // len(_EXCEPTIONS)
        affected = self.config(role)
        others = [c.key for c in rng.sample(self.configs, min(2, len(self.configs)))]
        approved = rng.randrange(-700, -30)
        self.add(
            "exception",
            f"{title} #{cycle + 1}" if cycle else title,
            {
                "what": what,
                "why": why,
                "approved_by": self.people[0] if self.people else "",
                "approved_on": _date(approved),
                "affected": affected.key if affected else "",
                "review_due": _date(approved + 365),
                "status": status,
            },
            tags=("exception", "risk"),
            links=[k for k in others if not affected or k != affected.key],
        )

    def service_entries(self, count: int) -> None:
        rng = self.rng
        days = sorted(rng.randrange(-730, 0) for _ in range(count))
        sequence: dict[int, int] = {}
        for day in days:
            summary, roles, minutes, tags = rng.choice(_SERVICE)
            config = self.config(*roles)
            host = (config.fields.get("hostname") or config.title) if config else "the server"
            date = _date(day)
            year = int(date[:4])
            sequence[year] = sequence.get(year, 0) + rng.randrange(1, 40)
            self.add(
                "service-entry",
                summary.format(host=host),
                {
                    "date": date,
                    "technician": rng.choice(TECHNICIANS),
                    "work_done": _SERVICE_DETAIL[summary].format(host=host, ad=self.ad),
                    "configuration": config.key if config else "",
                    "ticket": f"T-{year}-{sequence[year]:04d}",
                    "minutes_spent": str(rng.choice(minutes)),
                },
                tags=tags,
            )


_PROCEDURES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...] = (
    (
        "Restore the file server from backup",
        ("fs", "nas", "veeam"),
        ("runbook", "backup"),
        "## When\n\nA folder or the whole of `{fs}` has to come back from backup.\n\n"
        "## Steps\n\n"
        "1. Sign in to the Veeam console on `{nas}` with the *Backup service account*.\n"
        "2. Open **Home > Backups > Disk**, pick the job `FS01-daily` and the restore point.\n"
        "3. For single folders choose **Restore guest files**; for the server choose "
        "**Instant VM recovery**.\n"
        "4. Check the restored data with the person who asked, then note the ticket.\n\n"
        "```powershell\nGet-VBRRestorePoint -Backup (Get-VBRBackup -Name 'FS01-daily') |\n"
        "    Sort-Object CreationTime -Descending | Select-Object -First 5\n```\n",
    ),
    (
        "Onboard a new employee",
        ("dc", "m365"),
        ("runbook", "onboarding"),
        "## Before day one\n\n"
        "1. Create the account in Active Directory on `{dc}` (OU `{netbios}/Users`).\n"
        "2. Wait for Entra Connect to sync, then assign a Microsoft 365 licence.\n"
        "3. Add the user to the department's groups and shared mailboxes.\n"
        "4. Prepare a laptop from the Autopilot profile and label it.\n\n"
        "```powershell\nNew-ADUser -Name 'First Last' -SamAccountName flast `\n"
        "    -UserPrincipalName flast@{mail} -Path 'OU=Users,OU={netbios},DC=corp' `\n"
        "    -Enabled $true -AccountPassword (Read-Host -AsSecureString)\n"
        "Start-ADSyncSyncCycle -PolicyType Delta\n```\n",
    ),
    (
        "Offboard a leaving employee",
        ("dc", "m365"),
        ("runbook", "offboarding"),
        "1. Disable the account on `{dc}` and reset its password.\n"
        "2. Convert the mailbox to a shared mailbox; grant the manager access.\n"
        "3. Remove the licence and revoke sessions:\n\n"
        "```powershell\nDisable-ADAccount -Identity flast\n"
        "Revoke-MgUserSignInSession -UserId flast@{mail}\n```\n\n"
        "4. Collect the laptop and phone; wipe them after 30 days.\n",
    ),
    (
        "Monthly patching of the servers",
        ("dc", "fs", "hv", "dc2"),
        ("runbook", "patching"),
        "Second Tuesday of the month, after 18:00.\n\n"
        "1. Check last night's backup of `{fs}` succeeded.\n"
        "2. Patch `{dc}` first, reboot, confirm `dcdiag` is clean.\n"
        "3. Patch the file server, then the hypervisor hosts one by one.\n\n"
        "```powershell\nInstall-WindowsUpdate -AcceptAll -AutoReboot\ndcdiag /q\n```\n",
    ),
    (
        "Reset a user's MFA",
        ("m365",),
        ("runbook", "mfa"),
        "1. Confirm the caller's identity by calling them back on the number in their "
        "contact record.\n"
        "2. In the Entra admin centre open the user, **Authentication methods**, "
        "**Require re-register multifactor authentication**.\n"
        "3. Ask the user to sign in at https://aka.ms/mysecurityinfo within 15 minutes.\n",
    ),
    (
        "Replace a failed disk in the NAS",
        ("nas",),
        ("runbook", "storage"),
        "1. Open DSM on `{nas}`, **Storage Manager**, and note the failed drive's bay.\n"
        "2. Hot-swap the drive with the spare from the server room shelf.\n"
        "3. Start **Repair** on the storage pool and leave it running (about 10 hours).\n"
        "4. Order a new spare.\n",
    ),
    (
        "Renew the firewall's SSL VPN certificate",
        ("fw",),
        ("runbook", "firewall", "certificates"),
        "1. Let's Encrypt renews automatically on `{fw}`; check **System > Certificates**.\n"
        "2. If renewal failed, check that port 80 is forwarded during validation.\n"
        "3. Reconnect FortiClient on one laptop to confirm.\n\n"
        "```\nexecute acme-certificate renew vpn-cert\n```\n",
    ),
    (
        "Rotate the domain admin password",
        ("dc",),
        ("runbook", "credentials"),
        "1. Generate a new 24-character password.\n"
        "2. Change it on `{dc}` and update the credential record in Sitebook.\n"
        "3. Update the break-glass envelope in the office safe.\n\n"
        "```powershell\nSet-ADAccountPassword -Identity administrator -Reset\n```\n",
    ),
    (
        "Check the backup jobs",
        ("nas", "veeam"),
        ("checklist", "backup"),
        "- [ ] All jobs green in the Veeam console\n- [ ] `{nas}` free space above 20 %\n"
        "- [ ] Offsite copy finished within 24 h\n- [ ] Test restore of one file this month\n",
    ),
    (
        "Power down for building maintenance",
        ("hv", "fs", "dc", "nas", "fw"),
        ("runbook", "power"),
        "Shut down in this order and start in reverse:\n\n"
        "1. Application VMs\n2. `{fs}`\n3. `{dc}`\n4. Hypervisor hosts\n5. `{nas}`\n"
        "6. `{fw}` and the switches last\n",
    ),
)

_EXCEPTIONS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "Legacy SMBv1 on the plotter",
        "plotter",
        "SMBv1 is enabled on the file server share `Scans` for the plotter.",
        "The plotter's firmware cannot scan to folder over SMBv2. Replacement budgeted "
        "for next year. The share is limited to the plotter's IP.",
        "accepted",
    ),
    (
        "Local admin rights for the CAD workstation",
        "ws",
        "One user has local administrator rights on their workstation.",
        "The CAD plug-in vendor's licence tool needs admin rights on every update.",
        "accepted",
    ),
    (
        "RDP allowed from the accountant's office",
        "fw",
        "Firewall rule allows RDP (3389) from one external address to the file server.",
        "Year-end accounting; the accountant refuses VPN. Rule expires with the review.",
        "open",
    ),
    (
        "Windows 10 on the lab PC past end of support",
        "ws",
        "A workstation still runs Windows 10 after October 2025.",
        "The measuring device's driver exists for Windows 10 only. The PC is on its own VLAN.",
        "accepted",
    ),
    (
        "Backup retention reduced to 14 days",
        "nas",
        "Daily backups are kept for 14 days instead of 30.",
        "The NAS is full until the disk upgrade; monthly copies are still kept for a year.",
        "open",
    ),
    (
        "No MFA on the scanner's SMTP account",
        "m365",
        "The scan-to-email account signs in with SMTP AUTH and no MFA.",
        "The copier cannot do OAuth. The account can only send, from the office IP.",
        "resolved",
    ),
)

# (summary, preferred configuration roles, minute choices, tags)
_SERVICE: tuple[tuple[str, tuple[str, ...], tuple[int, ...], tuple[str, ...]], ...] = (
    ("Installed monthly updates on {host}", ("dc", "fs", "hv"), (30, 45, 60, 90), ("patching",)),
    ("Replaced a failed disk in {host}", ("nas",), (60, 90, 120), ("hardware",)),
    ("Updated firmware on {host}", ("fw", "sw", "ap"), (30, 45, 60), ("firmware",)),
    ("Set up {host} for a new employee", ("lt",), (90, 120, 150), ("onboarding",)),
    ("Restored a deleted folder on {host}", ("fs",), (15, 30, 45), ("backup", "restore")),
    ("Investigated slow logons via {host}", ("dc",), (45, 60, 120), ("troubleshooting",)),
    ("Cleared a paper jam and updated drivers for {host}", ("prn", "plotter"), (15, 30),
     ("printer",)),
    ("Renewed the VPN certificate on {host}", ("fw",), (30, 45), ("certificates",)),
    ("Reviewed licences for {host}", ("lic", "m365"), (15, 30), ("licensing",)),
)  # fmt: skip
_SERVICE_DETAIL: dict[str, str] = {
    _SERVICE[0][0]: "Installed the cumulative update on `{host}`, rebooted, checked services "
    "and the event log. No errors.",
    _SERVICE[1][0]: "Bay 3 reported SMART errors on `{host}`. Hot-swapped the drive and started "
    "the pool repair; finished overnight.",
    _SERVICE[2][0]: "Backed up the configuration of `{host}`, updated the firmware, verified "
    "uplinks and VPN tunnels.",
    _SERVICE[3][0]: "Enrolled `{host}` in Intune via Autopilot, installed Office and the line of "
    "business apps, handed over with the user.",
    _SERVICE[4][0]: "Restored the folder from last night's restore point on `{host}` to its "
    "original place; the user confirmed the files.",
    _SERVICE[5][0]: "Logons took two minutes. A stale DNS entry in `{ad}` pointed to an old "
    "server; removed it and flushed caches on `{host}`.",
    _SERVICE[6][0]: "Cleared the jam on `{host}`, installed the current driver package on the "
    "print server.",
    _SERVICE[7][0]: "Certificate on `{host}` was due in 7 days; renewed and tested with "
    "FortiClient.",
    _SERVICE[8][0]: "Compared assigned and purchased seats for `{host}`; removed two unused "
    "licences.",
}


def _allocation(budget: int) -> dict[str, int]:
    """How many records of each type a client with ``budget`` records gets."""
    counts = dict.fromkeys(TYPES, 0)
    if budget < 9:
        priority = ("agreement", "location", "contact", "configuration", "credential",
                    "procedure", "exception", "service-entry")  # fmt: skip
        for type_ in priority[:budget]:
            counts[type_] = 1
        return counts
    counts["agreement"] = 1
    counts["location"] = 1 + (budget >= 60) + (budget >= 150)
    for type_, share in (
        ("contact", 0.08),
        ("configuration", 0.34),
        ("credential", 0.18),
        ("procedure", 0.08),
        ("exception", 0.04),
    ):
        counts[type_] = max(1, int(budget * share))
    rest = budget - sum(counts.values())
    while rest < 1:
        largest = max(("configuration", "credential", "contact"), key=counts.__getitem__)
        counts[largest] -= 1
        rest += 1
    counts["service-entry"] = rest
    return counts


def generate(records: int = 400, seed: int = 1) -> DemoPlan:
    """Plan a demo vault of about ``records`` records for a fictional IT provider.

    Roughly 100 records per client, at least 4 clients (Contoso Dental,
    Fabrikam Logistics, Tailspin Architects, Woodgrove Bakery, then generated
    names). Every client has exactly one agreement and, from nine records on,
    at least one record of every type.

    Args:
        records: Total number of records across all clients (exact).
        seed: Seed for every random choice; the same seed gives the same plan.

    Returns:
        The plan; nothing is written anywhere.
    """
    # The plan is a few hundred thousand small, acyclic objects: cyclic garbage
    # collection passes over them cost a third of the time and find nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return DemoPlan(provider=PROVIDER, clients=_clients(records, seed))
    finally:
        if was_enabled:
            gc.enable()


def _clients(records: int, seed: int) -> list[DemoClient]:
    if records <= 0:
        return []
    count = max(1, min(max(4, round(records / 100)), records // 9))
    rng = random.Random(seed)
    names = _client_names(count, rng)
    base, extra = divmod(records, count)
    clients: list[DemoClient] = []
    keys: set[str] = set()
    for index, (name, short) in enumerate(names):
        budget = base + (1 if index < extra else 0)
        builder = _Client(random.Random(seed * 1_000_003 + index), index, name, short)
        while builder.key in keys:  # two names with the same slug
            builder.key += "-x"
        keys.add(builder.key)
        counts = _allocation(budget)
        for number in range(1, counts["location"] + 1):
            builder.location(number)
        for number in range(1, counts["contact"] + 1):
            builder.contact(number)
        for number in range(1, counts["configuration"] + 1):
            builder.configuration(number)
        for number in range(1, counts["credential"] + 1):
            builder.credential(number)
        for number in range(1, counts["procedure"] + 1):
            builder.procedure(number)
        for number in range(1, counts["exception"] + 1):
            builder.exception(number)
        builder.service_entries(counts["service-entry"])
        if counts["agreement"]:
            builder.agreement()
        clients.append(DemoClient(key=builder.key, name=name, records=builder.records))
    return clients
