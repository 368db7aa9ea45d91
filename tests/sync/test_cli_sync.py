"""``sitebook sync``, ``sync status``, ``sync clone``, ``compact``, ``conflicts``, ``resolve``.

Run in-process through ``ui.cli.main``. Until ``ui/cli.py`` registers the sync
commands itself, the fixture adds them to the parser the same way it will.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from ui import cli, cli_sync
from vault import Vault

from .conftest import passphrase
from .davserver import PASSWORD, USER, DavServer


@pytest.fixture(autouse=True)
def with_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    original = cli.build_parser

    def build() -> argparse.ArgumentParser:
        parser = original()
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "sync" not in commands.choices:
            common = argparse.ArgumentParser(add_help=False)
            cli._global_options(common, suppress=True)
            cli_sync.register(commands, common, argparse.HelpFormatter)
        return parser

    monkeypatch.setattr(cli, "build_parser", build)


class Run:
    """``sitebook ...`` as one person: their vault and passphrase."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, vault: Path, name: str, *argv: str) -> tuple[int, str, str]:
        self.monkeypatch.setenv("SITEBOOK_PASSPHRASE", passphrase(name))
        code = cli.main(["--vault", str(vault), *argv])
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return Run(capsys, monkeypatch)


def _owner(tmp_path: Path, run: Run) -> Path:
    path = tmp_path / "alice.sitebook"
    code, _, err = run(
        path,
        "Alice",
        "init",
        str(path),
        "--name",
        "Northwind",
        "--owner",
        "Alice",
        "--kdf-memory",
        "64",
    )
    assert code == 0, err
    return path


def test_sync_status_watch_and_a_member_joining_by_the_command_line(
    tmp_path: Path, run: Run
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    alice = _owner(tmp_path, run)
    assert run(alice, "Alice", "client", "add", "Contoso")[0] == 0
    code, out, err = run(
        alice,
        "Alice",
        "record",
        "add",
        "--type",
        "credential",
        "--title",
        "Firewall",
        "--client",
        "Contoso",
        "--field",
        "password=pw",
        "--json",
    )
    assert code == 0, err
    record = json.loads(out)["id"]
    code, out, err = run(alice, "Alice", "sync", "--target", str(share))
    assert code == 0, err
    assert out.startswith(f"Synced with {share}: sent ")
    code, out, _ = run(alice, "Alice", "sync", "status", "--json")
    status = json.loads(out)
    assert status["target"] == str(share) and status["last_error"] is None
    assert status["pending_changes"] == 1  # this very unlock, in the audit log
    assert status["rejected"] == []

    invitation = tmp_path / "bob.json"
    assert (
        run(
            alice,
            "Alice",
            "member",
            "invite",
            "Bob",
            "--role",
            "technician",
            "--out",
            str(invitation),
        )[0]
        == 0
    )
    assert run(alice, "Alice", "sync")[0] == 0  # the saved target
    bob = tmp_path / "bob.sitebook"
    code, out, err = run(bob, "Bob", "sync", "clone", str(share), str(bob), "--json")
    assert code == 0, err
    assert json.loads(out)["path"] == str(bob)
    code, out, err = run(
        bob, "Bob", "member", "accept", str(invitation), "--kdf-memory", "64", "--json"
    )
    assert code == 0, err
    accepted = json.loads(out)
    code, _, err = run(bob, "Bob", "sync", "--target", str(share))
    assert code == 1 and "an admin must now sync and confirm you" in err
    assert accepted["fingerprint"] in err
    assert run(alice, "Alice", "sync")[0] == 0
    code, _, err = run(
        alice, "Alice", "member", "confirm", accepted["member_id"][:8], accepted["fingerprint"]
    )
    assert code == 0, err
    assert run(alice, "Alice", "sync")[0] == 0
    code, out, err = run(bob, "Bob", "sync", "--target", str(share))
    assert code == 0, err
    code, out, _ = run(bob, "Bob", "record", "show", record, "--reveal", "--json")
    assert json.loads(out)["fields"]["password"] == "pw"

    code, out, err = run(
        bob, "Bob", "sync", "--watch", "--iterations", "2", "--interval", "0.01", "--json"
    )
    assert code == 0, err
    rounds = [json.loads(line) for line in out.splitlines()]
    assert len(rounds) == 2 and all(r["rejected"] == [] for r in rounds)
    code, _, err = run(bob, "Bob", "sync", "compact")
    assert code == 1 and "only an owner or admin" in err


def test_conflicts_and_resolve(tmp_path: Path, run: Run) -> None:
    share = tmp_path / "share"
    share.mkdir()
    alice = _owner(tmp_path, run)
    run(alice, "Alice", "client", "add", "Contoso")
    code, out, _ = run(
        alice,
        "Alice",
        "record",
        "add",
        "--type",
        "contact",
        "--title",
        "Pat",
        "--client",
        "Contoso",
        "--json",
    )
    record = json.loads(out)["id"]
    run(alice, "Alice", "sync", "--target", str(share))
    # A second handle on another copy of the file stands in for another of Alice's machines.
    copy = tmp_path / "laptop.sitebook"
    vault = Vault.open(alice)
    vault._conn.execute(f"VACUUM INTO '{copy}'")
    vault.close()
    run(alice, "Alice", "record", "edit", record, "--title", "Pat (desk)")
    run(copy, "Alice", "record", "edit", record, "--title", "Pat (laptop)")
    for path in (alice, copy, alice):
        assert run(path, "Alice", "sync")[0] == 0
    code, out, _ = run(alice, "Alice", "sync", "conflicts", "--json")
    found = json.loads(out)
    assert [c["record_id"] for c in found] == [record]
    titles = {h["title"] for h in found[0]["heads"]}
    assert titles == {"Pat (desk)", "Pat (laptop)"}
    laptop = next(h["vid"] for h in found[0]["heads"] if h["title"] == "Pat (laptop)")
    code, out, err = run(alice, "Alice", "sync", "resolve", record[:8], "--keep", laptop[:8])
    assert code == 0, err
    assert run(alice, "Alice", "sync", "conflicts")[1].strip() == "No conflicts."
    run(alice, "Alice", "sync")
    run(copy, "Alice", "sync")
    code, out, _ = run(copy, "Alice", "record", "show", record, "--json")
    assert json.loads(out)["title"] == "Pat (laptop)"


def test_webdav_credentials_are_sealed_and_errors_are_one_line(
    tmp_path: Path, run: Run, dav: DavServer
) -> None:
    alice = _owner(tmp_path, run)
    secret = "dav password: do not store in clear"
    password_file = tmp_path / "pw.txt"
    password_file.write_text(secret + "\n")
    code, out, err = run(
        alice,
        "Alice",
        "sync",
        "--target",
        dav.url,
        "--user",
        USER,
        "--password-file",
        str(password_file),
    )
    assert code == 1 and "refused the user name or password" in err
    password_file.write_text(PASSWORD + "\n")
    code, out, err = run(
        alice,
        "Alice",
        "sync",
        "--target",
        dav.url,
        "--user",
        USER,
        "--password-file",
        str(password_file),
    )
    assert code == 0, err
    code, out, err = run(alice, "Alice", "sync")
    assert code == 0, err
    code, out, _ = run(alice, "Alice", "sync", "status", "--json")
    assert json.loads(out)["target"] == dav.url
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("alice.sitebook*"))
    assert PASSWORD.encode() not in raw and secret.encode() not in raw
    assert PASSWORD not in out
    code, out, err = run(alice, "Alice", "sync", "compact", "--json")
    assert code == 0, err
    assert json.loads(out)["snapshots"]
    dav.stop()
    code, out, err = run(alice, "Alice", "sync")
    assert code == 1
    assert err.startswith("sitebook: Cannot reach the sync target") and err.count("\n") == 1
    code, out, _ = run(alice, "Alice", "sync", "status")
    assert "Cannot reach" in out
    code, out, err = run(
        alice, "Alice", "sync", "--watch", "--iterations", "2", "--interval", "0.01"
    )
    assert code == 0 and err.count("Cannot reach") == 2
