"""The generic CSV importer's mapping API (used by the window's mapping page)."""

from __future__ import annotations

from pathlib import Path

import pytest

import importers
from importers import generic_csv
from importers.base import ImportOptions
from vault.errors import ImportInputError


def test_columns_and_preview(data: Path) -> None:
    path = data / "generic.csv"
    assert generic_csv.columns(path)[:3] == ["Hostname", "IP", "Login"]
    rows = generic_csv.preview_rows(path, 2)
    assert rows[0]["Hostname"] == "srv-dc01" and rows[1]["Comment"] == "File server,\nhas 2 shares"


def test_targets_offer_the_type_fields() -> None:
    targets = dict(generic_csv.targets("configuration"))
    assert targets["title"] == "Title" and targets["ip_addresses"] == "IP addresses"
    assert targets["-"] == "Leave out"


def test_suggestions_use_names_labels_and_aliases() -> None:
    header = ["Name", "Login", "Passwort", "PIN", "Website", "Folder", "Organisation", "Serial #"]
    assert generic_csv.suggest(header, "credential") == {
        "Name": "title",
        "Login": "username",
        "Passwort": "custom:Passwort",
        "PIN": "secret:PIN",
        "Website": "url",
        "Folder": "tags",
        "Organisation": "client",
        "Serial #": "custom:Serial #",
    }
    assert generic_csv.suggest(["Hostname", "IP", "Serial"], "configuration") == {
        "Hostname": "hostname",
        "IP": "ip_addresses",
        "Serial": "serial_number",
    }


def test_validate_mapping_names_bad_columns_and_targets() -> None:
    with pytest.raises(ImportInputError, match="the file does not have"):
        generic_csv.validate_mapping({"Nope": "title"}, ["A"], "credential")
    with pytest.raises(ImportInputError, match="not a field of Credential"):
        generic_csv.validate_mapping({"A": "hostname"}, ["A"], "credential")
    with pytest.raises(ImportInputError, match="unknown record type"):
        generic_csv.validate_mapping({}, ["A"], "spaceship")
    done = generic_csv.validate_mapping({"a": "secret:Key"}, ["A", "Login"], "credential")
    assert done == {"A": "secret:Key", "Login": "username"}


def test_per_row_type_client_tags_and_ignored_columns(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "Kind;Title;Org;Labels;Secret;Skip me;Body\n"
        "Credential;VPN;Contoso;a|b;pw;x;\n"
        "procedure;Runbook;Fabrikam;;;;Step 1\n"
        "spaceship;Nope;;;;;\n",
        encoding="utf-8",
    )
    mapping = {
        "Kind": "type",
        "Org": "client",
        "Labels": "tags",
        "Secret": "password",
        "Skip me": "-",
    }
    parsed = importers.read(path, "csv", ImportOptions(mapping=mapping))
    vpn, runbook = parsed.drafts
    assert (vpn.type, vpn.client, vpn.tags, vpn.fields) == (
        "credential",
        "Contoso",
        ["a", "b"],
        {"password": "pw"},
    )
    assert runbook.type == "procedure" and runbook.fields["body"] == "Step 1"
    assert parsed.skipped[0].reason == "unknown record type 'spaceship'"


def test_an_id_column_makes_updates_stable(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("ID,Name,Password\n7,A,x\n", encoding="utf-8")
    first = importers.read(path, "csv", ImportOptions(mapping={"ID": "id"}))
    path.write_text("ID,Name,Password\n7,A renamed,y\n", encoding="utf-8")
    second = importers.read(path, "csv", ImportOptions(mapping={"ID": "id"}))
    assert first.drafts[0].source_id == second.drafts[0].source_id == "7"


def test_the_windows_mapped_read_reports_a_cut_off_row_once(tmp_path: Path) -> None:
    """The mapping page reads through read_mapped, not importers.read."""
    path = tmp_path / "cut.csv"
    path.write_text("Name,Login,Room\nPrinter,u,R1\nCut,u2\n")
    for parsed in (
        generic_csv.read_mapped(path, ImportOptions()),
        importers.read(path, "csv"),
    ):
        assert [w for w in parsed.warnings if "fewer cells" in w] == [
            f"{path}: 1 row(s) have fewer cells than the header (line 3); is the file cut off?"
        ]
