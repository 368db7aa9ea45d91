"""The package's parts: layout, records.json against its schema, the site, the PDF, atomicity."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import sqlite3
import subprocess
import threading
import zipfile
from pathlib import Path

import jsonschema
import pytest
from pykeepass import PyKeePass

from tests.handover.conftest import (
    HANDOVER_PASSPHRASE,
    KDF,
    Package,
    build_source,
    client_records,
)
from vault import errors
from vault.handover import export_handover, verify_package
from vault.handover.html import CSP

EXPECTED = {
    "README.html",
    "credentials.kdbx",
    "client.sitebook",
    "handover.pdf",
    "manifest.json",
    "manifest.sig",
    "records.json",
    "records.schema.json",
    "site/index.html",
    "site/assets/style.css",
    "site/assets/search.js",
    "site/assets/search-index.js",
}


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_the_package_has_every_part(package: Package) -> None:
    files = _files(package.path)
    assert files >= EXPECTED
    ids = package.source.ids
    client_ids = {v for k, v in ids.items() if k != "other"}
    assert {f"site/records/{i}.html" for i in client_ids} <= files
    assert len([f for f in files if f.startswith("attachments/")]) == 3
    assert set(package.result.files) == files
    assert package.result.passphrase_generated is None
    assert package.result.counts == {
        "contact": 1,
        "location": 1,
        "procedure": 1,
        "exception": 1,
        "configuration": 2,
        "credential": 2,
        "backup-job": 1,
    }


def test_nothing_is_left_beside_the_package(package: Package) -> None:
    siblings = {p.name for p in package.path.parent.iterdir()}
    assert siblings - {"source.sitebook-wal", "source.sitebook-shm"} == {
        "source.sitebook",
        "contoso-handover",
    }


def test_no_other_client_is_in_the_package(package: Package) -> None:
    needles = [b"Fabrikam", b"fab-pw-1", package.source.ids["other"].encode()]
    for path in package.path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [n for n in needles if n in data], path


def test_records_json_validates_against_its_schema(package: Package) -> None:
    schema = json.loads((package.path / "records.schema.json").read_text(encoding="utf-8"))
    data = json.loads((package.path / "records.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    broken = json.loads(json.dumps(data))
    broken["records"][0]["fields"].append(
        {"name": "x", "label": "X", "kind": "secret", "secret": True, "value": "leak"}
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)


def test_records_json_holds_every_record_revision_relation_and_attachment(
    package: Package,
) -> None:
    vault = package.source.vault
    data = json.loads((package.path / "records.json").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in data["records"]}
    source = client_records(vault, package.source.client_id)
    assert set(by_id) == {r.id for r in source}
    for record in source:
        entry = by_id[record.id]
        kinds = vault.kinds(record)
        assert entry["title"] == record.title and entry["type"] == record.type
        assert entry["deleted"] == record.deleted and entry["tags"] == list(record.tags)
        assert entry["links"] == list(record.links) and entry["version"] == record.version
        fields = {f["name"]: f for f in entry["fields"]}
        assert set(fields) == set(record.fields)
        for name, value in record.fields.items():
            secret = kinds.get(name) in {"secret", "totp"}
            assert fields[name]["secret"] is secret
            assert fields[name]["value"] == (None if secret else value)
        assert [r["version"] for r in entry["revisions"]] == list(range(1, record.version + 1))
        for revision in entry["revisions"]:
            old = vault.get_record(record.id, revision["version"])
            assert revision["title"] == old.title
            assert {f["name"] for f in revision["fields"]} == set(old.fields)
        attachments = vault.attachments(record.id)
        assert [a["sha256"] for a in entry["attachments"]] == [a.sha256 for a in attachments]
        for attachment in entry["attachments"]:
            exported = (package.path / attachment["path"]).read_bytes()
            assert exported == package.source.attachment_bytes[attachment["id"]]
    assert by_id[package.source.ids["proc"]]["links"] == [
        package.source.ids["nas"],
        package.source.ids["dc"],
    ]
    nas_back = set(by_id[package.source.ids["nas"]]["backlinks"])
    assert {package.source.ids[k] for k in ("proc", "exc", "job", "cred")} <= nas_back
    assert by_id[package.source.ids["gone"]]["deleted"] is True


def _pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def test_every_page_carries_the_csp_and_references_nothing_remote(package: Package) -> None:
    pages = _pages(package.path)
    records = len([k for k in package.source.ids if k != "other"])
    assert len(pages) == 3 + records  # README, index, audit log, one page per record
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in text, page
        assert "default-src 'none'" in CSP
        for attr, url in re.findall(r'\b(src|href)\s*=\s*"([^"]*)"', text):
            if re.match(r"(?i)\s*(https?:)?//", url):
                # Only a plain link a person may follow is allowed to point outside.
                tag = text[: text.index(url)].rsplit("<", 1)[-1]
                assert tag.startswith("a ") and attr == "href", (page, url)
        assert not re.search(r"<(script|style)(?![^>]*\bsrc=)[^>]*>\s*\S", text), page
        assert "<script>alert" not in text
    for name in ("style.css", "search.js"):  # search-index.js is data: record text
        text = (package.path / "site" / "assets" / name).read_text(encoding="utf-8")
        assert not re.search(r"(?i)(url\(|@import|https?:|fetch\(|XMLHttpRequest)", text), name


def test_relations_are_links_both_ways(package: Package) -> None:
    ids = package.source.ids
    proc = (package.path / f"site/records/{ids['proc']}.html").read_text(encoding="utf-8")
    nas = (package.path / f"site/records/{ids['nas']}.html").read_text(encoding="utf-8")
    assert f'href="{ids["nas"]}.html"' in proc
    assert "Linked from" in nas and f'href="{ids["proc"]}.html"' in nas
    dc = (package.path / f"site/records/{ids['dc']}.html").read_text(encoding="utf-8")
    assert f'href="{ids["site"]}.html">Head office Zürich</a>' in dc
    assert "../../attachments/srv-dc01-" in dc and "network diagram.pdf" in dc
    assert "stored in credentials.kdbx" in dc and "XXXX-YYYY" not in dc
    cred = (package.path / f"site/records/{ids['cred']}.html").read_text(encoding="utf-8")
    assert cred.count("<tr><td>") >= 3  # three versions in the history table
    assert "Domain admin (break glass)" in cred and "Winter-2026" not in cred


def test_readme_says_what_is_inside(package: Package) -> None:
    text = (package.path / "README.html").read_text(encoding="utf-8")
    vault = package.source.vault
    assert vault.fingerprint() in text
    assert "Alice Admin" in text and "Northwind IT" in text
    for needle in (
        "site/index.html",
        "credentials.kdbx",
        "records.json",
        "client.sitebook",
        "handover.pdf",
        "manifest.json",
        "audit log is included",
    ):
        assert needle in text
    assert "<td>Configurations</td><td>2</td>" in text


def test_the_pdf_is_a_runbook_with_contents(package: Package) -> None:
    data = (package.path / "handover.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and b"/Outlines" in data
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; the text check needs it")
    text = subprocess.run(
        ["pdftotext", "-layout", str(package.path / "handover.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    contents = text.split("\f")[1]
    assert "Contents" in contents and "srv-dc01" in contents and "Dr. Maria Lopez" in contents
    assert "Restore a file from backup" in text and "stored in credentials.kdbx" in text
    for secret in ("Winter-2026", "XXXX-YYYY", "JBSWY3DP", "backup-key-42"):
        assert secret not in text


def test_only_the_owner_can_open_the_package_folder(package: Package) -> None:
    assert package.path.stat().st_mode & 0o777 == 0o700


def test_a_damaged_attachment_stops_the_export(tmp_path: Path) -> None:
    source = build_source(tmp_path / "source.sitebook")
    conn = sqlite3.connect(source.vault.path)
    with conn:
        conn.execute("UPDATE attachments SET meta = zeroblob(length(meta))")
    conn.close()
    with pytest.raises(errors.VaultError) as caught:
        export_handover(source.vault, "Contoso", tmp_path / "out", kdf_params=KDF)
    source.vault.close()
    assert "damaged" in str(caught.value)
    assert {p.name for p in tmp_path.iterdir()} == {"source.sitebook", "tmp", "xdg"}


def test_an_existing_out_is_refused(package: Package) -> None:
    with pytest.raises(errors.VaultError, match="already exists"):
        export_handover(package.source.vault, "Contoso Dental", package.path, kdf_params=KDF)


def test_zip_generated_passphrase_and_no_history(tmp_path: Path) -> None:
    source = build_source(tmp_path / "source.sitebook")
    seen: list[tuple[int, int]] = []
    result = export_handover(
        source.vault,
        "Contoso",
        tmp_path / "out.zip",
        zip=True,
        history=False,
        audit=False,
        kdf_params=KDF,
        progress=lambda done, total: seen.append((done, total)),
    )
    source.vault.close()
    assert {p.name for p in tmp_path.iterdir()} == {"source.sitebook", "out.zip", "tmp", "xdg"}
    words = result.passphrase_generated
    assert words is not None and len(words.split("-")) >= 6
    assert verify_package(tmp_path / "out.zip").ok
    assert (tmp_path / "out.zip").stat().st_mode & 0o777 == 0o600  # plain text inside
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        names = archive.namelist()
        assert all(n.startswith("out/") for n in names)
        records = json.loads(archive.read("out/records.json"))
        readme = archive.read("out/README.html").decode()
        archive.extract("out/credentials.kdbx", tmp_path / "x")
    assert all(len(r["revisions"]) == 1 for r in records["records"])
    assert records["history_included"] is False
    assert "--no-audit" in readme and "only the newest version" in readme
    kp = PyKeePass(str(tmp_path / "x/out/credentials.kdbx"), password=words)
    assert all(not e.history for e in kp.entries)
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(b[0] >= a[0] for a, b in itertools.pairwise(seen))


def test_cancel_leaves_nothing(tmp_path: Path) -> None:
    source = build_source(tmp_path / "source.sitebook")
    stop = threading.Event()
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if done >= 15:
            stop.set()

    with pytest.raises(errors.CancelledError):
        export_handover(
            source.vault,
            "Contoso",
            tmp_path / "out",
            kdf_params=KDF,
            progress=progress,
            cancel=stop.is_set,
        )
    source.vault.close()
    assert {p.name for p in tmp_path.iterdir()} == {"source.sitebook", "tmp", "xdg"}
    assert calls


def test_a_short_passphrase_is_refused(tmp_path: Path) -> None:
    source = build_source(tmp_path / "source.sitebook")
    try:
        with pytest.raises(errors.ValidationError):
            export_handover(
                source.vault, "Contoso", tmp_path / "o", passphrase="short", kdf_params=KDF
            )
    finally:
        source.vault.close()
    assert not (tmp_path / "o").exists()


def test_the_generated_passphrase_opens_both_protected_files(package: Package) -> None:
    kp = PyKeePass(str(package.path / "credentials.kdbx"), password=HANDOVER_PASSPHRASE)
    assert len(kp.entries) == package.result.credentials == 4
    assert kp.kdf_algorithm == "argon2id"


def test_the_audit_log_travels_and_the_export_is_logged(package: Package) -> None:
    audit = json.loads((package.path / "audit.json").read_text(encoding="utf-8"))
    events = [entry["event"] for entry in audit["entries"]]
    assert "create" in events and "edit" in events
    assert all(entry["event"] != "unlock" for entry in audit["entries"])
    page = (package.path / "site" / "audit.html").read_text(encoding="utf-8")
    assert "Domain admin (break glass)" in page
    logged = package.source.vault.audit_log(client=package.source.client_id)
    assert logged[-1].event == "export" and logged[-1].details["kind"] == "handover"
    manifest = json.loads((package.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["audit"]["included"] is True
    assert manifest["counts"]["not_readable"] == 0


def test_a_restricted_record_is_exported_and_marked(package: Package) -> None:
    data = json.loads((package.path / "records.json").read_text(encoding="utf-8"))
    marked = {r["id"] for r in data["records"] if r["restricted"]}
    assert marked == {package.source.ids["m365"]}
    readme = (package.path / "README.html").read_text(encoding="utf-8")
    assert "1 record(s) were restricted" in readme
