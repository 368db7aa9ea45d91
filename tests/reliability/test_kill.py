"""kill -9: a writer killed at a random moment never costs a printed commit.

A writer process (forked from ``writer.py serve``) commits random work to a
vault — records, new versions, tombstones, clients, attachments of up to three
1 MiB chunks, multi-record transactions, CSV imports through ``importers``
(no import may be half there), passphrase changes — printing each commit after
it returns. The harness SIGKILLs it after a random delay, reopens the vault and
checks: it opens, ``check()`` is clean, every printed commit is there with the
same content, no multi-record transaction or import is half there, and after a
passphrase change exactly one of the old and new passphrases unlocks. The same
vault takes the next writer (as when the user starts Sitebook again); a fresh
vault every ``PER_VAULT`` kills keeps ``check`` cheap.

Two lanes (one vault, fork server and ledger each) run side by side to use both
cores: while one lane verifies, the other's writer is running. 200 kills in CI,
10,000 with ``SITEBOOK_RELIABILITY=full``.
"""

from __future__ import annotations

import os
import random
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from tests.reliability import report
from tests.reliability.harness import (
    ForkServer,
    Ledger,
    make_vault,
    parse_lines,
    passphrase_works,
)
from vault import Vault

CI_KILLS = 200
FULL_KILLS = 10_000
LANES = 2
PER_VAULT = 20
# Kills land within a quarter of a second of the fork (a dozen commits or so),
# except every PASSPHRASE_EVERY-th writer, which starts with a passphrase change
# (one Argon2id, about 0.5 s in a forked child) and is killed within PASSPHRASE_DELAY
# or twice the median change seen so far (a loaded machine): about half die
# mid-change, half after it.
MAX_DELAY = 0.25
PASSPHRASE_EVERY = 10
PASSPHRASE_DELAY = 1.2
FULL_CHECK_EVERY = 10
STOP_AFTER_FAILURES = 5

pytestmark = pytest.mark.timeout(0 if report.full_mode() else 300)


@dataclass
class Lane:
    """One vault at a time, one fork server, one ledger: kills run in sequence."""

    number: int
    folder: Path
    kdf: KdfParams
    rng: random.Random
    problems: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    kills: int = 0
    interrupted_changes: int = 0
    vaults: int = 0
    change_seconds: list[float] = field(default_factory=list)

    def run(self, kills: int, stop: threading.Event) -> None:
        """Kill ``kills`` writers (fewer if ``stop`` is set by a failing lane)."""
        server = ForkServer()
        out, err = self.folder / "writer.out", self.folder / "writer.err"
        ledger, path, recovery_key = Ledger(), self.folder / "none", ""
        try:
            for kill in range(1, kills + 1):
                if stop.is_set():
                    break
                if (kill - 1) % PER_VAULT == 0:
                    self._add(ledger)
                    self.vaults += 1
                    path = self.folder / f"lane{self.number}-{self.vaults}.sitebook"
                    recovery_key = make_vault(path, self.kdf, clients=2)
                    ledger = Ledger()
                config = {
                    "vault": str(path),
                    "recovery": recovery_key,
                    "seed": self.rng.getrandbits(64),
                    "next_pass": ledger.passphrase_next,
                }
                config["live"], config["dead"] = ledger.known()
                delay = self.rng.uniform(0.0, MAX_DELAY)
                if kill % PASSPHRASE_EVERY == 0:
                    config["first"] = "passphrase"
                    delay = self.rng.uniform(0.0, self._passphrase_window(ledger))
                reply = server.run(config, delay, out, err)
                found = self._outcome(reply, err)
                entries, torn = parse_lines(out.read_text(encoding="utf-8").splitlines())
                found += torn
                found += [
                    f"writer reported {e}" for e in entries if e.get("op") in ("crash", "failed")
                ]
                begun, finished = ledger.absorb(entries)
                full_pass = kill % FULL_CHECK_EVERY == 0 or kill % PER_VAULT == 0
                found += _verify(path, recovery_key, ledger, full_pass=full_pass or kill == kills)
                if begun is not None:
                    self.interrupted_changes += 1
                found += _verify_passphrases(path, ledger, begun, finished)
                self.kills = kill
                self.problems += [
                    f"lane {self.number} kill {kill} ({path.name}): {p}" for p in found
                ]
                if self.problems:
                    stop.set()
        except Exception as exc:  # reported by the test, never lost in a thread
            self.problems.append(f"lane {self.number}: {type(exc).__name__}: {exc}")
            stop.set()
        finally:
            server.close()
            self._add(ledger)

    def _passphrase_window(self, ledger: Ledger) -> float:
        """Kill within this many seconds: twice a typical change, so about half finish.

        Until a change has finished, the window grows with every interrupted one.
        """
        seen = sorted(self.change_seconds + ledger.seconds)
        if seen:
            return max(PASSPHRASE_DELAY, 2.0 * seen[len(seen) // 2])
        return PASSPHRASE_DELAY * (1 + self.interrupted_changes / 4)

    def _add(self, ledger: Ledger) -> None:
        for what, n in ledger.counts.items():
            self.totals[what] = self.totals.get(what, 0) + n
        ledger.counts.clear()
        self.change_seconds += ledger.seconds
        ledger.seconds = []

    @staticmethod
    def _outcome(reply: dict, err: Path) -> list[str]:
        if not reply["killed"]:
            text = err.read_text(encoding="utf-8")[-2000:]
            return [f"the writer exited by itself (status {reply['status']}): {text}"]
        if os.WTERMSIG(reply["status"]) != signal.SIGKILL:
            return [f"unexpected wait status {reply['status']}"]
        return []


def _verify(path: Path, recovery_key: str, ledger: Ledger, *, full_pass: bool) -> list[str]:
    """Reopen after a kill: it opens, check() is clean, every printed commit is there."""
    with Vault.open(path) as vault:
        vault.unlock_with_recovery(recovery_key)
        report_ = vault.check()
        problems = [f"check: {p.kind} {p.id} v{p.version}: {p.detail}" for p in report_.problems]
        return problems + ledger.verify(vault, full=full_pass)


def _verify_passphrases(
    path: Path, ledger: Ledger, begun: int | None, finished: int | None
) -> list[str]:
    """After a passphrase change began (or finished): exactly one of old and new unlocks."""
    if begun is not None:
        old, new = ledger.passphrase_good, begun
    elif finished is not None:
        old, new = ledger.passphrase_before, finished
    else:
        return []
    old_works = passphrase_works(path, old)
    new_works = passphrase_works(path, new)
    if old_works == new_works:
        state = "both" if old_works else "neither"
        return [f"passphrases {old} (old) and {new} (new): {state} unlock"]
    if finished is not None and begun is None and not new_works:
        return [f"the change to passphrase {new} was printed but {old} still unlocks"]
    if new_works:
        ledger.passphrase_good = new
    return []


def test_kill_9_never_loses_a_printed_commit(
    tmp_path: Path, fast_kdf: KdfParams, full: bool, rng: random.Random, figures
) -> None:
    kills = FULL_KILLS if full else CI_KILLS
    stop = threading.Event()
    lanes = []
    for number in range(LANES):
        folder = tmp_path / f"lane{number}"
        folder.mkdir()
        lanes.append(Lane(number, folder, fast_kdf, random.Random(rng.getrandbits(64))))
    share = [kills // LANES + (1 if n < kills % LANES else 0) for n in range(LANES)]
    threads = [
        threading.Thread(target=lane.run, args=(n, stop), name=f"kill-lane-{lane.number}")
        for lane, n in zip(lanes, share, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    problems = [p for lane in lanes for p in lane.problems]
    done = sum(lane.kills for lane in lanes)
    totals: dict[str, int] = {}
    for lane in lanes:
        for what, n in lane.totals.items():
            totals[what] = totals.get(what, 0) + n
    detail = (
        f"{totals.get('commits', 0)} printed record versions re-read "
        f"({totals.get('batches', 0)} multi-record transactions, "
        f"{totals.get('imports', 0)} CSV imports, "
        f"{totals.get('attachments', 0)} attachments of which "
        f"{totals.get('multi-chunk attachments', 0)} multi-chunk, {totals.get('clients', 0)} "
        f"clients); {totals.get('passphrase changes', 0)} passphrase changes finished, "
        f"{sum(lane.interrupted_changes for lane in lanes)} killed mid-change; "
        f"{totals.get('commits found that were never printed', 0)} versions committed but "
        f"killed before printing; {sum(lane.vaults for lane in lanes)} vaults"
    )
    changes = sorted(s for lane in lanes for s in lane.change_seconds)
    if changes:
        detail += f"; a passphrase change took {changes[len(changes) // 2]:.2f} s (median)"
    figures.record("kill -9 at random moments", done, len(problems), detail)
    assert problems == [], "\n".join(problems[:STOP_AFTER_FAILURES])
    assert done == kills
    # The battery exercised what it claims to.
    assert totals.get("commits", 0) > kills
    assert totals.get("multi-chunk attachments", 0) > 0
    assert totals.get("batches", 0) > 0
    assert totals.get("imports", 0) > 0
    assert totals.get("passphrase changes", 0) > 0
    assert sum(lane.interrupted_changes for lane in lanes) > 0
