"""The binding context and body encoding keep their exact bytes after the speed-ups.

Every stored AAD and signature covers :func:`vault.codec.ctx` output and every
sealed body is :func:`vault.codec.dump` output, so a faster implementation must
give byte-identical results: a known answer pins the format, and a property
compares with the plain definition (the loop that the vault first shipped).
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from vault.codec import ctx, dump


def _reference(label: str, *parts: str | int | bytes | None) -> bytes:
    out = bytearray(b"sitebook\0" + label.encode() + b"\0")
    for part in parts:
        if part is None:
            raw = b"\xff"
        elif isinstance(part, bytes):
            raw = b"b" + part
        elif isinstance(part, int):
            raw = b"i" + str(part).encode()
        else:
            raw = b"s" + part.encode("utf-8", "surrogateescape")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def test_ctx_known_answer() -> None:
    parts = ("0123456789abcdef0123456789abcdef", "ü\udcff", 7, True, -3, None, b"\x00\xff")
    assert ctx("record-sig", *parts).hex() == (
        "73697465626f6f6b007265636f72642d73696700000000217330313233343536373839616263646566"
        "303132333435363738396162636465660000000473c3bcff00000002693700000005695472756500"
        "000003692d3300000001ff000000036200ff"
    )


_PART = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.binary(max_size=40),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF), max_size=4),
)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", max_size=12), st.lists(_PART, max_size=8))
def test_ctx_matches_the_plain_definition(label: str, parts: list) -> None:
    assert ctx(label, *parts) == _reference(label, *parts)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_dump_is_compact_unescaped_json(value: object) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert dump(value) == expected
