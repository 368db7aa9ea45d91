"""I/O failure while saving the search index: the old snapshot or the new one, never half of one.

A child process (this file run as a script) opens a vault whose index snapshot
is one record behind, catches the index up, and saves the encrypted snapshot
while the disk refuses writes part-way:

* ``RLIMIT_FSIZE`` (soft limit, SIGXFSZ ignored), set in the child right before
  the save, random below, around and above the new snapshot's size: writes past
  it fail with EFBIG;
* a small tmpfs holding the cache folder, nearly full (ENOSPC), when we may mount
  one (root).

Each run: the save printed success and the snapshot on disk is complete and
loads, or it failed with a :class:`~vault.errors.StorageError` naming the
snapshot (never a raw ``OSError``) and the previous snapshot is byte-identical
(or still absent). No temp file is left in the cache folder. The next open
loads the index (or rebuilds it when there was none) and finds the new record.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import signal
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crypto.kdf import KdfParams
from search import SearchIndex, snapshot
from tests.reliability import test_io_failure
from tests.reliability.harness import Outcome, make_vault, run_script
from vault import Vault, errors

CI_RUNS, FULL_RUNS = 12, 300
CI_DISK_RUNS, FULL_DISK_RUNS = 5, 100
WORKERS = 2
small_disk = test_io_failure.small_disk  # the tmpfs fixture of the other I/O tests
WORDS = ("firewall", "backup", "switch", "printer", "vpn", "exchange", "ldap", "raid", "ups")


@dataclass
class Template:
    """A closed vault and the snapshot of its index, one record behind after the child adds one."""

    path: Path
    recovery_key: str
    vault_id: str
    member_id: str
    snapshot: bytes


@pytest.fixture
def template(tmp_path: Path, fast_kdf: KdfParams) -> Template:
    """A vault with 60 records and a saved index snapshot of them."""
    path = tmp_path / "template" / "vault.sitebook"
    path.parent.mkdir()
    recovery_key = make_vault(path, fast_kdf, clients=2)
    cache = tmp_path / "template-cache"
    words = random.Random(11)
    with Vault.open(path) as vault:
        vault.unlock_with_recovery(recovery_key)
        clients = vault.clients()
        for number in range(60):
            body = " ".join(words.choice(WORDS) for _ in range(40))
            vault.add_record(
                clients[number % 2].id,
                "configuration",
                f"srv-{number:03d}",
                {"hostname": f"srv-{number:03d}.example.net", "notes": body},
            )
        with SearchIndex.open(vault, cache=cache) as index:
            index.save()
            written = index.path.read_bytes()
        vault_id, member_id = vault.vault_id, vault.member_id
    return Template(path, recovery_key, vault_id, member_id, written)


def run_child(config: dict[str, Any]) -> dict[str, Any]:
    """Run this file as the saving child; return its last JSON line (or a crash entry)."""
    return run_script(__file__, config, timeout=120)


def save_once(
    template: Template, folder: Path, cache: Path, limit: int | None, *, previous: bool
) -> Outcome:
    """Copy the template to ``folder``, let the child save under ``limit``; judge the result."""
    path = folder / "vault.sitebook"
    shutil.copyfile(template.path, path)
    target = snapshot.path_for(cache, template.vault_id, template.member_id)
    if previous:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(template.snapshot)
    marker = f"marker{random.getrandbits(32):08x}"
    result = run_child(
        {
            "vault": str(path),
            "recovery": template.recovery_key,
            "cache": str(cache),
            "marker": marker,
            "limit": limit,
        }
    )
    return Outcome(result["op"], judge(template, path, cache, target, marker, result, previous))


def judge(
    template: Template,
    path: Path,
    cache: Path,
    target: Path,
    marker: str,
    result: dict[str, Any],
    previous: bool,
) -> list[str]:
    """Problems with the snapshot and the next open after one save (empty when all is well)."""
    problems: list[str] = []
    if result["op"] == "crash":
        return [f"the child crashed: {result['detail']}"]
    if result["op"] == "failed":
        message = result["message"]
        if result["error"] != "StorageError" or "Could not write" not in message:
            problems.append(f"unclear error: {result['error']}: {message}")
        if target.name not in message or ".tmp" in message:
            problems.append(f"the error does not name the snapshot: {message}")
        if previous and target.read_bytes() != template.snapshot:
            problems.append("a refused save changed the previous snapshot")
        if not previous and target.exists():
            problems.append("a refused first save left a snapshot file")
    elif result["op"] == "saved" and target.stat().st_size != result["size"]:
        problems.append(f"saved {result['size']} bytes but the file has {target.stat().st_size}")
    others = sorted(p.name for p in cache.rglob("*") if p.is_file() and p != target)
    problems += [f"left behind: {name}" for name in others]
    with Vault.open(path) as vault:
        vault.unlock_with_recovery(template.recovery_key)
        with SearchIndex.open(vault, cache=cache) as index:
            expected = "loaded" if previous or result["op"] == "saved" else "rebuilt"
            if not index.last_load.startswith(expected):
                problems.append(f"the next open {index.last_load}, expected {expected}")
            if [hit.title for hit in index.search(marker)] != [marker]:
                problems.append("the next open does not find the record added before the save")
    return problems


def _summary(outcomes: list[Outcome], size: int) -> str:
    saved = sum(1 for o in outcomes if o.result == "saved")
    failed = sum(1 for o in outcomes if o.result == "failed")
    return (
        f"{saved} saves complete, {failed} refused with the previous snapshot intact "
        f"(snapshot {size // 1024} KiB)"
    )


def test_index_save_under_file_size_limit(
    tmp_path: Path, template: Template, full: bool, rng: random.Random, figures
) -> None:
    runs = FULL_RUNS if full else CI_RUNS
    size = len(template.snapshot)
    jobs = []
    for number in range(runs):
        folder = tmp_path / f"run{number}"
        folder.mkdir()
        kind = number % 4
        if kind == 0:
            limit = rng.randint(0, 4096)  # the header or the first chunk fails
        elif kind == 1:
            limit = rng.randint(size - 64, size + 4096)  # around the end: the tag, fsync
        elif kind == 2:
            limit = rng.randint(4096, size * 2)
        else:  # enough for the new snapshot (one record more than the old one)
            limit = rng.randint(size + 64 * 1024, size * 3)
        jobs.append((folder, limit, number % 3 != 2))
    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(
            pool.map(
                lambda job: save_once(template, job[0], job[0] / "cache", job[1], previous=job[2]),
                jobs,
            )
        )
    failed = [o for o in outcomes if o.problems]
    figures.record(
        "I/O failure: index save under RLIMIT_FSIZE", runs, len(failed), _summary(outcomes, size)
    )
    assert failed == [], "\n".join(p for o in failed for p in o.problems[:5])
    assert any(o.result == "failed" for o in outcomes)  # the limit really bit
    assert any(o.result == "saved" for o in outcomes)  # and a large enough one did not


def test_index_save_on_full_disk(
    tmp_path: Path, template: Template, small_disk, full: bool, rng: random.Random, figures
) -> None:
    runs = FULL_DISK_RUNS if full else CI_DISK_RUNS
    size = len(template.snapshot)
    outcomes = []
    for number in range(runs):
        folder = tmp_path / f"disk-run{number}"
        folder.mkdir()
        # Room for the old snapshot and a random part (sometimes all) of a new one.
        room = size + 16 * 1024 + rng.randint(0, size + size // 4 if number % 3 else size // 2)
        point, grow = small_disk(room)
        outcome = save_once(template, folder, point, None, previous=number % 4 != 3)
        grow()
        outcomes.append(outcome)
    failed = [o for o in outcomes if o.problems]
    figures.record(
        "I/O failure: index save on a full tmpfs", runs, len(failed), _summary(outcomes, size)
    )
    assert failed == [], "\n".join(p for o in failed for p in o.problems[:5])
    assert any(o.result == "failed" for o in outcomes)


def _child() -> int:
    """Catch the index up with one new record and save it under the configured limit."""
    config = json.loads(sys.stdin.readline())
    with Vault.open(config["vault"]) as vault:
        vault.unlock_with_recovery(config["recovery"])
        client = vault.clients()[0]
        vault.add_record(client.id, "configuration", config["marker"], {"hostname": "new01"})
        index = SearchIndex.open(vault, cache=Path(config["cache"]))
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if config["limit"] is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (config["limit"], hard))
        try:
            size = index.save()
            result: dict[str, Any] = {"op": "saved", "size": size}
        except errors.VaultError as exc:
            result = {"op": "failed", "error": type(exc).__name__, "message": str(exc)}
        except Exception as exc:  # a raw OSError here is the bug this battery looks for
            detail = "".join(traceback.format_exception(exc))[-1500:]
            result = {"op": "crash", "detail": f"{type(exc).__name__}: {detail}"}
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            index.close(save=False)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child())
