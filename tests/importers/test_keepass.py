"""KeePass: XML exports, KDBX 3.1 and 4 files, and files the real KeePassXC wrote."""

from __future__ import annotations

import shutil
import string
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import kdbx, keepass_xml
from importers.apply import run_import
from importers.base import ImportOptions
from vault import Vault
from vault.errors import ImportInputError
from vault.fields import FieldKind

from . import keepass_writer
from .conftest import KDBX_PASSWORD, keepassxc_cli

SEED = "JBSWY3DPEHPK3PXP"


def _by_title(parsed) -> dict:
    return {d.title: d for d in parsed.drafts}


# ---------------------------------------------------------------------- the XML fixture


def test_entries_map_onto_credentials(data: Path) -> None:
    parsed = keepass_xml.parse(data / "keepass.xml", ImportOptions())
    router = _by_title(parsed)["Core router – Büro Zürich"]
    assert router.type == "credential"
    assert router.source_id == "00000000000000000000000000000101"
    assert router.fields["username"] == "admin"
    assert router.fields["password"] == "Tr0ub4dor&3 "  # trailing space kept
    assert router.fields["url"] == "https://10.0.4.1:8443/login"
    assert router.fields["notes"].startswith("Cisco ISR 4331.\nConsole cable")
    assert router.fields["totp"].startswith("otpauth://totp/")
    assert router.fields["rotation_due"] == "2026-06-30"
    assert router.custom["Enable secret"] is FieldKind.SECRET
    assert router.custom["Serial"] is FieldKind.TEXT
    assert router.fields["url_2"] == "ssh://10.0.4.1"
    assert router.fields["url_3"] == "https://backup-router.contoso.example"
    assert "Cisco AnyConnect*" in router.fields["Auto-Type"]
    assert router.tags == ["Contoso Dental/Network", "network", "critical"]
    assert [a.name for a in router.attachments] == ["vpn-profile.ovpn", "rack photo.png"]
    assert router.attachments[0].data.startswith(b"VPN profile\n")
    assert router.attachments[1].data.startswith(b"\x89PNG")  # gzip-compressed binary
    assert [h.fields["password"] for h in router.history] == ["old-password-1", "old-password-2"]


def test_legacy_totp_settings_become_a_uri(data: Path) -> None:
    parsed = keepass_xml.parse(data / "keepass.xml", ImportOptions())
    m365 = _by_title(parsed)["Microsoft 365 global admin"]
    from crypto import totp

    spec = totp.parse(m365.fields["totp"])
    assert (spec.digits, spec.period) == (8, 30)
    assert "TOTP Seed" not in m365.fields


def test_unreadable_totp_settings_are_kept_as_secrets(data: Path) -> None:
    parsed = keepass_xml.parse(data / "keepass.xml", ImportOptions())
    steam = _by_title(parsed)["Steam (kiosk PC)"]
    assert steam.custom["TOTP Seed"] is FieldKind.SECRET
    assert steam.fields["TOTP Settings"] == "30;S"
    assert any("Steam" in w for w in parsed.warnings)


def test_recycle_bin_and_deleted_objects_are_skipped_and_reported(data: Path) -> None:
    parsed = keepass_xml.parse(data / "keepass.xml", ImportOptions())
    titles = {d.title for d in parsed.drafts}
    assert "Old NAS" not in titles and "Deleted but still present" not in titles
    reasons = {s.item: s.reason for s in parsed.skipped}
    assert "recycle bin (1 entry)" in reasons["group 'Recycle Bin'"]
    assert any("deleted" in r for r in reasons.values())


def test_group_notes_become_a_procedure(data: Path) -> None:
    parsed = keepass_xml.parse(data / "keepass.xml", ImportOptions())
    note = _by_title(parsed)["Contoso Dental"]
    assert note.type == "procedure" and "Bahnhofstrasse" in note.fields["body"]


def test_untitled_entries_get_a_title_from_the_url(data: Path) -> None:
    parsed = keepass_xml.parse(data / "keepass.xml", ImportOptions())
    assert "printer-2og.contoso.local" in _by_title(parsed)


def test_groups_can_be_clients(data: Path, vault: Vault) -> None:
    parsed = keepass_xml.parse(data / "keepass.xml", ImportOptions(groups_as="clients"))
    router = _by_title(parsed)["Core router – Büro Zürich"]
    assert router.client == "Contoso Dental" and router.tags[0] == "Network"
    printer = _by_title(parsed)["printer-2og.contoso.local"]
    assert printer.client is None
    # messages name the entry's whole group, the client's included
    assert router.origin == "entry 'Core router – Büro Zürich' in 'Contoso Dental/Network'"
    assert ("entry 'Deleted but still present' in 'Fabrikam Legal'") in [
        s.item for s in parsed.skipped
    ]
    report = run_import(vault, parsed)
    assert sorted(report.clients) == ["Contoso Dental", "Fabrikam Legal"]
    assert sorted(c.name for c in vault.clients()) == ["Contoso Dental", "Fabrikam Legal"]


def test_the_fixture_imports_with_history_and_attachments(data: Path, vault: Vault, client) -> None:
    report = run_import(
        vault, keepass_xml.parse(data / "keepass.xml", ImportOptions()), client=client.name
    )
    assert report.by_type == {"credential": 5, "procedure": 1}
    assert report.attachments == 2
    router = next(r for r in vault.list_records(client.id) if r.title.startswith("Core router"))
    assert router.version == 3
    assert vault.get_record(router.id, 1).fields["password"] == "old-password-1"
    assert sorted(a.name for a in vault.attachments(router.id)) == [
        "rack photo.png",
        "vpn-profile.ovpn",
    ]
    steam = next(r for r in vault.list_records(client.id) if r.title.startswith("Steam"))
    assert steam.fields["URL"] == "TBD"  # not a URL: kept as a custom field
    assert (
        run_import(
            vault, keepass_xml.parse(data / "keepass.xml", ImportOptions()), client=client.name
        ).unchanged
        == 6
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("BrokenKeepassEntityBomb.xml", "forbidden XML feature"),
        ("BrokenKeepassExternalEntity.xml", "forbidden XML feature"),
        ("BrokenKeepassNoRoot.xml", "no <Root><Group>"),
        ("BrokenKeepassTruncated.xml", "not well-formed XML"),
    ],
)
def test_broken_xml_is_refused_clearly(data: Path, name: str, message: str) -> None:
    with pytest.raises(ImportInputError, match=message) as caught:
        keepass_xml.parse(data / name, ImportOptions())
    assert name in str(caught.value)


def test_a_truncated_file_names_its_line(data: Path) -> None:
    with pytest.raises(ImportInputError, match=r"line \d+"):
        keepass_xml.parse(data / "BrokenKeepassTruncated.xml", ImportOptions())


def test_too_deep_groups_are_refused(tmp_path: Path) -> None:
    deep = "<Group><Name>g</Name>" * 70 + "</Group>" * 70
    path = tmp_path / "deep.xml"
    path.write_text(f"<KeePassFile><Root>{deep}</Root></KeePassFile>")
    with pytest.raises(ImportInputError, match="deeper than 64"):
        keepass_xml.parse(path, ImportOptions())


def test_a_compressed_bomb_attachment_is_refused(tmp_path: Path, monkeypatch) -> None:
    import base64
    import gzip

    monkeypatch.setattr(keepass_xml, "MAX_FILE_BYTES", 1024 * 1024)
    bomb = base64.b64encode(gzip.compress(b"\0" * (8 * 1024 * 1024))).decode()
    path = tmp_path / "bomb.xml"
    path.write_text(
        f'<KeePassFile><Meta><Binaries><Binary ID="0" Compressed="True">{bomb}</Binary>'
        "</Binaries></Meta><Root><Group><Name>R</Name><Entry><UUID>AAAAAAAAAAAAAAAAAAAAAQ==</UUID>"
        "<String><Key>Title</Key><Value>t</Value></String>"
        '<Binary><Key>b</Key><Value Ref="0"/></Binary></Entry></Group></Root></KeePassFile>'
    )
    parsed = keepass_xml.parse(path, ImportOptions())
    assert parsed.drafts[0].attachments == []
    assert any("unpacks to more than" in w for w in parsed.warnings)
    assert parsed.skipped and "cannot be decoded" in parsed.skipped[0].reason


# ---------------------------------------------------------------------- round trip


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=30,
).map(lambda s: " ".join(s.split()))
_secret = st.text(
    alphabet=string.printable.replace("\r", "").replace("\x0b", "").replace("\x0c", ""), max_size=30
)
_notes = st.lists(_text, max_size=4).map("\n".join).map(lambda s: s.strip("\n"))
_url = st.sampled_from(
    ["", "https://portal.example.com/login", "http://10.0.0.1:8080/", "ssh://srv.example"]
)
_name = (
    st.text(alphabet=string.ascii_letters + " -_", min_size=1, max_size=20)
    .map(str.strip)
    .filter(
        lambda s: (
            s and s.casefold() not in {"id", "type", "title", "tags", "tag", "client", "links"}
        )
    )
)
_entries = st.lists(
    st.builds(
        keepass_writer.Entry,
        title=_text.filter(bool),
        username=_text,
        password=_secret,
        url=_url,
        notes=_notes,
        custom=st.dictionaries(
            _name.filter(
                lambda s: s not in {"Title", "UserName", "Password", "URL", "Notes", "otp"}
            ),
            st.tuples(_text.filter(bool), st.booleans()),
            max_size=3,
        ),
        tags=st.lists(
            st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8),
            max_size=3,
            unique=True,
        ),
        group=st.lists(st.sampled_from(["Servers", "Network", "Büro"]), max_size=2).map(tuple),
        attachments=st.dictionaries(
            st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8).map(
                lambda s: s + ".bin"
            ),
            st.binary(max_size=64),
            max_size=2,
        ),
    ),
    max_size=5,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=_entries)
def test_round_trip_through_keepass_xml(
    tmp_path: Path, entries: list[keepass_writer.Entry]
) -> None:
    path = tmp_path / "round.xml"
    path.write_text(keepass_writer.write(entries), encoding="utf-8")
    parsed = keepass_xml.parse(path, ImportOptions())
    assert len(parsed.drafts) == len(entries)
    drafts = {d.source_id: d for d in parsed.drafts}
    for entry in entries:
        draft = drafts[entry.ident.hex]
        assert draft.title == entry.title
        expected = {
            "username": entry.username,
            "password": entry.password,
            "url": entry.url,
            "notes": entry.notes,
            **{key: value for key, (value, _) in entry.custom.items()},
        }
        assert draft.fields == expected
        for key, (_, protected) in entry.custom.items():
            assert draft.custom[key] is (FieldKind.SECRET if protected else FieldKind.TEXT)
        group_tag = ["/".join(entry.group)] if entry.group else []
        assert draft.tags == group_tag + entry.tags
        assert {a.name: a.data for a in draft.attachments} == entry.attachments


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=_entries)
def test_round_trip_into_the_vault(tmp_path_factory, fast_kdf, entries) -> None:
    folder = tmp_path_factory.mktemp("rt")
    vault, _ = Vault.create(
        folder / "v.sitebook", name="V", owner="O", passphrase="passphrase1", kdf_params=fast_kdf
    )
    try:
        path = folder / "round.xml"
        path.write_text(keepass_writer.write(entries), encoding="utf-8")
        report = run_import(vault, keepass_xml.parse(path, ImportOptions()))
        assert report.created == len(entries) and not report.skipped
        records = {r.source: r for r in vault.list_records()}
        for entry in entries:
            record = records[f"keepass:{entry.ident.hex}"]
            assert record.title == entry.title
            assert record.fields.get("password", "") == entry.password
            assert record.fields.get("username", "") == entry.username
            for _key, (value, _) in entry.custom.items():
                assert value in record.fields.values()
            assert sorted(a.name for a in vault.attachments(record.id)) == sorted(entry.attachments)
        again = run_import(vault, keepass_xml.parse(path, ImportOptions()))
        assert again.unchanged == len(entries)
    finally:
        vault.close()


# ---------------------------------------------------------------------- KDBX, real KeePassXC

needs_keepassxc = pytest.mark.skipif(
    keepassxc_cli() is None,
    reason="keepassxc-cli is not installed (Debian package 'keepassxc'); CI installs it",
)


def _keepassxc(*args: str, stdin: str) -> subprocess.CompletedProcess:
    program = keepassxc_cli()
    assert program is not None
    done = subprocess.run(
        [program, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def kdbx_from_keepassxc(data: Path, tmp_path: Path) -> Path:
    """keepass.xml imported into a KDBX by keepassxc-cli (password only)."""
    target = tmp_path / "clients.kdbx"
    _keepassxc(
        "import",
        "-q",
        "-t",
        "100",
        "-p",
        str(data / "keepass.xml"),
        str(target),
        stdin=f"{KDBX_PASSWORD}\n{KDBX_PASSWORD}\n",
    )
    return target


@needs_keepassxc
def test_a_kdbx_written_by_keepassxc_imports_like_its_xml(
    data: Path, kdbx_from_keepassxc: Path
) -> None:
    from_kdbx = kdbx.parse(kdbx_from_keepassxc, ImportOptions(passphrase=KDBX_PASSWORD))
    from_xml = keepass_xml.parse(data / "keepass.xml", ImportOptions())
    assert from_kdbx.format == "kdbx"

    def summary(parsed):
        return {
            d.source_id: (
                d.title,
                {k: v for k, v in d.fields.items() if v},
                sorted(t.casefold() for t in d.tags),
                sorted((a.name, a.data) for a in d.attachments),
                [h.fields.get("password") for h in d.history],
            )
            for d in parsed.drafts
        }

    assert summary(from_kdbx) == summary(from_xml)


@needs_keepassxc
def test_keepassxc_export_and_kdbx_give_the_same_records(
    kdbx_from_keepassxc: Path, tmp_path: Path, vault: Vault, client
) -> None:
    exported = tmp_path / "exported.xml"
    done = _keepassxc("export", "-q", str(kdbx_from_keepassxc), stdin=f"{KDBX_PASSWORD}\n")
    exported.write_text(done.stdout, encoding="utf-8")
    first = run_import(
        vault,
        kdbx.parse(kdbx_from_keepassxc, ImportOptions(passphrase=KDBX_PASSWORD)),
        client=client.name,
    )
    assert first.created == 6
    again = run_import(vault, keepass_xml.parse(exported, ImportOptions()), client=client.name)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


@needs_keepassxc
def test_a_kdbx_with_a_key_file(data: Path, tmp_path: Path) -> None:
    target, key = tmp_path / "keyed.kdbx", tmp_path / "keyed.keyx"
    _keepassxc(
        "import",
        "-q",
        "-t",
        "100",
        "--set-key-file",
        str(key),
        "-p",
        str(data / "keepass.xml"),
        str(target),
        stdin=f"{KDBX_PASSWORD}\n{KDBX_PASSWORD}\n",
    )
    parsed = kdbx.parse(target, ImportOptions(passphrase=KDBX_PASSWORD, keyfile=key))
    assert len(parsed.drafts) == 6
    with pytest.raises(ImportInputError, match="password or key file is wrong"):
        kdbx.parse(target, ImportOptions(passphrase=KDBX_PASSWORD))


@needs_keepassxc
def test_a_kdbx4_saved_by_keepassxc_keeps_its_attachments(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "four.kdbx"
    shutil.copyfile(data / "empty-kdbx4.kdbx", target)
    _keepassxc("mkdir", "-q", str(target), "Servers", stdin=f"{KDBX_PASSWORD}\n")
    _keepassxc(
        "add",
        "-q",
        "-u",
        "admin",
        "--url",
        "https://srv.example",
        "-p",
        str(target),
        "Servers/Überserver",
        stdin=f"{KDBX_PASSWORD}\nS3cret pass\n",
    )
    blob = tmp_path / "runbook.txt"
    blob.write_bytes(b"Schritt 1\nSchritt 2\n")
    _keepassxc(
        "attachment-import",
        "-q",
        str(target),
        "Servers/Überserver",
        "runbook.txt",
        str(blob),
        stdin=f"{KDBX_PASSWORD}\n",
    )
    assert kdbx.check_header(target.read_bytes(), target).major == 4
    (draft,) = kdbx.parse(target, ImportOptions(passphrase=KDBX_PASSWORD)).drafts
    assert draft.title == "Überserver" and draft.tags == ["Servers"]
    assert draft.fields["password"] == "S3cret pass"
    assert [(a.name, a.data) for a in draft.attachments] == [("runbook.txt", blob.read_bytes())]


@needs_keepassxc
def test_a_wrong_password_is_named(kdbx_from_keepassxc: Path) -> None:
    with pytest.raises(ImportInputError, match=r"clients\.kdbx: cannot be opened"):
        kdbx.parse(kdbx_from_keepassxc, ImportOptions(passphrase="wrong"))


def test_a_kdbx_needs_credentials(data: Path) -> None:
    with pytest.raises(ImportInputError, match="give its password"):
        kdbx.parse(data / "empty-kdbx4.kdbx", ImportOptions())


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("BrokenKdbxHostileKdf.kdbx", "Argon2 key derivation of 1,048,576 MiB"),
        ("BrokenKdbxTruncated.kdbx", "damaged header"),
        ("BrokenKdbxKeePass1.kdb", "KeePass 1"),
    ],
)
def test_broken_kdbx_files_are_refused_before_any_work(data: Path, name: str, message: str) -> None:
    with pytest.raises(ImportInputError, match=message):
        kdbx.parse(data / name, ImportOptions(passphrase="x"))


def test_fast_aes_kdf_matches_the_reference() -> None:
    from pykeepass.kdbx_parsing.common import aes_kdf as reference

    seed, composite = bytes(range(32)), bytes(range(32, 64))
    for rounds in (0, 1, 7, 70_000):
        assert kdbx.aes_kdf(seed, rounds, composite) == reference(seed, rounds, composite)
