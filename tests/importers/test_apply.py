"""The import framework: dry run, one transaction, idempotency, progress, cancel, fitting."""

from __future__ import annotations

from pathlib import Path

import pytest

import importers
from importers import registry
from importers.apply import plan, run_import
from importers.base import AttachmentDraft, ImportOptions, Parsed, RecordDraft, Revision
from importers.fitting import custom_name, fit, fit_tags
from vault import Vault
from vault.errors import CancelledError, ImportInputError, VaultError
from vault.fields import FieldKind
from vault.templates import BUILTIN_TEMPLATES, FieldDef, Template


def _parsed(*drafts: RecordDraft, templates: list[Template] | None = None) -> Parsed:
    parsed = Parsed("test", "test")
    parsed.drafts.extend(drafts)
    parsed.templates.extend(templates or [])
    return parsed


def _login(ident: str = "1", password: str = "pw", **more: str) -> RecordDraft:  # noqa: S107
    return RecordDraft(
        ident,
        "credential",
        f"Login {ident}",
        fields={"username": "admin", "password": password, "url": "https://x.example", **more},
        tags=["imported"],
    )


def _count(vault: Vault) -> int:
    return len(vault.list_records(include_deleted=True))


# ---------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("keepass.xml", "keepass-xml"),
        ("bitwarden.json", "bitwarden-json"),
        ("bitwarden-org.json", "bitwarden-json"),
        ("chrome.csv", "chrome-csv"),
        ("chrome4.csv", "chrome-csv"),
        ("firefox.csv", "firefox-csv"),
        ("generic.csv", "csv"),
    ],
)
def test_the_sniffer_recognises_each_fixture(data: Path, name: str, expected: str) -> None:
    assert registry.sniff(data / name).name == expected


def test_the_sniffer_refuses_what_it_does_not_know(tmp_path: Path) -> None:
    odd = tmp_path / "photo.bin"
    odd.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(ImportInputError, match=r"photo\.bin.*not in a format"):
        registry.sniff(odd)


def test_every_format_is_registered_under_its_own_name() -> None:
    found = registry.formats()
    assert list(found) == registry.names()
    for name, fmt in found.items():
        assert fmt.name == name and fmt.label and fmt.description


def test_an_unknown_format_name_lists_the_known_ones() -> None:
    with pytest.raises(ImportInputError, match="known formats: keepass-xml"):
        registry.get("nope")


# ---------------------------------------------------------------------- fitting


def test_a_value_that_does_not_fit_its_field_becomes_a_custom_field() -> None:
    warnings: list[str] = []
    fitted = fit(
        BUILTIN_TEMPLATES["credential"],
        "Router",
        {"url": "TBD", "totp": "not base32!", "rotation_due": "next spring"},
        {},
        "entry 'Router'",
        warnings.append,
    )
    assert fitted.fields == {
        "URL": "TBD",
        "TOTP seed": "not base32!",
        "Rotation due": "next spring",
    }
    assert fitted.custom == {
        "URL": FieldKind.TEXT,
        "TOTP seed": FieldKind.SECRET,
        "Rotation due": FieldKind.TEXT,
    }
    assert len(warnings) == 3 and all("entry 'Router'" in w for w in warnings)
    assert not any("not base32!" in w for w in warnings)


def test_custom_names_are_made_acceptable() -> None:
    assert custom_name("Tags") == "Tags (imported)"
    assert custom_name("  two\twords\x00 ") == "two words"
    assert custom_name("") == "Field"
    assert len(custom_name("x" * 100)) == 64
    fitted = fit(BUILTIN_TEMPLATES["credential"], "t", {"id": "7", "title": "x"}, {}, "o", print)
    assert set(fitted.fields) == {"id (imported)", "title (imported)"}


def test_a_custom_field_named_like_a_template_field_keeps_both() -> None:
    fitted = fit(
        BUILTIN_TEMPLATES["credential"],
        "t",
        {"password": "a", "Password": "b"},
        {"Password": FieldKind.SECRET},
        "o",
        print,
    )
    assert fitted.fields == {"password": "a", "Password": "b"}


def test_a_value_too_long_for_any_field_becomes_an_attachment() -> None:
    warnings: list[str] = []
    huge = "x" * (1024 * 1024 + 10)
    fitted = fit(BUILTIN_TEMPLATES["credential"], "t", {"Dump": huge}, {}, "o", warnings.append)
    assert "Dump" not in fitted.fields
    assert [a.name for a in fitted.attachments] == ["Dump.txt"]
    assert fitted.attachments[0].data == huge.encode()
    assert "attached" in warnings[0]


def test_long_titles_and_tags_are_trimmed_and_kept() -> None:
    warnings: list[str] = []
    title = "word " * 200
    fitted = fit(BUILTIN_TEMPLATES["credential"], title, {}, {}, "o", warnings.append)
    assert len(fitted.title) == 500 and fitted.title.endswith("…")
    assert fitted.fields["Full title"] == title.strip()
    tags = fit_tags(["a" * 80, "ok", "OK", "zero\u200bwidth", ""], "o", warnings.append)
    assert tags == ("a" * 63 + "…", "ok", "zerowidth")


def test_control_characters_in_text_are_repaired_and_secrets_kept_exactly() -> None:
    warnings: list[str] = []
    fitted = fit(
        BUILTIN_TEMPLATES["credential"],
        "t",
        {"notes": "line\x0bbreak\x00", "Odd secret": "a\x01b"},
        {"Odd secret": FieldKind.SECRET},
        "o",
        warnings.append,
    )
    assert fitted.fields["Notes"] == "line\nbreak"
    assert [a.data for a in fitted.attachments] == [b"a\x01b"]


# ---------------------------------------------------------------------- plan and write


def test_a_dry_run_reports_and_writes_nothing(vault: Vault, client) -> None:
    before = vault.high_water_mark()
    report = run_import(vault, _parsed(_login("1"), _login("2")), client=client.name, dry_run=True)
    assert report.dry_run and report.created == 2 and report.by_type == {"credential": 2}
    assert report.preview[0]["fields"]["password"] is None
    assert report.preview[0]["fields"]["username"] == "admin"
    assert vault.high_water_mark() == before
    assert _count(vault) == 0


def test_an_import_writes_every_draft_with_its_source(vault: Vault, client) -> None:
    report = run_import(vault, _parsed(_login("1"), _login("2")), client=client.name)
    assert report.created == 2 and report.imported == 2
    records = vault.list_records(client.id)
    assert sorted(r.source for r in records) == ["test:1", "test:2"]
    assert {r.tags for r in records} == {("imported",)}


def test_importing_the_same_drafts_again_changes_nothing(vault: Vault, client) -> None:
    run_import(vault, _parsed(_login("1"), _login("2")), client=client.name)
    mark = vault.high_water_mark()
    report = run_import(vault, _parsed(_login("1"), _login("2")), client=client.name)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert vault.high_water_mark() == mark


def test_a_changed_item_becomes_a_new_version(vault: Vault, client) -> None:
    run_import(vault, _parsed(_login("1", "old", notes="keep?")), client=client.name)
    report = run_import(vault, _parsed(_login("1", "new")), client=client.name)
    assert report.updated == 1
    (record,) = vault.list_records(client.id)
    assert record.version == 2
    assert record.fields["password"] == "new"
    assert "notes" not in record.fields  # the source wins
    assert vault.get_record(record.id, 1).fields["notes"] == "keep?"


def test_an_item_edited_in_sitebook_since_is_left_alone(vault: Vault, client) -> None:
    run_import(vault, _parsed(_login("1")), client=client.name)
    (record,) = vault.list_records(client.id)
    vault.update_record(record.id, fields={"notes": "added on site"})
    report = run_import(vault, _parsed(_login("1")), client=client.name)
    assert report.unchanged == 1
    assert vault.get_record(record.id).fields["notes"] == "added on site"


def test_a_record_deleted_in_sitebook_is_not_brought_back(vault: Vault, client) -> None:
    run_import(vault, _parsed(_login("1")), client=client.name)
    (record,) = vault.list_records(client.id)
    vault.delete(record.id)
    report = run_import(vault, _parsed(_login("1", "changed")), client=client.name)
    assert report.imported == 0
    assert "deleted in Sitebook" in report.skipped[0].reason
    assert vault.get_record(record.id).deleted


def test_the_same_file_for_two_clients_gives_each_its_records(vault: Vault) -> None:
    a, b = vault.add_client("A"), vault.add_client("B")
    run_import(vault, _parsed(_login("1")), client=a.name)
    report = run_import(vault, _parsed(_login("1")), client=b.name)
    assert report.created == 1
    assert len(vault.list_records(a.id)) == len(vault.list_records(b.id)) == 1


def test_without_a_client_records_go_to_the_provider_internal_scope(vault: Vault) -> None:
    run_import(vault, _parsed(_login("1")))
    (record,) = vault.list_records()
    assert record.scope_id == vault.internal_scope_id


def test_drafts_naming_clients_create_them_once(vault: Vault) -> None:
    vault.add_client("Existing Co")
    drafts = [_login("1"), _login("2"), _login("3")]
    drafts[0].client, drafts[1].client, drafts[2].client = "existing co", "New Co", "New  Co"
    report = run_import(vault, _parsed(*drafts))
    assert report.clients == ["New Co"]
    names = sorted(c.name for c in vault.clients())
    assert names == ["Existing Co", "New Co"]
    again = run_import(vault, _parsed(*drafts))
    assert again.unchanged == 3 and again.clients == []


def test_history_becomes_versions_oldest_first(vault: Vault, client) -> None:
    draft = _login("1", "current")
    draft.history = [
        Revision("Old title", {"username": "admin", "password": "first", "notes": "n"}),
        Revision("Login 1", {"username": "admin", "password": "second"}),
    ]
    run_import(vault, _parsed(draft), client=client.name)
    (record,) = vault.list_records(client.id)
    assert record.version == 3
    assert [vault.get_record(record.id, n).fields["password"] for n in (1, 2, 3)] == [
        "first",
        "second",
        "current",
    ]
    assert vault.get_record(record.id, 1).title == "Old title"
    assert "notes" not in vault.get_record(record.id, 2).fields
    assert record.source == "test:1"


def test_links_and_references_resolve_within_the_import(vault: Vault, client) -> None:
    server = RecordDraft("srv", "configuration", "srv-dc01", fields={"hostname": "srv-dc01"})
    login = _login("1")
    login.refs = {"configuration": "srv"}
    login.links = ["note"]
    note = RecordDraft("note", "procedure", "Restart", fields={"body": "Steps"}, links=["1"])
    run_import(vault, _parsed(login, note, server), client=client.name)
    by_source = {r.source: r for r in vault.list_records(client.id)}
    cred = by_source["test:1"]
    assert cred.fields["configuration"] == by_source["test:srv"].id
    assert by_source["test:note"].id in cred.links
    assert cred.id in by_source["test:note"].links
    again = run_import(vault, _parsed(login, note, server), client=client.name)
    assert again.unchanged == 3


def test_attachments_are_added_once(vault: Vault, client) -> None:
    draft = _login("1")
    draft.attachments = [AttachmentDraft("a.txt", b"alpha"), AttachmentDraft("b.bin", b"\x00\x01")]
    run_import(vault, _parsed(draft), client=client.name)
    (record,) = vault.list_records(client.id)
    assert sorted(a.name for a in vault.attachments(record.id)) == ["a.txt", "b.bin"]
    draft.attachments.append(AttachmentDraft("c.txt", b"gamma"))
    report = run_import(vault, _parsed(draft), client=client.name)
    assert report.updated == 1 and report.attachments == 1
    assert len(vault.attachments(record.id)) == 3


def test_user_templates_are_added_and_used(vault: Vault, client) -> None:
    template = Template(
        "backup-job",
        "Backup job",
        "Backup jobs",
        (
            FieldDef("schedule", FieldKind.TEXT, "Schedule"),
            FieldDef("target", FieldKind.URL, "Target"),
        ),
        builtin=False,
    )
    draft = RecordDraft(
        "b1", "backup-job", "Nightly", fields={"schedule": "22:00", "target": "nas"}
    )
    report = run_import(vault, _parsed(draft, templates=[template]), client=client.name)
    assert report.templates == ["backup-job"]
    (record,) = vault.list_records(client.id)
    assert record.type == "backup-job"
    assert record.fields == {"schedule": "22:00", "Target": "nas"}
    again = run_import(vault, _parsed(draft, templates=[template]), client=client.name)
    assert again.templates == [] and again.unchanged == 1


def test_unknown_types_and_missing_required_fields_are_reported(vault: Vault, client) -> None:
    report = run_import(
        vault,
        _parsed(
            RecordDraft("1", "spaceship", "x"),
            RecordDraft("2", "procedure", "empty", fields={}),
            _login("3"),
        ),
        client=client.name,
    )
    assert report.created == 1
    reasons = [s.reason for s in report.skipped]
    assert "unknown record type 'spaceship'" in reasons
    assert any("required" in r for r in reasons)


def test_a_duplicate_source_id_in_one_file_is_reported(vault: Vault, client) -> None:
    report = run_import(vault, _parsed(_login("1"), _login("1", "other")), client=client.name)
    assert report.created == 1 and report.skipped[0].reason.startswith("the same item")


def test_progress_counts_every_write(vault: Vault, client) -> None:
    calls: list[tuple[int, int]] = []
    draft = _login("2")
    draft.attachments = [AttachmentDraft("a.txt", b"a")]
    run_import(
        vault,
        _parsed(_login("1"), draft),
        client=client.name,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_cancel_rolls_everything_back(vault: Vault, client) -> None:
    before = vault.high_water_mark()
    polls = {"n": 0}

    def cancel() -> bool:
        polls["n"] += 1
        return polls["n"] > 3

    drafts = [_login(str(n)) for n in range(10)]
    drafts[0].client = "Brand New Client"
    with pytest.raises(CancelledError):
        run_import(vault, _parsed(*drafts), client=client.name, cancel=cancel)
    assert vault.high_water_mark() == before
    assert _count(vault) == 0
    assert [c.name for c in vault.clients()] == ["Contoso Dental"]


def test_a_failure_mid_import_writes_nothing(vault: Vault, client, monkeypatch) -> None:
    calls = {"n": 0}
    original = Vault.replay_versions

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # after two batches of new records were stored
            raise VaultError("disk full (simulated)")
        return original(self, *args, **kwargs)

    monkeypatch.setattr("importers.apply.BATCH", 2)
    monkeypatch.setattr(Vault, "replay_versions", failing)
    with pytest.raises(VaultError, match="simulated"):
        run_import(vault, _parsed(*[_login(str(n)) for n in range(10)]), client=client.name)
    monkeypatch.undo()
    assert calls["n"] == 3
    assert _count(vault) == 0


def test_a_type_change_at_the_source_is_reported_not_forced(vault: Vault, client) -> None:
    run_import(vault, _parsed(_login("1")), client=client.name)
    note = RecordDraft("1", "procedure", "Now a note", fields={"body": "text"})
    report = run_import(vault, _parsed(note), client=client.name)
    assert report.imported == 0 and "now a procedure" in report.skipped[0].reason


def test_plan_names_an_unknown_client(vault: Vault) -> None:
    with pytest.raises(VaultError, match="No client"):
        plan(vault, _parsed(_login("1")), client="Nobody")


def test_import_file_reads_and_imports(vault: Vault, client, data: Path) -> None:
    report = importers.import_file(vault, data / "chrome4.csv", client=client.name)
    assert report.format == "chrome-csv" and report.created == 2
    parsed = importers.read(data / "chrome4.csv", "chrome-csv", ImportOptions())
    assert len(parsed.drafts) == 2


def test_attachment_names_the_vault_refuses_are_replaced(vault: Vault, client) -> None:
    draft = _login("1")
    draft.attachments = [AttachmentDraft("..", b"dots"), AttachmentDraft("a/b\\c.txt", b"path")]
    run_import(vault, _parsed(draft), client=client.name)
    (record,) = vault.list_records(client.id)
    assert sorted(a.name for a in vault.attachments(record.id)) == ["attachment", "c.txt"]
    assert run_import(vault, _parsed(draft), client=client.name).unchanged == 1
