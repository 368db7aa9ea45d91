"""Query rewrites that consult the index's vocabulary: word forms, substrings, fallbacks.

- :func:`widen` runs before every search: ``*fragment`` becomes the indexed
  terms that contain the fragment, and a word of letters also matches its
  other forms that occur in the index (:mod:`search.variants`).
- :func:`relax` runs when a query found nothing: each single word that occurs
  in no record is widened to a prefix and to the indexed terms containing it
  (``0070`` -> ``0x80070005``; ``dc0`` -> ``dc01``).
- :func:`suggest` offers "did you mean" queries: each unknown word of letters
  replaced by the closest indexed word (:class:`search.lexicon.Lexicon`).

Every rewrite keeps the person's words as typed for notes and suggestions
(``Term.text``) and only adds terms that the vocabulary holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from search import variants
from search.lexicon import Vocabulary
from search.query import AllOf, AnyOf, Node, Query, Term

RELAX_TERMS = 4
"""Queries with more terms than this are not relaxed when they find nothing."""


def _map_terms(root: AllOf, fn: Callable[[Term], Node], *, positive_only: bool) -> AllOf:
    def walk(item: Node) -> Node:
        if isinstance(item, Term):
            return fn(item)
        if isinstance(item, AnyOf):
            return AnyOf(tuple(walk(o) for o in item.options))
        return AllOf(
            tuple(walk(i) for i in item.include),
            item.exclude if positive_only else tuple(walk(e) for e in item.exclude),
        )

    result = walk(root)
    assert isinstance(result, AllOf)
    return result


def widen(query: Query, vocabulary: Vocabulary) -> Query:
    """Substrings and word forms (see the module docstring)."""
    words = [
        t
        for t in query.terms()
        if not t.quoted and not t.prefix and not t.substring and len(t.tokens) == 1
    ]
    forms = {t.tokens[0]: variants.candidates(t.tokens[0]) for t in words}
    present = vocabulary.present(f for found in forms.values() for f in found)

    def rewrite(term: Term) -> Node:
        if term.substring:
            found = vocabulary.lexicon().containing(term.tokens[0])
            options = [Term((t,), text=term.text) for t in found] or [term]
        elif term in words:
            extra = [f for f in forms.get(term.tokens[0], ()) if f in present]
            options = [term, *(Term((f,), text=term.text) for f in extra)]
        else:
            options = [term]
        return AnyOf(tuple(options)) if len(options) > 1 else options[0]

    return replace(query, root=_map_terms(query.root, rewrite, positive_only=False))


def relax(query: Query, vocabulary: Vocabulary) -> Query | None:
    """The query with unknown single words widened to prefixes and substrings, or None.

    Only short queries (at most :data:`RELAX_TERMS` terms) are relaxed: a pasted
    log line that matches nothing is not helped by guessing at each of its words.
    """
    if len(query.positive_terms()) > RELAX_TERMS:
        return None
    changed = False

    def loosen(term: Term) -> Node:
        nonlocal changed
        if term.quoted or term.prefix or term.substring or len(term.tokens) != 1:
            return term
        token = term.tokens[0]
        if len(token) < 2 or vocabulary.doc_count(token):
            return term
        changed = True
        options = [Term((token,), prefix=True, text=term.text)]
        if len(token) >= 3:
            found = vocabulary.lexicon().containing(token)
            options += [Term((t,), text=term.text) for t in found]
        return AnyOf(tuple(options)) if len(options) > 1 else options[0]

    root = _map_terms(query.root, loosen, positive_only=True)
    return replace(query, root=root) if changed else None


def suggest(query: Query, vocabulary: Vocabulary, limit: int = 3) -> list[str]:
    """'Did you mean' queries: unknown words replaced by close indexed words."""
    words = [
        t
        for t in query.positive_terms()
        if len(t.tokens) == 1 and not t.prefix and not t.substring and t.tokens[0].isalpha()
    ][:5]
    unknown = [t for t in words if not vocabulary.doc_count(t.tokens[0])]
    if not unknown:
        return []
    lexicon = vocabulary.lexicon()
    choices = []
    for term in unknown:
        options = [w for w in lexicon.similar(term.tokens[0]) if vocabulary.doc_count(w)]
        if options:
            choices.append((term, options))
    if not choices:
        return []
    out: list[str] = []
    text = query.text
    for term, options in choices:
        text = _replace_word(text, term, options[0])
    out.append(text)
    first, options = choices[0]
    for option in options[1:]:
        text = _replace_word(query.text, first, option)
        for term, others in choices[1:]:
            text = _replace_word(text, term, others[0])
        out.append(text)
    return list(dict.fromkeys(out))[:limit]


def _replace_word(text: str, term: Term, word: str) -> str:
    typed = term.text.strip('"*')
    pattern = re.compile(r"(?<![\w])" + re.escape(typed) + r"(?![\w])", re.IGNORECASE)
    replaced, count = pattern.subn(lambda _match: word, text, count=1)
    return replaced if count else text
