"""The handover's passphrase-protected files: ``credentials.kdbx`` and ``client.sitebook``.

Both are written on the export's second thread. Their keys come first
(:func:`derive_keys`, about a second of Argon2id each, which lets go of the
GIL) while the export's main thread reads the records; then
:func:`write_protected` fills them once the snapshot is there, while the main
thread writes the site. Each file is hashed here for the manifest.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from crypto.kdf import KdfParams
from vault import errors
from vault.handover.files import Hashes, hash_file
from vault.handover.kdbx import KdbxKey, write_kdbx
from vault.handover.kdbx import prepare as prepare_kdbx
from vault.handover.restore import (
    AttachmentCopy,
    RecordCopy,
    create_client_vault,
    file_opener,
    fill_client_vault,
)
from vault.handover.snapshot import Snapshot
from vault.templates import BUILTIN_TEMPLATES
from vault.vault import Vault

Phase = Callable[[str], AbstractContextManager[None]]
"""Times one part of the work (``export._Steps.phase``)."""


def client_records(snapshot: Snapshot, files: dict[str, Path]) -> list[RecordCopy]:
    """Every record with all its versions, oldest first, for client.sitebook."""
    return [
        RecordCopy(
            versions=[rev.record for rev in item.revisions],
            attachments=[
                AttachmentCopy(item.id, a.name, a.mime, file_opener(files[a.id]))
                for a in item.attachments
            ],
        )
        for item in sorted(snapshot.items, key=lambda i: (i.record.created, i.id))
    ]


@dataclass
class Keys:
    """The two protected files, created empty with their keys derived (on the second thread)."""

    kdbx: KdbxKey
    client_vault: Vault


def derive_keys(
    root: Path,
    passphrase: str,
    params: KdfParams,
    client_name: str,
    provider: str,
    phase: Phase,
) -> Keys:
    """Run both Argon2id derivations while the other thread reads the records."""
    with phase("kdbx key"):
        kdbx_key = prepare_kdbx(passphrase, params)
    with phase("client.sitebook key"):
        client_vault = create_client_vault(
            root / "client.sitebook",
            client_name=client_name,
            provider=provider,
            passphrase=passphrase,
            kdf=params,
        )
    return Keys(kdbx_key, client_vault)


def close_keys(keys: Future[Keys]) -> None:
    """After a failure: close client.sitebook if it was created (closing twice is harmless)."""
    with contextlib.suppress(Exception):
        keys.result().client_vault.close()


def write_protected(
    snapshot: Snapshot,
    root: Path,
    passphrase: str,
    params: KdfParams,
    keys: Future[Keys],
    files: dict[str, Path],
    *,
    phase: Phase,
    check: Callable[[], None],
    stop: threading.Event,
    written: Hashes,
) -> int:
    """credentials.kdbx and client.sitebook (on the second thread); return the KDBX entries.

    Progress is left to the calling thread; cancel and a failure of the other
    thread are polled between records. Each file is hashed here once written
    (SHA-256 runs outside the GIL), for the manifest.
    """

    def poll() -> None:
        if stop.is_set():
            raise errors.CancelledError()
        check()

    prepared = keys.result()  # done: this thread derived them before
    with phase("kdbx"):
        entries = write_kdbx(
            snapshot,
            root / "credentials.kdbx",
            passphrase,
            params,
            files,
            check=poll,
            key=prepared.kdbx,
        )
        hash_file(root, "credentials.kdbx", written)
    with phase("client.sitebook"):
        fill_client_vault(
            prepared.client_vault,
            client_name=snapshot.client.name,
            templates=[t for t in snapshot.templates.values() if t.id not in BUILTIN_TEMPLATES],
            records=client_records(snapshot, files),
            check=poll,
        )
        hash_file(root, "client.sitebook", written)
    return entries
