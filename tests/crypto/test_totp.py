"""TOTP/HOTP: RFC 6238 and RFC 4226 known answers, and the ways seeds are written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import totp
from crypto.errors import CryptoError, TotpError
from crypto.totp import TotpSpec

SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}

# RFC 6238 appendix B: time, then the 8-digit code for SHA1, SHA256, SHA512.
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]
RFC6238_CASES = [
    pytest.param(at, algorithm, codes[i], id=f"{algorithm}-{at}")
    for at, *codes in RFC6238
    for i, algorithm in enumerate(("SHA1", "SHA256", "SHA512"))
]


@pytest.mark.parametrize(("at", "algorithm", "expected"), RFC6238_CASES)
def test_rfc6238_vectors(at: int, algorithm: str, expected: str) -> None:
    spec = TotpSpec(secret=SEEDS[algorithm], digits=8, algorithm=algorithm)
    assert totp.code(spec, at) == expected
    assert totp.code(spec, at - at % 30) == expected  # same code from the window's start


# RFC 4226 appendix D: counters 0-9 with the SHA1 seed, 6 digits.
RFC4226 = [
    "755224",
    "287082",
    "359152",
    "969429",
    "338314",
    "254676",
    "287922",
    "162583",
    "399871",
    "520489",
]


@pytest.mark.parametrize(("counter", "expected"), list(enumerate(RFC4226)))
def test_rfc4226_hotp_vectors(counter: int, expected: str) -> None:
    assert totp.hotp(SEEDS["SHA1"], counter) == expected


def test_code_defaults_to_now_and_six_digits() -> None:
    code = totp.code(TotpSpec(secret=SEEDS["SHA1"]))
    assert len(code) == 6 and code.isdigit()


def test_code_changes_at_period_boundary() -> None:
    spec = TotpSpec(secret=SEEDS["SHA1"], period=60)
    assert totp.code(spec, 60) == totp.code(spec, 119.9)
    assert totp.code(spec, 60) == totp.hotp(SEEDS["SHA1"], 1)
    assert totp.code(spec, 120) == totp.hotp(SEEDS["SHA1"], 2)


def test_ten_digit_codes_are_zero_padded() -> None:
    code = totp.hotp(SEEDS["SHA1"], 0, digits=10)
    assert len(code) == 10 and code.endswith("755224")


@pytest.mark.parametrize(
    ("at", "left"), [(0, 30), (1.5, 29), (29, 1), (29.2, 1), (59, 1), (59.5, 1), (60, 30)]
)
def test_remaining(at: float, left: int) -> None:
    assert totp.remaining(TotpSpec(secret=SEEDS["SHA1"]), at) == left


def test_remaining_now_is_in_range() -> None:
    assert 1 <= totp.remaining(TotpSpec(secret=SEEDS["SHA1"], period=45)) <= 45


@pytest.mark.parametrize("at", [-1, float("nan"), float("inf")])
def test_bad_times_rejected(at: float) -> None:
    spec = TotpSpec(secret=SEEDS["SHA1"])
    with pytest.raises(TotpError):
        totp.code(spec, at)
    with pytest.raises(TotpError):
        totp.remaining(spec, at)


# Parsing.

GOOGLE_EXAMPLE = "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"
GOOGLE_SECRET = b"Hello!\xde\xad\xbe\xef"


def test_parse_google_key_uri_example() -> None:
    spec = totp.parse(GOOGLE_EXAMPLE)
    assert spec == TotpSpec(secret=GOOGLE_SECRET, issuer="Example", account="alice@google.com")
    assert (spec.digits, spec.period, spec.algorithm) == (6, 30, "SHA1")


def test_parse_uri_with_all_parameters() -> None:
    spec = totp.parse(
        "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        "&issuer=ACME%20Co&algorithm=sha256&digits=8&period=60"
    )
    assert spec.secret == b"12345678901234567890"
    assert (spec.digits, spec.period, spec.algorithm) == (8, 60, "SHA256")
    assert (spec.issuer, spec.account) == ("ACME Co", "john.doe@email.com")


def test_parse_uri_label_variants() -> None:
    encoded_colon = totp.parse("otpauth://totp/Big%20Corp%3Abob?secret=JBSWY3DPEHPK3PXP")
    assert (encoded_colon.issuer, encoded_colon.account) == ("Big Corp", "bob")
    plain = totp.parse("otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP")
    assert (plain.issuer, plain.account) == (None, "bob")
    param_wins = totp.parse("otpauth://totp/Old:bob?secret=JBSWY3DPEHPK3PXP&issuer=New")
    assert (param_wins.issuer, param_wins.account) == ("New", "bob")
    spaced = totp.parse("otpauth://totp/Example:%20alice?secret=JBSWY3DPEHPK3PXP")
    assert spaced.account == "alice"
    upper = totp.parse("OTPAUTH://TOTP/x?SECRET=jbswy3dpehpk3pxp&Algorithm=SHA512")
    assert upper.secret == GOOGLE_SECRET and upper.algorithm == "SHA512"


def test_to_uri() -> None:
    spec = TotpSpec(
        secret=GOOGLE_SECRET,
        digits=8,
        period=60,
        algorithm="SHA512",
        issuer="A&B Ltd",
        account="me",
    )
    assert spec.to_uri() == (
        "otpauth://totp/A%26B%20Ltd:me?secret=JBSWY3DPEHPK3PXP&issuer=A%26B%20Ltd"
        "&algorithm=SHA512&digits=8&period=60"
    )
    assert totp.parse(spec.to_uri()) == spec


LABEL_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters=":"
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(
    secret=st.binary(min_size=1, max_size=64),
    digits=st.integers(totp.MIN_DIGITS, totp.MAX_DIGITS),
    period=st.integers(totp.MIN_PERIOD, totp.MAX_PERIOD),
    algorithm=st.sampled_from(sorted(totp.ALGORITHMS)),
    issuer=st.none() | LABEL_TEXT,
    account=st.none() | LABEL_TEXT,
)
def test_uri_round_trip(
    secret: bytes, digits: int, period: int, algorithm: str, issuer: str | None, account: str | None
) -> None:
    spec = TotpSpec(secret, digits, period, algorithm, issuer, account)
    assert totp.parse(spec.to_uri()) == spec


@pytest.mark.parametrize(
    "seed",
    [
        "JBSWY3DPEHPK3PXP",
        "jbswy3dpehpk3pxp",
        "JBSW Y3DP EHPK 3PXP",
        "jbsw y3dp ehpk 3pxp",
        "  JBSWY3DPEHPK3PXP\n",
        "JBSW-Y3DP-EHPK-3PXP",
        "JBSWY3DPEHPK3PXP====",
        "JBSW\tY3DP EHPK\t3PXP",
    ],
)
def test_bare_base32(seed: str) -> None:
    spec = totp.parse(seed)
    assert spec == TotpSpec(secret=GOOGLE_SECRET)


@pytest.mark.parametrize(
    ("seed", "secret"), [("MZXW6", b"foo"), ("mzxw6ytb", b"fooba"), ("MZXW6YQ", b"foob")]
)
def test_missing_padding_is_fine(seed: str, secret: bytes) -> None:
    assert totp.parse(seed).secret == secret


def test_keepassxc_settings() -> None:
    seed = "JBSW Y3DP EHPK 3PXP"
    assert totp.parse_keepassxc(seed, "30;6") == TotpSpec(secret=GOOGLE_SECRET)
    assert totp.parse_keepassxc(seed) == TotpSpec(secret=GOOGLE_SECRET)
    assert totp.parse_keepassxc(seed, "") == TotpSpec(secret=GOOGLE_SECRET)
    custom = totp.parse_keepassxc(seed, "60;8")
    assert (custom.period, custom.digits, custom.algorithm) == (60, 8, "SHA1")
    assert totp.parse_keepassxc(seed, " 45 ; 7 ").period == 45


def test_keepassxc_settings_holding_a_uri_or_keeotp() -> None:
    from_uri = totp.parse_keepassxc("", GOOGLE_EXAMPLE)
    assert from_uri.issuer == "Example" and from_uri.secret == GOOGLE_SECRET
    keeotp = totp.parse_keepassxc("", "key=JBSWY3DPEHPK3PXP&size=8&step=60&otpHashMode=Sha256")
    assert keeotp == TotpSpec(secret=GOOGLE_SECRET, digits=8, period=60, algorithm="SHA256")
    seed_is_uri = totp.parse_keepassxc(GOOGLE_EXAMPLE, "30;8")
    assert seed_is_uri.digits == 8 and seed_is_uri.account == "alice@google.com"


def test_keepassxc_rfc6238_vector() -> None:
    # KeePassXC stores the RFC seed "12345678901234567890" as base32.
    spec = totp.parse_keepassxc("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "30;8")
    assert totp.code(spec, 1111111109) == "07081804"


SECRET_TEXT = "JBSWY3DPEHPK3PXP"

BAD_INPUTS = [
    pytest.param(lambda: totp.parse(""), "empty", id="empty"),
    pytest.param(lambda: totp.parse("   "), "empty", id="blank"),
    pytest.param(lambda: totp.parse("JBSWY3DPEHPK3PX1"), "base32", id="digit-1"),
    pytest.param(lambda: totp.parse("JBSWY3DPEHPK3PX*"), "base32", id="star"),
    pytest.param(lambda: totp.parse("JBSWY3DPEHPK3PXPA"), "length", id="bad-length"),
    pytest.param(
        lambda: totp.parse("https://example.com/?secret=" + SECRET_TEXT), "base32", id="http"
    ),
    pytest.param(
        lambda: totp.parse("otpauth://hotp/x?secret=" + SECRET_TEXT + "&counter=1"),
        "HOTP",
        id="hotp",
    ),
    pytest.param(lambda: totp.parse("otpauth://totp/x?issuer=y"), "no secret", id="no-secret"),
    pytest.param(lambda: totp.parse("otpauth://totp/x?secret="), "no secret", id="blank-secret"),
    pytest.param(
        lambda: totp.parse("otpauth://totp/x?secret=" + SECRET_TEXT + "&digits=abc"),
        "digits",
        id="digits-text",
    ),
    pytest.param(
        lambda: totp.parse("otpauth://totp/x?secret=" + SECRET_TEXT + "&digits=5"),
        "digits",
        id="digits-5",
    ),
    pytest.param(
        lambda: totp.parse("otpauth://totp/x?secret=" + SECRET_TEXT + "&digits=11"),
        "digits",
        id="digits-11",
    ),
    pytest.param(
        lambda: totp.parse("otpauth://totp/x?secret=" + SECRET_TEXT + "&period=0"),
        "period",
        id="period-0",
    ),
    pytest.param(
        lambda: totp.parse("otpauth://totp/x?secret=" + SECRET_TEXT + "&period=-30"),
        "period",
        id="period-negative",
    ),
    pytest.param(
        lambda: totp.parse("otpauth://totp/x?secret=" + SECRET_TEXT + "&algorithm=MD5"),
        "algorithm",
        id="md5",
    ),
    pytest.param(
        lambda: totp.parse("otpauth://totp/x?secret=" + SECRET_TEXT + "&encoder=steam"),
        "Steam",
        id="steam-uri",
    ),
    pytest.param(
        lambda: totp.parse("otpauth://totp/x?secret=" + SECRET_TEXT + "!"),
        "base32",
        id="uri-bad-b32",
    ),
    pytest.param(lambda: totp.parse_keepassxc(SECRET_TEXT, "30;S"), "Steam", id="keepassxc-steam"),
    pytest.param(
        lambda: totp.parse_keepassxc(SECRET_TEXT, "30"), "period;digits", id="keepassxc-one-field"
    ),
    pytest.param(lambda: totp.parse_keepassxc(SECRET_TEXT, "x;6"), "period", id="keepassxc-text"),
    pytest.param(
        lambda: totp.parse_keepassxc(SECRET_TEXT + "1", "30;6"), "base32", id="keepassxc-bad-seed"
    ),
    pytest.param(lambda: TotpSpec(secret=b""), "empty", id="spec-empty-secret"),
    pytest.param(
        lambda: TotpSpec(secret=b"x", algorithm="sha1"), "algorithm", id="spec-lowercase-alg"
    ),
    pytest.param(lambda: TotpSpec(secret=b"x", digits=True), "digits", id="spec-bool-digits"),
]


@pytest.mark.parametrize(("call", "fragment"), BAD_INPUTS)
def test_bad_input_raises_totp_error_without_the_seed(call: object, fragment: str) -> None:
    with pytest.raises(TotpError) as info:
        call()  # type: ignore[operator]
    message = str(info.value)
    assert fragment in message
    for start in range(len(SECRET_TEXT) - 5):
        assert SECRET_TEXT[start : start + 6].lower() not in message.lower()


def test_totp_error_is_a_crypto_error() -> None:
    assert issubclass(TotpError, CryptoError)


def test_repr_hides_the_secret() -> None:
    spec = totp.parse(GOOGLE_EXAMPLE)
    assert "Hello" not in repr(spec)
    assert "secret" not in repr(spec)
    assert "Example" in repr(spec)
