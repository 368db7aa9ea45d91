"""Fixtures shared by every test: isolated paths, a private temp folder, cheap KDF.

Every test runs with all of Sitebook's folders (data, cache, logs, config) and
the XDG base folders pointed at fresh subfolders of its own ``tmp_path``, and
with ``TMPDIR``/``tempfile.tempdir`` pointed at ``tmp_path / "tmp"``, so nothing
a test does reaches the real user's files and the canary tests can scan every
byte a test wrote. The Sitebook folders are not created here: the app must
create what it needs. Qt runs on the offscreen platform unless told otherwise.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

# Before any QApplication exists (pytest-qt creates it lazily in `qapp`).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass
else:
    # Tests never assert on timing (that is bench/'s job): a loaded CI machine
    # must not turn a slow example into a failure. CI runs are derandomised so
    # they are repeatable; SITEBOOK_RELIABILITY=full explores new examples.
    _hypothesis_settings.register_profile(
        "sitebook",
        deadline=None,
        derandomize=os.environ.get("SITEBOOK_RELIABILITY") != "full",
    )
    _hypothesis_settings.load_profile("sitebook")


@dataclass(frozen=True)
class SitebookDirs:
    """The folders one test's Sitebook writes to, all under its ``tmp_path``."""

    data: Path
    cache: Path
    log: Path
    config: Path
    tmp: Path
    xdg: Path

    def roots(self) -> tuple[Path, ...]:
        """Every folder a canary scan must cover (some may not exist yet)."""
        return (self.data, self.cache, self.log, self.config, self.tmp, self.xdg)


@pytest.fixture(autouse=True)
def sitebook_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SitebookDirs:
    """Redirect Sitebook's folders, the XDG folders and the temp folder into tmp_path."""
    dirs = SitebookDirs(
        data=tmp_path / "sitebook-data",
        cache=tmp_path / "sitebook-cache",
        log=tmp_path / "sitebook-log",
        config=tmp_path / "sitebook-config",
        tmp=tmp_path / "tmp",
        xdg=tmp_path / "xdg",
    )
    monkeypatch.setenv("SITEBOOK_DATA_DIR", str(dirs.data))
    monkeypatch.setenv("SITEBOOK_CACHE_DIR", str(dirs.cache))
    monkeypatch.setenv("SITEBOOK_LOG_DIR", str(dirs.log))
    monkeypatch.setenv("SITEBOOK_CONFIG_DIR", str(dirs.config))
    # A safety net for anything that falls back to platformdirs or QStandardPaths.
    for name in ("DATA", "CACHE", "CONFIG", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(dirs.xdg / name.lower()))
    runtime = dirs.xdg / "runtime"
    runtime.mkdir(parents=True, mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))

    dirs.tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(dirs.tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(dirs.tmp))
    return dirs


@pytest.fixture
def fast_kdf():
    """Argon2id parameters at the design's floor (64 MiB, 3 passes, 4 lanes)."""
    from crypto.kdf import KdfParams

    return KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
