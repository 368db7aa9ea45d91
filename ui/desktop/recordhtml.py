"""One record as HTML for the record view: fields laid out by template, secrets masked.

Everything a person wrote is escaped; Markdown fields go through markdown-it with
raw HTML disabled, so a record cannot inject markup, scripts or remote images
(the view also refuses to load any resource that is not a ``data:`` URL).
Secret values appear only for fields named in ``revealed``; otherwise they are
a fixed-width mask that says nothing about their length. Actions are links in
the ``sitebook:`` scheme (``sitebook:reveal/<field>``, ``sitebook:copy/<field>``,
``sitebook:record/<id>``) that the view handles itself.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from vault.fields import SECRET_KINDS, FieldDef, FieldKind, default_label, split_tags
from vault.model import Record
from vault.templates import Template

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

MASK = "\u2022" * 8
SCHEME = "sitebook"


def _tr(text: str) -> str:
    return QCoreApplication.translate("RecordView", text)


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt  # on first use: importing it costs start-up ~35 ms

    return MarkdownIt("commonmark", {"html": False})


def render_markdown(text: str) -> str:
    """Markdown as HTML with raw HTML disabled (it shows as text)."""
    return _markdown().render(text)


@dataclass(frozen=True)
class Related:
    """Another record as the view names it: id, title (None if unreadable), type name."""

    id: str
    title: str | None
    type_name: str = ""


@dataclass(frozen=True)
class Colours:
    """Palette colours for the HTML (taken from the widget so dark themes work)."""

    muted: str = "#6b6b6b"
    link: str = "#1a5fb4"
    code_background: str = "#f2f2f2"


def stylesheet(colours: Colours) -> str:
    """The document's default CSS (QTextDocument's subset)."""
    return (
        f"a {{ color: {colours.link}; text-decoration: none; }}"
        f"td.label {{ color: {colours.muted}; padding-right: 14px; white-space: nowrap; }}"
        f".meta {{ color: {colours.muted}; }}"
        "td { padding-top: 2px; padding-bottom: 2px; }"
        f".action {{ color: {colours.link}; }}"
        f"pre {{ background-color: {colours.code_background}; }}"
        f"h3 {{ margin-top: 14px; margin-bottom: 4px; }}"
        ".mono { font-family: monospace; }"
    )


def field_order(record: Record, template: Template | None) -> list[FieldDef]:
    """Definitions of the fields the record has, template order first, then custom ones."""
    defs = [f for f in template.fields if record.fields.get(f.name)] if template else []
    known = {f.name for f in defs} | ({f.name for f in template.fields} if template else set())
    for name, value in record.fields.items():
        if name not in known and value:
            kind = record.custom.get(name, FieldKind.TEXT)
            defs.append(FieldDef(name, kind, default_label(name)))
    return defs


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def _link(href: str, text: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<a href="{html.escape(href, quote=True)}"{cls}>{html.escape(text)}</a>'


def _related(item: Related) -> str:
    if item.title is None:
        return f'<span class="meta">{html.escape(_tr("(a record you cannot open)"))}</span>'
    kind = f' <span class="meta">· {html.escape(item.type_name)}</span>' if item.type_name else ""
    return _link(f"{SCHEME}:record/{item.id}", item.title) + kind


def _value(definition: FieldDef, value: str, revealed: bool, refs: Mapping[str, Related]) -> str:
    kind = definition.kind
    if kind in SECRET_KINDS:
        shown = f'<span class="mono">{_text(value)}</span>' if revealed else f"<span>{MASK}</span>"
        toggle = _tr("Hide") if revealed else _tr("Reveal")
        actions = " &nbsp; ".join(
            (
                _link(f"{SCHEME}:reveal/{definition.name}", toggle, "action"),
                _link(f"{SCHEME}:copy/{definition.name}", _tr("Copy"), "action"),
            )
        )
        return f"{shown} &nbsp;&nbsp; {actions}"
    if kind == FieldKind.URL and value.lower().startswith(("http://", "https://")):
        return _link(value, value)
    if kind == FieldKind.EMAIL:
        return _link(f"mailto:{value}", value)
    if kind == FieldKind.REFERENCE:
        return _related(refs.get(value, Related(value, None)))
    if kind == FieldKind.TAGS:
        return html.escape(", ".join(split_tags(value)))
    if kind == FieldKind.IP:
        return f'<span class="mono">{_text(value)}</span>'
    return _text(value)


def render(
    record: Record,
    template: Template | None,
    *,
    scope_name: str,
    revealed: Collection[str] = (),
    refs: Mapping[str, Related] | None = None,
    links: Sequence[Related] = (),
    backlinks: Sequence[Related] = (),
    updated: str = "",
) -> str:
    """The record as an HTML fragment for a QTextBrowser."""
    refs = refs or {}
    type_name = template.name if template else record.type
    meta = " · ".join(
        html.escape(part)
        for part in (
            type_name,
            scope_name,
            _tr("updated {when}").format(when=updated) if updated else "",
            _tr("version {n}").format(n=record.version) if record.version > 1 else "",
        )
        if part
    )
    out = [f"<h2>{html.escape(record.title)}</h2>", f'<p class="meta">{meta}</p>']
    if record.deleted:
        out.append(f"<p><b>{html.escape(_tr('This record is deleted.'))}</b></p>")
    if record.tags:
        tags = " ".join(f"#{html.escape(tag)}" for tag in record.tags)
        out.append(f'<p class="meta">{tags}</p>')
    rows, sections = [], []
    for definition in field_order(record, template):
        value = record.fields[definition.name]
        if definition.kind == FieldKind.MARKDOWN:
            sections.append(f"<h3>{html.escape(definition.label)}</h3>{render_markdown(value)}")
            continue
        shown = _value(definition, value, definition.name in revealed, refs)
        rows.append(
            f'<tr><td class="label">{html.escape(definition.label)}</td><td>{shown}</td></tr>'
        )
    if rows:
        out.append('<table cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>")
    out.extend(sections)
    if links or backlinks:
        out.append(f"<h3>{html.escape(_tr('Related records'))}</h3>")
        for heading, items in ((_tr("Links to"), links), (_tr("Linked from"), backlinks)):
            if items:
                entries = "".join(f"<li>{_related(item)}</li>" for item in items)
                out.append(f'<p class="meta">{html.escape(heading)}</p><ul>{entries}</ul>')
    return "\n".join(out)
