"""The app's settings: one table of names, defaults and bounds, kept in a JSON file.

Like KeePassXC's ``core/Config.cpp``: every setting is declared once in
:data:`SETTINGS` with its default; :class:`Settings` reads
``vault.paths.config_dir()/settings.json`` (unknown keys and values of the wrong
type or out of bounds fall back to the default) and writes it atomically (temp
file, fsync, ``os.replace``). Nothing secret is ever stored here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ui.desktop import jsonfile
from vault import paths

FILE_NAME = "settings.json"


@dataclass(frozen=True)
class Setting:
    """One setting: its key, default, and (for numbers) bounds or (for text) choices."""

    key: str
    default: int | str | bool
    minimum: int = 0
    maximum: int = 0
    choices: tuple[str, ...] = ()


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("clipboard_seconds", 20, 5, 600),
        Setting("idle_lock_minutes", 10, 0, 24 * 60),  # 0: never
        Setting("lock_on_screen_lock", True),
        Setting("theme", "system", choices=("system", "light", "dark")),
        Setting("search_delay_ms", 150, 0, 2000),
        Setting("sync_interval_minutes", 5, 0, 24 * 60),  # 0: only "Sync now"
    )
}
"""Every setting the window knows, with its default."""


class Settings:
    """Settings read from (and saved to) one JSON file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.config_dir() / FILE_NAME
        self._values: dict[str, int | str | bool] = {}
        self.load()

    def load(self) -> None:
        """Read the file; a missing or damaged file means every default."""
        self._values = {}
        data = jsonfile.load(self.path, "settings file unreadable, using defaults")
        if isinstance(data, dict):
            for key, value in data.items():
                if key in SETTINGS and self._valid(SETTINGS[key], value):
                    self._values[key] = value

    @staticmethod
    def _valid(setting: Setting, value: object) -> bool:
        if isinstance(setting.default, bool):
            return isinstance(value, bool)
        if isinstance(setting.default, int):
            return (
                isinstance(value, int)
                and not isinstance(value, bool)
                and setting.minimum <= value <= setting.maximum
            )
        return isinstance(value, str) and (not setting.choices or value in setting.choices)

    def get(self, key: str) -> int | str | bool:
        """The value of ``key`` (its default unless set)."""
        return self._values.get(key, SETTINGS[key].default)

    def set(self, key: str, value: int | str | bool) -> None:
        """Change ``key``; raises ValueError for a value the table does not allow."""
        if key not in SETTINGS or not self._valid(SETTINGS[key], value):
            raise ValueError(f"invalid value for setting {key}")
        self._values[key] = value

    def save(self) -> None:
        """Write every changed setting atomically."""
        jsonfile.save(self.path, json.dumps(self._values, indent=2, sort_keys=True))


_shared: dict[str, Settings] = {}


def shared() -> Settings:
    """The settings of this process (read once per config folder)."""
    key = str(paths.config_dir())
    if key not in _shared:
        _shared[key] = Settings()
    return _shared[key]
