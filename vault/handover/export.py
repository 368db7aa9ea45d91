"""``export_handover``: write a client's handover package, atomically, with progress and cancel.

The package is built in a hidden temp folder beside ``out`` and renamed into
place only when complete (or zipped to a temp file, fsynced and
``os.replace``-d); a failure or a cancel removes the temp folder and leaves
nothing at ``out``. Secret values are written only into ``credentials.kdbx``
and ``client.sitebook``, both under the handover passphrase.

Where the time goes (10,000 records, ``bench/bench_handover.py``): the two
Argon2id derivations of the handover passphrase run on a second thread while
this one reads the records (Argon2id does not hold the GIL); that thread then
writes credentials.kdbx and client.sitebook while this one writes the site
(its files created by ``tar``, see ``files``) and records.json, and a child
process writes the PDF (``pdf_process``). Every file is hashed from the bytes
written or by the thread that wrote it, so the manifest reads nothing back.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crypto import kdf
from crypto.passwords import generate_passphrase
from vault import errors, storage
from vault.handover import manifest as mf
from vault.handover import pdf_process
from vault.handover.audit_log import audit_note, write_audit
from vault.handover.files import FileWriter, Hashes, write_file
from vault.handover.pdf import write_pdf
from vault.handover.protected import Keys, close_keys, derive_keys, write_protected
from vault.handover.readme import readme_html
from vault.handover.records_json import write_records_json
from vault.handover.restore import fsync_tree
from vault.handover.site import write_site
from vault.handover.snapshot import Snapshot, safe_name, slug, take
from vault.vault import Vault

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]
PASSPHRASE_WORDS = 6
MIN_PASSPHRASE = 8


@dataclass(frozen=True)
class HandoverResult:
    """What :func:`export_handover` wrote.

    Attributes:
        path: The package folder or zip file.
        passphrase_generated: The generated handover passphrase, to show the
            person once; None when they gave one.
        counts: Live records per type.
        files: Every file of the package (POSIX paths relative to its root).
        fingerprint: The signing key's fingerprint (also in README.html).
        credentials: Entries in credentials.kdbx.
        not_readable: Records of the client restricted to other members, which
            the exporter could not read and so are not in the package.
        timings: Seconds spent in each part of the export (for benchmarks).
        cpu_timings: CPU seconds of the thread doing each part (a busy machine
            stretches ``timings``; these show the work itself). credentials.kdbx
            and client.sitebook are written on a second thread while the site,
            records.json and the PDF are, so wall times of those overlap.
    """

    path: Path
    passphrase_generated: str | None
    counts: dict[str, int]
    files: tuple[str, ...]
    fingerprint: str
    credentials: int = 0
    not_readable: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    cpu_timings: dict[str, float] = field(default_factory=dict)


class _Steps:
    """One progress counter across the export's phases; polls cancel between items."""

    def __init__(self, progress: Progress | None, cancel: Cancel | None) -> None:
        self.progress = progress
        self.cancel = cancel
        self.done = 0
        self.total = 0
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time one part of the export (``HandoverResult.timings`` and ``cpu_timings``)."""
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 3)
            self.cpu[name] = round(time.thread_time() - cpu, 3)

    def tick(self, amount: int = 1) -> None:
        self.done += amount
        if self.progress and self.total:
            self.progress(min(self.done, self.total), self.total)

    def check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise errors.CancelledError()


def _log_export(vault: Vault, snapshot: Snapshot, out: Path, zipped: bool) -> None:
    """Record the export in the source vault's audit log (a read-only vault only warns)."""
    try:
        vault.log_event(
            "export",
            scope_id=snapshot.client.id,
            kind="handover",
            records=len(snapshot.items),
            history=snapshot.history,
            zip=zipped,
            file=out.name,
        )
    except (errors.VaultReadOnlyError, errors.VaultBusyError, errors.StorageError):
        log.warning("the handover export could not be written to the audit log")


def _check_out(out: Path) -> None:
    if out.exists() or out.is_symlink():
        raise errors.VaultError(f"{out} already exists; choose another name.")
    if not out.parent.is_dir():
        raise errors.VaultError(f"Cannot write {out}: the folder {out.parent} does not exist.")


def attachment_paths(snapshot: Snapshot) -> dict[str, str]:
    """Attachment id -> its path in the package: attachments/<record>-<id>/<name>."""
    relative: dict[str, str] = {}
    for item in snapshot.items:
        if not item.attachments:
            continue
        folder = f"attachments/{slug(item.record.title)}-{item.id[:8]}"
        used: set[str] = set()
        for attachment in item.attachments:
            name = safe_name(attachment.name)
            stem, dot, ext = name.rpartition(".")
            number = 2
            while name.casefold() in used:
                name = (
                    f"{stem} ({number}).{ext}"
                    if dot
                    else f"{safe_name(attachment.name)} ({number})"
                )
                number += 1
            used.add(name.casefold())
            relative[attachment.id] = f"{folder}/{name}"
    return relative


def _export_attachments(
    vault: Vault, snapshot: Snapshot, root: Path, relative: dict[str, str], steps: _Steps
) -> dict[str, Path]:
    """Decrypt every attachment to its path (see :func:`attachment_paths`); return id -> file."""
    files: dict[str, Path] = {}
    for item in snapshot.items:
        for attachment in item.attachments:
            steps.check()
            dest = root / relative[attachment.id]
            dest.parent.mkdir(parents=True, exist_ok=True)
            vault.extract_attachment(attachment.id, dest)
            files[attachment.id] = dest
            steps.tick(1)
    return files


def _write_readable(
    snapshot: Snapshot,
    root: Path,
    relative: dict[str, str],
    steps: _Steps,
    written: Hashes,
    pdf_job: pdf_process.PdfJob | None,
) -> None:
    """The site, records.json and the PDF (or wait for its child); hashes go into ``written``.

    ``tar`` goes on creating the site's files while the child process finishes.
    """
    with FileWriter(root, written) as site_files:
        with steps.phase("site"):
            write_site(
                snapshot,
                root,
                relative,
                tick=steps.tick,
                check=steps.check,
                hashes=written,
                writer=site_files,
            )
        steps.check()
        outcome = None
        if pdf_job is not None:
            with steps.phase("child (wait)"):
                outcome = pdf_job.wait(written, steps.check)
        if outcome is None:  # no child process, or it failed: write them here
            with steps.phase("records.json"):
                write_records_json(snapshot, root, relative, tick=steps.tick, hashes=written)
            steps.check()
            with steps.phase("pdf"):
                path = root / "handover.pdf"
                write_pdf(snapshot, path, tick=steps.tick, check=steps.check, hashes=written)
        else:
            steps.cpu["pdf and records.json (child process)"] = round(outcome.cpu, 3)
            steps.tick(len(snapshot.items) + len(snapshot.live))
        steps.tick(len(snapshot.deleted))  # the runbook prints live records only
        with steps.phase("site (wait for tar)"):
            site_files.close()


def build_package(
    vault: Vault,
    snapshot: Snapshot,
    root: Path,
    *,
    passphrase: str,
    kdf_params: kdf.KdfParams,
    steps: _Steps,
    pool: ThreadPoolExecutor,
    keys: Future[Keys],
    stop: threading.Event,
) -> tuple[dict[str, Any], int]:
    """Write every part of the package into the folder ``root``; return the manifest.

    ``pool`` is the one-thread pool that derived ``keys``: the protected files
    are written on it. ``stop`` is set here when this thread fails.
    """
    n = len(snapshot.items)
    attachments = sum(len(i.attachments) for i in snapshot.items)
    steps.total = steps.done + attachments + 5 * n + 1
    relative = attachment_paths(snapshot)
    # The PDF and records.json are pure Python: a child process writes them on the other core.
    with steps.phase("child (start)"):
        pdf_job = pdf_process.start(snapshot, root, relative)
    try:
        with steps.phase("attachments"):
            files = _export_attachments(vault, snapshot, root, relative, steps)
        # The protected files run on the second thread; much of their time is in
        # SQLite, zlib and SHA-256, which let go of the GIL.
        written: Hashes = {}
        protected = pool.submit(
            write_protected,
            snapshot,
            root,
            passphrase,
            kdf_params,
            keys,
            files,
            phase=steps.phase,
            check=steps.check,
            stop=stop,
            written=written,
        )
        try:
            _write_readable(snapshot, root, relative, steps, written, pdf_job)
        except BaseException:
            stop.set()  # the caller's pool waits for the other thread before the error goes on
            raise
        entries = protected.result()
    except BaseException:
        if pdf_job is not None:
            pdf_job.stop()
        raise
    steps.tick(2 * n)  # one per record in each protected file
    audit_files = write_audit(snapshot, root)
    readme = readme_html(snapshot, kdbx_entries=entries, audit_note=audit_note(snapshot))
    write_file(str(root), "README.html", readme.encode("utf-8"), written)
    manifest = {
        "format": mf.FORMAT,
        "format_version": mf.FORMAT_VERSION,
        "created": snapshot.exported,
        "client": {"id": snapshot.client.id, "name": snapshot.client.name},
        "source_vault_id": snapshot.vault_id,
        "provider": snapshot.provider,
        "exporter": {
            "member_id": snapshot.exporter.member_id,
            "name": snapshot.exporter.name,
            "public_key": _b64(snapshot.exporter.public_key),
            "fingerprint": snapshot.exporter.fingerprint,
        },
        "options": {"history": snapshot.history, "audit": snapshot.audit},
        "audit": {
            "included": bool(audit_files),
            "entries": len(snapshot.audit_entries or []),
            "files": audit_files,
        },
        "counts": {
            "records": snapshot.counts(),
            "deleted": len(snapshot.deleted),
            "revisions": sum(len(i.revisions) for i in snapshot.items),
            "attachments": attachments,
            "credentials": entries,
            "not_readable": snapshot.hidden,
        },
        "files": {},
    }
    with steps.phase("manifest"):
        manifest["files"] = mf.file_table(root, written)
    data = mf.canonical(manifest)
    (root / mf.MANIFEST).write_bytes(data)
    (root / mf.SIGNATURE).write_bytes(mf.signature_document(vault.sign(mf.LABEL, data)))
    steps.tick(1)
    return manifest, entries


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _zip_into(folder: Path, dest: Path, top: str, steps: _Steps) -> None:
    """Zip ``folder`` under the top-level folder ``top`` into ``dest`` (temp, fsync, replace)."""
    tmp = dest.with_name(f".{dest.name}.partial")
    try:
        # Owner-only, like the folder form: records.json and the site are plain text.
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()  # left by a crash; O_EXCL below refuses whatever is in its place
        handle = os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        with (
            handle,
            zipfile.ZipFile(
                handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6
            ) as archive,
        ):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    steps.check()
                    name = f"{top}/{path.relative_to(folder).as_posix()}"
                    archive.write(path, name)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
        storage.fsync_dir(dest.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def export_handover(
    vault: Vault,
    client_id: str,
    out: str | os.PathLike[str],
    *,
    passphrase: str | None = None,
    zip: bool = False,
    history: bool = True,
    audit: bool = True,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    kdf_params: kdf.KdfParams | None = None,
) -> HandoverResult:
    """Export a client's handover package.

    Args:
        vault: The unlocked source vault.
        client_id: The client's id, name or unique prefix.
        out: The package folder to create, or the zip file with ``zip=True``.
        passphrase: The handover passphrase for credentials.kdbx and
            client.sitebook; None generates six diceware words (returned once).
        zip: Write one zip file instead of a folder.
        history: Include every version of every record (False: the newest only).
        audit: Include the client's audit log (audit.json and site/audit.html).
        progress: Called with (done, total) as work proceeds.
        cancel: Polled between items; returning True stops the export and
            raises CancelledError with nothing left at ``out``. A
            ``threading.Event``'s ``is_set`` fits.
        kdf_params: Argon2id cost for both protected files (default: calibrated
            to about one second on this computer).

    Returns:
        What was written.

    Raises:
        VaultError: ``out`` exists, the client is unknown, a record cannot be
            read, the passphrase is too short, or the disk refused a write.
        CancelledError: ``cancel`` returned True.
    """
    out = Path(out)
    _check_out(out)
    generated = None
    if passphrase is None:
        passphrase = generated = generate_passphrase(PASSPHRASE_WORDS)
    elif len(passphrase) < MIN_PASSPHRASE:
        raise errors.ValidationError({"passphrase": f"use at least {MIN_PASSPHRASE} characters"})
    steps = _Steps(progress, cancel)
    steps.check()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        with steps.phase("calibrate"):
            params = kdf_params or kdf.calibrate()
        client = vault.find_client(client_id)
        steps.total = 6 * len(vault.list_records(client.id, include_deleted=True)) + 1
        root = staging / "package"
        root.mkdir(mode=0o700)  # the plain-text parts are for the recipient, not other users
        stop = threading.Event()
        # Both Argon2id derivations (about a second each, outside the GIL) start on a
        # second thread now and overlap the reading; the protected files follow there.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="handover") as pool:
            keys = pool.submit(
                derive_keys, root, passphrase, params, client.name, vault.name, steps.phase
            )
            try:
                with steps.phase("read"):
                    snapshot = take(
                        vault,
                        client.id,
                        history=history,
                        audit=audit,
                        tick=steps.tick,
                        check=steps.check,
                    )
                manifest, entries = build_package(
                    vault,
                    snapshot,
                    root,
                    passphrase=passphrase,
                    kdf_params=params,
                    steps=steps,
                    pool=pool,
                    keys=keys,
                    stop=stop,
                )
            except BaseException:
                stop.set()
                pool.submit(close_keys, keys)
                raise
        with steps.phase("fsync"):
            fsync_tree(root)
        steps.check()
        if zip:
            with steps.phase("zip"):
                _zip_into(root, out, safe_name(out.stem) or "handover", steps)
        else:
            os.rename(root, out)
            storage.fsync_dir(out.parent)
    except OSError as exc:
        raise errors.StorageError(out, exc.strerror or str(exc)) from None
    except errors.StorageError as exc:  # a part refused in the hidden staging folder
        raise errors.StorageError(out, exc.detail) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _log_export(vault, snapshot, out, zip)
    files = (mf.MANIFEST, mf.SIGNATURE, *manifest["files"])
    return HandoverResult(
        path=out,
        passphrase_generated=generated,
        counts=snapshot.counts(),
        files=tuple(sorted(files)),
        fingerprint=snapshot.exporter.fingerprint,
        credentials=entries,
        not_readable=snapshot.hidden,
        timings=dict(steps.timings),
        cpu_timings=dict(steps.cpu),
    )
