"""``read_status``'s count of changes waiting to be sent, against its plain definition.

The window reads the status on every unlock, so the count is taken as all outbox
rows less those of other members (cheap at 100,000 rows); this checks it still
means "rows this member wrote, or nobody did" when other members' rows are there.
"""

from __future__ import annotations

from vault import sync
from vault.vault import Vault

from .conftest import World


def _by_definition(vault: Vault) -> int:
    me = vault._ring().member_id
    return vault._conn.execute(
        "SELECT count(*) FROM sync_outbox WHERE author = ? OR author IS NULL", (me,)
    ).fetchone()[0]


def test_pending_changes_count_own_and_unattributed_rows_only(world: World) -> None:
    alice = world.owner()
    contoso = alice.add_client("Contoso")
    bob = world.join(alice, "Bob", "technician", clients=[contoso.id])
    bob.add_record(contoso.id, "configuration", "srv-bob", {"hostname": "srv-bob"})
    sync.sync(bob, world.target)
    alice.add_record(contoso.id, "configuration", "srv-alice", {"hostname": "srv-alice"})
    sync.sync(alice, world.target)  # pulls Bob's rows; Alice's new ones are sent
    alice.add_record(contoso.id, "configuration", "srv-later", {"hostname": "srv-later"})
    me = alice._ring().member_id
    conn = alice._conn
    others = conn.execute(
        "SELECT count(*) FROM sync_outbox WHERE author IS NOT NULL AND author != ?", (me,)
    ).fetchone()[0]
    with alice.transaction() as tx:  # a moved row travels again, unattributed
        tx.execute("INSERT INTO sync_outbox (kind, key, author) VALUES ('version', 'x', NULL)")
        if not others:  # make sure rows of another member are counted out
            tx.execute("INSERT INTO sync_outbox (kind, key, author) VALUES ('audit', 'y', 'zz')")
            tx.execute("INSERT INTO sync_outbox (kind, key, author) VALUES ('audit', 'z', '00')")
    status = sync.read_status(alice)
    assert status.pending_changes == _by_definition(alice)
    total = conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
    assert 0 < status.pending_changes < total
