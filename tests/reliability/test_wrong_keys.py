"""Wrong passphrases and recovery keys: none is ever accepted.

Recovery keys cost an HKDF each, so 1,000 random well-formed keys (and 1,000
typed variants of the real one) run in CI. A passphrase costs one Argon2id at the
64 MiB floor, which a vault file may not lower: CI tries ``CI_PASSPHRASES``
(random strings and near misses of the real one), ``SITEBOOK_RELIABILITY=full``
tries 1,000. Each refusal must be the specific error and must not echo the input.
"""

from __future__ import annotations

import random
import statistics
import string
import time
from pathlib import Path

import pytest

from crypto import recovery
from crypto.kdf import KdfParams
from tests.reliability import report
from tests.reliability.harness import make_vault
from tests.reliability.writer import passphrase
from vault import Vault, errors

CI_PASSPHRASES, FULL_PASSPHRASES = 60, 1_000
RECOVERY_KEYS = 1_000

pytestmark = pytest.mark.timeout(0 if report.full_mode() else 300)


@pytest.fixture
def vault_file(tmp_path: Path, fast_kdf: KdfParams) -> tuple[Path, str]:
    """A closed vault (passphrase ``passphrase(0)``) and its recovery key."""
    path = tmp_path / "vault.sitebook"
    return path, make_vault(path, fast_kdf, clients=1)


def near_misses(real: str, rng: random.Random) -> list[str]:
    """Passphrases a person might type instead of the real one."""
    position = rng.randrange(len(real))
    swapped = list(real)
    swapped[position], swapped[position - 1] = swapped[position - 1], swapped[position]
    return [
        real.upper(),
        real.capitalize(),
        real + " ",
        " " + real,
        real[:-1],
        real + real[-1],
        real[:position] + real[position + 1 :],
        real[:position] + "x" + real[position + 1 :],
        "".join(swapped),
        real.replace(" ", ""),
    ]


def wrong_passphrases(real: str, count: int, rng: random.Random) -> list[str]:
    """Near misses first, then random printable strings of 8-40 characters."""
    alphabet = string.ascii_letters + string.digits + string.punctuation + " äöüß€"
    out = [p for p in near_misses(real, rng) if p != real]
    while len(out) < count:
        candidate = "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 40)))
        if candidate != real:
            out.append(candidate)
    return out[:count]


def test_wrong_passphrases_are_refused(
    vault_file: tuple[Path, str], full: bool, rng: random.Random, figures
) -> None:
    path, _key = vault_file
    count = FULL_PASSPHRASES if full else CI_PASSPHRASES
    accepted, unclear, seconds = [], [], []
    with Vault.open(path) as vault:
        for attempt in wrong_passphrases(passphrase(0), count, rng):
            start = time.perf_counter()
            try:
                vault.unlock(attempt)
                accepted.append(attempt)
                vault.lock()
            except errors.WrongPassphraseError as exc:
                if attempt in str(exc):
                    unclear.append("the message echoes the passphrase")
            except errors.VaultError as exc:
                unclear.append(f"{type(exc).__name__}: {exc}")
            seconds.append(time.perf_counter() - start)
        assert not vault.is_unlocked
        vault.unlock(passphrase(0))  # the real one still works: the refusals were real
        assert vault.is_unlocked
    median = statistics.median(seconds)
    figures.record(
        "wrong passphrases",
        count,
        len(accepted) + len(unclear),
        f"0 may be accepted; {len(accepted)} were; one Argon2id (64 MiB) attempt takes "
        f"{median:.2f} s, so 1,000 take ~{1000 * median:.0f} s"
        + ("" if full else f": CI tries {count}, SITEBOOK_RELIABILITY=full tries 1,000"),
    )
    assert accepted == []
    assert unclear == []


def test_wrong_recovery_keys_are_refused(
    vault_file: tuple[Path, str], rng: random.Random, figures
) -> None:
    path, real = vault_file
    accepted, unclear = [], []
    typo_caught = 0
    with Vault.open(path) as vault:
        start = time.perf_counter()
        for _ in range(RECOVERY_KEYS):
            attempt = recovery.encode(rng.randbytes(recovery.SECRET_LENGTH))
            try:
                vault.unlock_with_recovery(attempt)
                accepted.append(attempt)
                vault.lock()
            except errors.WrongRecoveryKeyError as exc:
                if attempt in str(exc):
                    unclear.append("the message echoes the key")
        random_seconds = time.perf_counter() - start
        for _ in range(RECOVERY_KEYS):
            attempt = _typo(real, rng)
            try:
                vault.unlock_with_recovery(attempt)
                accepted.append(attempt)
                vault.lock()
            except errors.RecoveryKeyFormatError:
                typo_caught += 1
            except errors.WrongRecoveryKeyError:
                pass
            except errors.VaultError as exc:
                unclear.append(f"{type(exc).__name__}: {exc}")
        assert not vault.is_unlocked
        vault.unlock_with_recovery(real)
        assert vault.is_unlocked
    figures.record(
        "wrong recovery keys",
        2 * RECOVERY_KEYS,
        len(accepted) + len(unclear),
        f"{RECOVERY_KEYS} random well-formed keys ({random_seconds * 1000 / RECOVERY_KEYS:.1f} "
        f"ms each) and {RECOVERY_KEYS} one-character typos of the real key, of which "
        f"{typo_caught} were caught by the group check digits",
    )
    assert accepted == []
    assert unclear == []
    assert typo_caught > RECOVERY_KEYS // 2


def _typo(real: str, rng: random.Random) -> str:
    """The real key with one character replaced by another of the alphabet."""
    positions = [i for i, ch in enumerate(real) if ch != "-"]
    position = rng.choice(positions)
    other = rng.choice([c for c in recovery.ALPHABET if c != real[position].upper()])
    return real[:position] + other + real[position + 1 :]
