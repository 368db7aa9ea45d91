"""The writer process the reliability battery kills, starves of disk and restarts.

Run as ``python tests/reliability/writer.py MODE`` from the repository root with
the repository on ``PYTHONPATH``; its configuration arrives as one JSON line on
stdin. Every commit is printed as one JSON line *after* the vault call returned
(stdout is flushed each time), so a line on stdout is a promise the harness holds
the vault to after a crash.

Modes:
    churn   open, unlock, then commit random work forever (records, updates,
            tombstones, clients, attachments, multi-record transactions, CSV imports,
            passphrase changes) until killed; ``first`` in the configuration names
            the operation to start with.
    fill    the same work under a file-size limit or on a full disk: print an
            ``attempt`` line before each operation and a commit or ``failed`` line
            after it, stop after a few failures, then try extracting attachments.
    create  create a new vault (the harness sets a file-size limit first).
    serve   a fork server for the kill test: it imports the vault once, then for
            each command forks a ``churn`` child, SIGKILLs it after the given delay,
            reaps it and reports. Forking costs milliseconds where a fresh Python
            costs 0.2 s, so 200 kills fit the CI budget.

Anything other than a :class:`vault.errors.VaultError` escaping a vault call is
printed as a ``crash`` line with its traceback (and exits 3 in ``fill``): the
battery treats it as a bug.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from typing import Any

from crypto.kdf import KdfParams
from vault import Vault, errors
from vault.model import Record

FLOOR_KDF = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
BIG_ATTACHMENT = (1024 * 1024 + 1, 2 * 1024 * 1024 + 512 * 1024)
TAGS = ("firewall", "server", "backup", "vpn", "printer", "m365")
BATCH_TAG = "batch-"

Entry = dict[str, Any]


def passphrase(index: int) -> str:
    """The passphrase with number ``index`` (the harness and the writer agree on these)."""
    return f"reliability passphrase number {index}"


def emit(entry: Entry) -> None:
    """Print one JSON line and flush it, so it survives a SIGKILL that follows."""
    sys.stdout.write(json.dumps(entry, sort_keys=True) + "\n")
    sys.stdout.flush()


def saved(record: Record) -> Entry:
    """What the harness must find again for a committed record version."""
    return {
        "op": "save",
        "id": record.id,
        "version": record.version,
        "scope": record.scope_id,
        "type": record.type,
        "title": record.title,
        "fields": dict(record.fields),
        "tags": list(record.tags),
        "deleted": record.deleted,
    }


def importer() -> Callable[..., Any] | None:
    """The importer the battery drives: no import is half there.

    ``importers.import_file`` (one vault transaction per import); None where the
    ``importers`` package is absent, and then only :meth:`Work.op_batch` (several
    records in one ``vault.transaction()``) stands in for it.
    """
    try:
        from importers import import_file
    except ImportError:  # pragma: no cover - importers are part of this repository
        return None
    return import_file


class Work:
    """Random vault work for one writer process, deterministic for a given seed."""

    def __init__(
        self,
        vault: Vault,
        rng: random.Random,
        next_pass: int,
        known: tuple[list[str], list[str]] | None = None,
    ) -> None:
        """Work on ``vault``; ``known`` (live ids, deleted ids) spares reading every record."""
        self.vault = vault
        self.rng = rng
        self.next_pass = next_pass
        self.clients = [c.id for c in vault.clients()] or [vault.add_client("First client").id]
        self.live: list[str] = []
        self.dead: list[str] = []
        if known is not None:
            self.live, self.dead = list(known[0]), list(known[1])
        else:
            for record in vault.list_records(include_deleted=True):
                (self.dead if record.deleted else self.live).append(record.id)

    def token(self) -> str:
        """A short random marker (hex) for titles, names and tags."""
        return self.rng.getrandbits(48).to_bytes(6, "big").hex()

    def text(self, low: int, high: int) -> str:
        """Markdown-ish text of a random length in [low, high] characters."""
        words = ("restart", "the", "srv-dc01", "service", "10.0.4.12", "backup", "check", "then")
        out: list[str] = []
        size = self.rng.randint(low, high)
        while sum(len(w) + 1 for w in out) < size:
            out.append(self.rng.choice(words))
        return " ".join(out)[:size] or "x"

    def new_fields(self, type_id: str) -> dict[str, str]:
        """Valid field values for a new record of ``type_id``."""
        if type_id == "procedure":
            return {"body": self.text(20, 12_000)}
        if type_id == "credential":
            return {"username": f"admin{self.token()}", "password": self.token() + "!Aa1"}
        return {"hostname": f"srv-{self.token()}", "notes": self.text(0, 3_000)}

    # ------------------------------------------------------------------ operations

    def op_add(self, marker: str = "") -> list[Entry]:
        """Create a record in a random client."""
        type_id = self.rng.choice(("configuration", "credential", "procedure"))
        record = self.vault.add_record(
            self.rng.choice(self.clients),
            type_id,
            f"{type_id} {marker or self.token()}",
            self.new_fields(type_id),
            tags=self.rng.sample(TAGS, self.rng.randint(0, 2)),
        )
        self.live.append(record.id)
        return [saved(record)]

    def op_update(self, marker: str = "", target: str | None = None) -> list[Entry]:
        """Save a new version of a live record (new title and one changed field)."""
        if not self.live:
            return self.op_add(marker)
        record = self.vault.get_record(target or self.rng.choice(self.live))
        name = {"procedure": "body", "credential": "password"}.get(record.type, "notes")
        value = self.text(1, 4_000) if name != "password" else self.token() + "!Bb2"
        updated = self.vault.update_record(
            record.id, title=f"{record.type} {marker or self.token()}", fields={name: value}
        )
        return [saved(updated)]

    def op_delete(self, marker: str = "", target: str | None = None) -> list[Entry]:
        """Tombstone a live record, or bring a tombstoned one back."""
        if target is None and self.dead and (not self.live or self.rng.random() < 0.5):
            target = self.rng.choice(self.dead)
        elif target is None and self.live:
            target = self.rng.choice(self.live)
        if target is None:
            return self.op_add(marker)
        if target in self.dead:
            record = self.vault.undelete(target)
            self.dead.remove(record.id)
            self.live.append(record.id)
        else:
            record = self.vault.delete(target)
            self.live.remove(record.id)
            self.dead.append(record.id)
        return [saved(record)]

    def op_client(self, marker: str = "") -> list[Entry]:
        """Add a client (a new scope with its own key)."""
        client = self.vault.add_client(f"Client {marker or self.token()}")
        self.clients.append(client.id)
        return [{"op": "client", "id": client.id, "name": client.name}]

    def op_attach(self, marker: str = "", big: bool | None = None) -> list[Entry]:
        """Attach random bytes (usually small, sometimes several 1 MiB chunks) to a record."""
        if not self.live:
            self.op_add()
        record_id = self.rng.choice(self.live)
        if big is None:
            big = self.rng.random() < 0.15
        size = self.rng.randint(*BIG_ATTACHMENT) if big else self.rng.randint(0, 64 * 1024)
        data = self.rng.randbytes(size)
        name = f"att-{marker or self.token()}.bin"
        attached = self.vault.add_attachment(record_id, io.BytesIO(data), name)
        return [
            {
                "op": "attach",
                "id": attached.id,
                "record": record_id,
                "name": name,
                "size": size,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        ]

    def op_batch(self, marker: str = "") -> list[Entry]:
        """Several records in one transaction, the way an importer must write them."""
        count = self.rng.randint(2, 8)
        tag = BATCH_TAG + (marker or self.token())
        client = self.rng.choice(self.clients)
        records: list[Record] = []
        with self.vault.transaction():
            for index in range(count):
                records.append(
                    self.vault.add_record(
                        client,
                        "configuration",
                        f"batch item {index + 1}",
                        {"hostname": f"imp-{index}", "serial_number": f"{index + 1} of {count}"},
                        tags=[tag],
                    )
                )
        self.live.extend(r.id for r in records)
        return [{"op": "batch", "tag": tag, "size": count, "records": [saved(r) for r in records]}]

    def op_passphrase(self, marker: str = "") -> list[Entry]:
        """Change the passphrase; a ``passphrase-begin`` line goes out before the call."""
        index = self.next_pass
        self.next_pass += 1
        emit({"op": "passphrase-begin", "index": index})
        started = time.perf_counter()
        self.vault.change_passphrase(passphrase(index), kdf_params=FLOOR_KDF)
        seconds = round(time.perf_counter() - started, 3)
        return [{"op": "passphrase", "index": index, "seconds": seconds}]

    def op_import(self, marker: str = "") -> list[Entry]:
        """Import a generated CSV of a few credentials, all tagged alike, in one call."""
        import_file = importer()
        assert import_file is not None
        count = self.rng.randint(2, 8)
        tag = BATCH_TAG + (marker or self.token())
        handle, name = tempfile.mkstemp(suffix=".csv")
        try:
            with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
                rows = csv.writer(out)
                rows.writerow(["title", "username", "password", "tags", "serial_number"])
                for index in range(count):
                    rows.writerow(
                        [
                            f"imported {tag} {index + 1}",
                            f"user{index}",
                            self.token() + "!Cc3",
                            tag,
                            f"{index + 1} of {count}",
                        ]
                    )
            report = import_file(
                self.vault, name, format="csv", client=self.rng.choice(self.clients)
            )
        finally:
            os.unlink(name)
        records = [self.vault.get_record(record_id) for record_id in report.record_ids]
        self.live.extend(r.id for r in records)
        entry = {"op": "batch", "kind": "import", "tag": tag, "size": count}
        return [entry | {"records": [saved(r) for r in records]}]

    def operations(self) -> list[tuple[str, float]]:
        """The operations and their weights."""
        ops = [
            ("add", 30.0),
            ("update", 28.0),
            ("delete", 5.0),
            ("client", 2.0),
            ("attach", 18.0),
            ("batch", 8.0),
            ("passphrase", 0.5),
        ]
        if importer() is not None:
            ops.append(("import", 8.0))
        return ops

    def pick(self) -> str:
        """Choose an operation by weight."""
        names, weights = zip(*self.operations(), strict=True)
        return self.rng.choices(names, weights)[0]

    def run(self, name: str, marker: str = "", **options: Any) -> list[Entry]:
        """Run one operation by name and return the entries to print."""
        return getattr(self, f"op_{name}")(marker, **options)


def _open(config: Entry) -> Vault:
    vault = Vault.open(config["vault"])
    vault.unlock_with_recovery(config["recovery"])
    return vault


def _crash(exc: BaseException, what: str) -> Entry:
    return {
        "op": "crash",
        "what": what,
        "error": type(exc).__name__,
        "message": str(exc),
        "traceback": traceback.format_exc(),
    }


def churn(config: Entry) -> None:
    """Commit random work forever; the harness ends this process with SIGKILL."""
    vault = _open(config)
    known = (config["live"], config["dead"]) if "live" in config else None
    work = Work(vault, random.Random(config["seed"]), config["next_pass"], known)
    emit({"op": "ready"})
    first = config.get("first")
    while True:
        name, first = first or work.pick(), None
        try:
            entries = work.run(name)
        except errors.VaultError as exc:  # a known condition: say so, carry on
            emit({"op": "failed", "what": name, "error": type(exc).__name__, "message": str(exc)})
            continue
        for entry in entries:
            emit(entry)


def fill(config: Entry) -> int:
    """Work until the disk refuses, then a little more; every outcome is printed."""
    try:
        vault = _open(config)
    except errors.VaultError as exc:
        emit({"op": "failed", "what": "open", "error": type(exc).__name__, "message": str(exc)})
        return 0
    rng = random.Random(config["seed"])
    work = Work(vault, rng, config["next_pass"])
    failures = 0
    for step in range(config.get("max_ops", 60)):
        name = work.pick()
        marker = f"m{step}x{work.token()}"
        before: Entry = {"op": "attempt", "what": name, "marker": marker}
        options: Entry = {}
        candidates = work.live if name == "update" else work.live + work.dead
        if name in ("update", "delete") and candidates:
            # The harness must know which head may not move if this save fails.
            options["target"] = before["record"] = rng.choice(candidates)
            before["head"] = vault.get_record(options["target"]).version
        if name == "passphrase":
            before["index"] = work.next_pass
        emit(before)
        live, dead = list(work.live), list(work.dead)
        try:
            entries = work.run(name, marker, **options)
        except errors.VaultError as exc:
            failures += 1
            work.live, work.dead = live, dead
            emit(
                {
                    "op": "failed",
                    "what": name,
                    "marker": marker,
                    "error": type(exc).__name__,
                    "message": str(exc),
                }
            )
        except Exception as exc:  # a bug: report it and stop
            emit(_crash(exc, name))
            return 3
        else:
            for entry in entries:
                emit(entry)
        if failures >= config.get("stop_after_failures", 4):
            break
    for job in config.get("extract", []):
        emit({"op": "attempt", "what": "extract", "id": job["id"], "dest": job["dest"]})
        try:
            vault.extract_attachment(job["id"], job["dest"])
        except errors.VaultError as exc:
            emit(
                {
                    "op": "failed",
                    "what": "extract",
                    "id": job["id"],
                    "error": type(exc).__name__,
                    "message": str(exc),
                }
            )
        except Exception as exc:
            emit(_crash(exc, "extract"))
            return 3
        else:
            emit({"op": "extracted", "id": job["id"], "dest": job["dest"]})
    try:
        vault.close()
    except Exception as exc:
        emit(_crash(exc, "close"))
        return 3
    return 0


def create(config: Entry) -> int:
    """Create a vault at ``config['vault']`` and report the outcome."""
    try:
        vault, recovery_key = Vault.create(
            config["vault"],
            name="Reliability",
            owner="Writer",
            passphrase=passphrase(0),
            kdf_params=FLOOR_KDF,
        )
        vault.close()
    except errors.VaultError as exc:
        emit({"op": "failed", "what": "create", "error": type(exc).__name__, "message": str(exc)})
    except Exception as exc:
        emit(_crash(exc, "create"))
    else:
        emit({"op": "created", "recovery": recovery_key})
    return 0


def serve() -> int:
    """Fork server: one ``churn`` child per command line, killed after ``kill_after`` s.

    Command: ``{"config": {...}, "kill_after": seconds, "out": path, "err": path}``.
    Reply: ``{"pid": n, "killed": bool, "status": wait status}``, after the child
    has been reaped, so the harness can open the vault knowing nobody writes to it.
    """
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for line in sys.stdin:
        command = json.loads(line)
        out = os.open(command["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(command["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: becomes a churn writer
            code = 1
            try:
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(out, 1)
                os.dup2(err, 2)
                churn(command["config"])
            except BaseException:
                traceback.print_exc()
                sys.stderr.flush()
            finally:
                os._exit(code)
        os.close(out)
        os.close(err)
        deadline = time.monotonic() + command["kill_after"]
        status = None
        while (left := deadline - time.monotonic()) > 0:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(min(left, 0.002))
            status = None
        killed = status is None
        if killed:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        sys.stdout.write(json.dumps({"pid": pid, "killed": killed, "status": status}) + "\n")
        sys.stdout.flush()
    return 0


def main(argv: list[str]) -> int:
    """Entry point: ``writer.py MODE`` with the configuration as a JSON line on stdin."""
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "serve":
        return serve()
    config = json.loads(sys.stdin.readline())
    if mode == "churn":
        churn(config)
        return 0
    if mode == "fill":
        return fill(config)
    if mode == "create":
        return create(config)
    sys.stderr.write(f"usage: writer.py churn|fill|create|serve (got {mode!r})\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
