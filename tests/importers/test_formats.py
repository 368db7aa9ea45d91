"""Every password-manager and browser format: mapping, idempotency, broken files, round trips."""

from __future__ import annotations

import csv
import io
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importers
from importers import registry
from importers.apply import run_import
from importers.base import DATES_LEFT_OUT, ImportOptions, Parsed, RecordDraft
from vault import Vault
from vault.errors import ImportInputError
from vault.fields import FieldKind

SEED = "JBSWY3DPEHPK3PXP"

FIXTURES = {
    "keepass.xml": ("keepass-xml", 6),
    "bitwarden.json": ("bitwarden-json", 7),
    "bitwarden-org.json": ("bitwarden-json", 2),
    "bitwarden.csv": ("bitwarden-csv", 4),
    "bitwarden-org.csv": ("bitwarden-csv", 1),
    "1password.1pux": ("1password-1pux", 5),
    "1password.csv": ("1password-csv", 3),
    "data.1pif": ("1password-1pif", 2),
    "lastpass.csv": ("lastpass-csv", 5),
    "chrome.csv": ("chrome-csv", 5),
    "chrome4.csv": ("chrome-csv", 2),
    "firefox.csv": ("firefox-csv", 3),
    "keepassxc.csv": ("keepassxc-csv", 3),
    "dashlane-credentials.csv": ("dashlane-csv", 2),
    "dashlane.zip": ("dashlane-csv", 6),
    "itglue": ("itglue", 15),
    "itglue.zip": ("itglue", 15),
    "itflow-clients.csv": ("itflow-csv", 4),
    "itflow-contacts.csv": ("itflow-csv", 2),
    "itflow-locations.csv": ("itflow-csv", 2),
    "itflow-assets.csv": ("itflow-csv", 3),
    "itflow-assets-template.csv": ("itflow-csv", 1),
    "itflow-credentials.csv": ("itflow-csv", 2),
    "itflow-credentials-old.csv": ("itflow-csv", 1),
    "generic.csv": ("csv", 3),
    "markdown": ("markdown", 5),
    "markdown.zip": ("markdown", 5),
}


EMPTY = {"bitwarden.json": 1}
"""Drafts with nothing in them: read, then skipped by the plan ("it is empty")."""


def _drafts(data: Path, name: str, **options) -> dict:
    parsed = importers.read(data / name, options=ImportOptions(**options))
    return {d.title: d for d in parsed.drafts}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_fixture_is_recognised_and_read(data: Path, name: str) -> None:
    fmt, count = FIXTURES[name]
    assert registry.sniff(data / name).name == fmt
    parsed = importers.read(data / name, fmt)
    assert len(parsed.drafts) == count
    assert parsed.format == fmt


@pytest.mark.parametrize(
    "name",
    [
        "bitwarden.json",
        "1password.1pux",
        "lastpass.csv",
        "itglue.zip",
        "markdown",
        "itflow-clients.csv",
    ],
)
def test_a_second_import_finds_every_record(data: Path, vault: Vault, client, name: str) -> None:
    records = FIXTURES[name][1] - EMPTY.get(name, 0)
    first = importers.import_file(vault, data / name, client=client.name)
    assert first.created == records and first.updated == 0
    mark = vault.high_water_mark()
    again = importers.import_file(vault, data / name, client=client.name)
    assert (again.created, again.updated, again.unchanged) == (0, 0, records)
    assert vault.high_water_mark() == mark


# ---------------------------------------------------------------------- Bitwarden


def test_bitwarden_json_items_of_every_type(data: Path) -> None:
    drafts = _drafts(data, "bitwarden.json")
    login = drafts["DC01 – Domain Admin"]
    assert login.fields["totp"] == SEED
    assert login.fields["url"] == "https://dc01.contoso.local"
    assert login.fields["url_2"] == "rdp://10.0.4.10" and login.custom["url_2"] is FieldKind.URL
    assert login.custom["Recovery PIN"] is FieldKind.SECRET
    assert login.fields["MFA enforced"] == "true"
    assert login.fields["Login name"] == "(linked to Username)"
    assert login.tags == ["Contoso Dental/Servers", "favorite"]
    assert [h.fields["password"] for h in login.history] == ["Summer2022!", "Winter2023!"]
    assert drafts["GitHub (Contoso org)"].fields["totp"].startswith("otpauth://")
    note = drafts["Server room – access procedure"]
    assert note.type == "procedure" and note.fields["body"].startswith("1. Sign")
    card = drafts["Company Visa"]
    assert card.custom["Number"] is FieldKind.SECRET and card.fields["Expiry"] == "07/2027"
    person = drafts["Anna Müller (office manager)"]
    assert person.type == "contact" and person.fields["email"].startswith("anna.mueller@")
    assert person.custom["SSN"] is FieldKind.SECRET
    assert drafts["Backup server SSH key"].custom["Private key"] is FieldKind.SECRET


def test_bitwarden_collections_can_be_clients(data: Path) -> None:
    drafts = _drafts(data, "bitwarden-org.json", groups_as="clients")
    assert drafts["Firewall admin"].client == "Contoso Dental"
    assert drafts["Switch stack"].client == "Fabrikam Legal" and drafts["Switch stack"].tags == [
        "Network"
    ]


def test_bitwarden_csv(data: Path) -> None:
    drafts = _drafts(data, "bitwarden.csv")
    login = drafts["DC01 – Domain Admin"]
    assert login.fields["url_2"] == "rdp://10.0.4.10"
    assert login.fields["Domain"] == "CONTOSO" and login.fields["Recovery PIN"] == "774411"
    assert drafts["Server room – access procedure"].type == "procedure"


# ---------------------------------------------------------------------- 1Password


def test_1pux_categories_sections_history_and_files(data: Path) -> None:
    drafts = _drafts(data, "1password.1pux")
    login = drafts["Microsoft 365 admin"]
    assert login.fields["username"] == "admin@contoso.onmicrosoft.com"
    assert login.fields["totp"].startswith("otpauth://totp/")
    assert login.custom["Recovery code"] is FieldKind.SECRET
    assert login.fields["Renewal"] == "2025-01-01"
    assert login.fields["url_2"] == "https://portal.azure.com"
    assert [a.name for a in login.attachments] == ["m365-runbook.txt"]
    assert [h.fields["password"] for h in login.history] == ["M365-Old-1", "M365-Old-2"]
    assert "vault: Contoso Dental" in login.tags and "favorite" in login.tags
    licence = drafts["Office 2024"]
    assert licence.type == "configuration" and licence.fields["license_key"].startswith("ABCDE")
    assert "archived" in licence.tags
    assert drafts["Anna Müller"].type == "contact" and drafts["Anna Müller"].fields["phone"]
    assert drafts["Support contract"].attachments[0].data.startswith(b"%PDF")


def test_1pux_vaults_can_be_clients(data: Path) -> None:
    drafts = _drafts(data, "1password.1pux", groups_as="clients")
    assert drafts["Microsoft 365 admin"].client == "Contoso Dental"


def test_1password_csv_and_1pif(data: Path) -> None:
    csv_drafts = _drafts(data, "1password.csv")
    assert csv_drafts["Microsoft 365 admin"].tags == ["contoso", "cloud", "favorite"]
    assert "archived" in csv_drafts["Old VPN"].tags
    pif = importers.read(data / "data.1pif")
    nas = next(d for d in pif.drafts if d.title == "Synology NAS")
    assert (
        nas.fields["totp"].startswith("otpauth://") and nas.custom["Unlock PIN"] is FieldKind.SECRET
    )
    assert "submit" not in nas.fields and nas.tags == ["Contoso Dental", "storage"]
    assert [s.reason for s in pif.skipped] == ["deleted or in the trash"] * 2


# ------------------------------------------------------------------ LastPass, KeePassXC, Dashlane


def test_lastpass_groups_and_structured_notes(data: Path) -> None:
    drafts = _drafts(data, "lastpass.csv")
    portal = drafts["Contoso portal"]
    assert portal.tags == ["Clients/Contoso Dental/Web", "favorite"]
    server = drafts["DC01"]
    assert server.type == "credential" and server.fields["password"] == "Dc01-Pass!"
    assert server.fields["Hostname"] == "srv-dc01.contoso.local"
    assert server.fields["notes"] == "Primary domain controller.\nReboot on Sundays only."
    licence = drafts["Office 2024"]
    assert (
        licence.type == "configuration"
        and licence.fields["license_key"] == "ABCDE-12345-FGHIJ-67890"
    )
    assert licence.custom["Number of Licenses"] is FieldKind.TEXT
    assert drafts["Alarm codes"].fields["body"] == "Plain secure note.\nSecond line."
    assert drafts["Ümlaut site"].fields["totp"] == SEED


def test_lastpass_top_group_as_client(data: Path) -> None:
    drafts = _drafts(data, "lastpass.csv", groups_as="clients")
    assert drafts["Contoso portal"].client == "Clients"
    assert drafts["Contoso portal"].tags[0] == "Contoso Dental/Web"


def test_keepassxc_csv_drops_the_root_group(data: Path) -> None:
    drafts = _drafts(data, "keepassxc.csv")
    assert drafts["Core router"].tags == ["Contoso Dental/Network"]
    assert drafts["Printer"].tags == []
    assert drafts["Core router"].fields["password"] == "Tr0ub4dor&3 "


def test_dashlane_zip_reads_every_csv(data: Path) -> None:
    drafts = _drafts(data, "dashlane.zip")
    assert drafts["GitHub"].fields["totp"] == SEED and drafts["GitHub"].tags == ["Development"]
    assert drafts["Synology NAS"].fields["Username2"] == "backup-admin"
    assert drafts["Company Visa"].custom["Cc number"] is FieldKind.SECRET
    assert drafts["Server room"].type == "procedure"
    assert drafts["Anna Müller"].type in ("contact", "credential")


# ---------------------------------------------------------------------- ITFlow


def test_itflow_layouts_by_column_count(data: Path) -> None:
    clients = importers.read(data / "itflow-clients.csv").drafts
    assert {d.client for d in clients} == {"Contoso Dental", "Fabrikam Legal"}
    contact = next(d for d in clients if d.type == "contact")
    assert contact.fields["phone"] == "+41 44 123 45 60 ext 12"
    assets = _drafts(data, "itflow-assets.csv")
    assert assets["SRV-DC01"].fields["kind"] == "server"
    assert assets["SRV-DC01"].fields["warranty_expires"] == "2028-01-10"
    assert assets["Door camera"].fields["Asset type"] == "Camera"
    old = _drafts(data, "itflow-credentials-old.csv")
    assert old["NAS"].fields["url"] == "https://nas.contoso.local"


# ---------------------------------------------------------------------- broken inputs


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("BrokenBitwardenEncrypted.json", "bitwarden-json", "encrypted Bitwarden export"),
        ("BrokenBitwardenNotJson.json", "bitwarden-json", r"line 1: is not valid JSON"),
        ("BrokenBitwardenItemsNotList.json", "bitwarden-json", "'items' should be a list"),
        ("BrokenBitwardenDeepNesting.json", "bitwarden-json", "nests deeper than 64"),
        ("BrokenCsvUnclosedQuote.csv", "chrome-csv", "line 2"),
        ("BrokenCsvNotText.csv", "chrome-csv", r"line 2: is not UTF-8 text nor Windows-1252"),
        ("BrokenCsvEmpty.csv", "csv", "is empty"),
        ("BrokenOnePasswordNoData.1pux", "1password-1pux", "no export.data"),
        ("BrokenOnePasswordBadJson.1pux", "1password-1pux", "not valid JSON"),
        ("BrokenZipTruncated.zip", "itglue", "not a readable zip"),
        ("BrokenItflowColumnCount.csv", "itflow-csv", "has 3 columns"),
        ("BrokenPifBadItem.1pif", "1password-1pif", r"line \d+: is not valid JSON"),
    ],
)
def test_broken_files_are_refused_clearly(data: Path, name: str, fmt: str, message: str) -> None:
    with pytest.raises(ImportInputError, match=message) as caught:
        importers.read(data / name, fmt)
    assert name in str(caught.value)


def test_a_csv_cut_off_between_cells_is_named_in_a_warning(data: Path, tmp_path: Path) -> None:
    cut = tmp_path / "chrome-cut.csv"
    cut.write_bytes((data / "chrome.csv").read_bytes()[:250])  # ends "...,anna,secr"
    parsed = importers.read(cut, "chrome-csv")
    [warning] = [w for w in parsed.warnings if "fewer cells" in w]
    assert warning.startswith(f"{cut}: 1 row(s) have fewer cells than the header (line ")
    assert warning.endswith("is the file cut off?")
    assert importers.read(data / "chrome.csv", "chrome-csv").warnings == []  # the whole file


def test_rows_longer_than_the_header_are_reported_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("name,url,username,password\nsite,https://a.example,u,p,EXTRA\n")
    parsed = importers.read(path, "chrome-csv")
    assert parsed.warnings == [
        f"{path}: 1 row(s) have more cells than the header (line 2); "
        "the extra cells are kept as custom fields"
    ]
    assert parsed.drafts[0].fields["column 5"] == "EXTRA"


def test_a_failed_import_writes_nothing(data: Path, vault: Vault, client) -> None:
    with pytest.raises(ImportInputError):
        importers.import_file(vault, data / "BrokenBitwardenNotJson.json", client=client.name)
    assert vault.list_records(include_deleted=True) == []


# ---------------------------------------------------------------------- round trips


_word = st.text(
    alphabet=string.ascii_letters + string.digits + " äöüß-_.,;:'\"", min_size=1, max_size=20
)
_clean = _word.map(lambda s: " ".join(s.split())).filter(bool)
_secret = st.text(
    alphabet=string.printable.replace("\r", "").replace("\x0b", "").replace("\x0c", ""), max_size=20
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(
        st.fixed_dictionaries(
            {
                "name": _clean,
                "username": _clean,
                "password": _secret,
                "notes": st.lists(_clean, max_size=3).map("\n".join),
                "uris": st.lists(
                    st.sampled_from(["https://a.example/x", "http://10.0.0.1/", "ssh://b.example"]),
                    max_size=3,
                ),
                "fields": st.lists(st.tuples(_clean, _clean, st.sampled_from([0, 1])), max_size=3),
                "folder": st.sampled_from([None, "Servers", "Clients/Contoso"]),
            }
        ),
        max_size=6,
    )
)
def test_round_trip_through_bitwarden_json(tmp_path: Path, items: list[dict]) -> None:
    folders = [
        {"id": f"f{i}", "name": name} for i, name in enumerate(["Servers", "Clients/Contoso"])
    ]
    folder_ids = {f["name"]: f["id"] for f in folders}
    export = {
        "encrypted": False,
        "folders": folders,
        "items": [
            {
                "id": f"id-{n}",
                "type": 1,
                "name": item["name"],
                "notes": item["notes"] or None,
                "folderId": folder_ids.get(item["folder"]),
                "fields": [{"name": k, "value": v, "type": t} for k, v, t in item["fields"]],
                "login": {
                    "username": item["username"],
                    "password": item["password"],
                    "uris": [{"uri": u} for u in item["uris"]],
                },
            }
            for n, item in enumerate(items)
        ],
    }
    path = tmp_path / "bw.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    parsed = importers.read(path, "bitwarden-json")
    assert [d.source_id for d in parsed.drafts] == [f"id-{n}" for n in range(len(items))]
    for item, draft in zip(items, parsed.drafts, strict=True):
        assert draft.title == item["name"]
        assert draft.fields.get("username", "") == item["username"]
        assert draft.fields.get("password", "") == (
            item["password"] if item["password"].strip() else ""
        )
        uris = list(item["uris"])
        assert draft.fields.get("url", "") == (uris[0] if uris else "")
        assert draft.tags == ([item["folder"]] if item["folder"] else [])
        values = [v for k, v, t in item["fields"]]
        assert all(v in draft.fields.values() for v in values)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            _clean, _clean, _secret, st.sampled_from(["", "https://x.example", "10.0.0.1"]), _clean
        ),
        max_size=8,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_round_trip_through_a_mapped_csv(tmp_path: Path, rows: list[tuple], delimiter: str) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["Account", "Login", "Secret", "Address", "Remarks"])
    writer.writerows(rows)
    path = tmp_path / "any.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    mapping = {
        "Account": "title",
        "Login": "username",
        "Secret": "password",
        "Address": "url",
        "Remarks": "notes",
    }
    parsed = importers.read(path, "csv", ImportOptions(mapping=mapping))
    kept = [r for r in rows if any(cell.strip() for cell in r)]
    assert len(parsed.drafts) == len(kept)
    for row, draft in zip(kept, parsed.drafts, strict=True):
        title, login, secret, address, remarks = row
        assert draft.title == title and draft.fields.get("username", "") == login
        assert draft.fields.get("password", "") == secret
        assert draft.fields.get("url", "") == address and draft.fields.get("notes", "") == remarks
    assert len({d.source_id for d in parsed.drafts}) == len(parsed.drafts)


def test_csv_round_trip_into_the_vault_is_idempotent(tmp_path: Path, vault: Vault, client) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        "name,url,username,password\nA,https://a.example,u,p\nA,https://a.example,u,p2\n",
        encoding="utf-8",
    )
    first = importers.import_file(vault, path, client=client.name)
    assert first.created == 2  # duplicates in one file both survive
    path.write_text(
        "name,url,username,password\nA,https://a.example,u,p-new\nA,https://a.example,u,p2\n",
        encoding="utf-8",
    )
    again = importers.import_file(vault, path, client=client.name)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    run_import(vault, importers.read(path), client=client.name)


def test_every_field_kept_as_a_custom_field_is_reported_as_unmapped(
    data: Path, vault: Vault, client
) -> None:
    """Not only the names an importer noted: whatever has no home in its record type."""
    for name, kept in (
        ("bitwarden.json", {"First name", "Cardholder name", "Recovery PIN"}),
        ("firefox.csv", {"HTTP realm", "Form action origin"}),
        ("itflow-assets.csv", {"Purchase date", "Assigned to"}),
    ):
        report = importers.import_file(vault, data / name, client=client.name, dry_run=True)
        assert kept <= set(report.unmapped), name


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("keepass.xml", True),
        ("firefox.csv", True),
        ("markdown", True),
        ("itglue", True),
        ("chrome.csv", False),  # has no dates
    ],
)
def test_a_file_with_dates_says_once_that_they_are_not_kept(
    data: Path, name: str, said: bool
) -> None:
    warnings = importers.read(data / name).warnings
    assert warnings.count(DATES_LEFT_OUT) == (1 if said else 0)


def test_bitwarden_attachments_are_listed_as_not_imported(tmp_path: Path) -> None:
    """A Bitwarden export names an item's attachments but does not hold them."""
    export = {
        "encrypted": False,
        "folders": [],
        "items": [
            {
                "id": "a1",
                "type": 1,
                "name": "NAS admin",
                "login": {"username": "admin", "password": "pw", "uris": []},
                "attachments": [{"id": "x", "fileName": "nas-config.bak", "size": "2048"}],
            }
        ],
    }
    path = tmp_path / "bitwarden.json"
    path.write_text(json.dumps(export))
    parsed = importers.read(path, "bitwarden-json")
    assert [d.title for d in parsed.drafts] == ["NAS admin"]
    [skipped] = parsed.skipped
    assert skipped.item == "item 'NAS admin', attachment 'nas-config.bak'"
    assert skipped.reason.startswith("a Bitwarden export holds no attachment files")
    export["items"][0]["attachments"] = 5  # damaged: a clear error, not a traceback
    path.write_text(json.dumps(export))
    with pytest.raises(ImportInputError, match=r"items\[0\]\.attachments should be a list"):
        importers.read(path, "bitwarden-json")


def test_an_item_whose_only_value_is_a_blank_password_is_still_imported(
    vault: Vault, client
) -> None:
    """A password may be a space; only an item with nothing at all is skipped as empty."""
    parsed = Parsed("bench", "bench")
    parsed.add(RecordDraft("a", "credential", "", fields={"password": " "}))
    parsed.add(RecordDraft("b", "credential", "Untitled"))
    report = run_import(vault, parsed, client=client.name)
    assert report.created == 1
    assert [s.reason for s in report.skipped] == ["it is empty: no title, no values, no files"]


def test_naming_a_format_the_file_plainly_is_not_says_what_it_looks_like(data: Path) -> None:
    for wrong in ("markdown", "lastpass-csv", "itflow-csv"):
        with pytest.raises(ImportInputError) as caught:
            importers.read(data / "chrome.csv", wrong)
        assert "looks like Chrome / Edge / Brave passwords CSV (chrome-csv)" in str(caught.value)
        assert "import it as chrome-csv, or let Sitebook recognise the format" in str(caught.value)
    # naming a format still forces it where no other format is sure of the file
    assert len(importers.read(data / "chrome.csv", "csv").drafts) == 5
    assert importers.read(data / "generic.csv", "chrome-csv").format == "chrome-csv"
