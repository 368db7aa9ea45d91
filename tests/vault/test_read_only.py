"""A vault on read-only media (a CD, a read-only share) opens read-only and says so on writes.

As root the media is a real tmpfs remounted read-only; otherwise a folder and
file without write permission stand in for it. Unlocking must not write (no
audit entry, no ``-wal``/``-shm`` files), reading and ``check`` work, and every
write raises :class:`~vault.errors.VaultReadOnlyError` with a message that tells
the technician what to do.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from tests.vault.conftest import PASSPHRASE
from vault import Vault, errors, schema, storage


@pytest.fixture
def media(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """(folder, make it read-only): a tmpfs as root, permissions otherwise."""
    folder = tmp_path / "media"
    folder.mkdir()
    if os.geteuid() != 0:

        def protect() -> None:
            for file in folder.iterdir():
                file.chmod(stat.S_IRUSR)
            folder.chmod(stat.S_IRUSR | stat.S_IXUSR)

        yield folder, protect
        folder.chmod(stat.S_IRWXU)
        return
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "sitebook-ro", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield folder, lambda: subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def source(tmp_path: Path, fast_kdf: KdfParams) -> tuple[Path, str]:
    """A closed vault with one client and one record; returns (path, record id)."""
    path = tmp_path / "source" / "vault.sitebook"
    path.parent.mkdir()
    vault, _key = Vault.create(
        path, name="Northwind IT", owner="Alice", passphrase=PASSPHRASE, kdf_params=fast_kdf
    )
    with vault:
        client = vault.add_client("Contoso")
        record = vault.add_record(client.id, "procedure", "Restore", {"body": "1. Open the NAS"})
    return path, record.id


def test_a_vault_on_read_only_media_reads_and_refuses_writes(media, source) -> None:
    folder, protect = media
    path = folder / "vault.sitebook"
    shutil.copyfile(source[0], path)
    protect()
    assert not storage.writable(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with Vault.open(path) as vault:
        assert vault.read_only
        vault.unlock(PASSPHRASE)  # no audit entry: nothing is written
        assert vault.get_record(source[1]).fields["body"] == "1. Open the NAS"
        assert [c.name for c in vault.clients()] == ["Contoso"]
        assert vault.check().ok
        with pytest.raises(errors.VaultReadOnlyError, match="copy it to a writable folder"):
            vault.add_client("Fabrikam")
        with pytest.raises(errors.VaultReadOnlyError):
            vault.update_record(source[1], title="Changed")
        assert vault.get_record(source[1]).title == "Restore"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in folder.iterdir()) == ["vault.sitebook"]


def test_an_older_vault_on_read_only_media_says_it_needs_a_writable_copy(media, source) -> None:
    folder, protect = media
    path = folder / "vault.sitebook"
    shutil.copyfile(source[0], path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.pack_version(schema.FORMAT_MAJOR, 0)}")
    conn.close()
    protect()
    with pytest.raises(errors.VaultReadOnlyError, match="older Sitebook"):
        Vault.open(path)


def test_a_writable_vault_is_not_read_only(source) -> None:
    with Vault.open(source[0]) as vault:
        assert not vault.read_only
        vault.unlock(PASSPHRASE)
        assert vault.add_client("Fabrikam").name == "Fabrikam"
