"""Builds one demo client's records: the per-client vocabulary and one method per record type.

Part of the demo data generator (:func:`vault.demo_data.generate`). All
randomness comes from the :class:`random.Random` it is given and every date is
a fixed offset from 2026-01-01, so the same seed always gives the same records.
"""

from __future__ import annotations

import datetime
import random
import re

from vault.demo_plan import TECHNICIANS, DemoRecord
from vault.demo_texts import (
    CORE_CONFIGS,
    EXCEPTIONS,
    FILLER_CONFIGS,
    FIRST,
    FIXED_CLIENTS,
    LAST,
    OUI,
    PARKING,
    PROCEDURES,
    ROLES,
    SERVICE,
    SERVICE_DETAIL,
    STREETS,
    TOWNS,
)

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


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


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


class ClientBuilder:
    """Builds one client's records; holds the per-client vocabulary."""

    def __init__(self, rng: random.Random, index: int, name: str, short: str) -> None:
        self.rng = rng
        self.key = slug(name) or f"client-{index + 1}"
        self.name = name
        compact = re.sub(r"[^a-z0-9]+", "", name.lower())
        self.ad = f"{slug(short)}.local" if index < len(FIXED_CLIENTS) else f"{compact}.local"
        self.mail = f"{compact}.com"
        self.netbios = slug(short).replace("-", "").upper()[:15]
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
        town = rng.choice(TOWNS)
        title = "Head office" if number == 1 else f"Branch {town}"
        record = self.add(
            "location",
            title,
            {
                "address": (
                    f"{self.name}\n{rng.randrange(1, 240)} {rng.choice(STREETS)}\n"
                    f"{town}, WA 98{rng.randrange(100):03d}"
                ),
                "phone": _phone(rng),
                "access_notes": (
                    "Server room is behind reception; the key is in the key safe "
                    f"(code with the office manager). Alarm panel left of the entrance.\n\n"
                    f"Parking: {rng.choice(PARKING)}."
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
        first, last = rng.choice(FIRST), rng.choice(LAST)
        while f"{first} {last}" in self.people and len(self.people) < 500:
            first, last = rng.choice(FIRST), rng.choice(LAST)
        role, approves = ROLES[(number - 1) % len(ROLES)]
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
        if number <= len(CORE_CONFIGS):
            self._core_config(*CORE_CONFIGS[number - 1])
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
            if maker in OUI:
                fields["mac_address"] = _mac(rng, OUI[maker])
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
        kind, prefix, maker, model, os_name, subnet, tags = rng.choice(FILLER_CONFIGS)
        host = f"{prefix}-{number:03d}"
        owner = rng.choice(self.people) if self.people and kind == "laptop" else ""
        fields = {
            "kind": kind,
            "hostname": host,
            "fqdn": f"{host}.{self.ad}",
            "ip_addresses": self.ip(subnet, 20 + number % 230),
            "mac_address": _mac(rng, OUI[maker]),
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
                person = f"{FIRST[(k + self.name_offset) % 25]} {LAST[(k + self.name_offset) % 23]}"
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
        spec = PROCEDURES[(number - 1) % len(PROCEDURES)]
        title, roles, tags, body = spec
        cycle = (number - 1) // len(PROCEDURES)
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
        title, role, what, why, status = EXCEPTIONS[(number - 1) % len(EXCEPTIONS)]
        cycle = (number - 1) // len(EXCEPTIONS)
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
            summary, roles, minutes, tags = rng.choice(SERVICE)
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
                    "work_done": SERVICE_DETAIL[summary].format(host=host, ad=self.ad),
                    "configuration": config.key if config else "",
                    "ticket": f"T-{year}-{sequence[year]:04d}",
                    "minutes_spent": str(rng.choice(minutes)),
                },
                tags=tags,
            )
