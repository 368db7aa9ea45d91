"""One-time codes: RFC 4226 HOTP and RFC 6238 TOTP, and the ways their seeds are written.

This module owns reading a TOTP seed as people and programs store it (a bare base32
secret, an ``otpauth://totp/...`` URI, KeePassXC's ``TOTP Seed``/``TOTP Settings``
pair or the KeeOtp form it also reads), writing a URI back, and computing codes.
Counter-based (``otpauth://hotp``) entries and Steam Guard codes are refused with
a clear error rather than producing wrong codes.

Nothing here ever puts the secret into an exception message or a ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
import struct
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from crypto.errors import TotpError

ALGORITHMS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
DEFAULT_DIGITS = 6
DEFAULT_PERIOD = 30
MIN_DIGITS, MAX_DIGITS = 6, 10
MIN_PERIOD, MAX_PERIOD = 1, 3600
MAX_SECRET_BYTES = 1024

_BASE32_CHARS = re.compile(r"[A-Z2-7]*")
_SEED_SEPARATORS = re.compile(r"[\s\-]+")
_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class TotpSpec:
    """Everything needed to compute a TOTP code.

    Attributes:
        secret: the shared HMAC key (raw bytes, not base32). Left out of ``repr``.
        digits: code length, 6 to 10.
        period: time step in seconds, 1 to 3600.
        algorithm: ``"SHA1"``, ``"SHA256"`` or ``"SHA512"``.
        issuer: the service, as shown by authenticator apps; optional.
        account: the account name at that service; optional.
    """

    secret: bytes = field(repr=False)
    digits: int = DEFAULT_DIGITS
    period: int = DEFAULT_PERIOD
    algorithm: str = "SHA1"
    issuer: str | None = None
    account: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or not 1 <= len(self.secret) <= MAX_SECRET_BYTES:
            raise TotpError("the TOTP secret is empty or unreasonably long")
        if not _is_int(self.digits) or not MIN_DIGITS <= self.digits <= MAX_DIGITS:
            raise TotpError(f"TOTP codes have {MIN_DIGITS} to {MAX_DIGITS} digits")
        if not _is_int(self.period) or not MIN_PERIOD <= self.period <= MAX_PERIOD:
            raise TotpError(f"the TOTP period must be {MIN_PERIOD} to {MAX_PERIOD} seconds")
        if self.algorithm not in ALGORITHMS:
            raise TotpError("the TOTP algorithm must be SHA1, SHA256 or SHA512")

    def to_uri(self) -> str:
        """Write the spec as an ``otpauth://totp/`` URI (Google Authenticator key format).

        The label is ``issuer:account`` (either part may be absent), percent-encoded;
        the issuer is also given as a parameter, as the key-URI format recommends.
        """
        label = quote(self.account or "", safe="@")
        if self.issuer:
            label = f"{quote(self.issuer, safe='@')}:{label}"
        params: dict[str, str] = {
            "secret": base64.b32encode(self.secret).decode("ascii").rstrip("="),
        }
        if self.issuer:
            params["issuer"] = self.issuer
        params.update(algorithm=self.algorithm, digits=str(self.digits), period=str(self.period))
        return f"otpauth://totp/{label}?{urlencode(params, quote_via=quote)}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decode_base32(seed: str) -> bytes:
    """Decode a base32 TOTP seed written the ways people write it.

    Spaces and dashes are ignored, lower case is accepted and the ``=`` padding may
    be missing.

    Raises:
        TotpError: the seed is empty or not base32 (the message does not quote it).
    """
    if not isinstance(seed, str):
        raise TotpError("the TOTP secret must be text")
    cleaned = _SEED_SEPARATORS.sub("", seed).upper().rstrip("=")
    if not cleaned:
        raise TotpError("the TOTP secret is empty")
    if len(cleaned) > MAX_SECRET_BYTES * 2 or not _BASE32_CHARS.fullmatch(cleaned):
        raise TotpError("the TOTP secret is not base32 (letters A-Z and digits 2-7)")
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise TotpError("the TOTP secret has a length that base32 cannot have") from None


def _int_param(value: str, name: str) -> int:
    if not _NUMBER.fullmatch(value.strip()):
        raise TotpError(f"the TOTP {name} is not a whole number")
    return int(value.strip())


def _algorithm(value: str) -> str:
    name = value.strip().upper().replace("-", "")
    if name.startswith("HMAC"):
        name = name[4:]
    if name not in ALGORITHMS:
        raise TotpError("the TOTP algorithm must be SHA1, SHA256 or SHA512")
    return name


def parse_uri(uri: str) -> TotpSpec:
    """Parse an ``otpauth://totp/LABEL?secret=...`` URI.

    Recognised parameters: ``secret`` (required), ``issuer``, ``digits``, ``period``,
    ``algorithm``. The label is ``issuer:account`` or ``account``; an ``issuer``
    parameter wins over the label's.

    Raises:
        TotpError: not a TOTP URI, no secret, or a bad parameter.
    """
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        raise TotpError("the otpauth URI is malformed") from None
    if parts.scheme.lower() != "otpauth":
        raise TotpError("not an otpauth:// URI")
    kind = parts.netloc.lower()
    if kind == "hotp":
        raise TotpError("counter-based (HOTP) one-time codes are not supported, only TOTP")
    if kind != "totp":
        raise TotpError("the otpauth URI is not of type totp")
    query = parse_qs(parts.query, keep_blank_values=True)
    params = {key.lower(): values[0] for key, values in query.items()}
    if params.get("encoder", "").lower() == "steam":
        raise TotpError("Steam Guard codes are not supported")
    if not params.get("secret"):
        raise TotpError("the otpauth URI has no secret")

    label = unquote(parts.path.lstrip("/"))
    issuer, _, account = label.partition(":") if ":" in label else ("", "", label)
    issuer = params.get("issuer") or issuer.strip() or None
    return TotpSpec(
        secret=decode_base32(params["secret"]),
        digits=_int_param(params["digits"], "digits") if params.get("digits") else 6,
        period=_int_param(params["period"], "period") if params.get("period") else 30,
        algorithm=_algorithm(params["algorithm"]) if params.get("algorithm") else "SHA1",
        issuer=issuer,
        account=account.strip() or None,
    )


def parse(value: str) -> TotpSpec:
    """Read a TOTP seed: an ``otpauth://totp/`` URI or a bare base32 secret.

    A bare secret gets the defaults: 6 digits, 30 seconds, SHA1.

    Args:
        value: the stored text.

    Returns:
        The parsed spec.

    Raises:
        TotpError: the value is neither (the message never quotes it).
    """
    if not isinstance(value, str):
        raise TotpError("the TOTP value must be text")
    if value.strip().lower().startswith("otpauth:"):
        return parse_uri(value)
    return TotpSpec(secret=decode_base32(value))


def parse_keepassxc(seed: str, settings: str | None = None) -> TotpSpec:
    """Read KeePassXC's legacy ``TOTP Seed`` and ``TOTP Settings`` attributes.

    ``settings`` is ``"period;digits"`` (``"30;6"``; further fields are ignored, as
    KeePassXC does), or empty for the defaults. As in
    KeePassXC, the settings may instead hold an ``otpauth://`` URI or the KeeOtp form
    ``key=SEED&step=30&size=6&otpHashMode=SHA256``, and the seed itself may be a URI.

    Raises:
        TotpError: bad seed, malformed settings, or Steam (``"30;S"``) settings.
    """
    text = (settings or "").strip()
    if text.lower().startswith("otpauth:"):
        return parse_uri(text)
    if "key=" in text:
        query = {k.lower(): v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        return TotpSpec(
            secret=decode_base32(query.get("key", "")),
            digits=_int_param(query["size"], "digits") if query.get("size") else 6,
            period=_int_param(query["step"], "period") if query.get("step") else 30,
            algorithm=_algorithm(query["otphashmode"]) if query.get("otphashmode") else "SHA1",
        )
    base = parse(seed)
    if not text:
        return base
    fields = text.split(";")
    if len(fields) < 2:
        raise TotpError("TOTP settings must look like 'period;digits', e.g. '30;6'")
    if fields[1].strip().upper() == "S":
        raise TotpError("Steam Guard codes are not supported")
    return TotpSpec(
        secret=base.secret,
        digits=_int_param(fields[1], "digits"),
        period=_int_param(fields[0], "period"),
        algorithm=base.algorithm,
        issuer=base.issuer,
        account=base.account,
    )


def hotp(secret: bytes, counter: int, digits: int = DEFAULT_DIGITS, algorithm: str = "SHA1") -> str:
    """RFC 4226 HOTP: HMAC the 8-byte counter, dynamically truncate, keep ``digits``.

    Raises:
        TotpError: counter outside 0..2^64-1 or an unknown algorithm.
    """
    if algorithm not in ALGORITHMS:
        raise TotpError("the TOTP algorithm must be SHA1, SHA256 or SHA512")
    if not 0 <= counter < 2**64:
        raise TotpError("the HOTP counter is out of range")
    mac = hmac.new(secret, struct.pack(">Q", counter), ALGORITHMS[algorithm]).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def _now(at: float | None) -> float:
    moment = time.time() if at is None else at
    if not math.isfinite(moment) or moment < 0:
        raise TotpError("the time for a TOTP code must be a moment after 1970")
    return moment


def code(spec: TotpSpec, at: float | None = None) -> str:
    """The TOTP code of ``spec`` at Unix time ``at`` (default: now).

    Raises:
        TotpError: ``at`` is negative or not finite.
    """
    counter = int(_now(at) // spec.period)
    return hotp(spec.secret, counter, spec.digits, spec.algorithm)


def remaining(spec: TotpSpec, at: float | None = None) -> int:
    """Whole seconds, rounded up, until the code of ``spec`` changes (1 to ``period``).

    Raises:
        TotpError: ``at`` is negative or not finite.
    """
    left = spec.period - _now(at) % spec.period
    return max(1, math.ceil(left))
