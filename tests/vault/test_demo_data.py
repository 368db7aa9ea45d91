"""The demo data plan: deterministic, realistic, internally consistent and valid."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import pytest

from crypto import totp
from vault.demo_data import PROVIDER, TYPES, DemoPlan, DemoRecord, generate
from vault.fields import FieldKind
from vault.templates import BUILTIN_TEMPLATES, validate_fields


@pytest.fixture(scope="module")
def plan() -> DemoPlan:
    return generate()


@pytest.fixture(scope="module")
def big_plan() -> DemoPlan:
    return generate(2000)


def fake_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def reference_names(record: DemoRecord) -> list[str]:
    template = BUILTIN_TEMPLATES[record.type]
    return [f.name for f in template.fields if f.kind is FieldKind.REFERENCE]


def test_same_seed_same_plan() -> None:
    assert generate(400, seed=7) == generate(400, seed=7)
    assert generate(1234, seed=1) == generate(1234, seed=1)


def test_different_seed_different_plan() -> None:
    one, two = generate(400, seed=1), generate(400, seed=2)
    assert one != two
    assert [c.name for c in one.clients] == [c.name for c in two.clients]  # fixed four
    passwords = [
        [r.fields.get("password") for c in plan.clients for r in c.records] for plan in (one, two)
    ]
    assert passwords[0] != passwords[1]


def test_default_plan_shape(plan: DemoPlan) -> None:
    assert plan.provider == PROVIDER == "Northwind IT Services"
    assert [c.name for c in plan.clients] == [
        "Contoso Dental",
        "Fabrikam Logistics",
        "Tailspin Architects",
        "Woodgrove Bakery",
    ]
    assert plan.record_count == 400
    for client in plan.clients:
        counts = Counter(r.type for r in client.records)
        assert set(counts) == set(TYPES), client.name
        assert counts["agreement"] == 1
        assert counts["configuration"] >= 20 and counts["credential"] >= 10


@pytest.mark.parametrize("size", [9, 50, 100, 400, 999, 2000, 12_345])
def test_record_count_matches(size: int) -> None:
    generated = generate(size, seed=3)
    assert abs(generated.record_count - size) <= size / 100
    assert len(generated.clients) >= min(4, size // 9)
    for client in generated.clients:
        assert Counter(r.type for r in client.records)["agreement"] == 1


def test_tiny_plans() -> None:
    assert generate(0).clients == []
    tiny = generate(5)
    assert tiny.record_count == 5
    assert [r.type for r in tiny.clients[0].records][:1] == ["location"]


def test_large_plan_has_many_unique_clients() -> None:
    huge = generate(100_000)
    assert huge.record_count == 100_000
    assert len(huge.clients) == 1000
    assert len({c.name for c in huge.clients}) == 1000
    assert len({c.key for c in huge.clients}) == 1000


def test_keys_unique_and_references_resolve_backwards(big_plan: DemoPlan) -> None:
    all_keys = [r.key for c in big_plan.clients for r in c.records]
    assert len(all_keys) == len(set(all_keys))
    for client in big_plan.clients:
        earlier: dict[str, DemoRecord] = {}
        for record in client.records:
            for name in reference_names(record):
                if name in record.fields:
                    target = earlier[record.fields[name]]  # KeyError: dangling or forward
                    expected = "location" if name == "location" else "configuration"
                    assert target.type == expected, (record.key, name)
            for link in record.links:
                assert link in earlier, (record.key, link)
                assert link != record.key
            earlier[record.key] = record


def test_every_value_validates(big_plan: DemoPlan) -> None:
    ids = {r.key: fake_id(r.key) for c in big_plan.clients for r in c.records}
    checked = 0
    for client in big_plan.clients:
        for record in client.records:
            fields = {**record.fields_with_ids(ids), **record.custom}
            custom = dict.fromkeys(record.custom, FieldKind.TEXT)
            clean = validate_fields(BUILTIN_TEMPLATES[record.type], fields, custom)
            # Demo values are already in normal form: writing them changes nothing.
            assert clean == fields, record.key
            assert record.title and record.title == record.title.strip()
            assert all(t == t.lower() and "," not in t for t in record.tags)
            checked += 1
    assert checked == 2000


def test_credentials_with_totp(big_plan: DemoPlan) -> None:
    seeds = [
        r.fields["totp"]
        for c in big_plan.clients
        for r in c.records
        if r.type == "credential" and "totp" in r.fields
    ]
    assert len(seeds) >= len(big_plan.clients)
    assert len(set(seeds)) == len(seeds)
    for seed in seeds:
        assert len(totp.parse(seed).secret) == 20


def test_realistic_content(plan: DemoPlan) -> None:
    contoso = plan.clients[0]
    by_title = {r.title: r for r in contoso.records}
    dc = by_title["srv-dc01"]
    assert dc.fields["fqdn"] == "srv-dc01.contoso.local"
    assert dc.fields["kind"] == "server"
    assert re.fullmatch(r"10\.\d+\.10\.10", dc.fields["ip_addresses"])
    firewall = by_title["fw01"]
    assert re.search(r"10\.\d+\.0\.0/16", firewall.fields["ip_addresses"])
    for record in contoso.records:
        if record.type == "contact":
            assert record.fields["email"].endswith("@contosodental.com")
        if record.type == "configuration" and record.fields.get("kind") == "license":
            assert record.fields["license_expires"][:4] in {"2026", "2027"}
        if record.type == "service-entry":
            assert re.fullmatch(r"T-20\d\d-\d{4}", record.fields["ticket"])
            assert record.fields["configuration"]
    procedures = [r for r in contoso.records if r.type == "procedure"]
    restore = next(r for r in procedures if r.title == "Restore the file server from backup")
    assert "```powershell" in restore.fields["body"] and "\n1. " in restore.fields["body"]
    assert by_title["srv-fs01"].key in restore.links
    smb = by_title["Legacy SMBv1 on the plotter"]
    assert smb.fields["affected"] == by_title["prn-plotter01"].key
    assert {"why", "approved_by", "review_due"} <= set(smb.fields)
    credential = by_title["FortiGate admin"]
    assert credential.fields["configuration"] == firewall.key


def test_dates_are_fixed_around_2026(big_plan: DemoPlan) -> None:
    date_names = {
        (t.id, f.name)
        for t in BUILTIN_TEMPLATES.values()
        for f in t.fields
        if f.kind is FieldKind.DATE
    }
    years = Counter(
        value[:4]
        for c in big_plan.clients
        for r in c.records
        for name, value in r.fields.items()
        if (r.type, name) in date_names
    )
    assert set(years) <= {"2023", "2024", "2025", "2026", "2027", "2028", "2029"}
    assert years["2026"] > 0 and years["2025"] > 0


def test_titles_unique_where_people_expect_it(big_plan: DemoPlan) -> None:
    for client in big_plan.clients:
        titles = Counter(
            (r.type, r.title) for r in client.records if r.type not in {"service-entry"}
        )
        assert max(titles.values()) == 1, [t for t, n in titles.items() if n > 1]
