"""Export, then import into another vault: every record, field, version, relation and byte equal.

Also: client.sitebook opens on its own with the handover passphrase and holds
the same; a package that does not verify, a wrong passphrase or a second
import is refused with nothing changed; and a hypothesis round trip of the
record copier over arbitrary record contents.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.handover.conftest import (
    HANDOVER_PASSPHRASE,
    KDF,
    PASSPHRASE,
    Package,
    client_records,
)
from vault import Vault, errors
from vault.fields import FieldKind
from vault.handover import import_handover
from vault.handover.restore import records_of, replay


def _content(record) -> tuple:
    return (
        record.id,
        record.type,
        record.title,
        record.fields,
        record.custom,
        record.tags,
        record.links,
        record.deleted,
        record.source,
        record.version,
    )


def assert_same_client(src: Vault, src_scope: str, dest: Vault, dest_scope: str) -> None:
    """Every record of one scope equals the other's: heads, history, relations, attachments."""
    left = {r.id: r for r in client_records(src, src_scope)}
    right = {r.id: r for r in dest.list_records(dest_scope, include_deleted=True)}
    assert set(left) == set(right) and left
    for record_id, record in left.items():
        other = right[record_id]
        assert _content(record) == _content(other)
        assert src.kinds(record) == dest.kinds(other)
        old_history = src.history(record_id)
        new_history = dest.history(record_id)
        assert [(h.number, h.title, h.deleted) for h in old_history] == [
            (h.number, h.title, h.deleted) for h in new_history
        ]
        for info in old_history:
            assert _content(src.get_record(record_id, info.number)) == _content(
                dest.get_record(record_id, info.number)
            )
        assert {r.id for r in src.backlinks(record_id)} == {r.id for r in dest.backlinks(record_id)}
        old_files = src.attachments(record_id)
        new_files = dest.attachments(record_id)
        assert [(a.name, a.size, a.sha256, a.mime) for a in old_files] == [
            (a.name, a.size, a.sha256, a.mime) for a in new_files
        ]
        for a, b in zip(old_files, new_files, strict=True):
            assert b"".join(src.read_attachment(a.id)) == b"".join(dest.read_attachment(b.id))


@pytest.fixture
def other_vault(tmp_path: Path):
    vault, _ = Vault.create(
        tmp_path / "next.sitebook",
        name="Next Provider",
        owner="Bob",
        passphrase=PASSPHRASE,
        kdf_params=KDF,
    )
    yield vault
    vault.close()


def test_import_brings_everything_across(package: Package, other_vault: Vault) -> None:
    other_vault.add_client("Someone Else")
    seen = []
    result = import_handover(
        other_vault, package.path, HANDOVER_PASSPHRASE, progress=lambda d, t: seen.append((d, t))
    )
    assert result.verified and result.fingerprint == package.source.vault.fingerprint()
    assert result.client.name == "Contoso Dental"
    assert (result.records, result.attachments) == (10, 3)
    assert seen[-1] == (10, 10)
    assert "backup-job" in other_vault.templates()
    assert_same_client(
        package.source.vault, package.source.client_id, other_vault, result.client.id
    )
    assert other_vault.check().ok
    assert verify_untouched(package)


def verify_untouched(package: Package) -> bool:
    from vault.handover import verify_package

    return verify_package(package.path).ok and not list(package.path.glob("*-wal"))


def test_client_sitebook_opens_on_its_own(package: Package, tmp_path: Path) -> None:
    copy = tmp_path / "client.sitebook"
    shutil.copyfile(package.path / "client.sitebook", copy)
    with Vault.open(copy) as vault:
        vault.unlock(HANDOVER_PASSPHRASE)
        [client] = vault.clients()
        assert client.name == "Contoso Dental"
        assert_same_client(package.source.vault, package.source.client_id, vault, client.id)
        assert vault.check().ok


def test_import_from_zip_and_from_bare_client_sitebook(
    package: Package, other_vault: Vault, tmp_path: Path
) -> None:
    archive = Path(
        shutil.make_archive(str(tmp_path / "pkg"), "zip", package.path.parent, package.path.name)
    )
    first = import_handover(other_vault, archive, HANDOVER_PASSPHRASE, client_name="Contoso A")
    assert first.verified and first.records == 10
    with pytest.raises(errors.VaultError, match="already in this vault"):
        import_handover(
            other_vault,
            package.path / "client.sitebook",
            HANDOVER_PASSPHRASE,
            client_name="Contoso B",
        )
    assert [c.name for c in other_vault.clients()] == ["Contoso A"]


def test_a_bare_client_sitebook_imports_unverified(package: Package, other_vault: Vault) -> None:
    result = import_handover(other_vault, package.path / "client.sitebook", HANDOVER_PASSPHRASE)
    assert not result.verified and result.records == 10


def test_wrong_passphrase_changes_nothing(package: Package, other_vault: Vault) -> None:
    with pytest.raises(errors.WrongPassphraseError):
        import_handover(other_vault, package.path, "not the passphrase")
    assert other_vault.clients() == []


def test_a_tampered_package_is_refused(
    package: Package, other_vault: Vault, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(package.path, copy)
    data = bytearray((copy / "client.sitebook").read_bytes())
    data[-100] ^= 1
    (copy / "client.sitebook").write_bytes(bytes(data))
    with pytest.raises(errors.VaultError, match="does not verify"):
        import_handover(other_vault, copy, HANDOVER_PASSPHRASE)
    assert other_vault.clients() == []


def test_importing_into_the_source_vault_is_refused(package: Package) -> None:
    vault = package.source.vault
    before = len(vault.clients())
    with pytest.raises(errors.VaultError):
        import_handover(vault, package.path, HANDOVER_PASSPHRASE, client_name="Contoso copy")
    assert len(vault.clients()) == before


# ---------------------------------------------------------------------- property: the copier

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip()
)
_secret = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@pytest.fixture(scope="module")
def vault_pair(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("pair")
    made = []
    for name in ("a", "b"):
        vault, _ = Vault.create(
            base / f"{name}.sitebook", name=name, owner=name, passphrase=PASSPHRASE, kdf_params=KDF
        )
        made.append(vault)
    yield made
    for vault in made:
        vault.close()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    titles=st.lists(_text, min_size=1, max_size=3),
    notes=st.lists(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=200), max_size=2
    ),
    password=_secret,
    custom=_text,
    tags=st.lists(_text.filter(lambda t: len(t) <= 60 and t.isprintable()), max_size=3),
    delete=st.booleans(),
    blob=st.binary(max_size=3000),
)
def test_replay_round_trips_any_record(
    vault_pair, titles, notes, password, custom, tags, delete, blob
) -> None:
    src, dest = vault_pair
    scope = src.add_client(f"c{len(src.clients())}").id
    record = src.add_record(
        scope,
        "credential",
        titles[0],
        {"password": password, "Extra": custom},
        custom={"Extra": FieldKind.TEXT},
        tags=tags,
    )
    for title, note in zip(titles[1:], notes, strict=False):
        src.update_record(record.id, title=title, fields={"notes": note})
    if blob:
        import io

        src.add_attachment(record.id, io.BytesIO(blob), "blob.bin")
    if delete:
        src.delete(record.id)
    target = dest.add_client(f"c{len(dest.clients())}").id
    replay(dest, target, records_of(src, scope))
    assert_same_client(src, scope, dest, target)


def test_a_client_name_in_use_is_refused_with_a_hint(package: Package, other_vault: Vault) -> None:
    other_vault.add_client("Contoso Dental")
    with pytest.raises(errors.VaultError, match="--client-name"):
        import_handover(other_vault, package.path, HANDOVER_PASSPHRASE)
    assert len(other_vault.clients()) == 1
