"""AES-256-GCM: known answers for the primitive, then crypto.aead's sealing and streams."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import aead
from crypto.errors import DecryptionError, UnknownFormatError

K256 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
P64 = (
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
)
P60 = P64[:120]
A20 = "feedfacedeadbeeffeedfacedeadbeefabaddad2"

# McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 13-18
# (the 256-bit-key cases): key, IV, plaintext, AAD, ciphertext, tag.
GCM_SPEC_VECTORS = [
    pytest.param("00" * 32, "00" * 12, "", "", "", "530f8afbc74536b9a963b4f1c4cb738b", id="tc13"),
    pytest.param(
        "00" * 32,
        "00" * 12,
        "00" * 16,
        "",
        "cea7403d4d606b6e074ec5d3baf39d18",
        "d0d1c8a799996bf0265b98b5d48ab919",
        id="tc14",
    ),
    pytest.param(
        K256,
        "cafebabefacedbaddecaf888",
        P64,
        "",
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
        "b094dac5d93471bdec1a502270e3cc6c",
        id="tc15",
    ),
    pytest.param(
        K256,
        "cafebabefacedbaddecaf888",
        P60,
        A20,
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
        "76fc6ece0f4e1768cddf8853bb2d551b",
        id="tc16-aad",
    ),
    pytest.param(
        K256,
        "cafebabefacedbad",
        P60,
        A20,
        "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0"
        "feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
        "3a337dbf46a792c45e454913fe2ea8f2",
        id="tc17-aad-64bit-iv",
    ),
    pytest.param(
        K256,
        "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
        "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
        P60,
        A20,
        "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
        "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
        "a44a8266ee1c8eb0c8b5d4cf5ae9f19a",
        id="tc18-aad-480bit-iv",
    ),
]


@pytest.mark.parametrize(("key", "iv", "plain", "aad", "cipher", "tag"), GCM_SPEC_VECTORS)
def test_aes256_gcm_known_answers(
    key: str, iv: str, plain: str, aad: str, cipher: str, tag: str
) -> None:
    gcm = AESGCM(bytes.fromhex(key))
    sealed = gcm.encrypt(bytes.fromhex(iv), bytes.fromhex(plain), bytes.fromhex(aad))
    assert sealed.hex() == cipher + tag
    opened = gcm.decrypt(bytes.fromhex(iv), bytes.fromhex(cipher + tag), bytes.fromhex(aad))
    assert opened.hex() == plain


def _sealed_vector() -> bytes:
    """The tc16 vector laid out as one of our blobs (format byte, nonce, body)."""
    return bytes([aead.FORMAT_GCM]) + bytes.fromhex(
        "cafebabefacedbaddecaf888"
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        "76fc6ece0f4e1768cddf8853bb2d551b"
    )


def test_open_sealed_reads_the_known_answer_in_our_layout() -> None:
    plain = aead.open_sealed(bytes.fromhex(K256), _sealed_vector(), bytes.fromhex(A20))
    assert plain.hex() == P60


KEY = bytes(range(32))


@settings(max_examples=100, deadline=None)
@given(
    key=st.binary(min_size=32, max_size=32),
    plain=st.binary(max_size=2048),
    aad=st.binary(max_size=128),
)
def test_seal_open_round_trip(key: bytes, plain: bytes, aad: bytes) -> None:
    blob = aead.seal(key, plain, aad)
    assert blob[0] == aead.FORMAT_GCM
    assert len(blob) == len(plain) + aead.OVERHEAD
    assert aead.open_sealed(key, blob, aad) == plain


def test_nonces_are_fresh() -> None:
    blobs = {aead.seal(KEY, b"same plaintext", b"aad") for _ in range(50)}
    assert len(blobs) == 50
    assert len({blob[1 : 1 + aead.NONCE_LENGTH] for blob in blobs}) == 50


def test_new_key_is_random_32_bytes() -> None:
    keys = {aead.new_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(key) == aead.KEY_LENGTH == 32 for key in keys)


def test_tampering_any_byte_is_detected() -> None:
    blob = aead.seal(KEY, b"record body", b"vault/scope/record/1")
    for index in range(len(blob)):
        for mask in (0x01, 0x80, 0xFF):
            tampered = bytearray(blob)
            tampered[index] ^= mask
            expected = UnknownFormatError if index == 0 else DecryptionError
            with pytest.raises(expected):
                aead.open_sealed(KEY, bytes(tampered), b"vault/scope/record/1")


@settings(max_examples=200, deadline=None)
@given(plain=st.binary(max_size=64), data=st.data())
def test_tampering_property(plain: bytes, data: st.DataObject) -> None:
    blob = aead.seal(KEY, plain, b"aad")
    index = data.draw(st.integers(min_value=1, max_value=len(blob) - 1))
    mask = data.draw(st.integers(min_value=1, max_value=255))
    tampered = bytearray(blob)
    tampered[index] ^= mask
    with pytest.raises(DecryptionError):
        aead.open_sealed(KEY, bytes(tampered), b"aad")


def test_wrong_aad_fails() -> None:
    blob = aead.seal(KEY, b"secret", b"record-1")
    with pytest.raises(DecryptionError):
        aead.open_sealed(KEY, blob, b"record-2")
    with pytest.raises(DecryptionError):
        aead.open_sealed(KEY, blob)
    assert aead.open_sealed(KEY, blob, b"record-1") == b"secret"


def test_wrong_key_fails() -> None:
    blob = aead.seal(KEY, b"secret", b"aad")
    with pytest.raises(DecryptionError):
        aead.open_sealed(bytes(32), blob, b"aad")


@pytest.mark.parametrize("format_byte", [0x00, 0x02, 0x7F, 0xFF])
def test_unknown_format_byte(format_byte: int) -> None:
    blob = aead.seal(KEY, b"secret", b"aad")
    with pytest.raises(UnknownFormatError, match=str(format_byte)):
        aead.open_sealed(KEY, bytes([format_byte]) + blob[1:], b"aad")


def test_every_truncation_fails() -> None:
    blob = aead.seal(KEY, b"some plaintext", b"aad")
    for length in range(len(blob)):
        with pytest.raises(DecryptionError):
            aead.open_sealed(KEY, blob[:length], b"aad")


def test_short_blob_says_truncated() -> None:
    with pytest.raises(DecryptionError, match="truncated"):
        aead.open_sealed(KEY, bytes([aead.FORMAT_GCM]) + bytes(aead.OVERHEAD - 2))


def test_appended_bytes_fail() -> None:
    blob = aead.seal(KEY, b"some plaintext", b"aad")
    with pytest.raises(DecryptionError):
        aead.open_sealed(KEY, blob + b"\0", b"aad")


# Chunked streams.

STREAM_AAD = b"vault/attachment/7"


def _stream(size: int = 10, chunk: int = 4) -> tuple[bytes, list[bytes]]:
    data = bytes(range(size))
    return data, aead.seal_chunked(KEY, data, STREAM_AAD, chunk_size=chunk)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), chunk_size=st.integers(min_value=1, max_value=64))
def test_chunked_round_trip(data: bytes, chunk_size: int) -> None:
    chunks = aead.seal_chunked(KEY, data, STREAM_AAD, chunk_size=chunk_size)
    assert len(chunks) == max(1, -(-len(data) // chunk_size))
    assert aead.open_chunked(KEY, chunks, STREAM_AAD) == data


def test_empty_data_is_one_final_chunk() -> None:
    chunks = aead.seal_chunked(KEY, b"", STREAM_AAD)
    assert len(chunks) == 1
    assert aead.open_chunked(KEY, chunks, STREAM_AAD) == b""


def test_single_chunks_open_by_position() -> None:
    data, chunks = _stream()
    assert [aead.open_chunk(KEY, c, STREAM_AAD, i, i == 2) for i, c in enumerate(chunks)] == [
        data[0:4],
        data[4:8],
        data[8:10],
    ]
    with pytest.raises(DecryptionError):
        aead.open_chunk(KEY, chunks[2], STREAM_AAD, 2, final=False)


def test_reordered_chunks_fail() -> None:
    _, chunks = _stream()
    with pytest.raises(DecryptionError):
        aead.open_chunked(KEY, [chunks[1], chunks[0], chunks[2]], STREAM_AAD)


def test_dropped_final_chunk_fails() -> None:
    _, chunks = _stream()
    with pytest.raises(DecryptionError):
        aead.open_chunked(KEY, chunks[:-1], STREAM_AAD)


def test_truncated_to_first_chunk_fails() -> None:
    _, chunks = _stream()
    with pytest.raises(DecryptionError):
        aead.open_chunked(KEY, chunks[:1], STREAM_AAD)


def test_dropped_middle_chunk_fails() -> None:
    _, chunks = _stream()
    with pytest.raises(DecryptionError):
        aead.open_chunked(KEY, [chunks[0], chunks[2]], STREAM_AAD)


def test_duplicated_chunk_fails() -> None:
    _, chunks = _stream()
    with pytest.raises(DecryptionError):
        aead.open_chunked(KEY, [*chunks, chunks[-1]], STREAM_AAD)


def test_no_chunks_at_all_fails() -> None:
    with pytest.raises(DecryptionError):
        aead.open_chunked(KEY, [], STREAM_AAD)


def test_chunks_bound_to_stream_aad() -> None:
    _, chunks = _stream()
    with pytest.raises(DecryptionError):
        aead.open_chunked(KEY, chunks, b"vault/attachment/8")


def test_chunk_aad_layout() -> None:
    assert aead.chunk_aad(b"ab", 1, False) == b"ab" + bytes(7) + b"\x01\x00"
    assert aead.chunk_aad(b"ab", 2**40, True) == b"ab" + (2**40).to_bytes(8, "big") + b"\x01"


@pytest.mark.parametrize("length", [16, 24, 31, 33])
def test_only_256_bit_keys_are_accepted(length: int) -> None:
    from crypto.errors import CryptoError

    with pytest.raises(CryptoError, match="32-byte"):
        aead.seal(b"k" * length, b"data")
    with pytest.raises(CryptoError, match="32-byte"):
        aead.open_sealed(b"k" * length, aead.seal(b"k" * 32, b"data"))
