"""Records: templates and validation, history, diff, restore, tombstones, relations."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault import Vault, errors
from vault.fields import FieldDef, FieldKind
from vault.templates import Template


def test_every_builtin_template_can_hold_a_record(vault: Vault, client) -> None:
    samples = {
        "configuration": {"kind": "server", "hostname": "srv-dc01", "ip_addresses": "10.0.4.12"},
        "credential": {"username": "administrator", "password": "S3cret!"},
        "procedure": {"body": "# Restore\n1. Open the console"},
        "exception": {"what": "SMBv1 on the plotter", "status": "accepted"},
        "service-entry": {"date": "2026-03-01", "work_done": "Patched", "minutes_spent": "45"},
        "contact": {"email": "owner@contoso.example", "phone": "+1 555 0100"},
        "location": {"address": "1 Main Street"},
        "agreement": {"support_hours": "Mon-Fri 8-17"},
    }
    assert set(samples) <= set(vault.templates())
    for type_id, fields in samples.items():
        record = vault.add_record(client.id, type_id, f"A {type_id}", fields)
        assert vault.get_record(record.id).fields == fields | vault.get_record(record.id).fields
        assert vault.get_record(record.id).type == type_id
    assert len(vault.list_records(client.id)) == len(samples)
    assert [r.type for r in vault.list_records(client.id, "credential")] == ["credential"]


def test_validation_names_every_bad_field(vault: Vault, client) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        vault.add_record(
            client.id,
            "configuration",
            "srv",
            {"ip_addresses": "10.0.4.300", "warranty_expires": "2026-02-30"},
        )
    assert set(caught.value.problems) == {"ip_addresses", "warranty_expires"}
    with pytest.raises(errors.ValidationError):
        vault.add_record(client.id, "procedure", "No body", {})
    with pytest.raises(errors.ValidationError):
        vault.add_record(client.id, "contact", "   ", {})
    with pytest.raises(errors.NotFoundError, match="Known types"):
        vault.add_record(client.id, "spaceship", "x", {})
    assert vault.list_records() == []


def test_custom_fields_and_tags(vault: Vault, client) -> None:
    record = vault.add_record(
        client.id,
        "configuration",
        "fw01",
        {"hostname": "fw01", "rack": "B3", "ilo_password": "x"},
        custom={"ilo_password": FieldKind.SECRET},
        tags=["firewall", "Firewall", " edge "],
    )
    assert record.custom == {"rack": FieldKind.TEXT, "ilo_password": FieldKind.SECRET}
    assert record.tags == ("firewall", "edge")
    assert vault.kinds(record)["ilo_password"] is FieldKind.SECRET
    assert vault.get_record(record.id).secret_names(vault.kinds(record)) == {"ilo_password"}


def test_history_diff_restore(vault: Vault, client) -> None:
    record = vault.add_record(
        client.id, "credential", "Admin", {"username": "a", "password": "one"}
    )
    vault.update_record(record.id, fields={"password": "two"}, title="Domain admin")
    vault.update_record(record.id, fields={"username": None})
    history = vault.history(record.id)
    assert [h.number for h in history] == [1, 2, 3]
    assert history[1].title == "Domain admin"
    assert all(h.author_name == "Alice Admin" for h in history)
    changes = {c.what: c for c in vault.diff(record.id, 1, 2)}
    assert set(changes) == {"title", "field:password"}
    assert changes["field:password"].secret is True
    assert (changes["field:password"].old, changes["field:password"].new) == ("one", "two")
    restored = vault.restore(record.id, 1)
    assert restored.version == 4
    assert restored.fields == {"username": "a", "password": "one"}
    assert restored.title == "Admin"
    assert vault.get_record(record.id, 2).fields["password"] == "two"


def test_delete_is_a_restorable_tombstone(vault: Vault, client) -> None:
    record = vault.add_record(client.id, "contact", "Pat")
    vault.delete(record.id)
    assert vault.list_records() == []
    assert [r.id for r in vault.list_records(include_deleted=True)] == [record.id]
    assert vault.get_record(record.id).deleted
    with pytest.raises(errors.VaultError, match="undelete"):
        vault.update_record(record.id, title="x")
    vault.undelete(record.id)
    assert [r.id for r in vault.list_records()] == [record.id]
    assert [h.deleted for h in vault.history(record.id)] == [False, True, False]


def test_relations_are_shown_both_ways(vault: Vault, client) -> None:
    server = vault.add_record(client.id, "configuration", "srv-fs01", {"hostname": "srv-fs01"})
    cred = vault.add_record(client.id, "credential", "fs admin", {"configuration": server.id})
    proc = vault.add_record(client.id, "procedure", "Restore fs", {"body": "x"})
    vault.link(proc.id, server.id[:8])
    assert vault.get_record(proc.id).links == (server.id,)
    assert {r.id for r in vault.backlinks(server.id)} == {cred.id, proc.id}
    vault.unlink(proc.id, server.id)
    assert {r.id for r in vault.backlinks(server.id)} == {cred.id}
    with pytest.raises(errors.ValidationError):
        vault.link(server.id, server.id)
    with pytest.raises(errors.NotFoundError):
        vault.link(server.id, "ffffffffffffffffffffffffffffffff")


def test_id_prefixes(vault: Vault, client) -> None:
    record = vault.add_record(client.id, "contact", "Pat")
    assert vault.get_record(record.id[:6]).id == record.id
    with pytest.raises(errors.NotFoundError):
        vault.get_record("abc")


def test_clients_are_separate_scopes(vault: Vault) -> None:
    a = vault.add_client("Contoso")
    b = vault.add_client("Fabrikam")
    assert a.id != b.id
    vault.add_record(a.id, "contact", "Pat")
    assert vault.list_records(b.id) == []
    assert vault.find_client("contoso").id == a.id
    assert vault.find_client("Fab").id == b.id
    renamed = vault.rename_client("Contoso", "Contoso Dental")
    assert vault.find_client(a.id).name == "Contoso Dental" == renamed.name
    with pytest.raises(errors.VaultError, match="already exists"):
        vault.add_client("fabrikam")
    with pytest.raises(errors.NotFoundError):
        vault.find_client("Tailspin")
    internal = vault.add_record(vault.scope_for(None), "procedure", "Our onboarding", {"body": "x"})
    assert internal.scope_id == vault.internal_scope_id
    rows = {r[0] for r in vault._conn.execute("SELECT kind FROM scopes")}
    assert rows == {"shared", "internal", "client"}


def test_user_template(vault: Vault, client) -> None:
    template = Template(
        id="ups",
        name="UPS",
        plural="UPSes",
        fields=(
            FieldDef("model", FieldKind.TEXT, "Model", required=True),
            FieldDef("battery_due", FieldKind.DATE, "Battery due"),
        ),
        builtin=False,
    )
    vault.add_template(template)
    record = vault.add_record(client.id, "ups", "Server room UPS", {"model": "APC 1500"})
    assert vault.template("ups").name == "UPS"
    assert vault.get_record(record.id).fields == {"model": "APC 1500"}
    with pytest.raises(errors.VaultError):
        vault.add_template(template)
    assert all(r.type != "template" for r in vault.list_records())


def test_catalog_catches_up_with_another_connection(vault: Vault, vault_path, client) -> None:
    from .conftest import PASSPHRASE

    assert vault.list_records() == []
    other = Vault.open(vault_path)
    other.unlock(PASSPHRASE)
    made = other.add_record(client.id, "contact", "Written elsewhere")
    other.close()
    assert [r.id for r in vault.list_records()] == [made.id]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=st.text(min_size=1, max_size=80).filter(lambda s: s.strip() and s.isprintable()),
    notes=st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.just("\n"), max_size=300),
    tags=st.lists(st.text(alphabet="abcxyz-", min_size=1, max_size=10), max_size=4),
)
def test_round_trip_by_property(
    vault: Vault, client, title: str, notes: str, tags: list[str]
) -> None:
    body = notes if notes.strip() else "x"
    record = vault.add_record(client.id, "procedure", title, {"body": body}, tags=tags)
    again = vault.get_record(record.id)
    assert again.title == " ".join(title.split())
    assert again.fields["body"] == record.fields["body"]
    assert again.tags == record.tags


def test_change_feed_for_derived_indexes(vault: Vault, client) -> None:
    start = vault.high_water_mark()
    found, _gone, mark = vault.changes(0)
    assert {r.type for r in found} == {"member"}  # the owner's membership, in the shared scope
    assert vault.changes(start) == ([], [], start)
    a = vault.add_record(client.id, "contact", "Pat")
    b = vault.add_record(client.id, "contact", "Sam")
    found, gone, mark = vault.changes(start)
    assert [r.id for r in found] == [a.id, b.id] and gone == [] and mark == start + 2
    vault.delete(a.id)
    found, gone, mark = vault.changes(mark)
    assert [(r.id, r.deleted) for r in found] == [(a.id, True)] and mark == start + 3
    assert vault.high_water_mark() == start + 3
    version, key = vault.derived_key(client.id, "search-index")
    assert version == 1 and len(key) == 32
    assert key != vault.derived_key(client.id, "other")[1]
    assert key != vault.derived_key(vault.internal_scope_id, "search-index")[1]


def test_old_versions_keep_their_own_time(vault: Vault, client) -> None:
    record = vault.add_record(client.id, "contact", "Pat")
    vault.update_record(record.id, title="Pat Smith")
    first, head = vault.get_record(record.id, 1), vault.get_record(record.id)
    assert first.created == head.created
    assert first.updated < head.updated
    assert first.updated == vault.history(record.id)[0].created


def test_user_templates_are_never_builtin(vault: Vault) -> None:
    template = Template(
        id="rack", name="Rack", plural="Racks", fields=(FieldDef("units", FieldKind.NUMBER, "U"),)
    )
    assert template.builtin is True
    assert vault.add_template(template).builtin is False
    assert vault.template("rack").builtin is False
