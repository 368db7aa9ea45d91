"""Shared machinery of the reliability battery: writer processes, the ledger, leftovers.

The writer (``writer.py``) prints one JSON line per commit after the vault call
returned. :class:`Ledger` holds the vault to those lines: after a crash or a
refused write every printed commit must still be there, with the same content,
and nothing the writer was refused may be there. :class:`ForkServer` starts the
writer's fork server once, so a kill costs a ``fork`` rather than a fresh Python.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crypto.kdf import KdfParams
from tests.reliability.writer import BATCH_TAG, passphrase
from vault import Vault, errors
from vault.model import Record

REPO = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).resolve().parent / "writer.py"
LEFTOVER_SUFFIXES = (".part", ".creating")
# Two Argon2id derivations at once in one process hang with cryptography 50 on
# OpenSSL 4 when lanes exceed free threads (see test_kdf_threads.py): the
# harness's threads take turns.
ARGON2 = threading.Lock()

Entry = dict[str, Any]


def writer_env() -> dict[str, str]:
    """Our environment (TMPDIR and Sitebook folders stay the test's) plus PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no .pyc writes under a file-size limit
    return env


def run_script(script: str, config: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run a test file as its own child with ``config`` on stdin; its last JSON line.

    A child that crashes or prints nothing gives ``{"op": "crash", "detail": ...}``.
    """
    done = subprocess.run(
        [sys.executable, str(Path(script).resolve())],
        input=json.dumps(config) + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=writer_env(),
        timeout=timeout,
        check=False,
    )
    lines = done.stdout.splitlines()
    if done.returncode != 0 or not lines:
        return {"op": "crash", "detail": f"exit {done.returncode}: {done.stderr[-1500:]}"}
    return json.loads(lines[-1])


@dataclass
class Outcome:
    """One starved run: what the child reported and what the harness found."""

    result: str
    problems: list[str]


def writer_command(mode: str) -> list[str]:
    """The command line that starts ``writer.py`` in ``mode``."""
    return [sys.executable, str(WRITER), mode]


def run_writer(
    mode: str,
    config: Entry,
    *,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 120.0,
) -> tuple[int, list[str], str]:
    """Run the writer to completion; return (exit code, stdout lines, stderr)."""
    done = subprocess.run(
        writer_command(mode),
        input=json.dumps(config) + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=writer_env(),
        preexec_fn=preexec_fn,
        timeout=timeout,
        check=False,
    )
    return done.returncode, done.stdout.splitlines(), done.stderr


def make_vault(path: Path, kdf_params: KdfParams, clients: int = 1) -> str:
    """Create a vault (passphrase ``passphrase(0)``) with clients; return its recovery key."""
    with ARGON2:
        vault, recovery_key = Vault.create(
            path,
            name="Reliability Services",
            owner="Rel Owner",
            passphrase=passphrase(0),
            kdf_params=kdf_params,
        )
    for number in range(clients):
        vault.add_client(f"Client {number + 1}")
    vault.close()
    return recovery_key


def passphrase_works(path: Path, index: int) -> bool:
    """Whether ``passphrase(index)`` unlocks the vault (one Argon2id)."""
    with ARGON2, Vault.open(path) as vault:
        try:
            vault.unlock(passphrase(index))
        except errors.WrongPassphraseError:
            return False
        return True


def leftovers(roots: Iterable[Path]) -> list[Path]:
    """Temp files a failed write must not leave behind (``*.part``, ``*.creating``)."""
    found = []
    for root in roots:
        if not Path(root).exists():
            continue
        for folder, _dirs, names in os.walk(root):
            for name in names:
                if name.endswith(LEFTOVER_SUFFIXES) or ".creating" in name:
                    found.append(Path(folder) / name)
    return sorted(found)


def parse_lines(lines: Iterable[str]) -> tuple[list[Entry], list[str]]:
    """JSON entries from writer output; a torn last line (killed mid-print) is dropped.

    Returns (entries, problems): a malformed line that is not the last is a problem.
    """
    lines = list(lines)
    entries: list[Entry] = []
    problems: list[str] = []
    for number, line in enumerate(lines):
        try:
            entries.append(json.loads(line))
        except ValueError:
            if number != len(lines) - 1:
                problems.append(f"malformed writer line {number}: {line[:80]!r}")
    return entries, problems


def same_content(record: Record, entry: Entry) -> bool:
    """Whether a record read back equals what the writer printed for it."""
    return (
        record.id == entry["id"]
        and record.version == entry["version"]
        and record.scope_id == entry["scope"]
        and record.type == entry["type"]
        and record.title == entry["title"]
        and record.fields == entry["fields"]
        and list(record.tags) == entry["tags"]
        and record.deleted == entry["deleted"]
    )


@dataclass
class Ledger:
    """Everything a writer promised (printed) about one vault, and its passphrase state."""

    versions: dict[tuple[str, int], Entry] = field(default_factory=dict)
    heads: dict[str, int] = field(default_factory=dict)
    attachments: dict[str, Entry] = field(default_factory=dict)
    clients: dict[str, str] = field(default_factory=dict)
    batches: dict[str, list[str]] = field(default_factory=dict)
    fresh: list[Entry] = field(default_factory=list)
    deleted: dict[str, bool] = field(default_factory=dict)
    passphrase_good: int = 0
    passphrase_before: int = 0
    passphrase_next: int = 1
    counts: dict[str, int] = field(default_factory=dict)
    unprinted: set[tuple[str, int]] = field(default_factory=set)
    seconds: list[float] = field(default_factory=list)

    def _count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def absorb(self, entries: Iterable[Entry]) -> tuple[int | None, int | None]:
        """Take in a writer's printed commits.

        Returns (the passphrase change that began last but was not printed done,
        else None; the last passphrase change printed done, else None). A change
        printed done makes its passphrase ``passphrase_good`` and the one it
        replaced ``passphrase_before``.
        """
        begun: int | None = None
        finished: int | None = None
        for entry in entries:
            op = entry.get("op")
            if op == "save":
                self._save(entry)
            elif op == "batch":
                self.batches[entry["tag"]] = [r["id"] for r in entry["records"]]
                for record in entry["records"]:
                    self._save(record)
                self._count("imports" if entry.get("kind") == "import" else "batches")
            elif op == "attach":
                self.attachments[entry["id"]] = entry
                self.fresh.append(entry)
                self._count("attachments")
                if entry["size"] > 1024 * 1024:
                    self._count("multi-chunk attachments")
            elif op == "client":
                self.clients[entry["id"]] = entry["name"]
                self._count("clients")
            elif op == "passphrase-begin":
                begun, finished = entry["index"], None
                self.passphrase_next = max(self.passphrase_next, entry["index"] + 1)
            elif op == "passphrase":
                finished, begun = entry["index"], None
                self.passphrase_before, self.passphrase_good = self.passphrase_good, finished
                self._count("passphrase changes")
                self.seconds.append(entry.get("seconds", 0.0))
        return begun, finished

    def known(self) -> tuple[list[str], list[str]]:
        """(live, tombstoned) record ids as last printed, for the next writer."""
        live = [i for i, gone in self.deleted.items() if not gone]
        return live, [i for i, gone in self.deleted.items() if gone]

    def _save(self, entry: Entry) -> None:
        self.versions[(entry["id"], entry["version"])] = entry
        if entry["version"] >= self.heads.get(entry["id"], 0):
            self.deleted[entry["id"]] = entry["deleted"]
        self.heads[entry["id"]] = max(self.heads.get(entry["id"], 0), entry["version"])
        self.fresh.append(entry)
        self._count("commits")

    def verify(self, vault: Vault, *, full: bool) -> list[str]:
        """Problems with the promised commits in an unlocked vault (the empty list is good).

        Always: every printed record head is there at that version or newer, and
        equal when not newer; every batch (one transaction) is whole; every
        client is there. ``full`` re-reads every printed version and attachment;
        otherwise only those printed since the last call (``check`` covers the
        integrity of the rest).
        """
        problems: list[str] = []
        heads = {r.id: r for r in vault.list_records(include_deleted=True)}
        # The next writer works from what is in the vault, printed or not (a tombstone
        # committed just before a kill would otherwise look live to it).
        self.deleted = {record_id: record.deleted for record_id, record in heads.items()}
        for record_id, version in self.heads.items():
            found = heads.get(record_id)
            if found is None:
                problems.append(f"record {record_id} (printed v{version}) is missing")
            elif found.version < version:
                problems.append(f"record {record_id} is at v{found.version}, printed v{version}")
            elif found.version == version and not same_content(
                found, self.versions[(record_id, version)]
            ):
                problems.append(f"record {record_id} v{version} differs from what was printed")
            elif found.version > version and (record_id, found.version) not in self.unprinted:
                # Committed, then killed before the print: allowed, and worth counting.
                self.unprinted.add((record_id, found.version))
                self._count("commits found that were never printed")
        for record_id, found in heads.items():
            if record_id not in self.heads and (record_id, found.version) not in self.unprinted:
                self.unprinted.add((record_id, found.version))
                self._count("commits found that were never printed")
        problems += self._verify_batches(heads.values())
        clients = {c.id: c.name for c in vault.clients()}
        for client_id, name in self.clients.items():
            if clients.get(client_id) != name:
                problems.append(f"client {client_id} is missing or renamed")
        todo = list(self.versions.values()) + list(self.attachments.values()) if full else []
        todo += self.fresh
        self.fresh = []
        for entry in todo:
            problems += self._verify_entry(vault, entry)
        return problems

    def _verify_entry(self, vault: Vault, entry: Entry) -> list[str]:
        if entry["op"] == "save":
            try:
                record = vault.get_record(entry["id"], entry["version"])
            except errors.VaultError as exc:
                return [f"record {entry['id']} v{entry['version']}: {exc}"]
            if not same_content(record, entry):
                return [f"record {entry['id']} v{entry['version']} differs from what was printed"]
            return []
        listed = {a.id: a for a in vault.attachments(entry["record"])}
        found = listed.get(entry["id"])
        if found is None:
            return [f"attachment {entry['id']} of record {entry['record']} is missing"]
        if (found.name, found.size, found.sha256) != (
            entry["name"],
            entry["size"],
            entry["sha256"],
        ):
            return [f"attachment {entry['id']} metadata differs from what was printed"]
        digest = hashlib.sha256()
        for chunk in vault.read_attachment(entry["id"]):
            digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            return [f"attachment {entry['id']} bytes differ from what was printed"]
        return []

    def _verify_batches(self, records: Iterable[Record]) -> list[str]:
        groups: dict[str, list[Record]] = {}
        for record in records:
            for tag in record.tags:
                if tag.startswith(BATCH_TAG):
                    groups.setdefault(tag, []).append(record)
        problems = []
        for tag, members in groups.items():
            declared = {int(r.fields["serial_number"].split(" of ")[1]) for r in members}
            indexes = sorted(int(r.fields["serial_number"].split(" of ")[0]) for r in members)
            if len(declared) != 1 or indexes != list(range(1, declared.pop() + 1)):
                problems.append(f"batch {tag} is half there: items {indexes}")
        for tag, ids in self.batches.items():
            if tag not in groups:
                problems.append(f"printed batch {tag} ({len(ids)} records) is missing")
        return problems


class ForkServer:
    """``writer.py serve``: forks churn writers and SIGKILLs them after a delay."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            writer_command("serve"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=writer_env(),
        )

    def run(self, config: Entry, kill_after: float, out: Path, err: Path) -> Entry:
        """Fork a churn writer, kill it after ``kill_after`` seconds, return the server's reply."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        command = {"config": config, "kill_after": kill_after, "out": str(out), "err": str(err)}
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError(f"the fork server died (exit {self.proc.wait()})")
        return json.loads(reply)

    def close(self) -> None:
        """Stop the server (it exits when its stdin closes)."""
        with contextlib.suppress(OSError):
            if self.proc.stdin:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
