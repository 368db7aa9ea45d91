"""``ui.cli_handover`` wired into a parser the way ``ui.cli`` does: export, verify, import.

``ui.cli`` itself adds these commands (the lead wires ``register_export``,
``register_handover`` and ``import handover``); here a parser with the same
global options is built around them, and every command and option must have
help text, as tests/test_docs.py demands of the real parser.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.handover.conftest import HANDOVER_PASSPHRASE, PASSPHRASE, build_source
from ui import cli_handover
from ui.cli import build_parser
from ui.cli_common import ENV_PASSPHRASE, Session
from vault import Vault


def _parser() -> argparse.ArgumentParser:
    """The real ``sitebook`` parser, so these tests cover the wiring too."""
    return build_parser()


def run(*argv: str) -> int:
    args = _parser().parse_args(list(argv))
    session = Session(args)
    try:
        return args.func(session)
    finally:
        session.close()


def test_every_option_has_help() -> None:
    parser = _parser()
    for name in ("export", "handover"):
        sub = parser._subparsers._group_actions[0].choices[name]  # type: ignore[union-attr]
        for child in sub._subparsers._group_actions[0].choices.values():  # type: ignore[union-attr]
            assert (child.description or "").strip()
            for action in child._actions:
                if action.help != argparse.SUPPRESS:
                    assert (action.help or "").strip(), action


def test_export_verify_import_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = build_source(tmp_path / "source.sitebook")
    source.vault.close()
    monkeypatch.setenv(ENV_PASSPHRASE, PASSPHRASE)
    secret_file = tmp_path / "handover.txt"
    secret_file.write_text(HANDOVER_PASSPHRASE + "\n", encoding="utf-8")
    out = tmp_path / "pkg"
    code = run(
        "--json",
        "--vault",
        str(tmp_path / "source.sitebook"),
        "export",
        "handover",
        "--client",
        "Contoso",
        "--out",
        str(out),
        "--handover-passphrase-file",
        str(secret_file),
        "--kdf-memory",
        "64",
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["client"] == "Contoso Dental" and data["passphrase"] is None
    assert data["counts"]["credential"] == 2 and data["credentials"] == 4

    assert run("handover", "verify", str(out)) == 0
    text = capsys.readouterr().out
    assert text.startswith("OK: the handover package of Contoso Dental")
    assert data["fingerprint"] in text

    Vault.create(
        tmp_path / "next.sitebook",
        name="Next",
        owner="Bob",
        passphrase=PASSPHRASE,
        kdf_params=__import__("tests.handover.conftest", fromlist=["KDF"]).KDF,
    )[0].close()
    monkeypatch.setenv(cli_handover.ENV_HANDOVER_PASSPHRASE, HANDOVER_PASSPHRASE)
    assert (
        run("--json", "--vault", str(tmp_path / "next.sitebook"), "import", "handover", str(out))
        == 0
    )
    imported = json.loads(capsys.readouterr().out)
    assert imported["records"] == 10 and imported["verified"] is True

    (out / "site" / "index.html").write_text("changed", encoding="utf-8")
    assert run("handover", "verify", str(out)) == 1
    assert capsys.readouterr().out.startswith("FAILED: site/index.html: was changed")
    assert run("--json", "handover", "verify", str(out)) == 1
    assert json.loads(capsys.readouterr().out)["first_mismatch"] == "site/index.html"


def test_a_generated_passphrase_is_printed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = build_source(tmp_path / "source.sitebook")
    source.vault.close()
    monkeypatch.setenv(ENV_PASSPHRASE, PASSPHRASE)
    code = run(
        "--vault",
        str(tmp_path / "source.sitebook"),
        "export",
        "handover",
        "--client",
        "Contoso",
        "--out",
        str(tmp_path / "pkg.zip"),
        "--zip",
        "--no-history",
        "--no-audit",
        "--kdf-memory",
        "64",
    )
    assert code == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    index = lines.index("HANDOVER PASSPHRASE - shown only this once. It opens credentials.kdbx and")
    words = lines[index + 4].strip()
    assert len(words.split("-")) >= 6
    assert words not in captured.err
    import zipfile

    from pykeepass import PyKeePass

    with zipfile.ZipFile(tmp_path / "pkg.zip") as archive:
        archive.extract("pkg/credentials.kdbx", tmp_path / "x")
    assert PyKeePass(str(tmp_path / "x/pkg/credentials.kdbx"), password=words).entries


def test_import_without_a_passphrase_says_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cli_handover.ENV_HANDOVER_PASSPHRASE, raising=False)
    (tmp_path / "pkg").mkdir()
    with pytest.raises(cli_handover.CliError, match="--handover-passphrase-file"):
        run("--vault", str(tmp_path / "v.sitebook"), "import", "handover", str(tmp_path / "pkg"))
