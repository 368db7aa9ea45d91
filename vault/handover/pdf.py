"""``handover.pdf``: a printable runbook of the client's documentation, with a table of contents.

Renderer: ReportLab's canvas (BSD licence, pure Python plus the ``rl_accel`` C
accelerator wheel, no system libraries) with a small layout pass of our own.
Measured here on the same content: WeasyPrint took 22 s for 500 records (its
full CSS layout engine: about 7 minutes for a 10,000-record client, against a
10 s budget for the whole export) and needs Debian's Pango; fpdf2 took 19 s
for 5,000 records (its ``multi_cell`` line breaking dominates); this module
lays out and draws the 10,000-record benchmark client (about 2,100 pages) in
about 2.5 s of CPU (in a child process: ``pdf_process``). Qt's PDF writer is
out: ``vault`` never imports Qt.

The layout is two passes: first every record is broken into lines and pages
(so the page of each record is known), then the title page, the table of
contents (every record, clickable, with page numbers) and the pages are drawn;
PDF bookmarks list the title, the contents and each record type. Text that
Windows-1252 can write uses the built-in Helvetica (no embedding, three times
faster to draw); other lines use DejaVu Sans (Debian's ``fonts-dejavu-core``,
which Sitebook already installs for Qt) or ReportLab's bundled Bitstream Vera
when DejaVu is absent.

Only live records are printed, in runbook order (agreement, contacts,
locations, procedures, exceptions, configurations, credentials, service
history, then user types). Secret fields print as "stored in credentials.kdbx".
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFObject
from reportlab.pdfbase.pdfdoc import format as pdf_format
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from vault.fields import FieldKind
from vault.handover.files import Hashes, write_file
from vault.handover.snapshot import (
    SECRET_PLACEHOLDER,
    Item,
    Snapshot,
    label_of,
    ordered_fields,
)

PAGE_W, PAGE_H = A4
MARGIN = 50.0
TOP = PAGE_H - MARGIN - 14  # below the running header
BOTTOM = MARGIN + 14  # above the footer
WIDTH = PAGE_W - 2 * MARGIN
LABEL_W = 125.0
VALUE_X = MARGIN + LABEL_W
BODY, SMALL, RECORD, SECTION = 9.0, 7.5, 11.5, 16.0
LEADING = 1.3
MAX_VALUE_LINES = 400
"""A single field value longer than this many lines is cut (the site has it whole)."""

_FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/DejaVuSans.ttf", "/Library/Fonts/DejaVuSans-Bold.ttf"),
)
REGULAR, BOLD = "SitebookSans", "SitebookSans-Bold"


@functools.cache
def _fonts() -> tuple[str, str]:
    """Register the text fonts once per process; return (regular, bold) names."""
    import reportlab

    for regular, bold in _FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            break
    else:
        folder = Path(reportlab.__file__).parent / "fonts"
        regular, bold = str(folder / "Vera.ttf"), str(folder / "VeraBd.ttf")
    pdfmetrics.registerFont(TTFont(REGULAR, regular))
    pdfmetrics.registerFont(TTFont(BOLD, bold))
    return REGULAR, BOLD


_STANDARD = {"regular": "Helvetica", "bold": "Helvetica-Bold"}
_BUILTIN = frozenset(_STANDARD.values())


def _face(style: str, text: str) -> str:
    """The font for a line: built-in Helvetica when Windows-1252 can write it, else DejaVu.

    Helvetica needs no embedding and draws about three times faster than an
    embedded TrueType subset; lines with other characters (Greek, Cyrillic,
    CJK, symbols) use the TrueType font, which has them.
    """
    if text.isascii():
        return _STANDARD[style]
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        regular, bold = _fonts()
        return regular if style == "regular" else bold
    return _STANDARD[style]


@functools.cache
def _widest(font: str) -> float:
    """The widest glyph of a built-in font, per point of size (an upper bound for any line)."""
    return max(pdfmetrics.getFont(font).widths) / 1000


def _split(text: str, style: str, size: float, width: float) -> list[tuple[str, str]]:
    """Wrap one paragraph into (font, line) pairs no wider than ``width``."""
    font = _face(style, text)
    if font in _BUILTIN and len(text) * size * _widest(font) <= width:
        return [(font, text)]  # fits even if every character were the widest: not measured
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return [(font, text)]
    return [(font, line) for line in simpleSplit(text, font, size, width)] or [(font, "")]


@dataclass
class _Op:
    """One string to draw: (x, y, font, size, text)."""

    x: float
    y: float
    font: str
    size: float
    text: str


@dataclass
class _Page:
    ops: list[str | _Op] = field(default_factory=list)  # PDF operators, or a TrueType line
    marks: list[tuple[str, str, int, float]] = field(default_factory=list)  # key, title, level, y
    truetype: bool = False  # any _Op in ops


@dataclass
class _TocLine:
    title: str
    key: str
    level: int
    page: int = 0  # index into the content pages


class _Layout:
    """Breaks records into lines and lines into pages.

    Lines in a built-in font become their PDF operators at once (see
    :func:`_fast_text`); ``internal`` maps those fonts to the canvas's names.
    """

    def __init__(self, internal: dict[str, str]) -> None:
        self.pages: list[_Page] = [_Page()]
        self.y = TOP
        self.toc: list[_TocLine] = []
        self.internal = internal
        self._prefixes: dict[tuple[str, float, float], str] = {}

    def put(self, x: float, font: str, size: float, text: str) -> None:
        """Draw one line at the current height."""
        page = self.pages[-1]
        internal = self.internal.get(font)
        if internal is None:
            page.ops.append(_Op(x, self.y, font, size, text))
            page.truetype = True
            return
        prefix = self._prefixes.get((font, size, x))
        if prefix is None:
            prefix = self._prefixes[(font, size, x)] = _text_prefix(internal, size, x)
        raw = text.encode("ascii") if text.isascii() else text.encode("cp1252")
        page.ops.append(f"{prefix}{self.y:.2f} Tm ({escapePDF(raw)}) Tj ET")

    def new_page(self) -> None:
        self.pages.append(_Page())
        self.y = TOP

    def room(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.new_page()

    def text(self, x: float, style: str, size: float, text: str) -> None:
        self.room(size * LEADING)
        self.y -= size * LEADING
        self.put(x, _face(style, text), size, text)

    def mark(self, key: str, title: str, level: int) -> None:
        self.pages[-1].marks.append((key, title, level, self.y))
        self.toc.append(_TocLine(title, key, level, len(self.pages) - 1))

    def section(self, key: str, title: str) -> None:
        if self.pages[-1].ops:
            self.new_page()
        self.mark(key, title, 0)
        self.text(MARGIN, "bold", SECTION, title)
        self.y -= 6

    def heading(self, key: str, title: str, subtitle: str) -> None:
        self.room(RECORD * LEADING + 3 * BODY * LEADING + 8)
        self.y -= 8
        self.mark(key, title, 1)
        for _font, line in _split(title, "bold", RECORD, WIDTH)[:3]:
            self.text(MARGIN, "bold", RECORD, line)
        self.text(MARGIN, "regular", SMALL, subtitle)

    def row(self, label: str, value: str) -> None:
        lines: list[tuple[str, str]] = []
        for paragraph in value.split("\n"):
            lines.extend(_split(paragraph, "regular", BODY, WIDTH - LABEL_W))
            if len(lines) > MAX_VALUE_LINES:
                cut = "… (cut here; the full text is in the site)"
                lines = [*lines[:MAX_VALUE_LINES], ("Helvetica", cut)]
                break
        label_lines = _label_lines(label)
        step = BODY * LEADING
        for index, (font, line) in enumerate(lines):
            if self.y - step < BOTTOM:
                self.new_page()
            self.y -= step
            if index < len(label_lines):
                label_font, label_line = label_lines[index]
                self.put(MARGIN, label_font, BODY, label_line)
            self.put(VALUE_X, font, BODY, line)


@functools.lru_cache(maxsize=4096)
def _label_lines(label: str) -> list[tuple[str, str]]:
    """A field label wrapped into at most two lines (labels repeat: wrapped once each)."""
    return _split(label, "bold", BODY, LABEL_W - 8)[:2]


def _fast_text(internal: str, op: _Op) -> str:
    """The PDF operators that draw one line in a built-in font.

    What ``canvas.drawString`` emits for Helvetica, without building a text
    object per line: drawing the 10,000-record benchmark's 180,000 lines this
    way takes a quarter of the time. Only for the Windows-1252 lines that
    :func:`_face` gives a built-in font; TrueType lines go through ReportLab.
    """
    text = escapePDF(op.text.encode("cp1252"))
    return f"{_text_prefix(internal, op.size, op.x)}{op.y:.2f} Tm ({text}) Tj ET"


def _text_prefix(internal: str, size: float, x: float) -> str:
    """The start of :func:`_fast_text`'s operators, up to the line's height."""
    return f"BT {internal} {size:g} Tf 1 0 0 1 {x:.2f} "


def _value(snapshot: Snapshot, item: Item, name: str) -> str:
    value = item.record.fields[name]
    if item.is_secret(name):
        return f"({SECRET_PLACEHOLDER})"
    if item.kinds.get(name) is FieldKind.REFERENCE:
        return snapshot.title_of(value) or f"record {value[:8]} (not in this handover)"
    return value


def _layout(
    snapshot: Snapshot,
    tick: Callable[[int], None] | None,
    check: Callable[[], None] | None,
    internal: dict[str, str],
) -> _Layout:
    layout = _Layout(internal)
    for type_id in snapshot.counts():
        layout.section(f"type-{type_id}", snapshot.type_name(type_id, plural=True))
        for item in (i for i in snapshot.live if i.record.type == type_id):
            if check:
                check()
            record = item.record
            tags = f" · tags: {', '.join(record.tags)}" if record.tags else ""
            layout.heading(
                f"r-{record.id}",
                record.title,
                f"{snapshot.type_name(record.type)} · version {record.version} · updated "
                f"{record.updated[:10]} · id {record.id[:8]}{tags}",
            )
            for name in ordered_fields(snapshot, record):
                layout.row(label_of(snapshot, record, name), _value(snapshot, item, name))
            related = [snapshot.title_of(i) for i in (*record.links, *item.backlinks)]
            if related:
                layout.row("Related", ", ".join(t for t in related if t))
            if item.attachments:
                layout.row(
                    "Attachments",
                    ", ".join(a.name for a in item.attachments) + " (in attachments/)",
                )
            if tick:
                tick(1)
    return layout


class _Link(PDFObject):
    """A contents line's link to a record: what ``canvas.linkRect`` writes, built directly.

    ReportLab's ``LinkAnnotation`` checks and converts a dictionary per link;
    for the 10,000 lines of the benchmark's contents that took 1.5 s, this 0.1 s.
    """

    def __init__(self, rect: tuple[float, float, float, float], destination: object) -> None:
        self.rect = fp_str(*rect).encode("ascii")
        self.destination = destination

    def format(self, document: object) -> bytes:
        """The annotation dictionary (the destination resolves when the document is written)."""
        return (
            b"<<\n/Border [ 0 0 0 ] /Contents () /Dest "
            + pdf_format(self.destination, document)
            + b" /Rect [ "
            + self.rect
            + b" ] /Subtype /Link /Type /Annot\n>>"
        )


_TOC_LINE = BODY * LEADING + 1


def _toc_pages(entries: int) -> int:
    per_page = int((TOP - BOTTOM - SECTION * LEADING - 10) // _TOC_LINE)
    return max(1, math.ceil(entries / per_page))


def write_pdf(
    snapshot: Snapshot,
    path: Path,
    *,
    tick: Callable[[int], None] | None = None,
    check: Callable[[], None] | None = None,
    hashes: Hashes | None = None,
) -> int:
    """Write the runbook; return its number of pages.

    ``hashes`` (if given) gets the file's SHA-256 and size under its name,
    taken of the bytes written.
    """
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=0)
    standard = {name: pdf._doc.getInternalFontName(name) for name in _STANDARD.values()}
    layout = _layout(snapshot, tick, check, standard)
    toc_pages = _toc_pages(len(layout.toc))
    first_content = 2 + toc_pages  # 1-based page number of the first content page
    pdf.setTitle(f"{snapshot.client.name} — handover runbook")
    pdf.setAuthor(f"{snapshot.exporter.name}, {snapshot.provider}")
    pdf.setSubject("Sitebook handover package")
    pdf.setCreator("Sitebook")
    total = 1 + toc_pages + len(layout.pages)

    def draw(x: float, y: float, style: str, size: float, text: str, right: bool = False) -> None:
        font = _face(style, text)
        internal = standard.get(font)
        if internal is None:  # a TrueType line: ReportLab embeds the glyphs it uses
            pdf.setFont(font, size)
            (pdf.drawRightString if right else pdf.drawString)(x, y, text)
            return
        if right:
            x -= pdfmetrics.stringWidth(text, font, size)
        pdf._code.append(_fast_text(internal, _Op(x, y, font, size, text)))

    def frame(number: int) -> None:
        draw(
            MARGIN, PAGE_H - MARGIN, "regular", SMALL, f"{snapshot.client.name} — handover runbook"
        )
        draw(PAGE_W - MARGIN, MARGIN, "regular", SMALL, f"page {number} of {total}", right=True)
        note = f"Exported {snapshot.exported[:10]} · secrets are in credentials.kdbx"
        draw(MARGIN, MARGIN, "regular", SMALL, note)

    # Title page.
    draw(MARGIN, PAGE_H - 200, "bold", 24, snapshot.client.name)
    lines = [
        "Handover runbook",
        "",
        f"From {snapshot.provider}, exported {snapshot.exported} by {snapshot.exporter.name}.",
        f"{len(snapshot.live)} records. Passwords, TOTP seeds and other secrets are not",
        "printed: they are in credentials.kdbx (open it with KeePassXC).",
        "",
        "Signing key fingerprint (compare it with the one the exporter gave you):",
        snapshot.exporter.fingerprint,
    ]
    y = PAGE_H - 240
    for line in lines:
        draw(MARGIN, y, "regular", 13, line)
        y -= 19
    pdf.bookmarkPage("title")
    pdf.addOutlineEntry("Title page", "title", level=0)
    frame(1)
    pdf.showPage()

    # Table of contents.
    entries = iter(layout.toc)
    bookmark = pdf._bookmarkReference  # a record's destination, bound when its page is drawn
    number = 2
    pdf.bookmarkPage("contents")
    pdf.addOutlineEntry("Contents", "contents", level=0)
    for toc_page in range(toc_pages):
        y = TOP
        if toc_page == 0:
            y -= SECTION * LEADING
            draw(MARGIN, y, "bold", SECTION, "Contents")
            y -= 10
        while y - _TOC_LINE >= BOTTOM:
            entry = next(entries, None)
            if entry is None:
                break
            y -= _TOC_LINE
            indent = 0 if entry.level == 0 else 14
            style = "bold" if entry.level == 0 else "regular"
            title = entry.title if len(entry.title) <= 90 else entry.title[:89] + "…"
            draw(MARGIN + indent, y, style, BODY, title)
            draw(PAGE_W - MARGIN, y, "regular", BODY, str(first_content + entry.page), right=True)
            link = _Link((MARGIN, y - 2, PAGE_W - MARGIN, y + BODY), bookmark(entry.key))
            pdf._addAnnotation(link)
        frame(number)
        number += 1
        pdf.showPage()

    # The records.
    for page in layout.pages:
        for key, title, level, mark_y in page.marks:
            pdf.bookmarkHorizontal(key, 0, mark_y + SECTION * LEADING)
            if level == 0:  # the bookmarks list types; the contents pages list every record
                pdf.addOutlineEntry(title, key, level=level)
        if not page.truetype:
            pdf._code.extend(page.ops)  # type: ignore[arg-type]
        for op in page.ops if page.truetype else ():
            if isinstance(op, str):
                pdf._code.append(op)
            else:  # ReportLab embeds the glyphs a TrueType line uses
                pdf.setFont(op.font, op.size)
                pdf.drawString(op.x, op.y, op.text)
        frame(number)
        number += 1
        pdf.showPage()
    pdf.save()
    write_file(str(path.parent), path.name, buffer.getvalue(), {} if hashes is None else hashes)
    return total
