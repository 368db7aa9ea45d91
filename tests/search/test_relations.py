"""Relations and dates from the index: "linked from", facts and due dates without decrypting.

The window draws backlinks, the client overview and the expiry view from these
(issue #4 item 10): each test checks them against what the vault itself says,
through saves, edits, deletes, restores and a snapshot round trip.
"""

from __future__ import annotations

import json
from pathlib import Path

from search import SearchIndex
from vault import Vault
from vault.demo import build_demo
from vault.fields import FieldKind
from vault.model import Client

from .conftest import reopen


def _backlink_ids(index: SearchIndex, record_id: str) -> list[str]:
    return [r.id for r in index.backlinks(record_id)]


def _vault_backlink_ids(vault: Vault, record_id: str) -> list[str]:
    return [r.id for r in vault.backlinks(record_id)]


def test_backlinks_follow_links_and_reference_fields(vault: Vault, contoso: Client) -> None:
    dc = vault.add_record(contoso.id, "configuration", "srv-dc01", {"hostname": "srv-dc01"})
    cred = vault.add_record(
        contoso.id, "credential", "Domain admin", {"username": "adm", "configuration": dc.id}
    )
    proc = vault.add_record(
        vault.internal_scope_id, "procedure", "Restore DC", {"body": "steps"}, links=[dc.id]
    )
    with SearchIndex.open(vault) as index:
        assert set(_backlink_ids(index, dc.id)) == {cred.id, proc.id}
        assert _backlink_ids(index, dc.id) == _vault_backlink_ids(vault, dc.id)
        assert _backlink_ids(index, cred.id) == []
        vault.unlink(proc.id, dc.id)
        assert _backlink_ids(index, dc.id) == [cred.id]
        vault.update_record(cred.id, fields={"configuration": None})
        assert _backlink_ids(index, dc.id) == []
        vault.link(dc.id, cred.id)
        assert _backlink_ids(index, cred.id) == [dc.id]
        vault.delete(dc.id)  # a tombstone links to nothing
        assert _backlink_ids(index, cred.id) == []
        vault.undelete(dc.id)
        assert _backlink_ids(index, cred.id) == [dc.id]


def test_backlinks_and_dates_survive_the_snapshot(
    vault: Vault, vault_path: Path, contoso: Client
) -> None:
    dc = vault.add_record(
        contoso.id, "configuration", "srv-dc01", {"warranty_expires": "2026-05-01"}
    )
    cred = vault.add_record(contoso.id, "credential", "Admin", {"configuration": dc.id})
    SearchIndex.open(vault).close()
    vault.close()
    again = reopen(vault_path)
    try:
        with SearchIndex.open(again) as index:
            assert index.last_load == "loaded"
            assert _backlink_ids(index, dc.id) == [cred.id]
            due = index.due("2026-12-31")
            assert [(r.id, name, value) for r, name, value in due] == [
                (dc.id, "warranty_expires", "2026-05-01")
            ]
            # counts come with the snapshot and follow the changes caught up since
            assert index.counts() == {contoso.id: {"configuration": 1, "credential": 1}}
            again.add_record(contoso.id, "contact", "Jo", {"role": "IT"})
            again.delete(cred.id)
            assert index.counts() == {contoso.id: {"configuration": 1, "contact": 1}}
            again.delete(dc.id)
            again.undelete(cred.id)
            assert index.counts() == {contoso.id: {"credential": 1, "contact": 1}}
    finally:
        again.close()


def test_due_dates_are_expiry_review_and_rotation_dates(vault: Vault, contoso: Client) -> None:
    dc = vault.add_record(
        contoso.id,
        "configuration",
        "srv-dc01",
        {"warranty_expires": "2026-03-01", "license_expires": "2027-01-01"},
    )
    cred = vault.add_record(
        contoso.id, "credential", "Admin", {"password": "x", "rotation_due": "2026-02-01"}
    )
    exc = vault.add_record(
        contoso.id,
        "exception",
        "SMB1 on the scanner",
        {"what": "SMB1", "approved_on": "2025-01-01", "review_due": "2026-04-01"},
    )
    service = vault.add_record(
        contoso.id, "service-entry", "Patched", {"date": "2025-06-01", "work_done": "patches"}
    )
    custom = vault.add_record(
        contoso.id,
        "configuration",
        "www cert",
        {"cert_expires": "2026-01-15", "pin_due": "2026-01-10"},
        custom={"cert_expires": FieldKind.DATE, "pin_due": FieldKind.SECRET},
    )
    with SearchIndex.open(vault) as index:
        due = [(r.id, name, value) for r, name, value in index.due("2026-06-30")]
        assert due == [
            (custom.id, "cert_expires", "2026-01-15"),
            (cred.id, "rotation_due", "2026-02-01"),
            (dc.id, "warranty_expires", "2026-03-01"),
            (exc.id, "review_due", "2026-04-01"),
        ]  # not approved_on, not a service date, not a secret, not beyond the horizon
        assert [name for _r, name, _v in index.due("2027-12-31", contoso.id)][-1] == (
            "license_expires"
        )
        facts = index.facts([service.id, exc.id, cred.id])
        assert facts[service.id] == {"date": "2025-06-01"}
        assert facts[exc.id] == {"approved_on": "2025-01-01", "review_due": "2026-04-01"}
        assert facts[cred.id] == {"rotation_due": "2026-02-01"}  # the password is no fact
        vault.update_record(dc.id, fields={"warranty_expires": "2028-01-01"})
        vault.delete(cred.id)
        due = [(r.id, name) for r, name, _v in index.due("2026-06-30")]
        assert (dc.id, "warranty_expires") not in due and (cred.id, "rotation_due") not in due
        assert index.due("2026-06-30", "f" * 32) == []


def test_index_agrees_with_the_vault_on_the_demo(vault: Vault) -> None:
    build_demo(vault, records=60, seed=5)
    records = vault.list_records()
    with SearchIndex.open(vault) as index:
        linked = 0
        for record in records:
            expected = _vault_backlink_ids(vault, record.id)
            assert _backlink_ids(index, record.id) == expected, record.title
            linked += bool(expected)
        assert linked >= 5  # the demo relates records: the comparison is not empty
        rows = index.rows([r.id for r in records])
        assert {i: (r.title, r.type) for i, r in rows.items()} == {
            r.id: (r.title, r.type) for r in records
        }


def test_list_rows_are_the_live_catalog(vault: Vault) -> None:
    build_demo(vault, records=30, seed=2)
    gone = vault.list_records()[0]
    vault.delete(gone.id)
    client = vault.clients()[0]
    with SearchIndex.open(vault) as index:
        for scope, kind in ((None, None), (client.id, None), (None, "credential")):
            expected = [
                (r.id, r.scope_id, r.type, r.title, r.updated, r.columns)
                for r in index.catalog(scope, kind)
            ]
            found = [
                (i, s, t, title, updated, json.loads(columns))
                for i, s, t, title, updated, columns in index.list_rows(scope, kind)
            ]
            assert found == expected
        assert gone.id not in {row[0] for row in index.list_rows()}
        assert len(index.list_rows()) == 29
        vault.undelete(gone.id)
        vault.update_record(gone.id, title="Renamed")
        vault.delete(vault.list_records()[-1].id)
        counted: dict[str, dict[str, int]] = {}
        for row in index.catalog():  # the counts kept by triggers match counting now
            counted.setdefault(row.scope_id, {}).setdefault(row.type, 0)
            counted[row.scope_id][row.type] += 1
        assert index.counts() == counted and sum(map(len, counted.values())) > 3
