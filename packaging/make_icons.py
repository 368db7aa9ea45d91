"""Draw Sitebook's application icon and write every size and container the platforms need.

``python packaging/make_icons.py`` writes, into ``ui/desktop/icons/`` (where the window
loads its icon from):

- ``sitebook-{16,24,32,48,64,128,256,512}.png`` (Linux hicolor theme, window icon),
- ``sitebook.ico`` (Windows: 16 to 256 pixels, PNG entries, written here by hand),
- ``sitebook.icns`` (macOS: PNG entries ``icp4`` to ``ic10``, 16 to 1024 pixels).

The design is drawn with QPainter paths, one render per size (no scaling of a
big bitmap, so small sizes stay crisp): a blue rounded square, a white closed
book with a spine, and an amber shield with a keyhole over its lower corner.
The outputs are committed; run this again only when the design changes.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath

ICON_DIR = Path(__file__).resolve().parents[1] / "ui" / "desktop" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns entry types that hold PNG data, with their pixel size.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
)

BACKGROUND = QColor("#1f4e79")
BACKGROUND_EDGE = QColor("#173b5c")
PAGE = QColor("#ffffff")
PAGE_EDGE = QColor("#d5dde6")
SPINE = QColor("#c9d6e3")
SHIELD = QColor("#f2a900")
SHIELD_EDGE = QColor("#b87f00")
KEYHOLE = QColor("#173b5c")


def _shield_path(cx: float, top: float, width: float, height: float) -> QPainterPath:
    """A heraldic shield: flat top, straight sides, curving to a point at the bottom."""
    left, right = cx - width / 2, cx + width / 2
    bottom = top + height
    path = QPainterPath(QPointF(left, top))
    path.lineTo(right, top)
    path.lineTo(right, top + height * 0.45)
    path.cubicTo(right, top + height * 0.78, cx + width * 0.18, bottom - height * 0.08, cx, bottom)
    path.cubicTo(
        cx - width * 0.18,
        bottom - height * 0.08,
        left,
        top + height * 0.78,
        left,
        top + height * 0.45,
    )
    path.closeSubpath()
    return path


def render(size: int) -> QImage:
    """Draw the icon at ``size`` x ``size`` pixels on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 100.0, size / 100.0)  # draw on a 100 x 100 canvas
    painter.setPen(Qt.PenStyle.NoPen)

    # Background: rounded square, a touch darker at the rim.
    painter.setBrush(BACKGROUND_EDGE)
    painter.drawRoundedRect(QRectF(2, 2, 96, 96), 20, 20)
    painter.setBrush(BACKGROUND)
    painter.drawRoundedRect(QRectF(4, 4, 92, 92), 18, 18)

    # The book: a page block, then the spine band on the left.
    painter.setBrush(PAGE_EDGE)
    painter.drawRoundedRect(QRectF(24, 17, 50, 64), 5, 5)
    painter.setBrush(PAGE)
    painter.drawRoundedRect(QRectF(22, 15, 50, 64), 5, 5)
    painter.setBrush(SPINE)
    painter.drawRoundedRect(QRectF(22, 15, 11, 64), 5, 5)
    painter.drawRect(QRectF(28, 15, 5, 64))
    if size >= 32:  # text lines read as noise below 32 pixels
        painter.setBrush(PAGE_EDGE)
        for y in (27.0, 35.0, 43.0):
            painter.drawRoundedRect(QRectF(39, y, 26, 3.5), 1.75, 1.75)

    # The shield with a keyhole, over the book's lower right corner.
    painter.setBrush(SHIELD_EDGE)
    painter.drawPath(_shield_path(68, 48, 38, 44))
    painter.setBrush(SHIELD)
    painter.drawPath(_shield_path(68, 50.5, 33, 38.5))
    painter.setBrush(KEYHOLE)
    painter.drawEllipse(QPointF(68, 64), 5.2, 5.2)
    hole = QPainterPath(QPointF(65.2, 66))
    hole.lineTo(70.8, 66)
    hole.lineTo(72.2, 78)
    hole.lineTo(63.8, 78)
    hole.closeSubpath()
    painter.drawPath(hole)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    """The image encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO container holding one PNG entry per size (Windows Vista and later).

    Layout: ICONDIR (reserved 0, type 1, count), one 16-byte ICONDIRENTRY per
    image (width and height, 0 meaning 256; 32 bits per pixel), then the data.
    """
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = [], []
    for size in sizes:
        blob = pngs[size]
        side = 0 if size >= 256 else size
        entries.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset))
        blobs.append(blob)
        offset += len(blob)
    return header + b"".join(entries) + b"".join(blobs)


def icns_bytes(pngs: dict[bytes, bytes]) -> bytes:
    """An icns container: ``icns``, total length, then (type, length, PNG) entries."""
    body = b"".join(kind + struct.pack(">I", 8 + len(blob)) + blob for kind, blob in pngs.items())
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write(path: Path, data: bytes) -> None:
    """Write a file atomically (temp file, fsync, rename)."""
    temp = path.with_name(path.name + ".tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def main() -> int:
    """Render every size and write the PNGs, the ICO and the ICNS."""
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    ICON_DIR.mkdir(exist_ok=True)
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            cache[size] = png_bytes(render(size))
        return cache[size]

    for size in PNG_SIZES:
        write(ICON_DIR / f"sitebook-{size}.png", png(size))
    write(ICON_DIR / "sitebook.ico", ico_bytes({size: png(size) for size in ICO_SIZES}))
    write(ICON_DIR / "sitebook.icns", icns_bytes({kind: png(size) for kind, size in ICNS_TYPES}))
    print(f"wrote {len(PNG_SIZES)} PNGs, sitebook.ico and sitebook.icns to {ICON_DIR}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
