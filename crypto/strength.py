"""How strong a new vault passphrase is: bits, a score, what weakens it, and a minimum.

The vault passphrase guards everything, so the create-vault wizard rates it while
it is typed and refuses to continue below :data:`MIN_BITS`. The estimate builds on
:func:`crypto.passwords.estimated_bits` (character pools, common words with simple
substitutions, repeats, alphabetical and keyboard-row runs, years, wordlist
passphrases) and adds what that one does not see:

* **dates** (``12.05.1987``, ``1987-05-12``, ``120587``, ``05/12/87``) cost what
  guessing a date costs (about 15-17 bits), not what their digits would;
* **keyboard walks** that turn corners (``qazwsx``, ``1qaz2wsx``, ``zaq1``) cost a
  start key, a length and a few bits per change of direction;
* **interleaved walks and sequences** (``1q2w3e4r``, ``a1b2c3d4``, ``q1w2e3r4``):
  two or three regular runs zipped together cost a start and a step per run;
* **personal words** the wizard passes in (the vault's and the owner's names, the
  file name), and the app's own words (:data:`APP_WORDS`: "sitebook", "vault"),
  cost a few bits each, as an attacker would try them first.

The password is split into these patterns and the stretches between them; the
stretches are rated by the base estimator, the patterns by their own cost, and
the cheaper of that and the base estimate of the whole wins, so this estimate is
never above the base one. It steers people away from bad choices; it does not
prove a passphrase good. Nothing here stores or logs the password.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum

from crypto.passwords import (
    COMMON_WORDS,
    LABELS,
    SCORE_THRESHOLDS,
    estimated_bits,
)

MIN_BITS = 50.0
"""Least estimated strength a vault passphrase needs.

With Argon2id at 64 MiB or more and about one second per guess on the creating
machine, 2^50 guesses take far more than any attacker's budget; four random
wordlist words (about 52.7 bits) or nine random characters of all classes pass,
"Summer2024!" and "qazwsx123" do not.
"""
MIN_LENGTH = 8
"""The vault refuses shorter passphrases whatever their estimate."""
APP_WORDS = ("sitebook", "vault")
"""Words of the app itself, tried first against any Sitebook vault (none is a wordlist word)."""

_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")
_ROW_OFFSETS = (0.0, 0.5, 0.75, 1.25)  # how far each row is shifted right on a keyboard
_KEYS_ON_BOARD = sum(len(row) for row in _ROWS)
_MIN_WALK = 4
_BITS_PER_TURN = 2.0
_LANES = (2, 3)  # how many runs an interleaved pattern zips together
_MIN_LANE = 3  # characters each run needs
_MAX_STEP = 2  # "aceg" and "2468" are sequences too
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})

_S1, _S2 = r"(?P<s1>[-/. ]?)", r"(?P<s2>[-/. ]?)"
_DATE_PATTERNS = (  # year first, day first, month first
    re.compile(rf"(?P<y>(?:19|20)\d\d){_S1}(?P<m>[01]?\d){_S2}(?P<d>[0-3]?\d)"),
    re.compile(rf"(?P<d>[0-3]?\d){_S1}(?P<m>[01]?\d){_S2}(?P<y>(?:19|20)?\d\d)"),
    re.compile(rf"(?P<m>[01]?\d){_S1}(?P<d>[0-3]?\d){_S2}(?P<y>(?:19|20)?\d\d)"),
)


class Weakness(Enum):
    """What makes a passphrase weaker; the window words each one for people."""

    TOO_SHORT = "too_short"
    COMMON = "common"
    KEYBOARD = "keyboard"
    REPEAT = "repeat"
    SEQUENCE = "sequence"
    DATE = "date"
    PERSONAL = "personal"


@dataclass(frozen=True)
class Assessment:
    """The rating of one passphrase."""

    bits: float
    score: int  # 0 (very weak) to 4 (very strong), as crypto.passwords.strength
    label: str
    weaknesses: tuple[Weakness, ...]
    acceptable: bool  # long enough and at least MIN_BITS

    @property
    def fraction(self) -> float:
        """Where a meter's bar stands: 0 at nothing, 1 at 100 bits or more."""
        return max(0.0, min(1.0, self.bits / 100.0))


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    bits: float
    weakness: Weakness


def assess(password: str, personal: tuple[str, ...] = ()) -> Assessment:
    """Rate ``password`` as a vault passphrase.

    Args:
        password: What was typed; neither stored nor logged.
        personal: Words an attacker would try first (vault name, owner, file
            name); each word of three or more letters counts.

    Returns:
        The :class:`Assessment`; ``acceptable`` says whether the wizard may go on.
    """
    found = _dates(password) + _walks(password) + _interleaved(password)
    spans = _choose(found + _personal(password, (*personal, *APP_WORDS)))
    bits = estimated_bits(password)
    if spans:
        pieces, pos = 0.0, 0
        for span in spans:
            pieces += estimated_bits(password[pos : span.start]) + span.bits
            pos = span.end
        pieces += estimated_bits(password[pos:])
        bits = min(bits, pieces)
    weaknesses = [span.weakness for span in spans]
    weaknesses += _base_weaknesses(password)
    if len(password) < MIN_LENGTH:
        weaknesses.insert(0, Weakness.TOO_SHORT)
    unique = tuple(dict.fromkeys(weaknesses))
    score = sum(bits >= threshold for threshold in SCORE_THRESHOLDS)
    return Assessment(
        bits=bits,
        score=score,
        label=LABELS[score],
        weaknesses=unique,
        acceptable=len(password) >= MIN_LENGTH and bits >= MIN_BITS,
    )


def _choose(spans: list[_Span]) -> list[_Span]:
    """Non-overlapping spans, longest first, in text order."""
    chosen: list[_Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.bits)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


# ---------------------------------------------------------------------- dates


def _dates(password: str) -> list[_Span]:
    found: list[_Span] = []
    for pattern in _DATE_PATTERNS:
        for start in range(len(password)):
            match = pattern.match(password, start)
            if match is None:
                continue
            text = match.group(0)
            digits = sum(c.isdigit() for c in text)
            if digits < 6 or not _valid_date(match):
                continue
            if match.group("s1") != match.group("s2"):
                continue  # "12.05-87": not how anyone writes a date
            if not match.group("s1") and min(len(match.group("d")), len(match.group("m"))) < 2:
                continue  # "431977" is not 4.3.1977: unseparated dates are written 04031977
            year = match.group("y")
            bits = math.log2(366) + (math.log2(200) if len(year) == 4 else math.log2(100))
            if len(text) > digits:
                bits += 1.0  # the separator
            found.append(_Span(start, match.end(), bits, Weakness.DATE))
    return found


def _valid_date(match: re.Match[str]) -> bool:
    day, month = int(match.group("d")), int(match.group("m"))
    return 1 <= day <= 31 and 1 <= month <= 12


# ---------------------------------------------------------------------- keyboard walks


def _key_positions() -> dict[str, tuple[float, float]]:
    positions: dict[str, tuple[float, float]] = {}
    for row, (keys, offset) in enumerate(zip(_ROWS, _ROW_OFFSETS, strict=True)):
        for column, key in enumerate(keys):
            positions[key] = (column + offset, float(row))
    return positions


_POSITIONS = _key_positions()


def _step(a: str, b: str) -> tuple[float, float] | None:
    """The direction from key ``a`` to a neighbouring key ``b``, or None if not adjacent."""
    pa, pb = _POSITIONS.get(a.lower()), _POSITIONS.get(b.lower())
    if pa is None or pb is None or a.lower() == b.lower():
        return None
    dx, dy = pb[0] - pa[0], pb[1] - pa[1]
    if abs(dy) > 1 or abs(dx) > 1.0 or (dy == 0 and abs(dx) != 1):
        return None
    # Rows are staggered, so a move to the row above or below is one direction
    # whichever way it leans ("1qaz" goes straight down).
    return (dx, 0.0) if dy == 0 else (0.0, dy)


def _walks(password: str) -> list[_Span]:
    found: list[_Span] = []
    start = 0
    while start < len(password) - 1:
        end, turns, direction = start + 1, 0, None
        while end < len(password):
            step = _step(password[end - 1], password[end])
            if step is None:
                break
            if direction is not None and step != direction:
                turns += 1
            direction = step
            end += 1
        length = end - start
        vertical = direction is not None and direction[1] != 0 and turns == 0
        if (length >= _MIN_WALK or (length == 3 and vertical)) and turns < length // 2:
            bits = math.log2(_KEYS_ON_BOARD) + math.log2(length) + _BITS_PER_TURN * turns
            found.append(_Span(start, end, bits, Weakness.KEYBOARD))
            start = end
        else:
            start += 1
    return found


# ---------------------------------------------------------------------- interleaved runs

_Kind = tuple[str, object]


def _kinds(a: str, b: str) -> set[_Kind]:
    """What regular step leads from ``a`` to ``b``: alphabet/number order, or a key's neighbour."""
    kinds: set[_Kind] = set()
    if a.isalnum() and b.isalnum() and a.isdigit() == b.isdigit():
        delta = ord(b.lower()) - ord(a.lower())
        if abs(delta) <= _MAX_STEP:
            kinds.add(("order", delta))
    step = _step(a, b)
    if step is not None:
        kinds.add(("key", step))
    return kinds


def _interleaved(password: str) -> list[_Span]:
    """Two or three regular runs zipped together: ``1q2w3e4r``, ``a1b2c3``, ``1qa2ws3ed``."""
    found: list[_Span] = []
    for lanes in _LANES:
        start = 0
        while start + lanes * _MIN_LANE <= len(password):
            steps: list[set[_Kind] | None] = [None] * lanes
            end = start + lanes
            while end < len(password):
                lane = (end - start) % lanes
                kinds = _kinds(password[end - lanes], password[end])
                kept = kinds if steps[lane] is None else steps[lane] & kinds  # type: ignore[operator]
                if not kept:
                    break
                steps[lane] = kept
                end += 1
            length = end - start
            if length >= lanes * _MIN_LANE and all(steps):
                ordered = all(any(k[0] == "order" for k in lane) for lane in steps if lane)
                bits = (
                    lanes * (math.log2(_KEYS_ON_BOARD) + 2.0)
                    + math.log2(length)
                    + math.log2(len(_LANES))
                )
                weakness = Weakness.SEQUENCE if ordered else Weakness.KEYBOARD
                found.append(_Span(start, end, bits, weakness))
                start = end
            else:
                start += 1
    return found


# ---------------------------------------------------------------------- personal words


def _personal(password: str, personal: tuple[str, ...]) -> list[_Span]:
    words = {
        word
        for text in personal
        for word in re.findall(r"[^\W_]{3,}", text.lower().translate(_LEET))
    }
    if not words:
        return []
    bits = math.log2(len(words)) + 2.0  # which word, and its case
    normalised = password.lower().translate(_LEET)
    found: list[_Span] = []
    for word in words:
        for match in re.finditer(re.escape(word), normalised):
            found.append(_Span(match.start(), match.end(), bits, Weakness.PERSONAL))
    return found


# ---------------------------------------------------------------------- base patterns


def _base_weaknesses(password: str) -> list[Weakness]:
    """The patterns the base estimator discounts, named so the window can say why."""
    found: list[Weakness] = []
    normalised = password.lower().translate(_LEET)
    if any(
        normalised[i:j] in COMMON_WORDS
        for i in range(len(normalised))
        for j in range(i + 4, min(len(normalised), i + 14) + 1)
    ):
        found.append(Weakness.COMMON)
    if re.search(r"(.)\1\1", password) or _repeats_itself(password):
        found.append(Weakness.REPEAT)
    if _has_sequence(password):
        found.append(Weakness.SEQUENCE)
    lowered = password.lower()
    if any(lowered[i : i + _MIN_WALK] in row for row in _ROWS for i in range(len(lowered) - 3)):
        found.append(Weakness.KEYBOARD)
    return found


def _repeats_itself(password: str) -> bool:
    length = len(password)
    return any(
        length % size == 0 and password[:size] * (length // size) == password
        for size in range(1, length // 2 + 1)
    )


def _has_sequence(password: str) -> bool:
    """A run of four like ``abcd``, ``4321``."""
    for i in range(len(password) - 3):
        steps = {ord(password[k + 1]) - ord(password[k]) for k in range(i, i + 3)}
        if steps in ({1}, {-1}) and password[i : i + 4].isalnum():
            return True
    return False
