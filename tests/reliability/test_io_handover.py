"""I/O failure during a handover export: the whole package or nothing at the destination.

A child process (this file run as a script) exports a client's handover
package, as a folder or a zip, while the disk refuses writes part-way:

* ``RLIMIT_FSIZE`` (soft limit, SIGXFSZ ignored), set in the child right before
  the export, random from a few KiB to above the package's largest file (the
  folder form) or the zip's size: writes past it fail with EFBIG;
* a small, nearly full tmpfs as the destination folder (ENOSPC), when we may
  mount one (root).

Each run: the export reported success and ``verify_package`` passes, or it
failed with a :class:`~vault.errors.StorageError` naming the package, and the
destination folder is empty: no partial package, no ``.partial`` folder or file.
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

from tests.handover.conftest import HANDOVER_PASSPHRASE, KDF, PASSPHRASE, build_source
from tests.reliability import test_io_failure
from tests.reliability.harness import Outcome, run_script
from vault import Vault, errors
from vault.handover import export_handover, verify_package

CI_RUNS, FULL_RUNS = 6, 200
CI_DISK_RUNS, FULL_DISK_RUNS = 4, 60
WORKERS = 2
small_disk = test_io_failure.small_disk  # the tmpfs fixture of the other I/O tests


@dataclass
class Template:
    """A closed source vault and the sizes of its package, measured by one export."""

    path: Path
    client_id: str
    largest_file: int
    folder_total: int
    zip_size: int


@pytest.fixture
def template(tmp_path: Path) -> Template:
    """The handover tests' source vault (records, history, attachments, credentials)."""
    path = tmp_path / "template" / "source.sitebook"
    path.parent.mkdir()
    source = build_source(path)
    client_id = source.client_id
    reference = tmp_path / "reference"
    reference.mkdir()
    vault = source.vault
    export_handover(
        vault, client_id, reference / "pkg", passphrase=HANDOVER_PASSPHRASE, kdf_params=KDF
    )
    export_handover(
        vault,
        client_id,
        reference / "pkg.zip",
        passphrase=HANDOVER_PASSPHRASE,
        zip=True,
        kdf_params=KDF,
    )
    vault.close()
    sizes = [p.stat().st_size for p in (reference / "pkg").rglob("*") if p.is_file()]
    zip_size = (reference / "pkg.zip").stat().st_size
    return Template(path, client_id, max(sizes), sum(sizes), zip_size)


def run_child(config: dict[str, Any]) -> dict[str, Any]:
    """Run this file as the exporting child; return its last JSON line (or a crash entry)."""
    return run_script(__file__, config, timeout=180)


def export_once(
    template: Template, folder: Path, dest: Path, limit: int | None, *, zipped: bool
) -> Outcome:
    """Copy the source vault to ``folder``, export into ``dest`` under ``limit``; judge it."""
    path = folder / "source.sitebook"
    shutil.copyfile(template.path, path)
    out = dest / ("handover.zip" if zipped else "handover")
    result = run_child(
        {
            "vault": str(path),
            "client": template.client_id,
            "out": str(out),
            "zip": zipped,
            "limit": limit,
        }
    )
    problems: list[str] = []
    left = sorted(p.name for p in dest.iterdir())
    if result["op"] == "crash":
        problems.append(f"the child crashed: {result['detail']}")
    elif result["op"] == "exported":
        verified = verify_package(out)
        if not verified.ok:
            problems.append(f"an export that succeeded does not verify: {verified.problems[:3]}")
        problems += [f"left behind: {name}" for name in left if name != out.name]
    else:
        message = result["message"]
        if result["error"] != "StorageError" or "Could not write" not in message:
            problems.append(f"unclear error: {result['error']}: {message}")
        if str(out) not in message or ".partial" in message:
            problems.append(f"the error does not name the package: {message}")
        problems += [f"left behind after a refused export: {name}" for name in left]
    return Outcome(result["op"], problems)


def _summary(outcomes: list[Outcome], template: Template) -> str:
    exported = sum(1 for o in outcomes if o.result == "exported")
    refused = sum(1 for o in outcomes if o.result == "failed")
    return (
        f"{exported} complete packages, {refused} refused with nothing left "
        f"(package {template.folder_total // 1024} KiB, zip {template.zip_size // 1024} KiB)"
    )


def test_export_under_file_size_limit(
    tmp_path: Path, template: Template, full: bool, rng: random.Random, figures
) -> None:
    runs = FULL_RUNS if full else CI_RUNS
    jobs = []
    for number in range(runs):
        zipped = number % 2 == 1
        # What the export needs: its largest file (client.sitebook), and the zip for a zip.
        top = max(template.largest_file, template.zip_size if zipped else 0)
        if number % 4 == 2:  # around what it needs
            limit = int(top * rng.uniform(0.9, 1.05))
        elif number % 4 == 3:  # enough
            limit = int(top * rng.uniform(1.05, 1.5))
        else:  # log-uniform from 2 KiB to that: refused at every stage of the export
            limit = int(2048 * (top / 2048) ** rng.random())
        folder = tmp_path / f"run{number}"
        (folder / "dest").mkdir(parents=True)
        jobs.append((folder, limit, zipped))
    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(
            pool.map(
                lambda job: export_once(template, job[0], job[0] / "dest", job[1], zipped=job[2]),
                jobs,
            )
        )
    failed = [o for o in outcomes if o.problems]
    figures.record(
        "I/O failure: handover export under RLIMIT_FSIZE",
        runs,
        len(failed),
        _summary(outcomes, template),
    )
    assert failed == [], "\n".join(p for o in failed for p in o.problems[:5])
    assert any(o.result == "failed" for o in outcomes)  # the limit really bit
    assert any(o.result == "exported" for o in outcomes)  # and a large enough one did not


def test_export_on_full_disk(
    tmp_path: Path, template: Template, small_disk, full: bool, rng: random.Random, figures
) -> None:
    runs = FULL_DISK_RUNS if full else CI_DISK_RUNS
    outcomes = []
    for number in range(runs):
        zipped = number % 2 == 1
        # The staging folder and, for a zip, the zip beside it: half the runs too small.
        need = template.folder_total + (template.zip_size if zipped else 0)
        room = (
            rng.randint(8 * 1024, need // 2) if number % 2 == 0 else rng.randint(2 * need, 4 * need)
        )
        point, grow = small_disk(room)
        folder = tmp_path / f"disk-run{number}"
        folder.mkdir()
        outcomes.append(export_once(template, folder, point, None, zipped=zipped))
        grow()
    failed = [o for o in outcomes if o.problems]
    figures.record(
        "I/O failure: handover export to a full tmpfs",
        runs,
        len(failed),
        _summary(outcomes, template),
    )
    assert failed == [], "\n".join(p for o in failed for p in o.problems[:5])
    assert any(o.result == "failed" for o in outcomes)


def _child() -> int:
    """Export the configured package under the configured file-size limit."""
    config = json.loads(sys.stdin.readline())
    with Vault.open(config["vault"]) as vault:
        vault.unlock(PASSPHRASE)
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if config["limit"] is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (config["limit"], hard))
        try:
            export_handover(
                vault,
                config["client"],
                config["out"],
                passphrase=HANDOVER_PASSPHRASE,
                zip=config["zip"],
                kdf_params=KDF,
            )
            result: dict[str, Any] = {"op": "exported"}
        except errors.VaultError as exc:
            result = {"op": "failed", "error": type(exc).__name__, "message": str(exc)}
        except Exception as exc:  # a raw OSError here is the bug this battery looks for
            detail = "".join(traceback.format_exception(exc))[-1500:]
            result = {"op": "crash", "detail": f"{type(exc).__name__}: {detail}"}
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child())
