"""Password and passphrase generation, entropy, the bundled wordlist and strength."""

from __future__ import annotations

import hashlib
import itertools
import math
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import passwords
from crypto.passwords import (
    generate_passphrase,
    generate_password,
    passphrase_entropy_bits,
    password_entropy_bits,
    strength,
)

CLASSES = {
    "upper": passwords.UPPER,
    "lower": passwords.LOWER,
    "digits": passwords.DIGITS,
    "symbols": passwords.SYMBOLS,
}


@pytest.mark.parametrize("length", [4, 5, 8, 20, 64, passwords.MAX_LENGTH])
def test_length_and_every_class_present(length: int) -> None:
    for _ in range(20):
        password = generate_password(length)
        assert len(password) == length
        for chars in CLASSES.values():
            assert any(c in chars for c in password)
        assert set(password) <= set("".join(CLASSES.values()))


@settings(max_examples=200, deadline=None)
@given(
    flags=st.fixed_dictionaries({name: st.booleans() for name in CLASSES}).filter(
        lambda f: any(f.values())
    ),
    extra=st.integers(min_value=0, max_value=30),
    exclude_ambiguous=st.booleans(),
)
def test_only_enabled_classes_and_each_present(
    flags: dict[str, bool], extra: int, exclude_ambiguous: bool
) -> None:
    length = sum(flags.values()) + extra
    password = generate_password(length, exclude_ambiguous=exclude_ambiguous, **flags)
    assert len(password) == length
    for name, chars in CLASSES.items():
        assert any(c in chars for c in password) == flags[name]
    if exclude_ambiguous:
        assert not set(password) & set(passwords.AMBIGUOUS)


def test_digits_only() -> None:
    password = generate_password(12, upper=False, lower=False, symbols=False)
    assert password.isdigit() and len(password) == 12


def test_exclude_ambiguous_never_yields_lookalikes() -> None:
    seen = set("".join(generate_password(64, exclude_ambiguous=True) for _ in range(50)))
    assert not seen & set(passwords.AMBIGUOUS)
    assert len(seen) > 60


def test_required_classes_are_not_at_fixed_positions() -> None:
    # Rejection sampling: the first character is sometimes each class, not always upper.
    first = [generate_password(4)[0] for _ in range(400)]
    for chars in CLASSES.values():
        assert any(c in chars for c in first)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"length": 3},
        {"length": 0},
        {"length": -5},
        {"length": 1, "upper": True, "lower": True, "digits": False, "symbols": False},
        {"upper": False, "lower": False, "digits": False, "symbols": False},
        {"length": passwords.MAX_LENGTH + 1},
        {"length": 20.0},
        {"length": "20"},
        {"length": True},
    ],
)
def test_impossible_settings_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        generate_password(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        password_entropy_bits(**kwargs)  # type: ignore[arg-type]


def test_password_entropy_values() -> None:
    assert password_entropy_bits(6, upper=False, lower=False, symbols=False) == pytest.approx(
        6 * math.log2(10)
    )
    # Two characters, upper and lower both required: 52^2 - 2 * 26^2 strings.
    assert password_entropy_bits(2, digits=False, symbols=False) == pytest.approx(
        math.log2(52**2 - 2 * 26**2)
    )
    pool = sum(len(chars) for chars in CLASSES.values())
    full = password_entropy_bits(20)
    assert 129 < full < 20 * math.log2(pool)
    assert full == pytest.approx(20 * math.log2(pool), abs=0.2)
    assert password_entropy_bits(20, exclude_ambiguous=True) < full


def test_password_entropy_matches_brute_force_count() -> None:
    kwargs = {"upper": True, "lower": False, "digits": True, "symbols": False}
    pool = [c for c in passwords.UPPER + passwords.DIGITS if c not in passwords.AMBIGUOUS]
    count = sum(
        1
        for combo in itertools.product(pool, repeat=3)
        if any(c.isdigit() for c in combo) and any(c.isupper() for c in combo)
    )
    bits = password_entropy_bits(3, exclude_ambiguous=True, **kwargs)
    assert bits == pytest.approx(math.log2(count))


# Wordlist and passphrases.


def test_wordlist_is_the_eff_large_list() -> None:
    words = passwords.wordlist()
    assert len(words) == 7776 == len(set(words))
    assert words[:3] == ("abacus", "abdomen", "abdominal")
    assert words[-1] == "zoom"
    assert all(w.replace("-", "").isalpha() and w.islower() and w.isascii() for w in words)
    assert list(words) == sorted(words)
    raw = resources.files("crypto").joinpath("data", "eff_large_wordlist.txt").read_bytes()
    assert (
        hashlib.sha256(raw).hexdigest()
        == "6d557f0693958fb5e650b68b5bee585eb82cf4da32965505c789e924743bc522"
    )


def test_wordlist_licence_is_shipped() -> None:
    text = resources.files("crypto").joinpath("data", "WORDLIST-LICENSE.txt").read_text()
    assert "CC BY 3.0 US" in text and "Electronic Frontier Foundation" in text


@pytest.mark.parametrize("count", [1, 4, 6, 10, passwords.MAX_WORDS])
def test_passphrase_word_count_and_words(count: int) -> None:
    words = set(passwords.wordlist())
    phrase = generate_passphrase(count, separator=" ")
    parts = phrase.split(" ")
    assert len(parts) == count
    assert all(part in words for part in parts)


def test_passphrase_separator_and_capitalize() -> None:
    words = set(passwords.wordlist())
    phrase = generate_passphrase(5, separator=".", capitalize=True)
    parts = phrase.split(".")
    assert len(parts) == 5
    assert all(part[0].isupper() and part.lower() in words for part in parts)
    assert generate_passphrase() != generate_passphrase()
    assert len(generate_passphrase().split("-")) >= 6


@pytest.mark.parametrize("count", [0, -1, passwords.MAX_WORDS + 1, 2.5, True])
def test_passphrase_bad_word_count(count: object) -> None:
    with pytest.raises(ValueError):
        generate_passphrase(count)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        passphrase_entropy_bits(count)  # type: ignore[arg-type]


def test_passphrase_entropy() -> None:
    assert passphrase_entropy_bits(1) == pytest.approx(12.925, abs=0.001)
    assert passphrase_entropy_bits() == pytest.approx(77.549, abs=0.001)
    assert passphrase_entropy_bits(4) == pytest.approx(4 * math.log2(7776))


# Strength.


@pytest.mark.parametrize(
    "password",
    [
        "",
        "password",
        "Password",
        "P@ssw0rd",
        "password1",
        "Password1!",
        "Summer2024!",
        "qwerty",
        "qwertyuiop",
        "123456789",
        "aaaaaaaaaaaaaaaa",
        "abcdefghijklmnop",
        "abcabcabcabcabc",
        "letmein",
        "admin123",
    ],
)
def test_common_passwords_are_very_weak(password: str) -> None:
    assert strength(password) == (0, "very weak")


def test_generated_passwords_are_very_strong() -> None:
    for _ in range(20):
        assert strength(generate_password(20)) == (4, "very strong")
        assert strength(generate_password(16, symbols=False)) == (4, "very strong")


def test_passphrases_score_by_word_count() -> None:
    for _ in range(10):
        assert strength(generate_passphrase(6)) == (4, "very strong")
        assert strength(generate_passphrase(5))[0] == 3
        assert strength(generate_passphrase(4))[0] == 2
        assert strength(generate_passphrase(6, separator=" ", capitalize=True))[0] == 4


def test_strength_ordering() -> None:
    ordered = [
        "password",
        "Summer2024!",
        "kettle-mosaic",
        "k3#Tq9!mZ",
        "k3#Tq9!mZ2vR",
        "k3#Tq9!mZ2vRw8$LpQ4x",
    ]
    bits = [passwords.estimated_bits(p) for p in ordered]
    assert bits == sorted(bits)
    scores = [strength(p)[0] for p in ordered]
    assert scores == sorted(scores)
    assert scores[0] == 0 and scores[-1] == 4


def test_repetition_and_sequences_cost_little() -> None:
    assert passwords.estimated_bits("x" * 40) < 15
    assert passwords.estimated_bits("Kq9!" * 10) < passwords.estimated_bits("Kq9!") + 5
    assert passwords.estimated_bits("abcdefghij") < passwords.estimated_bits("ajfkdlsmwq")


def test_labels() -> None:
    assert passwords.LABELS == ("very weak", "weak", "fair", "strong", "very strong")
    for password in ("", "password", "Kq9!mZ2v", "k3#Tq9!mZ2vR", generate_password(30)):
        score, label = strength(password)
        assert 0 <= score <= 4 and label == passwords.LABELS[score]


def test_hyphenated_list_words_count_as_one_word() -> None:
    four_words = 4 * math.log2(7776) + 1
    for phrase in ("t-shirt-abacus-zoom-yo-yo", "t-shirt abacus zoom yo-yo"):
        assert passwords.estimated_bits(phrase) == pytest.approx(four_words)
        assert strength(phrase) == (2, "fair")
    assert passwords.estimated_bits("T-shirt abacus zoom yo-yo") == pytest.approx(four_words + 1)
