"""The emergency kit PDF: it really holds the key and the vault's identity, and nothing leaks."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
from pathlib import Path

import pytest

from crypto import recovery
from crypto.kdf import KdfParams
from vault.errors import StorageError
from vault.recoverykit import (
    RecoveryKit,
    check_groups,
    group_matches,
    key_groups,
    render_pdf,
    write_pdf,
)
from vault.vault import Vault

CHEAP = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)


def pdf_text(path: Path) -> str:
    """The text poppler's pdftotext reads from ``path``."""
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def pdf_pages(path: Path) -> int:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])


@pytest.fixture
def kit(tmp_path: Path) -> RecoveryKit:
    """The kit of a real, freshly created vault."""
    vault, key = Vault.create(
        tmp_path / "kit.sitebook",
        name="Northwind IT — Ωmega",
        owner="Alice",
        passphrase="kettle mosaic orbit lantern",
        kdf_params=CHEAP,
    )
    with vault:
        return RecoveryKit(
            vault_name=vault.name,
            file_name="kit.sitebook",
            vault_id=vault.vault_id,
            fingerprint=vault.fingerprint(),
            created=dt.date(2026, 3, 14),
            recovery_key=key,
        )


@pytest.mark.skipif(not os.path.exists("/usr/bin/pdftotext"), reason="needs poppler-utils")
def test_pdf_holds_the_key_in_groups_and_the_vault_identity(kit, tmp_path) -> None:
    out = write_pdf(kit, tmp_path / "kit.pdf")
    assert out == tmp_path / "kit.pdf"
    assert out.read_bytes().startswith(b"%PDF-")
    assert pdf_pages(out) == 1
    text = pdf_text(out)
    groups = key_groups(kit.recovery_key)
    assert len(groups) == 8 and all(len(g) == 5 for g in groups)
    for number, group in enumerate(groups, 1):
        assert group in text
        assert f"group {number}" in text
    for value in (kit.vault_name, kit.vault_id, kit.fingerprint, "2026-03-14", "kit.sitebook"):
        assert value in text
    assert "Where to keep it" in text
    # The key read back off the page unlocks the vault.
    typed = "-".join(g for g in text.split() if g in groups)
    with Vault.open(tmp_path / "kit.sitebook") as vault:
        vault.unlock_with_recovery(typed)
        assert vault.is_unlocked


def test_pdf_is_private_and_written_only_where_asked(kit, tmp_path, sitebook_dirs) -> None:
    target = tmp_path / "out" / "kit.pdf"
    target.parent.mkdir()
    write_pdf(kit, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["kit.pdf"]
    assert list(sitebook_dirs.tmp.iterdir()) == []  # no temp file anywhere


def test_overwriting_keeps_it_private(kit, tmp_path) -> None:
    target = tmp_path / "kit.pdf"
    target.write_text("old")
    target.chmod(0o644)
    write_pdf(kit, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes().startswith(b"%PDF-")


def test_a_missing_folder_is_a_storage_error_without_the_key(kit, tmp_path) -> None:
    with pytest.raises(StorageError) as caught:
        write_pdf(kit, tmp_path / "nowhere" / "kit.pdf")
    assert "nowhere" in str(caught.value)
    for group in key_groups(kit.recovery_key):
        assert group not in str(caught.value)


def test_the_key_is_not_in_the_repr(kit) -> None:
    assert kit.recovery_key not in repr(kit)


def test_render_is_in_memory(kit, sitebook_dirs) -> None:
    data = render_pdf(kit)
    assert data.startswith(b"%PDF-") and len(data) > 1000
    assert list(sitebook_dirs.tmp.iterdir()) == []


def test_check_groups_are_distinct_and_vary() -> None:
    seen = set()
    for _ in range(200):
        picked = check_groups(2)
        assert len(set(picked)) == 2 and all(0 <= i < 8 for i in picked)
        assert list(picked) == sorted(picked)
        seen.add(picked)
    assert len(seen) > 10  # random, not fixed
    with pytest.raises(ValueError):
        check_groups(9)


def test_group_matches_forgives_case_spaces_and_lookalikes() -> None:
    key = recovery.encode(bytes(range(16)))
    groups = key_groups(key)
    for index, group in enumerate(groups):
        assert group_matches(key, index, group)
        assert group_matches(key, index, f" {group.lower()} ")
        assert group_matches(key, index, group.replace("0", "O").replace("1", "l"))
        assert not group_matches(key, index, group[:4])
        assert not group_matches(key, (index + 1) % 8, group) or groups[(index + 1) % 8] == group
    assert not group_matches(key, 8, groups[0])
    assert not group_matches(key, 0, "")


def test_a_symlink_at_the_target_is_replaced_never_followed(kit, tmp_path) -> None:
    victim = tmp_path / "elsewhere" / "authorized_keys"
    victim.parent.mkdir()
    victim.write_text("ssh-ed25519 AAAA precious\n")
    target = tmp_path / "kit.pdf"
    target.symlink_to(victim)
    write_pdf(kit, target)
    assert victim.read_text() == "ssh-ed25519 AAAA precious\n"  # not truncated, not written
    assert not target.is_symlink() and target.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(target.lstat().st_mode) == 0o600


def test_a_dangling_symlink_is_not_followed_either(kit, tmp_path) -> None:
    planted = tmp_path / "planted.pdf"
    target = tmp_path / "kit.pdf"
    target.symlink_to(planted)
    write_pdf(kit, target)
    assert not planted.exists() and not target.is_symlink()


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(kit, tmp_path) -> None:
    target = tmp_path / "kit.pdf"
    target.mkdir()  # a folder where the file should go: the replace fails
    (target / "inside").write_text("kept")
    with pytest.raises(StorageError) as caught:
        write_pdf(kit, target)
    assert "kit.pdf" in str(caught.value)
    assert (target / "inside").read_text() == "kept"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left
