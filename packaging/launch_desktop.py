"""Entry point of the bundled ``sitebook-desktop`` executable (PyInstaller script).

Desktops and file managers open a vault by passing its path as the only
argument (``sitebook-desktop /path/client.sitebook``: the .desktop file's
``%f``, Windows' ``"%1"``). The app takes ``--vault PATH``, so a lone path is
rewritten into that form; everything else is passed through unchanged.
"""

from __future__ import annotations

import sys


def desktop_argv(argv: list[str]) -> list[str]:
    """``[prog, PATH]`` becomes ``[prog, "--vault", PATH]``; other lists are returned as is."""
    if len(argv) == 2 and argv[1] and not argv[1].startswith("-"):
        return [argv[0], "--vault", argv[1]]
    return list(argv)


if __name__ == "__main__":
    from ui.desktop.app import main

    raise SystemExit(main(desktop_argv(sys.argv)))
