"""Proof that access is enforced by cryptography, not by the API being polite.

For every role, the member tries to read every scope and restricted credential
they must not: through the API, and directly against the raw vault file with
every key they hold (every wrapped grant addressed to them, unwrapped with their
own private key). After a revocation, records written later are unreadable with
every key the revoked member ever held. Tampering with a wrapped key or a
signature is detected.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crypto import aead, keys
from crypto.errors import CryptoError
from crypto.kdf import KdfParams
from vault import Vault, errors
from vault.keyring import grant_context
from vault.members import Invitation
from vault.versions import aad

OWNER_PASS = "owner passphrase 1"
MEMBER_PASS = "member passphrase 1"


def _all_keys(path: Path, member_id: str) -> list[bytes]:
    """Every scope key the member can unwrap from the raw file with their own private key."""
    vault = Vault.open(path)
    vault.unlock(MEMBER_PASS, member_id=member_id)
    member_keys = vault._ring().keys
    vault_id = vault.vault_id
    vault.close()
    conn = sqlite3.connect(path)
    out = []
    for scope_id, version, wrapped in conn.execute(
        "SELECT scope_id, key_version, wrapped FROM scope_keys WHERE member_id = ?", (member_id,)
    ):
        out.append(
            keys.unwrap(member_keys, wrapped, grant_context(vault_id, scope_id, version, member_id))
        )
    conn.close()
    return out


def _raw_readable(path: Path, vault_id: str, secret_keys: list[bytes]) -> set[str]:
    """Record ids whose versions any of the keys decrypts, straight from the file."""
    conn = sqlite3.connect(path)
    found = set()
    for record_id, number, vid, scope_id, version, body in conn.execute(
        "SELECT record_id, number, vid, scope_id, key_version, body FROM versions"
    ):
        context = aad(vault_id, scope_id, record_id, vid, number, version)
        for key in secret_keys:
            try:
                aead.open_sealed(key, body, context)
            except CryptoError:
                continue
            found.add(record_id)
    conn.close()
    return found


@pytest.fixture
def world(tmp_path: Path, fast_kdf: KdfParams):
    path = tmp_path / "team.sitebook"
    owner, _ = Vault.create(
        path, name="Northwind", owner="Olive", passphrase=OWNER_PASS, kdf_params=fast_kdf
    )
    contoso, fabrikam = owner.add_client("Contoso"), owner.add_client("Fabrikam")
    ids = {
        "contoso": owner.add_record(contoso.id, "credential", "C", {"password": "c"}).id,
        "fabrikam": owner.add_record(fabrikam.id, "credential", "F", {"password": "f"}).id,
        "internal": owner.add_record(owner.internal_scope_id, "procedure", "I", {"body": "i"}).id,
        "restricted": owner.add_record(contoso.id, "credential", "R", {"password": "r"}).id,
    }
    owner.restrict(ids["restricted"], [])
    members = {}
    for name, role, clients in (
        ("admin", "admin", None),
        ("technician", "technician", None),
        ("client-admin", "client-admin", ["Contoso"]),
        ("read-only", "read-only", ["Fabrikam"]),
    ):
        invitation = owner.invite(name, role, clients=clients)
        other = Vault.open(path)
        accepted = other.accept_invitation(
            Invitation.from_json(invitation.to_json()), MEMBER_PASS, kdf_params=fast_kdf
        )
        other.close()
        owner.confirm_member(accepted.member_id, accepted.fingerprint)
        members[name] = accepted.member_id
    yield path, owner, ids, members
    owner.close()


# What each role must NOT read.
FORBIDDEN = {
    "admin": {"restricted"},
    "technician": {"restricted"},
    "client-admin": {"fabrikam", "internal", "restricted"},
    "read-only": {"contoso", "internal", "restricted"},
}


@pytest.mark.parametrize("role", sorted(FORBIDDEN))
def test_no_role_reads_what_it_must_not(world, role: str) -> None:
    path, owner, ids, members = world
    member_id = members[role]
    vault = Vault.open(path)
    vault.unlock(MEMBER_PASS, member_id=member_id)
    api_hits = []
    for name, record_id in ids.items():
        try:
            vault.get_record(record_id)
        except errors.AccessDeniedError:
            continue
        api_hits.append(name)
    listed = {r.id for r in vault.list_records()}
    vault.close()
    allowed = set(ids) - FORBIDDEN[role]
    assert set(api_hits) == allowed
    assert {n for n, i in ids.items() if i in listed} == allowed
    raw = _raw_readable(path, owner.vault_id, _all_keys(path, member_id))
    assert {n for n, i in ids.items() if i in raw} == allowed, "raw file: 0 forbidden reads"


def test_after_revocation_nothing_new_opens_with_any_old_key(world) -> None:
    path, owner, _ids, members = world
    leaver = members["technician"]
    held = _all_keys(path, leaver)
    owner.revoke_member(leaver)
    later = owner.add_record(owner.find_client("Contoso").id, "credential", "L", {"password": "l"})
    raw = _raw_readable(path, owner.vault_id, held)
    assert raw == set(), "nothing in the file opens with the leaver's keys any more"
    assert later.id not in raw
    with pytest.raises(errors.AccessDeniedError):
        Vault.open(path).unlock(MEMBER_PASS, member_id=leaver)


def test_tampered_wrapped_key_or_signature_is_detected(world) -> None:
    path, owner, ids, members = world
    member_id = members["technician"]
    conn = sqlite3.connect(path)
    scope_id = owner.find_client("Contoso").id
    wrapped, signature = conn.execute(
        "SELECT wrapped, signature FROM scope_keys WHERE member_id = ? AND scope_id = ?",
        (member_id, scope_id),
    ).fetchone()
    for column, value in (
        ("wrapped", wrapped[:-1] + bytes([wrapped[-1] ^ 1])),
        ("signature", signature[:-1] + bytes([signature[-1] ^ 1])),
    ):
        conn.execute(
            f"UPDATE scope_keys SET {column} = ? WHERE member_id = ? AND scope_id = ?",
            (value, member_id, scope_id),
        )
        conn.commit()
        vault = Vault.open(path)
        vault.unlock(MEMBER_PASS, member_id=member_id)
        with pytest.raises(errors.DamagedHeaderError, match="damaged or forged"):
            vault.get_record(ids["contoso"])
        vault.close()
        owner._forget_cache()
        assert any("forged or damaged" in p.detail for p in owner.check().problems)
        conn.execute(
            "UPDATE scope_keys SET wrapped = ?, signature = ? WHERE member_id = ? AND scope_id = ?",
            (wrapped, signature, member_id, scope_id),
        )
        conn.commit()
    conn.close()


def test_a_key_planted_by_someone_with_file_access_is_refused(world) -> None:
    """Anyone can wrap a key to a member's public key; only a manager's signature makes it real."""
    path, owner, ids, members = world
    member_id = members["client-admin"]
    conn = sqlite3.connect(path)
    exchange = conn.execute(
        "SELECT exchange_public FROM members WHERE id = ?", (member_id,)
    ).fetchone()[0]
    scope_id = owner.find_client("Fabrikam").id
    version = conn.execute("SELECT key_version FROM scopes WHERE id = ?", (scope_id,)).fetchone()[0]
    planted = keys.wrap_for(
        exchange, aead.new_key(), grant_context(owner.vault_id, scope_id, version, member_id)
    )
    conn.execute(
        "INSERT INTO scope_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
        (scope_id, version, member_id, planted, member_id, "2026-01-01", b"\0" * 64),
    )
    conn.commit()
    conn.close()
    vault = Vault.open(path)
    vault.unlock(MEMBER_PASS, member_id=member_id)
    with pytest.raises((errors.DamagedHeaderError, errors.AccessDeniedError)):
        vault.get_record(ids["fabrikam"])
    vault.close()
