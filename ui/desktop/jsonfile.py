"""The app's own small JSON files (settings, recent vaults): read forgivingly, written atomically.

Neither file holds a secret, but both say which vaults this person uses, so they
are written owner-only (0600) through :func:`vault.attachments.write_atomically`
(temp file in the same folder, fsync, ``os.replace``). A missing file reads as
None; a damaged one too, with a warning in the log that names no content.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from vault.attachments import write_atomically

log = logging.getLogger(__name__)


def load(path: Path, unreadable: str) -> object | None:
    """The JSON value in ``path``; None when it is missing or unreadable.

    Args:
        path: The file.
        unreadable: What the log says when the file cannot be read or parsed.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s: %s", unreadable, type(exc).__name__)
        return None


def save(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically, owner-only; create its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(iter([text.encode("utf-8")]), path, mode=0o600)
