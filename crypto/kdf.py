"""Passphrase key derivation with Argon2id.

Parameters are stored per member. At creation they are calibrated to about one
second on the creating machine (never below 64 MiB, 3 passes, 4 lanes); when read
back from a file they are checked against hard bounds *before* any memory is
allocated, so a hostile header asking for terabytes is refused, not obeyed.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from crypto.errors import KdfParamsError

KEY_LENGTH = 32
SALT_LENGTH = 16

MIN_MEMORY_KIB = 16 * 1024
MAX_MEMORY_KIB = 2 * 1024 * 1024
MIN_ITERATIONS, MAX_ITERATIONS = 1, 10
MIN_LANES, MAX_LANES = 1, 16

FLOOR_MEMORY_KIB = 64 * 1024
DEFAULT_ITERATIONS = 3
DEFAULT_LANES = 4
CALIBRATION_CAP_KIB = 1024 * 1024


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters: memory in KiB, passes and lanes."""

    memory_kib: int = FLOOR_MEMORY_KIB
    iterations: int = DEFAULT_ITERATIONS
    lanes: int = DEFAULT_LANES

    def check(self) -> KdfParams:
        """Return self if every parameter is within bounds, else raise KdfParamsError."""
        for name, value, low, high in (
            ("memory", self.memory_kib, MIN_MEMORY_KIB, MAX_MEMORY_KIB),
            ("passes", self.iterations, MIN_ITERATIONS, MAX_ITERATIONS),
            ("lanes", self.lanes, MIN_LANES, MAX_LANES),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise KdfParamsError(
                    f"key-derivation {name} parameter {value!r} is outside {low}-{high}"
                )
        if self.memory_kib < 8 * self.lanes:
            raise KdfParamsError("key-derivation memory is too small for its lanes")
        return self

    def to_json(self) -> str:
        """Serialise as the JSON stored in the vault header."""
        return json.dumps(
            {"alg": "argon2id", "m": self.memory_kib, "t": self.iterations, "p": self.lanes},
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> KdfParams:
        """Parse stored parameters and check them against the bounds."""
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict) or raw.get("alg") != "argon2id":
                raise KdfParamsError("unknown key-derivation algorithm")
            params = cls(memory_kib=raw["m"], iterations=raw["t"], lanes=raw["p"])
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise KdfParamsError("key-derivation parameters are unreadable") from exc
        return params.check()


# Argon2id in cryptography 50 / OpenSSL 4 runs its lanes on OpenSSL's thread pool;
# two derivations at once can wait on each other forever (tests/reliability/
# test_kdf_threads.py), so derivations in one process take turns.
_ONE_AT_A_TIME = threading.Lock()


def derive_key(passphrase: str | bytes, salt: bytes, params: KdfParams) -> bytes:
    """Derive a 32-byte key from a passphrase with Argon2id.

    Args:
        passphrase: the member's passphrase (str is encoded as UTF-8, NFC is the
            caller's business).
        salt: at least 16 random bytes stored beside the parameters.
        params: cost parameters; checked against bounds before allocating.
    """
    params.check()
    if len(salt) < SALT_LENGTH:
        raise KdfParamsError("key-derivation salt is too short")
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)
    with _ONE_AT_A_TIME:
        return _derive(secret, salt, params)


def _derive(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    return Argon2id(
        salt=salt,
        length=KEY_LENGTH,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(secret)


def calibrate(target_seconds: float = 1.0) -> KdfParams:
    """Pick the memory cost that takes about ``target_seconds`` on this machine.

    Passes and lanes stay at 3 and 4; memory grows from the 64 MiB floor, doubling
    while the measured time is well under target, capped at 1 GiB.
    """
    salt = b"\0" * SALT_LENGTH
    memory = FLOOR_MEMORY_KIB
    while True:
        params = KdfParams(memory, DEFAULT_ITERATIONS, DEFAULT_LANES)
        start = time.perf_counter()
        derive_key(b"calibration", salt, params)
        elapsed = time.perf_counter() - start
        if elapsed * 2 > target_seconds or memory * 2 > CALIBRATION_CAP_KIB:
            break
        memory *= 2
    if elapsed < target_seconds:
        scaled = int(memory * target_seconds / max(elapsed, 1e-6)) // 1024 * 1024
        memory = max(memory, min(scaled, CALIBRATION_CAP_KIB))
    return KdfParams(memory, DEFAULT_ITERATIONS, DEFAULT_LANES)
