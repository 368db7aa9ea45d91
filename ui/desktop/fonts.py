"""Font helpers: headings scaled from the widget's font, whether it is sized in points or pixels."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase


def scaled(font: QFont, factor: float, *, bold: bool = False) -> QFont:
    """A copy of ``font`` ``factor`` times as large (optionally bold)."""
    out = QFont(font)
    if out.pointSizeF() > 0:
        out.setPointSizeF(out.pointSizeF() * factor)
    elif out.pixelSize() > 0:
        out.setPixelSize(max(1, round(out.pixelSize() * factor)))
    out.setBold(bold)
    return out


def monospace(like: QFont) -> QFont:
    """The system's fixed-width font at the size of ``like``."""
    out = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if like.pointSizeF() > 0:
        out.setPointSizeF(like.pointSizeF())
    elif like.pixelSize() > 0:
        out.setPixelSize(like.pixelSize())
    return out
