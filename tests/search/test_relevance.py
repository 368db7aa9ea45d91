"""Relevance on the demo vault: judged queries, precision at 5, and a floor of 0.9.

The demo vault (``build_demo(records=400, seed=1)``: Contoso Dental, Fabrikam
Logistics, Tailspin Architects and Woodgrove Bakery, 100 records each) is
searched with judged queries. Each judgement is a predicate over the records
that says which ones a technician typing the query wants, written from the
demo plan in ``vault/demo_data.py`` (titles, fields, tags), never from what the
engine returns; lookup queries (an e-mail address, a MAC, a serial, a ticket)
take their value from a record and expect the records holding that value.

Precision is measured at k = min(5, number of relevant records): of the top k
results, the share that is relevant. The mean over all queries must be at
least 0.9; the table is printed (``pytest -s``) so a drop can be read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from search import SearchIndex
from vault import Vault
from vault.demo import build_demo
from vault.model import Record

FLOOR = 0.9


@dataclass(frozen=True)
class Demo:
    vault: Vault
    index: SearchIndex
    records: list[Record]
    client: dict[str, str]  # scope id -> client name

    def first(self, client: str, type_: str, test: Callable[[Record], bool]) -> Record:
        return next(
            r
            for r in self.records
            if self.client[r.scope_id].startswith(client) and r.type == type_ and test(r)
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("relevance")
    vault, _ = Vault.create(
        root / "demo.sitebook",
        name="Northwind IT Services",
        owner="Sam Patel",
        passphrase="relevance passphrase",
        kdf_params=KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4),
    )
    build_demo(vault, records=400, seed=1)
    index = SearchIndex.open(vault, cache=Path(root / "cache"))
    names = {c.id: c.name for c in vault.clients()}
    yield Demo(vault, index, vault.list_records(), names)
    index.close()
    vault.close()


Judge = Callable[[Record, str], bool]


def titled(type_: str, title: str, client: str = "") -> Judge:
    """Records of a type whose title starts with ``title`` (any case), in a client."""
    return lambda r, c: (
        r.type == type_ and r.title.lower().startswith(title.lower()) and c.startswith(client)
    )


def either(*judges: Judge) -> Judge:
    return lambda r, c: any(j(r, c) for j in judges)


def tagged(tag: str) -> Judge:
    """Records carrying a tag."""
    return lambda r, c: tag in r.tags


def field(type_: str, name: str, pattern: str, client: str = "") -> Judge:
    """Records of a type whose field ``name`` matches ``pattern`` (a regex, any case)."""
    found = re.compile(pattern, re.IGNORECASE)
    return lambda r, c: (
        r.type == type_ and bool(found.search(r.fields.get(name, ""))) and c.startswith(client)
    )


def holding(value: str) -> Judge:
    """Records with ``value`` as a whole token in any non-secret field (what a lookup wants)."""
    found = re.compile(r"(?<![\w.:-])" + re.escape(value) + r"(?![\w-]|\.\w)", re.IGNORECASE)
    return lambda r, c: any(
        found.search(v) for k, v in r.fields.items() if k not in ("password", "totp", "license_key")
    )


JUDGED: list[tuple[str, Judge]] = [
    ("srv-dc01 client:contoso", titled("configuration", "srv-dc01", "Contoso")),
    ("fw01 client:fabrikam", titled("configuration", "fw01", "Fabrikam")),
    ("nas01 client:tailspin type:configuration", titled("configuration", "nas01", "Tailspin")),
    ("srv-dc* client:fabrikam", field("configuration", "hostname", r"^srv-dc", "Fabrikam")),
    ("fortigate admin", titled("credential", "FortiGate admin")),
    ("synology dsm admin", titled("credential", "Synology DSM admin")),
    ("esxi root", titled("credential", "ESXi root")),
    ("printer web admin", titled("credential", "Printer web admin")),
    ("switch management", titled("credential", "Switch management")),
    ("domain admin", titled("credential", "Domain admin")),
    ("backup service account", titled("credential", "Backup service account")),
    ("wi-fi pre-shared key", titled("credential", "Wi-Fi pre-shared key")),
    ("wifi password", titled("credential", "Wi-Fi pre-shared key")),
    ("restore the file server", titled("procedure", "Restore the file server")),
    ("onboard new employee", titled("procedure", "Onboard a new employee")),
    ("offboard employee", titled("procedure", "Offboard a leaving employee")),
    ("monthly patching servers", titled("procedure", "Monthly patching of the servers")),
    ("reset mfa", titled("procedure", "Reset a user's MFA")),
    (
        "replace failed disk nas",
        either(
            titled("procedure", "Replace a failed disk in the NAS"),
            titled("service-entry", "Replaced a failed disk"),
        ),
    ),
    (
        "renew vpn certificate",
        either(
            titled("procedure", "Renew the firewall's SSL VPN certificate"),
            titled("service-entry", "Renewed the VPN certificate"),
        ),
    ),
    ("rotate domain admin password", titled("procedure", "Rotate the domain admin password")),
    ("conditional access mfa", titled("configuration", "Microsoft 365 tenant")),
    ("fsmo roles", titled("configuration", "srv-dc01")),
    ("smbv1 plotter", titled("exception", "Legacy SMBv1 on the plotter")),
    ("rdp accountant", titled("exception", "RDP allowed from the accountant")),
    ("windows 10 lab pc", titled("exception", "Windows 10 on the lab PC")),
    ("local admin cad workstation", titled("exception", "Local admin rights for the CAD")),
    (
        "managed services agreement client:woodgrove",
        titled("agreement", "Managed services agreement", "Woodgrove"),
    ),
    ("head office client:contoso", titled("location", "Head office", "Contoso")),
    ("microsoft 365 tenant", titled("configuration", "Microsoft 365 tenant")),
    ("veeam backup replication", titled("configuration", "Veeam Backup & Replication")),
    ("eset protect", titled("configuration", "ESET PROTECT")),
    ("designjet plotter", field("configuration", "model", "DesignJet")),
    ("poweredge r450", field("configuration", "model", "PowerEdge R450")),
    ("ubuntu server", field("configuration", "operating_system", "Ubuntu")),
    ("thinkpad laptop", field("configuration", "model", "ThinkPad")),
    ("yealink phone", field("configuration", "manufacturer", "Yealink")),
    ("kyocera printer", field("configuration", "manufacturer", "Kyocera")),
    ("escalation path service desk", titled("agreement", "Managed services agreement")),
    ("dc01", titled("configuration", "srv-dc01")),
    ("backup", either(tagged("backup"), lambda r, c: "backup" in r.title.lower())),
    ("printer", tagged("printer")),
    ("firewall", either(tagged("firewall"), lambda r, c: "firewall" in r.title.lower())),
    ("mfa", either(tagged("mfa"), lambda r, c: "mfa" in r.title.lower())),
    ("patching", tagged("patching")),
    ("laptop windows 11", field("configuration", "operating_system", "Windows 11")),
    ("hp elitedesk", field("configuration", "model", "EliteDesk")),
]


def _lookups(demo: Demo) -> list[tuple[str, Judge]]:
    """Judged lookups whose value comes from a record of the demo."""
    contact = demo.first("Fabrikam", "contact", lambda r: "email" in r.fields)
    nas = demo.first("Contoso", "configuration", lambda r: r.title == "nas01")
    laptop = demo.first("Tailspin", "configuration", lambda r: r.title.startswith("lt-"))
    server = demo.first("Woodgrove", "configuration", lambda r: r.title == "srv-fs01")
    ticket = demo.first("Contoso", "service-entry", lambda r: "ticket" in r.fields)
    fw = demo.first("Fabrikam", "configuration", lambda r: r.title == "fw01")
    nas_ip = nas.fields["ip_addresses"]
    subnet = ".".join(fw.fields["ip_addresses"].split(",")[0].split(".")[:3]) + "."
    in_subnet = re.compile(re.escape(subnet) + r"\d")
    return [
        (contact.fields["email"], holding(contact.fields["email"])),
        (contact.title, lambda r, c: r.title == contact.title and c.startswith("Fabrikam")),
        (nas_ip, holding(nas_ip)),
        (laptop.fields["mac_address"], holding(laptop.fields["mac_address"])),
        (
            laptop.fields["mac_address"].replace(":", "").lower(),
            holding(laptop.fields["mac_address"]),
        ),
        (laptop.fields["serial_number"], holding(laptop.fields["serial_number"])),
        (server.fields["fqdn"], holding(server.fields["fqdn"])),
        (ticket.fields["ticket"], holding(ticket.fields["ticket"])),
        (
            subnet + "* client:fabrikam",
            lambda r, c: (
                c.startswith("Fabrikam")
                and any(in_subnet.search(v) for k, v in r.fields.items() if k != "password")
            ),
        ),
    ]


def precision(demo: Demo, query: str, judge: Judge) -> tuple[float, int]:
    relevant = {r.id for r in demo.records if judge(r, demo.client[r.scope_id])}
    assert relevant, f"the judgement for {query!r} matches no record"
    k = min(5, len(relevant))
    top = [hit.id for hit in demo.index.search(query, limit=k)]
    return sum(1 for record_id in top if record_id in relevant) / k, len(relevant)


def test_precision_at_5(demo: Demo) -> None:
    judged = JUDGED + _lookups(demo)
    assert len(judged) >= 30
    rows = []
    for query, judge in judged:
        score, relevant = precision(demo, query, judge)
        rows.append((score, relevant, query))
    mean = sum(score for score, _, _ in rows) / len(rows)
    print(f"\nprecision@5 over {len(rows)} judged queries: {mean:.3f}")
    for score, relevant, query in sorted(rows):
        print(f"  {score:4.2f}  ({relevant:3d} relevant)  {query}")
    assert mean >= FLOOR


def test_typos_get_suggestions(demo: Demo) -> None:
    assert demo.index.search_page("fortigte").suggestions[:1] == ["fortigate"]
    assert demo.index.search_page("synolgy dsm").suggestions[:1] == ["synology dsm"]
    assert demo.index.suggest("restore the fiel server") == ["restore the file server"]
