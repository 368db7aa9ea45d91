"""Entry point of the bundled ``sitebook`` command (PyInstaller script)."""

from __future__ import annotations

if __name__ == "__main__":
    from ui.cli import main

    raise SystemExit(main())
