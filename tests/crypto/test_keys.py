"""X25519, Ed25519 and HKDF known answers, then crypto.keys' wrapping and signatures."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import keys
from crypto.errors import CryptoError, DecryptionError, SignatureError, UnknownFormatError
from crypto.keys import MemberKeys

RAW = (Encoding.Raw, PublicFormat.Raw)

# RFC 7748 section 6.1.
ALICE_PRIVATE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
ALICE_PUBLIC = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
BOB_PRIVATE = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
BOB_PUBLIC = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"


def test_rfc7748_x25519_public_keys() -> None:
    alice = X25519PrivateKey.from_private_bytes(bytes.fromhex(ALICE_PRIVATE))
    bob = X25519PrivateKey.from_private_bytes(bytes.fromhex(BOB_PRIVATE))
    assert alice.public_key().public_bytes(*RAW).hex() == ALICE_PUBLIC
    assert bob.public_key().public_bytes(*RAW).hex() == BOB_PUBLIC


def test_rfc7748_x25519_shared_secret() -> None:
    alice = X25519PrivateKey.from_private_bytes(bytes.fromhex(ALICE_PRIVATE))
    bob = X25519PrivateKey.from_private_bytes(bytes.fromhex(BOB_PRIVATE))
    bob_public = X25519PublicKey.from_public_bytes(bytes.fromhex(BOB_PUBLIC))
    alice_public = X25519PublicKey.from_public_bytes(bytes.fromhex(ALICE_PUBLIC))
    assert alice.exchange(bob_public).hex() == SHARED
    assert bob.exchange(alice_public).hex() == SHARED


# RFC 8032 section 7.1, tests 1-3: secret key, public key, message, signature.
ED25519_VECTORS = [
    pytest.param(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        id="test1-empty",
    ),
    pytest.param(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da0"
        "85ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        id="test2-one-byte",
    ),
    pytest.param(
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac1"
        "8ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        id="test3-two-bytes",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), ED25519_VECTORS)
def test_rfc8032_ed25519(secret: str, public: str, message: str, signature: str) -> None:
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))
    assert private.public_key().public_bytes(*RAW).hex() == public
    assert private.sign(bytes.fromhex(message)).hex() == signature
    keys.verify(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))


@pytest.mark.parametrize(("secret", "public", "message", "signature"), ED25519_VECTORS)
def test_member_keys_sign_matches_rfc8032(
    secret: str, public: str, message: str, signature: str
) -> None:
    member = MemberKeys(
        X25519PrivateKey.generate(), Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))
    )
    assert member.signing_public.hex() == public
    assert member.sign(bytes.fromhex(message)).hex() == signature


@pytest.mark.parametrize(("secret", "public", "message", "signature"), ED25519_VECTORS)
def test_rfc8032_vectors_rejected_when_modified(
    secret: str, public: str, message: str, signature: str
) -> None:
    pub, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    with pytest.raises(SignatureError):
        keys.verify(pub, msg + b"\0", sig)
    with pytest.raises(SignatureError):
        keys.verify(pub, msg, sig[:-1] + bytes([sig[-1] ^ 1]))
    with pytest.raises(SignatureError):
        keys.verify(bytes.fromhex(ALICE_PUBLIC), msg, sig)


# RFC 5869 appendix A, test cases 1-3 (SHA-256): IKM, salt, info, L, PRK, OKM.
HKDF_VECTORS = [
    pytest.param(
        "0b" * 22,
        "000102030405060708090a0b0c",
        "f0f1f2f3f4f5f6f7f8f9",
        42,
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        id="case1",
    ),
    pytest.param(
        bytes(range(0x00, 0x50)).hex(),
        bytes(range(0x60, 0xB0)).hex(),
        bytes(range(0xB0, 0x100)).hex(),
        82,
        "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
        "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
        "cc30c58179ec3e87c14c01d5c1f3434f1d87",
        id="case2-long",
    ),
    pytest.param(
        "0b" * 22,
        "",
        "",
        42,
        "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        id="case3-no-salt-info",
    ),
]


@pytest.mark.parametrize(("ikm", "salt", "info", "length", "prk", "okm"), HKDF_VECTORS)
def test_rfc5869_hkdf_sha256(
    ikm: str, salt: str, info: str, length: int, prk: str, okm: str
) -> None:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=bytes.fromhex(salt) or None,
        info=bytes.fromhex(info),
    ).derive(bytes.fromhex(ikm))
    assert derived.hex() == okm
    # Extract step separately: PRK = HMAC-SHA256(salt or zeros, IKM); then expand.
    extracted = hmac.new(bytes.fromhex(salt) or bytes(32), bytes.fromhex(ikm), hashlib.sha256)
    assert extracted.hexdigest() == prk
    expanded = HKDFExpand(hashes.SHA256(), length, bytes.fromhex(info)).derive(bytes.fromhex(prk))
    assert expanded.hex() == okm


# Our wrapping, member secrets and signatures.

ALICE = MemberKeys.generate()
BOB = MemberKeys.generate()
CONTEXT = b"vault-1/scope-7/key-version-2/member-alice"
SCOPE_KEY = bytes(range(32))


@settings(max_examples=50, deadline=None)
@given(secret=st.binary(max_size=128), context=st.binary(max_size=64))
def test_wrap_unwrap_round_trip(secret: bytes, context: bytes) -> None:
    blob = keys.wrap_for(ALICE.exchange_public, secret, context)
    assert blob[0] == keys.FORMAT_WRAP
    assert len(blob) == 1 + keys.PUBLIC_LENGTH + len(secret) + 29
    assert keys.unwrap(ALICE, blob, context) == secret


def test_wrapping_is_randomised() -> None:
    first = keys.wrap_for(ALICE.exchange_public, SCOPE_KEY, CONTEXT)
    second = keys.wrap_for(ALICE.exchange_public, SCOPE_KEY, CONTEXT)
    assert first != second
    assert first[1:33] != second[1:33]  # fresh ephemeral key each time


def test_wrong_member_cannot_unwrap() -> None:
    blob = keys.wrap_for(ALICE.exchange_public, SCOPE_KEY, CONTEXT)
    with pytest.raises(DecryptionError):
        keys.unwrap(BOB, blob, CONTEXT)


def test_context_mismatch_fails() -> None:
    blob = keys.wrap_for(ALICE.exchange_public, SCOPE_KEY, CONTEXT)
    with pytest.raises(DecryptionError):
        keys.unwrap(ALICE, blob, CONTEXT + b"x")
    with pytest.raises(DecryptionError):
        keys.unwrap(ALICE, blob, b"")


def test_tampering_any_byte_of_a_wrap_fails() -> None:
    blob = keys.wrap_for(ALICE.exchange_public, SCOPE_KEY, CONTEXT)
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises((DecryptionError, UnknownFormatError)):
            keys.unwrap(ALICE, bytes(tampered), CONTEXT)


def test_wrap_format_byte_and_truncation() -> None:
    blob = keys.wrap_for(ALICE.exchange_public, SCOPE_KEY, CONTEXT)
    with pytest.raises(UnknownFormatError):
        keys.unwrap(ALICE, b"\x02" + blob[1:], CONTEXT)
    for length in (0, 1, 33, 61, len(blob) - 1):
        with pytest.raises(DecryptionError):
            keys.unwrap(ALICE, blob[:length], CONTEXT)


def test_low_order_ephemeral_point_is_a_clean_error() -> None:
    # An all-zero point gives an all-zero shared secret, which X25519 refuses.
    blob = keys.wrap_for(ALICE.exchange_public, SCOPE_KEY, CONTEXT)
    hostile = blob[:1] + bytes(32) + blob[33:]
    with pytest.raises(DecryptionError):
        keys.unwrap(ALICE, hostile, CONTEXT)


def test_member_keys_bytes_round_trip() -> None:
    data = ALICE.to_bytes()
    assert len(data) == 65 and data[0] == keys.FORMAT_SECRETS
    restored = MemberKeys.from_bytes(data)
    assert restored.exchange_public == ALICE.exchange_public
    assert restored.signing_public == ALICE.signing_public
    assert restored.to_bytes() == data
    assert restored.sign(b"message") == ALICE.sign(b"message")  # Ed25519 is deterministic
    blob = keys.wrap_for(ALICE.exchange_public, SCOPE_KEY, CONTEXT)
    assert keys.unwrap(restored, blob, CONTEXT) == SCOPE_KEY


def test_member_keys_from_bad_bytes() -> None:
    data = ALICE.to_bytes()
    with pytest.raises(CryptoError, match="length"):
        MemberKeys.from_bytes(data[:-1])
    with pytest.raises(CryptoError, match="length"):
        MemberKeys.from_bytes(data + b"\0")
    with pytest.raises(UnknownFormatError):
        MemberKeys.from_bytes(b"\x02" + data[1:])


def test_generated_members_differ() -> None:
    assert ALICE.exchange_public != BOB.exchange_public
    assert ALICE.signing_public != BOB.signing_public
    assert len(ALICE.exchange_public) == len(ALICE.signing_public) == 32


def test_verify_accepts_own_signature_and_rejects_changes() -> None:
    message = b"record 42 version 3"
    signature = ALICE.sign(message)
    keys.verify(ALICE.signing_public, message, signature)
    with pytest.raises(SignatureError):
        keys.verify(ALICE.signing_public, b"record 42 version 4", signature)
    with pytest.raises(SignatureError):
        keys.verify(ALICE.signing_public, message, bytes([signature[0] ^ 1]) + signature[1:])
    with pytest.raises(SignatureError):
        keys.verify(BOB.signing_public, message, signature)


def test_verify_rejects_malformed_inputs() -> None:
    message = b"message"
    signature = ALICE.sign(message)
    with pytest.raises(SignatureError):
        keys.verify(ALICE.signing_public[:31], message, signature)
    with pytest.raises(SignatureError):
        keys.verify(ALICE.signing_public, message, signature[:63])
    with pytest.raises(SignatureError):
        keys.verify(ALICE.signing_public, message, b"")


def test_fingerprint_stable_and_distinct() -> None:
    assert keys.fingerprint(bytes(32)) == "cc6f d789 e3fe 8c3a a542"
    first = keys.fingerprint(ALICE.signing_public)
    assert keys.fingerprint(ALICE.signing_public) == first
    assert re.fullmatch(r"(?:[0-9a-f]{4} ){4}[0-9a-f]{4}", first)
    assert keys.fingerprint(BOB.signing_public) != first
    assert keys.fingerprint(ALICE.exchange_public) != first


def test_equal() -> None:
    assert keys.equal(b"same", b"same")
    assert not keys.equal(b"same", b"sama")
    assert not keys.equal(b"same", b"same!")


@pytest.mark.parametrize("count", [0, 1, keys.PARALLEL_SIGNING_FROM - 1, 1001])
def test_sign_many_is_sign_of_each_in_order(count: int) -> None:
    """Ed25519 is deterministic: the batch must be exactly the one-by-one signatures."""
    member = MemberKeys.generate()
    messages = [f"version {i}".encode() * (1 + i % 7) for i in range(count)]
    batch = member.sign_many(messages)
    assert batch == [member.sign(m) for m in messages]
    public = member.signing.public_key()
    for message, signature in zip(messages, batch, strict=True):
        public.verify(signature, message)


def test_sign_many_uses_a_second_thread_for_long_lists() -> None:
    import threading

    from cryptography.hazmat.primitives.asymmetric import ed25519

    real = MemberKeys.generate()
    threads: set[str] = set()

    class Watched:  # the real key, with a note of which thread signs
        def sign(self, message: bytes) -> bytes:
            threads.add(threading.current_thread().name)
            return real.signing.sign(message)

    member = MemberKeys(real.exchange, Watched())  # type: ignore[arg-type]
    member.sign_many([b"x"] * (keys.PARALLEL_SIGNING_FROM - 1))
    assert threads == {threading.current_thread().name}  # short: this thread only
    member.sign_many([b"x"] * keys.PARALLEL_SIGNING_FROM)
    if keys._signing_thread() is not None:  # a machine with one core signs alone
        assert len(threads) == 2 and any(t.startswith("sitebook-sign") for t in threads)
    assert isinstance(real.signing, ed25519.Ed25519PrivateKey)
