"""Handover benchmark: export and verify a 10,000-record client (target: export <= 10 s).

Builds one client from the demo plan (``vault.demo_data.generate(records=N)``
spreads N records over N/100 clients; their records are written as *one*
client, so the mix of types and the cross-references are the demo's), gives
10 % of the records a second version and 20 records a 100 KiB attachment, then
times, in this order: a folder export with the production key-derivation cost
(calibrated, about 1 s per protected file, plus the calibration), the same with
the 64 MiB floor cost (to show the KDF's share), ``verify_package``, a zip
export, and an import of the package into a fresh vault. Prints package size,
file count and peak RSS. Size with SITEBOOK_BENCH_HANDOVER_RECORDS.
SITEBOOK_BENCH_HANDOVER_VAULT=PATH keeps the built vault at PATH (passphrase
"bench passphrase") and, when PATH exists, exports a copy of it instead of
building one (the build takes longer than the export).

Each export prints its parts' wall seconds and the CPU seconds of the thread
that did them (credentials.kdbx and client.sitebook run on a second thread, so
their wall times overlap the site's, records.json's and the PDF's; the PDF is
written by a child process and the site's files are created by ``tar``, whose
CPU is printed as "children"). Total CPU is this process's (every thread) plus
its children's.
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crypto.kdf import KdfParams  # noqa: E402
from vault import Vault  # noqa: E402
from vault.demo import write_client  # noqa: E402
from vault.demo_data import DemoClient, generate  # noqa: E402
from vault.handover import export_handover, import_handover, verify_package  # noqa: E402

PASSPHRASE = "bench passphrase"
HANDOVER = "bench handover passphrase"
FLOOR = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
TARGET_S = 10.0


def build(path: Path, records: int) -> tuple[Vault, float]:
    start = time.perf_counter()
    vault, _ = Vault.create(
        path, name="Bench IT", owner="Bench", passphrase=PASSPHRASE, kdf_params=FLOOR
    )
    plan = generate(records=records, seed=1)
    merged = DemoClient("bench", "Bench Client", [r for c in plan.clients for r in c.records])
    write_client(vault, merged)
    client = vault.clients()[0]
    live = vault.list_records(client.id)
    with vault.transaction():
        for record in live[::10]:
            vault.update_record(record.id, tags=(*record.tags, "reviewed"))
        for number, record in enumerate(live[5 :: max(1, len(live) // 20)][:20]):
            vault.add_attachment(record.id, io.BytesIO(os.urandom(100 * 1024)), f"file{number}.bin")
    return vault, time.perf_counter() - start


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, func, *args, **kwargs):
    start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    result = func(*args, **kwargs)
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    used_children = _children_cpu() - children
    print(
        f"{label:<40} {elapsed:7.2f} s wall {used + used_children:7.2f} s CPU "
        f"({used:.2f} here + {used_children:.2f} children)"
    )
    timings = getattr(result, "timings", None)
    if timings:
        print("    wall: " + ", ".join(f"{name} {s:.2f}" for name, s in timings.items()))
    cpu_timings = getattr(result, "cpu_timings", None)
    if cpu_timings:
        print("    CPU:  " + ", ".join(f"{name} {s:.2f}" for name, s in cpu_timings.items()))
    return result, elapsed


def load() -> str:
    """The load average: figures taken on a busy machine are not comparable."""
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    records = int(os.environ.get("SITEBOOK_BENCH_HANDOVER_RECORDS", "10000"))
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        keep = os.environ.get("SITEBOOK_BENCH_HANDOVER_VAULT")
        if keep and Path(keep).exists():
            shutil.copy(keep, base / "bench.sitebook")
            vault = Vault.open(base / "bench.sitebook")
            vault.unlock(PASSPHRASE)
            print(f"copied the vault {keep}")
        else:
            vault, built = build(base / "bench.sitebook", records)
            print(f"built one client of {records:,} records (+10% versions) in {built:.1f} s")
            if keep:
                vault.close()
                shutil.copy(base / "bench.sitebook", keep)
                vault = Vault.open(base / "bench.sitebook")
                vault.unlock(PASSPHRASE)
        print(f"load average before the export: {load()} on {os.cpu_count()} CPUs")
        result, export_s = timed(
            "export (production KDF, calibrated)",
            export_handover,
            vault,
            "Bench Client",
            base / "pkg",
            passphrase=HANDOVER,
        )
        _, floor_s = timed(
            "export (64 MiB floor KDF)",
            export_handover,
            vault,
            "Bench Client",
            base / "pkg-floor",
            passphrase=HANDOVER,
            kdf_params=FLOOR,
        )
        shutil.rmtree(base / "pkg-floor")
        verified, _ = timed("verify_package (folder)", verify_package, base / "pkg")
        assert verified.ok, verified.problems[:3]
        timed(
            "export --zip (64 MiB floor KDF)",
            export_handover,
            vault,
            "Bench Client",
            base / "pkg.zip",
            passphrase=HANDOVER,
            kdf_params=FLOOR,
            zip=True,
        )
        timed("verify_package (zip)", verify_package, base / "pkg.zip")
        vault.close()
        target, _ = Vault.create(
            base / "next.sitebook",
            name="Next",
            owner="Next",
            passphrase=PASSPHRASE,
            kdf_params=FLOOR,
        )
        timed("import handover (folder)", import_handover, target, base / "pkg", HANDOVER)
        target.close()
        print(
            f"package: {len(result.files):,} files, {size_of(base / 'pkg') / 2**20:.1f} MiB "
            f"(zip {size_of(base / 'pkg.zip') / 2**20:.1f} MiB), "
            f"{result.credentials:,} KeePass entries"
        )
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        verdict = "within" if export_s <= TARGET_S else "OVER"
        print(
            f"export {export_s:.1f} s ({floor_s:.1f} s at the floor KDF): {verdict} the "
            f"{TARGET_S:.0f} s target"
        )


if __name__ == "__main__":
    main()
