"""The recent-vaults list: which vault files this person opened, and when.

It lives in ``vault.paths.config_dir()/recent-vaults.json``, an app-level file
outside every vault (the start screen needs it before any vault is open). Each
entry is a path and the time the vault was last unlocked, nothing more: a
vault's name is encrypted inside the vault, so the list shows the file's name
(its stem) instead. A list written by an older version with names in it is
rewritten without them when it is read. The file is written atomically (temp
file, fsync, ``os.replace``); a missing or damaged file is an empty list.

Whether a listed file is there is asked of the file system, which can fail for
reasons other than absence (no permission on a folder, a network mount that is
gone: ``ENOTCONN``, ``ESTALE``); such a file is "unreachable", never an error.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ui.desktop import jsonfile
from vault import paths

log = logging.getLogger(__name__)

FILE_NAME = "recent-vaults.json"
KEEP = 12
"""How many vaults the list remembers."""

FOUND, MISSING, UNREACHABLE = "found", "missing", "unreachable"
"""What :func:`check` says of a listed file."""


def check(path: Path) -> str:
    """FOUND, MISSING, or UNREACHABLE when the file system cannot tell (never raises)."""
    try:
        return FOUND if path.is_file() else MISSING
    except OSError as exc:
        log.info("a recent vault cannot be checked: %s", errno.errorcode.get(exc.errno or 0, "?"))
        return UNREACHABLE
    except ValueError:  # a NUL character in a hand-edited list
        return MISSING


@dataclass(frozen=True)
class RecentVault:
    """One remembered vault file."""

    path: Path
    last_opened: dt.datetime  # aware, UTC

    @property
    def name(self) -> str:
        """What the list shows: the file's name without ``.sitebook`` (never the vault's name)."""
        return self.path.stem or str(self.path)

    @property
    def status(self) -> str:
        """FOUND, MISSING or UNREACHABLE (checked each time it is asked)."""
        return check(self.path)

    @property
    def exists(self) -> bool:
        """True if the file is there now (False if it is gone or cannot be reached)."""
        return self.status == FOUND


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _key(path: Path) -> Path:
    return Path(os.path.abspath(Path(path).expanduser()))


class RecentVaults:
    """The list, read from and saved to one JSON file; newest first."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.config_dir() / FILE_NAME
        self._entries: list[RecentVault] = []
        self.load()

    def load(self) -> None:
        """Read the file again; anything unreadable is left out."""
        self._entries = []
        data = jsonfile.load(self.path, "recent-vaults list unreadable, starting empty")
        items = data.get("vaults") if isinstance(data, dict) else None
        items = items if isinstance(items, list) else []
        for item in items:
            try:
                entry = RecentVault(
                    path=_key(Path(item["path"])),
                    last_opened=dt.datetime.fromisoformat(item["last_opened"]),
                )
            except (KeyError, TypeError, ValueError, RuntimeError):
                continue
            if entry.last_opened.tzinfo is None:
                entry = RecentVault(entry.path, entry.last_opened.replace(tzinfo=dt.UTC))
            if all(e.path != entry.path for e in self._entries):
                self._entries.append(entry)
        self._entries.sort(key=lambda e: e.last_opened, reverse=True)
        del self._entries[KEEP:]
        if any(isinstance(item, dict) and "name" in item for item in items):
            self._scrub()

    def _scrub(self) -> None:
        """Rewrite a list that an older version wrote with vault names in it."""
        try:
            self.save()
        except OSError as exc:
            log.warning("recent-vaults list still holds names: %s", type(exc).__name__)

    def entries(self) -> list[RecentVault]:
        """Every remembered vault, newest first."""
        return list(self._entries)

    def get(self, path: Path) -> RecentVault | None:
        """The entry for ``path``, if remembered."""
        wanted = _key(path)
        return next((e for e in self._entries if e.path == wanted), None)

    def opened(self, path: Path, when: dt.datetime | None = None) -> None:
        """Remember ``path`` as opened now (or ``when``; the list is newest first), and save.

        Args:
            path: The vault file.
            when: The time to record; now by default.
        """
        key = _key(path)
        entry = RecentVault(key, when or _now())
        entries = [entry, *(e for e in self._entries if e.path != key)]
        entries.sort(key=lambda e: e.last_opened, reverse=True)
        self._entries = entries[:KEEP]
        self.save()

    def remove(self, path: Path) -> bool:
        """Forget ``path`` (the file itself is never touched); True if it was listed."""
        key = _key(path)
        before = len(self._entries)
        self._entries = [e for e in self._entries if e.path != key]
        if len(self._entries) == before:
            return False
        self.save()
        return True

    def save(self) -> None:
        """Write the list atomically."""
        data = {
            "vaults": [
                {"path": str(e.path), "last_opened": e.last_opened.isoformat()}
                for e in self._entries
            ]
        }
        jsonfile.save(self.path, json.dumps(data, indent=2))
