"""The recovery key printed on the emergency kit: its format, checks and key derivation.

A recovery key is 128 random bits that a person can read off paper and type back.
This module owns how those bits are written down and read back, and how a wrapping
key is derived from them. What the key unwraps (the owner's secrets) is the vault's
business.

Format (version 1)::

    7K3QM-X0P9A-...   8 groups of 5 characters, 40 in all, joined by dashes

* The payload is the 16-byte secret followed by a 4-byte checksum, the first four
  bytes of SHA-256(secret): 160 bits, written big-endian as 32 base-32 digits.
* The alphabet is Crockford's base 32, ``0-9`` and ``A-Z`` without ``I L O U``, so
  no two characters look alike; when reading, ``O`` counts as ``0`` and ``I``/``L``
  as ``1``, case is ignored, and spaces, dashes, dots and underscores are skipped.
* Each group is 4 payload digits and 1 check digit. The check digit is a Damm check
  over GF(32): with ``a * b = 2a + b`` (multiplication by the polynomial ``x`` modulo
  ``x^5 + x^2 + 1``, addition XOR), the running value starts at the group number
  (1-8) and the check digit makes the value after the whole group zero. This
  operation is a totally anti-symmetric quasigroup, so every single wrong character
  and every swap of two neighbouring characters inside a group is caught and
  pinned to its group; because the running value starts at the group number, a
  whole group typed in the wrong place is caught too. The 32-bit checksum catches
  whatever slips past the group checks.

Error messages name the group ("group 3 has a typo") or say the key is incomplete;
they never contain any character of the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.errors import RecoveryKeyError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SECRET_LENGTH = 16
CHECKSUM_LENGTH = 4
GROUPS = 8
DATA_PER_GROUP = 4
GROUP_LENGTH = DATA_PER_GROUP + 1
KEY_CHARACTERS = GROUPS * GROUP_LENGTH
WRAPPING_KEY_LENGTH = 32

_SEPARATORS = frozenset(" \t\r\n-_.\u2010\u2011\u2012\u2013\u2014\u2212")
_CONFUSIONS = {"O": "0", "I": "1", "L": "1"}
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
# Longest input worth looking at; anything longer is refused without scanning it.
_MAX_INPUT = 200
_HKDF_INFO = b"sitebook recovery wrap v1\0"


def _times_x(value: int) -> int:
    """Multiply a GF(32) element by x, modulo the primitive polynomial x^5 + x^2 + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _damm(start: int, digits: list[int]) -> int:
    """Fold ``digits`` through the quasigroup ``a * b = x·a + b``, starting at ``start``."""
    state = start
    for digit in digits:
        state = _times_x(state) ^ digit
    return state


def _check_digit(group: int, digits: list[int]) -> int:
    """The digit that brings the fold of group number ``group`` (1-based) to zero."""
    return _times_x(_damm(group, digits))


def _checksum(secret: bytes) -> bytes:
    return hashlib.sha256(secret).digest()[:CHECKSUM_LENGTH]


def encode(secret: bytes) -> str:
    """Write a 16-byte secret as a recovery key.

    Args:
        secret: exactly 16 bytes.

    Returns:
        The key as 8 dash-separated groups of 5 characters.

    Raises:
        ValueError: if ``secret`` is not 16 bytes (a programming error, not user input).
    """
    if not isinstance(secret, bytes | bytearray) or len(secret) != SECRET_LENGTH:
        raise ValueError(f"a recovery secret is {SECRET_LENGTH} bytes")
    payload = int.from_bytes(bytes(secret) + _checksum(bytes(secret)), "big")
    count = GROUPS * DATA_PER_GROUP
    digits = [(payload >> (5 * (count - 1 - i))) & 31 for i in range(count)]
    groups = []
    for group in range(GROUPS):
        data = digits[group * DATA_PER_GROUP : (group + 1) * DATA_PER_GROUP]
        data.append(_check_digit(group + 1, data))
        groups.append("".join(ALPHABET[d] for d in data))
    return "-".join(groups)


def generate() -> str:
    """Make a new recovery key from 128 bits of ``secrets`` randomness.

    Returns:
        The key to print on the emergency kit; :func:`parse` gives back its secret.
    """
    return encode(secrets.token_bytes(SECRET_LENGTH))


def _join_groups(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"group {numbers[0]} has a typo"
    listed = ", ".join(str(n) for n in numbers[:-1])
    return f"groups {listed} and {numbers[-1]} have typos"


def _check_group_lengths(text: str) -> None:
    """If the key was typed in 8 groups, say which group has too few or too many characters."""
    parts: list[int] = []
    length = 0
    for char in text:
        if char in _SEPARATORS:
            if length:
                parts.append(length)
            length = 0
        else:
            length += 1
    if length:
        parts.append(length)
    if len(parts) != GROUPS:
        return
    for number, size in enumerate(parts, start=1):
        if size < GROUP_LENGTH:
            raise RecoveryKeyError(
                f"group {number} is missing {GROUP_LENGTH - size} character(s): "
                f"every group has {GROUP_LENGTH}"
            )
        if size > GROUP_LENGTH:
            raise RecoveryKeyError(
                f"group {number} has {size - GROUP_LENGTH} character(s) too many: "
                f"every group has {GROUP_LENGTH}"
            )


def parse(text: str) -> bytes:
    """Read a recovery key as a person typed it and return its 16-byte secret.

    Case is ignored; spaces, dashes, dots and underscores may separate groups or be
    left out; ``O`` is read as ``0`` and ``I``/``L`` as ``1``.

    Args:
        text: the key as typed.

    Returns:
        The 16-byte secret.

    Raises:
        RecoveryKeyError: the key is incomplete, too long, or has a typo; the
            message names the group(s) with the typo and never echoes the key.
    """
    if not isinstance(text, str):
        raise RecoveryKeyError("a recovery key must be text")
    if len(text) > _MAX_INPUT:
        raise RecoveryKeyError(
            f"this is too long to be a recovery key: it has {KEY_CHARACTERS} characters"
        )
    _check_group_lengths(text)
    chars = [c.upper() if c.isascii() else c for c in text if c not in _SEPARATORS]
    if len(chars) < KEY_CHARACTERS:
        raise RecoveryKeyError(
            f"the recovery key is incomplete: {len(chars)} of {KEY_CHARACTERS} characters "
            "were entered"
        )
    if len(chars) > KEY_CHARACTERS:
        raise RecoveryKeyError(
            f"the recovery key is too long: {len(chars)} characters were entered, "
            f"it has {KEY_CHARACTERS}"
        )

    digits: list[int] = []
    bad_groups: list[int] = []
    for group in range(GROUPS):
        typed = chars[group * GROUP_LENGTH : (group + 1) * GROUP_LENGTH]
        values = [_VALUES.get(_CONFUSIONS.get(c, c), -1) for c in typed]
        if -1 in values or _damm(group + 1, values) != 0:
            bad_groups.append(group + 1)
        digits.extend(values[:DATA_PER_GROUP])
    if bad_groups:
        raise RecoveryKeyError(_join_groups(bad_groups))

    payload = 0
    for digit in digits:
        payload = (payload << 5) | digit
    raw = payload.to_bytes(SECRET_LENGTH + CHECKSUM_LENGTH, "big")
    secret, checksum = raw[:SECRET_LENGTH], raw[SECRET_LENGTH:]
    if not hmac.compare_digest(checksum, _checksum(secret)):
        raise RecoveryKeyError(
            "the recovery key has a typo that the group checks cannot place: "
            "compare every group with the emergency kit"
        )
    return secret


def derive_wrapping_key(secret: bytes, context: bytes) -> bytes:
    """Derive the 32-byte key that wraps the owner's secrets from a recovery secret.

    HKDF-SHA256 is enough here, with no Argon2: the recovery secret is 128 uniformly
    random bits, so there is nothing for a slow, memory-hard KDF to protect against
    guessing. ``context`` (vault id, purpose, version) is bound into HKDF's info so
    one key never serves two purposes.

    Args:
        secret: the 16-byte secret returned by :func:`parse`.
        context: caller-chosen binding, e.g. vault id and key version.

    Returns:
        32 bytes for AES-256-GCM.

    Raises:
        ValueError: if ``secret`` is not 16 bytes.
    """
    if not isinstance(secret, bytes | bytearray) or len(secret) != SECRET_LENGTH:
        raise ValueError(f"a recovery secret is {SECRET_LENGTH} bytes")
    return HKDF(
        algorithm=hashes.SHA256(),
        length=WRAPPING_KEY_LENGTH,
        salt=None,
        info=_HKDF_INFO + bytes(context),
    ).derive(bytes(secret))
