"""Password and passphrase generation, their entropy, and a simple strength estimate.

Generated passwords come from :mod:`secrets`. A password is drawn uniformly from all
strings of the requested length over the enabled character classes that contain at
least one character of every enabled class (rejection sampling, so no position is
predictable); :func:`password_entropy_bits` counts exactly that set. Passphrases are
words drawn uniformly from the bundled EFF large wordlist (7,776 words, CC BY 3.0 US,
see ``crypto/data/WORDLIST-LICENSE.txt``), about 12.9 bits per word.

:func:`strength` is a deliberately small estimator, not zxcvbn; see its docstring.
"""

from __future__ import annotations

import functools
import math
import re
import secrets
from importlib import resources

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
# Printable ASCII punctuation without quotes, backslash, backtick and pipe: these
# break shell commands, config files and CSV cells when pasted.
SYMBOLS = "!#$%&()*+,-./:;<=>?@[]^_{}~"
# Characters that are easy to misread in many fonts; dropped on request.
AMBIGUOUS = "0OoIl1|"

MAX_LENGTH = 1024
MAX_WORDS = 64
WORDLIST_SIZE = 7776
WORDLIST_RESOURCE = "eff_large_wordlist.txt"

LABELS = ("very weak", "weak", "fair", "strong", "very strong")
# Estimated bits needed for scores 1, 2, 3 and 4.
SCORE_THRESHOLDS = (25.0, 40.0, 55.0, 75.0)

# Very common passwords and base words; matched case-insensitively after undoing
# simple letter/digit substitutions ("P@ssw0rd" is "password").
COMMON_WORDS = frozenset(
    """
    password passwort passw0rd qwerty qwertz azerty letmein welcome admin administrator
    login master monkey dragon shadow sunshine princess iloveyou football baseball
    soccer hockey superman batman trustno1 starwars freedom whatever access secret
    changeme default guest root toor test temp summer winter spring autumn monday
    january february march april june july august september october november
    december charlie michael jennifer jordan hunter ranger buster tigger pepper
    ginger cheese computer internet server company office service support network
    """.split()  # noqa: SIM905 - a list of words reads better as text
)

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "qwertzuiop", "azertyuiop")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
_LEET.update(str.maketrans({"$": "s", "!": "i"}))
_YEAR = re.compile(r"(?:19|20)\d\d")
_MIN_WORD = 4


def _classes(
    upper: bool, lower: bool, digits: bool, symbols: bool, exclude_ambiguous: bool
) -> list[str]:
    chosen = [
        chars
        for chars, enabled in ((UPPER, upper), (LOWER, lower), (DIGITS, digits), (SYMBOLS, symbols))
        if enabled
    ]
    if exclude_ambiguous:
        chosen = ["".join(c for c in chars if c not in AMBIGUOUS) for chars in chosen]
    return chosen


def _checked_classes(
    length: int, upper: bool, lower: bool, digits: bool, symbols: bool, exclude_ambiguous: bool
) -> list[str]:
    if not isinstance(length, int) or isinstance(length, bool):
        raise ValueError("password length must be a whole number")
    classes = _classes(upper, lower, digits, symbols, exclude_ambiguous)
    if not classes:
        raise ValueError("at least one character class must be enabled")
    if length < len(classes):
        raise ValueError(
            f"a password of {length} character(s) cannot hold one of each of the "
            f"{len(classes)} enabled character classes"
        )
    if length > MAX_LENGTH:
        raise ValueError(f"passwords are at most {MAX_LENGTH} characters")
    return classes


def generate_password(
    length: int = 20,
    *,
    upper: bool = True,
    lower: bool = True,
    digits: bool = True,
    symbols: bool = True,
    exclude_ambiguous: bool = False,
) -> str:
    """Generate a random password with at least one character of each enabled class.

    Args:
        length: number of characters, from the number of enabled classes up to
            ``MAX_LENGTH``.
        upper: include ``A-Z``.
        lower: include ``a-z``.
        digits: include ``0-9``.
        symbols: include the characters of ``SYMBOLS``.
        exclude_ambiguous: leave out the look-alikes in ``AMBIGUOUS``.

    Returns:
        The password, uniform over every string that satisfies the settings.

    Raises:
        ValueError: no class enabled, or ``length`` too small for the classes or too big.
    """
    classes = _checked_classes(length, upper, lower, digits, symbols, exclude_ambiguous)
    pool = "".join(classes)
    while True:
        password = "".join(secrets.choice(pool) for _ in range(length))
        if all(any(c in chars for c in password) for chars in classes):
            return password


def password_entropy_bits(
    length: int = 20,
    *,
    upper: bool = True,
    lower: bool = True,
    digits: bool = True,
    symbols: bool = True,
    exclude_ambiguous: bool = False,
) -> float:
    """Exact entropy of :func:`generate_password` with the same settings.

    It is log2 of the number of strings that hold every enabled class, counted by
    inclusion-exclusion, a little below ``length * log2(pool)``.

    Raises:
        ValueError: for the settings :func:`generate_password` rejects.
    """
    classes = _checked_classes(length, upper, lower, digits, symbols, exclude_ambiguous)
    pool = sum(len(chars) for chars in classes)
    count = 0
    for mask in range(1 << len(classes)):
        left_out = sum(len(chars) for i, chars in enumerate(classes) if mask >> i & 1)
        sign = -1 if bin(mask).count("1") % 2 else 1
        count += sign * (pool - left_out) ** length
    return math.log2(count)


@functools.cache
def wordlist() -> tuple[str, ...]:
    """The bundled EFF large wordlist, loaded on first use (7,776 words, dice order)."""
    text = resources.files("crypto").joinpath("data", WORDLIST_RESOURCE).read_text("utf-8")
    words = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(words) != WORDLIST_SIZE or len(set(words)) != WORDLIST_SIZE:
        raise RuntimeError("the bundled passphrase wordlist is damaged")
    return words


@functools.cache
def _word_set() -> frozenset[str]:
    return frozenset(wordlist())


def _check_words(words: int) -> None:
    if not isinstance(words, int) or isinstance(words, bool) or not 1 <= words <= MAX_WORDS:
        raise ValueError(f"a passphrase has between 1 and {MAX_WORDS} words")


def generate_passphrase(words: int = 6, separator: str = "-", capitalize: bool = False) -> str:
    """Generate a diceware passphrase from the EFF large wordlist.

    Args:
        words: number of words, 1 to ``MAX_WORDS``; 6 words give about 77.5 bits.
        separator: text placed between words. Four EFF words contain a hyphen
            ("t-shirt"); that does not change the entropy, which counts word choices.
        capitalize: start every word with a capital letter (adds no entropy).

    Returns:
        The passphrase.

    Raises:
        ValueError: ``words`` out of range.
    """
    _check_words(words)
    chosen = [secrets.choice(wordlist()) for _ in range(words)]
    if capitalize:
        chosen = [word.capitalize() for word in chosen]
    return separator.join(chosen)


def passphrase_entropy_bits(words: int = 6) -> float:
    """Entropy of :func:`generate_passphrase`: ``words * log2(7776)``, about 12.92 per word.

    Raises:
        ValueError: ``words`` out of range.
    """
    _check_words(words)
    return words * math.log2(WORDLIST_SIZE)


def _pool_bits(password: str) -> float:
    pool = 0
    pool += 26 if any(c in LOWER for c in password) else 0
    pool += 26 if any(c in UPPER for c in password) else 0
    pool += 10 if any(c in DIGITS for c in password) else 0
    pool += 33 if any(c.isascii() and not c.isalnum() for c in password) else 0
    pool += 100 if any(not c.isascii() for c in password) else 0
    return math.log2(max(pool, 2))


def _passphrase_bits(password: str) -> float | None:
    """Bits of a password that is nothing but wordlist words joined by one separator."""
    words = _word_set()
    for separator in set(re.findall(r"[^A-Za-z]+", password)):
        parts: list[str] = []
        for part in password.split(separator):
            # Rejoin the few hyphenated list words ("t-shirt") split by a "-" separator.
            if parts and separator == "-" and f"{parts[-1]}-{part}".lower() in words:
                parts[-1] = f"{parts[-1]}-{part}"
            else:
                parts.append(part)
        if len(parts) >= 2 and all(part.lower() in words for part in parts):
            capitals = any(part[:1].isupper() for part in parts)
            return len(parts) * math.log2(WORDLIST_SIZE) + 1 + capitals
    return None


def _sequence_length(text: str, start: int) -> int:
    """Length of a run like ``abc``, ``987`` or ``qwer`` starting at ``start``."""
    best = 1
    for step in (1, -1):
        end = start + 1
        while end < len(text) and ord(text[end]) - ord(text[end - 1]) == step:
            end += 1
        best = max(best, end - start)
    lowered = text.lower()
    for row in _KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            end = start
            while end < len(text) and lowered[start : end + 1] in line:
                end += 1
            best = max(best, end - start)
    return best


def _word_length(normalised: str, start: int) -> tuple[int, float]:
    """Longest dictionary word at ``start`` and its cost in bits, or (0, 0)."""
    for end in range(min(len(normalised), start + 12), start + _MIN_WORD - 1, -1):
        piece = normalised[start:end]
        if piece in COMMON_WORDS:
            return end - start, math.log2(len(COMMON_WORDS))
        if piece in _word_set():
            return end - start, math.log2(WORDLIST_SIZE)
    return 0, 0.0


def _scan_bits(password: str) -> float:
    """Greedy left-to-right cost of ``password`` in bits (see :func:`strength`)."""
    per_char = _pool_bits(password)
    normalised = password.lower().translate(_LEET)
    bits = 0.0
    i = 0
    while i < len(password):
        candidates: list[tuple[int, float]] = []
        run = 1
        while i + run < len(password) and password[i + run] == password[i]:
            run += 1
        if run >= 3:
            candidates.append((run, per_char + math.log2(run)))
        sequence = _sequence_length(password, i)
        if sequence >= 3:
            candidates.append((sequence, per_char + 1 + math.log2(sequence)))
        if _YEAR.match(password, i):
            candidates.append((4, math.log2(200)))
        span, cost = _word_length(normalised, i)
        if span:
            capitals = any(c.isupper() for c in password[i : i + span])
            candidates.append((span, cost + capitals))
        if candidates:
            span, cost = max(candidates, key=lambda item: (item[0], -item[1]))
        else:
            span, cost = 1, per_char
        bits += cost
        i += span
    return bits


def estimated_bits(password: str) -> float:
    """Rough guessing cost of ``password`` in bits, the number behind :func:`strength`."""
    if not password:
        return 0.0
    for size in range(1, len(password) // 2 + 1):
        if len(password) % size == 0 and password[:size] * (len(password) // size) == password:
            return estimated_bits(password[:size]) + math.log2(len(password) // size)
    phrase = _passphrase_bits(password)
    scanned = _scan_bits(password)
    return scanned if phrase is None else min(phrase, scanned)


def strength(password: str) -> tuple[int, str]:
    """Score a password from 0 (very weak) to 4 (very strong).

    A simple estimator, meant to steer people away from bad choices, not to prove
    a password good. It works out a guessing cost in bits:

    * each character costs log2 of the pool of the classes present (lower, upper,
      digits, ASCII symbols, anything else);
    * a run of one repeated character, an alphabetical or numeric sequence
      (``abc``, ``987``) or a keyboard row (``qwer``) of 3 or more costs about one
      character;
    * a 19xx/20xx year costs log2(200) bits;
    * a word of 4+ letters from the EFF list costs log2(7776) bits, a very common
      password or base word (``COMMON_WORDS``) log2 of that list's size, +1 bit if
      capitalised; simple substitutions (``@`` for ``a``, ``0`` for ``o``) are undone
      first;
    * a password that repeats a shorter one costs that one plus log2(repeats);
    * words of the list joined by one separator cost 12.9 bits per word, plus one
      bit for the separator and one if they are capitalised.

    Bits map to scores at ``SCORE_THRESHOLDS`` (25, 40, 55, 75): six random EFF words
    or 12 random characters of all classes score 4, four words score 2, "password"
    scores 0.

    Args:
        password: the password to rate; it is neither stored nor logged.

    Returns:
        ``(score, label)``, label one of ``LABELS``.
    """
    bits = estimated_bits(password)
    score = sum(bits >= threshold for threshold in SCORE_THRESHOLDS)
    return score, LABELS[score]
