"""Errors raised by the crypto layer.

They carry no key material and no plaintext; the vault layer maps them onto the
user-facing errors in ``vault.errors``.
"""


class CryptoError(Exception):
    """Base class for every failure inside ``crypto``."""


class DecryptionError(CryptoError):
    """Ciphertext failed authentication: wrong key, damaged or tampered bytes."""


class UnknownFormatError(CryptoError):
    """Ciphertext starts with a format byte this version does not know."""


class KdfParamsError(CryptoError):
    """Key-derivation parameters outside the bounds we accept from a file."""


class SignatureError(CryptoError):
    """An Ed25519 signature did not verify."""


class RecoveryKeyError(CryptoError):
    """A typed recovery key is incomplete or has a typo; the message names the group.

    The message never contains any character of the key.
    """


class TotpError(CryptoError):
    """A TOTP seed, ``otpauth://`` URI or setting is unusable; the message never holds the seed."""
