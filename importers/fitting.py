"""Making a draft valid for its template without dropping anything.

The vault refuses values that do not fit a field's kind (a KeePass URL of
"TBD", a date of "next spring"). An import must not lose them, so
:func:`fit` normalises every value the way the vault does and, where a value
does not fit, keeps it as a custom field (text, or secret for secrets) under
the field's label, with a warning. Names a custom field may not take are
renamed; values too long for any field become a text attachment; titles and
tags are trimmed to what the vault accepts, with the full text kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from importers.base import UNTITLED, AttachmentDraft, unique_name
from vault.fields import (
    MAX_FIELD_NAME,
    MAX_LENGTH,
    RESERVED_FIELD_NAMES,
    SECRET_KINDS,
    FieldKind,
    normalise,
    remembered_tags,
)
from vault.recordstore import MAX_TAG, MAX_TITLE
from vault.templates import Template

FULL_TITLE = "Full title"
MAX_CLIENT_NAME = 200

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BREAKING = re.compile(r"[\x0b\x0c\x85]")
_CONTROL_MULTI = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")

Warn = Callable[[str], None]
_GOOD_NAMES: set[str] = set()  # names already known to be acceptable as they are


@dataclass
class Fitted:
    """A draft's content as the vault will store it."""

    title: str
    fields: dict[str, str]
    custom: dict[str, FieldKind]
    attachments: list[AttachmentDraft] = field(default_factory=list)


def custom_name(name: str) -> str:
    """A name the vault accepts for a custom field, as close to ``name`` as possible."""
    if name in _GOOD_NAMES:
        return name
    text = " ".join(_CONTROL.sub(" ", str(name)).split())
    if len(text) > MAX_FIELD_NAME:
        text = text[: MAX_FIELD_NAME - 1].rstrip() + "…"
    if not text:
        text = "Field"
    if text.casefold() in RESERVED_FIELD_NAMES:
        text = f"{text} (imported)"
    if text == name and len(_GOOD_NAMES) < 10_000:
        _GOOD_NAMES.add(name)
    return text


def clean_label(text: str, limit: int) -> str:
    """One line without control characters, at most ``limit`` characters ('' if empty)."""
    value = " ".join(_CONTROL.sub(" ", text or "").split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def fit_tags(tags: list[str], origin: str, warn: Warn) -> tuple[str, ...]:
    """Tags as the vault accepts them: printable, at most 64 characters, no duplicates."""
    memory = remembered_tags()  # inside an import: tags the vault accepted before
    seen: dict[str, str] = {}
    for raw in tags:
        known = memory.get(raw) if memory is not None and raw.__class__ is str else None
        if known is not None:
            seen.setdefault(*known)
            continue
        text = str(raw)
        printable = text.isprintable()
        if not printable:
            text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
        text = " ".join(text.split())
        if not text:
            continue
        if len(text) > MAX_TAG:
            short = text[: MAX_TAG - 1].rstrip() + "…"
            warn(f"{origin}: the tag '{short}' was shortened to {MAX_TAG} characters")
            text = short
        elif printable and memory is not None and raw.__class__ is str:
            memory[raw] = (text.casefold(), text)  # what the vault's clean_tags makes of it
        seen.setdefault(text.casefold(), text)
    return tuple(seen.values())


def _repair_text(value: str) -> str:
    value = _CONTROL_BREAKING.sub("\n", value)
    return _CONTROL_MULTI.sub("", value)


def _kind(kind: object) -> FieldKind:
    return kind if kind.__class__ is FieldKind else FieldKind(kind)  # type: ignore[return-value]


class _Builder:
    def __init__(self, template: Template, origin: str, warn: Warn) -> None:
        self.template = template
        self.origin = origin
        self.warn = warn
        self.fields: dict[str, str] = {}
        self.custom: dict[str, FieldKind] = {}
        self.attachments: list[AttachmentDraft] = []
        self.definitions = template.field_map
        self.names = self.definitions.keys()

    def template_field(self, name: str, value: str) -> None:
        definition = self.definitions[name]
        try:
            clean = normalise(definition.kind, value, choices=definition.choices)
        except ValueError as error:
            kind = FieldKind.SECRET if definition.kind in SECRET_KINDS else FieldKind.TEXT
            kept = self.custom_field(definition.label, value, kind, quiet=True)
            self.warn(
                f"{self.origin}: {definition.label} {error}; kept as the custom field '{kept}'"
            )
            return
        if clean:
            self.fields[name] = clean

    def custom_field(self, name: str, value: str, kind: FieldKind, *, quiet: bool = False) -> str:
        final = custom_name(name)
        if final in self.names or final in self.fields:
            final = unique_name(final, self.names | set(self.fields))
        try:
            clean = normalise(kind, value)
        except ValueError as error:
            clean = self._fallback(final, value, kind, error, quiet)
            if clean is None:
                return final
            kind = FieldKind.SECRET if kind in SECRET_KINDS else FieldKind.TEXT
        if clean:
            self.fields[final] = clean
            self.custom[final] = kind
        return final

    def _fallback(
        self, name: str, value: str, kind: FieldKind, error: ValueError, quiet: bool
    ) -> str | None:
        plain = FieldKind.SECRET if kind in SECRET_KINDS else FieldKind.TEXT
        if len(value) > MAX_LENGTH[plain] or (
            plain is FieldKind.SECRET and _CONTROL_MULTI.search(value)
        ):
            file_name = f"{custom_name(name).replace('/', '-')}.txt"
            self.attachments.append(
                AttachmentDraft(file_name, value.encode("utf-8", "surrogatepass"))
            )
            self.warn(
                f"{self.origin}: the field '{name}' does not fit in a field "
                f"({error}); attached as the file '{file_name}'"
            )
            return None
        if plain is not kind:
            try:
                clean = normalise(plain, value)
            except ValueError:
                pass
            else:
                if not quiet:
                    self.warn(f"{self.origin}: '{name}' {error}; kept as {plain.value}")
                return clean
        repaired = _repair_text(value)
        try:
            clean = normalise(plain, repaired)
        except ValueError as again:
            file_name = f"{custom_name(name).replace('/', '-')}.txt"
            self.attachments.append(
                AttachmentDraft(file_name, value.encode("utf-8", "surrogatepass"))
            )
            self.warn(f"{self.origin}: '{name}' {again}; attached as the file '{file_name}'")
            return None
        self.warn(f"{self.origin}: control characters were removed from '{name}'")
        return clean


def fit(
    template: Template,
    title: str,
    fields: Mapping[str, str],
    custom: Mapping[str, FieldKind],
    origin: str,
    warn: Warn,
) -> Fitted:
    """Normalise a draft's title and fields for ``template``; keep what does not fit.

    Args:
        template: The record's template.
        title: The title as read.
        fields: Field name -> value; template field names by machine name,
            anything else is a custom field.
        custom: Kinds of custom fields (text when missing).
        origin: Where the item is, for warnings.
        warn: Receives warnings (never containing a value).

    Returns:
        Values exactly as the vault will store them (required fields are the
        caller's business: see :func:`missing_required`).
    """
    builder = _Builder(template, origin, warn)
    names, definitions, got = builder.names, builder.definitions, builder.fields
    for name, raw in fields.items():
        if raw is None:
            continue
        value = raw if isinstance(raw, str) else str(raw)
        if value == "":
            continue
        if name in names:
            definition = definitions[name]
            try:  # the common case of template_field, without its call
                clean = normalise(definition.kind, value, choices=definition.choices)
            except ValueError:
                builder.template_field(name, value)  # keeps it as a custom field, warns
                continue
            if clean:
                got[name] = clean
        else:
            builder.custom_field(name, value, _kind(custom.get(name, FieldKind.TEXT)))
    clean_title = " ".join(_CONTROL.sub(" ", title or "").split())
    if len(clean_title) > MAX_TITLE:
        builder.custom_field(FULL_TITLE, title, FieldKind.TEXT, quiet=True)
        clean_title = clean_title[: MAX_TITLE - 1].rstrip() + "…"
        warn(f"{origin}: the title was shortened to {MAX_TITLE} characters (full title kept)")
    if not clean_title:
        clean_title = UNTITLED
    ordered = {name: got[name] for name in definitions if name in got}  # template order
    if len(ordered) < len(got):
        ordered.update((k, v) for k, v in got.items() if k not in ordered)
    return Fitted(clean_title, ordered, builder.custom, builder.attachments)


def missing_required(template: Template, fields: Mapping[str, str]) -> list[str]:
    """Labels of required template fields left empty."""
    return [d.label for d in template.fields if d.required and not fields.get(d.name)]
