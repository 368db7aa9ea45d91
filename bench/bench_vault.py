"""Vault benchmark: build a demo vault, then time saves, opening and key derivation.

Prints build time, median and p95 latency to save one record (target <= 5 ms
median), open time excluding the KDF, KDF time, file size and peak RSS. The
measurements run in a fresh process so peak RSS is that of a person opening the
vault, not of the builder. Size with SITEBOOK_BENCH_RECORDS (default 100000).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crypto.kdf import KdfParams, calibrate, derive_key  # noqa: E402
from vault import Vault  # noqa: E402
from vault.demo import build_demo  # noqa: E402

PASSPHRASE = "bench passphrase"
SAVES = 300


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(path: Path, records: int) -> float:
    start = time.perf_counter()
    vault, _ = Vault.create(
        path, name="Bench IT", owner="Bench", passphrase=PASSPHRASE, kdf_params=KdfParams()
    )
    build_demo(vault, records=records, seed=1)
    vault.close()
    return time.perf_counter() - start


def measure(path: Path) -> dict[str, float]:
    start = time.perf_counter()
    vault = Vault.open(path)
    opened = time.perf_counter() - start
    params = vault.kdf_params()
    start = time.perf_counter()
    vault.unlock(PASSPHRASE)
    unlocked = time.perf_counter() - start
    start = time.perf_counter()
    derive_key(PASSPHRASE, b"\0" * 16, params)
    kdf_time = time.perf_counter() - start
    start = time.perf_counter()
    client = vault.clients()[0]
    clients_time = time.perf_counter() - start
    latencies = []
    for n in range(SAVES):
        start = time.perf_counter()
        vault.add_record(
            client.id,
            "service-entry",
            f"Bench visit {n}",
            {"date": "2026-05-01", "work_done": "Replaced the UPS battery", "minutes_spent": "30"},
        )
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    start = time.perf_counter()
    listed = len(vault.list_records())
    list_time = time.perf_counter() - start
    vault.close()
    return {
        "open_s": opened + max(unlocked - kdf_time, 0.0),
        "kdf_s": kdf_time,
        "clients_s": clients_time,
        "save_median_ms": statistics.median(latencies),
        "save_p95_ms": latencies[int(len(latencies) * 0.95) - 1],
        "list_all_s": list_time,
        "listed": listed,
        "peak_rss_mib": _peak_rss_mib(),
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(Path(sys.argv[2]))))
        return
    records = int(os.environ.get("SITEBOOK_BENCH_RECORDS", "100000"))
    with tempfile.TemporaryDirectory(prefix="sitebook-bench-") as tmp:
        path = Path(tmp) / "bench.sitebook"
        build_s = build(path, records)
        builder_rss = _peak_rss_mib()
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    start = time.perf_counter()
    calibrated = calibrate()
    calibration_s = time.perf_counter() - start
    rows = [
        ("records", f"{records:,}"),
        ("build (create + demo)", f"{build_s:.1f} s ({records / build_s:,.0f} records/s)"),
        ("save one record, median", f"{figures['save_median_ms']:.2f} ms (target <= 5 ms)"),
        ("save one record, p95", f"{figures['save_p95_ms']:.2f} ms"),
        ("open excluding KDF", f"{figures['open_s'] * 1000:.0f} ms"),
        ("KDF (64 MiB floor, this vault)", f"{figures['kdf_s'] * 1000:.0f} ms"),
        (
            "KDF calibrated for new vaults",
            f"{calibrated.memory_kib // 1024} MiB/{calibrated.iterations}/{calibrated.lanes} "
            f"(calibration took {calibration_s:.1f} s)",
        ),
        ("list clients", f"{figures['clients_s'] * 1000:.0f} ms"),
        ("decrypt + verify every record", f"{figures['list_all_s']:.1f} s ({figures['listed']:,})"),
        ("file size", f"{size / 1024 / 1024:.1f} MiB"),
        ("peak RSS, opening process", f"{figures['peak_rss_mib']:.0f} MiB"),
        ("peak RSS, builder process", f"{builder_rss:.0f} MiB"),
    ]
    width = max(len(name) for name, _ in rows)
    print("bench_vault")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
