"""Hostile and odd files: refused quickly and clearly, or opened without losing data.

* A vault header asking Argon2id for 4 TiB, 2^32 passes or 2^24 lanes (and other
  malformed parameters) is refused in under 100 ms without allocating: measured in
  a fresh process (wall time and the ``ru_maxrss`` high-water mark), with a real
  unlock last to prove the measurement sees a 64 MiB allocation.
* A live ``-wal`` cut at random offsets (mid-frame included): the vault opens,
  ``check`` is clean, and exactly the transactions whose commit frame survived
  are there.
* A vault that is a folder, a symlink to a vault (works), a dangling or looping
  symlink, and a vault on read-only media: clear errors, never a traceback.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from tests.reliability.harness import REPO, make_vault, writer_env
from tests.reliability.writer import passphrase
from vault import Vault, errors

MIB = 1024 * 1024
HOSTILE_KDF = {
    "4 TiB of memory": {"alg": "argon2id", "m": 4 * 1024**3, "t": 3, "p": 4},
    "2^32 passes": {"alg": "argon2id", "m": 65536, "t": 2**32, "p": 4},
    "2^24 lanes": {"alg": "argon2id", "m": 65536, "t": 3, "p": 2**24},
    "2 GiB + 1 KiB": {"alg": "argon2id", "m": 2 * 1024**2 + 1, "t": 3, "p": 4},
    "negative memory": {"alg": "argon2id", "m": -1, "t": 3, "p": 4},
    "zero passes": {"alg": "argon2id", "m": 65536, "t": 0, "p": 4},
    "memory as float": {"alg": "argon2id", "m": 65536.5, "t": 3, "p": 4},
    "memory as string": {"alg": "argon2id", "m": "65536", "t": 3, "p": 4},
    "passes as true": {"alg": "argon2id", "m": 65536, "t": True, "p": 4},
    "unknown algorithm": {"alg": "scrypt", "m": 65536, "t": 3, "p": 4},
    "parameters missing": {"alg": "argon2id"},
}
HOSTILE_TEXT = {
    "not JSON": "argon2id m=4TiB",
    "JSON nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "a 1 MiB JSON string": json.dumps({"alg": "argon2id", "pad": "x" * MIB}),
}
LIMIT_SECONDS = 0.1
LIMIT_RSS_KIB = 16 * 1024

PROBE = r"""
import json, resource, sys, time
from vault import Vault, errors


def status_kib(field):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def reset_peak():
    # Linux: writing 5 resets VmHWM, so the peak measures this call alone,
    # not whatever importing modules peaked at before it.
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


results = []
for path, secret in json.loads(sys.stdin.read()):
    vault = Vault.open(path)
    precise = reset_peak() and status_kib("VmRSS") is not None
    before = status_kib("VmRSS") if precise else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        vault.unlock(secret)
        outcome = "unlocked"
    except errors.VaultError as exc:
        outcome = type(exc).__name__ + ": " + str(exc)
    except Exception as exc:
        outcome = "CRASH " + type(exc).__name__ + ": " + str(exc)
    seconds = time.perf_counter() - start
    after = status_kib("VmHWM") if precise else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    vault.close()
    results.append(
        {"path": path, "outcome": outcome, "seconds": seconds, "rss_kib": max(after - before, 0)}
    )
print(json.dumps(results))
"""


@pytest.fixture
def good_vault(tmp_path: Path, fast_kdf: KdfParams) -> tuple[Path, str]:
    """A closed vault with one client and its recovery key."""
    path = tmp_path / "good" / "vault.sitebook"
    path.parent.mkdir()
    return path, make_vault(path, fast_kdf, clients=1)


def _with_kdf(source: Path, target: Path, kdf_text: str) -> Path:
    """A copy of ``source`` whose member asks for ``kdf_text`` as key-derivation parameters."""
    shutil.copyfile(source, target)
    import sqlite3

    conn = sqlite3.connect(target)
    try:
        conn.execute("UPDATE members SET kdf = ?", (kdf_text,))
        conn.commit()
    finally:
        conn.close()
    return target


def _address_space_limit() -> None:
    """Cap the probe at 4 GiB of address space: an attempt to obey 4 TiB fails, not swaps."""
    resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))


def _probe(jobs: list[tuple[str, str]]) -> list[dict]:
    """Unlock each (vault, passphrase) in a fresh, address-space-capped process; measure each."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        cwd=REPO,
        env=writer_env(),
        preexec_fn=_address_space_limit,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_hostile_kdf_parameters_refused_fast_without_allocating(
    tmp_path: Path, good_vault: tuple[Path, str], figures
) -> None:
    source, _key = good_vault
    cases = {name: json.dumps(params) for name, params in HOSTILE_KDF.items()}
    cases.update(HOSTILE_TEXT)
    jobs, names = [], []
    for number, (name, text) in enumerate(cases.items()):
        path = _with_kdf(source, tmp_path / f"hostile{number}.sitebook", text)
        jobs.append((str(path), passphrase(0)))
        names.append(name)
    hostile = _probe(jobs)
    # Control, in a process of its own: a real Argon2id at 64 MiB shows in the measure.
    (control,) = _probe([(str(source), passphrase(0))])
    problems = []
    for name, result in zip(names, hostile, strict=True):
        if not result["outcome"].startswith("DamagedHeaderError"):
            problems.append(f"{name}: {result['outcome']}")
        if result["seconds"] > LIMIT_SECONDS:
            problems.append(f"{name}: refused after {result['seconds']:.3f} s")
        if result["rss_kib"] > LIMIT_RSS_KIB:
            problems.append(f"{name}: the process grew by {result['rss_kib']} KiB")
    slowest = max(r["seconds"] for r in hostile)
    figures.record(
        "hostile KDF header refused (<100 ms, no allocation)",
        len(hostile),
        len(problems),
        f"slowest refusal {slowest * 1000:.1f} ms, largest growth "
        f"{max(r['rss_kib'] for r in hostile)} KiB; control unlock grew "
        f"{control['rss_kib'] // 1024} MiB in {control['seconds']:.2f} s",
    )
    assert problems == [], "\n".join(problems)
    # The measurement is not blind: a real 64 MiB Argon2id shows up in it.
    assert control["outcome"] == "unlocked"
    assert control["rss_kib"] > 2 * LIMIT_RSS_KIB


def test_short_salt_is_a_damaged_header(tmp_path: Path, good_vault: tuple[Path, str]) -> None:
    source, _key = good_vault
    path = tmp_path / "short-salt.sitebook"
    shutil.copyfile(source, path)
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("UPDATE members SET salt = ?", (b"\0" * 4,))
    conn.commit()
    conn.close()
    with Vault.open(path) as vault:
        try:
            vault.unlock(passphrase(0))
        except errors.DamagedHeaderError:
            return
        except Exception as exc:
            raise AssertionError(f"{type(exc).__name__}: {exc}") from None
    raise AssertionError("a 4-byte salt was accepted")


# ---------------------------------------------------------------------- torn WAL


@pytest.fixture
def live_wal(tmp_path: Path, fast_kdf: KdfParams) -> Iterator[dict]:
    """A vault whose last commits live only in its -wal, as a crash would leave them.

    A second connection stays open while the vault is closed, so the WAL is not
    checkpointed away; the files are copied with no writer active. Yields the
    copies, the WAL size after each commit, and what each commit wrote.
    """
    import sqlite3

    path = tmp_path / "live" / "vault.sitebook"
    path.parent.mkdir()
    recovery_key = make_vault(path, fast_kdf, clients=1)
    holder = sqlite3.connect(path)
    holder.execute("SELECT count(*) FROM meta").fetchone()
    wal = Path(f"{path}-wal")
    commits: list[tuple[int, str, dict]] = []
    vault = Vault.open(path)
    try:
        vault.unlock_with_recovery(recovery_key)
        client = vault.clients()[0]
        for number in range(12):
            body = f"step {number}\n" + "x" * (number * 700)
            record = vault.add_record(client.id, "procedure", f"Runbook {number}", {"body": body})
            commits.append((wal.stat().st_size, record.id, dict(record.fields)))
    finally:
        vault.close()
    copy = tmp_path / "torn"
    copy.mkdir()
    shutil.copyfile(path, copy / "vault.sitebook")
    shutil.copyfile(wal, copy / "vault.sitebook-wal")
    shutil.copyfile(f"{path}-shm", copy / "vault.sitebook-shm")
    holder.close()
    yield {"folder": copy, "commits": commits, "recovery": recovery_key}


@pytest.mark.parametrize("keep_shm", [False, True], ids=["without-shm", "with-stale-shm"])
def test_torn_wal_loses_only_the_torn_transaction(
    tmp_path: Path, live_wal: dict, keep_shm: bool, full: bool, rng: random.Random, figures
) -> None:
    commits = live_wal["commits"]
    first = commits[0][0] - (commits[1][0] - commits[0][0])
    ends = [size for size, _id, _fields in commits]
    wal_size = ends[-1]
    if full:
        cuts = list(range(max(32, first - 8192), wal_size + 1, 512))
    else:
        # Inside the last transaction, just before and after commit boundaries, and random.
        cuts = [ends[-1] - 1, ends[-2] + 100, ends[-2], ends[-2] + 1, ends[3] - 24, 32]
        cuts += [rng.randrange(32, wal_size) for _ in range(10)]
    problems: list[str] = []
    for number, cut in enumerate(cuts):
        folder = tmp_path / f"cut{number}"
        shutil.copytree(live_wal["folder"], folder)
        path = folder / "vault.sitebook"
        if not keep_shm:
            Path(f"{path}-shm").unlink()
        with open(f"{path}-wal", "r+b") as handle:
            handle.truncate(cut)
        kept = {rid: fields for end, rid, fields in commits if end <= cut}
        lost = {rid for end, rid, _fields in commits if end > cut}
        try:
            with Vault.open(path) as vault:
                vault.unlock_with_recovery(live_wal["recovery"])
                report = vault.check()
                found = {r.id: r.fields for r in vault.list_records()}
        except Exception as exc:  # any failure to open is the finding
            problems.append(f"cut at {cut}: {type(exc).__name__}: {exc}")
            continue
        if not report.ok:
            problems.append(f"cut at {cut}: check found {report.problems[:2]}")
        if any(found.get(rid) != fields for rid, fields in kept.items()):
            problems.append(f"cut at {cut}: a transaction committed before the cut is lost")
        if lost & set(found):
            problems.append(f"cut at {cut}: a torn transaction is half there")
    figures.record(
        f"torn -wal ({'stale -shm kept' if keep_shm else '-shm removed'})",
        len(cuts),
        len(problems),
        f"{len(commits)} transactions in a {wal_size} byte WAL, cut at {len(cuts)} offsets",
    )
    assert problems == [], "\n".join(problems[:10])


# ---------------------------------------------------------------------- odd paths


def test_folder_symlinks_and_loops_get_clear_errors(
    tmp_path: Path, good_vault: tuple[Path, str], figures
) -> None:
    source, recovery_key = good_vault
    folder = tmp_path / "folder.sitebook"
    folder.mkdir()
    dangling = tmp_path / "dangling.sitebook"
    dangling.symlink_to(tmp_path / "gone.sitebook")
    loop = tmp_path / "loop.sitebook"
    loop.symlink_to(loop)
    problems = []
    for path, words in ((folder, "folder"), (dangling, str(dangling)), (loop, str(loop))):
        try:
            Vault.open(path).close()
            problems.append(f"{path.name} opened")
        except errors.VaultError as exc:
            if words not in str(exc):
                problems.append(f"{path.name}: unclear error: {exc}")
        except Exception as exc:
            problems.append(f"{path.name}: {type(exc).__name__}: {exc}")
    link = tmp_path / "link.sitebook"
    link.symlink_to(source)
    with Vault.open(link) as vault:
        vault.unlock_with_recovery(recovery_key)
        record = vault.add_record(vault.clients()[0].id, "procedure", "Via link", {"body": "ok"})
        if not vault.check().ok:
            problems.append("the vault behind a symlink does not check clean")
    with Vault.open(source) as vault:
        vault.unlock_with_recovery(recovery_key)
        if vault.get_record(record.id).title != "Via link":
            problems.append("a write through the symlink did not reach the vault")
    if link.is_symlink() is False or Path(f"{link}-wal").exists():
        problems.append("the symlink was replaced, or a -wal appeared beside the link")
    figures.record("folder / symlink / dangling / loop paths", 4, len(problems), "clear errors")
    assert problems == [], "\n".join(problems)


@pytest.fixture
def read_only_media(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs remounted read-only (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting read-only media needs root")
    point = tmp_path / "media"
    point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "sitebook-ro", str(point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_read_only_media_opens_read_only_or_says_so(
    read_only_media: Path, good_vault: tuple[Path, str], figures
) -> None:
    source, recovery_key = good_vault
    path = read_only_media / "vault.sitebook"
    shutil.copyfile(source, path)
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_media)], check=True)
    outcome = "opened"
    try:
        vault = Vault.open(path)
    except errors.VaultReadOnlyError:
        outcome = "refused as read-only"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    else:
        with vault:
            vault.unlock_with_recovery(recovery_key)
            assert [c.name for c in vault.clients()] == ["Client 1"]
            with pytest.raises(errors.VaultReadOnlyError):
                vault.add_client("Refused")
    figures.record(
        "vault on read-only media",
        1,
        int(outcome.startswith(("opened", "refused")) is False),
        outcome[:120],
    )
    assert outcome in ("opened", "refused as read-only"), outcome
