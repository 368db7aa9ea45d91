"""``python -m ui.desktop``: start the desktop application."""

from __future__ import annotations

import sys

from ui.desktop.app import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
