"""Recovery keys: format, typo detection pinned to a group, lenient reading, derivation."""

from __future__ import annotations

import hashlib
import re

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import recovery
from crypto.errors import CryptoError, RecoveryKeyError

KEY_PATTERN = re.compile(r"(?:[0-9A-HJKMNP-TV-Z]{5}-){7}[0-9A-HJKMNP-TV-Z]{5}")
SECRET = bytes(range(16))
KEY = "000G0-40R47-0M30J-E209D-185GT-R38E6-1YZ4V-BJS6F"


def _assert_no_leak(message: str, key: str) -> None:
    """No run of 4 key characters (ignoring dashes) may appear in an error message."""
    bare = key.replace("-", "").upper()
    upper = message.upper()
    for start in range(len(bare) - 3):
        assert bare[start : start + 4] not in upper, message


def _error(text: str) -> str:
    with pytest.raises(RecoveryKeyError) as info:
        recovery.parse(text)
    _assert_no_leak(str(info.value), text)
    return str(info.value)


def test_pinned_encodings() -> None:
    # Printed kits must stay readable forever: these strings are the format.
    assert recovery.encode(SECRET) == KEY
    assert recovery.encode(bytes(16)) == "00005-0000A-0000F-0000M-0000H-0000Y-00VMN-E27Z1"
    assert recovery.encode(b"\xff" * 16) == "ZZZZ8-ZZZZ7-ZZZZ2-ZZZZS-ZZZZW-ZZZZK-ZXDC7-D9CMS"
    assert recovery.parse(KEY) == SECRET


def test_payload_layout_is_secret_then_sha256_checksum() -> None:
    digits = [
        recovery.ALPHABET.index(c)
        for group in KEY.split("-")
        for c in group[: recovery.DATA_PER_GROUP]
    ]
    payload = 0
    for digit in digits:
        payload = payload << 5 | digit
    raw = payload.to_bytes(20, "big")
    assert raw[:16] == SECRET
    assert raw[16:] == hashlib.sha256(SECRET).digest()[:4]


def test_generate_format_and_randomness() -> None:
    keys = {recovery.generate() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert KEY_PATTERN.fullmatch(key)
        assert len(recovery.parse(key)) == recovery.SECRET_LENGTH == 16


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=16, max_size=16))
def test_round_trip(secret: bytes) -> None:
    key = recovery.encode(secret)
    assert KEY_PATTERN.fullmatch(key)
    assert recovery.parse(key) == secret


@pytest.mark.parametrize("bad", [b"", bytes(15), bytes(17), "0" * 16])
def test_encode_rejects_wrong_secret(bad: bytes) -> None:
    with pytest.raises(ValueError):
        recovery.encode(bad)


def _substitution_cases(key: str) -> list[tuple[str, int]]:
    bare = key.replace("-", "")
    cases = []
    for position, original in enumerate(bare):
        for replacement in recovery.ALPHABET:
            if replacement != original:
                typed = bare[:position] + replacement + bare[position + 1 :]
                cases.append((typed, position // recovery.GROUP_LENGTH + 1))
    return cases


@pytest.mark.parametrize("key", [KEY, "ZZZZ8-ZZZZ7-ZZZZ2-ZZZZS-ZZZZW-ZZZZK-ZXDC7-D9CMS"])
def test_every_single_substitution_is_caught_in_its_group(key: str) -> None:
    cases = _substitution_cases(key)
    assert len(cases) == 40 * 31
    for typed, group in cases:
        grouped = "-".join(typed[i : i + 5] for i in range(0, 40, 5))
        assert _error(grouped) == f"group {group} has a typo"
        assert _error(typed) == f"group {group} has a typo"


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.integers(0, 39), st.integers(1, 31))
def test_substitution_property(secret: bytes, position: int, shift: int) -> None:
    bare = recovery.encode(secret).replace("-", "")
    value = (recovery.ALPHABET.index(bare[position]) + shift) % 32
    typed = bare[:position] + recovery.ALPHABET[value] + bare[position + 1 :]
    assert _error(typed) == f"group {position // 5 + 1} has a typo"


@pytest.mark.parametrize(
    "key", [KEY, recovery.encode(bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f0"))]
)
def test_every_adjacent_transposition_is_caught(key: str) -> None:
    bare = key.replace("-", "")
    checked = 0
    for i in range(len(bare) - 1):
        if bare[i] == bare[i + 1]:
            continue
        typed = bare[:i] + bare[i + 1] + bare[i] + bare[i + 2 :]
        first, second = i // 5 + 1, (i + 1) // 5 + 1
        expected = (
            f"group {first} has a typo"
            if first == second
            else f"groups {first} and {second} have typos"
        )
        assert _error(typed) == expected
        checked += 1
    assert checked > 20


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.integers(0, 38))
def test_transposition_property(secret: bytes, i: int) -> None:
    bare = recovery.encode(secret).replace("-", "")
    typed = bare[:i] + bare[i + 1] + bare[i] + bare[i + 2 :]
    if typed == bare:
        assert recovery.parse(typed) == secret
    else:
        message = _error(typed)
        assert f"{i // 5 + 1}" in message and f"{(i + 1) // 5 + 1}" in message


def test_swapped_groups_are_named() -> None:
    groups = KEY.split("-")
    groups[2], groups[5] = groups[5], groups[2]
    assert _error("-".join(groups)) == "groups 3 and 6 have typos"


def test_several_bad_groups_are_all_named() -> None:
    groups = KEY.split("-")
    for index in (0, 3, 7):
        groups[index] = groups[index][1:] + groups[index][0]
    assert _error("-".join(groups)) == "groups 1, 4 and 8 have typos"


def test_typo_that_only_the_checksum_catches() -> None:
    # Change payload digits and recompute the group's check digit: every group
    # check passes, only the SHA-256 checksum notices.
    groups = KEY.split("-")
    digits = [recovery.ALPHABET.index(c) for c in groups[0][:4]]
    digits[0] ^= 1
    digits.append(recovery._check_digit(1, digits))
    groups[0] = "".join(recovery.ALPHABET[d] for d in digits)
    message = _error("-".join(groups))
    assert "cannot place" in message
    assert "group 1" not in message


@pytest.mark.parametrize(
    "typed",
    [
        KEY,
        KEY.lower(),
        KEY.replace("-", ""),
        KEY.replace("-", " "),
        KEY.replace("-", "  ").lower(),
        f"  {KEY}\n",
        KEY.replace("-", "\u2013"),  # en dash from a word processor
        KEY.replace("-", "."),
        KEY.replace("0", "O"),
        KEY.replace("0", "o"),
        KEY.replace("1", "I"),
        KEY.replace("1", "l"),
        KEY.replace("1", "L"),
        " ".join(KEY.replace("-", "")[i : i + 4] for i in range(0, 40, 4)),
    ],
)
def test_lenient_reading(typed: str) -> None:
    assert recovery.parse(typed) == SECRET


@pytest.mark.parametrize("char", ["U", "u", "!", "*", "é", "ß", "\u0417"])
def test_foreign_character_is_a_typo_in_its_group(char: str) -> None:
    bare = KEY.replace("-", "")
    typed = bare[:17] + char + bare[18:]
    assert _error(typed) == "group 4 has a typo"


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("", "incomplete: 0 of 40"),
        ("   ", "incomplete: 0 of 40"),
        (KEY.replace("-", "")[:39], "incomplete: 39 of 40"),
        (KEY[:23], "incomplete: 20 of 40"),
        (KEY.replace("-", "") + "0", "too long: 41 characters"),
        (KEY + "-00000", "too long: 45 characters"),
        (KEY * 10, "too long to be a recovery key"),
    ],
)
def test_incomplete_or_too_long(typed: str, fragment: str) -> None:
    assert fragment in _error(typed)


def test_group_missing_a_character_is_named() -> None:
    groups = KEY.split("-")
    groups[2] = groups[2][:4]
    assert _error("-".join(groups)) == "group 3 is missing 1 character(s): every group has 5"


def test_group_with_extra_character_is_named() -> None:
    groups = KEY.split("-")
    groups[6] += "7"
    assert _error(" ".join(groups)) == "group 7 has 1 character(s) too many: every group has 5"


def test_character_typed_in_the_wrong_group_is_named() -> None:
    groups = KEY.split("-")
    groups[4], groups[5] = groups[4][:4], groups[4][4] + groups[5]
    assert _error("-".join(groups)) == "group 5 is missing 1 character(s): every group has 5"


def test_not_text() -> None:
    with pytest.raises(RecoveryKeyError):
        recovery.parse(KEY.encode())  # type: ignore[arg-type]


def test_recovery_key_error_is_a_crypto_error() -> None:
    assert issubclass(RecoveryKeyError, CryptoError)


def test_derive_wrapping_key() -> None:
    key = recovery.derive_wrapping_key(SECRET, b"vault-1")
    assert key.hex() == "8128e772f42dc87f5284eb46fec2b59ed94b662b731c9c9f5788a2eadc443ce8"
    assert recovery.derive_wrapping_key(SECRET, b"vault-1") == key
    assert recovery.derive_wrapping_key(SECRET, b"vault-2") != key
    assert recovery.derive_wrapping_key(bytes(16), b"vault-1") != key
    # It is plain HKDF-SHA256 with a labelled info and no salt, as documented.
    expected = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"sitebook recovery wrap v1\0vault-1",
    ).derive(SECRET)
    assert key == expected


@pytest.mark.parametrize("bad", [b"", bytes(15), bytes(32)])
def test_derive_wrapping_key_rejects_wrong_secret(bad: bytes) -> None:
    with pytest.raises(ValueError):
        recovery.derive_wrapping_key(bad, b"vault-1")
