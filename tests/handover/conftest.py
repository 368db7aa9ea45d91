"""Fixtures for handover tests: a small vault that uses every feature a package must carry.

One client with a location, configurations (a licence key secret, a location
reference), credentials (password, a SHA-256 TOTP URI and a bare base32 seed,
a secret and a plain custom field, three versions, an attachment), a contact,
a Markdown procedure, an exception, a record of a user template with a secret
field, a deleted record, links both ways, and a second client whose records
must not leak into the package. The export runs once per module (Argon2 and
the package build are the slow part) into a folder the tests only read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from vault import Vault
from vault.fields import FieldDef, FieldKind
from vault.handover import HandoverResult, export_handover
from vault.handover.snapshot import client_scopes
from vault.templates import Template

PASSPHRASE = "correct horse battery"
HANDOVER_PASSPHRASE = "handover staple orbit velvet"
KDF = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
SEED_SHA1 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOTP_SHA256 = (
    "otpauth://totp/Contoso:admin%40contoso.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    "&issuer=Contoso&algorithm=SHA256&digits=8&period=60"
)


@dataclass
class Source:
    """The source vault of a package and what the tests need to know about it."""

    vault: Vault
    client_id: str
    other_client_id: str
    ids: dict[str, str] = field(default_factory=dict)
    attachment_bytes: dict[str, bytes] = field(default_factory=dict)


def build_source(path: Path, *, marks: dict[str, str] | None = None) -> Source:
    """Create and fill the source vault; ``marks`` overrides planted values (canary test)."""
    m = {
        "password": "Winter-2026-Contoso!",
        "password_old": "Autumn-2025-Contoso!",
        "seed": SEED_SHA1,
        "secret_custom": "recovery-code-7731",
        "license": "XXXX-YYYY-ZZZZ-1111",
        "plain_custom": "Portal tenant contoso-dental",
        "note": "Ring the bell twice; the rack is behind the reception.",
        **(marks or {}),
    }
    vault, _ = Vault.create(
        path, name="Northwind IT", owner="Alice Admin", passphrase=PASSPHRASE, kdf_params=KDF
    )
    client = vault.add_client("Contoso Dental")
    other = vault.add_client("Fabrikam Logistics")
    vault.add_template(
        Template(
            id="backup-job",
            name="Backup job",
            plural="Backup jobs",
            builtin=False,
            description="A scheduled backup.",
            fields=(
                FieldDef("schedule", FieldKind.TEXT, "Schedule", list_column=True),
                FieldDef("encryption_key", FieldKind.SECRET, "Encryption key"),
                FieldDef("target", FieldKind.REFERENCE, "Target"),
            ),
        )
    )
    src = Source(vault, client.id, other.id)
    add = vault.add_record
    ids = src.ids
    ids["site"] = add(
        client.id,
        "location",
        "Head office Zürich",
        {"address": "Harbour Street 1\n8000 Zürich", "access_notes": m["note"]},
    ).id
    ids["dc"] = add(
        client.id,
        "configuration",
        "srv-dc01",
        {
            "kind": "server",
            "hostname": "srv-dc01",
            "ip_addresses": "10.0.4.10",
            "location": ids["site"],
            "license_key": m["license"],
            "notes": "# Domain controller\n\n- FSMO roles\n- DNS\n\n[vendor](https://dell.example)",
        },
        tags=["server", "windows"],
    ).id
    ids["nas"] = add(
        client.id, "configuration", "nas01", {"kind": "storage", "hostname": "nas01"}
    ).id
    cred = add(
        client.id,
        "credential",
        "Domain admin",
        {
            "username": "CONTOSO\\admin",
            "password": m["password_old"],
            "url": "https://portal.contoso.example",
            "totp": m["seed"],
            "configuration": ids["dc"],
            "notes": "Break-glass account.",
            "Recovery code": m["secret_custom"],
            "Tenant": m["plain_custom"],
        },
        custom={"Recovery code": FieldKind.SECRET, "Tenant": FieldKind.TEXT},
        tags=["admin"],
    )
    ids["cred"] = cred.id
    vault.update_record(cred.id, fields={"password": m["password"]})
    vault.update_record(cred.id, title="Domain admin (break glass)", links=[ids["nas"]])
    ids["m365"] = add(
        client.id,
        "credential",
        "Microsoft 365 global admin",
        {"username": "admin@contoso.example", "password": "M365-pass-Ω", "totp": TOTP_SHA256},
    ).id
    vault.restrict(ids["m365"], [])  # only the owner may read it: still the client's
    ids["contact"] = add(
        client.id,
        "contact",
        "Dr. Maria Lopez",
        {"role": "Owner", "phone": "+1 (206) 555-0101", "email": "maria@contoso.example"},
    ).id
    ids["proc"] = add(
        client.id,
        "procedure",
        "Restore a file from backup",
        {"body": "1. Open the NAS\n2. Pick the snapshot\n\n<script>alert(1)</script>"},
        links=[ids["nas"], ids["dc"]],
    ).id
    ids["exc"] = add(
        client.id,
        "exception",
        "SMBv1 enabled on the old scanner",
        {"what": "The scanner needs SMBv1.", "affected": ids["nas"], "status": "accepted"},
    ).id
    ids["job"] = add(
        client.id,
        "backup-job",
        "Nightly NAS backup",
        {"schedule": "daily 01:00", "encryption_key": "backup-key-42", "target": ids["nas"]},
    ).id
    ids["gone"] = add(client.id, "contact", "Former employee", {"role": "Reception"}).id
    vault.delete(ids["gone"])
    ids["other"] = add(
        other.id, "credential", "Fabrikam firewall", {"username": "root", "password": "fab-pw-1"}
    ).id
    for name, data in (
        ("network diagram.pdf", b"%PDF-1.4 diagram " + bytes(range(256))),
        ("config.txt", b"hostname srv-dc01\n"),
    ):
        attachment = vault.add_attachment(ids["dc"], __import__("io").BytesIO(data), name)
        src.attachment_bytes[attachment.id] = data
    attachment = vault.add_attachment(
        cred.id, __import__("io").BytesIO(b"scratch codes 1 2 3"), "scratch codes.txt"
    )
    src.attachment_bytes[attachment.id] = b"scratch codes 1 2 3"
    return src


def client_records(vault: Vault, client_id: str) -> list:
    """Every record of a client, its restricted sub-scopes included."""
    scopes = client_scopes(vault, client_id)
    return [r for r in vault.list_records(include_deleted=True) if r.scope_id in scopes]


@dataclass(frozen=True)
class Package:
    """An exported package and its source."""

    source: Source
    result: HandoverResult
    path: Path


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    """One export of the small vault, shared by a module's tests (they only read it)."""
    base = tmp_path_factory.mktemp("handover")
    source = build_source(base / "source.sitebook")
    result = export_handover(
        source.vault,
        "Contoso Dental",
        base / "contoso-handover",
        passphrase=HANDOVER_PASSPHRASE,
        kdf_params=KDF,
    )
    yield Package(source, result, result.path)
    source.vault.close()
