"""``sitebook import``: formats named or recognised, dry run, JSON report, mapping, errors."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from ui import cli_import
from vault import Vault

from .conftest import KDBX_PASSWORD

KEYS = ["format", "imported", "by_type", "unmapped", "skipped", "warnings"]


def test_json_report_has_the_documented_shape(run_cli, data: Path, vault: Vault, client) -> None:
    result = run_cli("import", str(data / "keepass.xml"), "--client", client.name, "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert list(report)[:6] == KEYS
    assert report["format"] == "keepass-xml"
    assert report["imported"] == 6
    assert report["by_type"] == {"credential": 5, "procedure": 1}
    assert {
        "item": "group 'Recycle Bin'",
        "reason": "the recycle bin (1 entry) is not imported",
    } in report["skipped"]
    assert "Serial" in report["unmapped"]
    assert len(vault.list_records(client.id)) == 6


def test_no_secret_reaches_the_output(run_cli, data: Path, client) -> None:
    result = run_cli(
        "import", str(data / "keepass.xml"), "--client", client.name, "--json", "--dry-run"
    )
    for secret in ("Tr0ub4dor", "s3cr3t-enable", "M365-Adm1n", "JBSWY3DPEHPK3PXP", "old-password"):
        assert secret not in result.out and secret not in result.err


def test_dry_run_writes_nothing(run_cli, data: Path, vault: Vault, client) -> None:
    result = run_cli("import", "--dry-run", str(data / "bitwarden.json"), "--client", client.name)
    assert result.code == 0, result.err
    assert "Would import 6 record(s)" in result.out
    assert "Dry run: nothing was written." in result.err
    assert "skipped: item 'Old webmail': in the Bitwarden trash" in result.err
    assert "skipped: item '8': it is empty: no title, no values, no files" in result.err
    assert vault.list_records() == []


def test_a_second_import_reports_everything_unchanged(run_cli, data: Path, client) -> None:
    run_cli("import", str(data / "chrome.csv"), "--client", client.name)
    result = run_cli("import", "chrome-csv", str(data / "chrome.csv"), "--client", client.name)
    assert result.code == 0
    assert "Imported 0 record(s)" in result.out and "5 unchanged" in result.out


def test_without_a_client_records_are_provider_internal(run_cli, data: Path, vault: Vault) -> None:
    result = run_cli("import", str(data / "firefox.csv"))
    assert result.code == 0 and "provider-internal" in result.out
    assert {r.scope_id for r in vault.list_records()} == {vault.internal_scope_id}


def test_groups_as_clients_creates_clients(run_cli, data: Path, vault: Vault) -> None:
    result = run_cli("import", str(data / "bitwarden-org.json"), "--groups-as", "clients", "--json")
    assert result.json()["clients"] == ["Contoso Dental", "Fabrikam Legal"]
    assert sorted(c.name for c in vault.clients()) == ["Contoso Dental", "Fabrikam Legal"]


def test_csv_mapping_from_the_command_line(run_cli, data: Path, vault: Vault, client) -> None:
    result = run_cli(
        "import",
        "csv",
        str(data / "generic.csv"),
        "--client",
        client.name,
        "--type",
        "configuration",
        "--map",
        "Login=custom:Login",
        "--map",
        "Password=secret:Admin password",
        "--map",
        "Comment=notes",
        "--json",
    )
    assert result.code == 0, result.err
    records = {r.title: r for r in vault.list_records(client.id)}
    dc = records["srv-dc01"]
    assert dc.type == "configuration"
    assert dc.fields["ip_addresses"] == "10.0.4.10"
    assert dc.fields["serial_number"] == "CZ1234567"
    assert dc.fields["warranty_expires"] == "2027-01-31"
    assert dc.fields["Admin password"] == "Dc01-Pass!" and dc.custom["Admin password"] == "secret"
    assert records["fw-01"].fields["Warranty expires"] == "next year"


def test_a_bad_mapping_is_a_clear_error(run_cli, data: Path, client) -> None:
    result = run_cli("import", "csv", str(data / "generic.csv"), "--map", "Nope=title")
    assert result.code == 1 and "does not have" in result.err
    result = run_cli("import", "csv", str(data / "generic.csv"), "--map", "Login")
    assert result.code == 2 and "COLUMN=FIELD" in result.err  # a usage error


def test_map_and_type_are_refused_for_formats_that_know_their_fields(
    run_cli, data: Path, vault: Vault, client
) -> None:
    for extra, said in (
        (["--map", "Title=title"], "--map applies to"),
        (["--type", "configuration", "--map", "Title=title"], "--map and --type apply to"),
    ):
        result = run_cli("import", str(data / "keepass.xml"), "--client", client.name, *extra)
        assert result.code == 2
        assert f"{said} plain CSV files (format csv); keepass.xml is keepass-xml" in result.err
    vault.refresh()
    assert vault.list_records() == []  # refused before anything was read or written


def test_bad_input_names_the_file_and_line(run_cli, data: Path, vault: Vault) -> None:
    result = run_cli("import", "keepass-xml", str(data / "BrokenKeepassTruncated.xml"))
    assert result.code == 1
    assert "BrokenKeepassTruncated.xml" in result.err and "line" in result.err
    assert vault.list_records() == []


def test_an_unknown_format_is_a_usage_error(run_cli, data: Path) -> None:
    result = run_cli("import", "wordperfect", str(data / "chrome.csv"))
    assert result.code == 2 and "known formats" in result.err


def test_a_missing_file_is_an_error(run_cli, tmp_path: Path) -> None:
    result = run_cli("import", str(tmp_path / "nope.csv"))
    assert result.code == 1 and "does not exist" in result.err


def test_kdbx_with_a_passphrase_file(run_cli, data: Path, tmp_path: Path, vault: Vault) -> None:
    target = tmp_path / "db.kdbx"
    shutil.copyfile(data / "empty-kdbx4.kdbx", target)
    secret = tmp_path / "kdbx.pass"
    secret.write_text(KDBX_PASSWORD + "\n")
    result = run_cli("import", str(target), "--kdbx-passphrase-file", str(secret), "--json")
    assert result.code == 0, result.err
    assert result.json()["format"] == "kdbx" and result.json()["imported"] == 0
    result = run_cli("import", str(target))
    assert result.code == 1 and "give its password" in result.err


def test_run_accepts_a_bare_vault(data: Path, vault: Vault, client, capsys) -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    cli_import.register(commands)
    args = parser.parse_args(
        ["import", str(data / "chrome4.csv"), "--client", client.name, "--json"]
    )
    assert cli_import.run(args, vault) == 0
    assert '"imported": 2' in capsys.readouterr().out


def test_parse_mapping_splits_on_the_last_equals() -> None:
    assert cli_import.parse_mapping(["a=b=title", " Login = username "]) == {
        "a=b": "title",
        "Login": "username",
    }


@pytest.mark.parametrize("flag", ["--help"])
def test_help_lists_the_formats(flag: str, capsys) -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    cli_import.register(commands)
    with pytest.raises(SystemExit):
        parser.parse_args(["import", flag])
    text = capsys.readouterr().out
    assert "keepass-xml" in text and "bitwarden-json" in text and "--dry-run" in text
