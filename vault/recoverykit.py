"""The emergency kit of a new vault: its recovery key on one printable PDF page.

A vault's recovery key is shown once, when the vault is created; the kit is how
a person keeps it. :class:`RecoveryKit` holds what the page says (vault name,
file name, vault id, the owner's key fingerprint, the date, the key in groups);
:func:`write_pdf` draws it with ReportLab (as :mod:`vault.handover.pdf` does)
in memory and writes it atomically in the folder the person chose: a new
hidden file there (created exclusively, readable by its owner only, never
through a symlink), fsynced, then renamed over the chosen name with
``os.replace``. The secret page never goes to the system's temp folder, a
symlink planted at the chosen name is replaced rather than followed, and a
failed write leaves the chosen path as it was (the hidden file is removed).

:func:`check_groups` and :func:`group_matches` serve the wizard's last step,
where the person types back one or two groups of the key to show it was
written down correctly; the comparison is constant-time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import hmac
import io
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from crypto import recovery
from vault import errors, storage

PAGE_W, PAGE_H = A4
MARGIN = 56.0
KEY_FONT = "Courier-Bold"
KEY_SIZE = 24.0
_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " \t\r\n-_.")
_DEJAVU = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)
_UNICODE_FONT = "SitebookKitSans"

WHERE_TO_KEEP = (
    "Print this page, or write the key down by hand, and keep it on paper somewhere "
    "safe and away from the computer: a safe, a locked drawer, a sealed envelope with "
    "your company documents.",
    "Anyone who has this key and a copy of the vault file can open the vault. Do not "
    "e-mail it, photograph it, or keep it in the same folder or cloud drive as the vault.",
    "If you save this page as a file, move it to offline storage (a USB stick kept in "
    "the safe) and delete every other copy.",
    "To use it: on the unlock screen tick 'Use recovery key' and type the key. Each "
    "group ends in a check character, so a typo is named by its group.",
)


@dataclass(frozen=True)
class RecoveryKit:
    """What the emergency kit page says about one vault."""

    vault_name: str
    file_name: str
    vault_id: str
    fingerprint: str
    created: dt.date
    recovery_key: str = field(repr=False)

    @property
    def groups(self) -> list[str]:
        """The key's groups of five characters, in order."""
        return key_groups(self.recovery_key)


def key_groups(key: str) -> list[str]:
    """Split a recovery key as printed (``XXXXX-XXXXX-...``) into its groups."""
    return [part for part in key.split("-") if part]


def check_groups(count: int = 2, groups: int = recovery.GROUPS) -> tuple[int, ...]:
    """``count`` different group numbers (0-based, sorted) picked at random to type back."""
    if not 1 <= count <= groups:
        raise ValueError("count must be between 1 and the number of groups")
    picked: set[int] = set()
    while len(picked) < count:
        picked.add(secrets.randbelow(groups))
    return tuple(sorted(picked))


def normalise_group(text: str) -> str:
    """A typed group as the key prints it: capitals, no spaces or dashes, O as 0, I/L as 1."""
    return text.upper().translate(_SEPARATORS).translate(_CONFUSIONS)


def group_matches(key: str, index: int, typed: str) -> bool:
    """True if ``typed`` is group ``index`` (0-based) of ``key``; constant-time."""
    groups = key_groups(key)
    if not 0 <= index < len(groups):
        return False
    expected = groups[index].encode("ascii")
    given = normalise_group(typed).encode("utf-8")
    return hmac.compare_digest(expected, given)


# ---------------------------------------------------------------------- the PDF


@functools.cache
def _unicode_font() -> str:
    """Register a TrueType font for names Windows-1252 cannot write; return its name."""
    import reportlab

    for path in _DEJAVU:
        if Path(path).is_file():
            break
    else:
        path = str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")
    pdfmetrics.registerFont(TTFont(_UNICODE_FONT, path))
    return _UNICODE_FONT


def _font(text: str, bold: bool = False) -> str:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return _unicode_font()
    return "Helvetica-Bold" if bold else "Helvetica"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and pdfmetrics.stringWidth(candidate, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def render_pdf(kit: RecoveryKit) -> bytes:
    """Draw the one-page kit; return the PDF bytes (nothing is written anywhere)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle("Sitebook emergency kit")
    page.setAuthor("Sitebook")
    page.setSubject("Recovery key of a Sitebook vault")
    width = PAGE_W - 2 * MARGIN
    y = PAGE_H - MARGIN - 20

    page.setFont("Helvetica-Bold", 24)
    page.drawString(MARGIN, y, "Sitebook emergency kit")
    y -= 24
    page.setFont("Helvetica", 11)
    for line in _wrap(
        "The recovery key below opens this vault if its passphrase is ever lost. "
        "It was shown once, when the vault was created; Sitebook keeps no copy.",
        "Helvetica",
        11,
        width,
    ):
        page.drawString(MARGIN, y, line)
        y -= 15

    y -= 14
    rows = (
        ("Vault", kit.vault_name),
        ("File", kit.file_name),
        ("Vault id", kit.vault_id),
        ("Owner key fingerprint", kit.fingerprint),
        ("Created", kit.created.isoformat()),
    )
    for label, value in rows:
        page.setFont("Helvetica-Bold", 10)
        page.drawString(MARGIN, y, label)
        font, size = _font(value), 11.0
        while size > 6 and pdfmetrics.stringWidth(value, font, size) > width - 150:
            size -= 0.5
        page.setFont(font, size)
        page.drawString(MARGIN + 150, y, value)
        y -= 18

    y -= 16
    box_h = 130.0
    page.setLineWidth(1.5)
    page.roundRect(MARGIN, y - box_h, width, box_h, 8, stroke=1, fill=0)
    page.setFont("Helvetica-Bold", 11)
    page.drawString(MARGIN + 16, y - 22, "Recovery key")
    groups = kit.groups
    half = (len(groups) + 1) // 2
    column = width / half if half else width
    for row, chunk in enumerate((groups[:half], groups[half:])):
        base = y - 62 - row * 48
        for i, group in enumerate(chunk):
            number = row * half + i + 1
            x = MARGIN + 8 + i * column + (column - 16) / 2
            page.setFont(KEY_FONT, KEY_SIZE)
            page.drawCentredString(x, base, group)
            page.setFont("Helvetica", 8)
            page.drawCentredString(x, base - 13, f"group {number}")
    y -= box_h + 30

    page.setFont("Helvetica-Bold", 13)
    page.drawString(MARGIN, y, "Where to keep it")
    y -= 20
    for text in WHERE_TO_KEEP:
        lines = _wrap(text, "Helvetica", 10.5, width - 16)
        page.setFont("Helvetica", 10.5)
        page.drawString(MARGIN, y, "\u2022")
        for line in lines:
            page.drawString(MARGIN + 16, y, line)
            y -= 14
        y -= 6

    y -= 16
    page.setFont("Helvetica-Bold", 13)
    page.drawString(MARGIN, y, "Kept by")
    page.setFont("Helvetica", 10.5)
    page.setLineWidth(0.5)
    for label in ("Name", "Place", "Date"):
        y -= 30
        page.drawString(MARGIN, y, label)
        page.line(MARGIN + 60, y - 2, MARGIN + width, y - 2)

    page.setFont("Helvetica", 8.5)
    page.drawString(
        MARGIN,
        MARGIN,
        f"Sitebook emergency kit for vault {kit.vault_id[:16]}, made {kit.created.isoformat()}.",
    )
    page.showPage()
    page.save()
    return buffer.getvalue()


def write_pdf(kit: RecoveryKit, path: str | os.PathLike[str]) -> Path:
    """Write the kit's PDF to ``path`` (mode 0600, fsynced), replacing a file there.

    The bytes go to a new hidden file in the same folder (``O_CREAT | O_EXCL |
    O_NOFOLLOW``, mode 0600), which then replaces ``path`` with ``os.replace``: a
    symlink at ``path`` is replaced, never followed, and nothing is truncated in
    place.

    Raises:
        StorageError: the folder is missing or not writable, ``path`` is a folder,
            or the disk is full; ``path`` is left as it was.
    """
    target = Path(path)
    data = render_pdf(kit)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(temp, flags, 0o600)
    except OSError as exc:
        raise errors.StorageError(target, exc.strerror or "the file cannot be created") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # POSIX: no umask or inherited ACL widens it
                os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if target.is_dir() and not target.is_symlink():
            raise IsADirectoryError(errno.EISDIR, "it is a folder")
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise errors.StorageError(target, exc.strerror or "the write failed") from None
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    storage.fsync_dir(target.parent)
    return target
