"""Small sealed-and-signed items: scope names, member profiles, audit entries.

An item is JSON with a random salt, sealed with AES-256-GCM under a scope key
(the AAD binds where it belongs and the key version) and signed by its author
over a hash of the plaintext. Signing the salted plaintext rather than the
ciphertext lets a key rotation re-seal the item under a new key version while
the original author's signature stays valid and proves nothing to a guesser.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from crypto import aead, keys
from crypto.errors import CryptoError
from vault.codec import dump, load


def _message(sig_context: bytes, plain: bytes) -> bytes:
    return sig_context + b"\0" + hashlib.sha256(plain).digest()


def seal_salted(key: bytes, aad: bytes, payload: dict[str, Any]) -> tuple[bytes, bytes, bytes]:
    """Seal ``payload`` with a random salt; return (sealed blob, plaintext, plaintext hash)."""
    plain = dump({**payload, "salt": os.urandom(16).hex()})
    return aead.seal(key, plain, aad), plain, hashlib.sha256(plain).digest()


def seal_signed(
    key: bytes, aad: bytes, sig_context: bytes, payload: dict[str, Any], signer: keys.MemberKeys
) -> tuple[bytes, bytes]:
    """Seal and sign ``payload``; return (sealed blob, signature)."""
    blob, plain, _ = seal_salted(key, aad, payload)
    return blob, signer.sign(_message(sig_context, plain))


def open_signed(
    key: bytes,
    aad: bytes,
    sig_context: bytes,
    blob: bytes,
    signature: bytes,
    public: bytes | None,
) -> dict[str, Any]:
    """Open and verify an item; raise CryptoError when either fails."""
    plain = aead.open_sealed(key, blob, aad)
    if public is None:
        raise CryptoError("the author is unknown")
    keys.verify(public, _message(sig_context, plain), signature)
    try:
        payload = load(plain)
    except ValueError:
        raise CryptoError("the item is malformed") from None
    if not isinstance(payload, dict):
        raise CryptoError("the item is malformed")
    payload.pop("salt", None)
    return payload


def reseal(old_key: bytes, old_aad: bytes, new_key: bytes, new_aad: bytes, blob: bytes) -> bytes:
    """Re-encrypt an item under a new key version (its signature stays valid)."""
    return aead.seal(new_key, aead.open_sealed(old_key, blob, old_aad), new_aad)
