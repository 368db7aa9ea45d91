"""I/O failure: a write refused part-way leaves the vault unchanged or fully updated.

A writer process works on a vault (records, new versions, tombstones, clients,
attachments, multi-record transactions, CSV imports, passphrase changes, then
extracting a 3 MiB attachment) while the disk refuses writes part-way:

* ``RLIMIT_FSIZE`` set in ``preexec_fn``, with SIGXFSZ ignored, so any write past
  a random offset fails with EFBIG (portable, no privileges);
* a small, nearly full tmpfs (ENOSPC), when we may mount one (root).

Every operation either printed its commit — and the reopened vault holds it —
or failed with a :class:`~vault.errors.StorageError` (never a traceback) and left
no trace: no record, version, attachment, client or passphrase change, no
half-written export, no ``.part`` or ``.creating`` file. ``check()`` is clean.
Creating a vault under the same limit must fail just as cleanly.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from tests.reliability.harness import (
    Entry,
    Ledger,
    leftovers,
    make_vault,
    parse_lines,
    passphrase_works,
    run_writer,
)
from tests.reliability.writer import BATCH_TAG
from vault import Vault

MIB = 1024 * 1024
CI_RUNS, FULL_RUNS = 16, 400
CI_DISK_RUNS, FULL_DISK_RUNS = 6, 100
CI_CREATE_RUNS, FULL_CREATE_RUNS = 4, 200
LIMITS = (48 * 1024, 4 * MIB)  # log-uniform: most runs fail early, some after the WAL grew
SENTINEL = b"the previous export, which a failed extract must leave alone\n"
WORKERS = 2


@dataclass
class Template:
    """A closed vault to copy for each run, with a 3 MiB attachment to extract."""

    path: Path
    recovery_key: str
    attachment_id: str
    attachment_sha256: str


@dataclass
class Outcome:
    """What one starved writer did, and what the harness found afterwards."""

    problems: list[str] = field(default_factory=list)
    committed: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    extract_refused: int = 0


@pytest.fixture
def template(tmp_path: Path, fast_kdf: KdfParams) -> Template:
    """A small vault with two clients, a record and a 3 MiB attachment (closed, no WAL)."""
    path = tmp_path / "template" / "vault.sitebook"
    path.parent.mkdir()
    recovery_key = make_vault(path, fast_kdf, clients=2)
    data = random.Random(7).randbytes(3 * MIB + 123)
    with Vault.open(path) as vault:
        vault.unlock_with_recovery(recovery_key)
        client = vault.clients()[0]
        record = vault.add_record(client.id, "configuration", "nas01", {"hostname": "nas01"})
        attached = vault.add_attachment(record.id, io.BytesIO(data), "image.bin")
    return Template(path, recovery_key, attached.id, hashlib.sha256(data).hexdigest())


def file_size_limit(limit: int) -> Callable[[], None]:
    """A ``preexec_fn`` that makes writes past ``limit`` bytes fail with EFBIG."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def starve(
    template: Template,
    folder: Path,
    seed: int,
    *,
    preexec_fn: Callable[[], None] | None = None,
    after: Callable[[], None] | None = None,
) -> Outcome:
    """Run a ``fill`` writer on a copy of the template in ``folder`` and judge the result.

    ``after`` runs once the writer is done and before the vault is reopened (the
    full-disk runs give the file system room again there, as a user would).
    """
    outcome = Outcome()
    path = folder / "vault.sitebook"
    shutil.copyfile(template.path, path)
    exports = folder / "exports"
    exports.mkdir()
    previous = exports / "image.bin"
    previous.write_bytes(SENTINEL)
    config = {
        "vault": str(path),
        "recovery": template.recovery_key,
        "seed": seed,
        "next_pass": 1,
        "max_ops": 30,
        "stop_after_failures": 3,
        "extract": [{"id": template.attachment_id, "dest": str(previous)}],
    }
    code, lines, stderr = run_writer("fill", config, preexec_fn=preexec_fn)
    if after is not None:
        after()
    entries, torn = parse_lines(lines)
    outcome.problems += torn
    if code != 0:
        outcome.problems.append(f"writer exit {code}: {stderr[-1500:]}")
    outcome.problems += [f"not a VaultError: {e}" for e in entries if e["op"] == "crash"]
    ledger = Ledger()
    ledger.absorb(entries)
    outcome.committed = ledger.counts.get("commits", 0) + ledger.counts.get("attachments", 0)
    refused = [e for e in entries if e["op"] == "failed"]
    for entry in refused:
        if entry["error"] != "StorageError" or "Could not write" not in entry["message"]:
            outcome.problems.append(f"unclear error for a refused write: {entry}")
        outcome.refused[entry["what"]] = outcome.refused.get(entry["what"], 0) + 1
    attempts = {e["marker"]: e for e in entries if e["op"] == "attempt" and "marker" in e}
    try:
        with Vault.open(path) as vault:
            vault.unlock_with_recovery(template.recovery_key)
            report = vault.check()
            outcome.problems += [f"check: {p.kind} {p.id}: {p.detail}" for p in report.problems]
            outcome.problems += ledger.verify(vault, full=True)
            for entry in refused:
                if entry["what"] in ("open", "extract"):
                    continue
                outcome.problems += _left_no_trace(vault, path, ledger, attempts[entry["marker"]])
    except Exception as exc:  # the vault must reopen after a refused write, whatever it was
        outcome.problems.append(f"reopening failed: {type(exc).__name__}: {exc}")
    extracted = any(e["op"] == "extracted" for e in entries)
    if extracted:
        digest = hashlib.sha256(previous.read_bytes()).hexdigest()
        if digest != template.attachment_sha256:
            outcome.problems.append("an extract that reported success wrote other bytes")
    else:
        outcome.extract_refused += 1
        if previous.read_bytes() != SENTINEL:
            outcome.problems.append("a refused extract changed the file it was replacing")
    outcome.problems += [f"left behind: {p}" for p in leftovers([folder])]
    return outcome


def _left_no_trace(vault: Vault, path: Path, ledger: Ledger, attempt: Entry) -> list[str]:
    """Problems if a refused operation left anything behind."""
    marker, what = attempt["marker"], attempt["what"]
    records = vault.list_records(include_deleted=True)
    if what in ("update", "delete") and "record" in attempt:
        # The version it would have written may exist only as a later, printed commit.
        record_id, number = attempt["record"], attempt["head"] + 1
        if vault.get_record(record_id).version >= number and (record_id, number) not in (
            ledger.versions
        ):
            return [f"refused {what} of {record_id} still wrote version {number}"]
    elif what in ("add", "update", "delete") and any(marker in r.title for r in records):
        return [f"refused {what} {marker} left a record"]
    elif what in ("batch", "import") and any(BATCH_TAG + marker in r.tags for r in records):
        return [f"refused {what} {marker} left records"]
    elif what == "client" and any(marker in c.name for c in vault.clients()):
        return [f"refused client {marker} was created"]
    elif what == "attach":
        names = [a.name for r in records for a in vault.attachments(r.id)]
        if any(marker in name for name in names):
            return [f"refused attachment {marker} was stored"]
    elif what == "passphrase" and (
        passphrase_works(path, attempt["index"])
        or not passphrase_works(path, ledger.passphrase_good)
    ):
        return [f"refused passphrase change to {attempt['index']} took effect"]
    return []


def _summary(outcomes: list[Outcome]) -> str:
    refused: dict[str, int] = {}
    for outcome in outcomes:
        for what, n in outcome.refused.items():
            refused[what] = refused.get(what, 0) + n
    listed = ", ".join(f"{what} {n}" for what, n in sorted(refused.items()))
    return (
        f"{sum(o.committed for o in outcomes)} commits kept; refused: {listed}; "
        f"{sum(o.extract_refused for o in outcomes)} extracts refused"
    )


def test_file_size_limit_leaves_vault_unchanged_or_updated(
    tmp_path: Path, template: Template, full: bool, rng: random.Random, figures
) -> None:
    runs = FULL_RUNS if full else CI_RUNS
    low, high = LIMITS
    jobs = []
    for number in range(runs):
        folder = tmp_path / f"run{number}"
        folder.mkdir()
        limit = int(low * (high / low) ** rng.random())
        jobs.append((folder, rng.getrandbits(64), limit))
    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(
            pool.map(
                lambda job: starve(template, job[0], job[1], preexec_fn=file_size_limit(job[2])),
                jobs,
            )
        )
    failed = [o for o in outcomes if o.problems]
    figures.record(
        "I/O failure: RLIMIT_FSIZE (EFBIG) part-way", runs, len(failed), _summary(outcomes)
    )
    assert failed == [], "\n".join(p for o in failed for p in o.problems[:5])
    assert sum(sum(o.refused.values()) for o in outcomes) >= runs  # the limit really bit
    assert sum(o.committed for o in outcomes) > 0  # and some work got through first


@pytest.fixture
def small_disk(tmp_path: Path) -> Callable[[int], tuple[Path, Callable[[], None]]]:
    """Mount small tmpfs file systems (root only); unmounted after the test."""
    mounted: list[Path] = []

    def mount(size: int) -> tuple[Path, Callable[[], None]]:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "sitebook-full", str(point)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()})")
        mounted.append(point)

        def grow() -> None:
            subprocess.run(["mount", "-o", "remount,size=256m", str(point)], check=True)

        return point, grow

    if os.geteuid() != 0:
        pytest.skip("a full file system needs a tmpfs mount, which needs root")
    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_full_disk_leaves_vault_unchanged_or_updated(
    template: Template, small_disk, full: bool, rng: random.Random, figures
) -> None:
    runs = FULL_DISK_RUNS if full else CI_DISK_RUNS
    outcomes = []
    base = template.path.stat().st_size
    for _ in range(runs):
        # Room for the vault and a random slack: sometimes enough to extract, often not.
        slack = rng.randint(16 * 1024, 5 * MIB)
        point, grow = small_disk(base + 64 * 1024 + slack)
        outcomes.append(starve(template, point, rng.getrandbits(64), after=grow))
    failed = [o for o in outcomes if o.problems]
    figures.record("I/O failure: full tmpfs (ENOSPC)", runs, len(failed), _summary(outcomes))
    assert failed == [], "\n".join(p for o in failed for p in o.problems[:5])
    assert sum(sum(o.refused.values()) for o in outcomes) >= runs


def test_create_under_file_size_limit_fails_cleanly(
    tmp_path: Path, full: bool, rng: random.Random, figures
) -> None:
    runs = FULL_CREATE_RUNS if full else CI_CREATE_RUNS
    jobs = []
    for number in range(runs):
        # Half below what a new vault needs (~100 KiB), half around and above it.
        limit = rng.randint(0, 90_000) if number % 2 == 0 else rng.randint(90_000, 400_000)
        folder = tmp_path / f"create{number}"
        folder.mkdir()
        jobs.append((folder, limit))
    with ThreadPoolExecutor(WORKERS) as pool:
        found = list(pool.map(lambda job: _create_under_limit(*job), jobs))
    problems = [p for run in found for p in run]
    bad_runs = sum(1 for run in found if run)
    figures.record(
        "I/O failure: create a vault under RLIMIT_FSIZE", runs, bad_runs, "clean error, no file"
    )
    assert problems == [], "\n".join(problems[:5])


def _create_under_limit(folder: Path, limit: int) -> list[str]:
    """Create a vault in ``folder`` under a file-size limit; problems with the outcome."""
    path = folder / "new.sitebook"
    code, lines, stderr = run_writer(
        "create", {"vault": str(path)}, preexec_fn=file_size_limit(limit)
    )
    entries, found = parse_lines(lines)
    if code:
        found.append(f"exit {code}: {stderr[-500:]}")
    result = entries[-1] if entries else {"op": "nothing"}
    if result["op"] == "created":
        with Vault.open(path) as vault:
            vault.unlock_with_recovery(result["recovery"])
            if not vault.check().ok:
                found.append("a vault created under a limit does not check clean")
        if not passphrase_works(path, 0):
            found.append("a vault created under a limit does not open with its passphrase")
    elif result["op"] == "failed":
        if result["error"] != "StorageError":
            found.append(f"unclear error: {result['error']}: {result['message']}")
        if path.exists():
            found.append("a failed create left a vault file")
    else:
        found.append(f"limit {limit}: {json.dumps(result)[:300]}")
    found += [f"left behind: {p.name}" for p in leftovers([folder])]
    found += [f"left behind: {p.name}" for p in folder.glob("*-wal")]
    return found
