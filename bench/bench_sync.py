"""Sync benchmark: 10,000 changes from one replica to another, and a new replica's first sync.

Prints, for a folder target and for WebDAV on loopback (wsgidav), how long
10,000 changes made on replica A take to be visible on replica B (A's sync plus
B's sync; target <= 5 s for a folder); a new replica's first sync after a
history of SITEBOOK_BENCH_SYNCS small syncs (default 365), from packs and from
snapshots; then builds a demo vault of SITEBOOK_BENCH_RECORDS records (default
100000; the demo builder writes about 1,700 records/s), pushes it, and times a
new member's first sync (``sync.join``, unlock included) from packs alone and
from snapshots (``sync compact``). Peak RSS is printed at the end.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crypto.kdf import KdfParams  # noqa: E402
from tests.sync.conftest import World, passphrase  # noqa: E402
from tests.sync.davserver import PASSWORD, USER, DavServer  # noqa: E402
from vault import Vault, sync  # noqa: E402
from vault.demo import build_demo  # noqa: E402
from vault.members import Invitation  # noqa: E402
from vault.sync.targets import TargetSpec  # noqa: E402

CHANGES = 10_000
KDF = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)


def _mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1048576


def changes(root: Path, target: TargetSpec | str, label: str, share: Path) -> None:
    world = World(root, target, KDF)
    try:
        alice = world.owner()
        clients = [alice.add_client(f"Client {n}").id for n in range(10)]
        bob = world.join(alice, "Bob", "admin")
        with alice.bulk("import", None, source="bench"):
            for n in range(CHANGES // 2):
                record = alice.add_record(clients[n % 10], "contact", f"Person {n}")
                alice.update_record(record.id, fields={"role": f"Role {n}"})
        before = _mib(share)
        start = time.perf_counter()
        pushed = sync.sync(alice, target)
        sent = time.perf_counter() - start
        pulled = sync.sync(bob, target)
        total = time.perf_counter() - start
        assert pulled.received >= CHANGES, pulled.received
        print(
            f"{label}: {CHANGES:,} changes A->B in {total:.2f} s "
            f"(A sync {sent:.2f} s, {len(pushed.pushed)} packs, {_mib(share) - before:.1f} MiB; "
            f"B sync {total - sent:.2f} s, {pulled.received:,} versions)"
        )
    finally:
        world.close()


def _timed_join(world: World, admin: Vault, name: str) -> tuple[Vault, float]:
    """Invite, clone, accept and confirm (untimed); time the new replica's first sync."""
    invitation = admin.invite(name, "technician")
    sync.sync(admin, world.target)
    path = world.root / f"{name.lower()}.sitebook"
    sync.clone(world.target, path)
    fresh = Vault.open(path)
    accepted = fresh.accept_invitation(
        Invitation.from_json(invitation.to_json()), passphrase(name), kdf_params=KDF
    )
    target = sync.open_target(world.target)
    sync.announce(fresh, target)
    target.close()
    fresh.close()
    sync.sync(admin, world.target)
    admin.confirm_member(accepted.member_id, accepted.fingerprint)
    sync.sync(admin, world.target)
    start = time.perf_counter()
    vault = sync.join(path, world.target, passphrase(name))
    seconds = time.perf_counter() - start
    world.replicas[name] = vault
    return vault, seconds


def first_sync(root: Path, records: int) -> None:
    share = root / "share"
    share.mkdir()
    world = World(root, str(share), KDF)
    try:
        alice = world.owner()
        start = time.perf_counter()
        build_demo(alice, records=records, seed=1)
        built = time.perf_counter() - start
        start = time.perf_counter()
        report = sync.sync(alice, str(share))
        pushed = time.perf_counter() - start
        print(
            f"demo vault of {records:,} records built in {built:.1f} s; first push "
            f"{pushed:.1f} s ({len(report.pushed)} packs, {_mib(share):.1f} MiB)"
        )
        _carol, seconds = _timed_join(world, alice, "Carol")
        print(f"new replica, first sync from packs:     {seconds:.1f} s (unlock included)")
        target = sync.open_target(str(share))
        start = time.perf_counter()
        written = sync.compact(alice, target, prune=True)
        target.close()
        compacted = time.perf_counter() - start
        size = _mib(share)
        print(f"compact: {len(written)} snapshots in {compacted:.1f} s, share now {size:.1f} MiB")
        dave, seconds = _timed_join(world, alice, "Dave")
        print(
            f"new replica, first sync from snapshots: {seconds:.1f} s "
            f"({dave.count_records():,} records readable)"
        )
    finally:
        world.close()


def long_history(root: Path, syncs: int) -> None:
    """Many small packs (a year of daily syncs): what snapshots are for."""
    share = root / "share"
    share.mkdir()
    world = World(root, str(share), KDF)
    try:
        alice = world.owner()
        client = alice.add_client("Contoso").id
        made = [alice.add_record(client, "contact", f"Person {n}").id for n in range(50)]
        for n in range(syncs):
            alice.update_record(made[n % 50], fields={"role": f"Role {n}"})
            sync.sync(alice, str(share))
        packs = len(list(share.rglob("*.pack")))
        _carol, from_packs = _timed_join(world, alice, "Carol")
        target = sync.open_target(str(share))
        sync.compact(alice, target, prune=True)
        target.close()
        _dave, from_snapshots = _timed_join(world, alice, "Dave")
        print(
            f"history of {syncs} syncs ({packs} packs): new replica's first sync "
            f"{from_packs:.1f} s from packs, {from_snapshots:.1f} s from snapshots"
        )
    finally:
        world.close()


def main() -> None:
    records = int(os.environ.get("SITEBOOK_BENCH_RECORDS", "100000"))
    base = Path(tempfile.mkdtemp(prefix="sitebook-bench-sync-"))
    try:
        share = base / "folder" / "share"
        share.mkdir(parents=True)
        changes(base / "folder", str(share), "folder", share)
        server = DavServer(base / "dav-root").start()
        try:
            (base / "dav").mkdir()
            spec = TargetSpec(server.url, USER, PASSWORD)
            changes(base / "dav", spec, "webdav (loopback)", server.root)
        finally:
            server.stop()
        (base / "history").mkdir()
        long_history(base / "history", int(os.environ.get("SITEBOOK_BENCH_SYNCS", "365")))
        (base / "big").mkdir()
        first_sync(base / "big", records)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
