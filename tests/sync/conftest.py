"""Fixtures for sync tests: a real WebDAV server, a folder target, and replicas that join.

``dav`` starts wsgidav on 127.0.0.1 on a free port for one test and stops it
afterwards. :class:`World` makes replicas the way people do: the owner creates
a vault; every other member gets their own file through ``sync.clone``, accepts
the invitation there, and is confirmed by an admin through the target.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from vault import Vault, sync
from vault.members import Invitation
from vault.sync.targets import TargetSpec

from .davserver import PASSWORD, USER, DavServer


def passphrase(name: str) -> str:
    """Each test member's passphrase."""
    return f"{name.lower()} passphrase"


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[DavServer]:
    """A WebDAV server for this test only."""
    server = DavServer(tmp_path / "dav-root").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dav_target(dav: DavServer) -> TargetSpec:
    """The test server as a sync target, with its user name and password."""
    return TargetSpec(dav.url, USER, PASSWORD)


@pytest.fixture
def folder_target(tmp_path: Path) -> str:
    """An empty folder as a sync target."""
    folder = tmp_path / "share"
    folder.mkdir()
    return str(folder)


@dataclass
class World:
    """Replicas of one vault in temp folders, syncing through one target."""

    root: Path
    target: TargetSpec | str
    kdf: KdfParams
    replicas: dict[str, Vault] = field(default_factory=dict)

    def owner(self, name: str = "Alice") -> Vault:
        """Create the vault (the owner's replica)."""
        vault, _ = Vault.create(
            self.root / f"{name.lower()}.sitebook",
            name="Northwind IT",
            owner=name,
            passphrase=passphrase(name),
            kdf_params=self.kdf,
        )
        self.replicas[name] = vault
        return vault

    def join(self, admin: Vault, name: str, role: str, **kw: object) -> Vault:
        """Invite ``name`` on ``admin``'s replica and bring up their own replica."""
        invitation = admin.invite(name, role, **kw)  # type: ignore[arg-type]
        sync.sync(admin, self.target)
        path = self.root / f"{name.lower()}.sitebook"
        sync.clone(self.target, path)
        fresh = Vault.open(path)
        accepted = fresh.accept_invitation(
            Invitation.from_json(invitation.to_json()), passphrase(name), kdf_params=self.kdf
        )
        target = sync.open_target(self.target)
        sync.announce(fresh, target)
        target.close()
        fresh.close()
        sync.sync(admin, self.target)
        assert admin.pending_fingerprint(accepted.member_id) == accepted.fingerprint
        admin.confirm_member(accepted.member_id, accepted.fingerprint)
        sync.sync(admin, self.target)
        vault = sync.join(path, self.target, passphrase(name))
        self.replicas[name] = vault
        return vault

    def settle(self, *vaults: Vault, rounds: int = 4) -> None:
        """Sync every given replica (default: all) until a full round is quiet."""
        chosen = list(vaults or self.replicas.values())
        for _ in range(rounds):
            if all([sync.sync(v, self.target).quiet for v in chosen]):
                return
        raise AssertionError("replicas did not settle")

    def close(self) -> None:
        """Close every replica."""
        for vault in self.replicas.values():
            vault.close()


@pytest.fixture
def world(tmp_path: Path, folder_target: str, fast_kdf: KdfParams) -> Iterator[World]:
    """Replicas syncing through a folder."""
    made = World(tmp_path, folder_target, fast_kdf)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def dav_world(tmp_path: Path, dav_target: TargetSpec, fast_kdf: KdfParams) -> Iterator[World]:
    """Replicas syncing through the WebDAV server."""
    made = World(tmp_path, dav_target, fast_kdf)
    try:
        yield made
    finally:
        made.close()


def snapshot_of(vault: Vault, scopes: set[str] | None = None) -> dict:
    """What must be equal on every replica: heads, conflicts, versions, decrypted heads."""
    readable = vault.readable_scopes() if scopes is None else scopes
    conn = vault._conn
    records = {
        r[0]: (r[1], r[2], r[3], r[4], r[5])
        for r in conn.execute("SELECT id, scope_id, head, head_vid, deleted, conflict FROM records")
        if r[1] in readable
    }
    versions = {
        r[0]: tuple(r[1:])
        for r in conn.execute(
            "SELECT vid, record_id, number, parent_vid, merge_vid, author, created, scope_id "
            "FROM versions"
        )
        if r[7] in readable
    }
    contents = {}
    for record_id in records:
        record = vault.get_record(record_id)
        contents[record_id] = (record.title, record.fields, record.tags, record.deleted)
    return {"records": records, "versions": versions, "contents": contents}
