"""Whole-catalog reads: ``SearchIndex.tags()`` and ``list_rows(order=...)`` on a real vault."""

from __future__ import annotations

from pathlib import Path

from crypto.kdf import KdfParams
from search import SearchIndex
from search.listing import title_key
from vault import Vault
from vault.demo import build_demo
from vault.members import Invitation
from vault.model import Client


def _decoded_tags(index: SearchIndex) -> list[str]:
    """What decoding every live catalog row gives (the old way), most recent spelling first."""
    seen: dict[str, str] = {}
    for row in index.catalog():
        for tag in row.tags:
            seen.setdefault(tag.casefold(), tag)
    return sorted(seen.values(), key=lambda t: (t.casefold(), t))


def test_tags_are_the_live_catalogs_tags_once_ignoring_case(vault: Vault) -> None:
    build_demo(vault, records=40, seed=3)
    contoso = vault.clients()[0]
    first = vault.add_record(
        contoso.id, "procedure", "Old", {"body": "Steps."}, tags=["VPN", "zeta"]
    )
    vault.add_record(contoso.id, "procedure", "New", {"body": "Steps."}, tags=["vpn", "Alpha"])
    gone = vault.add_record(
        contoso.id, "procedure", "Gone", {"body": "Steps."}, tags=["only-deleted"]
    )
    vault.delete(gone.id)
    with SearchIndex.open(vault) as index:
        found = index.tags()
        assert found == _decoded_tags(index)
        assert "vpn" in found and "VPN" not in found  # the newer record's spelling
        assert "only-deleted" not in found
        assert len(found) > 5  # the demo tags its records: the comparison is not empty
        assert found == sorted(found, key=str.casefold)
        vault.update_record(first.id, tags=["VPN"])  # now the most recent spelling
        assert "VPN" in index.tags() and "vpn" not in index.tags()
        vault.undelete(gone.id)
        assert "only-deleted" in index.tags()  # caught up on every read


def test_tags_leave_out_scopes_the_member_cannot_read(
    vault: Vault, vault_path: Path, fast_kdf: KdfParams, contoso: Client, fabrikam: Client
) -> None:
    vault.add_record(contoso.id, "procedure", "Seen", {"body": "Steps."}, tags=["contoso-tag"])
    vault.add_record(fabrikam.id, "procedure", "Hidden", {"body": "Steps."}, tags=["fabrikam-tag"])
    invitation = vault.invite("Bob", "client-admin", clients=[contoso.id])
    other = Vault.open(vault_path)
    accepted = other.accept_invitation(
        Invitation.from_json(invitation.to_json()), "bob's passphrase", kdf_params=fast_kdf
    )
    vault.confirm_member(accepted.member_id, accepted.fingerprint)
    with SearchIndex.open(vault) as owners:
        assert {"contoso-tag", "fabrikam-tag"} <= set(owners.tags())
    other.unlock("bob's passphrase", accepted.member_id)
    try:
        with SearchIndex.open(other) as bobs:
            assert "contoso-tag" in bobs.tags()
            assert "fabrikam-tag" not in bobs.tags()
    finally:
        other.close()


NUMBERED = ["Printer 2", "Printer 10", "Printer 10b", "Printer 100", "printer 101"]


def test_list_rows_in_title_order_are_the_rows_sorted_by_title(vault: Vault) -> None:
    build_demo(vault, records=60, seed=4)
    contoso = vault.clients()[0]
    for title in ("Érable", "erable", "ZZ top", "zz Top", "ß-street", "SS-street", *NUMBERED):
        vault.add_record(contoso.id, "procedure", title, {"body": "Steps."})
    with SearchIndex.open(vault) as index:
        for scope, kind in ((None, None), (contoso.id, None), (None, "procedure")):
            by_date = index.list_rows(scope, kind)
            by_title = index.list_rows(scope, kind, order="title")
            assert by_title == sorted(by_date, key=title_key)
            assert sorted(by_title) == sorted(by_date) and len(by_title) > 1
        titles = [r[3] for r in index.list_rows(contoso.id, "procedure", order="title")]
        assert titles.index("ß-street") < titles.index("ZZ top")  # casefold, not code points
        numbered = [t for t in titles if t in NUMBERED]
        assert numbered == NUMBERED  # numbers by value: 2 before 10
