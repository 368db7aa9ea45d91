"""Random edits, deletes and member changes on four replicas over a real WebDAV server.

A hypothesis state machine drives four replicas of one vault: Alice (owner),
Bob (admin), Carol (technician, whose role the admins change at random) and Dave
(technician, whom an admin may remove). Each step edits, deletes, restores or
syncs on one replica, or changes a member. After settling (every replica syncs
until a whole round is quiet) every pair of replicas must agree on the records
they can both read: the same versions, heads, deleted flags, conflicts and
decrypted contents; and no legitimate edit may be missing anywhere. Edits a
member made after losing the right to make them (the replica did not know yet)
must be refused everywhere else.

The replicas are built once (joining costs key derivations) and copied for each
example, with the target's folder copied onto the WebDAV server.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from crypto.kdf import KdfParams
from vault import Vault, errors, sync
from vault.sync.targets import TargetSpec

from .conftest import World, passphrase, snapshot_of
from .davserver import PASSWORD, USER, DavServer

NAMES = ("Alice", "Bob", "Carol", "Dave")
SETTLE_ROUNDS = 8
FULL = os.environ.get("SITEBOOK_RELIABILITY") == "full"
# Modest in CI (about half a minute); SITEBOOK_RELIABILITY=full explores far more.
MACHINE = settings(
    max_examples=60 if FULL else 8,
    stateful_step_count=40 if FULL else 20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CAROL_ROLES = (("technician", None), ("technician", ["Contoso"]), ("read-only", None))


@dataclass
class Template:
    """The four replicas, built once, closed, and copied for every example."""

    folder: Path
    ids: dict[str, str]
    clients: dict[str, str]
    carol_since: str


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    root = tmp_path_factory.mktemp("machine-template")
    share = root / "share"
    share.mkdir()
    world = World(root, str(share), KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4))
    alice = world.owner()
    clients = {name: alice.add_client(name).id for name in ("Contoso", "Fabrikam")}
    for name, scope in clients.items():
        alice.add_record(scope, "contact", f"{name} contact")
    alice.add_record(alice.internal_scope_id, "procedure", "Payroll", {"body": "x"})
    world.join(alice, "Bob", "admin")
    carol = world.join(alice, "Carol", "technician")
    world.join(alice, "Dave", "technician")
    world.settle()
    ids = {name: vault.member_id for name, vault in world.replicas.items()}
    since = carol.member_state().since
    world.close()
    return Template(root, ids, clients, since)


@dataclass
class Edit:
    """One version a replica wrote, and whether its author could write it then."""

    vid: str
    record_id: str
    replica: str
    scope_id: str
    created: str


@dataclass
class Model:
    """What the replicas should agree on."""

    carol: list[tuple[str, str, frozenset[str] | None]] = field(default_factory=list)
    dave_removed: str | None = None
    edits: list[Edit] = field(default_factory=list)


def test_replicas_converge_and_lose_nothing(
    template: Template, tmp_path: Path, fast_kdf: KdfParams
) -> None:
    server = DavServer(tmp_path / "dav").start()
    counter = {"example": 0}
    try:
        _run(template, server, counter)
    finally:
        server.stop()


def _run(template: Template, server: DavServer, counter: dict[str, int]) -> None:
    ids, clients = template.ids, template.clients

    class Replicas(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            counter["example"] += 1
            name = f"ex{counter['example']}"
            self.dir = server.root.parent / name
            shutil.copytree(template.folder / "share", server.root / name)
            shutil.copytree(template.folder, self.dir, ignore=shutil.ignore_patterns("share"))
            self.target = TargetSpec(f"{server.url}{name}/", USER, PASSWORD)
            self.vaults: dict[str, Vault] = {}
            for person in NAMES:
                vault = Vault.open(self.dir / f"{person.lower()}.sitebook")
                vault.unlock(passphrase(person))
                self.vaults[person] = vault
            self.model = Model(carol=[(template.carol_since, "technician", None)])
            self.scopes = [*clients.values(), self.vaults["Alice"].internal_scope_id]
            self.titles = 0

        # ------------------------------------------------------------ helpers

        def _legit(self, edit: Edit) -> bool:
            if edit.replica in ("Alice", "Bob"):
                return True
            if edit.replica == "Dave":
                removed = self.model.dave_removed
                return removed is None or edit.created < removed
            role, allowed = "technician", None
            for since, r, c in sorted(self.model.carol):
                if since <= edit.created:
                    role, allowed = r, c
            if role == "read-only":
                return False
            return (
                allowed is None
                or edit.scope_id not in clients.values()
                or (edit.scope_id in allowed)
            )

        def _track(self, replica: str, vault: Vault, record_id: str) -> None:
            row = vault._version_row(record_id)
            self.model.edits.append(Edit(row.vid, record_id, replica, row.scope_id, row.created))

        def _live(self, record_id: str, vault: Vault) -> bool:
            return record_id in {r.id for r in vault.list_records(include_deleted=True)}

        def _pick(self, vault: Vault, pick: int, *, deleted: bool | None = None):
            found = [
                r
                for r in vault.list_records(include_deleted=True)
                if r.scope_id in self.scopes and (deleted is None or r.deleted == deleted)
            ]
            return found[pick % len(found)] if found else None

        # ------------------------------------------------------------ rules

        @rule(replica=st.sampled_from(NAMES), scope=st.integers(0, 2))
        def add(self, replica: str, scope: int) -> None:
            vault = self.vaults[replica]
            self.titles += 1
            try:
                made = vault.add_record(self.scopes[scope], "contact", f"Added {self.titles}")
            except errors.AccessDeniedError:
                return
            self._track(replica, vault, made.id)

        @rule(replica=st.sampled_from(NAMES), pick=st.integers(0, 10**6))
        def edit(self, replica: str, pick: int) -> None:
            vault = self.vaults[replica]
            record = self._pick(vault, pick, deleted=False)
            if record is None:
                return
            self.titles += 1
            try:
                vault.update_record(record.id, title=f"Edit {self.titles}")
            except (errors.AccessDeniedError, errors.DamagedRecordError):
                return
            self._track(replica, vault, record.id)

        @rule(replica=st.sampled_from(NAMES), pick=st.integers(0, 10**6), undo=st.booleans())
        def delete(self, replica: str, pick: int, undo: bool) -> None:
            vault = self.vaults[replica]
            record = self._pick(vault, pick, deleted=undo)
            if record is None:
                return
            try:
                (vault.undelete if undo else vault.delete)(record.id)
            except (errors.AccessDeniedError, errors.DamagedRecordError):
                return
            self._track(replica, vault, record.id)

        @rule(replica=st.sampled_from(NAMES))
        def sync_one(self, replica: str) -> None:
            sync.sync(self.vaults[replica], self.target)

        @rule(admin=st.sampled_from(("Alice", "Bob")), role=st.sampled_from(CAROL_ROLES))
        def change_carol(self, admin: str, role: tuple[str, list[str] | None]) -> None:
            # Carol's earlier work is on its way before her role changes (the race of
            # a pack signed after the change is test_revocation's business).
            sync.sync(self.vaults["Carol"], self.target)
            vault = self.vaults[admin]
            vault.set_role(ids["Carol"], role[0], clients=role[1])
            since = vault.member_state(ids["Carol"]).since
            allowed = frozenset(clients[c] for c in role[1]) if role[1] else None
            self.model.carol.append((since, role[0], allowed))

        @precondition(lambda self: self.model.dave_removed is None)
        @rule(admin=st.sampled_from(("Alice", "Bob")))
        def remove_dave(self, admin: str) -> None:
            sync.sync(self.vaults["Dave"], self.target)
            vault = self.vaults[admin]
            vault.revoke_member(ids["Dave"])
            self.model.dave_removed = vault.member_state(ids["Dave"]).since

        @rule()
        def settle(self) -> None:
            self._settle_and_compare()

        @invariant()
        def only_lost_rights_are_refused(self) -> None:
            for name in ("Alice", "Bob"):
                status = sync.read_status(self.vaults[name])
                assert status.rejected == [], status.rejected  # no pack is ever damaged
                for item in status.refused:
                    assert item["author"] in (ids["Carol"], ids["Dave"]), item

        # ------------------------------------------------------------ the check

        def _settle_and_compare(self) -> None:
            names = list(NAMES)
            for _ in range(SETTLE_ROUNDS):
                if all([sync.sync(self.vaults[n], self.target).quiet for n in names]):
                    break
            else:
                raise AssertionError("the replicas did not settle")
            alice = self.vaults["Alice"]
            present = {r[0] for r in alice._conn.execute("SELECT vid FROM versions")}
            for edit in self.model.edits:
                if self._legit(edit):
                    assert edit.vid in present, f"lost: {edit}"
                else:
                    assert edit.vid not in present, f"accepted although refused: {edit}"
            for name in ("Bob", "Carol", "Dave"):
                if name == "Dave" and self.model.dave_removed is not None:
                    continue
                other = self.vaults[name]
                bad = {e.record_id for e in self.model.edits if e.replica == name}
                bad = {
                    r
                    for r in bad
                    if any(not self._legit(e) for e in self.model.edits if e.record_id == r)
                }
                scopes = alice.readable_scopes() & other.readable_scopes() & set(self.scopes)
                mine, theirs = snapshot_of(alice, scopes), snapshot_of(other, scopes)
                for view in (mine, theirs):
                    for part in view.values():
                        for record_id in [k for k in part if k in bad]:
                            del part[record_id]
                    view["versions"] = {
                        v: row for v, row in view["versions"].items() if row[0] not in bad
                    }
                assert mine == theirs, f"Alice and {name} differ"
            for name in ("Alice", "Bob"):
                report = self.vaults[name].check()
                assert report.ok, (name, report.problems)

        def teardown(self) -> None:
            try:
                self._settle_and_compare()
            finally:
                for vault in self.vaults.values():
                    vault.close()

    Replicas.TestCase.settings = MACHINE
    Replicas.TestCase("runTest").runTest()
