"""Desktop benchmark: cold start to window shown, unlock to list shown, peak RSS.

Builds a demo vault of ``SITEBOOK_BENCH_RECORDS`` records (default 100000;
``SITEBOOK_BENCH_VAULT`` reuses an existing one with passphrase "bench
passphrase") in a temporary folder, then starts the app in a fresh process
twice (offscreen unless a display is set): the first run builds and saves the
encrypted search index, the second loads it, which is the everyday case. Each
run reports: process start to the unlock screen shown; unlock clicked to the
record list shown, and how much of that is the KDF (timed separately); the
list's first sort by title; peak RSS (``ru_maxrss``). Targets (issue #4): start
<= 1.5 s excluding the KDF; peak RSS <= 400 MB with the 100k vault open.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSPHRASE = "bench passphrase"
ROOT = Path(__file__).resolve().parent.parent


def build(path: Path, records: int) -> None:
    """A demo vault of ``records`` records at ``path``."""
    sys.path.insert(0, str(ROOT))
    from crypto.kdf import KdfParams
    from vault.demo import build_demo
    from vault.vault import Vault

    params = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
    vault, _ = Vault.create(
        path, name="Bench", owner="Bench", passphrase=PASSPHRASE, kdf_params=params
    )
    with vault:
        build_demo(vault, records=records, seed=7)


def child(path: Path, started: float) -> None:
    """One app run: measure, print JSON."""
    import resource

    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    from ui.desktop.mainwindow import MainWindow

    window = MainWindow(path)
    window.show()
    window.start()
    app.processEvents()
    shown = time.time() - started

    loop = QEventLoop()
    window.unlocked.connect(loop.quit)
    QTimer.singleShot(600_000, loop.quit)
    window.unlock_screen.passphrase.setText(PASSPHRASE)
    t0 = time.perf_counter()
    window.unlock_screen.button.click()
    loop.exec()
    if window.browser.table_model.rowCount() == 0:  # big lists are read on the worker
        listed = QEventLoop()
        window.browser.list_loaded.connect(listed.quit)
        QTimer.singleShot(600_000, listed.quit)
        listed.exec()
    unlocked = time.perf_counter() - t0
    app.processEvents()
    rows = window.browser.table_model.rowCount()
    t1 = time.perf_counter()
    window.browser.table_model.sort(0, Qt.SortOrder.AscendingOrder)
    sort_ms = (time.perf_counter() - t1) * 1000
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = getattr(window.index, "last_load", "")
    window.shutdown()

    from vault.vault import Vault

    with Vault.open(path) as vault:
        t2 = time.perf_counter()
        vault.unlock(PASSPHRASE)
        kdf = time.perf_counter() - t2
    print(
        json.dumps(
            {
                "shown_s": shown,
                "unlock_to_list_s": unlocked,
                "kdf_s": kdf,
                "rows": rows,
                "sort_ms": sort_ms,
                "peak_rss_mb": rss_mb,
                "index": load,
            }
        )
    )


def main() -> None:
    """Build (or reuse) the vault and run the app twice."""
    records = int(os.environ.get("SITEBOOK_BENCH_RECORDS", "100000"))
    work = Path(tempfile.mkdtemp(prefix="sitebook-bench-ui-"))
    env = dict(os.environ)
    for name in ("DATA", "CACHE", "LOG", "CONFIG"):
        env[f"SITEBOOK_{name}_DIR"] = str(work / name.lower())
    env.setdefault("QT_QPA_PLATFORM", "offscreen" if not env.get("DISPLAY") else "xcb")
    try:
        given = os.environ.get("SITEBOOK_BENCH_VAULT")
        path = work / "bench.sitebook"
        if given:
            shutil.copyfile(given, path)
        else:
            t = time.perf_counter()
            build(path, records)
            print(f"built {records} records in {time.perf_counter() - t:.1f} s")
        for run in ("first run (index built)", "second run (index loaded)"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path), repr(time.time())],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{run}: window shown {figures['shown_s']:.2f} s; unlock to list "
                f"{figures['unlock_to_list_s']:.2f} s (KDF {figures['kdf_s']:.2f} s, "
                f"index {figures['index']}); {figures['rows']} rows; title sort "
                f"{figures['sort_ms']:.0f} ms; peak RSS {figures['peak_rss_mb']:.0f} MB"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), float(sys.argv[3]))
    else:
        main()
