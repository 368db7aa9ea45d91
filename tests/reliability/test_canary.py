"""Plaintext discipline: a unique canary in every kind of field never reaches the disk.

Plants a canary in every field kind, a custom field's name, a tag, a record title,
an attachment's name and bytes, a client name, a template name and its choices,
the vault and owner names, then exercises history, restore, delete, passphrase
change and check. The vault file, its -wal and -shm, the temp folder, the
Sitebook folders and the logs must hold none of them. Record ids (used by
reference fields) are plaintext by design (DESIGN.md section 2) and not planted.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from vault import Vault
from vault.fields import FieldDef, FieldKind, normalise
from vault.templates import Template

from .canary import files_under, mark, scan

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _totp_seed() -> str:
    import secrets

    return "".join(secrets.choice(B32) for _ in range(32))


def _digits(n: int) -> str:
    import secrets

    return "".join(secrets.choice("123456789") for _ in range(n))


@pytest.fixture
def logfile(sitebook_dirs) -> Path:
    """Route every log record of every level to a file under the test's log folder."""
    sitebook_dirs.log.mkdir(parents=True, exist_ok=True)
    path = sitebook_dirs.log / "sitebook.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def test_no_canary_reaches_the_disk(
    tmp_path: Path, sitebook_dirs, fast_kdf: KdfParams, logfile: Path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    plain: dict[str, str] = {}

    def plant(kind: FieldKind | str, value: str) -> str:
        stored = normalise(kind, value) if isinstance(kind, FieldKind) else value
        plain[f"{kind}:{value[:12]}"] = stored
        return value

    ip = f"fd{_digits(2)}:{_digits(4)}:{_digits(4)}:{_digits(4)}::{_digits(4)}"
    path = tmp_path / "vault" / "canary.sitebook"
    path.parent.mkdir()
    vault, _key = Vault.create(
        path,
        name=plant("vault-name", mark("vaultname")),
        owner=plant("owner", mark("owner")),
        passphrase=plant("passphrase", mark("pass")),
        kdf_params=fast_kdf,
    )
    client = vault.add_client(plant("client", mark("client")))
    choice = plant("choice", mark("choice"))
    field_name = plant("field-name", mark("fieldname"))
    template = Template(
        id="canarykit",
        name=plant("template", mark("template")),
        plural="Canary kits",
        fields=(
            FieldDef("kind_of", FieldKind.CHOICE, plant("label", mark("label")), choices=(choice,)),
            FieldDef("secret_pin", FieldKind.SECRET, "PIN"),
        ),
        builtin=False,
    )
    vault.add_template(template)
    server = vault.add_record(client.id, "configuration", "plain title", {"hostname": "x"})
    values = {
        "hostname": plant(FieldKind.TEXT, mark("text")),
        "notes": plant(FieldKind.MARKDOWN, "# Notes\n\n" + mark("markdown") + "\n"),
        "license_key": plant(FieldKind.SECRET, mark("secret")),
        "ip_addresses": plant(FieldKind.IP, ip),
        "warranty_expires": plant(FieldKind.DATE, "2187-03-29"),
        "location": server.id,
    }
    config = vault.add_record(
        client.id,
        "configuration",
        plant("title", mark("title")),
        values | {field_name: plant("custom", mark("customvalue"))},
        tags=[plant("tag", mark("tag"))],
    )
    credential = vault.add_record(
        client.id,
        "credential",
        "plain credential",
        {
            "username": plant(FieldKind.TEXT, mark("user")),
            "password": plant(FieldKind.SECRET, mark("password")),
            "url": plant(FieldKind.URL, f"https://{mark('url')}.example/login"),
            "totp": plant(FieldKind.TOTP, _totp_seed()),
        },
        links=[config.id],
    )
    vault.add_record(
        client.id,
        "contact",
        "plain contact",
        {
            "email": plant(FieldKind.EMAIL, f"{mark('email')}@example.com"),
            "phone": plant(FieldKind.PHONE, "+49 " + _digits(12)),
            "escalation_order": plant(FieldKind.NUMBER, _digits(15)),
        },
    )
    kit = vault.add_record(
        client.id,
        "canarykit",
        "plain kit",
        {"kind_of": choice, "secret_pin": plant(FieldKind.SECRET, mark("pin"))},
    )
    tags_value = plant(FieldKind.TAGS, f"{mark('tagsa')}, {mark('tagsb')}")
    vault.add_record(
        client.id,
        "configuration",
        "tagged",
        {field_name + "x": tags_value},
        custom={field_name + "x": FieldKind.TAGS},
    )
    attachment_name = plant("attachment-name", mark("attname")) + ".txt"
    attachment_bytes = plant("attachment-bytes", mark("attbytes"))
    attached = vault.add_attachment(
        config.id, io.BytesIO(attachment_bytes.encode() * 1000), attachment_name
    )

    # Work that rewrites, moves and re-reads everything.
    vault.update_record(credential.id, fields={"password": plant(FieldKind.SECRET, mark("newpw"))})
    vault.delete(kit.id)
    vault.undelete(kit.id)
    vault.restore(credential.id, 1)
    vault.rename_client(client.id, plant("client2", mark("client")))
    assert vault.check().ok
    vault.history(credential.id)
    vault.diff(credential.id, 1, 2)
    out = tmp_path / "exported" / "attachment.txt"
    out.parent.mkdir()
    vault.extract_attachment(attached.id, out)
    # Team work: an invited member's name, audit details, a restricted credential,
    # and a revocation that re-encrypts everything the member could read.
    invitation = vault.invite(plant("member-name", mark("member")), "technician")
    other = Vault.open(path)
    member_pass = plant("member-passphrase", mark("mpass"))
    joined = other.accept_invitation(invitation, member_pass, kdf_params=fast_kdf)
    other.close()
    vault.confirm_member(joined.member_id, joined.fingerprint)
    vault.log_event("copy", credential.id, field=plant("audit-detail", mark("auditdetail")))
    vault.restrict(credential.id, [joined.member_id])
    vault.revoke_member(joined.member_id)
    assert vault.verify_audit() == []

    new_passphrase = plant("passphrase2", mark("pass"))
    vault.change_passphrase(new_passphrase)

    live = files_under([tmp_path], exclude=[out])
    assert any(p.name.endswith("-wal") for p in live), "scan must cover the live WAL"
    assert scan(plain.values(), live) == []

    vault.close()
    reopened = Vault.open(path)
    reopened.unlock(new_passphrase)
    assert len(reopened.list_records()) == 6
    reopened.close()

    files = files_under([tmp_path], exclude=[out])
    assert path in files and logfile in files
    assert scan(plain.values(), files) == []
    assert not any(v in caplog.text for v in plain.values())
    # The scanner itself is not blind: the exported attachment holds its canary.
    assert scan([attachment_bytes], [out]) == [(attachment_bytes, str(out))]


def test_no_canary_reaches_the_disk_through_a_batch_import(
    tmp_path: Path, sitebook_dirs, fast_kdf: KdfParams, logfile: Path, caplog
) -> None:
    """Imports write through the batch writer (sealed first, signed on two threads)."""
    import csv

    from crypto.keys import PARALLEL_SIGNING_FROM
    from importers import import_file

    caplog.set_level(logging.DEBUG)
    path = tmp_path / "vault" / "imported.sitebook"
    path.parent.mkdir()
    vault, _key = Vault.create(
        path, name="Plain", owner="Plain", passphrase="plain passphrase", kdf_params=fast_kdf
    )
    vault.add_client("Contoso")
    planted = [mark("ititle"), mark("iuser"), mark("ipassword"), mark("inote")]
    title, user, password, note = planted
    source = tmp_path / "export" / "chrome.csv"  # the input holds them, of course
    source.parent.mkdir()
    with source.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(["name", "url", "username", "password", "note"])
        for n in range(PARALLEL_SIGNING_FROM * 2):  # enough to sign on two threads
            url = f"https://host{n}.example/"
            rows.writerow([f"{title} {n}", url, f"{user}{n}", f"{password}{n}", f"{note}\n{n}"])
    report = import_file(vault, source, client="Contoso")
    assert report.created == PARALLEL_SIGNING_FROM * 2

    live = files_under([tmp_path], exclude=[source])
    assert any(p.name.endswith("-wal") for p in live), "scan must cover the live WAL"
    assert scan(planted, live) == []
    vault.close()
    reopened = Vault.open(path)
    reopened.unlock("plain passphrase")
    shown = reopened.get_record(report.record_ids[0])
    assert shown.title.startswith(title) and shown.fields["password"].startswith(password)
    reopened.close()
    files = files_under([tmp_path], exclude=[source])
    assert path in files and logfile in files
    assert scan(planted, files) == []
    assert not any(v in caplog.text for v in planted)
    assert len(scan(planted, [source])) == len(planted)  # the scanner is not blind
