"""Faults: killed uploads, cut downloads, damaged and misplaced packs, full and absent targets.

Each fault is either refused with a clear, typed error or recovered from by the
next sync, and no change is lost: rows stay in the outbox until their pack is
on the target, and a pack is applied whole or not at all.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from vault import Vault, errors, sync
from vault.sync.folder import FolderTarget
from vault.sync.targets import TargetSpec

from .conftest import World, passphrase, snapshot_of
from .davserver import PASSWORD, USER, DavServer

ROOT = Path(__file__).resolve().parents[2]
KILL_TIMEOUT = 60

CHILD = """
import sys
from vault import Vault, sync
from vault.sync.targets import TargetSpec
vault = Vault.open(sys.argv[1])
vault.unlock(sys.argv[2])
sync.sync(vault, TargetSpec(sys.argv[3], sys.argv[4], sys.argv[5]))
"""


def packs_in(folder: Path) -> list[Path]:
    """Every visible pack file under a target folder."""
    return sorted(p for p in folder.rglob("*.pack") if not p.name.startswith("."))


def test_a_sync_killed_mid_upload_leaves_no_half_pack_and_resumes(
    dav_world: World, dav: DavServer, tmp_path: Path
) -> None:
    alice = dav_world.owner()
    contoso = alice.add_client("Contoso")
    bob = dav_world.join(alice, "Bob", "technician")
    made = [alice.add_record(contoso.id, "contact", f"Person {n}").id for n in range(40)]
    alice_path = alice.path
    dav_world.replicas.pop("Alice").close()
    before = packs_in(dav.root)
    release = threading.Event()
    dav.faults.hold_put = release
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(alice_path),
            passphrase("Alice"),
            dav.url,
            USER,
            PASSWORD,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert dav.faults.put_started.wait(KILL_TIMEOUT), "the upload never started"
        child.send_signal(signal.SIGKILL)
        child.wait(KILL_TIMEOUT)
    finally:
        release.set()
        dav.faults.hold_put = None
        if child.poll() is None:
            child.kill()
    assert packs_in(dav.root) == before  # a reader never sees half a pack
    again = Vault.open(alice_path)
    again.unlock(passphrase("Alice"))
    dav_world.replicas["Alice"] = again
    assert sync.read_status(again).pending_changes > 0  # nothing was marked sent
    dav_world.settle()
    assert {r.id for r in bob.list_records(contoso.id)} == set(made)
    assert not [p for p in dav.root.rglob("*.tmp")], "the interrupted upload's temp file stays"
    assert snapshot_of(again) == snapshot_of(bob)


def test_a_server_stopping_mid_download_is_resumed(dav_world: World, dav: DavServer) -> None:
    alice = dav_world.owner()
    contoso = alice.add_client("Contoso")
    bob = dav_world.join(alice, "Bob", "technician")
    record = alice.add_record(contoso.id, "configuration", "nas01")
    payload = os.urandom(3 * 1024 * 1024)
    alice.add_attachment(record.id, io.BytesIO(payload), "backup.img")
    sync.sync(alice, dav_world.target)
    before = snapshot_of(bob)
    dav.faults.cut_get = 1024 * 1024
    with pytest.raises(errors.SyncTargetUnavailableError, match="Cannot reach") as caught:
        sync.sync(bob, dav_world.target)
    assert "kept" in str(caught.value)
    assert sync.read_status(bob).last_error == str(caught.value)
    assert snapshot_of(bob) == before  # nothing half-applied
    dav.stop()
    with pytest.raises(errors.SyncTargetUnavailableError, match="refused"):
        sync.sync(bob, dav_world.target)
    dav.faults.cut_get = None
    dav.faults.requests.clear()
    dav.start()
    sync.sync(bob, dav_world.target)
    ranges = [r for method, path, r in dav.faults.requests if method == "GET" and r]
    assert any(r.startswith("bytes=") and not r.startswith("bytes=0-") for r in ranges), ranges
    attachment = bob.attachments(record.id)[0]
    assert b"".join(bob.read_attachment(attachment.id)) == payload
    assert sync.read_status(bob).last_error is None


def test_damaged_misplaced_and_replayed_packs(world: World, tmp_path: Path) -> None:
    share = Path(world.target)  # type: ignore[arg-type]
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    fabrikam = alice.add_client("Fabrikam")
    bob = world.join(alice, "Bob", "admin")
    folder = share / alice.vault_id / "scopes" / contoso.id
    made = []
    for n in range(3):
        made.append(alice.add_record(contoso.id, "contact", f"P{n}").id)
        sync.sync(alice, world.target)
    mine = sorted(folder.glob(f"{alice.member_id}-*.pack"), key=lambda p: int(p.stem.split("-")[1]))
    last3 = mine[-3:]
    originals = {p: p.read_bytes() for p in last3}
    first, second, third = last3
    # truncated (as a half-synchronised cloud folder shows it), tampered body,
    # tampered header, and two packs swapped under each other's names
    first.write_bytes(originals[first][:-100])
    body = bytearray(originals[second])
    body[-10] ^= 1
    second.write_bytes(bytes(body))
    header = bytearray(originals[third])
    header[40] ^= 1
    third.write_bytes(bytes(header))
    # a pack replayed into another client's folder, and one copied under a new name
    other = share / alice.vault_id / "scopes" / fabrikam.id
    shutil.copy(mine[0], other / f"{alice.member_id}-999.pack")
    first.with_name(f"{alice.member_id}-500.pack").write_bytes(originals[first])

    report = sync.sync(bob, world.target)
    reasons = sorted(r for _, r in report.rejected)
    assert any("truncated or altered" in r for r in reasons), reasons
    assert any("moved here from another scope" in r for r in reasons), reasons
    assert any("not a Sitebook pack" in r or "malformed" in r or "signature" in r for r in reasons)
    assert [r for _, r in report.rejected if "altered" in r]
    status = sync.read_status(bob)
    assert len(status.rejected) == len(report.rejected) >= 4
    assert made[0] in {r.id for r in bob.list_records()}  # the renamed copy was recovered

    # the storage finishes writing the real files: the next sync takes them
    for path, data in originals.items():
        path.write_bytes(data)
    sync.sync(bob, world.target)
    assert set(made) <= {r.id for r in bob.list_records()}
    assert bob.check().ok
    assert snapshot_of(alice) == snapshot_of(bob)


def test_packs_applied_in_any_order_give_the_same_replica(world: World, tmp_path: Path) -> None:
    share = Path(world.target)  # type: ignore[arg-type]
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    record = alice.add_record(contoso.id, "contact", "Pat")
    bob = world.join(alice, "Bob", "admin")
    carol = world.join(alice, "Carol", "technician")
    world.settle()
    before = set(packs_in(share))
    for n in range(4):
        alice.update_record(record.id, title=f"Pat {n}")
        sync.sync(alice, world.target)
        bob.update_record(record.id, title=f"Pat b{n}")
        sync.sync(bob, world.target)
    new = sorted(set(packs_in(share)) - before, key=lambda p: p.stat().st_mtime_ns)
    assert len(new) >= 8
    # Carol's storage delivers the newest half first, the older half later.
    delivery = tmp_path / "delivery"
    shutil.copytree(share, delivery)
    for pack in new:
        (delivery / pack.relative_to(share)).unlink()
    half = len(new) // 2
    for batch in (new[half:], new[:half]):
        for pack in batch:
            shutil.copy(pack, delivery / pack.relative_to(share))
        sync.sync(carol, str(delivery))
    world.settle(alice, bob)
    assert snapshot_of(carol) == snapshot_of(alice)
    assert carol.check().ok, carol.check().problems


def test_a_full_folder_and_a_full_webdav_server(
    world: World, dav: DavServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    bob = world.join(alice, "Bob", "technician")
    made = alice.add_record(contoso.id, "contact", "Written while full")

    def full(self: FolderTarget, path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FolderTarget, "_write_file", full)
    with pytest.raises(errors.SyncTargetFullError, match="full") as caught:
        sync.sync(alice, world.target)
    assert "kept" in str(caught.value)
    assert sync.read_status(alice).last_error == str(caught.value)
    assert sync.read_status(alice).pending_changes > 0
    monkeypatch.undo()
    world.settle()
    assert bob.get_record(made.id).title == "Written while full"

    # The same over WebDAV: 507 Insufficient Storage, then room again.
    webdav = TargetSpec(dav.url, USER, PASSWORD)
    carol = Vault.create(
        world.root / "carol.sitebook",
        name="Elsewhere",
        owner="Carol",
        passphrase=passphrase("Carol"),
        kdf_params=world.kdf,
    )[0]
    world.replicas["Carol"] = carol
    dav.faults.full = True
    with pytest.raises(errors.SyncTargetFullError, match="full"):
        sync.sync(carol, webdav)
    assert not packs_in(dav.root)
    assert sync.read_status(carol).pending_changes > 0
    dav.faults.full = False
    report = sync.sync(carol, webdav)
    assert report.pushed and not report.rejected
    assert sync.read_status(carol).pending_changes == 0


def test_unreachable_targets_and_wrong_passwords(
    world: World, dav: DavServer, tmp_path: Path
) -> None:
    alice = world.owner()
    with pytest.raises(errors.SyncTargetUnavailableError, match="not mounted"):
        sync.sync(alice, str(tmp_path / "no-such-share"))
    with pytest.raises(errors.SyncAuthError, match="user name or password"):
        sync.sync(alice, TargetSpec(dav.url, USER, "wrong"))
    with pytest.raises(errors.SyncError, match="No sync target"):
        sync.sync(alice)
    dav.stop()
    with pytest.raises(errors.SyncTargetUnavailableError, match="refused"):
        sync.sync(alice, TargetSpec(dav.url, USER, PASSWORD))
    assert "refused" in (sync.read_status(alice).last_error or "")
