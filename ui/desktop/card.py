"""The centred card the start page and the unlock screen are drawn on.

Both pages are one framed panel, a bounded width, a little above the middle of
the window; this builds that panel and places it, so the two stay alike.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget


def card(name: str, max_width: int) -> tuple[QFrame, QVBoxLayout]:
    """A framed panel named ``name``, at most ``max_width`` wide, and its layout."""
    frame = QFrame()
    frame.setObjectName(name)
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    frame.setMaximumWidth(max_width)
    inner = QVBoxLayout(frame)
    inner.setContentsMargins(28, 24, 28, 24)
    inner.setSpacing(12)
    return frame, inner


def centre(page: QWidget, frame: QFrame, stretch: int) -> None:
    """Lay ``page`` out with ``frame`` centred across and a little above the middle.

    ``stretch`` is the frame's share of the width against one share of margin each side.
    """
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(frame, stretch)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
