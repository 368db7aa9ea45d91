"""The tampering engine: a small pristine vault, mutations of its rows, and a judge.

A :class:`Case` is a list of SQL statements run on a copy of the pristine vault
file (flip a byte, swap two ciphertexts, delete or duplicate a row, roll a record
back) plus what the case may legitimately break. :func:`observe` opens the
tampered copy through the public API exactly as a user would — open, unlock,
``check``, list, read every version, every attachment, the clients and members —
and writes down every refusal, every exception that is not a
:class:`~vault.errors.VaultError` (a crash) and every value that differs from the
pristine vault (wrong plaintext). :func:`judge` turns that into problems:
undetected, crashed, wrong plaintext returned, the wrong record named, or
collateral damage to records the tampering did not touch.

Cases are plain data so a process pool can run them on both cores.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from crypto.kdf import KdfParams
from vault import Vault, errors
from vault import attachments as attachments_module
from vault.fields import FieldDef, FieldKind
from vault.model import Record
from vault.templates import Template

PASSPHRASE = "tamper battery passphrase"
SMALL_CHUNK = 4096
Statement = tuple[str, tuple[Any, ...]]


def content(record: Record) -> tuple:
    """Everything about a record version that a reader relies on."""
    return (
        record.id,
        record.version,
        record.vid,
        record.scope_id,
        record.type,
        record.title,
        tuple(sorted(record.fields.items())),
        tuple(sorted((k, str(v)) for k, v in record.custom.items())),
        record.tags,
        record.links,
        record.deleted,
        record.author,
    )


def as_text(value: object) -> str:
    """A stored value as str (TEXT read as bytes, ids, integers)."""
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class Pristine:
    """The untouched vault: its bytes and everything it should read back as."""

    data: bytes
    recovery_key: str
    names: dict[str, str]  # short name (R1, A2, client-a, ...) -> id
    versions: dict[tuple[str, int], tuple]  # (record id, version) -> content
    heads: dict[str, int]
    record_scope: dict[str, str]
    attachments: dict[str, tuple[str, str]]  # attachment id -> (record id, sha256)
    clients: dict[str, str]  # scope id -> client name
    shared_scope: str
    internal_scope: str
    vault_name: str
    types: dict[tuple[str, str], str]  # (table, column) -> "text" | "blob" | "integer"
    snapshot: bytes  # the same vault before R1's third version: an older copy to roll back to

    def records_in(self, scope_id: str) -> set[str]:
        """Record ids whose versions live in ``scope_id``."""
        return {r for r, s in self.record_scope.items() if s == scope_id}

    def rows(self, table: str, *, old: bool = False) -> list[dict[str, Any]]:
        """Every row of a table in the pristine file (or the older snapshot), with its rowid."""
        data = self.snapshot if old else self.data
        rows = _query(data, f"SELECT rowid AS rowid_, * FROM {table}")
        named = [dict(zip(row.keys(), row, strict=True)) for row in rows]
        return [{"rowid" if k == "rowid_" else k: v for k, v in row.items()} for row in named]


def _query(data: bytes, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(":memory:")
    conn.deserialize(legacy_image(data))
    conn.row_factory = sqlite3.Row
    conn.text_factory = bytes
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def build_pristine(folder: Path, kdf_params: KdfParams) -> Pristine:
    """Create the small vault every case starts from.

    Client A, the provider-internal scope and the shared scope (with a user
    template). R1 (3 versions, client A), R2 (client A), R3 (2 versions,
    internal), R4 (internal, tombstoned), T (the template). Attachments: A1 (one
    chunk, on R1) and A2 (three 4 KiB chunks, on R3).
    """
    path = folder / "pristine.sitebook"
    vault, recovery_key = Vault.create(
        path, name="Tamper Works", owner="Tess Owner", passphrase=PASSPHRASE, kdf_params=kdf_params
    )
    with vault:
        a = vault.add_client("Client A")
        vault.add_template(
            Template(
                id="rack",
                name="Rack",
                plural="Racks",
                fields=(FieldDef("units", FieldKind.NUMBER, "Units"),),
                builtin=False,
            )
        )
        r1 = vault.add_record(a.id, "configuration", "srv-dc01", {"hostname": "srv-dc01"})
        vault.update_record(r1.id, fields={"notes": "Domain controller"})
        snapshot = _serialized(path)
        vault.update_record(r1.id, title="srv-dc01 (primary)", tags=["ad"])
        r2 = vault.add_record(
            a.id, "credential", "Domain admin", {"username": "admin", "password": "S3cret!x"}
        )
        r3 = vault.add_record(
            vault.internal_scope_id, "procedure", "Restore backups", {"body": "1. Open the NAS"}
        )
        vault.update_record(r3.id, fields={"body": "1. Open the NAS\n2. Pick a snapshot"})
        r4 = vault.add_record(
            vault.internal_scope_id, "contact", "On-call phone", {"phone": "+1 555 0100"}
        )
        vault.delete(r4.id)
        a1 = vault.add_attachment(r1.id, io.BytesIO(b"interface ge-0/0/0\n" * 40), "fw.conf")
        big = os.urandom(2 * SMALL_CHUNK + 100)
        # Readers take chunks of any size; small ones keep every case cheap to read.
        with mock.patch.object(attachments_module, "CHUNK_SIZE", SMALL_CHUNK):
            a2 = vault.add_attachment(r3.id, io.BytesIO(big), "snapshot.img")
        ids = {"R1": r1.id, "R2": r2.id, "R3": r3.id, "R4": r4.id, "A1": a1.id, "A2": a2.id}
        template_record = next(r.id for r in vault.changes(0)[0] if r.type == "template")
        ids.update({"T": template_record, "client-a": a.id})
        versions: dict[tuple[str, int], tuple] = {}
        heads: dict[str, int] = {}
        scopes: dict[str, str] = {}
        for name in ("R1", "R2", "R3", "R4", "T"):
            head = vault.get_record(ids[name])
            heads[head.id], scopes[head.id] = head.version, head.scope_id
            for number in range(1, head.version + 1):
                versions[(head.id, number)] = content(vault.get_record(head.id, number))
        attachments = {
            a1.id: (r1.id, a1.sha256),
            a2.id: (r3.id, hashlib.sha256(big).hexdigest()),
        }
        clients = {c.id: c.name for c in vault.clients()}
        ids.update({"shared": vault.shared_scope_id, "internal": vault.internal_scope_id})
        pristine_name = vault.name
        assert vault.check().ok
        shared, internal = vault.shared_scope_id, vault.internal_scope_id
    data = path.read_bytes()
    types = {}
    for (table,) in _query(data, "SELECT name FROM sqlite_master WHERE type = 'table'"):
        for column in _query(data, f"PRAGMA table_info({as_text(table)})"):
            declared = as_text(column["type"]).lower()
            kind = "integer" if "int" in declared else "blob" if "blob" in declared else "text"
            types[(as_text(table), as_text(column["name"]))] = kind
    return Pristine(
        data=data,
        recovery_key=recovery_key,
        names=ids,
        versions=versions,
        heads=heads,
        record_scope=scopes,
        attachments=attachments,
        clients=clients,
        shared_scope=shared,
        internal_scope=internal,
        vault_name=pristine_name,
        types=types,
        snapshot=snapshot,
    )


def _serialized(path: Path) -> bytes:
    """A consistent image of a live vault (main file plus WAL), as a WAL-mode file's bytes."""
    conn = sqlite3.connect(str(path))
    try:
        data = conn.serialize()
    finally:
        conn.close()
    return data[:18] + b"\x02\x02" + data[20:]


@dataclass(frozen=True)
class Case:
    """One tampering: statements to run, and what the judge may accept.

    Attributes:
        name: what was done, for messages ("flip members.salt[3]^0x01").
        statements: SQL run on a copy of the pristine file.
        named: record ids a check Problem must name (any one of them); empty for
            header cases, where any refusal counts.
        may_break: record ids allowed to become unreadable; everything else must
            read back exactly as before. None means anything may break (the
            header that every key hangs on).
        structure: a check Problem of kind "structure" (the signed vault state:
            "removed or rolled back") counts as naming the tampered rows.
        passphrase: unlock with the passphrase (not the recovery key), because
            only that path reads what was tampered with.
    """

    name: str
    statements: tuple[Statement, ...]
    named: frozenset[str] = frozenset()
    may_break: frozenset[str] | None = frozenset()
    structure: bool = False
    passphrase: bool = False
    target: str = ""  # "table.column" or "table[row].column" for flips, to group them by
    valid_text: bool = True  # False when a flip left a TEXT value that is not UTF-8
    same_bytes: bool = False  # the same bytes as TEXT instead of BLOB (or back): may pass unseen


@dataclass
class Observation:
    """What the public API said about one tampered copy."""

    case: str
    refused: list[str] = field(default_factory=list)  # VaultErrors, "where: Type"
    problems: list[tuple[str, str, int | None, str]] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    extra: list[str] = field(default_factory=list)
    stopped_at: str = ""
    impossible: str = ""
    genuine: frozenset[str] = frozenset()  # ids of the pristine vault's records and scopes


def flipped(value: bytes, position: int, mask: int) -> bytes:
    """``value`` with the byte at ``position`` XORed with ``mask``."""
    out = bytearray(value)
    out[position] ^= mask
    return bytes(out)


def set_value(table: str, column: str, rowid: int, value: object, *, text: bool) -> Statement:
    """An UPDATE that stores ``value`` with its storage class (TEXT bytes stay TEXT)."""
    placeholder = "CAST(? AS TEXT)" if text else "?"
    return (f"UPDATE {table} SET {column} = {placeholder} WHERE rowid = ?", (value, rowid))


def legacy_image(data: bytes) -> bytes:
    """The file bytes marked as rollback-journal mode (bytes 18-19), for an in-memory copy."""
    return data[:18] + b"\x01\x01" + data[20:]


def mutated(pristine: Pristine, case: Case) -> bytes:
    """The pristine file's bytes after the case's statements (run on an in-memory copy)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.deserialize(legacy_image(pristine.data))
        conn.execute("BEGIN")
        for sql, params in case.statements:
            conn.execute(sql, params)
        conn.execute("COMMIT")
        data = conn.serialize()
    finally:
        conn.close()
    return data[:18] + b"\x02\x02" + data[20:]  # back to WAL mode, as the vault wrote it


def apply(pristine: Pristine, case: Case, path: Path) -> None:
    """Write the tampered copy of the pristine vault to ``path`` (no -wal, no -shm)."""
    data = mutated(pristine, case)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
    path.write_bytes(data)


class _Watch:
    """Runs API calls, sorting outcomes into refusals and crashes."""

    def __init__(self, observation: Observation) -> None:
        self.observation = observation

    def __call__(self, where: str, call, *args: Any, **kwargs: Any) -> tuple[bool, Any]:
        try:
            return True, call(*args, **kwargs)
        except errors.VaultError as exc:
            self.observation.refused.append(f"{where}: {type(exc).__name__}")
            return False, exc
        except Exception as exc:
            self.observation.crashes.append(f"{where}: {type(exc).__name__}: {exc}")
            return False, exc


def observe(pristine: Pristine, case: Case, path: Path) -> Observation:
    """Apply ``case`` to a copy at ``path`` and read everything back through the API."""
    observation = Observation(case.name)
    observation.genuine = frozenset(pristine.heads) | frozenset(pristine.names.values())
    try:
        apply(pristine, case, path)
    except sqlite3.IntegrityError as exc:  # a constraint forbids this mutation: not a case
        observation.impossible = str(exc)
        return observation
    watch = _Watch(observation)
    ok, vault = watch("open", Vault.open, path)
    if not ok:
        observation.stopped_at = "open"
        return observation
    try:
        _read_everything(pristine, case, vault, watch, observation)
    finally:
        with contextlib.suppress(Exception):
            vault.close()
    return observation


def _read_everything(
    pristine: Pristine, case: Case, vault: Vault, watch: _Watch, observation: Observation
) -> None:
    if case.passphrase:
        ok, _ = watch("unlock", vault.unlock, PASSPHRASE)
    else:
        ok, _ = watch("unlock", vault.unlock_with_recovery, pristine.recovery_key)
    if not ok:
        observation.stopped_at = "unlock"
        return
    ok, report = watch("check", vault.check)
    if ok:
        observation.problems = [(p.kind, p.id, p.version, p.detail) for p in report.problems]
    ok, listed = watch("list", vault.list_records, include_deleted=True)
    if ok:
        known = set(pristine.heads)
        observation.extra += [f"listed unknown record {r.id}" for r in listed if r.id not in known]
        for record in listed:  # an older genuine version is a rollback (check's business)
            genuine = pristine.versions.get((record.id, record.version))
            if record.id in pristine.heads and content(record) != genuine:
                observation.wrong.append(f"list shows {record.id} v{record.version} changed")
    for (record_id, number), expected in pristine.versions.items():
        ok, record = watch(f"get {record_id} v{number}", vault.get_record, record_id, number)
        if not ok:
            observation.unreadable.add(record_id)
        elif content(record) != expected:
            observation.wrong.append(f"{record_id} v{number} reads back changed")
    for attachment_id, (record_id, sha256) in pristine.attachments.items():
        ok, described = watch(f"attachments of {record_id}", vault.attachments, record_id)
        if not ok:
            observation.unreadable.add(record_id)
            continue
        strangers = {a.id for a in described} - set(pristine.attachments)
        observation.extra += [f"listed unknown attachment {a}" for a in sorted(strangers)]
        if attachment_id not in {a.id for a in described}:
            observation.unreadable.add(record_id)
            observation.refused.append(f"attachment {attachment_id} not listed")
            continue
        ok, digest = watch(f"read {attachment_id}", _sha256, vault.read_attachment, attachment_id)
        if not ok:
            observation.unreadable.add(record_id)
        elif digest != sha256:
            observation.wrong.append(f"attachment {attachment_id} reads back changed")
    ok, clients = watch("clients", vault.clients)
    if ok:
        found = {c.id: c.name for c in clients}
        for client_id, name in found.items():
            if pristine.clients.get(client_id) != name:
                observation.wrong.append(f"client {client_id} reads back as another client")
        observation.unreadable |= {f"client:{c}" for c in pristine.clients if c not in found}
    ok, name = watch("vault name", lambda: vault.name)
    if ok and name != pristine.vault_name:
        observation.wrong.append("the vault name reads back changed")
    watch("members", vault.members)
    ok, audit_problems = watch("verify_audit", vault.verify_audit)
    if ok:
        observation.problems += [("audit", "-", None, text) for text in audit_problems]


def _sha256(reader, attachment_id: str) -> str:
    digest = hashlib.sha256()
    for chunk in reader(attachment_id):
        digest.update(chunk)
    return digest.hexdigest()


def judge(case: Case, observation: Observation) -> list[str]:
    """Problems with how the vault handled ``case`` (the empty list means: caught, cleanly)."""
    if observation.impossible:
        return []
    found = [f"crash: {c}" for c in observation.crashes]
    found += [f"wrong plaintext: {w}" for w in observation.wrong]
    found += [f"accepted: {e}" for e in observation.extra]
    problems = observation.problems
    if case.same_bytes and not (found or observation.unreadable or problems):
        return []  # read back as the same bytes: nothing changed for the vault
    if not (observation.stopped_at or problems or observation.refused):
        found.append("undetected")
    elif not (observation.stopped_at or problems):
        found.append(f"check() is clean, yet reads are refused ({observation.refused[0]})")
    if case.named and not observation.stopped_at:
        ids = {p[1] for p in problems}
        named = bool(ids & case.named) or (case.structure and "vault" in ids)
        if not named:
            found.append(
                f"check named {sorted(map(str, ids)) or 'nothing'}, not the tampered record"
            )
        # Blaming an id that only exists because of the tampering is fine; "-" is the audit log.
        strangers = (ids & observation.genuine) - case.named - {"vault", "-"}
        if strangers:
            found.append(f"check also blamed {sorted(map(str, strangers))}")
    if case.may_break is not None and not observation.stopped_at:
        collateral = observation.unreadable - case.may_break
        if collateral:
            found.append(f"untouched records became unreadable: {sorted(collateral)}")
    elif case.may_break is not None and observation.stopped_at:
        found.append(f"the whole vault stopped at {observation.stopped_at}")
    return [f"{case.name}: {f}" for f in found]


def run_cases(pristine: Pristine, cases: Iterable[Case], folder: Path) -> list[Observation]:
    """Observe cases one after another in ``folder`` (the pool calls this per batch)."""
    path = folder / "case.sitebook"
    return [observe(pristine, case, path) for case in cases]


# ---------------------------------------------------------------------- process pool

_WORKER: dict[str, Any] = {}


def init_worker(pristine: Pristine, folder: str) -> None:
    """Pool initializer: keep the pristine vault and a private folder in this process."""
    import logging

    logging.disable(logging.WARNING)  # "damaged record skipped" is expected here, by the thousand
    private = Path(folder) / f"worker-{os.getpid()}"
    private.mkdir(parents=True, exist_ok=True)
    _WORKER.update(pristine=pristine, path=private / "case.sitebook")


def observe_one(case: Case) -> Observation:
    """Pool task: observe one case in this worker's folder."""
    return observe(_WORKER["pristine"], case, _WORKER["path"])


def how_detected(observation: Observation) -> str:
    """Which line of defence caught a case (for the figures)."""
    if observation.stopped_at:
        return f"refused at {observation.stopped_at}"
    if observation.problems:
        return "named by check"
    if observation.refused:
        return "refused when read"
    return "undetected"
