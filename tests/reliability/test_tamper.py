"""Tampering: every flipped, swapped, deleted, duplicated or rolled-back row is caught.

A small vault (a client, the provider-internal and shared scopes, a user
template, five records with history and a tombstone, a one-chunk and a
three-chunk attachment) is copied and tampered with, one case at a time, through
raw SQL. Each copy is opened through the public API as a user would: open,
unlock, ``check``, list, read every version and attachment, the clients, the
members and the audit log. A case passes when the tampering is caught (refused at
open or unlock, or reported by ``check`` naming the record), nothing but
:class:`~vault.errors.VaultError` is raised, no changed value is returned as if
it were genuine, and records the case did not touch still read back exactly.

Header rows (meta values, members, scopes, scope_keys, state) have every byte of
every value flipped in CI; ciphertexts a sample of positions per blob in CI (the
first two, the last two and random ones between), every byte with
``SITEBOOK_RELIABILITY=full``, which also flips three bit masks per byte instead
of one. Member secrets are read only by a passphrase unlock (one Argon2id each),
so CI samples them.

Cases that expose a known defect are split out by :data:`KNOWN` into strict
xfails, one per defect, so every other case must pass and each defect's count
stays visible in the figures.
"""

from __future__ import annotations

import multiprocessing
import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from crypto.kdf import KdfParams
from tests.reliability import report, tamper, tamper_cases, tamper_rows
from tests.reliability.tamper import Case, Observation, Pristine

pytestmark = pytest.mark.timeout(0 if report.full_mode() else 300)

WORKERS = 2
CI_CIPHER_POSITIONS = 12
CI_SECRET_POSITIONS = 4
FULL_MASKS = (0x01, 0x80, 0xFF)
CIPHERTEXTS = {
    "versions": ("body", "signature"),
    "attachments": ("file_key", "meta", "signature", "digest"),
    "attachment_chunks": ("data",),
    "audit": ("body", "signature", "prev_hash", "body_hash"),
}


def _column(case: Case) -> str:
    return case.target.rsplit(".", 1)[-1]


def _table(case: Case) -> str:
    return case.target.split("[", 1)[0]


@dataclass(frozen=True)
class Known:
    """A defect this battery found: which cases show it, and what is wrong."""

    id: str
    reason: str
    matches: Callable[[Case], bool]


KNOWN: tuple[Known, ...] = ()
KNOWN_BY_ID = {k.id: k for k in KNOWN}


def known(case: Case) -> str | None:
    """The id of the known defect a case shows, if any."""
    return next((k.id for k in KNOWN if k.matches(case)), None)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Pristine:
    """The small vault every case starts from (built once per module)."""
    folder = tmp_path_factory.mktemp("tamper")
    return tamper.build_pristine(folder, KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4))


@pytest.fixture(scope="module")
def pool(
    pristine: Pristine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProcessPoolExecutor]:
    """Worker processes on both cores; tampered copies live on tmpfs where available."""
    try:
        folder = Path(tempfile.mkdtemp(prefix="sitebook-tamper-", dir="/dev/shm"))
    except OSError:
        folder = tmp_path_factory.mktemp("tamper-work")
    executor = ProcessPoolExecutor(
        WORKERS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=tamper.init_worker,
        initargs=(pristine, str(folder)),
    )
    yield executor
    executor.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


def run(pool: ProcessPoolExecutor, cases: list[Case]) -> list[tuple[Case, Observation]]:
    """Observe every case on the pool, in order."""
    chunk = max(1, len(cases) // (WORKERS * 8))
    return list(zip(cases, pool.map(tamper.observe_one, cases, chunksize=chunk), strict=True))


def verdict(figures, title: str, results: list[tuple[Case, Observation]]) -> list[str]:
    """Judge every case, record the figures (runs, failures, how caught), return the problems."""
    problems: list[str] = []
    caught: Counter[str] = Counter()
    runs = failures = 0
    for case, observation in results:
        if observation.impossible:
            continue
        runs += 1
        found = tamper.judge(case, observation)
        how = tamper.how_detected(observation)
        if case.same_bytes and how == "undetected" and not found:
            how = "same bytes read back (nothing changed)"
        caught[how] += 1
        if found:
            failures += 1
            problems += found
    detail = ", ".join(f"{what} {n}" for what, n in caught.most_common())
    figures.record(title, runs, failures, detail)
    assert runs > 0
    return problems


def strict(
    pool: ProcessPoolExecutor, figures, title: str, cases: list[Case]
) -> tuple[list[str], int]:
    """Run the cases no known defect claims; return (problems, how many were set aside)."""
    mine = [c for c in cases if known(c) is None]
    return verdict(figures, title, run(pool, mine)), len(cases) - len(mine)


def _message(problems: list[str]) -> str:
    return f"{len(problems)} problems, first ones:\n" + "\n".join(problems[:15])


def header_cases(pristine: Pristine, table: str, full: bool, rng: random.Random) -> list[Case]:
    """Every byte of every header value flipped (member secrets apart: passphrase unlock)."""
    skip = tamper_cases.PASSPHRASE_COLUMNS if table == "members" else frozenset()
    if table == "meta":
        skip = frozenset({"key"})
    return tamper_cases.flip_cases(
        pristine,
        table,
        None,
        positions=None,
        rng=rng,
        masks=FULL_MASKS if full else None,
        skip=skip,
    )


def all_cases(pristine: Pristine, full: bool, rng: random.Random) -> list[Case]:
    """Every case of this module, for the known-defect tests to pick theirs from."""
    cases = [c for t in tamper_cases.HEADER_TABLES for c in header_cases(pristine, t, full, rng)]
    cases += tamper_rows.removal_cases(pristine) + tamper_rows.rollback_cases(pristine)
    cases += tamper_rows.forged_state_cases(pristine) + tamper_rows.swap_cases(pristine)
    cases += tamper_rows.duplicate_cases(pristine, rng)
    for table, columns in CIPHERTEXTS.items():
        cases += tamper_cases.flip_cases(
            pristine, table, columns, positions=CI_CIPHER_POSITIONS, rng=rng
        )
    for table in (*tamper_cases.HEADER_TABLES, *sorted(CIPHERTEXTS), "records"):
        cases += tamper_cases.retype_cases(pristine, table)
    return cases


def test_pristine_copy_reads_clean(pool: ProcessPoolExecutor) -> None:
    ((_case, observation),) = run(pool, [Case("untouched", ())])
    assert observation.crashes == [] and observation.wrong == [] and observation.extra == []
    assert observation.refused == [] and observation.problems == []
    assert observation.unreadable == set() and not observation.stopped_at


@pytest.mark.parametrize("table", tamper_cases.HEADER_TABLES)
def test_header_bytes_flipped(
    pool: ProcessPoolExecutor,
    pristine: Pristine,
    table: str,
    full: bool,
    rng: random.Random,
    figures,
) -> None:
    cases = header_cases(pristine, table, full, rng)
    problems, _aside = strict(pool, figures, f"tamper: flip every byte of {table}", cases)
    assert problems == [], _message(problems)


def test_member_secrets_flipped_with_passphrase_unlock(
    pool: ProcessPoolExecutor, pristine: Pristine, full: bool, rng: random.Random, figures
) -> None:
    cases = tamper_cases.flip_cases(
        pristine,
        "members",
        sorted(tamper_cases.PASSPHRASE_COLUMNS),
        positions=None if full else CI_SECRET_POSITIONS,
        rng=rng,
    )
    assert cases and all(c.passphrase for c in cases)
    sampled = "every byte" if full else f"{CI_SECRET_POSITIONS} positions per value"
    title = f"tamper: flip member kdf/salt/secrets, passphrase unlock ({sampled})"
    problems, _aside = strict(pool, figures, title, cases)
    assert problems == [], _message(problems)


@pytest.mark.parametrize("table", sorted(CIPHERTEXTS))
def test_ciphertext_bytes_flipped(
    pool: ProcessPoolExecutor,
    pristine: Pristine,
    table: str,
    full: bool,
    rng: random.Random,
    figures,
) -> None:
    cases = tamper_cases.flip_cases(
        pristine,
        table,
        CIPHERTEXTS[table],
        positions=None if full else CI_CIPHER_POSITIONS,
        rng=rng,
        masks=FULL_MASKS if full else None,
    )
    sampled = "every byte" if full else f"{CI_CIPHER_POSITIONS} positions per blob"
    problems, _aside = strict(pool, figures, f"tamper: flip {table} ({sampled})", cases)
    assert problems == [], _message(problems)


def test_ciphertexts_swapped(pool: ProcessPoolExecutor, pristine: Pristine, figures) -> None:
    cases = tamper_rows.swap_cases(pristine)
    problems, _aside = strict(pool, figures, "tamper: swap ciphertexts", cases)
    assert problems == [], _message(problems)


def test_rows_deleted(pool: ProcessPoolExecutor, pristine: Pristine, figures) -> None:
    cases = [c for c in tamper_rows.removal_cases(pristine) if known(c) is None]
    results = run(pool, cases)
    problems = verdict(figures, "tamper: delete rows", results)
    assert problems == [], _message(problems)
    for case, observation in results:  # whole records and attachments: the state says so
        if case.name.startswith(("delete every row of record", "delete attachment A")):
            assert _rolled_back(observation), case.name


def _rolled_back(observation: Observation) -> bool:
    """The signed-state contract: Problem(kind="structure", id="vault", "...rolled back...")."""
    return any(
        kind == "structure" and where == "vault" and "rolled back" in detail
        for kind, where, _version, detail in observation.problems
    )


def test_rows_duplicated(
    pool: ProcessPoolExecutor, pristine: Pristine, rng: random.Random, figures
) -> None:
    cases = tamper_rows.duplicate_cases(pristine, rng)
    problems, _aside = strict(pool, figures, "tamper: duplicate rows", cases)
    assert problems == [], _message(problems)


def test_records_rolled_back(pool: ProcessPoolExecutor, pristine: Pristine, figures) -> None:
    cases = [c for c in tamper_rows.rollback_cases(pristine) if known(c) is None]
    results = run(pool, cases)
    problems = verdict(figures, "tamper: roll records back", results)
    assert problems == [], _message(problems)
    for case, observation in results:  # the contract: a structure Problem that says so
        assert _rolled_back(observation), case.name


@pytest.mark.parametrize("table", [*tamper_cases.HEADER_TABLES, *sorted(CIPHERTEXTS), "records"])
def test_column_types_changed(
    pool: ProcessPoolExecutor, pristine: Pristine, table: str, figures
) -> None:
    cases = tamper_cases.retype_cases(pristine, table)
    title = f"tamper: change storage classes in {table}"
    problems, _aside = strict(pool, figures, title, cases)
    assert problems == [], _message(problems)


@pytest.mark.parametrize(
    "defect",
    [
        pytest.param(
            k.id, marks=pytest.mark.xfail(strict=True, reason=k.reason, raises=AssertionError)
        )
        for k in KNOWN
    ],
)
def test_known_defect(
    pool: ProcessPoolExecutor,
    pristine: Pristine,
    defect: str,
    full: bool,
    rng: random.Random,
    figures,
) -> None:
    cases = [c for c in all_cases(pristine, full, rng) if known(c) == defect]
    if not cases:
        pytest.fail(f"no case matches {defect} any more: drop it from KNOWN")
    problems = verdict(figures, f"tamper, known defect: {defect}", run(pool, cases))
    assert problems == [], _message(problems)
