"""``sitebook search``: the command's parser, its table and its JSON, on a real vault."""

from __future__ import annotations

import argparse
import json

import pytest

from ui import cli_search
from vault import Vault
from vault.model import Client


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitebook")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=False, help="print JSON")
    cli_search.register(parser.add_subparsers(dest="command"), common, argparse.HelpFormatter)
    return parser


@pytest.fixture
def records(vault: Vault, contoso: Client, fabrikam: Client) -> dict[str, str]:
    return {
        "dc": vault.add_record(
            contoso.id,
            "configuration",
            "srv-dc01",
            {"hostname": "srv-dc01", "fqdn": "srv-dc01.contoso.local"},
        ).id,
        "cred": vault.add_record(
            contoso.id, "credential", "Domain admin", {"username": "admin", "password": "s3cret!"}
        ).id,
        "fw": vault.add_record(fabrikam.id, "configuration", "fw01", {"model": "FortiGate"}).id,
        "internal": vault.add_record(
            vault.internal_scope_id, "procedure", "Patch srv-dc01", {"body": "reboot dc01"}
        ).id,
    }


def test_json_results(vault: Vault, records: dict[str, str], capsys) -> None:
    args = _parser().parse_args(["search", "dc01", "--json"])
    assert cli_search.run(args, vault) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["id"] == records["dc"]
    assert list(out[0]) == [
        "id", "client", "client_id", "type", "title", "snippet", "score", "field"
    ]  # fmt: skip
    first = out[0]
    assert first["client"] == "Contoso Dental" and first["type"] == "configuration"
    assert "[" in first["snippet"] and isinstance(first["score"], float)
    internal = next(hit for hit in out if hit["id"] == records["internal"])
    assert internal["client"] is None and internal["client_id"] is None


def test_table_filters_and_words_joined(vault: Vault, records: dict[str, str], capsys) -> None:
    args = _parser().parse_args(["search", "srv-dc01", "OR", "fw01", "--client", "contoso"])
    assert cli_search.run(args, vault) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "TYPE", "CLIENT", "TITLE", "SNIPPET"]
    assert all("Contoso" in line for line in lines[1:])
    assert any(records["dc"][:8] in line for line in lines[1:])
    args = _parser().parse_args(["search", "admin", "--type", "credential", "--json"])
    cli_search.run(args, vault)
    assert [hit["id"] for hit in json.loads(capsys.readouterr().out)] == [records["cred"]]


def test_nothing_found_says_so_and_suggests(vault: Vault, records, capsys) -> None:
    args = _parser().parse_args(["search", "fortigte"])
    assert cli_search.run(args, vault) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No results." in captured.err
    assert "Did you mean: fortigate" in captured.err


def test_secrets_are_not_searchable_from_the_cli(vault: Vault, records, capsys) -> None:
    args = _parser().parse_args(["search", "s3cret!", "--json"])
    cli_search.run(args, vault)
    assert json.loads(capsys.readouterr().out) == []


def test_limit_and_bad_values(vault: Vault, records, capsys) -> None:
    args = _parser().parse_args(["search", "dc01", "--limit", "1", "--json"])
    cli_search.run(args, vault)
    assert len(json.loads(capsys.readouterr().out)) == 1
    with pytest.raises(SystemExit):
        _parser().parse_args(["search", "x", "--limit", "0"])
    with pytest.raises(SystemExit):
        _parser().parse_args(["search"])


def test_every_option_has_help() -> None:
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    search = sub.choices["search"]
    assert (search.description or "").strip()
    for action in search._actions:
        assert (action.help or "").strip(), action.dest
