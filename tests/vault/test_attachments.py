"""Encrypted, chunked, streamed attachments."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
from pathlib import Path

import pytest

from vault import Vault, errors

MIB = 1024 * 1024


class _Pattern(io.RawIOBase):
    """A readable stream of ``size`` pseudo-random bytes that never exists whole in memory."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = os.urandom(MIB + 7)
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left, len(self.block))
        buffer[:n] = self.block[:n]
        self.digest.update(self.block[:n])
        self.left -= n
        return n


def test_round_trip_small_and_empty(vault: Vault, client, tmp_path: Path) -> None:
    record = vault.add_record(client.id, "configuration", "srv-fs01")
    source = tmp_path / "config backup.txt"
    source.write_bytes(b"interface ge-0/0/0\n")
    first = vault.add_attachment(record.id, source)
    empty = vault.add_attachment(record.id, io.BytesIO(b""), "empty.log")
    listed = vault.attachments(record.id)
    assert [a.name for a in listed] == ["config backup.txt", "empty.log"]
    assert listed[0].size == 19 and listed[1].size == 0
    assert listed[0].mime == "text/plain"
    out = vault.extract_attachment(first.id, tmp_path / "out")
    assert out.read_bytes() == source.read_bytes()
    folder = tmp_path / "into"
    folder.mkdir()
    assert vault.extract_attachment(empty.id[:8], folder).read_bytes() == b""
    assert (folder / "empty.log").exists()


def test_names_are_cleaned(vault: Vault, client) -> None:
    record = vault.add_record(client.id, "contact", "Pat")
    attached = vault.add_attachment(record.id, io.BytesIO(b"x"), "..\\..\\etc/passwd")
    assert attached.name == "passwd"
    with pytest.raises(errors.ValidationError):
        vault.add_attachment(record.id, io.BytesIO(b"x"), "../")


def test_100_mb_is_streamed_not_held_in_memory(vault: Vault, client, tmp_path: Path) -> None:
    record = vault.add_record(client.id, "configuration", "nas01")
    size = 100 * MIB
    stream = _Pattern(size)
    tracemalloc.start()
    try:
        attached = vault.add_attachment(record.id, io.BufferedReader(stream, MIB), "image.vhdx")
        _, peak_add = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = vault.extract_attachment(attached.id, tmp_path / "image.vhdx")
        _, peak_extract = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert attached.size == size
    assert attached.sha256 == stream.digest.hexdigest()
    assert out.stat().st_size == size
    digest = hashlib.sha256()
    with out.open("rb") as handle:
        for block in iter(lambda: handle.read(MIB), b""):
            digest.update(block)
    assert digest.hexdigest() == attached.sha256
    # A few chunks at a time, never the whole file.
    assert peak_add < 16 * MIB, peak_add
    assert peak_extract < 16 * MIB, peak_extract
    rows = vault._conn.execute(
        "SELECT count(*), max(length(data)) FROM attachment_chunks WHERE attachment_id = ?",
        (attached.id,),
    ).fetchone()
    assert rows[0] == 100 and rows[1] <= MIB + 64


@pytest.mark.parametrize("damage", ["flip", "swap", "drop_last", "extra"])
def test_damaged_chunks_are_detected_and_leave_no_file(
    vault: Vault, client, tmp_path: Path, damage: str
) -> None:
    record = vault.add_record(client.id, "configuration", "srv")
    attached = vault.add_attachment(record.id, io.BytesIO(os.urandom(3 * MIB + 5)), "a.bin")
    conn = vault._conn
    if damage == "flip":
        data = bytearray(
            conn.execute(
                "SELECT data FROM attachment_chunks WHERE attachment_id = ? AND idx = 1",
                (attached.id,),
            ).fetchone()[0]
        )
        data[100] ^= 1
        conn.execute(
            "UPDATE attachment_chunks SET data = ? WHERE attachment_id = ? AND idx = 1",
            (bytes(data), attached.id),
        )
    elif damage == "swap":
        for old, new in ((0, -1), (1, 0), (-1, 1)):
            conn.execute(
                "UPDATE attachment_chunks SET idx = ? WHERE attachment_id = ? AND idx = ?",
                (new, attached.id, old),
            )
    elif damage == "drop_last":
        conn.execute(
            "DELETE FROM attachment_chunks WHERE attachment_id = ? AND idx = 3", (attached.id,)
        )
        conn.execute("UPDATE attachments SET chunks = 3 WHERE id = ?", (attached.id,))
    else:
        conn.execute(
            "INSERT INTO attachment_chunks SELECT attachment_id, 9, data FROM attachment_chunks "
            "WHERE attachment_id = ? AND idx = 0",
            (attached.id,),
        )
    dest = tmp_path / "out.bin"
    with pytest.raises(errors.DamagedRecordError, match=record.id):
        vault.extract_attachment(attached.id, dest)
    assert not dest.exists()
    assert list(tmp_path.glob(".out.bin*")) == []
    report = vault.check()
    assert [p.id for p in report.problems] == [record.id]
