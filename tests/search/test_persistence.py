"""The encrypted snapshot: round trip, catch-up, and a rebuild whenever it cannot be trusted."""

from __future__ import annotations

import dataclasses
import io
import shutil
import threading
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from search import IndexCancelled, SearchIndex, catchup, snapshot
from search.store import Store
from vault import Vault
from vault.members import Invitation
from vault.model import Client

from .conftest import ids, reopen


@pytest.fixture
def filled(vault: Vault, contoso: Client, fabrikam: Client) -> dict[str, str]:
    made = {
        "dc": vault.add_record(contoso.id, "configuration", "srv-dc01", {"hostname": "srv-dc01"}),
        "fw": vault.add_record(fabrikam.id, "configuration", "fw01", {"model": "FortiGate 60F"}),
        "proc": vault.add_record(
            vault.internal_scope_id, "procedure", "Patch night", {"body": "patch the servers"}
        ),
    }
    return {name: record.id for name, record in made.items()}


def _saved(vault: Vault) -> Path:
    index = SearchIndex.open(vault)
    assert index.last_load.startswith("rebuilt")
    index.close()
    assert index.path.is_file()
    return index.path


def test_round_trip(vault: Vault, vault_path: Path, filled: dict[str, str]) -> None:
    path = _saved(vault)
    assert path.parent.name == vault.vault_id
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    expected = {q: ids(SearchIndex.open(vault).search(q)) for q in ("dc01", "fortigate", "patch")}
    vault.close()
    again = reopen(vault_path)
    with SearchIndex.open(again) as index:
        assert index.last_load == "loaded"
        assert {q: ids(index.search(q)) for q in expected} == expected
        assert {r.id for r in index.catalog()} == set(filled.values())
        assert not index.dirty
    again.close()


def test_stale_snapshot_catches_up(
    vault: Vault, vault_path: Path, contoso: Client, filled: dict[str, str]
) -> None:
    _saved(vault)
    vault.delete(filled["dc"])
    added = vault.add_record(contoso.id, "configuration", "srv-fs01", {"hostname": "srv-fs01"})
    vault.update_record(filled["fw"], fields={"model": "FortiGate 80F"})
    vault.close()
    again = reopen(vault_path)
    with SearchIndex.open(again) as index:
        assert index.last_load == "loaded"
        assert index.search("dc01") == []
        assert ids(index.search("fs01")) == [added.id]
        assert ids(index.search("80F")) == [filled["fw"]]
        assert index.search("60F") == []
        assert index.dirty
    again.close()


@pytest.mark.parametrize(
    "damage",
    ["flip-body", "flip-header", "truncate", "append", "garbage", "empty", "swap-chunks"],
)
def test_damaged_snapshot_is_rebuilt(
    vault: Vault, filled: dict[str, str], damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot, "CHUNK_SIZE", 4096)
    path = _saved(vault)
    data = bytearray(path.read_bytes())
    if damage == "flip-body":
        data[len(data) // 2] ^= 0x01
    elif damage == "flip-header":
        data[6] ^= 0x01  # inside the mark
    elif damage == "truncate":
        del data[-100:]
    elif damage == "append":
        data += b"\0"
    elif damage == "garbage":
        data = bytearray(b"not an index" * 100)
    elif damage == "empty":
        data = bytearray()
    else:
        header, at = snapshot.read_header(bytes(data))  # type: ignore[misc]
        assert header.chunks > 2
        first_len = int.from_bytes(data[at : at + 4], "big")
        first = data[at : at + 4 + first_len]
        second_len = int.from_bytes(data[at + 4 + first_len : at + 8 + first_len], "big")
        second = data[at + 4 + first_len : at + 8 + first_len + second_len]
        data[at : at + len(first) + len(second)] = second + first
    path.write_bytes(bytes(data))
    with SearchIndex.open(vault) as index:
        assert index.last_load.startswith("rebuilt"), damage
        assert ids(index.search("dc01")) == [filled["dc"]]


def test_snapshot_under_another_key_version_is_rebuilt(
    vault: Vault, vault_path: Path, fast_kdf: KdfParams, filled: dict[str, str]
) -> None:
    invitation = vault.invite("Bob", "technician")
    other = Vault.open(vault_path)
    accepted = other.accept_invitation(
        Invitation.from_json(invitation.to_json()), "bob's passphrase", kdf_params=fast_kdf
    )
    other.close()
    vault.confirm_member(accepted.member_id, accepted.fingerprint)
    _saved(vault)
    vault.revoke_member(accepted.member_id)
    with SearchIndex.open(vault) as index:
        assert "key" in index.last_load
        assert ids(index.search("dc01")) == [filled["dc"]]
    with SearchIndex.open(vault) as index:
        assert index.last_load == "loaded"


def test_vault_going_back_in_time_rebuilds(
    vault: Vault, vault_path: Path, contoso: Client, filled: dict[str, str], tmp_path: Path
) -> None:
    vault.close()
    older = tmp_path / "older.sitebook"
    shutil.copyfile(vault_path, older)
    again = reopen(vault_path)
    added = again.add_record(contoso.id, "contact", "Later Person", {"role": "IT"})
    _saved(again)
    again.close()
    shutil.copyfile(older, vault_path)
    restored = reopen(vault_path)
    with SearchIndex.open(restored) as index:
        assert "older state" in index.last_load
        assert index.search("later") == []
        assert added.id not in {r.id for r in index.catalog()}
    restored.close()


def test_each_member_has_their_own_snapshot(
    vault: Vault, vault_path: Path, fast_kdf: KdfParams, contoso: Client, filled: dict[str, str]
) -> None:
    invitation = vault.invite("Carol", "client-admin", clients=["Contoso Dental"])
    other = Vault.open(vault_path)
    accepted = other.accept_invitation(
        Invitation.from_json(invitation.to_json()), "carol's passphrase", kdf_params=fast_kdf
    )
    other.close()
    vault.confirm_member(accepted.member_id, accepted.fingerprint)
    owner_path = _saved(vault)
    carol = reopen(vault_path, "carol's passphrase", accepted.member_id)
    with SearchIndex.open(carol) as index:
        assert index.path != owner_path
        assert index.last_load.startswith("rebuilt")
        assert index.search("fortigate") == []
    # Carol cannot open the owner's snapshot even when it is put in her place.
    carol_path = snapshot.path_for(owner_path.parent.parent, carol.vault_id, accepted.member_id)
    shutil.copyfile(owner_path, carol_path)
    with SearchIndex.open(carol) as index:
        assert index.last_load.startswith("rebuilt")
        assert index.search("fortigate") == []
    carol.close()


def test_progress_and_cancel(vault: Vault, filled: dict[str, str], monkeypatch) -> None:
    from search import index as index_module

    monkeypatch.setattr(index_module, "BATCH", 1)
    monkeypatch.setattr(index_module, "WINDOW", 2)  # a rebuild in several steps
    calls: list[tuple[int, int]] = []
    with SearchIndex.open(vault, progress=lambda d, t: calls.append((d, t))) as index:
        assert index.last_load.startswith("rebuilt")
        assert {r.id for r in index.catalog()} == set(filled.values())
        assert index.store.mark == vault.high_water_mark()
    total = vault.high_water_mark()
    assert calls[0] == (0, total) and calls[-1] == (total, total) and len(calls) > 2
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    index.path.unlink()
    with pytest.raises(IndexCancelled):
        SearchIndex.open(vault, cancel=lambda: True)
    assert not index.path.exists()


def test_saving_waits_for_a_quiet_period(vault: Vault, contoso: Client) -> None:
    index = SearchIndex.open(vault)
    index.save()
    vault.add_record(contoso.id, "contact", "Someone New", {"role": "IT"})
    assert ids(index.search("someone"))
    assert index.dirty
    assert index.maybe_save(3600) == 0 and index.dirty
    assert index.maybe_save(0) > 0 and not index.dirty
    assert index.save() == 0
    index.close()


def test_store_rejects_foreign_bytes(vault: Vault) -> None:
    assert Store.from_bytes(b"SQLite format 3\0" + b"\0" * 100, vault.vault_id) is None
    store = Store.create("0" * 32)
    assert Store.from_bytes(store.to_bytes(), vault.vault_id) is None
    assert Store.from_bytes(store.to_bytes(), "0" * 32) is not None


def test_granted_and_lost_scopes(
    vault: Vault, vault_path: Path, fast_kdf: KdfParams, filled: dict[str, str]
) -> None:
    """Access granted later brings a client's older records in; access lost takes them out."""
    tailspin = vault.add_client("Tailspin Architects")
    plotter = vault.add_record(tailspin.id, "configuration", "prn-plotter01", {"model": "T650"})
    invitation = vault.invite("Carol", "client-admin", clients=["Contoso Dental"])
    other = Vault.open(vault_path)
    accepted = other.accept_invitation(
        Invitation.from_json(invitation.to_json()), "carol's passphrase", kdf_params=fast_kdf
    )
    other.close()
    vault.confirm_member(accepted.member_id, accepted.fingerprint)
    carol = reopen(vault_path, "carol's passphrase", accepted.member_id)
    with SearchIndex.open(carol) as index:
        assert ids(index.search("dc01")) == [filled["dc"]] and index.search("fortigate") == []
    vault.set_role(
        accepted.member_id, "client-admin", clients=["Contoso Dental", "Fabrikam Logistics"]
    )
    index = SearchIndex.open(carol)  # the snapshot lacks Fabrikam: its records are read in
    assert index.last_load == "loaded"
    assert ids(index.search("fortigate")) == [filled["fw"]]
    vault.set_role(
        accepted.member_id,
        "client-admin",
        clients=["Contoso Dental", "Fabrikam Logistics", "Tailspin Architects"],
    )
    assert index.search("t650") == []  # a grant is noticed by refresh(), not by every read
    index.refresh()
    assert ids(index.search("t650")) == [plotter.id]
    index.close()
    vault.set_role(accepted.member_id, "client-admin", clients=["Fabrikam Logistics"])
    carol.close()
    carol = reopen(vault_path, "carol's passphrase", accepted.member_id)
    with SearchIndex.open(carol) as index:
        assert index.last_load.startswith("rebuilt")
        assert index.search("dc01") == [] and index.search("t650") == []
        assert ids(index.search("fortigate")) == [filled["fw"]]
    carol.close()


def _state(index: SearchIndex) -> tuple[dict[str, list[str]], list[tuple], dict]:
    queries = ("srv*", "fs01", "dc01", "80F", "60F", "later", "patch", "fortigate")
    found = {q: ids(index.search(q)) for q in queries}
    rows = sorted(
        (r.id, r.title, r.updated, r.deleted) for r in index.catalog(include_deleted=True)
    )
    return found, rows, index.counts()


@pytest.mark.parametrize("window", [catchup.WINDOW, 4])
def test_catch_up_while_loading_matches_a_rebuild(
    vault: Vault,
    vault_path: Path,
    contoso: Client,
    filled: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    window: int,
) -> None:
    """Changes read while the snapshot decrypts give exactly what a full rebuild gives.

    With small windows, most documents are written by the loading thread as
    they come (the catch-up after it finds them indexed and writes only the rest).
    """
    monkeypatch.setattr(catchup, "WINDOW", window)
    written: list[tuple[str, int]] = []
    real_apply = Store.apply

    def apply(store: Store, documents, gone=()) -> int:
        count = real_apply(store, documents, gone)
        written.append((threading.current_thread().name, count))
        return count

    monkeypatch.setattr(Store, "apply", apply)
    _saved(vault)
    vault.delete(filled["dc"])
    vault.update_record(filled["fw"], fields={"model": "FortiGate 80F"})
    later = vault.add_client("Later Client")
    for number in range(30):
        vault.add_record(later.id, "configuration", f"srv-later{number:02d}", {"kind": "server"})
    vault.add_record(contoso.id, "configuration", "srv-fs01", {"hostname": "srv-fs01"})
    vault.close()
    again = reopen(vault_path)
    index = SearchIndex.open(again)
    assert index.last_load == "loaded"
    assert later.id in index.scopes
    caught_up = _state(index)
    early = [n for thread, n in written if thread == "search-index-load"]
    late = [n for thread, n in written if thread != "search-index-load"]
    assert sum(early) == 33 and sum(late) == 0  # 30 + srv-fs01 + fw01 + the tombstone of dc
    assert len(early) == (9 if window == 4 else 1)  # 35 counters since the mark
    with SearchIndex.open(again, cache=tmp_path / "elsewhere") as rebuilt:
        assert rebuilt.last_load.startswith("rebuilt")
        assert _state(rebuilt) == caught_up
    assert len(caught_up[0]["later"]) == 30
    assert caught_up[0]["dc01"] == [] and caught_up[0]["60F"] == []
    # Records written by the catch-up (sections kept as JSON) leave the FTS index exactly.
    first = caught_up[0]["later"][0]
    again.update_record(first, title="renamed-host", fields={"kind": "printer"})
    assert ids(index.search("renamed-host")) == [first]
    assert first not in ids(index.search("later", limit=100))
    assert len(ids(index.search("later", limit=100))) == 29
    index.close(save=False)
    again.close()


def test_header_that_changed_while_loading_is_not_trusted(
    vault: Vault,
    vault_path: Path,
    contoso: Client,
    filled: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Changes read from a peeked header that the decrypted one contradicts are re-read."""
    _saved(vault)
    added = vault.add_record(contoso.id, "configuration", "srv-fs01", {"hostname": "srv-fs01"})
    real_peek = snapshot.peek
    peeked: list[int] = []

    def older_peek(path: Path) -> snapshot.Header | str:
        header = real_peek(path)
        assert not isinstance(header, str)
        peeked.append(header.mark)
        return dataclasses.replace(header, mark=0)

    monkeypatch.setattr(snapshot, "peek", older_peek)
    vault.update_record(filled["fw"], fields={"model": "FortiGate 80F"})
    with SearchIndex.open(vault) as index:
        assert peeked and index.last_load == "loaded"
        assert ids(index.search("fs01")) == [added.id]
        assert ids(index.search("80F")) == [filled["fw"]]
        assert index.search("60F") == []
        assert {r.id for r in index.catalog()} == {*filled.values(), added.id}
        assert index.counts()[contoso.id]["configuration"] == 2


def test_attachments_added_since_the_snapshot_are_caught_up(
    vault: Vault, vault_path: Path, contoso: Client, filled: dict[str, str], tmp_path: Path
) -> None:
    """Only records the vault names as having attachments are asked for them; none is missed."""
    _saved(vault)
    vault.add_attachment(filled["dc"], io.BytesIO(b"event 4625 logon failure\n"), "dc-events.log")
    bare = vault.add_record(contoso.id, "configuration", "srv-bare01", {"kind": "server"})
    filed = vault.add_record(contoso.id, "configuration", "srv-filed01", {"kind": "server"})
    vault.add_attachment(filed.id, io.BytesIO(b"raid rebuild finished\n"), "raid.txt")
    vault.close()
    again = reopen(vault_path)
    asked: list[str] = []
    real = again.attachments

    def attachments(record_id: str, *, strict: bool = False):
        asked.append(record_id)
        return real(record_id, strict=strict)

    again.attachments = attachments  # type: ignore[method-assign]
    with SearchIndex.open(again) as index:
        assert index.last_load == "loaded"
        assert sorted(asked) == sorted([filled["dc"], filed.id])
        assert ids(index.search("dc-events.log")) == [filled["dc"]]
        assert ids(index.search("4625")) == [filled["dc"]]
        assert ids(index.search("raid rebuild")) == [filed.id]
        assert ids(index.search("srv-bare01")) == [bare.id]
        with SearchIndex.open(again, cache=tmp_path / "elsewhere") as rebuilt:
            assert rebuilt.last_load.startswith("rebuilt")
            for query in ("dc-events.log", "4625", "raid.txt", "rebuild", "srv*"):
                assert ids(index.search(query)) == ids(rebuilt.search(query)), query
    again.close()
