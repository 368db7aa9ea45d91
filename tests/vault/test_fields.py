"""Field kinds: every kind accepts what a technician types and rejects the rest."""

from __future__ import annotations

import base64

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from crypto import totp
from vault.fields import (
    MAX_LENGTH,
    SECRET_KINDS,
    FieldDef,
    FieldKind,
    custom_field_name_problem,
    field_name_problem,
    normalise,
    split_tags,
)

K = FieldKind


def rejected(kind: FieldKind, value: str, **kwargs: tuple[str, ...]) -> str:
    with pytest.raises(ValueError) as info:
        normalise(kind, value, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- basics


def test_kinds_and_secret_kinds() -> None:
    assert [k.value for k in FieldKind] == [
        "text",
        "markdown",
        "secret",
        "totp",
        "url",
        "email",
        "phone",
        "ip",
        "date",
        "number",
        "choice",
        "reference",
        "tags",
    ]
    assert {FieldKind.SECRET, FieldKind.TOTP} == SECRET_KINDS
    assert FieldKind("ip") is FieldKind.IP


@pytest.mark.parametrize("kind", list(FieldKind))
def test_empty_is_always_unset(kind: FieldKind) -> None:
    assert normalise(kind, "") == ""


@pytest.mark.parametrize("kind", [k for k in FieldKind if k is not FieldKind.SECRET])
def test_blank_is_unset_except_for_secrets(kind: FieldKind) -> None:
    assert normalise(kind, "  \t ") == ""


def test_non_text_is_rejected() -> None:
    assert rejected(K.TEXT, 5) == "must be text"  # type: ignore[arg-type]


def test_tab_is_whitespace_in_single_line_kinds() -> None:
    assert normalise(K.DATE, "\t2026-01-01\t") == "2026-01-01"
    assert normalise(K.PHONE, "+1\t555 0100") == "+1 555 0100"


@pytest.mark.parametrize("kind", list(FieldKind))
def test_length_cap(kind: FieldKind) -> None:
    assert "too long" in rejected(kind, "1" * (MAX_LENGTH[kind] + 1), choices=("a",))


def test_single_line_kinds_reject_control_characters() -> None:
    for kind in (K.URL, K.EMAIL, K.PHONE, K.IP, K.DATE, K.NUMBER, K.REFERENCE, K.TAGS, K.TOTP):
        assert "single line" in rejected(kind, "a\nb"), kind
    assert "single line" in rejected(K.CHOICE, "a\x00", choices=("a",))


def test_multi_line_kinds_keep_lines_and_reject_other_controls() -> None:
    assert normalise(K.TEXT, "  one\r\ntwo\rthree  ") == "one\ntwo\nthree"
    assert normalise(K.MARKDOWN, "\n\n    indented code\n\n") == "    indented code"
    assert normalise(K.MARKDOWN, "# Title\r\n\r\n1. step\t one\n") == "# Title\n\n1. step\t one"
    assert "control characters" in rejected(K.TEXT, "bell\x07")
    assert "control characters" in rejected(K.MARKDOWN, "nul\x00")
    assert "control characters" in rejected(K.SECRET, "esc\x1b[0m")


def test_secret_is_stored_exactly() -> None:
    for value in (" leading space", "trailing space ", "-----BEGIN KEY-----\nabc\n", "   "):
        assert normalise(K.SECRET, value) == value


# --------------------------------------------------------------------------- ip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.4.10", "10.0.4.10"),
        (" 192.168.1.1 ", "192.168.1.1"),
        ("10.0.4.0/24", "10.0.4.0/24"),
        ("10.0.4.10/24", "10.0.4.10/24"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("10.0.4.10,10.0.4.11", "10.0.4.10, 10.0.4.11"),
        ("10.0.4.10 10.0.4.0/24\t2001:db8::1", "10.0.4.10, 10.0.4.0/24, 2001:db8::1"),
        ("10.0.4.10  ,10.0.4.11", "10.0.4.10, 10.0.4.11"),
        ("10.0.4.10, , 10.0.4.11,", "10.0.4.10, 10.0.4.11"),
    ],
)
def test_ip_accepts(value: str, expected: str) -> None:
    assert normalise(K.IP, value) == expected


@pytest.mark.parametrize(
    "value",
    ["10.0.4", "10.0.4.256", "010.0.0.1", "10.0.4.0/33", "2001:db8::g", "srv-dc01", "10.0.4.1-20"],
)
def test_ip_rejects(value: str) -> None:
    assert rejected(K.IP, value).startswith("is not a valid IP address or network")


def test_ip_list_names_the_bad_item() -> None:
    assert rejected(K.IP, "10.0.0.1, 10.0.0.2, 300.0.0.1").startswith("item 3 is not")


# --------------------------------------------------------------------------- date


@pytest.mark.parametrize("value", ["2026-01-01", "2024-02-29", " 2027-12-31 "])
def test_date_accepts(value: str) -> None:
    assert normalise(K.DATE, value) == value.strip()


@pytest.mark.parametrize("value", ["2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10"])
def test_date_rejects_impossible_days(value: str) -> None:
    assert rejected(K.DATE, value) == "is not a real date (check day and month)"


@pytest.mark.parametrize(
    "value", ["2026-1-1", "01.02.2026", "2026/01/01", "20260101", "2026-01-01T10:00", "soon"]
)
def test_date_rejects_other_formats(value: str) -> None:
    assert rejected(K.DATE, value) == "is not a valid date (use YYYY-MM-DD)"


# --------------------------------------------------------------------------- email


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("anna.berg@contosodental.com", "anna.berg@contosodental.com"),
        ("Anna.Berg@ContosoDental.COM", "Anna.Berg@contosodental.com"),
        ("it+alerts@mail.fabrikam.co.uk", "it+alerts@mail.fabrikam.co.uk"),
        ("o'brien@example.org", "o'brien@example.org"),
    ],
)
def test_email_accepts(value: str, expected: str) -> None:
    assert normalise(K.EMAIL, value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "anna",
        "anna@",
        "@contoso.com",
        "anna@localhost",
        "anna..berg@contoso.com",
        ".anna@contoso.com",
        "anna berg@contoso.com",
        "anna@contoso..com",
        "anna@-contoso.com",
        "anna@contoso.com.",
    ],
)
def test_email_rejects(value: str) -> None:
    assert rejected(K.EMAIL, value).startswith("is not a valid email address")


# --------------------------------------------------------------------------- url


@pytest.mark.parametrize(
    "value",
    [
        "https://portal.contoso.com",
        "https://portal.contoso.com:8443/admin?tab=users#top",
        "http://10.0.4.1",
        "ftp://files.fabrikam.com/pub",
        "ssh://admin@10.0.1.1:22",
        "rdp://srv-fs01",
        "smb://srv-fs01/share",
        "https://[2001:db8::1]:4443/",
        "file:///C:/Scans/readme.txt",
        "portal.contoso.com",
        "portal.contoso.com/login",
        "10.0.1.1:4443",
        "\\\\srv-fs01\\Scans",
    ],
)
def test_url_accepts_and_keeps_as_typed(value: str) -> None:
    assert normalise(K.URL, f"  {value} ") == value


@pytest.mark.parametrize(
    "value",
    [
        "TBD",
        "n/a",
        "https://",
        "https://portal .contoso.com",
        "portal.contoso.com/some path",
        "https://portal.contoso.com:99999",
        "http://10.0.0.256",
        "ht tp://x.com",
        "://x.com",
        "https://-bad-.contoso.com",
        "\\\\",
    ],
)
def test_url_rejects(value: str) -> None:
    assert rejected(K.URL, value) in {
        "is not a valid URL (e.g. https://portal.example.com or portal.example.com)",
        "is not a valid URL (it contains a space; write it as %20)",
        "is not a valid UNC path (e.g. \\\\server\\share)",
    }


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+1 (425) 555-0100", "+1 (425) 555-0100"),
        ("+44 20  7946 0958", "+44 20 7946 0958"),
        ("0201234567", "0201234567"),
        ("+1 425 555 0100 ext 12", "+1 425 555 0100 ext 12"),
        ("555-0100 x7", "555-0100 x7"),
        ("030/123.456", "030/123.456"),
    ],
)
def test_phone_accepts(value: str, expected: str) -> None:
    assert normalise(K.PHONE, value) == expected


@pytest.mark.parametrize("value", ["call reception", "12", "++1 555 0100", "555-0100 ext", "1+2"])
def test_phone_rejects(value: str) -> None:
    assert rejected(K.PHONE, value).startswith("is not a valid phone number")


# --------------------------------------------------------------------------- number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", "42"),
        ("007", "7"),
        ("+15", "15"),
        ("-3", "-3"),
        ("1.50", "1.5"),
        ("1.", "1"),
        (".5", "0.5"),
        ("-0.0", "0"),
        ("0", "0"),
        ("123456789012345678901234567890.25", "123456789012345678901234567890.25"),
    ],
)
def test_number_accepts(value: str, expected: str) -> None:
    assert normalise(K.NUMBER, value) == expected


@pytest.mark.parametrize("value", ["1e5", "one", "1 000", ".", "-", "0x10", "1.2.3", "NaN", "inf"])
def test_number_rejects(value: str) -> None:
    assert rejected(K.NUMBER, value) == "is not a valid number"


def test_number_comma_hint() -> None:
    assert rejected(K.NUMBER, "1,5") == "is not a valid number (use a dot as the decimal separator)"
    assert rejected(K.NUMBER, "1" * 103) == "has too many digits (at most 100)"


# --------------------------------------------------------------------------- choice


def test_choice_accepts_a_choice_in_any_case() -> None:
    choices = ("open", "accepted", "resolved")
    assert normalise(K.CHOICE, "accepted", choices=choices) == "accepted"
    assert normalise(K.CHOICE, " Resolved ", choices=choices) == "resolved"


def test_choice_rejects_others_and_lists_the_choices() -> None:
    assert rejected(K.CHOICE, "maybe", choices=("yes", "no")) == "must be one of: yes, no"
    assert rejected(K.CHOICE, "yes") == "has no choices defined"


# --------------------------------------------------------------------------- reference


def test_reference() -> None:
    record_id = "0123456789abcdef0123456789abcdef"
    assert normalise(K.REFERENCE, record_id) == record_id
    assert normalise(K.REFERENCE, record_id.upper()) == record_id
    assert normalise(K.REFERENCE, "01234567-89ab-cdef-0123-456789abcdef") == record_id
    for bad in (record_id[:-1], record_id + "0", "g" * 32, "srv-dc01"):
        assert rejected(K.REFERENCE, bad).startswith("is not a valid record id")


# --------------------------------------------------------------------------- tags


def test_tags_are_stripped_deduplicated_and_keep_order() -> None:
    assert normalise(K.TAGS, " firewall, backup ,Firewall,, off  site ,backup") == (
        "firewall, backup, off site"
    )
    assert split_tags("b, a, B") == ["b", "a"]
    assert split_tags("") == []
    assert "longer than 64" in rejected(K.TAGS, "x" * 65)


# --------------------------------------------------------------------------- totp

SEED = "JBSWY3DPEHPK3PXP"
_seed = st.binary(min_size=10, max_size=40).map(lambda b: base64.b32encode(b).decode())


@pytest.mark.parametrize(
    "value",
    [
        SEED,
        "jbsw y3dp ehpk 3pxp",
        "otpauth://totp/Contoso:admin@contoso.com?secret=JBSWY3DPEHPK3PXP&issuer=Contoso",
    ],
)
def test_totp_accepts_and_stores_as_typed(value: str) -> None:
    assert normalise(K.TOTP, f" {value} ") == value


@pytest.mark.parametrize(
    "value",
    [
        "not a seed!",
        "JBSWY3DP1",  # 1 is not base32
        "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1",
        "otpauth://totp/x?issuer=none",
        "https://example.com/?secret=JBSWY3DPEHPK3PXP",
    ],
)
def test_totp_rejects_without_echo(value: str) -> None:
    message = rejected(K.TOTP, value)
    assert message.startswith("is not a valid TOTP seed")
    assert value not in message


TOTP_MESSAGE = "is not a valid TOTP seed (expected a base32 seed or an otpauth:// URI)"
FIXED_MESSAGES = {
    TOTP_MESSAGE,
    "must be a single line without control characters",
    "contains control characters",
}


@given(st.one_of(st.text(min_size=4, max_size=80), _seed.map(lambda s: s[:-1] + "1")))
def test_totp_errors_never_contain_the_value(value: str) -> None:
    try:
        normalise(K.TOTP, value)
    except ValueError as error:
        # Every rejection is one of a few fixed sentences, so nothing typed can leak...
        assert str(error) in FIXED_MESSAGES
        # ...unless the value happens to be a piece of that sentence ("seed").
        if not any(value in message for message in FIXED_MESSAGES):
            assert value not in str(error)


@given(st.text(min_size=4, max_size=80))
def test_secret_errors_never_contain_the_value(value: str) -> None:
    try:
        normalise(K.SECRET, value)
    except ValueError as error:
        assert str(error) in FIXED_MESSAGES
        if not any(value in message for message in FIXED_MESSAGES):
            assert value not in str(error)


# --------------------------------------------------------------------------- idempotence

_ip4 = st.ip_addresses(v=4).map(str)
_ip6 = st.ip_addresses(v=6).map(str)
_cidr = st.builds(
    lambda address, prefix: f"{address}/{prefix}", st.ip_addresses(v=4), st.integers(0, 32)
)
_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_tld = st.from_regex(r"[a-z]{2,6}", fullmatch=True)
_host = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(_label, max_size=3), _tld)
_domain = st.builds(
    lambda labels, tld: ".".join([*labels, tld]), st.lists(_label, min_size=1, max_size=3), _tld
)
_date = st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}")

CANDIDATES: dict[FieldKind, st.SearchStrategy[str]] = {
    K.TEXT: st.text(),
    K.MARKDOWN: st.text(),
    K.SECRET: st.text(),
    K.TOTP: st.one_of(_seed, _seed.map(str.lower), st.text()),
    K.URL: st.one_of(
        _host,
        _host.map(lambda h: f"https://{h}/path"),
        st.builds(lambda h, p: f"{h}:{p}", _host, st.integers(1, 65535)),
        st.text(),
    ),
    K.EMAIL: st.one_of(
        st.builds(lambda local, host: f"{local}@{host}", _label, _domain), st.emails(), st.text()
    ),
    K.PHONE: st.one_of(st.from_regex(r"\+?[0-9][0-9 ()-]{2,20}", fullmatch=True), st.text()),
    K.IP: st.one_of(
        st.lists(st.one_of(_ip4, _ip6, _cidr), min_size=1, max_size=5).map(", ".join),
        st.lists(st.one_of(_ip4, _cidr), min_size=1, max_size=5).map(" ".join),
        st.text(),
    ),
    K.DATE: st.one_of(_date, st.text()),
    K.NUMBER: st.one_of(
        st.integers().map(str),
        st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: f"{d:f}"),
        st.from_regex(r"[+-]?[0-9]{0,5}\.?[0-9]{0,5}", fullmatch=True),
    ),
    K.CHOICE: st.sampled_from(["Server", " laptop", "PRINTER", "laptop\t", "server "]),
    K.REFERENCE: st.one_of(st.from_regex(r"[0-9a-fA-F]{32}", fullmatch=True), st.text()),
    K.TAGS: st.one_of(st.lists(st.text(max_size=20)).map(",".join), st.text()),
}


@pytest.mark.parametrize("kind", list(FieldKind))
def test_normalise_is_idempotent(kind: FieldKind) -> None:
    choices = ("server", "laptop", "printer")

    @given(CANDIDATES[kind])
    def check(value: str) -> None:
        try:
            once = normalise(kind, value, choices=choices)
        except ValueError:
            assume(False)
            return
        assert normalise(kind, once, choices=choices) == once

    check()


@pytest.mark.parametrize("kind", [K.IP, K.DATE, K.EMAIL, K.NUMBER, K.REFERENCE])
def test_generated_good_values_are_accepted(kind: FieldKind) -> None:
    good = {
        K.IP: st.lists(st.one_of(_ip4, _ip6, _cidr), min_size=1, max_size=5).map(", ".join),
        K.DATE: _date,
        K.EMAIL: st.builds(lambda local, host: f"{local}@{host}", _label, _domain),
        K.NUMBER: st.integers().map(str),
        K.REFERENCE: st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    }[kind]

    @given(good)
    def check(value: str) -> None:
        assert normalise(kind, value)

    check()


@given(_seed)
def test_totp_accepts_every_base32_seed(seed: str) -> None:
    assert normalise(K.TOTP, seed) == seed
    assert totp.parse(seed).secret == base64.b32decode(seed)


# --------------------------------------------------------------------------- FieldDef


def test_field_def_round_trip_and_normalise() -> None:
    definition = FieldDef(
        "status", K.CHOICE, "Status", True, ("open", "resolved"), True, "Where it stands"
    )
    assert FieldDef.from_dict(definition.to_dict()) == definition
    assert definition.normalise("Open") == "open"
    assert not definition.secret
    assert FieldDef("password", K.SECRET, "Password").secret


def test_field_def_from_dict_defaults_and_errors() -> None:
    assert FieldDef.from_dict({"name": "serial_number", "kind": "text"}) == FieldDef(
        "serial_number", K.TEXT, "Serial number"
    )
    with pytest.raises(ValueError, match="unknown kind"):
        FieldDef.from_dict({"name": "x", "kind": "colour"})
    with pytest.raises(ValueError, match="no name"):
        FieldDef.from_dict({"kind": "text"})
    with pytest.raises(ValueError, match="true or false"):
        FieldDef.from_dict({"name": "x", "kind": "text", "required": "yes"})
    with pytest.raises(ValueError, match="choices"):
        FieldDef.from_dict({"name": "x", "kind": "choice", "choices": "a,b"})


def test_field_names() -> None:
    assert field_name_problem("ip_addresses") is None
    assert "snake_case" in (field_name_problem("IP Addresses") or "")
    assert "snake_case" in (field_name_problem("1st") or "")
    assert "reserved" in (field_name_problem("title") or "")
    assert "reserved" in (field_name_problem("tags") or "")
    assert "64" in (field_name_problem("a" * 65) or "")
    assert custom_field_name_problem("Admin portal (old)") is None
    assert "reserved" in (custom_field_name_problem("Title") or "")
    assert "empty" in (custom_field_name_problem("") or "")
    assert "space" in (custom_field_name_problem(" Rack") or "")
    assert "control" in (custom_field_name_problem("a\tb") or "")
