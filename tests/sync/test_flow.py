"""Replicas exchanging work: joining, edits, deletes, conflicts, attachments, restrictions."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from vault import Vault, errors, sync
from vault.members import Invitation

from .conftest import World, passphrase, snapshot_of


def test_a_new_member_joins_through_webdav_end_to_end(dav_world: World, tmp_path: Path) -> None:
    alice = dav_world.owner()
    contoso = alice.add_client("Contoso")
    secret = alice.add_record(contoso.id, "credential", "Domain admin", {"password": "s3cret"})
    internal = alice.add_record(alice.internal_scope_id, "procedure", "Payroll", {"body": "x"})
    sync.sync(alice, dav_world.target)

    invitation = alice.invite("Bob", "technician")
    sync.sync(alice, dav_world.target)
    path = tmp_path / "bob.sitebook"
    sync.clone(dav_world.target, path)
    fresh = Vault.open(path)
    assert fresh.vault_id == alice.vault_id
    accepted = fresh.accept_invitation(
        Invitation.from_json(invitation.to_json()), passphrase("Bob"), kdf_params=dav_world.kdf
    )
    fresh.close()
    # Not confirmed yet: joining publishes the keys and says what is missing.
    with pytest.raises(errors.AccessDeniedError, match="confirm"):
        sync.join(path, dav_world.target, passphrase("Bob"))
    sync.sync(alice, dav_world.target)
    assert alice.pending_fingerprint(accepted.member_id) == accepted.fingerprint
    alice.confirm_member(accepted.member_id, accepted.fingerprint)
    sync.sync(alice, dav_world.target)

    bob = sync.join(path, dav_world.target, passphrase("Bob"))
    dav_world.replicas["Bob"] = bob
    assert bob.member_state().role == "technician"
    assert bob.get_record(secret.id).fields["password"] == "s3cret"
    assert bob.get_record(internal.id).title == "Payroll"
    assert [c.name for c in bob.clients()] == ["Contoso"]
    assert bob.name == "Northwind IT"
    assert bob.check().ok, bob.check().problems
    bob.update_record(secret.id, title="Domain admin (rotated)")
    dav_world.settle()
    assert alice.get_record(secret.id).title == "Domain admin (rotated)"
    assert alice.check().ok and bob.check().ok
    assert snapshot_of(alice) == snapshot_of(bob)
    assert {e.event for e in alice.audit_log(member=bob.member_id)} >= {"unlock", "edit"}
    assert alice.verify_audit() == [] and bob.verify_audit() == []


def test_concurrent_edits_become_a_conflict_with_both_versions(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    record = alice.add_record(contoso.id, "configuration", "srv-dc01", {"hostname": "dc01"})
    bob = world.join(alice, "Bob", "admin")
    alice.update_record(record.id, fields={"hostname": "dc01.alice"})
    bob.update_record(record.id, fields={"hostname": "dc01.bob"})
    world.settle()
    for vault in (alice, bob):
        found = vault.conflicts()
        assert [c.record_id for c in found] == [record.id]
        assert len(found[0].heads) == 2
        assert {h.author_name for h in found[0].heads} == {"Alice", "Bob"}
    assert snapshot_of(alice) == snapshot_of(bob)
    shown = alice.get_record(record.id).fields["hostname"]
    assert shown == bob.get_record(record.id).fields["hostname"]
    assert sync.read_status(alice).conflicts == 1

    # Keep the other one, resolved on Bob's replica; both see one head again.
    other = next(h for h in bob.conflicts()[0].heads if h.vid != bob.get_record(record.id).vid)
    resolved = bob.resolve_conflict(record.id, other.vid)
    assert resolved.fields["hostname"] != shown
    world.settle()
    assert alice.conflicts() == [] and bob.conflicts() == []
    assert alice.get_record(record.id).fields == resolved.fields
    head = alice._version_row(record.id)
    assert {head.parent_vid, head.merge_vid} == {h.vid for h in bob._versions(record.id)} & {
        head.parent_vid,
        head.merge_vid,
    }
    assert head.merge_vid is not None
    assert alice.check().ok and bob.check().ok
    assert snapshot_of(alice) == snapshot_of(bob)


def test_a_merged_resolution_and_three_way_conflicts(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    record = alice.add_record(contoso.id, "contact", "Pat", {"email": "pat@x.example"})
    bob = world.join(alice, "Bob", "technician")
    carol = world.join(alice, "Carol", "technician")
    for vault, phone in ((alice, "+1 555 0101"), (bob, "+1 555 0102"), (carol, "+1 555 0103")):
        vault.update_record(record.id, fields={"phone": phone})
    world.settle()
    assert len(alice.conflicts()[0].heads) == 3
    carol.resolve_conflict(record.id, merged={"phone": "+1 555 0100"})
    world.settle()
    for vault in (alice, bob, carol):
        assert vault.conflicts() == []
        assert vault.get_record(record.id).fields["phone"] == "+1 555 0100"
    with pytest.raises(errors.VaultError, match="no conflict"):
        alice.resolve_conflict(record.id)


def test_deletes_are_tombstones_and_delete_against_edit_conflicts(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    gone = alice.add_record(contoso.id, "contact", "Leaver")
    raced = alice.add_record(contoso.id, "contact", "Raced")
    bob = world.join(alice, "Bob", "admin")
    bob.delete(gone.id)
    alice.delete(raced.id)
    bob.update_record(raced.id, title="Raced (edited)")
    world.settle()
    for vault in (alice, bob):
        assert vault.get_record(gone.id).deleted
        assert gone.id not in {r.id for r in vault.list_records()}
        assert [c.record_id for c in vault.conflicts()] == [raced.id]
        assert len(vault.history(gone.id)) == 2
    assert snapshot_of(alice) == snapshot_of(bob)
    alice.undelete(gone.id)
    world.settle()
    assert not bob.get_record(gone.id).deleted


def test_sync_is_idempotent(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    for n in range(5):
        alice.add_record(contoso.id, "contact", f"P{n}")
    bob = world.join(alice, "Bob", "technician")
    before = snapshot_of(bob)
    report = sync.sync(bob, world.target)
    assert report.quiet and report.rejected == []
    # Forget every pack was applied: applying them all again changes nothing.
    bob._conn.execute("DELETE FROM sync_packs WHERE state = 'applied'")
    report = sync.sync(bob, world.target)
    assert report.applied and report.received == 0 and report.changed == 0
    assert snapshot_of(bob) == before
    assert bob.check().ok


def test_attachments_names_and_new_clients_travel(world: World, tmp_path: Path) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    record = alice.add_record(contoso.id, "configuration", "fw01")
    bob = world.join(alice, "Bob", "technician")
    payload = bytes(range(256)) * 9000  # a little over 2 MiB: three chunks
    added = alice.add_attachment(record.id, io.BytesIO(payload), "config.bin")
    alice.rename_client("Contoso", "Contoso Dental")
    fabrikam = alice.add_client("Fabrikam")
    later = alice.add_record(fabrikam.id, "contact", "Fab person")
    world.settle()
    assert b"".join(bob.read_attachment(added.id)) == payload
    assert bob.attachment(added.id).name == "config.bin"
    assert sorted(c.name for c in bob.clients()) == ["Contoso Dental", "Fabrikam"]
    assert bob.get_record(later.id).title == "Fab person"
    assert bob.check().ok, bob.check().problems


def test_a_restricted_credential_moves_for_the_named_members(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    secret = alice.add_record(contoso.id, "credential", "Break-glass", {"password": "bg"})
    bob = world.join(alice, "Bob", "admin")
    carol = world.join(alice, "Carol", "technician")
    moved = alice.restrict(secret.id, [bob.member_id])
    world.settle()
    assert bob.get_record(secret.id).scope_id == moved.scope_id
    assert bob.get_record(secret.id).fields["password"] == "bg"
    # Carol keeps the copy she could always read (rotate the secret all the same).
    assert carol.get_record(secret.id).scope_id == contoso.id
    assert moved.scope_id not in carol.readable_scopes()
    bob.update_record(secret.id, fields={"password": "bg2"})
    world.settle()
    assert alice.get_record(secret.id).fields["password"] == "bg2"
    assert alice.check().ok and bob.check().ok


def test_a_read_only_member_syncs_their_audit_entries(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    record = alice.add_record(contoso.id, "credential", "Router", {"password": "r"})
    rita = world.join(alice, "Rita", "read-only")
    rita.log_event("reveal", record.id, field="password")
    with pytest.raises(errors.AccessDeniedError):
        rita.update_record(record.id, title="nope")
    world.settle()
    assert "reveal" in [e.event for e in alice.audit_log(member=rita.member_id)]
    assert alice.verify_audit() == []
