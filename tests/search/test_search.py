"""Searching a real vault: IT-shaped values, the query language, secrets, changes, scopes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import SearchIndex
from search.store import Store
from vault import Vault
from vault.fields import FieldDef, FieldKind
from vault.model import Client
from vault.templates import Template

from .conftest import ids

SECRET = "Pw-Zq8vKs3Lm0Xy"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
LICENSE = "LKEY7-QQ9RT-ZZ8WX"


@pytest.fixture
def it(vault: Vault, contoso: Client, fabrikam: Client) -> dict[str, str]:
    """A small vault of IT-shaped records; returns record ids by name."""
    made = {}
    made["dc"] = vault.add_record(
        contoso.id,
        "configuration",
        "srv-dc01",
        {
            "kind": "server",
            "hostname": "srv-dc01",
            "fqdn": "srv-dc01.contoso.local",
            "ip_addresses": "10.0.4.12, fd12:3456::1",
            "mac_address": "B0:7B:25:12:34:56",
            "operating_system": "Windows Server 2022 (10.0.20348.2340)",
            "license_key": LICENSE,
            "notes": (
                "Backup fails with error 0x80070005 (access denied) on the share "
                "\\\\srv-fs01\\scans. See C:\\Windows\\Logs\\CBS\\CBS.log.\n\n"
                "Owner: anna.berg@contoso.com, portal https://portal.contoso.com:8443/admin"
            ),
        },
        tags=["server", "active-directory"],
    ).id
    made["net"] = vault.add_record(
        contoso.id,
        "configuration",
        "Office LAN",
        {"kind": "network", "ip_addresses": "10.0.4.0/24, 2001:db8:4::/48"},
        tags=["network"],
    ).id
    made["cred"] = vault.add_record(
        contoso.id,
        "credential",
        "Domain admin",
        {"username": "CONTOSO\\administrator", "password": SECRET, "totp": TOTP},
        tags=["admin", "active-directory"],
    ).id
    made["fw"] = vault.add_record(
        fabrikam.id,
        "configuration",
        "fw01",
        {"kind": "firewall", "hostname": "fw01", "model": "FortiGate 60F"},
        tags=["firewall"],
    ).id
    made["ticket"] = vault.add_record(
        fabrikam.id,
        "service-entry",
        "Renewed the VPN certificate on fw01",
        {"date": "2026-02-03", "work_done": "Renewed and tested.", "ticket": "T-2026-0412"},
        tags=["certificates"],
    ).id
    made["internal"] = vault.add_record(
        vault.internal_scope_id,
        "procedure",
        "Restore the file server from backup",
        {"body": "1. Open the Veeam console on `nas01`.\n2. Restore the folder."},
        tags=["runbook", "backup"],
    ).id
    return made


FINDABLE = [
    ("srv-dc01.contoso.local", "dc"),
    ("srv-dc01", "dc"),
    ("dc01", "dc"),
    ("contoso.local", "dc"),
    ("srv-dc*", "dc"),
    ("srv-d*", "dc"),
    ("10.0.4.12", "dc"),
    ("10.0.4.*", "dc"),
    ("10.0.4", "dc"),
    ("fd12:3456::1", "dc"),
    ("FD12:3456:0:0:0:0:0:1", "dc"),
    ("B0:7B:25:12:34:56", "dc"),
    ("b0-7b-25-12-34-56", "dc"),
    ("b07b25123456", "dc"),
    ("0x80070005", "dc"),
    ("80070005", "dc"),
    ("\\\\srv-fs01\\scans", "dc"),
    ("srv-fs01", "dc"),
    ("C:\\Windows", "dc"),
    ("C:\\Windows\\Logs", "dc"),
    ("CBS.log", "dc"),
    ("anna.berg@contoso.com", "dc"),
    ("anna.berg", "dc"),
    ("contoso.com", "dc"),
    ("https://portal.contoso.com:8443/admin", "dc"),
    ("portal.contoso.com", "dc"),
    ("8443", "dc"),
    ("10.0.20348", "dc"),
    ("20348", "dc"),
    ('"access denied"', "dc"),
    ("10.0.4.0/24", "net"),
    ("2001:db8:4::/48", "net"),
    ("CONTOSO\\administrator", "cred"),
    ("administrator", "cred"),
    ("T-2026-0412", "ticket"),
    ("0412", "ticket"),
    ("fortigate", "fw"),
    ("FortiGate 60F", "fw"),
    ("veeam", "internal"),
    ("nas01", "internal"),
]


def test_it_shaped_values_are_findable(index: SearchIndex, it: dict[str, str]) -> None:
    """Every value is found by its whole spelling and by its natural parts (top 5)."""
    missed = [q for q, name in FINDABLE if it[name] not in ids(index.search(q, limit=5))]
    assert missed == []


def test_hostname_query_puts_the_host_first(index: SearchIndex, it: dict[str, str]) -> None:
    assert ids(index.search("srv-dc01"))[0] == it["dc"]
    assert ids(index.search("fw01"))[0] == it["fw"]


SECRETS = [SECRET, SECRET.lower(), "Zq8vKs3Lm0Xy", TOTP, TOTP.lower(), LICENSE, "QQ9RT"]


def test_secrets_are_never_findable(index: SearchIndex, it: dict[str, str]) -> None:
    terms = {row[0] for row in index.store.conn.execute("SELECT term FROM vocab")}
    blob = index.store.to_bytes()
    for secret in SECRETS:
        for query in (secret, f'"{secret}"', secret[:6] + "*", "*" + secret[1:]):
            assert index.search(query) == [], query
        folded = secret.lower()
        assert not any(folded in term or (len(term) > 4 and term in folded) for term in terms)
        assert secret.encode() not in blob and folded.encode() not in blob


def test_user_template_secret_fields_are_not_indexed(vault: Vault, contoso: Client) -> None:
    vault.add_template(
        Template(
            id="alarm",
            name="Alarm panel",
            plural="Alarm panels",
            fields=(
                FieldDef("zone", FieldKind.TEXT, "Zone", list_column=True),
                FieldDef("code", FieldKind.SECRET, "Disarm code"),
            ),
            builtin=False,
        )
    )
    record = vault.add_record(contoso.id, "alarm", "Front door", {"zone": "lobby", "code": "4711"})
    secret_custom = vault.add_record(
        contoso.id,
        "configuration",
        "Kiosk",
        {"pin": "vault-pin-8842", "note": "kiosk-note"},
        custom={"pin": FieldKind.SECRET, "note": FieldKind.TEXT},
    )
    with SearchIndex.open(vault) as index:
        assert ids(index.search("lobby")) == [record.id]
        assert index.search("4711") == []
        assert ids(index.search("kiosk-note")) == [secret_custom.id]
        assert index.search("vault-pin-8842") == [] and index.search("8842") == []
        row = next(r for r in index.catalog(contoso.id) if r.id == record.id)
        assert row.columns == {"zone": "lobby"}
        assert all(r.type != "template" for r in index.catalog())


def test_query_language(index: SearchIndex, it: dict[str, str], contoso: Client) -> None:
    assert set(ids(index.search("type:credential"))) == {it["cred"]}
    assert set(ids(index.search("active-directory -type:credential"))) == {it["dc"]}
    assert set(ids(index.search("active-directory NOT administrator"))) == {it["dc"]}
    assert set(ids(index.search("fw01 OR nas01"))) == {it["fw"], it["ticket"], it["internal"]}
    assert set(ids(index.search("tag:firewall"))) == {it["fw"]}
    assert set(ids(index.search("tag:fire*"))) == {it["fw"]}
    assert set(ids(index.search("client:contoso type:configuration"))) == {it["dc"], it["net"]}
    assert set(ids(index.search("client:fab"))) == {it["fw"], it["ticket"]}
    assert set(ids(index.search('client:"contoso dental" server'))) == {it["dc"]}
    assert set(ids(index.search("client:nobody server"))) == set()
    assert set(ids(index.search("server updated:>2000-01-01"))) == {it["dc"], it["internal"]}
    assert index.search("server updated:<2000-01-01") == []
    assert set(ids(index.search("-server -network type:configuration"))) == {it["fw"]}
    assert set(ids(index.search('"restore the file server"'))) == {it["internal"]}
    assert index.search('"file the restore"') == []
    assert set(ids(index.search("srv-dc01", scopes=[contoso.id]))) == {it["dc"]}
    assert index.search("fw01", scopes=[contoso.id]) == []


def test_every_example_query_is_valid(index: SearchIndex, it: dict[str, str]) -> None:
    for query in (
        "C:\\Windows",
        "AND",
        "OR",
        "NOT",
        '"',
        "(",
        ")",
        "srv-dc01",
        "🔥",
        "-",
        "*",
        "type:",
        "updated:>tomorrow",
        "updated:2026-01-01..2026-12-31",
        "ERROR 0x80070005 in \\\\srv-fs01\\scans at 10:42:01 " * 250,
        "\ud800lone surrogate \udfff type:\ud800 client:\udc00",
        "\x00nul\x00 \u202e rtl",
    ):
        page = index.search_page(query)
        assert isinstance(page.hits, list) and page.total >= len(page.hits)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text())
def test_any_text_query_returns_a_list(index: SearchIndex, it: dict[str, str], query: str) -> None:
    hits = index.search(query, limit=5)
    assert isinstance(hits, list)


def test_snippets_mark_the_match_and_name_the_field(index: SearchIndex, it: dict[str, str]) -> None:
    hit = index.search("80070005")[0]
    assert hit.snippet.field == "Notes"
    assert "[0x80070005]" not in str(hit.snippet)
    assert "0x[80070005]" in str(hit.snippet)
    hit = index.search("b07b25123456")[0]
    assert hit.snippet.field == "MAC address"
    assert str(hit.snippet) == "[B0:7B:25:12:34:56]"
    hit = index.search("srv-dc01")[0]
    assert hit.snippet.field in ("Hostname", "FQDN")
    assert hit.snippet.marked("<b>", "</b>").count("<b>") >= 1
    assert hit.client == "Contoso Dental" and hit.type == "configuration"


def test_did_you_mean_and_substrings(index: SearchIndex, it: dict[str, str]) -> None:
    page = index.search_page("fortigte")
    assert page.suggestions and page.suggestions[0] == "fortigate"
    assert index.suggest("restor the veem") == ["restore the veeam"]
    page = index.search_page("0070")
    assert it["dc"] in ids(page.hits)
    assert page.notes
    assert it["dc"] in ids(index.search("*0070"))


def test_changes_are_caught_up_before_every_read(
    vault: Vault, index: SearchIndex, it: dict[str, str], contoso: Client
) -> None:
    vault.update_record(it["fw"], fields={"model": "FortiGate 80F"})
    assert index.search("60F") == []
    assert ids(index.search("80F")) == [it["fw"]]
    vault.delete(it["dc"])
    assert index.search("dc01") == []
    assert it["dc"] not in {r.id for r in index.catalog()}
    assert it["dc"] in {r.id for r in index.catalog(include_deleted=True)}
    vault.undelete(it["dc"])
    assert ids(index.search("dc01")) == [it["dc"]]
    vault.restore(it["fw"], 1)
    assert ids(index.search("60F")) == [it["fw"]]
    assert index.search("80F") == []
    moved = vault.update_record(it["fw"], scope_id=contoso.id)
    assert [h.scope_id for h in index.search("fw01 type:configuration")] == [moved.scope_id]
    new = vault.add_record(contoso.id, "contact", "Rosa Usman", {"phone": "+1 (425) 555-0155"})
    assert ids(index.search("4255550155")) == [new.id]
    assert ids(index.search("555-0155")) == [new.id]


def test_a_new_client_is_searchable_at_once(vault: Vault, index: SearchIndex) -> None:
    tailspin = vault.add_client("Tailspin Architects")
    made = vault.add_record(tailspin.id, "configuration", "plotter", {"model": "DesignJet"})
    assert ids(index.search("designjet")) == [made.id]
    assert ids(index.search("client:tailspin")) == [made.id]


def test_attachments_names_and_text(
    vault: Vault, index: SearchIndex, it: dict[str, str], tmp_path: Path
) -> None:
    vault.add_attachment(it["dc"], io.BytesIO(b"event 4625 logon failure\n"), "dc-events.log")
    vault.add_attachment(it["fw"], io.BytesIO(b"binaryword"), "dump.bin")
    big = b"early-word " + b"x " * (600 * 1024) + b" late-word"
    vault.add_attachment(it["net"], io.BytesIO(big), "huge.txt")
    assert ids(index.search("dc-events.log")) == [it["dc"]]
    assert ids(index.search("4625")) == [it["dc"]]
    assert index.search_page("4625").hits[0].snippet.field == "dc-events.log"
    assert ids(index.search("dump.bin")) == [it["fw"]]
    assert index.search("binaryword") == []
    assert ids(index.search("early-word")) == [it["net"]]
    assert index.search("late-word") == []


def test_catalog_and_counts(index: SearchIndex, it: dict[str, str], contoso: Client) -> None:
    rows = index.catalog(contoso.id, "configuration")
    assert {r.id for r in rows} == {it["dc"], it["net"]}
    dc = next(r for r in rows if r.id == it["dc"])
    assert dc.columns["hostname"] == "srv-dc01" and "license_key" not in dc.columns
    assert dc.tags == ("server", "active-directory")
    assert [r.updated for r in rows] == sorted((r.updated for r in rows), reverse=True)
    counts = index.counts()
    assert counts[contoso.id] == {"configuration": 2, "credential": 1}
    assert len(index.catalog(limit=2)) == 2


def test_only_readable_scopes_are_indexed(
    vault: Vault, vault_path: Path, fast_kdf, it: dict[str, str], contoso: Client
) -> None:
    from vault.members import Invitation

    invitation = vault.invite("Carol", "client-admin", clients=["Contoso Dental"])
    other = Vault.open(vault_path)
    accepted = other.accept_invitation(
        Invitation.from_json(invitation.to_json()), "carol's passphrase", kdf_params=fast_kdf
    )
    other.close()
    vault.confirm_member(accepted.member_id, accepted.fingerprint)
    carol = Vault.open(vault_path)
    carol.unlock("carol's passphrase", member_id=accepted.member_id)
    try:
        with SearchIndex.open(carol) as index:
            assert index.scopes == {contoso.id}
            assert ids(index.search("dc01")) == [it["dc"]]
            assert index.search("fortigate") == []
            assert index.search("veeam") == []
            assert {r.scope_id for r in index.catalog()} == {contoso.id}
            assert set(index.counts()) == {contoso.id}
            assert "fortigate" not in {
                row[0] for row in index.store.conn.execute("SELECT term FROM vocab")
            }
    finally:
        carol.close()


def test_big_result_sets_are_ranked_in_tiers(vault: Vault, contoso: Client, monkeypatch) -> None:
    from search import engine

    with vault.transaction():
        for number in range(60):
            vault.add_record(contoso.id, "procedure", f"Step {number}", {"body": "common words"})
        titled = vault.add_record(contoso.id, "procedure", "common", {"body": "words"})
    monkeypatch.setattr(engine, "RANK_BUDGET", 10)
    monkeypatch.setattr(engine, "WINDOW", 10)
    with SearchIndex.open(vault) as index:
        page = index.search_page("common", limit=5)
        assert page.approximate and page.total == 61
        assert page.hits[0].id == titled.id
        assert len(page.hits) == 5


def test_store_survives_removal_of_every_record(index: SearchIndex, it: dict[str, str]) -> None:
    """Contentless FTS5 deletes must repeat the exact tokens: the vocabulary ends empty."""
    store: Store = index.store
    store.apply((), list(it.values()))
    assert store.conn.execute("SELECT count(*) FROM vocab").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM catalog").fetchone()[0] == 0
    store.conn.execute("INSERT INTO fts (fts) VALUES ('integrity-check')")
