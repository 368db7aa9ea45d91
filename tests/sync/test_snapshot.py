"""Snapshots: a new replica loads one pack per scope instead of the whole history."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault import errors, sync
from vault.sync import snapshot

from .conftest import World, snapshot_of


def _history(world: World, rounds: int = 6):
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    record = alice.add_record(contoso.id, "procedure", "Runbook", {"body": "v0"})
    for n in range(rounds):
        alice.update_record(record.id, fields={"body": f"v{n + 1}"})
        alice.add_record(contoso.id, "contact", f"Person {n}")
        sync.sync(alice, world.target)
    return alice, contoso, record


def test_a_new_member_loads_snapshots_instead_of_every_pack(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot, "WORTH", 2)
    alice, _contoso, record = _history(world)
    target = sync.open_target(world.target)
    written = sync.compact(alice, target)
    target.close()
    assert len(written) == 3  # shared, provider internal, Contoso
    dave = world.join(alice, "Dave", "technician")
    applied = [
        r[0] for r in dave._conn.execute("SELECT path FROM sync_packs WHERE state = 'applied'")
    ]
    assert any(p.endswith(".snap") for p in applied)
    covered = dave._conn.execute(
        "SELECT count(*) FROM sync_packs WHERE state = 'covered'"
    ).fetchone()[0]
    assert covered >= 6  # the Contoso packs it did not have to fetch
    assert dave.get_record(record.id).fields["body"] == "v6"
    assert len(dave.history(record.id)) == 7
    assert dave.check().ok, dave.check().problems
    world.settle()
    assert snapshot_of(dave) == snapshot_of(alice)


def test_pruned_history_reaches_a_replica_that_was_offline(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    bob = world.join(alice, "Bob", "admin")
    made = []
    for n in range(4):
        made.append(alice.add_record(contoso.id, "contact", f"P{n}").id)
        sync.sync(alice, world.target)
    target = sync.open_target(world.target)
    sync.compact(alice, target, [contoso.id], prune=True)
    target.close()
    share = Path(world.target)  # type: ignore[arg-type]
    left = list((share / alice.vault_id / "scopes" / contoso.id).glob("*.pack"))
    assert left == []
    report = sync.sync(bob, world.target)  # Bob was offline for all of it
    assert any(p.endswith(".snap") for p in report.applied)
    assert set(made) <= {r.id for r in bob.list_records(contoso.id)}
    assert snapshot_of(bob) == snapshot_of(alice)
    bob.add_record(contoso.id, "contact", "After the snapshot")
    world.settle()
    assert snapshot_of(bob) == snapshot_of(alice)


def test_only_owners_and_admins_compact_and_damaged_snapshots_are_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot, "WORTH", 0)
    alice, contoso, record = _history(world, rounds=2)
    tech = world.join(alice, "Tina", "technician")
    target = sync.open_target(world.target)
    with pytest.raises(errors.AccessDeniedError, match="owner or admin"):
        sync.compact(tech, target)
    written = sync.compact(alice, target, [contoso.id])
    target.close()
    share = Path(world.target)  # type: ignore[arg-type]
    snap = share / written[0]
    data = bytearray(snap.read_bytes())
    data[-5] ^= 1
    snap.write_bytes(bytes(data))
    dave = world.join(alice, "Dave", "technician")
    status = sync.read_status(dave)
    assert [r["path"] for r in status.rejected] == [written[0]]
    assert "altered" in status.rejected[0]["reason"]
    assert dave.get_record(record.id).fields["body"] == "v2"  # from the packs instead
