"""Fixtures for the end-to-end tests: the ``sitebook`` CLI run as a subprocess.

Every call runs ``python -m ui.cli`` from the repository root's code with a
clean environment: Sitebook's folders inside the test's ``tmp_path``, a known
passphrase in ``SITEBOOK_PASSPHRASE``, no ``SITEBOOK_VAULT``, and stdin from
/dev/null so that no prompt can ever wait for input. Every call is recorded so
a test can check afterwards that no secret leaked into any output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery"
KDF = ("--kdf-memory", "64")
CALL_TIMEOUT = 120


@dataclass(frozen=True)
class Result:
    """One finished CLI call."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


@dataclass
class Cli:
    """Runs ``sitebook`` in a subprocess; ``cli("record", "list")``."""

    cwd: Path
    env: dict[str, str]
    calls: list[Result] = field(default_factory=list)

    def __call__(
        self, *args: str, env: dict[str, str | None] | None = None, cwd: Path | None = None
    ) -> Result:
        """Run one command; ``env`` entries of None remove a variable."""
        environ = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        done = subprocess.run(
            [sys.executable, "-m", "ui.cli", *args],
            cwd=cwd or self.cwd,
            env=environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=CALL_TIMEOUT,
            check=False,
        )
        result = Result(tuple(args), done.returncode, done.stdout, done.stderr)
        self.calls.append(result)
        return result

    def ok(self, *args: str, **kwargs: Any) -> Result:
        """Run a command that must succeed (exit 0)."""
        result = self(*args, **kwargs)
        assert result.code == 0, f"sitebook {' '.join(args)} -> {result.code}\n{result.err}"
        return result

    def json(self, *args: str, **kwargs: Any) -> Any:
        """Run a command with ``--json`` that must succeed; return the parsed output."""
        return self.ok("--json", *args, **kwargs).json()

    def fails(self, code: int, *args: str, **kwargs: Any) -> Result:
        """Run a command that must exit with ``code``."""
        result = self(*args, **kwargs)
        assert result.code == code, (
            f"sitebook {' '.join(args)} -> {result.code}, expected {code}\n{result.err}"
        )
        return result


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """A CLI runner whose working folder and Sitebook folders live in ``tmp_path``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SITEBOOK_") and key not in {"PYTHONPATH", "PYTHONSTARTUP"}
    }
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONIOENCODING="utf-8",
        SITEBOOK_PASSPHRASE=PASSPHRASE,
        SITEBOOK_DATA_DIR=str(tmp_path / "sitebook-data"),
        SITEBOOK_CACHE_DIR=str(tmp_path / "sitebook-cache"),
        SITEBOOK_LOG_DIR=str(tmp_path / "sitebook-log"),
        SITEBOOK_CONFIG_DIR=str(tmp_path / "sitebook-config"),
    )
    work = tmp_path / "work"
    work.mkdir()
    return Cli(cwd=work, env=env)


@pytest.fixture
def vault_file(cli: Cli) -> Path:
    """A new vault (64 MiB KDF) that ``SITEBOOK_VAULT`` points at for the runner."""
    path = cli.cwd / "test.sitebook"
    cli.ok("init", str(path), "--name", "Northwind IT", "--owner", "Alice Admin", *KDF)
    cli.env["SITEBOOK_VAULT"] = str(path)
    return path
