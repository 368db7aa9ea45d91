"""Team vaults: invitations, roles, revocation with rotation, audit log, continuity."""

from __future__ import annotations

from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from vault import Vault, errors, rotation
from vault.members import Invitation

from .conftest import PASSPHRASE

BOB = "bob's own passphrase"


def join(admin: Vault, path: Path, kdf: KdfParams, name: str, role: str, **kw) -> str:
    """Invite, accept on a second handle of the same file, compare fingerprints, confirm."""
    invitation = admin.invite(name, role, **kw)
    text = invitation.to_json()
    assert "code" in text
    other = Vault.open(path)
    accepted = other.accept_invitation(Invitation.from_json(text), BOB, kdf_params=kdf)
    other.close()
    assert admin.pending_fingerprint(accepted.member_id) == accepted.fingerprint
    admin.confirm_member(accepted.member_id, accepted.fingerprint)
    return accepted.member_id


def as_member(path: Path, member_id: str, passphrase: str = BOB) -> Vault:
    vault = Vault.open(path)
    vault.unlock(passphrase, member_id=member_id)
    return vault


@pytest.fixture
def team(vault: Vault, vault_path: Path, fast_kdf: KdfParams):
    contoso = vault.add_client("Contoso")
    fabrikam = vault.add_client("Fabrikam")
    records = {
        "contoso": vault.add_record(contoso.id, "credential", "Contoso admin", {"password": "c"}),
        "fabrikam": vault.add_record(fabrikam.id, "credential", "Fab admin", {"password": "f"}),
        "internal": vault.add_record(
            vault.internal_scope_id, "procedure", "Payroll", {"body": "x"}
        ),
    }
    return vault, contoso, fabrikam, records


def test_invitation_needs_the_right_fingerprint(team, vault_path, fast_kdf) -> None:
    admin, *_ = team
    invitation = admin.invite("Bob", "technician")
    other = Vault.open(vault_path)
    accepted = other.accept_invitation(invitation, BOB, kdf_params=fast_kdf)
    with pytest.raises(errors.VaultError, match="already used"):
        other.accept_invitation(invitation, BOB, kdf_params=fast_kdf)
    other.close()
    bob = Vault.open(vault_path)
    with pytest.raises(errors.AccessDeniedError, match="confirm"):
        bob.unlock(BOB, member_id=accepted.member_id)
    with pytest.raises(errors.VaultError, match="does not match"):
        admin.confirm_member(accepted.member_id, "0000 0000 0000 0000 0000")
    admin.confirm_member(accepted.member_id, accepted.fingerprint.upper())
    bob.unlock(BOB, member_id=accepted.member_id)
    assert {c.name for c in bob.clients()} == {"Contoso", "Fabrikam"}
    assert bob.member_state().role == "technician"
    bob.close()
    forged = Invitation(**{**invitation.__dict__, "code": "0" * 32})
    with pytest.raises(errors.VaultError, match="already used"):
        Vault.open(vault_path).accept_invitation(forged, BOB, kdf_params=fast_kdf)


def test_roles_see_exactly_their_scopes(team, vault_path, fast_kdf) -> None:
    admin, contoso, fabrikam, records = team
    client_admin = join(admin, vault_path, fast_kdf, "Carol", "client-admin", clients=["Contoso"])
    reader = join(admin, vault_path, fast_kdf, "Rita", "read-only", clients=["Fabrikam"])
    with as_member(vault_path, client_admin) as carol:
        assert [c.name for c in carol.clients()] == ["Contoso"]
        assert {r.id for r in carol.list_records()} == {records["contoso"].id}
        for forbidden in ("fabrikam", "internal"):
            with pytest.raises(errors.AccessDeniedError):
                carol.get_record(records[forbidden].id)
        made = carol.add_record(contoso.id, "contact", "Dr. Pat", {"email": "pat@contoso.example"})
        with pytest.raises(errors.AccessDeniedError):
            carol.add_record(fabrikam.id, "contact", "Nope")
    assert admin.get_record(made.id).author == client_admin
    with as_member(vault_path, reader) as rita:
        assert rita.get_record(records["fabrikam"].id).fields["password"] == "f"
        with pytest.raises(errors.AccessDeniedError, match="read-only"):
            rita.update_record(records["fabrikam"].id, title="changed")


def test_a_version_forged_by_a_read_only_member_reads_as_damaged(team, vault_path, fast_kdf):
    admin, _contoso, fabrikam, records = team
    reader = join(admin, vault_path, fast_kdf, "Rita", "read-only", clients=["Fabrikam"])
    with as_member(vault_path, reader) as rita:
        # Rita holds the Fabrikam key, so she can produce a valid ciphertext; the
        # vault must still refuse it because her role cannot write.
        rita._write(
            rita.get_record(records["fabrikam"].id).__class__(
                **{**rita.get_record(records["fabrikam"].id).__dict__, "title": "Forged"}
            ),
            rita._version_row(records["fabrikam"].id),
            trusted=True,
        )
    admin._forget_cache()
    with pytest.raises(errors.DamagedRecordError, match="without write access"):
        admin.get_record(records["fabrikam"].id)
    assert records["fabrikam"].id in admin.damaged or not admin.list_records(fabrikam.id)
    assert any(p.id == records["fabrikam"].id for p in admin.check().problems)


def test_revocation_rotates_and_later_records_are_beyond_old_keys(team, vault_path, fast_kdf):
    admin, contoso, _fabrikam, records = team
    bob_id = join(admin, vault_path, fast_kdf, "Bob", "technician")
    with as_member(vault_path, bob_id) as bob:
        for scope in bob.readable_scopes():
            bob._scope_key(scope, bob._current_key(scope)[0])
        stolen = dict(bob._ring()._scope_keys)
    assert len(stolen) >= 4
    moved = admin.revoke_member(bob_id)
    assert moved > 0 and admin.pending_rotation() == {}
    later = admin.add_record(contoso.id, "credential", "New admin", {"password": "after"})
    assert admin.check().ok
    from crypto import aead
    from crypto.errors import CryptoError
    from vault.versions import aad

    opened = 0
    for row in admin._conn.execute("SELECT * FROM versions").fetchall():
        for key in stolen.values():
            context = aad(
                admin.vault_id,
                row["scope_id"],
                row["record_id"],
                row["vid"],
                row["number"],
                row["key_version"],
            )
            try:
                aead.open_sealed(key, row["body"], context)
                opened += 1
            except CryptoError:
                pass
    assert opened == 0, "every version was re-encrypted beyond the leaver's keys"
    assert admin.get_record(later.id).fields["password"] == "after"
    assert admin.get_record(records["contoso"].id).fields["password"] == "c"
    with pytest.raises(errors.AccessDeniedError):
        as_member(vault_path, bob_id)
    assert [m.status for m in admin.members() if m.id == bob_id] == ["revoked"]


def test_rotation_resumes_after_a_crash(team, vault_path, fast_kdf, monkeypatch) -> None:
    admin, contoso, *_ = team
    for n in range(30):
        admin.add_record(contoso.id, "contact", f"Person {n}")
    bob_id = join(admin, vault_path, fast_kdf, "Bob", "technician")
    monkeypatch.setattr(rotation, "BATCH", 5)
    calls = {"n": 0}
    original = rotation.reseal

    def crash_after_some(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 12:
            raise KeyboardInterrupt("power cut")
        return original(*args, **kwargs)

    monkeypatch.setattr(rotation, "reseal", crash_after_some)
    with pytest.raises(KeyboardInterrupt):
        admin.revoke_member(bob_id)
    admin.close()
    monkeypatch.setattr(rotation, "reseal", original)
    again = Vault.open(vault_path)
    again.unlock(PASSPHRASE)
    assert again.pending_rotation()  # half done, and the vault still reads
    assert len(again.list_records(contoso.id)) == 31
    again.resume_rotation()
    assert again.pending_rotation() == {}
    assert again.check().ok
    assert [m.status for m in again.members() if m.id == bob_id] == ["revoked"]
    again.close()


def test_restricted_credentials(team, vault_path, fast_kdf) -> None:
    admin, contoso, *_ = team
    bob_id = join(admin, vault_path, fast_kdf, "Bob", "technician")
    secret = admin.add_record(contoso.id, "credential", "Break-glass", {"password": "bg"})
    moved = admin.restrict(secret.id, [])
    assert moved.scope_id != contoso.id
    with as_member(vault_path, bob_id) as bob:
        with pytest.raises(errors.AccessDeniedError):
            bob.get_record(secret.id)
        assert secret.id not in {r.id for r in bob.list_records()}
    assert admin.get_record(secret.id).fields["password"] == "bg"


def test_audit_log_and_leaver_report(team, vault_path, fast_kdf) -> None:
    admin, contoso, _fabrikam, records = team
    bob_id = join(admin, vault_path, fast_kdf, "Bob", "technician")
    with as_member(vault_path, bob_id) as bob:
        bob.log_event("reveal", records["fabrikam"].id, field="password")
        bob.log_event("copy", records["contoso"].id, field="password")
    events = [e.event for e in admin.audit_log()]
    for expected in ("unlock", "create", "member-invite", "member-confirm", "reveal", "copy"):
        assert expected in events
    assert [e.event for e in admin.audit_log(member=bob_id)] == ["unlock", "reveal", "copy"]
    assert {e.scope_id for e in admin.audit_log(client="Contoso")} == {contoso.id}
    assert admin.verify_audit() == []
    report = admin.leaver_report(bob_id)
    assert [r.id for r in report.touched] == [records["fabrikam"].id, records["contoso"].id]
    assert {r.id for r in report.readable} == set()
    admin.revoke_member(bob_id)
    assert "member-revoke" in [e.event for e in admin.audit_log()]
    assert admin.verify_audit() == []


@pytest.mark.parametrize("damage", ["remove", "reorder", "alter", "forge", "truncate"])
def test_audit_verify_detects_tampering(team, damage: str) -> None:
    admin, contoso, *_ = team
    for n in range(4):
        admin.add_record(contoso.id, "contact", f"P{n}")
    conn = admin._conn
    count = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    assert admin.verify_audit() == []
    if damage == "remove":
        conn.execute("DELETE FROM audit WHERE seq = 3")
    elif damage == "reorder":
        conn.execute("UPDATE audit SET member_seq = -1 WHERE member_seq = 3")
        conn.execute("UPDATE audit SET member_seq = 3 WHERE member_seq = 4")
        conn.execute("UPDATE audit SET member_seq = 4 WHERE member_seq = -1")
    elif damage == "alter":
        conn.execute("UPDATE audit SET created = '2020-01-01T00:00:00+00:00' WHERE seq = 2")
    elif damage == "forge":
        conn.execute(
            "UPDATE audit SET signature = (SELECT signature FROM audit WHERE seq = 1) WHERE seq = 2"
        )
    else:
        conn.execute("DELETE FROM audit WHERE seq = ?", (count,))
    assert admin.verify_audit(), damage


def test_continuity_recovery_kit_and_ownership(made, vault_path, fast_kdf) -> None:
    owner, recovery_key = made
    owner_id = owner.member_id
    admin_id = join(owner, vault_path, fast_kdf, "Dana", "admin")
    owner.close()
    # The owner has left; Dana holds the printed emergency kit.
    rescued = Vault.open(vault_path)
    rescued.unlock_with_recovery(recovery_key, member_id=owner_id)
    rescued.transfer_ownership(admin_id)
    rescued.close()
    with as_member(vault_path, admin_id) as dana:
        assert dana.member_state().role == "owner"
        dana.revoke_member(owner_id)
        assert dana.check().ok
        assert {m.id: m.role for m in dana.members()}[owner_id] == "admin"


def test_a_member_cannot_promote_themselves(team, vault_path, fast_kdf) -> None:
    admin, *_ = team
    bob_id = join(admin, vault_path, fast_kdf, "Bob", "technician")
    with as_member(vault_path, bob_id) as bob:
        me = bob.member_state()
        from dataclasses import replace

        bob._write_member(replace(me, role="owner"))
    admin._forget_cache()
    assert admin.directory().state(bob_id) is None  # the forged head does not verify
    assert bob_id not in {m.id for m in admin.members() if m.role == "owner"}
