"""``Template.field`` answers from a per-template dict exactly as the linear search did."""

from __future__ import annotations

from dataclasses import replace

from vault.fields import FieldDef, FieldKind
from vault.templates import BUILTIN_TEMPLATES, Template


def _linear(template: Template, name: str) -> FieldDef | None:
    return next((d for d in template.fields if d.name == name), None)


def test_every_builtin_field_is_found_and_unknown_names_are_not() -> None:
    for template in BUILTIN_TEMPLATES.values():
        for definition in template.fields:
            assert template.field(definition.name) is definition
        assert template.field("no_such_field") is None
        assert template.field("") is None


def test_a_repeated_name_finds_the_first_definition() -> None:
    first = FieldDef("host", FieldKind.TEXT, "Host")
    second = FieldDef("host", FieldKind.URL, "Host URL")
    template = Template("x", "X", "Xs", (first, second), builtin=False)
    assert template.field("host") is first is _linear(template, "host")


def test_a_replaced_template_looks_up_its_own_fields() -> None:
    template = BUILTIN_TEMPLATES["credential"]
    assert template.field("username") is not None
    extra = FieldDef("vlan", FieldKind.NUMBER, "VLAN")
    changed = replace(template, fields=(extra,))
    assert changed.field("vlan") is extra
    assert changed.field("username") is None
    assert template.field("vlan") is None
    assert changed != template and hash(template) == hash(replace(template))
