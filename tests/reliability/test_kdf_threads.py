"""Two key derivations at once must not hang the process.

The desktop app derives keys off the GUI thread (STYLE.md 3), so two can overlap:
unlocking one vault while another worker changes a passphrase or creates a vault.
With cryptography 50 on OpenSSL 4, Argon2id runs its lanes on OpenSSL's thread
pool, sized to the CPUs this process may use; two derivations at once that need
more threads than that wait for each other forever. The probe runs in a child
pinned to two CPUs (so the result does not depend on the machine's size) and is
killed after ``TIMEOUT`` seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.reliability.harness import REPO, writer_env

TIMEOUT = 5.0
PROBE = r"""
import threading
from crypto.kdf import KdfParams, derive_key
params = KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)
gate = threading.Barrier(2)
def derive(n):
    gate.wait()
    derive_key(f"passphrase {n}", bytes(16), params)
threads = [threading.Thread(target=derive, args=(n,)) for n in range(2)]
for t in threads: t.start()
for t in threads: t.join()
print("both derived")
"""


def _two_cpus() -> None:
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, set(cpus[:2]))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs sched_setaffinity")
def test_two_concurrent_derivations_finish(figures) -> None:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=writer_env(),
            preexec_fn=_two_cpus,
            timeout=TIMEOUT,
            check=False,
        )
        outcome = done.stdout.strip() or done.stderr.strip()[-300:]
    except subprocess.TimeoutExpired:
        outcome = f"hung (killed after {TIMEOUT:.0f} s)"
    seconds = time.perf_counter() - start
    figures.record("two key derivations at once", 1, int(outcome != "both derived"), outcome)
    assert outcome == "both derived", f"{outcome} after {seconds:.1f} s"
