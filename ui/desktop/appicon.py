"""Sitebook's application icon for the window, the task bar and the About dialog.

The PNGs in ``icons/`` are drawn by ``packaging/make_icons.py`` at every size
the platforms use; Qt picks the nearest one per place, so small sizes stay
crisp instead of being scaled down from 512 pixels. The installers point at
the same files (and the ICO/ICNS beside them), so there is one set of icons.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

ICON_DIR = Path(__file__).resolve().parent / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """The icon with every bundled size; a null icon if the files are missing."""
    icon = QIcon()
    for size in SIZES:
        path = ICON_DIR / f"sitebook-{size}.png"
        if path.is_file():
            icon.addFile(str(path))
    return icon
