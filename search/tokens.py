"""Tokenisation of IT-shaped text: whole values, and their natural parts.

Technicians search for hostnames, FQDNs, IP addresses and networks, MAC
addresses, versions, error codes, paths, e-mail addresses and URLs, and they
type them whole (``srv-dc01.contoso.local``) or in part (``dc01``,
``contoso.local``, ``80070005`` for ``0x80070005``). SQLite's ``unicode61``
tokenizer alone would either cut every value at its dots and dashes (so a
whole-value search becomes a slow phrase over common tokens such as ``10`` and
``0``) or, with ``tokenchars``, keep them whole (so ``dc01`` finds nothing).
So the text is tokenised here, in Python, the same way for documents and for
queries, and FTS5 only ever sees tokens separated by spaces:

1. **Chunks.** A token is a maximal run of word characters (``\\w``: letters,
   digits, ``_``) and the *joiners* ``. - : @ / \\ + # ~ % $ & =``, with joiners
   trimmed from both ends: ``"(see `srv-dc01`)."`` gives ``srv-dc01``;
   ``C:\\Windows\\System32`` gives ``c:\\windows\\system32``. The FTS5 table uses
   ``unicode61 remove_diacritics 2`` with exactly these joiners as
   ``tokenchars``, so it keeps every chunk as one token and folds case and
   accents. A chunk longer than :data:`MAX_TOKEN` characters is cut there.
2. **Parts.** :func:`parts` derives, from a chunk with joiners, the pieces a
   person would search for, by shape:

   - URL ``https://host:4443/path``: everything after the scheme, then as below.
   - e-mail ``anna.berg@contoso.com``: the local part and the domain.
   - paths ``c:\\windows\\system32``, ``srv-fs01\\scans``, ``a/b/c``: every
     segment and every leading sub-path (``c:\\windows``).
   - IPv4 ``10.0.4.12`` (and ``10.0.4.0/24``, ``10.0.4.12:8443``): the address,
     its /24 and /16 prefixes ``10.0.4`` and ``10.0``; the port.
   - IPv6: the compressed and the full form.
   - MAC ``B0:7B:25:12:34:56``: the colon, dash, bare (``b07b25123456``) and
     Cisco (``b07b.2512.3456``) spellings.
   - hex codes ``0x80070005``: ``80070005``.
   - dotted names ``srv-dc01.contoso.local``: every label and every domain
     suffix (``contoso.local``); dotted numbers ``10.0.19045.3693``: their
     leading prefixes (``10.0``) and components of four or more digits.
   - other joined words ``srv-app-034``, ``T-2026-0412``, ``wi-fi``: the
     alphanumeric atoms, every run of adjacent atoms (``app-034``,
     ``2026-0412``) and, for letters-only words, the atoms run together
     (``wifi``).
   - a word of letters then digits, alone or as an atom (``nas01``,
     ``plotter01``): its letters (``nas``, ``plotter``).

   Parts are applied recursively (a URL's host is a dotted name whose labels
   are joined words), deduplicated, and capped at :data:`MAX_PARTS` per chunk.
3. **Streams.** :func:`stream` renders a column: the chunks in order (so
   phrases work), then :data:`SEPARATOR` and the parts of every chunk. The
   separator ``::`` is a token no query can produce (joiners are trimmed from
   query chunks), so no phrase matches across it; it also separates the values
   of different fields in one column.

A query word goes through :func:`chunks` too (and :func:`canonical`, which
writes an IPv6 address the way the vault stores it): ``dc01`` is one token and meets
the part ``dc01`` of ``srv-dc01.contoso.local``; ``srv-dc01.contoso.local`` is
one token and meets the whole value; ``10.0.4.*`` becomes the prefix token
``10.0.4.``. Nothing here knows about records or SQL.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

JOINERS = ".-:@/\\+#~%$&="
"""Characters kept inside a token (with letters, digits and ``_``)."""

SEPARATOR = "::"
"""A token that separates field values and the parts section; queries never produce it."""

MAX_TOKEN = 128
"""The longest token, in characters; longer chunks are cut (documents and queries alike)."""

MAX_PARTS = 48
"""The most parts derived from one chunk."""

FTS_TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '" + JOINERS + "_'"
"""The ``tokenize`` option of every FTS5 table that holds streams from this module."""

_CHUNK = re.compile(r"[\w" + re.escape(JOINERS) + r"]+")
_TRIMMED = re.compile(r"[^\W_](?:[\w" + re.escape(JOINERS) + r"]*[^\W_])?")
"""A chunk with its joiners already trimmed: what ``_CHUNK`` finds, ``.strip(_TRIM)``-ed."""
_TRIM = JOINERS + "_"
_PLAIN = re.compile(r"[^\W_]+")
_ATOM = re.compile(r"[^\W_]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]{0,15}):/{1,3}(.+)")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_IPV4_CIDR = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3})/(\d{1,2})")
_IPV4_PORT = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})")
_MAC = re.compile(r"[0-9a-f]{2}([:\-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}")
_MAC_CISCO = re.compile(r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}")
_MAC_BARE = re.compile(r"[0-9a-f]{12}")
_HEX = re.compile(r"0x([0-9a-f]+)")
_IPV6_CHARS = re.compile(r"[0-9a-f:.]+")
_PATH_SPLIT = re.compile(r"[\\/]+")
_HOST_PORT = re.compile(r"(.+):(\d{1,5})")
_DIGITS = re.compile(r"\d+")
_HEAD = re.compile(r"([^\W\d_]{2,})\d+")


def normalise(text: str) -> str:
    """NFKC-normalise ``text`` so that documents and queries spell characters alike."""
    return unicodedata.normalize("NFKC", text) if not text.isascii() else text


def chunks(text: str) -> list[str]:
    """The tokens of ``text`` in order, lowercased, joiners trimmed, at most MAX_TOKEN long.

    Args:
        text: Any text (a field value, a title, a query word).

    Returns:
        The chunks; empty when ``text`` has no letters or digits.
    """
    found = _TRIMMED.findall(normalise(text).lower())
    return [c if len(c) <= MAX_TOKEN else c[:MAX_TOKEN] for c in found]


def chunk_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, chunk) for every chunk of an already :func:`normalise`-d text."""
    for match in _CHUNK.finditer(text):
        raw = match.group()
        chunk = raw.strip(_TRIM)
        if chunk:
            start = match.start() + (len(raw) - len(raw.lstrip(_TRIM)))
            yield start, start + len(chunk), chunk[:MAX_TOKEN].lower()


@lru_cache(maxsize=1 << 18)
def parts(chunk: str) -> tuple[str, ...]:
    """The natural parts of one chunk (see the module docstring), never the chunk itself.

    Args:
        chunk: A token from :func:`chunks` (lowercase, trimmed).

    Returns:
        The distinct parts, most specific first; empty for a plain word.
    """
    if _PLAIN.fullmatch(chunk):
        code = _HEX.fullmatch(chunk)
        if code:
            return (code.group(1),)
        head = _HEAD.fullmatch(chunk)
        return (head.group(1),) if head else ()
    found: dict[str, None] = {}
    pieces = _shape(chunk)
    if pieces is None:
        for piece in _joined(chunk):
            found.setdefault(piece[:MAX_TOKEN], None)
    else:
        for piece in pieces:
            piece = piece.strip(_TRIM)[:MAX_TOKEN]
            if piece and piece != chunk:
                found.setdefault(piece, None)
                if len(piece) < len(chunk):
                    found.update(dict.fromkeys(parts(piece)))
    found.pop(chunk, None)
    found.pop("", None)
    return tuple(list(found)[:MAX_PARTS])


def _shape(chunk: str) -> list[str] | None:
    """The pieces of a chunk by its shape, or None for a joined word (atoms only)."""
    if "://" in chunk:
        return _url(chunk)
    if "@" in chunk:
        return _email(chunk)
    colons = chunk.count(":")
    if "/" in chunk and chunk[0].isdigit() and (found := _network(chunk)) is not None:
        return found
    if len(chunk) in (14, 17) and (found := _mac(chunk)) is not None:
        return found
    if colons >= 2 and (found := _ipv6(chunk)) is not None:
        return found
    if "\\" in chunk or "/" in chunk:
        return _path(chunk)
    if chunk[0].isdigit() and (found := _ipv4(chunk)) is not None:
        return found
    if colons and (found := _host_port(chunk)) is not None:
        return found
    if "." in chunk:
        return _dotted(chunk)
    return None


def _url(chunk: str) -> list[str] | None:
    match = _SCHEME.fullmatch(chunk)
    return [match.group(2)] if match else None


def _email(chunk: str) -> list[str] | None:
    if "@" not in chunk:
        return None
    local, _, domain = chunk.rpartition("@")
    return [local, domain]


def _network(chunk: str) -> list[str] | None:
    match = _IPV4_CIDR.fullmatch(chunk)
    return [match.group(1)] if match else None


def _mac(chunk: str) -> list[str] | None:
    if _MAC.fullmatch(chunk) or _MAC_CISCO.fullmatch(chunk):
        bare = re.sub(r"[^0-9a-f]", "", chunk)
    else:
        return None
    pairs = [bare[i : i + 2] for i in range(0, 12, 2)]
    return [
        ":".join(pairs),
        "-".join(pairs),
        bare,
        ".".join(bare[i : i + 4] for i in range(0, 12, 4)),
    ]


def _ipv6(chunk: str) -> list[str] | None:
    if chunk.count(":") < 2 or not _IPV6_CHARS.fullmatch(chunk.partition("/")[0]):
        return None
    address, _, prefix = chunk.partition("/")
    try:
        parsed = ipaddress.IPv6Address(address)
    except ValueError:
        return None
    pieces = [parsed.compressed, parsed.exploded]
    if prefix:
        pieces.insert(0, address)
    return pieces


def _path(chunk: str) -> list[str] | None:
    if "\\" not in chunk and "/" not in chunk:
        return None
    pieces = [segment for segment in _PATH_SPLIT.split(chunk) if segment]
    for match in _PATH_SPLIT.finditer(chunk):
        prefix = chunk[: match.start()]
        if prefix and match.end() < len(chunk):
            pieces.append(prefix)
    return pieces


def _ipv4(chunk: str) -> list[str] | None:
    if not _IPV4.fullmatch(chunk):
        return None
    octets = chunk.split(".")
    return [".".join(octets[:3]), ".".join(octets[:2])]


def _host_port(chunk: str) -> list[str] | None:
    match = _IPV4_PORT.fullmatch(chunk) or _HOST_PORT.fullmatch(chunk)
    if match is None:
        return None
    host, port = match.groups()
    return [host, port] if len(port) >= 2 else [host]


def _dotted(chunk: str) -> list[str] | None:
    if "." not in chunk:
        return None
    labels = [label for label in chunk.split(".") if label]
    if len(labels) < 2:
        return [labels[0]] if labels else []
    if all(label.isdigit() for label in labels):
        prefixes = [".".join(labels[:i]) for i in range(len(labels) - 1, 1, -1)]
        return prefixes + [label for label in labels if len(label) >= 4]
    suffixes = [".".join(labels[i:]) for i in range(1, len(labels) - 1)]
    return suffixes + labels


def _joined(chunk: str) -> list[str]:
    """Atoms, runs of adjacent atoms with their joiners, and letters-only words run together."""
    atoms = list(_ATOM.finditer(chunk))
    out = [atom.group() for atom in atoms]
    out += [head.group(1) for atom in out[:] if (head := _HEAD.fullmatch(atom))]
    if 2 < len(atoms) <= 6:
        for start in range(len(atoms)):
            for end in range(start + 1, len(atoms)):
                if (start, end) != (0, len(atoms) - 1):
                    out.append(chunk[atoms[start].start() : atoms[end].end()])
    if len(atoms) > 1 and all(atom.group().isalpha() for atom in atoms):
        out.append("".join(out[: len(atoms)]))
    return out


def stream(values: Iterable[str], extra: Iterable[str] = ()) -> str:
    """Render one FTS5 column: the chunks of each value, then the parts of all of them.

    Args:
        values: Texts in display order (field values of one column); a
            :data:`SEPARATOR` goes between values so no phrase spans two fields.
        extra: Further tokens for the parts section (already chunked), such as
            the digits of a phone number.

    Returns:
        Space-separated tokens, ready for the FTS5 tokenizer of :data:`FTS_TOKENIZER`.
    """
    words: list[str] = []
    pieces: list[str] = [*extra]
    for value in values:
        found = chunks(value)
        if not found:
            continue
        if words:
            words.append(SEPARATOR)
        words.extend(found)
        for chunk in found:
            pieces.extend(parts(chunk))
    if pieces:
        words.append(SEPARATOR)
        words.extend(dict.fromkeys(pieces))  # each once, in order of first appearance
    return " ".join(words)


def phone_digits(value: str) -> list[str]:
    """Digit-only spellings of a phone number: all digits, and the last ten and seven."""
    digits = "".join(_DIGITS.findall(value))
    if len(digits) < 7:
        return []
    return list(dict.fromkeys([digits, digits[-10:], digits[-7:]]))


def prefix_chunks(text: str) -> list[str]:
    """Like :func:`chunks` for a word typed before ``*``: trailing joiners stay.

    ``10.0.4.`` stays ``10.0.4.`` so that the prefix ``10.0.4.*`` matches
    ``10.0.4.12`` and not ``10.0.45.1``.
    """
    found = chunks(text)
    if not found:
        return found
    text = normalise(text).lower()
    tail = len(text) - len(text.rstrip(JOINERS + "_"))
    if tail and text[: len(text) - tail].endswith(found[-1]):
        found[-1] = (found[-1] + text[len(text) - tail :])[:MAX_TOKEN]
    return found


def canonical(token: str) -> str:
    """The spelling a query token is looked up by: IPv6 addresses in compressed form.

    Every other token is searched as typed (its other spellings are parts of
    the document's values already).
    """
    if token.count(":") >= 2 and _IPV6_CHARS.fullmatch(token):
        try:
            return ipaddress.IPv6Address(token).compressed
        except ValueError:
            return token
    return token


def fold(token: str) -> str:
    """A token as FTS5's ``remove_diacritics 2`` stores it (accents dropped), for word lists."""
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFD", token)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def quote(token: str) -> str:
    """An FTS5 string literal for ``token`` (double quotes doubled)."""
    return '"' + token.replace('"', '""') + '"'
