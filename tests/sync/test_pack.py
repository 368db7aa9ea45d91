"""The pack format: round trips by property, and every altered or missing byte is refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import aead, keys
from vault.sync import pack

SIGNER = keys.MemberKeys.generate()
SCOPE_KEY = aead.new_key()
SCOPE = {"id": "s" * 32, "kind": "client", "parent": None, "key_version": 7, "created": "t"}
GRANT = {
    "scope_id": "s" * 32,
    "key_version": 7,
    "member_id": "m" * 32,
    "wrapped": "00ff",
    "granted_by": "a" * 32,
    "created": "2026-01-01T00:00:00+00:00",
    "signature": "11" * 64,
}


def make(body: bytes, seq: int = 3, grants: list | None = None, covers: dict | None = None):
    return pack.seal(
        kind="pack",
        vault_id="v" * 32,
        scope_id="s" * 32,
        author="a" * 32,
        seq=seq,
        name=f"{'a' * 32}-{seq}.pack",
        created="2026-01-01T00:00:00.000001+00:00",
        key_version=7,
        scope_key=SCOPE_KEY,
        scope=SCOPE,
        grants=grants or [],
        covers=covers,
        plain=body,
        signer=SIGNER,
    )


@settings(max_examples=30)
@given(
    body=st.binary(max_size=3 * 1024 * 1024 // 2),
    seq=st.integers(1, 10**12),
    grants=st.lists(st.just(GRANT), max_size=3),
    covers=st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=64), max_size=4),
)
def test_round_trip(body: bytes, seq: int, grants: list, covers: dict) -> None:
    data = make(body, seq, grants, covers)
    parsed = pack.parse(data)
    pack.verify_signature(parsed, SIGNER.signing_public)
    assert parsed.header.seq == seq
    assert list(parsed.header.grants) == grants
    assert parsed.header.covers == covers
    assert pack.open_body(parsed, SCOPE_KEY) == body
    head = pack.parse(data[: pack.header_length(data)], head_only=True)
    assert head.header == parsed.header


def _refused(data: bytes) -> bool:
    try:
        parsed = pack.parse(data)
        pack.verify_signature(parsed, SIGNER.signing_public)
        pack.open_body(parsed, SCOPE_KEY)
    except pack.PackRejected:
        return True
    return False


BODY = bytes(range(256)) * 4000  # two chunks
ORIGINAL = make(BODY)


@settings(max_examples=60)
@given(at=st.integers(0, len(ORIGINAL) - 1), flip=st.integers(1, 255))
def test_any_altered_byte_is_refused(at: int, flip: int) -> None:
    data = bytearray(ORIGINAL)
    data[at] ^= flip
    assert _refused(bytes(data))


@settings(max_examples=40)
@given(length=st.integers(0, len(ORIGINAL) - 1))
def test_any_truncation_is_refused(length: int) -> None:
    assert _refused(ORIGINAL[:length])


def test_another_scope_key_or_signer_is_refused() -> None:
    parsed = pack.parse(ORIGINAL)
    with pytest.raises(pack.PackRejected, match="signature"):
        pack.verify_signature(parsed, keys.MemberKeys.generate().signing_public)
    with pytest.raises(pack.PackRejected, match="data key"):
        pack.open_body(parsed, aead.new_key())


@pytest.mark.parametrize(
    "damage",
    [
        b"not a pack at all",
        b"SBKPACK\x01\xff\xff\xff\xff",
        b"SBKPACK\x01\x00\x00\x00\x02{}" + b"0" * 64,
    ],
)
def test_named_broken_inputs(damage: bytes) -> None:
    with pytest.raises(pack.PackRejected):
        pack.parse(damage)
