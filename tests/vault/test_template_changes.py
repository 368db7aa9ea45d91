"""Editing and retiring user templates on a real vault: what may change, what must not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vault import Vault
from vault.errors import NotFoundError, ValidationError
from vault.fields import FieldDef, FieldKind
from vault.template_changes import change_problems
from vault.templates import Template

UPS = Template(
    id="ups",
    name="UPS",
    plural="UPSes",
    builtin=False,
    fields=(
        FieldDef("model", FieldKind.TEXT, "Model", list_column=True),
        FieldDef("admin_pin", FieldKind.SECRET, "Admin PIN"),
        FieldDef("battery_due", FieldKind.DATE, "Battery due"),
    ),
)


def test_change_problems_guard_secret_fields() -> None:
    assert change_problems(UPS, UPS) == {}
    relabelled = replace(UPS, fields=(UPS.fields[1], replace(UPS.fields[0], label="Make")))
    assert change_problems(UPS, relabelled) == {}
    dropped = replace(UPS, fields=(UPS.fields[0], UPS.fields[2]))
    assert "cannot be removed" in change_problems(UPS, dropped)["fields"]
    unmasked = replace(UPS, fields=(UPS.fields[0], replace(UPS.fields[1], kind=FieldKind.TEXT)))
    assert "fields[1].kind" in change_problems(UPS, unmasked)
    as_totp = replace(UPS, fields=(UPS.fields[0], replace(UPS.fields[1], kind=FieldKind.TOTP)))
    assert change_problems(UPS, as_totp) == {}
    assert "id" in change_problems(UPS, replace(UPS, id="ups2"))


def test_update_template_keeps_records_and_refuses_unmasking(vault: Vault, client) -> None:
    vault.add_template(UPS)
    record = vault.add_record(client.id, "ups", "UPS rack 1", {"model": "SMT1500"})
    grown = replace(
        UPS,
        name="Power supply",
        fields=(*UPS.fields, FieldDef("location", FieldKind.TEXT, "Location")),
    )
    saved = vault.update_template(grown)
    assert vault.template("ups").name == "Power supply" == saved.name
    assert [f.name for f in vault.template("ups").fields][-1] == "location"
    assert vault.get_record(record.id).fields["model"] == "SMT1500"
    unmasked = replace(grown, fields=tuple(replace(f, kind=FieldKind.TEXT) for f in grown.fields))
    with pytest.raises(ValidationError) as caught:
        vault.update_template(unmasked)
    assert "fields[1].kind" in caught.value.problems
    assert vault.template("ups").field("admin_pin").secret
    with pytest.raises(ValidationError):
        vault.update_template(vault.template("credential"))
    with pytest.raises(NotFoundError):
        vault.update_template(replace(UPS, id="nope"))


def test_retire_hides_from_new_records_but_keeps_existing(vault: Vault, client) -> None:
    vault.add_template(UPS)
    record = vault.add_record(client.id, "ups", "UPS rack 2", {"battery_due": "2027-01-31"})
    assert vault.retired_templates() == set()
    vault.retire_template("ups")
    assert vault.retired_templates() == {"ups"}
    assert "ups" in vault.templates()  # existing records still have their fields
    edited = vault.update_record(record.id, fields={"model": "SMT750"})
    assert edited.fields["model"] == "SMT750"
    vault.retire_template("ups", retired=False)
    assert vault.retired_templates() == set()


def test_add_record_refuses_a_retired_type_without_decrypting_templates(
    vault: Vault, client
) -> None:
    vault.add_template(UPS)
    kept = vault.add_record(client.id, "ups", "UPS rack 3")
    vault.retire_template("ups")
    opened: list[str] = []
    real = vault._open_row

    def counting(row):  # the real decryption, counted
        opened.append(row.record_id)
        return real(row)

    vault.templates()  # the templates (and their retired state) are read once...
    vault._open_row = counting  # type: ignore[method-assign]
    with pytest.raises(ValidationError) as caught:
        vault.add_record(client.id, "ups", "UPS rack 4")
    assert "retired" in caught.value.problems["type"] and "UPS" in str(caught.value)
    assert opened == []  # ...and the refusal decrypts nothing
    vault.add_record(client.id, "configuration", "still fine")
    assert vault.update_record(kept.id, title="UPS rack 3b").title == "UPS rack 3b"
    vault._open_row = real  # type: ignore[method-assign]
    vault.retire_template("ups", retired=False)
    assert vault.add_record(client.id, "ups", "UPS rack 4").type == "ups"


def test_a_type_retired_through_another_connection_is_refused_here(vault: Vault, client) -> None:
    """A sync runs on a sibling connection (or another process): its retire is seen at once."""
    vault.add_template(UPS)
    vault.add_record(client.id, "ups", "UPS rack 5")  # templates read and cached here
    other = vault.sibling()
    try:
        other.retire_template("ups")
    finally:
        other.close()
    assert vault.retired_templates() == {"ups"}
    with pytest.raises(ValidationError):
        vault.add_record(client.id, "ups", "UPS rack 6")
