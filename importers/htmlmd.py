"""HTML to Markdown for imported documents (IT Glue documents, BookStack pages).

A small converter over :mod:`html.parser` (no network, no entities beyond
HTML's own): headings, paragraphs, line breaks, bold, italic, code and
preformatted blocks, links, images, ordered and unordered lists (nested),
block quotes, rules and simple tables. Scripts, styles and comments are left
out; unknown tags keep their text. Image sources are reported to the caller,
which may turn them into attachments and rewrite them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

MAX_DEPTH = 256
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "figure",
    "body",
    "html",
}
_SKIP = {"script", "style", "head", "title", "noscript", "template"}


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


class _Converter(HTMLParser):
    def __init__(self, image: Callable[[str, str], str]) -> None:
        super().__init__(convert_charrefs=True)
        self.image = image
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.lists: list[list[int | str]] = []
        self.links: list[str] = []
        self.depth = 0
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.quote = 0

    # -- output helpers
    def write(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
        else:
            self.out.append(text)

    def block(self, lines: int = 2) -> None:
        if self.cell is not None:
            self.cell.append(" ")
            return
        text = "".join(self.out)
        stripped = text.rstrip(" ")
        have = len(stripped) - len(stripped.rstrip("\n"))
        if stripped and have < lines:
            prefix = "> " * self.quote
            self.out = [stripped + ("\n" + prefix.rstrip()) * (lines - have - 1) + "\n" + prefix]
        elif not stripped:
            self.out = []

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            return
        attr = {k: v or "" for k, v in attrs}
        if tag in _SKIP:
            self.skip += 1
        elif self.skip:
            return
        elif tag in _BLOCK:
            self.block()
        elif re.fullmatch(r"h[1-6]", tag):
            self.block()
            self.write("#" * int(tag[1]) + " ")
        elif tag == "br":
            self.write("  \n" + "> " * self.quote if self.cell is None else " ")
        elif tag in ("strong", "b"):
            self.write("**")
        elif tag in ("em", "i"):
            self.write("*")
        elif tag == "code" and not self.pre:
            self.write("`")
        elif tag == "pre":
            self.block()
            self.write("```\n")
            self.pre += 1
        elif tag == "a":
            self.links.append(attr.get("href", ""))
            self.write("[")
        elif tag == "img":
            source = attr.get("src", "")
            alt = attr.get("alt", "") or attr.get("title", "")
            target = self.image(source, alt) if source else ""
            if target:
                self.write(f"![{_escape(alt)}]({target})")
        elif tag in ("ul", "ol"):
            self.block(1 if self.lists else 2)
            self.lists.append([tag, 0])
        elif tag == "li":
            self.block(1)
            indent = "   " * (len(self.lists) - 1)
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] = int(self.lists[-1][1]) + 1
                self.write(f"{indent}{self.lists[-1][1]}. ")
            else:
                self.write(f"{indent}- ")
        elif tag == "blockquote":
            self.block()
            self.quote += 1
            self.write("> ")
        elif tag == "hr":
            self.block()
            self.write("---")
            self.block()
        elif tag == "table":
            self.block()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        self.depth = max(0, self.depth - 1)
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in _BLOCK or re.fullmatch(r"h[1-6]", tag):
            self.block()
        elif tag in ("strong", "b"):
            self.write("**")
        elif tag in ("em", "i"):
            self.write("*")
        elif tag == "code" and not self.pre:
            self.write("`")
        elif tag == "pre" and self.pre:
            self.pre -= 1
            self.write("\n```")
            self.block()
        elif tag == "a" and self.links:
            href = self.links.pop()
            self.write(f"]({href})" if href else "]")
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.block(1 if self.lists else 2)
        elif tag == "blockquote" and self.quote:
            self.quote -= 1
            self.block()
        elif tag in ("td", "th") and self.cell is not None and self.table is not None:
            text = " ".join("".join(self.cell).split())
            if self.table:
                self.table[-1].append(text)
            self.cell = None
        elif tag == "table" and self.table is not None:
            rows = [r for r in self.table if r]
            self.table = None
            if rows:
                width = max(len(r) for r in rows)
                rows = [r + [""] * (width - len(r)) for r in rows]
                lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
                lines.extend("| " + " | ".join(r) + " |" for r in rows[1:])
                self.write("\n".join(lines))
            self.block()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.write(data)
            return
        text = _SPACE.sub(" ", data)
        current = "".join(self.out) if self.cell is None else "".join(self.cell)
        if current.endswith(("\n", " ")) or not current:
            text = text.lstrip(" ")
        if text:
            self.write(_escape(text) if not text.isspace() else text)


def to_markdown(html: str, image: Callable[[str, str], str] | None = None) -> str:
    """Convert HTML to Markdown.

    Args:
        html: The document.
        image: Called with (src, alt) for each image; returns the link target
            to write, or '' to leave the image out. Default: keep ``src``.
    """
    converter = _Converter(image or (lambda source, _alt: source))
    converter.feed(html)
    converter.close()
    text = "".join(converter.out)
    text = re.sub(r"[ \t]+\n", lambda m: "  \n" if m.group().startswith("  ") else "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
