"""Fixtures for importer tests: a real vault, the fixture files, and the CLI in-process.

``run_cli`` runs ``ui.cli.main`` with the ``import`` command registered (the
lead wires ``ui.cli_import.register`` into ``ui/cli.py``; until then the
parser is extended here, and afterwards this leaves it alone).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from vault import Vault

DATA = Path(__file__).parent / "data"
PASSPHRASE = "correct horse battery"
KDBX_PASSWORD = "kdbx fixture password"


@pytest.fixture
def data() -> Path:
    """The folder of importer fixtures."""
    return DATA


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "import.sitebook"


@pytest.fixture
def vault(vault_path: Path, fast_kdf: KdfParams) -> Iterator[Vault]:
    """A new unlocked vault with a floor-level KDF."""
    made, _ = Vault.create(
        vault_path,
        name="Northwind IT",
        owner="Alice Admin",
        passphrase=PASSPHRASE,
        kdf_params=fast_kdf,
    )
    yield made
    made.close()


@pytest.fixture
def client(vault: Vault):
    return vault.add_client("Contoso Dental")


def keepassxc_cli() -> str | None:
    """The keepassxc-cli program, or None when it is not installed."""
    return shutil.which("keepassxc-cli")


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def _with_import(
    build: Callable[[], argparse.ArgumentParser],
) -> Callable[[], argparse.ArgumentParser]:
    from ui import cli, cli_import

    def wrapped() -> argparse.ArgumentParser:
        parser = build()
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "import" not in commands.choices:
            common = argparse.ArgumentParser(add_help=False)
            cli._global_options(common, suppress=True)
            cli_import.register(commands, common, argparse.HelpFormatter)
        return parser

    return wrapped


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    vault: Vault,
    vault_path: Path,
) -> Callable[..., CliResult]:
    """Run ``sitebook ...`` in-process against the test vault; returns code, stdout, stderr."""
    from ui import cli

    monkeypatch.setattr(cli, "build_parser", _with_import(cli.build_parser))
    monkeypatch.setenv("SITEBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("SITEBOOK_VAULT", str(vault_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = cli.main(list(args))
        captured = capsys.readouterr()
        vault.refresh()
        return CliResult(code, captured.out, captured.err)

    return run
