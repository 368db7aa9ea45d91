"""HTML building blocks of the handover: the page frame, the CSP, Markdown and field values.

Every page the package writes goes through :func:`page`, which puts the same
Content-Security-Policy meta tag in its head: nothing but files beside the page
may load (``default-src 'none'``), scripts and styles come only from files (no
inline code), and no form or frame may leave the package. User text is always
escaped; Markdown is rendered with raw HTML switched off and images turned into
plain links, so no record can make a page fetch anything.
"""

from __future__ import annotations

import functools
import re
from html import escape

from markdown_it import MarkdownIt

from vault.fields import FieldKind

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'self'"
)
"""The Content-Security-Policy of every page (also checked by the tests)."""


_SPECIAL = re.compile(r"[&<>\"']")


def e(text: object) -> str:
    """Escape text for HTML content and attribute values."""
    text = text if isinstance(text, str) else str(text)
    if _SPECIAL.search(text) is None:
        return text  # most values: nothing to escape, no five passes of str.replace
    return escape(text, quote=True)


@functools.cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.disable("image")  # "![x](http://...)" stays text: a page never loads a remote picture
    md.enable("table")
    return md


@functools.lru_cache(maxsize=2048)
def markdown(text: str) -> str:
    """Render Markdown to safe HTML (no raw HTML, no images, unsafe link schemes dropped).

    Remembers recent results: procedures and notes often repeat boilerplate, and
    rendering is the site's slowest step. Only non-secret values are rendered.
    """
    return _markdown().render(text)


def page(title: str, body: str, *, root: str, scripts: tuple[str, ...] = ()) -> str:
    """A complete HTML page.

    Args:
        title: The document title (escaped here).
        body: The body's HTML (already escaped by the caller).
        root: Relative path from the page to the package root ("" or "../").
        scripts: Script paths relative to the page, loaded at the end of the head.
    """
    script_tags = "".join(f'<script src="{e(src)}"></script>' for src in scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{e(title)}</title>"
        f'<link rel="stylesheet" href="{root}site/assets/style.css">'
        f"{script_tags}</head>\n<body>\n{body}\n</body></html>\n"
    )


def value_html(kind: FieldKind, value: str, link_for: dict[str, tuple[str, str]]) -> str:
    """A non-secret field value as HTML.

    Args:
        kind: The field's kind.
        value: The stored value.
        link_for: Record id -> (href, title) for records in the package, so a
            reference field becomes a link to the record's page.
    """
    if kind is FieldKind.MARKDOWN:
        return f'<div class="md">{markdown(value)}</div>'
    if kind is FieldKind.REFERENCE:
        target = link_for.get(value)
        if target:
            return f'<a href="{e(target[0])}">{e(target[1])}</a>'
        return f'<span class="missing">record {e(value[:8])} (not part of this handover)</span>'
    if kind is FieldKind.URL and value.lower().startswith(("https://", "http://")):
        # A link the reader may follow; nothing is fetched when the page loads.
        return f'<a href="{e(value)}" rel="noreferrer noopener">{e(value)}</a>'
    if kind is FieldKind.EMAIL:
        return f'<a href="mailto:{e(value)}">{e(value)}</a>'
    if kind is FieldKind.PHONE:
        return f'<a href="tel:{e(value.replace(" ", ""))}">{e(value)}</a>'
    if "\n" in value:
        return f'<div class="pre">{e(value)}</div>'
    return e(value)
