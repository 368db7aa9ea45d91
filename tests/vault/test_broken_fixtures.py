"""Every named broken fixture in tests/data gets a clear, specific rejection."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import pytest

from vault import Vault, errors

DATA = Path(__file__).resolve().parent.parent / "data"
PASSPHRASE = "fixture passphrase"


@pytest.fixture
def copy(tmp_path: Path):
    def _copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(DATA / name, target)
        return target

    return _copy


def _line(name: str) -> str:
    return (DATA / name).read_text().strip()


def test_good_fixture_opens(copy) -> None:
    with Vault.open(copy("GoodSmall.sitebook")) as vault:
        vault.unlock(PASSPHRASE)
        assert len(vault.list_records()) == 3
        assert vault.check().ok


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(errors.VaultNotFoundError, match="No vault at"):
        Vault.open(tmp_path / "BrokenMissing.sitebook")


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("BrokenEmpty.sitebook", errors.NotAVaultError, "empty"),
        ("BrokenNotAVault.sitebook", errors.NotAVaultError, "not a Sitebook vault"),
        ("BrokenOtherSqlite.sitebook", errors.NotAVaultError, "not a Sitebook vault"),
        ("BrokenNewerFormat.sitebook", errors.NewerFormatError, "Update Sitebook"),
        ("BrokenHeaderNoVaultId.sitebook", errors.DamagedHeaderError, "vault_id"),
        ("BrokenHeaderNoMembers.sitebook", errors.DamagedHeaderError, "no members"),
        ("BrokenHeaderTablesMissing.sitebook", errors.DamagedHeaderError, "damaged"),
    ],
)
def test_refused_on_open_and_left_untouched(copy, name: str, error: type, words: str) -> None:
    path = copy(name)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(error, match=words):
        Vault.open(path)
    if error in (errors.NotAVaultError, errors.NewerFormatError):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_folder_is_not_a_vault(tmp_path: Path) -> None:
    with pytest.raises(errors.NotAVaultError, match="folder"):
        Vault.open(tmp_path)


def test_hostile_kdf_is_refused_before_allocating(copy) -> None:
    vault = Vault.open(copy("BrokenHeaderHostileKdf.sitebook"))
    start = time.perf_counter()
    with pytest.raises(errors.DamagedHeaderError, match="outside"):
        vault.unlock(PASSPHRASE)
    assert time.perf_counter() - start < 0.5
    vault.close()


def test_wrong_passphrase_and_recovery_keys(copy) -> None:
    with Vault.open(copy("GoodSmall.sitebook")) as vault:
        with pytest.raises(errors.WrongPassphraseError):
            vault.unlock(_line("BrokenWrongPassphrase.txt"))
        with pytest.raises(errors.WrongRecoveryKeyError):
            vault.unlock_with_recovery(_line("BrokenWrongRecoveryKey.txt"))
        with pytest.raises(errors.RecoveryKeyFormatError, match="group 2"):
            vault.unlock_with_recovery(_line("BrokenRecoveryKeyTypo.txt"))
        assert not vault.is_unlocked


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("BrokenRecordCiphertext.sitebook", "cannot be decrypted"),
        ("BrokenRecordSignature.sitebook", "author is unknown"),
    ],
)
def test_damaged_record_is_named_and_the_rest_opens(copy, name: str, detail: str) -> None:
    damaged_id, *healthy = (DATA / "GoodSmall.ids").read_text().split()
    with Vault.open(copy(name)) as vault:
        vault.unlock(PASSPHRASE)
        assert sorted(r.id for r in vault.list_records()) == sorted(healthy)
        assert list(vault.damaged) == [damaged_id]
        with pytest.raises(errors.DamagedRecordError, match=damaged_id) as caught:
            vault.get_record(damaged_id)
        assert detail in str(caught.value)
        assert "pw-" not in str(caught.value)
        report = vault.check()
        assert [(p.id, p.version) for p in report.problems] == [(damaged_id, 1)]
        assert detail in report.problems[0].detail
