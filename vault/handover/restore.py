"""Copying a client's records with their whole history from one vault into another.

Used both ways: the export writes ``client.sitebook`` (a new vault holding the
client's scope, protected by the handover passphrase), and ``import handover``
copies that file's client into the next provider's vault. Each record's
versions are replayed oldest first, in batches (``RecordStore.replay_versions``),
so the copy has the same history (same content and numbering; the saves are
signed by the member who replays them, at the time of the replay: a vault only
accepts signatures of its own members).
Record ids are kept, so relations and reference fields stay valid;
attachments are streamed across without a plaintext copy; user templates the
records use are copied first. An import is one transaction.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from crypto.kdf import KdfParams
from vault import errors
from vault.batchwrite import existing_ids
from vault.model import Client, Record
from vault.templates import BUILTIN_TEMPLATES, Template
from vault.vault import Vault

Tick = Callable[[int], None]
Check = Callable[[], None]


@dataclass(frozen=True)
class AttachmentCopy:
    """One attachment to copy: its record, name, type and a way to open its bytes."""

    record_id: str
    name: str
    mime: str
    open: Callable[[], BinaryIO]


@dataclass(frozen=True)
class RecordCopy:
    """One record to copy: its versions oldest first, and its attachments."""

    versions: list[Record]
    attachments: list[AttachmentCopy]


class ChunkReader(io.RawIOBase):
    """A read-only binary stream over an iterator of byte chunks (an attachment's plaintext)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        """Always True."""
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fill ``target`` from the chunks; 0 at the end."""
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = chunk
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def copy_templates(dest: Vault, templates: Iterable[Template]) -> None:
    """Add the user templates ``dest`` lacks; refuse one that differs under the same id.

    A differing definition could turn a secret field into a plain one, so it is an
    error, not something to guess about.
    """
    have = dest.templates()
    for template in templates:
        if template.id in BUILTIN_TEMPLATES:
            continue
        existing = have.get(template.id)
        if existing is None:
            dest.add_template(template)
        elif existing.to_dict() != template.to_dict():
            raise errors.VaultError(
                f"This vault already has a record type '{template.id}' with other fields; "
                "rename or remove it before importing this handover."
            )


BATCH = 500
"""Records written per ``replay_versions`` call."""


def replay(
    dest: Vault,
    scope_id: str,
    records: Iterable[RecordCopy],
    *,
    tick: Tick | None = None,
    check: Check | None = None,
) -> tuple[int, int, int]:
    """Write every version of every record into ``scope_id`` of ``dest``, keeping ids.

    Runs inside one transaction of ``dest`` (the caller's, if it opened one).
    Records go in batches through ``RecordStore.replay_versions`` without
    validation: they are copied from a vault that validated them, and links may
    point at records of a later batch. Attachments follow their batch.

    Returns:
        (records, versions, attachments) written.

    Raises:
        VaultError: A record id already exists in ``dest`` (the package was
            imported before, or this is its source vault).
    """
    counts = [0, 0, 0]
    batch: list[RecordCopy] = []

    def flush() -> None:
        if not batch:
            return
        found = existing_ids(dest, (copy.versions[0].id for copy in batch))
        if found:
            raise errors.VaultError(
                f"Record {sorted(found)[0][:8]} of this handover is already in this vault (was "
                "the package imported before, or is this the vault it came from?). "
                "Nothing was imported."
            )
        dest.replay_versions(
            [[replace(v, scope_id=scope_id) for v in copy.versions] for copy in batch],
            validate=False,
            event=None,
        )
        for copy in batch:
            for attachment in copy.attachments:
                if check:
                    check()
                with attachment.open() as stream:
                    dest.add_attachment(
                        copy.versions[0].id, stream, attachment.name, mime=attachment.mime or None
                    )
                counts[2] += 1
            counts[0] += 1
            counts[1] += len(copy.versions)
            if tick:
                tick(1)
        batch.clear()

    with dest.transaction():
        for copy in records:
            if check:
                check()
            batch.append(copy)
            if len(batch) >= BATCH:
                flush()
        flush()
    return counts[0], counts[1], counts[2]


def create_client_vault(
    path: Path, *, client_name: str, provider: str, passphrase: str, kdf: KdfParams
) -> Vault:
    """Create the empty ``client.sitebook`` (its key derivation is the slow part); return it open.

    The vault's recovery key is not kept: the handover passphrase is the way in
    (the recipient sets their own with ``sitebook passwd``).
    """
    vault, _recovery = Vault.create(
        path,
        name=f"{client_name} handover",
        owner=f"Handover from {provider}"[:200],
        passphrase=passphrase,
        kdf_params=kdf,
    )
    return vault


def fill_client_vault(
    vault: Vault,
    *,
    client_name: str,
    templates: Iterable[Template],
    records: Iterable[RecordCopy],
    tick: Tick | None = None,
    check: Check | None = None,
) -> None:
    """Write the client and its records into a vault from :func:`create_client_vault`; close it."""
    path = vault.path
    try:
        with vault.transaction():
            client = vault.add_client(client_name)
            copy_templates(vault, templates)
            replay(vault, client.id, records, tick=tick, check=check)
    finally:
        vault.close()
    for suffix in ("-wal", "-shm"):
        leftover = Path(f"{path}{suffix}")
        if leftover.exists():
            if leftover.stat().st_size:
                raise errors.StorageError(leftover, "the new vault was not fully checkpointed")
            leftover.unlink()


def write_client_vault(
    path: Path,
    *,
    client_name: str,
    provider: str,
    passphrase: str,
    kdf: KdfParams,
    templates: Iterable[Template],
    records: Iterable[RecordCopy],
    tick: Tick | None = None,
    check: Check | None = None,
) -> None:
    """Create ``client.sitebook``: a vault holding one client, for a next provider on Sitebook."""
    vault = create_client_vault(
        path, client_name=client_name, provider=provider, passphrase=passphrase, kdf=kdf
    )
    fill_client_vault(
        vault, client_name=client_name, templates=templates, records=records, tick=tick, check=check
    )


# ---------------------------------------------------------------------- reading a client vault


def client_of(source: Vault) -> Client:
    """The one client of a handover vault (``client.sitebook`` holds exactly one)."""
    clients = source.clients()
    if len(clients) != 1:
        raise errors.VaultError(
            f"{source.path} holds {len(clients)} clients; a handover vault holds exactly one."
        )
    return clients[0]


def records_of(source: Vault, scope_id: str) -> Iterator[RecordCopy]:
    """Every record of a scope with all its versions and attachments, for :func:`replay`."""
    for record in sorted(
        source.list_records(scope_id, include_deleted=True), key=lambda r: (r.created, r.id)
    ):
        if record.version == 1:
            versions = [record]
        else:
            versions = [
                record
                if info.number == record.version
                else source.get_record(record.id, info.number)
                for info in source.history(record.id)
            ]
        attachments = [
            AttachmentCopy(
                record.id,
                a.name,
                a.mime,
                (lambda att_id=a.id: ChunkReader(source.read_attachment(att_id))),  # type: ignore[misc]
            )
            for a in source.attachments(record.id)
        ]
        yield RecordCopy(versions, attachments)


def user_templates_of(source: Vault, scope_id: str) -> list[Template]:
    """User templates that records of a scope use (any version)."""
    used = set()
    for record in source.list_records(scope_id, include_deleted=True):
        used.add(record.type)
    templates = source.templates()
    return [templates[t] for t in sorted(used) if t in templates and t not in BUILTIN_TEMPLATES]


def file_opener(path: Path) -> Callable[[], BinaryIO]:
    """An opener for an exported attachment file."""
    return lambda: Path(path).open("rb")


def fsync_tree(root: Path) -> None:
    """Make every file and folder below ``root`` durable (before it is renamed into place).

    POSIX: one ``os.sync()`` (measured here: 0.3 s for a 10,000-page package,
    against 27 s for an fsync per file). Elsewhere: fsync each file and folder.
    """
    if hasattr(os, "sync"):
        os.sync()
        return
    for folder, _dirs, names in os.walk(root):
        for name in names:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
