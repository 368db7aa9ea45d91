"""Word forms: ``backup`` also finds ``backups``, ``renewed`` also finds ``renew``.

FTS5's ``porter`` stemmer would have to run on every token, hostnames and
serial numbers included, and would put stems (``configur``) into the
vocabulary that "did you mean" draws from. Instead, a query word of letters
is widened at query time to the forms of it that occur in the index: the word
is reduced to candidate bases by stripping one common English ending (``-s``,
``-es``, ``-ies``, ``-ed``, ``-ing``, ``-er``, ``-ers``), every base is given
the same endings back, and the candidates found in the index's vocabulary are
OR-ed with the word. Only words of at least :data:`MIN_LENGTH` letters are
widened; phrases (in quotes), prefixes and substrings are searched as typed.
"""

from __future__ import annotations

MIN_LENGTH = 4
"""Shorter words (``dns``, ``nas``, ``vpn``) are searched exactly."""

_ENDINGS = ("s", "es", "ed", "d", "ing", "er", "ers")


def _bases(word: str) -> set[str]:
    bases = {word}
    if word.endswith("ies") and len(word) > 4:
        bases.add(word[:-3] + "y")
    if word.endswith("es") and len(word) > 4:
        bases.add(word[:-2])
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        bases.add(word[:-1])
    for ending in ("ed", "ing", "er", "ers"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            bases.update({stem, stem + "e"})
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiousl":
                bases.add(stem[:-1])
    return bases


def candidates(word: str) -> list[str]:
    """Other forms of ``word`` worth looking up (the word itself excluded), sorted."""
    word = word.lower()
    if len(word) < MIN_LENGTH or not word.isalpha():
        return []
    found: set[str] = set()
    for base in _bases(word):
        found.add(base)
        for ending in _ENDINGS:
            found.add(base + ending)
        if base.endswith("e"):
            found.update({base[:-1] + "ing", base + "d"})
        if base.endswith("y") and len(base) > 2:
            found.add(base[:-1] + "ies")
    found.discard(word)
    return sorted(f for f in found if len(f) >= 3)
