"""Writing ``handover.pdf`` and ``records.json`` in a child Python process, beside the export.

They are the export's largest pieces of pure Python (about 2.5 s and 1 s of
CPU for 10,000 records): in a thread they would only take turns with the
site and client.sitebook for the GIL. A child process
(``python -m vault.handover.pdf_process ROOT``) writes them on the other core
instead. It reads, through its stdin pipe, a pickled copy of the snapshot with
every secret value blanked (neither file holds one: the runbook prints a
placeholder, records.json ``null``), so no secret leaves this process;
measured on the 10,000-record benchmark: about 0.4 s here to copy and pickle,
0.8 s in the child to start and unpickle.

The child is started with ``subprocess``, not ``multiprocessing``: a spawned
``multiprocessing`` child re-runs the caller's main script, which a script
without an ``if __name__ == "__main__"`` guard does not survive. A frozen app
(PyInstaller) has no Python to start: there the child is the bundled
``sitebook`` command beside the running executable, started with
:data:`CHILD_FLAG` (``packaging/launch_cli.py`` hands that straight to
:func:`main`; a console program, so its standard streams are real even when
the window app asks). Without one, :func:`start` returns None and the caller
writes the PDF itself; it does the same when the child fails.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import vault
from vault.handover.files import Hashes, hash_file
from vault.handover.pdf import write_pdf
from vault.handover.records_json import write_records_json
from vault.handover.snapshot import Item, Revision, Snapshot
from vault.model import Record

PDF = "handover.pdf"
WRITTEN = (PDF, "records.json", "records.schema.json")
"""The files the child writes into the package root."""

CHILD_FLAG = "--handover-pdf-child"
"""The bundled command's first argument that makes it this child (``packaging/launch_cli.py``)."""

POLL_S = 0.05
"""How often the exporting thread checks for cancel while waiting for the child."""


@dataclass(frozen=True)
class Outcome:
    """What the child reports: pages written and its own CPU seconds."""

    pages: int
    cpu: float


def _blank(item: Item, record: Record) -> Record:
    secret = [name for name in record.fields if item.is_secret(name, record)]
    if not secret:
        return record
    return replace(record, fields={k: "" if k in secret else v for k, v in record.fields.items()})


def child_view(snapshot: Snapshot) -> Snapshot:
    """A copy of ``snapshot`` for the child: every version of every record, secrets blanked."""
    items = []
    for item in snapshot.items:
        head = _blank(item, item.record)
        revisions = [
            Revision(rev.info, head if rev.record is item.record else _blank(item, rev.record))
            for rev in item.revisions
        ]
        items.append(Item(head, item.kinds, revisions, item.attachments, item.backlinks))
    return replace(snapshot, items=items, audit_entries=None, by_id={})


class PdfJob:
    """The child process writing the PDF; :meth:`wait` collects it, :meth:`stop` ends it."""

    def __init__(self, process: subprocess.Popen[bytes], data: bytes, root: Path) -> None:
        self.root = root
        self._process = process
        self._output: tuple[bytes, bytes] | None = None
        self._feeder = threading.Thread(
            target=self._talk, args=(data,), name="handover-pdf", daemon=True
        )
        self._feeder.start()

    def _talk(self, data: bytes) -> None:
        try:
            self._output = self._process.communicate(data)
        except (OSError, ValueError):
            self._output = None  # the child was stopped

    def wait(self, hashes: Hashes, check: Callable[[], None] | None) -> Outcome | None:
        """Wait for the files (polling ``check``) and hash them into ``hashes``.

        Returns:
            The child's outcome; None when it failed (nothing of it is left: the
            caller writes the files itself).
        """
        try:
            while self._feeder.is_alive():
                if check:
                    check()
                self._feeder.join(POLL_S)
        except BaseException:
            self.stop()
            raise
        report = None
        if self._output is not None and self._process.returncode == 0:
            try:
                report = json.loads(self._output[0])
                outcome = Outcome(int(report["pages"]), float(report["cpu"]))
            except (ValueError, KeyError, TypeError):  # stray output: treat as a failure
                report = None
        if report is None:
            for name in WRITTEN:  # what the child left half-written
                if (self.root / name).is_file():
                    (self.root / name).unlink()
            return None
        for name in WRITTEN:
            hash_file(self.root, name, hashes)
        return outcome

    def stop(self) -> None:
        """End the child at once (cancel, or the export failed elsewhere)."""
        if self._process.poll() is None:
            self._process.kill()
        self._feeder.join()


def start(snapshot: Snapshot, root: Path, attachment_paths: dict[str, str]) -> PdfJob | None:
    """Start writing the PDF and records.json into ``root``; None when no child can start.

    ``attachment_paths`` maps attachment ids to their paths in the package.
    """
    command = child_command(root)
    if command is None:
        return None
    job = (child_view(snapshot), attachment_paths)
    data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    top = str(Path(vault.__file__).resolve().parent.parent)  # where ``vault`` is importable
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (top, env.get("PYTHONPATH"))))
    try:
        process = subprocess.Popen(  # a fixed argument list, no shell
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # field values never reach a log
            env=env,
            cwd=top,  # ``-m`` puts the working folder first on sys.path: ours, not the user's
        )
    except OSError:
        return None
    return PdfJob(process, data, root)


def child_command(root: Path) -> list[str] | None:
    """The command line that starts the child for ``root``; None when there is nothing to start.

    From source: this interpreter with ``-m``. In a frozen app: the bundled
    ``sitebook`` command in the executable's folder (the window app's own
    executable has no console streams on Windows).
    """
    if not sys.executable:
        return None
    if not getattr(sys, "frozen", False):
        return [sys.executable, "-m", "vault.handover.pdf_process", os.path.abspath(root)]
    cli = Path(sys.executable).with_name("sitebook.exe" if os.name == "nt" else "sitebook")
    return [str(cli), CHILD_FLAG, os.path.abspath(root)] if cli.is_file() else None


def main(argv: list[str]) -> int:
    """The child: read the pickled view from stdin, write the files into ``argv[0]``."""
    started = time.process_time()
    view, paths = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - the parent's, by pipe
    root = Path(argv[0])
    write_records_json(view, root, paths)
    pages = write_pdf(view, root / PDF)
    sys.stdout.write(json.dumps({"pages": pages, "cpu": time.process_time() - started}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
