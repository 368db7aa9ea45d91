"""credentials.kdbx read by the real KeePassXC: every entry, secret, TOTP and attachment.

``keepassxc-cli export --format xml`` decrypts the file with the passphrase on
stdin and prints every entry with protected values in clear; each is compared
with the source record. ``keepassxc-cli show --totp`` proves KeePassXC computes
the same one-time codes as Sitebook.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from crypto import totp
from tests.handover.conftest import HANDOVER_PASSPHRASE, Package, client_records
from vault.fields import FieldKind
from vault.handover.kdbx import ID_FIELD

CLI = shutil.which("keepassxc-cli")
pytestmark = pytest.mark.skipif(
    CLI is None, reason="keepassxc-cli is not installed (Debian package keepassxc)"
)


def _run(*args: str) -> str:
    done = subprocess.run(
        [CLI, *args],
        input=HANDOVER_PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def exported(package: Package) -> ET.Element:
    return ET.fromstring(  # noqa: S314 - KeePassXC's own output of our test file
        _run("export", "--format", "xml", str(package.path / "credentials.kdbx"))
    )


def _strings(entry: ET.Element) -> dict[str, tuple[str, bool]]:
    out = {}
    for item in entry.findall("String"):
        value = item.find("Value")
        text = value.text or "" if value is not None else ""
        protected = value is not None and value.get("ProtectInMemory") == "True"
        out[item.findtext("Key")] = (text, protected)
    return out


def _entries(root: ET.Element) -> dict[str, tuple[ET.Element, list[str]]]:
    """Entries by Sitebook id, with their group path (history entries excluded)."""
    found = {}

    def walk(group: ET.Element, path: list[str]) -> None:
        for entry in group.findall("Entry"):
            found[_strings(entry)[ID_FIELD][0]] = (entry, path)
        for child in group.findall("Group"):
            walk(child, [*path, child.findtext("Name")])

    walk(root.find("Root/Group"), [])
    return found


def test_every_secret_bearing_record_is_an_entry(package: Package, exported: ET.Element) -> None:
    vault = package.source.vault
    entries = _entries(exported)
    wanted = {
        r.id
        for r in client_records(vault, package.source.client_id)
        if r.type == "credential" or r.secret_names(vault.kinds(r))
    }
    assert set(entries) == wanted
    ids = package.source.ids
    assert entries[ids["cred"]][1] == ["Credentials", "Head office Zürich"]
    assert entries[ids["dc"]][1] == ["Configurations", "Head office Zürich"]
    assert entries[ids["m365"]][1] == ["Credentials"]
    assert entries[ids["job"]][1] == ["Backup jobs"]


def test_entries_match_their_records(
    package: Package, exported: ET.Element, tmp_path: Path
) -> None:
    vault = package.source.vault
    database = str(package.path / "credentials.kdbx")
    for record_id, (entry, path) in _entries(exported).items():
        record = vault.get_record(record_id)
        kinds = vault.kinds(record)
        strings = _strings(entry)
        assert strings["Title"][0] == record.title
        if record.type == "credential":
            assert strings["UserName"][0] == record.fields.get("username", "")
            assert strings["Password"][0] == record.fields.get("password", "")
            assert strings["URL"][0] == record.fields.get("url", "")
        assert strings.get("Notes", ("", False))[0] == record.fields.get("notes", "")
        for name, value in record.fields.items():
            kind = kinds.get(name)
            if name in ("username", "password", "url", "notes") and (
                record.type == "credential" or name == "notes"
            ):
                continue
            if kind is FieldKind.TOTP:
                spec = totp.parse(value)
                assert totp.parse(strings["otp"][0]) == spec
                assert strings["otp"][1] and strings["TOTP Seed"][1]
                legacy = totp.parse_keepassxc(strings["TOTP Seed"][0], strings["TOTP Settings"][0])
                assert (legacy.secret, legacy.digits, legacy.period, legacy.algorithm) == (
                    spec.secret,
                    spec.digits,
                    spec.period,
                    spec.algorithm,
                )
                continue
            matches = [
                k for k, (v, _p) in strings.items() if k.startswith(_label(vault, record, name))
            ]
            assert matches, (record.title, name)
            text, protected = strings[matches[0]]
            if kind is FieldKind.REFERENCE:
                assert text == vault.get_record(value).title
            else:
                assert text == value
            assert protected is (kind in (FieldKind.SECRET, FieldKind.TOTP)), name
        attached = {a.findtext("Key") for a in entry.findall("Binary")}
        assert attached == {a.name for a in vault.attachments(record_id)}
        entry_path = "/".join(["", *path, record.title])
        for attachment in vault.attachments(record_id):
            target = tmp_path / attachment.name
            _run("attachment-export", database, entry_path, attachment.name, str(target))
            assert target.read_bytes() == b"".join(vault.read_attachment(attachment.id))


def _label(vault, record, name: str) -> str:
    template = vault.templates().get(record.type)
    field = template.field(name) if template else None
    return field.label if field else name


def test_history_keeps_earlier_passwords(package: Package, exported: ET.Element) -> None:
    entry, _ = _entries(exported)[package.source.ids["cred"]]
    history = entry.findall("History/Entry")
    assert [_strings(h)["Password"][0] for h in history] == [
        "Autumn-2025-Contoso!",
        "Winter-2026-Contoso!",
    ]
    assert _strings(history[0])["Title"][0] == "Domain admin"


def test_keepassxc_computes_the_same_codes(package: Package) -> None:
    database = str(package.path / "credentials.kdbx")
    vault = package.source.vault
    for key in ("cred", "m365"):
        record = vault.get_record(package.source.ids[key])
        spec = totp.parse(record.fields["totp"])
        path = "/Credentials/" + ("Head office Zürich/" if key == "cred" else "") + record.title
        for _attempt in range(3):
            before = time.time()
            shown = _run("show", "--totp", database, path).strip().splitlines()[-1]
            after = time.time()
            expected = {totp.code(spec, before), totp.code(spec, after)}
            if len(expected) == 1 or shown in expected:
                break
        assert shown in expected, key


def test_the_database_is_kdbx4_with_argon2id(package: Package) -> None:
    data = (package.path / "credentials.kdbx").read_bytes()
    assert data[:4] == bytes.fromhex("03d9a29a") and data[10:12] == b"\x04\x00"
    info = _run("db-info", str(package.path / "credentials.kdbx"))
    assert "Argon2id" in info, info
