"""Where Sitebook keeps its files: one place, redirectable for tests and portable use.

Every folder comes from platformdirs unless an environment variable overrides it
(``SITEBOOK_DATA_DIR``, ``SITEBOOK_CACHE_DIR``, ``SITEBOOK_LOG_DIR``,
``SITEBOOK_CONFIG_DIR``); tests point them all at ``tmp_path``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "sitebook"


def _dir(variable: str, default: str) -> Path:
    override = os.environ.get(variable)
    path = Path(override) if override else Path(default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """User data folder (the demo vault lives here)."""
    return _dir("SITEBOOK_DATA_DIR", platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """Cache folder for encrypted search snapshots."""
    return _dir("SITEBOOK_CACHE_DIR", platformdirs.user_cache_dir(APP, appauthor=False))


def log_dir() -> Path:
    """Folder of the rotating log file."""
    return _dir("SITEBOOK_LOG_DIR", platformdirs.user_log_dir(APP, appauthor=False))


def config_dir() -> Path:
    """Folder of settings and the recent-vaults list."""
    return _dir("SITEBOOK_CONFIG_DIR", platformdirs.user_config_dir(APP, appauthor=False))
