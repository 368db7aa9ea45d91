"""Field kinds, field definitions and the normalisation of field values.

This module owns what a single field value may look like: the kinds a
template can use (:class:`FieldKind`), the definition of one field in a
template (:class:`FieldDef`), and :func:`normalise`, which turns what a
technician typed into the canonical text the vault stores, or says in a short
sentence why it cannot.

Every value is text. The empty string always means "unset"; whether a field
must be set is the template's business (see :mod:`vault.templates`). Error
messages never repeat the value: a mistyped password or TOTP seed must not end
up in a dialog, a log line or a crash report.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from crypto import totp
from crypto.errors import TotpError


class FieldKind(StrEnum):
    """The kinds of value a field can hold."""

    TEXT = "text"
    MARKDOWN = "markdown"
    SECRET = "secret"  # noqa: S105 - a kind name, not a password
    TOTP = "totp"
    URL = "url"
    EMAIL = "email"
    PHONE = "phone"
    IP = "ip"
    DATE = "date"
    NUMBER = "number"
    CHOICE = "choice"
    REFERENCE = "reference"
    TAGS = "tags"


_SECRET, _CHOICE = FieldKind.SECRET, FieldKind.CHOICE

SECRET_KINDS: frozenset[FieldKind] = frozenset({FieldKind.SECRET, FieldKind.TOTP})
"""Kinds that are never indexed, never shown in lists and masked in views."""

MULTILINE_KINDS: frozenset[FieldKind] = frozenset(
    {FieldKind.TEXT, FieldKind.MARKDOWN, FieldKind.SECRET}
)
"""Kinds whose values may span several lines; every other kind is single-line."""

MAX_LENGTH: Mapping[FieldKind, int] = {
    FieldKind.TEXT: 1024 * 1024,
    FieldKind.MARKDOWN: 1024 * 1024,
    FieldKind.SECRET: 64 * 1024,
    FieldKind.TOTP: 4096,
    FieldKind.URL: 4096,
    FieldKind.EMAIL: 4096,
    FieldKind.PHONE: 4096,
    FieldKind.IP: 4096,
    FieldKind.DATE: 4096,
    FieldKind.NUMBER: 4096,
    FieldKind.CHOICE: 4096,
    FieldKind.REFERENCE: 4096,
    FieldKind.TAGS: 4096,
}
"""The longest value (in characters, before and after normalisation) each kind accepts.

Formats with a natural length check it themselves: an email address has at most
254 characters, a phone number 64, a number 100 digits."""

MAX_EMAIL = 254
MAX_PHONE = 64
MAX_DIGITS = 100

RESERVED_FIELD_NAMES: frozenset[str] = frozenset(
    {"id", "type", "title", "tags", "tag", "client", "links"}
)
"""Names a field may not take: every record has these outside its field list, and
the search language uses them as filters (``type:``, ``client:``, ``tag:``).
Deliberately short: "Version" or "Created" are ordinary custom fields."""

MAX_FIELD_NAME = 64
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")

# Control characters: C0 (except tab, and CR and LF in multi-line kinds), DEL and C1.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_SINGLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL_MULTI = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class FieldDef:
    """One field of a template.

    Attributes:
        name: Machine name, snake_case (``ip_addresses``); the key in a record's fields.
        kind: What the field holds.
        label: What a person sees ("IP addresses").
        required: Whether a record of this template must set the field.
        choices: The allowed values of a ``choice`` field, in display order.
        list_column: Whether record lists show this field as a column.
        help: One line of guidance shown next to the input.
    """

    name: str
    kind: FieldKind
    label: str
    required: bool = False
    choices: tuple[str, ...] = ()
    list_column: bool = False
    help: str = ""

    @property
    def secret(self) -> bool:
        """Whether the field's value is a secret (never indexed, masked in views)."""
        return self.kind in SECRET_KINDS

    def normalise(self, value: str) -> str:
        """Normalise ``value`` for this field; see :func:`normalise`.

        Raises:
            ValueError: The value is not acceptable for the field's kind.
        """
        return normalise(self.kind, value, choices=self.choices)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; :meth:`from_dict` reads it back."""
        return {
            "name": self.name,
            "kind": str(self.kind),
            "label": self.label,
            "required": self.required,
            "choices": list(self.choices),
            "list_column": self.list_column,
            "help": self.help,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldDef:
        """Build a field definition from :meth:`to_dict` output.

        Only the shape is checked here (types, a known kind); whether the field
        makes sense inside a template is checked by
        :func:`vault.templates.validate_template`. A missing label is derived
        from the name; unknown keys are ignored so newer files stay readable.

        Raises:
            ValueError: A key has the wrong type or the kind is unknown.
        """
        if not isinstance(data, Mapping):
            raise ValueError("must be an object with name, kind and label")
        name = data.get("name")
        if not isinstance(name, str):
            raise ValueError("has no name")
        kind_text = data.get("kind")
        try:
            kind = FieldKind(kind_text)
        except ValueError:
            known = ", ".join(k.value for k in FieldKind)
            raise ValueError(f"has an unknown kind (known kinds: {known})") from None
        label = data.get("label") or default_label(name)
        choices = data.get("choices", ())
        if not isinstance(label, str):
            raise ValueError("has a label that is not text")
        if not isinstance(choices, (list, tuple)) or not all(isinstance(c, str) for c in choices):
            raise ValueError("has choices that are not a list of text")
        flags = {key: data.get(key, False) for key in ("required", "list_column")}
        for key, flag in flags.items():
            if not isinstance(flag, bool):
                raise ValueError(f"has '{key}' that is not true or false")
        help_text = data.get("help", "")
        if not isinstance(help_text, str):
            raise ValueError("has help that is not text")
        return cls(
            name=name,
            kind=kind,
            label=label,
            required=flags["required"],
            choices=tuple(choices),
            list_column=flags["list_column"],
            help=help_text,
        )


def default_label(name: str) -> str:
    """Return a readable label for a machine name: ``ip_addresses`` -> ``Ip addresses``."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def field_name_problem(name: str) -> str | None:
    """Return why ``name`` cannot be a template field's machine name, or None if it can.

    A machine name is snake_case: a lowercase letter, then lowercase letters,
    digits or underscores, at most 64 characters, and not a reserved name.
    """
    if not name:
        return "a field name cannot be empty"
    if len(name) > MAX_FIELD_NAME:
        return f"a field name can have at most {MAX_FIELD_NAME} characters"
    if not _FIELD_NAME.fullmatch(name):
        return "a field name must be snake_case: a lowercase letter, then a-z, 0-9 or _"
    if name in RESERVED_FIELD_NAMES:
        return f"'{name}' is reserved (every record has it already)"
    return None


_GOOD_CUSTOM_NAMES: set[str] = set()
"""Custom field names already found acceptable (the check is a pure function of the name)."""


def custom_field_name_problem(name: str) -> str | None:
    """Return why ``name`` cannot be a custom field's name, or None if it can.

    Custom fields come from people and importers ("Admin portal", "Serial #"),
    so their names are free text: 1-64 characters, no control characters, no
    surrounding spaces, and not a reserved name in any capitalisation.
    """
    if name in _GOOD_CUSTOM_NAMES:
        return None
    if not name:
        return "a field name cannot be empty"
    if len(name) > MAX_FIELD_NAME:
        return f"a field name can have at most {MAX_FIELD_NAME} characters"
    if _CONTROL.search(name):
        return "a field name cannot contain control characters"
    if name != name.strip():
        return "a field name cannot start or end with a space"
    if name.casefold() in RESERVED_FIELD_NAMES:
        return f"'{name}' is reserved (every record has it already)"
    if len(_GOOD_CUSTOM_NAMES) < 10_000:  # bounded: a hostile file has many names
        _GOOD_CUSTOM_NAMES.add(name)
    return None


_REMEMBERED: ContextVar[dict[tuple[str, str, tuple[str, ...]], str] | None] = ContextVar(
    "sitebook_remembered_normal", default=None
)
_TAGS: ContextVar[dict[str, tuple[str, str]] | None] = ContextVar(
    "sitebook_remembered_tags", default=None
)


def remembered_tags() -> dict[str, tuple[str, str]] | None:
    """Inside :func:`remembering`: accepted tag -> (its case-folded key, its clean form).

    Only a tag that is accepted unchanged in meaning (printable, at most the tag
    length once white space is collapsed) may be put here; None outside the block.
    """
    return _TAGS.get()


@contextmanager
def remembering() -> Iterator[None]:
    """Within the block, :func:`normalise` remembers the values it accepted.

    An import normalises every value twice: once to fit a draft to its template
    and again when the vault validates the record it writes. Normalisation is a
    pure function and idempotent, so a value accepted once (and the canonical
    form it became) gives the same answer again without redoing the work. The
    memory holds values only for the outermost block (one import, in the calling
    thread or task) and is dropped when it ends; rejected values are never
    remembered. Tags, which repeat on most records of a folder, are remembered
    the same way (:func:`remembered_tags`).
    """
    if _REMEMBERED.get() is not None:  # nested: the outer block's memory serves
        yield
        return
    token, tags = _REMEMBERED.set({}), _TAGS.set({})
    try:
        yield
    finally:
        _TAGS.reset(tags)
        _REMEMBERED.reset(token)


def normalise(kind: FieldKind, value: str, *, choices: tuple[str, ...] = ()) -> str:
    """Return the canonical form of ``value`` for a field of ``kind``.

    The empty string is always accepted and returned unchanged (it means the
    field is unset). Normalisation is idempotent: normalising a normalised
    value returns it unchanged. Inside :func:`remembering` an answer already
    given is reused.

    Args:
        kind: The field's kind.
        value: What was typed or imported.
        choices: The allowed values, for ``choice`` fields.

    Returns:
        The value to store.

    Raises:
        ValueError: The value is not acceptable; the message is a short phrase
            to follow the field's label ("is not a valid date (use YYYY-MM-DD)")
            and never contains the value.
    """
    memory = _REMEMBERED.get()
    if memory is not None and value.__class__ is str and kind.__class__ is FieldKind and value:
        key = (kind, value, choices)
        found = memory.get(key)
        if found is None:  # not seen yet: work it out once and remember it
            found = _normalise(kind, value, choices)
            memory[key] = found
            if found != value:
                memory[(kind, found, choices)] = found  # idempotent: the result maps to itself
        return found
    if not isinstance(value, str):
        raise ValueError("must be text")
    if value == "":
        return ""
    if kind.__class__ is not FieldKind:
        kind = FieldKind(kind)
    if memory is None:
        return _normalise(kind, value, choices)
    key = (kind, value, choices)
    found = memory.get(key)
    if found is None:
        found = _normalise(kind, value, choices)
        memory[key] = found
        if found != value:
            memory[(kind, found, choices)] = found  # idempotent: the result maps to itself
    return found


def _normalise(kind: FieldKind, value: str, choices: tuple[str, ...]) -> str:
    """:func:`normalise` without the memory, for a non-empty text value."""
    limit = MAX_LENGTH[kind]
    if len(value) > limit:
        raise ValueError(f"is too long (at most {limit:,} characters)")
    if kind is not _SECRET and not value.strip():
        return ""
    if kind in MULTILINE_KINDS:
        if _CONTROL_MULTI.search(value):
            raise ValueError("contains control characters")
    elif _CONTROL_SINGLE.search(value):
        raise ValueError("must be a single line without control characters")
    result = _choice(value, choices) if kind is _CHOICE else _NORMALISERS[kind](value)
    if len(result) > limit:  # a list can grow by its separators
        raise ValueError(f"is too long (at most {limit:,} characters)")
    return result


def _text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _markdown(value: str) -> str:
    # Leading spaces may be meaningful (an indented code block), leading blank lines are not.
    return value.replace("\r\n", "\n").replace("\r", "\n").lstrip("\n").rstrip()


def _secret(value: str) -> str:
    # A secret is stored exactly as typed: a password may end in a space.
    return value


def _totp(value: str) -> str:
    # Stored as typed (a bare base32 seed or an otpauth:// URI); only checked here.
    text = value.strip()
    try:
        totp.parse(text)
    except (TotpError, ValueError):
        raise ValueError(
            "is not a valid TOTP seed (expected a base32 seed or an otpauth:// URI)"
        ) from None
    return text


_HOST_LABEL = re.compile(r"(?!-)[\w-]{1,63}(?<!-)")
_SPACE = re.compile(r"\s")  # exactly str.isspace(), without a Python call per character
_IPV4_CHARS = re.compile(r"[0-9.]+")  # anything else is never an IPv4Address
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_BARE_HOST = re.compile(
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:?#\[\]]+)(?::(?P<port>[0-9]{1,5}))?(?P<rest>[/?#].*)?"
)


def _valid_host(host: str) -> bool:
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    if not host or len(host) > 253:
        return False
    if _IPV4_CHARS.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            pass
        else:
            return True
    labels = host.rstrip(".").split(".")
    if labels[-1].isdigit():
        return False  # "10.0.0.256" is a broken address, not a host name
    return all(_HOST_LABEL.fullmatch(label) for label in labels)


_PLAIN_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_PLAIN_URL = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.-]*://(?P<host>(?:{_PLAIN_LABEL}\.)*(?=[A-Za-z0-9-]*[A-Za-z-])"
    rf"{_PLAIN_LABEL})(?::(?P<port>[0-9]{{1,5}}))?(?:[/?#][^\s\\]*)?"
)
"""The common URL shape that :func:`_url` can accept without ``urlsplit``: a scheme,
a host name whose labels :func:`_valid_host` accepts (ASCII letters, digits and
inner hyphens, at most 63 each, the last one not all digits), an optional port,
then a path, query or fragment. Its netloc is exactly ``host[:port]``, which
``urlsplit`` never refuses; anything else takes the full check."""


def _url(value: str) -> str:
    text = value.strip()
    plain = _PLAIN_URL.fullmatch(text)
    if (
        plain is not None
        and len(plain["host"]) <= 253
        and (plain["port"] is None or int(plain["port"]) <= 65535)
    ):
        return text  # what _checked_url returns for it, without urlsplit
    return _checked_url(text)


def _checked_url(text: str) -> str:
    problem = "is not a valid URL (e.g. https://portal.example.com or portal.example.com)"
    if _SPACE.search(text):
        raise ValueError("is not a valid URL (it contains a space; write it as %20)")
    if text.startswith("\\\\"):  # UNC path: \\server\share\folder
        parts = text[2:].split("\\")
        if len(parts) < 2 or not _valid_host(parts[0]) or not parts[1]:
            raise ValueError("is not a valid UNC path (e.g. \\\\server\\share)")
        return text
    scheme, sep, _ = text.partition("://")
    if sep:
        if not _URL_SCHEME.fullmatch(scheme):
            raise ValueError(problem)
        try:
            parts = urlsplit(text)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            raise ValueError(problem) from None
        if scheme.lower() == "file":
            return text
        netloc_host = parts.netloc.rpartition("@")[2]
        if netloc_host.startswith("["):
            netloc_host = netloc_host[: netloc_host.find("]") + 1]
        else:
            netloc_host = netloc_host.partition(":")[0]
        if not host or not _valid_host(netloc_host):
            raise ValueError(problem)
        return text
    match = _BARE_HOST.fullmatch(text)
    if not match or not _valid_host(match["host"]):
        raise ValueError(problem)
    host, port = match["host"], match["port"]
    if "." not in host and not host.startswith("["):
        # Without a scheme, demand a dotted name or an address: "TBD" is not a URL.
        raise ValueError(problem)
    if port is not None and not 0 < int(port) < 65536:
        raise ValueError(problem)
    return text


_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def _email(value: str) -> str:
    text = value.strip()
    problem = "is not a valid email address (e.g. name@example.com)"
    local, at, domain = text.rpartition("@")
    if len(text) > MAX_EMAIL or not at or len(local) > 64 or not _EMAIL_LOCAL.fullmatch(local):
        raise ValueError(problem)
    if "." not in domain.strip(".") or domain.endswith(".") or not _valid_host(domain):
        raise ValueError(problem)
    return f"{local}@{domain.lower()}"


_PHONE = re.compile(
    r"\+?[0-9(][0-9 ()./-]*(?:\s*(?:ext\.?|x|#)\s*[0-9]{1,8})?",
    re.IGNORECASE,
)


def _phone(value: str) -> str:
    text = " ".join(value.split())
    if len(text) > MAX_PHONE or not _PHONE.fullmatch(text) or sum(ch.isdigit() for ch in text) < 3:
        raise ValueError(
            "is not a valid phone number (digits, spaces, + - ( ) and an optional 'ext 12')"
        )
    return text


def _ip(value: str) -> str:
    items = [item for item in re.split(r"[,\s]+", value) if item]
    if not items:
        return ""
    out: list[str] = []
    for position, item in enumerate(items, start=1):
        try:
            if "/" in item:
                out.append(str(ipaddress.ip_interface(item)))
            else:
                out.append(str(ipaddress.ip_address(item)))
        except ValueError:
            where = f"item {position} " if len(items) > 1 else ""
            raise ValueError(
                f"{where}is not a valid IP address or network (e.g. 10.0.4.10 or 10.0.4.0/24)"
            ) from None
    return ", ".join(out)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: str) -> str:
    text = value.strip()
    if not _DATE.fullmatch(text):
        raise ValueError("is not a valid date (use YYYY-MM-DD)")
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a real date (check day and month)") from None
    return text


_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?")


def _number(value: str) -> str:
    text = value.strip()
    match = _NUMBER.fullmatch(text)
    if len(text) > MAX_DIGITS + 2:
        raise ValueError(f"has too many digits (at most {MAX_DIGITS})")
    if not match or not (match["int"] or match["frac"]):
        hint = " (use a dot as the decimal separator)" if "," in text else ""
        raise ValueError(f"is not a valid number{hint}")
    whole = match["int"].lstrip("0") or "0"
    frac = (match["frac"] or "").rstrip("0")
    digits = f"{whole}.{frac}" if frac else whole
    negative = match["sign"] == "-" and digits != "0"
    return f"-{digits}" if negative else digits


def _choice(value: str, choices: tuple[str, ...]) -> str:
    text = value.strip()
    if not choices:
        raise ValueError("has no choices defined")
    if text in choices:
        return text
    folded = text.casefold()
    for choice in choices:
        if choice.casefold() == folded:
            return choice
    raise ValueError(f"must be one of: {', '.join(choices)}")


_REFERENCE = re.compile(r"[0-9a-f]{32}")


def _reference(value: str) -> str:
    text = value.strip().lower()
    if len(text) == 36 and text.count("-") == 4:
        text = text.replace("-", "")  # accept the dashed UUID spelling
    if not _REFERENCE.fullmatch(text):
        raise ValueError("is not a valid record id (32 hexadecimal characters)")
    return text


MAX_TAG = 64


def _tags(value: str) -> str:
    seen: set[str] = set()
    out: list[str] = []
    for raw in value.split(","):
        tag = " ".join(raw.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            raise ValueError(f"has a tag longer than {MAX_TAG} characters")
        key = tag.casefold()
        if key not in seen:
            seen.add(key)
            out.append(tag)
    return ", ".join(out)


def split_tags(value: str) -> list[str]:
    """Split a normalised ``tags`` value into its tags (``""`` gives ``[]``)."""
    return [tag for tag in _tags(value).split(", ") if tag]


_NORMALISERS: Mapping[FieldKind, Callable[[str], str]] = {
    FieldKind.TEXT: _text,
    FieldKind.MARKDOWN: _markdown,
    FieldKind.SECRET: _secret,
    FieldKind.TOTP: _totp,
    FieldKind.URL: _url,
    FieldKind.EMAIL: _email,
    FieldKind.PHONE: _phone,
    FieldKind.IP: _ip,
    FieldKind.DATE: _date,
    FieldKind.NUMBER: _number,
    FieldKind.REFERENCE: _reference,
    FieldKind.TAGS: _tags,
}
