"""Record templates: the built-in record types, user templates and field validation.

This module owns what a record of a given type may contain: the
:class:`Template` (an ordered list of :class:`~vault.fields.FieldDef`), the
eight built-in templates of DESIGN.md §4 in :data:`BUILTIN_TEMPLATES`, the
checks a user-made template must pass (:func:`validate_template`), and
:func:`validate_fields`, which normalises a record's field values against its
template and custom fields and reports every problem at once.

Every record also has a title and tags; the vault stores those outside the
field list, so no template declares them (both names are reserved).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from vault.errors import ValidationError
from vault.fields import (
    SECRET_KINDS,
    FieldDef,
    FieldKind,
    custom_field_name_problem,
    field_name_problem,
    normalise,
)

MAX_TEMPLATE_ID = 64
MAX_TEMPLATE_NAME = 100
MAX_FIELDS = 200
MAX_CHOICES = 500
_TEMPLATE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Template:
    """A record type: its names and its ordered field definitions.

    Attributes:
        id: Stable machine id ("configuration"; user templates get a slug such as
            "backup-job").
        name: Singular display name ("Configuration").
        plural: Plural display name ("Configurations").
        fields: Field definitions in display order.
        builtin: Whether Sitebook ships the template (built-ins cannot be edited).
        description: One sentence saying what records of this type hold.
    """

    id: str
    name: str
    plural: str
    fields: tuple[FieldDef, ...]
    builtin: bool = True
    description: str = ""

    def field(self, name: str) -> FieldDef | None:
        """Return the field called ``name``, or None if the template has none."""
        return self.field_map.get(name)

    @cached_property
    def field_map(self) -> dict[str, FieldDef]:
        """Field name -> definition (the first one, should a name repeat); read only.

        Built once per template: ``fields`` is a tuple of frozen definitions, so
        the dict never goes stale (``dataclasses.replace`` makes a new template).
        """
        by_name: dict[str, FieldDef] = {}
        for definition in self.fields:
            by_name.setdefault(definition.name, definition)
        return by_name

    @cached_property
    def checks(self) -> tuple[tuple[str, FieldKind, tuple[str, ...], bool], ...]:
        """Per field in order: (name, kind, choices, required), what validation needs."""
        return tuple((d.name, d.kind, d.choices, d.required) for d in self.fields)

    def list_columns(self) -> list[FieldDef]:
        """Return the fields shown as columns in record lists, in template order."""
        return [definition for definition in self.fields if definition.list_column]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; :meth:`from_dict` reads it back unchanged."""
        return {
            "id": self.id,
            "name": self.name,
            "plural": self.plural,
            "description": self.description,
            "builtin": self.builtin,
            "fields": [definition.to_dict() for definition in self.fields],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Template:
        """Build and check a template from :meth:`to_dict` output (or a user's JSON).

        A missing plural is the name plus "s"; a missing id is derived from the
        name with :func:`slugify`; ``builtin`` defaults to False. Unknown keys are
        ignored so that files written by newer versions stay readable.

        Raises:
            ValidationError: Every problem found, keyed by where it is
                (``name``, ``fields[2].kind``, ...).
        """
        if not isinstance(data, Mapping):
            raise ValidationError({"template": "must be an object with a name and fields"})
        problems: dict[str, str] = {}
        texts: dict[str, str] = {}
        for key in ("id", "name", "plural", "description"):
            value = data.get(key, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                problems[key] = "must be text"
                value = ""
            texts[key] = value if key == "description" else value.strip()
        builtin = data.get("builtin", False)
        if not isinstance(builtin, bool):
            problems["builtin"] = "must be true or false"
            builtin = False
        raw_fields = data.get("fields", [])
        if isinstance(raw_fields, (str, bytes)) or not isinstance(raw_fields, (list, tuple)):
            problems["fields"] = "must be a list of field definitions"
            raw_fields = []
        fields: list[FieldDef] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(raw_fields):
            try:
                definition = FieldDef.from_dict(raw)
            except ValueError as error:
                problems[f"fields[{index}]"] = f"field {index + 1} {error}"
                continue
            fields.append(definition)
            for key, message in _field_problems(index, definition, seen).items():
                problems.setdefault(key, message)
        if len(raw_fields) > MAX_FIELDS:
            problems["fields"] = f"a template can have at most {MAX_FIELDS} fields"
        name = texts["name"]
        template = cls(
            id=texts["id"] or slugify(name),
            name=name,
            plural=texts["plural"] or (f"{name}s" if name else ""),
            fields=tuple(fields),
            builtin=builtin,
            description=texts["description"],
        )
        for key, message in _header_problems(template).items():
            problems.setdefault(key, message)
        if problems:
            raise ValidationError(problems)
        return template


def slugify(name: str) -> str:
    """Return a template id for ``name``: "Backup job" -> "backup-job".

    Lowercase ASCII letters and digits separated by single hyphens, at most 64
    characters; "template" if nothing usable is left.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    slug = slug[:MAX_TEMPLATE_ID].rstrip("-")
    return slug or "template"


def template_problems(template: Template) -> dict[str, str]:
    """Return every problem with ``template`` keyed by where it is; empty if none.

    Checks the id, name and plural; every field's machine name (snake_case,
    unique, not reserved such as "title" or "tags"); choices only and always on
    choice fields; and that no secret field is a list column.
    """
    problems = _header_problems(template)
    if len(template.fields) > MAX_FIELDS:
        problems["fields"] = f"a template can have at most {MAX_FIELDS} fields"
    seen: dict[str, int] = {}
    for index, definition in enumerate(template.fields):
        problems.update(_field_problems(index, definition, seen))
    return problems


def _header_problems(template: Template) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not _TEMPLATE_ID.fullmatch(template.id) or len(template.id) > MAX_TEMPLATE_ID:
        problems["id"] = (
            "must be lowercase letters and digits separated by hyphens "
            f"(at most {MAX_TEMPLATE_ID} characters)"
        )
    elif not template.builtin and template.id in BUILTIN_TEMPLATES:
        problems["id"] = f"'{template.id}' is the id of a built-in template; choose another"
    for key, value in (("name", template.name), ("plural", template.plural)):
        if not value.strip():
            problems[key] = "cannot be empty"
        elif len(value) > MAX_TEMPLATE_NAME or any(ord(ch) < 32 for ch in value):
            problems[key] = f"must be one line of at most {MAX_TEMPLATE_NAME} characters"
    return problems


def _field_problems(index: int, definition: FieldDef, seen: dict[str, int]) -> dict[str, str]:
    """Problems of the field at ``index``; ``seen`` maps names met so far to their index."""
    problems: dict[str, str] = {}
    where = f"fields[{index}]"
    label = f"field {index + 1}"
    name_problem = field_name_problem(definition.name)
    if name_problem:
        problems[f"{where}.name"] = f"{label}: {name_problem}"
    elif definition.name in seen:
        problems[f"{where}.name"] = (
            f"{label}: the name '{definition.name}' is already used by field "
            f"{seen[definition.name] + 1}"
        )
    else:
        seen[definition.name] = index
    if not definition.label.strip():
        problems[f"{where}.label"] = f"{label}: the label cannot be empty"
    if definition.kind is FieldKind.CHOICE:
        choice_problem = _choices_problem(definition.choices)
        if choice_problem:
            problems[f"{where}.choices"] = f"{label}: {choice_problem}"
    elif definition.choices:
        problems[f"{where}.choices"] = f"{label}: only choice fields can have choices"
    if definition.list_column and definition.kind in SECRET_KINDS:
        problems[f"{where}.list_column"] = (
            f"{label}: a secret field cannot be shown as a list column"
        )
    return problems


def _choices_problem(choices: tuple[str, ...]) -> str | None:
    if not choices:
        return "a choice field needs at least one choice"
    if len(choices) > MAX_CHOICES:
        return f"a choice field can have at most {MAX_CHOICES} choices"
    folded: set[str] = set()
    for choice in choices:
        if not choice.strip() or choice != choice.strip():
            return "choices cannot be empty or start or end with a space"
        if len(choice) > 200 or any(ord(ch) < 32 for ch in choice):
            return "each choice must be one line of at most 200 characters"
        if choice.casefold() in folded:
            return f"the choice '{choice}' is listed twice"
        folded.add(choice.casefold())
    return None


def validate_template(template: Template) -> None:
    """Raise if ``template`` is not usable; see :func:`template_problems`.

    Raises:
        ValidationError: Every problem found, at once.
    """
    problems = template_problems(template)
    if problems:
        raise ValidationError(problems)


def validate_fields(
    template: Template,
    fields: Mapping[str, str],
    custom: Mapping[str, FieldKind] | None = None,
) -> dict[str, str]:
    """Normalise a record's field values and report every problem at once.

    A name in the template is normalised with the template field's kind (and
    choices); any other name must appear in ``custom`` with its kind and be a
    valid custom field name. Required template fields must end up non-empty.

    Args:
        template: The record's template.
        fields: Field name -> value as typed or imported.
        custom: Kinds of the record's custom fields (names not in the template).

    Returns:
        The normalised values: template fields in template order, then custom
        fields in the order given; empty values are dropped.

    Raises:
        ValidationError: Maps each offending field name to a message that never
            contains the value.
    """
    custom = custom or {}
    problems: dict[str, str] = {}
    result: dict[str, str] = {}
    for name, kind, choices, required in template.checks:
        value = fields.get(name, "")
        if value == "":  # unset: what normalise returns for it, without the call
            if required:
                problems[name] = "is required"
            continue
        try:
            clean = normalise(kind, value, choices=choices)
        except ValueError as error:
            problems[name] = str(error)
            continue
        if clean:
            result[name] = clean
        elif required:
            problems[name] = "is required"
    known = template.field_map
    for name, value in fields.items():
        if name in known:
            continue
        kind = custom.get(name)
        if kind is None:
            problems[name] = f"is not a field of {template.name}; add it as a custom field first"
            continue
        name_problem = custom_field_name_problem(name)
        if name_problem:
            problems[name] = name_problem
            continue
        try:
            clean = normalise(kind if kind.__class__ is FieldKind else FieldKind(kind), value)
        except ValueError as error:
            problems[name] = str(error)
            continue
        if clean:
            result[name] = clean
    if problems:
        raise ValidationError(problems)
    return result


def _f(
    name: str,
    kind: FieldKind,
    label: str,
    *,
    required: bool = False,
    choices: tuple[str, ...] = (),
    list_column: bool = False,
    help: str = "",
) -> FieldDef:
    return FieldDef(name, kind, label, required, choices, list_column, help)


_K = FieldKind

CONFIGURATION_KINDS: tuple[str, ...] = (
    "server",
    "workstation",
    "laptop",
    "network",
    "firewall",
    "switch",
    "access-point",
    "printer",
    "storage",
    "virtual-machine",
    "software",
    "license",
    "cloud-service",
    "phone",
    "other",
)

_BUILTINS: tuple[Template, ...] = (
    Template(
        id="configuration",
        name="Configuration",
        plural="Configurations",
        description="A device, server, piece of network gear, software or licence.",
        fields=(
            _f("kind", _K.CHOICE, "Kind", choices=CONFIGURATION_KINDS, list_column=True),
            _f("hostname", _K.TEXT, "Hostname", list_column=True, help="e.g. srv-dc01"),
            _f("fqdn", _K.TEXT, "FQDN", help="e.g. srv-dc01.contoso.local"),
            _f(
                "ip_addresses",
                _K.IP,
                "IP addresses",
                list_column=True,
                help="Addresses or networks, separated by commas: 10.0.4.10, 10.0.4.0/24",
            ),
            _f("mac_address", _K.TEXT, "MAC address"),
            _f("serial_number", _K.TEXT, "Serial number"),
            _f("manufacturer", _K.TEXT, "Manufacturer"),
            _f("model", _K.TEXT, "Model"),
            _f("operating_system", _K.TEXT, "Operating system", list_column=True),
            _f("location", _K.REFERENCE, "Location", help="The site where it is installed"),
            _f("warranty_expires", _K.DATE, "Warranty expires"),
            _f("license_key", _K.SECRET, "Licence key"),
            _f("license_expires", _K.DATE, "Licence expires"),
            _f("notes", _K.MARKDOWN, "Notes"),
        ),
    ),
    Template(
        id="credential",
        name="Credential",
        plural="Credentials",
        description="An account: username, password, sign-in address and TOTP seed.",
        fields=(
            _f("username", _K.TEXT, "Username", list_column=True),
            _f("password", _K.SECRET, "Password"),
            _f("url", _K.URL, "URL", list_column=True, help="Where to sign in"),
            _f(
                "totp",
                _K.TOTP,
                "TOTP seed",
                help="The base32 seed or otpauth:// URI behind the QR code",
            ),
            _f("rotation_due", _K.DATE, "Rotation due"),
            _f("configuration", _K.REFERENCE, "Configuration", help="What the account is for"),
            _f("notes", _K.MARKDOWN, "Notes"),
        ),
    ),
    Template(
        id="procedure",
        name="Procedure",
        plural="Procedures",
        description="A how-to, runbook or checklist, written in Markdown.",
        fields=(
            _f("body", _K.MARKDOWN, "Procedure", required=True),
            _f("review_due", _K.DATE, "Review due", list_column=True),
        ),
    ),
    Template(
        id="exception",
        name="Exception",
        plural="Exceptions",
        description="A deliberate deviation from standard or a known quirk, and who approved it.",
        fields=(
            _f("what", _K.MARKDOWN, "What", required=True, help="What deviates from standard"),
            _f("why", _K.MARKDOWN, "Why", help="The reason, and the risk accepted"),
            _f("approved_by", _K.TEXT, "Approved by", list_column=True),
            _f("approved_on", _K.DATE, "Approved on"),
            _f(
                "affected",
                _K.REFERENCE,
                "Affected configuration",
                help="Link further affected configurations as related records",
            ),
            _f("review_due", _K.DATE, "Review due", list_column=True),
            _f(
                "status",
                _K.CHOICE,
                "Status",
                choices=("open", "accepted", "resolved"),
                list_column=True,
            ),
        ),
    ),
    Template(
        id="service-entry",
        name="Service entry",
        plural="Service entries",
        description="Dated service history: who did what, on which configuration.",
        fields=(
            _f("date", _K.DATE, "Date", required=True, list_column=True),
            _f("technician", _K.TEXT, "Technician", list_column=True),
            _f("work_done", _K.MARKDOWN, "Work done", required=True),
            _f("configuration", _K.REFERENCE, "Configuration"),
            _f("ticket", _K.TEXT, "Ticket", list_column=True, help="e.g. T-2026-0412"),
            _f("minutes_spent", _K.NUMBER, "Minutes spent"),
        ),
    ),
    Template(
        id="contact",
        name="Contact",
        plural="Contacts",
        description="A point of contact; the record title is the person's name.",
        fields=(
            _f("role", _K.TEXT, "Role", list_column=True),
            _f("phone", _K.PHONE, "Phone", list_column=True),
            _f("mobile", _K.PHONE, "Mobile"),
            _f("email", _K.EMAIL, "Email", list_column=True),
            _f("escalation_order", _K.NUMBER, "Escalation order", help="1 is called first"),
            _f(
                "may_approve_changes",
                _K.CHOICE,
                "May approve changes",
                choices=("yes", "no"),
            ),
            _f("notes", _K.MARKDOWN, "Notes"),
        ),
    ),
    Template(
        id="location",
        name="Location",
        plural="Locations",
        description="A site: address, phone and how to get in.",
        fields=(
            _f("address", _K.MARKDOWN, "Address"),
            _f("phone", _K.PHONE, "Phone", list_column=True),
            _f(
                "access_notes",
                _K.MARKDOWN,
                "Access notes",
                help="Keys, alarm, parking, where the rack is",
            ),
            _f("opening_hours", _K.TEXT, "Opening hours", list_column=True),
        ),
    ),
    Template(
        id="agreement",
        name="Agreement",
        plural="Agreements",
        description="The engagement terms: support hours, response times, escalation path.",
        fields=(
            _f("support_hours", _K.TEXT, "Support hours", list_column=True),
            _f("response_time", _K.TEXT, "Response time", list_column=True),
            _f("escalation_path", _K.MARKDOWN, "Escalation path"),
            _f("starts_on", _K.DATE, "Starts on"),
            _f("ends_on", _K.DATE, "Ends on", list_column=True),
            _f("notes", _K.MARKDOWN, "Notes"),
        ),
    ),
)

BUILTIN_TEMPLATES: dict[str, Template] = {template.id: template for template in _BUILTINS}
"""The built-in templates by id, in display order."""
