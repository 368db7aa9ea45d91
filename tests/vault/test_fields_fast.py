"""The fast paths of field normalisation give exactly the answers of the full checks.

:func:`vault.fields.normalise` remembers accepted values inside
:func:`vault.fields.remembering` (imports), and accepts the common URL shape
without ``urlsplit``. Both must be invisible: same value stored, same values
refused with the same message.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.vault.test_fields import CANDIDATES
from vault import fields
from vault.fields import FieldKind, normalise, remembering

_SCHEMES = st.sampled_from(["https", "http", "ftp", "ssh", "file", "HTTPS", "rdp", "a+b.c-d", "1x"])
_LABELS = st.sampled_from(
    [
        "srv-1",
        "portal",
        "example",
        "com",
        "-bad",
        "bad-",
        "x" * 63,
        "y" * 64,
        "10",
        "256",
        "a_b",
        "1-2",
        "ex--ample",
        "A",
    ]
)
_HOSTS = st.lists(_LABELS, min_size=1, max_size=4).map(".".join) | st.sampled_from(
    ["10.0.4.12", "10.0.0.256", "[::1]", "[fe80::1", "", "host.", "bücher.example"]
)
_PORTS = st.sampled_from(["", ":", ":0", ":443", ":8443", ":65535", ":65536", ":99999", ":x"])
_TAILS = st.sampled_from(
    ["", "/", "/login", "/a b", "/a\u00a0b", "/a\\b", "?q=1", "#top", "/p?x=[1]", "@x", " "]
)


def _outcome(function: object, text: str) -> tuple[str, str]:
    try:
        return ("ok", function(text))  # type: ignore[operator]
    except ValueError as error:
        return ("refused", str(error))


@settings(max_examples=600, deadline=None)
@given(_SCHEMES, _HOSTS, _PORTS, _TAILS, st.sampled_from(["", " ", "\t"]))
def test_url_fast_path_agrees_with_full_check(
    scheme: str, host: str, port: str, tail: str, pad: str
) -> None:
    text = f"{pad}{scheme}://{host}{port}{tail}{pad}"
    assert _outcome(fields._url, text) == _outcome(fields._checked_url, text.strip())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="htps:/.-[]@?#%0123456789abcé \\", max_size=40))
def test_url_fast_path_agrees_on_arbitrary_text(text: str) -> None:
    assert _outcome(fields._url, text) == _outcome(fields._checked_url, text.strip())


def test_url_fast_path_is_taken_for_the_common_shape() -> None:
    assert fields._PLAIN_URL.fullmatch("https://srv-1.client3.example:8443/login?x=1")
    assert normalise(FieldKind.URL, " https://srv-1.client3.example:8443/login ") == (
        "https://srv-1.client3.example:8443/login"
    )
    with pytest.raises(ValueError, match="not a valid URL"):
        normalise(FieldKind.URL, "https://srv-.example/")


@pytest.mark.parametrize("kind", list(FieldKind))
def test_remembering_gives_the_same_answers(kind: FieldKind) -> None:
    choices = ("server", "laptop", "printer")

    @settings(max_examples=60, deadline=None)
    @given(st.lists(CANDIDATES[kind], min_size=1, max_size=4))
    def check(values: list[str]) -> None:
        plain = [_outcome(lambda v: normalise(kind, v, choices=choices), v) for v in values]
        with remembering():
            twice = [
                [_outcome(lambda v: normalise(kind, v, choices=choices), v) for v in values]
                for _ in range(2)
            ]
            again = [
                _outcome(lambda v: normalise(kind, v, choices=choices), result)
                for status, result in plain
                if status == "ok"
            ]
        assert twice == [plain, plain]
        assert again == [(s, r) for s, r in plain if s == "ok"]

    check()


def test_remembering_keeps_values_only_inside_the_block() -> None:
    assert fields._REMEMBERED.get() is None
    with remembering():
        assert normalise(FieldKind.TEXT, "  a note  ") == "a note"
        memory = fields._REMEMBERED.get()
        assert memory is not None
        assert memory[(FieldKind.TEXT, "a note", ())] == "a note"
        with pytest.raises(ValueError):
            normalise(FieldKind.DATE, "next spring")
        assert all(value != "next spring" for _kind, value, _c in memory)
        with remembering():  # nested: the same memory
            assert fields._REMEMBERED.get() is memory
        assert fields._REMEMBERED.get() is memory
    assert fields._REMEMBERED.get() is None
