"""IT Glue exports: organisations as clients, every CSV, flexible assets, documents, attachments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import importers
from importers import itglue, itglue_assets
from importers.htmlmd import to_markdown
from vault import Vault
from vault.errors import ImportInputError


@pytest.fixture(params=["itglue", "itglue.zip"])
def export(request, data: Path) -> Path:
    return data / request.param


def _by_source(path: Path) -> dict:
    return {d.source_id: d for d in importers.read(path, "itglue").drafts}


def test_organisations_become_clients(export: Path) -> None:
    drafts = _by_source(export)
    assert drafts["configuration:7505674"].client == "Contoso Dental"
    assert drafts["configuration:7505676"].client == "Fabrikam Legal"
    about = drafts["organization:1774924"]
    assert about.type == "procedure" and "After hours: call mobile." in about.fields["body"]


def test_configurations_in_every_encoding(export: Path) -> None:
    drafts = _by_source(export)
    dc = drafts["configuration:7505674"]
    assert dc.fields["kind"] == "server" and dc.fields["ip_addresses"] == "10.0.4.10"
    assert dc.fields["warranty_expires"] == "2028-01-10"
    assert dc.refs == {"location": "location:501"}
    assert dc.fields["Asset tag"] == "A-0001"
    assert [a.name for a in dc.attachments] == ["rack-photo.png"]
    coffee = drafts["configuration:7505676"]  # a Windows-1252 row
    assert (
        coffee.fields["kind"] == "other" and coffee.fields["Configuration type"] == "Coffee Machine"
    )
    assert coffee.tags == ["archived"]


def test_passwords_with_otp_and_embedded_links(export: Path) -> None:
    drafts = _by_source(export)
    local = drafts["password:1548433"]
    assert local.refs == {"configuration": "configuration:7505674"}
    assert [a.name for a in local.attachments] == ["recovery.txt"]
    assert drafts["password:1548434"].fields["totp"] == "JBSWY3DPEHPK3PXP"
    assert drafts["password:1548435"].links == ["flex:990001"]
    assert drafts["password:1548436"].refs == {}  # its configuration is not in the export


def test_flexible_assets_become_a_user_template(export: Path) -> None:
    parsed = importers.read(export, "itglue")
    template = next(t for t in parsed.templates if t.id == "backup-jobs")
    kinds = {f.name: f.kind.value for f in template.fields}
    assert kinds == {
        "schedule": "text",
        "target": "text",
        "retention": "text",
        "encryption_password": "secret",
        "notes": "markdown",
    }
    nightly = next(d for d in parsed.drafts if d.source_id == "flex:990001")
    assert nightly.type == "backup-jobs" and nightly.title == "Nightly NAS"
    assert "domain" in [t.id for t in parsed.templates]


def test_documents_become_markdown_with_their_images(export: Path) -> None:
    doc = _by_source(export)["document:5881546"]
    assert doc.type == "procedure" and doc.title == "Restore a file from backup"
    body = doc.fields["body"]
    assert body.startswith("# Restore a file from backup")
    assert "1. Choose the job" in body and "![](8808168.png)" in body and "Größe" in body
    assert sorted(a.name for a in doc.attachments) == ["8808168.png", "checklist.pdf"]


def test_what_cannot_be_imported_is_reported(export: Path) -> None:
    parsed = importers.read(export, "itglue")
    reasons = " | ".join(f"{s.item}: {s.reason}" for s in parsed.skipped)
    assert "activity_logs.csv" in reasons and "no configurations with id 1" in reasons
    assert any("configuration 9999999" in w for w in parsed.warnings)


def test_the_whole_export_imports_and_links(export: Path, vault: Vault) -> None:
    report = importers.import_file(vault, export)
    assert sorted(report.clients) == ["Contoso Dental", "Fabrikam Legal"]
    assert report.by_type["backup-jobs"] == 2 and report.templates == ["domain", "backup-jobs"]
    records = {r.source: r for r in vault.list_records()}
    local = records["itglue:password:1548433"]
    assert local.fields["configuration"] == records["itglue:configuration:7505674"].id
    assert (
        records["itglue:configuration:7505674"].fields["location"]
        == records["itglue:location:501"].id
    )
    assert records["itglue:flex:990001"].id in records["itglue:password:1548435"].links
    assert records["itglue:flex:990001"].custom == {}


def test_a_folder_without_it_glue_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "random.txt").write_text("x")
    with pytest.raises(ImportInputError, match="not an IT Glue export"):
        importers.read(tmp_path, "itglue")


def test_without_organizations_csv_items_keep_their_organisation_names(
    data: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "export"
    shutil.copytree(data / "itglue", copy)
    (copy / "organizations.csv").unlink()
    drafts = _by_source(copy)
    assert drafts["password:1548434"].client == "Contoso Dental"


def test_field_names_for_flexible_assets() -> None:
    taken: set[str] = set()
    assert itglue_assets.field_name("Backup Target", taken) == "backup_target"
    assert itglue_assets.field_name("Backup target", taken) == "backup_target_2"
    assert itglue_assets.field_name("2FA", taken) == "f_2fa"
    assert itglue_assets.field_name("Type", taken) == "type_field"
    assert itglue.as_date("2028-01-10T00:00:00Z") == "2028-01-10"


def test_html_to_markdown() -> None:
    html = (
        "<h2>Steps</h2><p>Use <code>ls -l</code> and <em>then</em></p>"
        "<ul><li>a<ul><li>b</li></ul></li></ul>"
        "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>x|y</td></tr></table><script>bad()</script>"
    )
    text = to_markdown(html)
    assert "## Steps" in text and "`ls -l`" in text and "*then*" in text
    assert "- a\n   - b" in text and "| A | B |" in text and "x\\|y" in text and "bad()" not in text


def test_a_link_out_of_the_export_folder_is_left_out_and_reported(
    data: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "hostname"
    outside.write_text("a local file")
    export = tmp_path / "export"
    shutil.copytree(data / "itglue", export)
    link = export / "attachments" / "passwords" / "1548433" / "host.txt"
    link.symlink_to(outside)
    parsed = importers.read(export, "itglue")
    names = [a.name for d in parsed.drafts for a in d.attachments]
    assert "recovery.txt" in names and "host.txt" not in names
    assert (str(link), "a symbolic link to a file outside the imported folder") in [
        (s.item, s.reason) for s in parsed.skipped
    ]
