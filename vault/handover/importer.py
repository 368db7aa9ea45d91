"""``import_handover``: bring a handover package's client into another vault.

Reads the package's ``client.sitebook`` with the handover passphrase (a
package folder, its zip, or the ``.sitebook`` file on its own) and copies its
client with every record, version, relation and attachment into the unlocked
destination vault as a new client, in one transaction. A package folder or zip
is verified against its signed manifest first and refused if anything differs;
a bare ``.sitebook`` has no manifest (``verified`` is False in the result).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vault import errors
from vault.handover.restore import client_of, copy_templates, records_of, replay, user_templates_of
from vault.handover.verify import _Zip, verify_package
from vault.model import Client
from vault.vault import Vault

CLIENT_FILE = "client.sitebook"


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_handover` brought in."""

    client: Client
    records: int
    versions: int
    attachments: int
    verified: bool
    fingerprint: str | None


@contextlib.contextmanager
def _client_file(path: Path) -> Iterator[tuple[Path, bool, str | None]]:
    """Yield (a private copy of client.sitebook, verified, exporter fingerprint).

    Packages are verified first. The vault is always opened from a copy in a
    temp folder: opening SQLite in WAL mode writes beside the file, which would
    alter the package (and fails on read-only media).
    """
    verified, fingerprint = False, None
    is_package = path.is_dir() or zipfile.is_zipfile(path)
    if is_package:
        result = verify_package(path)
        if not result.ok:
            raise errors.VaultError(
                f"The handover package {path} does not verify ({result.problems[0]}); nothing "
                "was imported. Run 'sitebook handover verify' to see every problem."
            )
        verified, fingerprint = True, result.exporter.get("fingerprint")
    staging = Path(tempfile.mkdtemp(prefix="sitebook-handover-"))
    try:
        target = staging / CLIENT_FILE
        if path.is_dir() or not is_package:
            original = path / CLIENT_FILE if path.is_dir() else path
            if not original.is_file():
                raise errors.VaultError(f"{path} has no {CLIENT_FILE}; it cannot be imported.")
            shutil.copyfile(original, target)
        else:
            source = _Zip(path)
            try:
                with source.open(CLIENT_FILE) as member, target.open("wb") as handle:
                    shutil.copyfileobj(member, handle, 1024 * 1024)
            except KeyError:
                raise errors.VaultError(
                    f"{path} has no {CLIENT_FILE}; it cannot be imported."
                ) from None
            finally:
                source.zip.close()
        yield target, verified, fingerprint
    except OSError as exc:
        raise errors.StorageError(path, exc.strerror or str(exc)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def import_handover(
    vault: Vault,
    path: str | os.PathLike[str],
    passphrase: str,
    *,
    client_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ImportResult:
    """Import a handover package (folder, zip or client.sitebook) as a new client.

    Args:
        vault: The unlocked destination vault.
        path: The package folder, its zip file, or a ``client.sitebook``.
        passphrase: The handover passphrase.
        client_name: Name for the new client (default: the client's own name).
        progress: Called with (records done, records total).
        cancel: Polled between records; True rolls everything back and raises
            CancelledError.

    Raises:
        VaultError: The package does not verify, the passphrase is wrong, a client
            of that name or one of the records already exists, or a record is damaged.
    """
    path = Path(path)
    if not path.exists():
        raise errors.VaultError(f"No handover package at {path}.")
    with _client_file(path) as (file, verified, fingerprint):
        source = Vault.open(file)
        try:
            source.unlock(passphrase)
            found = client_of(source)
            total = len(source.list_records(found.id, include_deleted=True))
            done = [0]

            def tick(amount: int) -> None:
                done[0] += amount
                if progress:
                    progress(done[0], total)

            def check() -> None:
                if cancel is not None and cancel():
                    raise errors.CancelledError()

            name = client_name or found.name
            if any(c.name.casefold() == name.casefold() for c in vault.clients()):
                raise errors.VaultError(
                    f"A client named '{name}' already exists; import under another name "
                    "(--client-name). Nothing was imported."
                )
            with vault.transaction():
                client = vault.add_client(name)
                details = {"source": "handover", "records": total, "verified": verified}
                with vault.bulk("import", client.id, **details):
                    copy_templates(vault, user_templates_of(source, found.id))
                    records, versions, attachments = replay(
                        vault, client.id, records_of(source, found.id), tick=tick, check=check
                    )
        finally:
            source.close()
    return ImportResult(client, records, versions, attachments, verified, fingerprint)
