"""The vault passphrase meter: dates, keyboard walks, personal words, and the minimum."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto import passwords
from crypto.passwords import generate_passphrase, generate_password
from crypto.strength import MIN_BITS, MIN_LENGTH, Weakness, assess


@pytest.mark.parametrize(
    ("password", "weakness"),
    [
        ("password1234", Weakness.COMMON),
        ("P@ssw0rd2024!", Weakness.COMMON),
        ("qazwsxedcrfv", Weakness.KEYBOARD),
        ("1qaz2wsx3edc", Weakness.KEYBOARD),
        ("asdfghjkl;'", Weakness.KEYBOARD),
        ("zzzzzzzzzzzzzzzz", Weakness.REPEAT),
        ("Kq9!Kq9!Kq9!Kq9!", Weakness.REPEAT),
        ("abcdefgh12345678", Weakness.SEQUENCE),
        ("12.05.1987", Weakness.DATE),
        ("1987-05-12", Weakness.DATE),
        ("anna12051987", Weakness.DATE),
    ],
)
def test_patterns_are_named_and_refused(password: str, weakness: Weakness) -> None:
    rating = assess(password)
    assert weakness in rating.weaknesses
    assert not rating.acceptable
    assert rating.bits < MIN_BITS


def test_a_date_costs_what_guessing_a_date_costs() -> None:
    # Twelve digits of which eight are a date: far cheaper than twelve random digits.
    dated = assess("438512051987")
    random_digits = assess("438573846296")
    assert Weakness.DATE in dated.weaknesses
    assert Weakness.DATE not in random_digits.weaknesses
    assert dated.bits < random_digits.bits - 8
    assert dated.bits <= passwords.estimated_bits("4385") + math.log2(366) + math.log2(200)


def test_an_invalid_date_is_not_a_date() -> None:
    assert Weakness.DATE not in assess("x39.39.1987y").weaknesses  # day and month 39
    assert Weakness.DATE not in assess("x12.05-1987y").weaknesses  # mixed separators
    assert Weakness.DATE in assess("x3.9.1987y").weaknesses


def test_a_keyboard_walk_with_corners_is_cheap() -> None:
    walk = assess("1qaz2wsx3edc4rfv")
    assert Weakness.KEYBOARD in walk.weaknesses
    assert walk.bits < 40
    assert walk.bits < passwords.estimated_bits("1qaz2wsx3edc4rfv")


def test_personal_words_are_discounted() -> None:
    plain = assess("Northwind-Harbour-2291")
    personal = assess("Northwind-Harbour-2291", ("Northwind IT", "Alice Harbour"))
    assert Weakness.PERSONAL in personal.weaknesses
    assert Weakness.PERSONAL not in plain.weaknesses
    assert personal.bits < plain.bits - 10


def test_never_above_the_base_estimate() -> None:
    for password in ("12.05.1987xyz", "qazwsx", "Northwind2024", "k3#Tq9!mZ2vR", ""):
        assert assess(password, ("Northwind",)).bits <= passwords.estimated_bits(password) + 1e-9


def test_minimum_passes_four_random_words_and_long_random_passwords() -> None:
    for _ in range(10):
        assert assess(generate_passphrase(4)).acceptable
        assert assess(generate_passphrase(6)).score == 4
        assert assess(generate_password(12)).acceptable
    assert not assess(generate_passphrase(3)).acceptable


def test_short_passwords_are_refused_whatever_their_bits() -> None:
    rating = assess("Zq#7vT!")
    assert len("Zq#7vT!") < MIN_LENGTH
    assert Weakness.TOO_SHORT in rating.weaknesses
    assert not rating.acceptable


def test_empty_and_fraction() -> None:
    empty = assess("")
    assert empty.bits == 0 and empty.score == 0 and empty.fraction == 0
    assert assess(generate_password(40)).fraction == 1.0


@given(st.text(max_size=40), st.lists(st.text(max_size=20), max_size=3))
def test_any_input_is_rated_without_error(password: str, personal: list[str]) -> None:
    rating = assess(password, tuple(personal))
    assert 0 <= rating.score <= 4
    assert 0.0 <= rating.bits <= passwords.estimated_bits(password) + 1e-9
    assert rating.label == passwords.LABELS[rating.score]
    assert rating.acceptable == (len(password) >= MIN_LENGTH and rating.bits >= MIN_BITS)


@pytest.mark.parametrize(
    ("password", "weakness"),
    [
        ("1q2w3e4r5t6y", Weakness.KEYBOARD),  # digits row zipped with the letter row
        ("q1w2e3r4t5y6u7i8", Weakness.KEYBOARD),
        ("z1x2c3v4b5n6m7", Weakness.KEYBOARD),
        ("1qa2ws3ed4rf", Weakness.KEYBOARD),  # three runs zipped
        ("a1b2c3d4e5f6g7h8", Weakness.SEQUENCE),
        ("1a2b3c4d5e6f7g8h", Weakness.SEQUENCE),
        ("aAbBcCdDeEfFgGhH", Weakness.SEQUENCE),
    ],
)
def test_interleaved_walks_and_sequences_are_refused(password: str, weakness: Weakness) -> None:
    rating = assess(password)
    assert weakness in rating.weaknesses
    assert not rating.acceptable
    assert rating.bits < MIN_BITS - 20  # about two runs' worth, nowhere near the minimum


@pytest.mark.parametrize("password", ["Sitebook2025!!", "S1teb00k-2025", "MyVault2025!!"])
def test_the_apps_own_words_count_as_personal(password: str) -> None:
    rating = assess(password)  # no names passed: the app's words are always tried
    assert Weakness.PERSONAL in rating.weaknesses
    assert not rating.acceptable
    assert rating.bits < passwords.estimated_bits(password) - 10


def test_diceware_and_random_passwords_still_pass_the_interleave_check() -> None:
    for _ in range(200):
        assert assess(generate_passphrase(4)).acceptable
        assert assess(generate_passphrase(6)).score == 4
        assert assess(generate_password(12)).acceptable
    assert assess("correct horse battery staple").acceptable
