"""Templates: the built-in record types, user templates and field validation."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vault.errors import ValidationError
from vault.fields import RESERVED_FIELD_NAMES, SECRET_KINDS, FieldDef, FieldKind
from vault.templates import (
    BUILTIN_TEMPLATES,
    Template,
    slugify,
    template_problems,
    validate_fields,
    validate_template,
)

K = FieldKind
RECORD_ID = "0123456789abcdef0123456789abcdef"


def problems_of(call: object, *args: object, **kwargs: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value.problems


# --------------------------------------------------------------------------- built-ins


def test_builtins_in_order() -> None:
    assert list(BUILTIN_TEMPLATES) == [
        "configuration",
        "credential",
        "procedure",
        "exception",
        "service-entry",
        "contact",
        "location",
        "agreement",
    ]
    for template_id, template in BUILTIN_TEMPLATES.items():
        assert template.id == template_id
        assert template.builtin
        assert template.name and template.plural and template.description
        assert template_problems(template) == {}, template_id
        names = [f.name for f in template.fields]
        assert "title" not in names and "tags" not in names


def test_builtin_fields() -> None:
    def shape(template_id: str) -> dict[str, FieldKind]:
        return {f.name: f.kind for f in BUILTIN_TEMPLATES[template_id].fields}

    assert shape("configuration") == {
        "kind": K.CHOICE,
        "hostname": K.TEXT,
        "fqdn": K.TEXT,
        "ip_addresses": K.IP,
        "mac_address": K.TEXT,
        "serial_number": K.TEXT,
        "manufacturer": K.TEXT,
        "model": K.TEXT,
        "operating_system": K.TEXT,
        "location": K.REFERENCE,
        "warranty_expires": K.DATE,
        "license_key": K.SECRET,
        "license_expires": K.DATE,
        "notes": K.MARKDOWN,
    }
    assert shape("credential") == {
        "username": K.TEXT,
        "password": K.SECRET,
        "url": K.URL,
        "totp": K.TOTP,
        "rotation_due": K.DATE,
        "configuration": K.REFERENCE,
        "notes": K.MARKDOWN,
    }
    assert shape("procedure") == {"body": K.MARKDOWN, "review_due": K.DATE}
    assert shape("exception") == {
        "what": K.MARKDOWN,
        "why": K.MARKDOWN,
        "approved_by": K.TEXT,
        "approved_on": K.DATE,
        "affected": K.REFERENCE,
        "review_due": K.DATE,
        "status": K.CHOICE,
    }
    assert shape("service-entry") == {
        "date": K.DATE,
        "technician": K.TEXT,
        "work_done": K.MARKDOWN,
        "configuration": K.REFERENCE,
        "ticket": K.TEXT,
        "minutes_spent": K.NUMBER,
    }
    assert shape("contact") == {
        "role": K.TEXT,
        "phone": K.PHONE,
        "mobile": K.PHONE,
        "email": K.EMAIL,
        "escalation_order": K.NUMBER,
        "may_approve_changes": K.CHOICE,
        "notes": K.MARKDOWN,
    }
    assert shape("location") == {
        "address": K.MARKDOWN,
        "phone": K.PHONE,
        "access_notes": K.MARKDOWN,
        "opening_hours": K.TEXT,
    }
    assert shape("agreement") == {
        "support_hours": K.TEXT,
        "response_time": K.TEXT,
        "escalation_path": K.MARKDOWN,
        "starts_on": K.DATE,
        "ends_on": K.DATE,
        "notes": K.MARKDOWN,
    }


def test_builtin_required_fields_and_choices() -> None:
    required = {
        template_id: [f.name for f in template.fields if f.required]
        for template_id, template in BUILTIN_TEMPLATES.items()
    }
    assert required == {
        "configuration": [],
        "credential": [],
        "procedure": ["body"],
        "exception": ["what"],
        "service-entry": ["date", "work_done"],
        "contact": [],
        "location": [],
        "agreement": [],
    }
    configuration = BUILTIN_TEMPLATES["configuration"]
    kind = configuration.field("kind")
    assert kind is not None
    assert kind.choices[:3] == ("server", "workstation", "laptop")
    assert {"firewall", "switch", "license", "cloud-service", "other"} <= set(kind.choices)
    status = BUILTIN_TEMPLATES["exception"].field("status")
    assert status is not None and status.choices == ("open", "accepted", "resolved")
    approves = BUILTIN_TEMPLATES["contact"].field("may_approve_changes")
    assert approves is not None and approves.choices == ("yes", "no")


def test_list_columns() -> None:
    configuration = BUILTIN_TEMPLATES["configuration"]
    assert [f.name for f in configuration.list_columns()] == [
        "kind",
        "hostname",
        "ip_addresses",
        "operating_system",
    ]
    credential = BUILTIN_TEMPLATES["credential"]
    assert [f.name for f in credential.list_columns()] == ["username", "url"]
    for template in BUILTIN_TEMPLATES.values():
        assert all(f.kind not in SECRET_KINDS for f in template.list_columns())


def test_field_lookup() -> None:
    credential = BUILTIN_TEMPLATES["credential"]
    password = credential.field("password")
    assert password is not None and password.kind is K.SECRET and password.secret
    assert credential.field("hostname") is None


def test_builtin_round_trip_through_json() -> None:
    for template in BUILTIN_TEMPLATES.values():
        assert Template.from_dict(json.loads(json.dumps(template.to_dict()))) == template


# --------------------------------------------------------------------------- validate_fields


def test_validate_fields_normalises_orders_and_drops_empty() -> None:
    configuration = BUILTIN_TEMPLATES["configuration"]
    result = validate_fields(
        configuration,
        {
            "notes": "\n  Primary DC  \n",
            "Rack position": " Rack 1, U12 ",
            "ip_addresses": "10.0.4.10,10.0.4.0/24",
            "hostname": "srv-dc01",
            "kind": "Server",
            "serial_number": "",
            "Asset tag": "",
        },
        custom={"Rack position": K.TEXT, "Asset tag": K.TEXT},
    )
    assert list(result.items()) == [
        ("kind", "server"),
        ("hostname", "srv-dc01"),
        ("ip_addresses", "10.0.4.10, 10.0.4.0/24"),
        ("notes", "  Primary DC"),
        ("Rack position", "Rack 1, U12"),
    ]


def test_validate_fields_collects_all_problems_at_once() -> None:
    secret_seed = "hunter1!-seed"
    problems = problems_of(
        validate_fields,
        BUILTIN_TEMPLATES["credential"],
        {
            "url": "TBD",
            "totp": secret_seed,
            "rotation_due": "2026-02-30",
            "configuration": "srv-dc01",
            "colour": "blue",
        },
    )
    assert set(problems) == {"url", "totp", "rotation_due", "configuration", "colour"}
    assert problems["totp"].startswith("is not a valid TOTP seed")
    assert problems["rotation_due"] == "is not a real date (check day and month)"
    assert "custom field" in problems["colour"]
    with pytest.raises(ValidationError) as info:
        validate_fields(BUILTIN_TEMPLATES["credential"], {"totp": secret_seed})
    assert secret_seed not in str(info.value)


def test_validate_fields_required() -> None:
    service = BUILTIN_TEMPLATES["service-entry"]
    problems = problems_of(validate_fields, service, {"date": " ", "ticket": "T-2026-0412"})
    assert problems == {"date": "is required", "work_done": "is required"}
    assert validate_fields(service, {"date": "2026-01-05", "work_done": "Patched."}) == {
        "date": "2026-01-05",
        "work_done": "Patched.",
    }


def test_validate_fields_custom_kinds_and_names() -> None:
    procedure = BUILTIN_TEMPLATES["procedure"]
    result = validate_fields(
        procedure,
        {"body": "1. Do it", "Vendor portal": "portal.vendor.com", "Owner email": "A@B.COM"},
        custom={"Vendor portal": K.URL, "Owner email": K.EMAIL},
    )
    assert result == {
        "body": "1. Do it",
        "Vendor portal": "portal.vendor.com",
        "Owner email": "A@b.com",
    }
    problems = problems_of(
        validate_fields,
        procedure,
        {"body": "x", "title": "t", "Tags": "a", "x" * 65: "v", "Vendor portal": "no"},
        custom={"title": K.TEXT, "Tags": K.TEXT, "x" * 65: K.TEXT, "Vendor portal": K.URL},
    )
    assert "reserved" in problems["title"]
    assert "reserved" in problems["Tags"]
    assert "64" in problems["x" * 65]
    assert problems["Vendor portal"].startswith("is not a valid URL")


def test_template_kind_wins_over_custom() -> None:
    result = validate_fields(
        BUILTIN_TEMPLATES["procedure"],
        {"body": "x", "review_due": "2026-03-01"},
        custom={"review_due": K.TEXT},
    )
    assert result["review_due"] == "2026-03-01"
    problems = problems_of(
        validate_fields,
        BUILTIN_TEMPLATES["procedure"],
        {"body": "x", "review_due": "next year"},
        custom={"review_due": K.TEXT},
    )
    assert problems == {"review_due": "is not a valid date (use YYYY-MM-DD)"}


def test_secret_custom_field_is_kept_exactly() -> None:
    result = validate_fields(
        BUILTIN_TEMPLATES["procedure"],
        {"body": "x", "Alarm code": " 1234 "},
        custom={"Alarm code": K.SECRET},
    )
    assert result["Alarm code"] == " 1234 "


def test_reference_fields() -> None:
    result = validate_fields(
        BUILTIN_TEMPLATES["exception"],
        {"what": "SMBv1 on", "affected": RECORD_ID.upper(), "status": "Accepted"},
    )
    assert result == {"what": "SMBv1 on", "affected": RECORD_ID, "status": "accepted"}


# --------------------------------------------------------------------------- user templates


def user_template_dict(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "backup-job",
        "name": "Backup job",
        "plural": "Backup jobs",
        "builtin": False,
        "description": "A scheduled backup.",
        "fields": [
            {"name": "schedule", "kind": "text", "label": "Schedule", "list_column": True},
            {"name": "target", "kind": "url", "label": "Target", "required": True},
            {
                "name": "status",
                "kind": "choice",
                "label": "Status",
                "choices": ["ok", "warning", "failed"],
            },
            {"name": "encryption_key", "kind": "secret", "label": "Encryption key"},
        ],
    }
    data.update(overrides)
    return data


def test_user_template_from_dict() -> None:
    template = Template.from_dict(user_template_dict())
    assert template.id == "backup-job" and not template.builtin
    assert [f.name for f in template.fields] == ["schedule", "target", "status", "encryption_key"]
    assert template.field("target") == FieldDef("target", K.URL, "Target", required=True)
    assert [f.name for f in template.list_columns()] == ["schedule"]
    assert Template.from_dict(template.to_dict()) == template
    problems = problems_of(validate_fields, template, {"status": "unknown"})
    assert problems == {"target": "is required", "status": "must be one of: ok, warning, failed"}


def test_user_template_defaults() -> None:
    template = Template.from_dict(
        {"name": "Backup job", "fields": [{"name": "retention_days", "kind": "number"}]}
    )
    assert template.id == "backup-job"
    assert template.plural == "Backup jobs"
    assert template.fields[0].label == "Retention days"
    assert not template.builtin


def test_slugify() -> None:
    assert slugify("Backup job") == "backup-job"
    assert slugify("  Wi-Fi / WLAN  ") == "wi-fi-wlan"
    assert slugify("!!!") == "template"
    assert len(slugify("x" * 200)) == 64


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        ({"name": "  "}, "name", "cannot be empty"),
        ({"plural": "a\nb"}, "plural", "one line"),
        ({"id": "Backup Job"}, "id", "lowercase"),
        ({"id": "configuration"}, "id", "built-in"),
        ({"fields": "schedule"}, "fields", "list of field definitions"),
        ({"builtin": "no"}, "builtin", "true or false"),
        (
            {"fields": [{"name": "a", "kind": "text"}, {"name": "a", "kind": "url"}]},
            "fields[1].name",
            "already used by field 1",
        ),
        ({"fields": [{"name": "x", "kind": "colour"}]}, "fields[0]", "unknown kind"),
        ({"fields": [{"name": "x", "kind": "choice"}]}, "fields[0].choices", "at least one"),
        (
            {"fields": [{"name": "x", "kind": "choice", "choices": ["a", "A"]}]},
            "fields[0].choices",
            "listed twice",
        ),
        (
            {"fields": [{"name": "x", "kind": "text", "choices": ["a"]}]},
            "fields[0].choices",
            "only choice fields",
        ),
        ({"fields": [{"name": "title", "kind": "text"}]}, "fields[0].name", "reserved"),
        ({"fields": [{"name": "tags", "kind": "tags"}]}, "fields[0].name", "reserved"),
        ({"fields": [{"name": "Serial No", "kind": "text"}]}, "fields[0].name", "snake_case"),
        (
            {"fields": [{"name": "pin", "kind": "secret", "list_column": True}]},
            "fields[0].list_column",
            "secret field cannot be shown",
        ),
        ({"fields": [{"name": "x", "kind": "text", "label": " "}]}, "fields[0].label", "empty"),
        ({"fields": ["x"]}, "fields[0]", "must be an object"),
    ],
)
def test_bad_user_templates_are_rejected(
    overrides: dict[str, object], key: str, fragment: str
) -> None:
    problems = problems_of(Template.from_dict, user_template_dict(**overrides))
    assert key in problems, problems
    assert fragment in problems[key]


def test_bad_user_template_reports_everything() -> None:
    problems = problems_of(
        Template.from_dict,
        {
            "name": "",
            "fields": [
                {"name": "ok", "kind": "text"},
                {"name": "ok", "kind": "text"},
                {"name": "pick", "kind": "choice"},
                {"name": "bad", "kind": "nope"},
            ],
        },
    )
    assert set(problems) == {"name", "plural", "fields[1].name", "fields[2].choices", "fields[3]"}
    assert problems["fields[3]"].startswith("field 4 has an unknown kind")


def test_not_a_mapping() -> None:
    assert "template" in problems_of(Template.from_dict, ["not", "a", "dict"])


def test_validate_template_on_a_built_object() -> None:
    validate_template(BUILTIN_TEMPLATES["contact"])
    broken = Template("x", "X", "Xs", (FieldDef("id", K.TEXT, "Id"),), builtin=False)
    assert "reserved" in problems_of(validate_template, broken)["fields[0].name"]


# --------------------------------------------------------------------------- round trip

_names = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True).filter(
    lambda n: n not in RESERVED_FIELD_NAMES
)
_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30
).filter(lambda t: t.strip() == t and t != "")


@st.composite
def field_defs(draw: st.DrawFn, name: str) -> FieldDef:
    kind = draw(st.sampled_from(list(FieldKind)))
    choices: tuple[str, ...] = ()
    if kind is FieldKind.CHOICE:
        choices = tuple(
            draw(st.lists(_line, min_size=1, max_size=5, unique_by=lambda c: c.casefold()))
        )
    return FieldDef(
        name=name,
        kind=kind,
        label=draw(_line),
        required=draw(st.booleans()),
        choices=choices,
        list_column=kind not in SECRET_KINDS and draw(st.booleans()),
        help=draw(st.text(max_size=40)),
    )


@st.composite
def user_templates(draw: st.DrawFn) -> Template:
    names = draw(st.lists(_names, max_size=8, unique=True))
    name = draw(_line)
    template_id = draw(st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,2}", fullmatch=True))
    if template_id in BUILTIN_TEMPLATES:
        template_id += "-2"
    return Template(
        id=template_id,
        name=name,
        plural=draw(_line),
        fields=tuple(draw(field_defs(n)) for n in names),
        builtin=False,
        description=draw(st.text(max_size=60)),
    )


@given(user_templates())
def test_user_template_round_trip(template: Template) -> None:
    assert template_problems(template) == {}
    data = json.loads(json.dumps(template.to_dict()))
    assert Template.from_dict(data) == template
