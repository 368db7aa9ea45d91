"""Members, key rotations and revocations travel through packs like everything else."""

from __future__ import annotations

import pytest

from crypto import aead
from crypto.errors import CryptoError
from vault import Vault, errors, sync
from vault.versions import aad

from .conftest import World, snapshot_of


def stolen_keys(vault: Vault) -> list[bytes]:
    """Every scope key version a member can unwrap on their replica right now."""
    found = []
    for scope_id, version in vault._conn.execute(
        "SELECT scope_id, key_version FROM scope_keys WHERE member_id = ?", (vault.member_id,)
    ).fetchall():
        try:
            found.append(vault._scope_key(scope_id, version))
        except errors.VaultError:
            continue
    return found


def opens(vault: Vault, record_id: str, keys: list[bytes]) -> bool:
    """Whether any of the keys decrypts the record's head as stored on this replica."""
    row = vault._version_row(record_id)
    context = aad(vault.vault_id, row.scope_id, row.record_id, row.vid, row.number, row.key_version)
    for key in keys:
        try:
            aead.open_sealed(key, row.body, context)
            return True
        except CryptoError:
            continue
    return False


def current_holders(vault: Vault, scope_id: str) -> set[str]:
    version = vault._conn.execute(
        "SELECT key_version FROM scopes WHERE id = ?", (scope_id,)
    ).fetchone()[0]
    return {
        r[0]
        for r in vault._conn.execute(
            "SELECT member_id FROM scope_keys WHERE scope_id = ? AND key_version = ?",
            (scope_id, version),
        )
    }


def test_a_revocation_travels_and_an_edit_made_after_it_is_refused(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    old = alice.add_record(contoso.id, "credential", "Firewall", {"password": "fw"})
    bob = world.join(alice, "Bob", "technician")
    mallory = world.join(alice, "Mallory", "technician")
    mallory.update_record(old.id, fields={"notes": "before she left"})
    world.settle()
    keys = stolen_keys(mallory)
    assert keys
    mallory_id = mallory.member_id

    alice.revoke_member(mallory_id)
    sync.sync(alice, world.target)
    # Mallory has not heard yet and writes; her pack is signed after her revocation.
    mallory.update_record(old.id, fields={"notes": "after she left"})
    report = sync.sync(mallory, world.target)
    assert report.pushed  # it left her replica, and nobody will take it
    assert any("may have been removed" in w for w in report.warnings)
    world.replicas.pop("Mallory").close()
    world.settle()

    for vault in (alice, bob):
        assert vault.get_record(old.id).fields["notes"] == "before she left"
        status = sync.read_status(vault)
        assert status.rejected == []  # the pack itself is genuine...
        # ...but the edit in it, and its audit entry, are refused and kept aside
        refused = {(r["kind"], r["author"]): r["reason"] for r in status.refused}
        assert set(refused) == {("version", mallory_id), ("audit", mallory_id)}
        assert "no write access" in refused[("version", mallory_id)]
        assert vault.pending_rotation().get(contoso.id) is None
        assert mallory_id not in current_holders(vault, contoso.id)
        assert vault.check().ok, vault.check().problems
    later = bob.add_record(contoso.id, "credential", "New firewall", {"password": "new"})
    world.settle()
    assert not opens(alice, later.id, keys)
    assert not opens(alice, old.id, keys)  # re-encrypted on every replica
    assert not opens(bob, old.id, keys)
    assert snapshot_of(alice) == snapshot_of(bob)


def test_two_admins_revoking_at_once_leave_neither_leaver_a_current_key(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    record = alice.add_record(contoso.id, "credential", "VPN", {"password": "v"})
    bob = world.join(alice, "Bob", "admin")
    carol = world.join(alice, "Carol", "technician")
    m1 = world.join(alice, "Mel", "technician")
    m2 = world.join(alice, "Max", "technician")
    world.settle()
    keys = stolen_keys(m1) + stolen_keys(m2)
    mel, max_ = m1.member_id, m2.member_id
    leavers = {mel, max_}
    world.replicas.pop("Mel").close()
    world.replicas.pop("Max").close()
    alice.revoke_member(mel)  # each admin unaware of the other
    bob.revoke_member(max_)
    world.settle()
    for vault in (alice, bob, carol):
        for scope_id in (contoso.id, vault.internal_scope_id, vault.shared_scope_id):
            holders = current_holders(vault, scope_id)
            assert not holders & leavers, scope_id
            assert {alice.member_id, bob.member_id, carol.member_id} <= holders
        assert vault.get_record(record.id).fields["password"] == "v"
        assert vault.check().ok, vault.check().problems
    later = carol.add_record(contoso.id, "credential", "After both", {"password": "a"})
    world.settle()
    for vault in (alice, bob, carol):
        assert not opens(vault, later.id, keys)
        assert not opens(vault, record.id, keys)
    assert snapshot_of(alice) == snapshot_of(bob) == snapshot_of(carol)


def test_a_role_change_travels_and_lost_clients_stay_closed(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    fabrikam = alice.add_client("Fabrikam")
    carol = world.join(alice, "Carol", "technician")
    alice.set_role(carol.member_id, "client-admin", clients=["Fabrikam"])
    world.settle()
    assert carol.member_state().role == "client-admin"
    assert carol.readable_scopes() & {contoso.id, alice.internal_scope_id} == set()
    secret = alice.add_record(contoso.id, "credential", "Contoso only", {"password": "c"})
    fab = alice.add_record(fabrikam.id, "contact", "Fab contact")
    world.settle()
    with pytest.raises((errors.AccessDeniedError, errors.NotFoundError)):
        carol.get_record(secret.id)  # never arrives: its pack is sealed beyond her keys
    assert carol.get_record(fab.id).title == "Fab contact"
    waiting = sync.read_status(carol).waiting
    assert waiting >= 1  # Contoso's new pack: on the target, but not for her


def test_a_member_joining_after_a_rotation_reads_the_whole_history(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    early = alice.add_record(contoso.id, "procedure", "Onboarding", {"body": "v1"})
    mallory = world.join(alice, "Mallory", "technician").member_id
    world.replicas.pop("Mallory").close()
    alice.revoke_member(mallory)
    alice.update_record(early.id, fields={"body": "v2"})
    sync.sync(alice, world.target)
    dave = world.join(alice, "Dave", "technician")
    assert [v.title for v in dave.history(early.id)] == ["Onboarding", "Onboarding"]
    assert dave.get_record(early.id, 1).fields["body"] == "v1"
    assert dave.get_record(early.id).fields["body"] == "v2"
    assert dave.check().ok, dave.check().problems
