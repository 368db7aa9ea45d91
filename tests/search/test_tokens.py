"""Tokenisation of IT-shaped text: whole values and their natural parts."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.tokens import (
    FTS_TOKENIZER,
    MAX_PARTS,
    MAX_TOKEN,
    SEPARATOR,
    chunks,
    parts,
    phone_digits,
    prefix_chunks,
    stream,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(see `srv-dc01`).", ["see", "srv-dc01"]),
        ("Let's go. No errors.", ["let", "s", "go", "no", "errors"]),
        ("C:\\Windows\\System32", ["c:\\windows\\system32"]),
        ("\\\\srv-fs01\\scans", ["srv-fs01\\scans"]),
        ("**Tier:** Premium", ["tier", "premium"]),
        ("  ", []),
        ("🔥 (", []),
        ("Ünïcödé ﬁle", ["ünïcödé", "file"]),
    ],
)
def test_chunks(text: str, expected: list[str]) -> None:
    assert chunks(text) == expected


@pytest.mark.parametrize(
    ("chunk", "wanted"),
    [
        ("srv-dc01.contoso.local", {"srv-dc01", "dc01", "srv", "contoso.local", "contoso"}),
        ("https://10.142.40.40:4443/ui", {"10.142.40.40", "10.142.40", "4443", "ui"}),
        ("b0:7b:25:d7:b2:4c", {"b07b25d7b24c", "b0-7b-25-d7-b2-4c", "b07b.25d7.b24c"}),
        ("0x80070005", {"80070005"}),
        ("c:\\windows\\system32", {"c:\\windows", "windows", "system32"}),
        ("srv-fs01\\scans", {"srv-fs01", "fs01", "scans"}),
        ("anna.walsh@tailspin.com", {"anna.walsh", "anna", "walsh", "tailspin.com", "tailspin"}),
        ("10.0.0.0/16", {"10.0.0.0", "10.0.0", "10.0"}),
        ("fd12:3456::1", {"fd12:3456:0000:0000:0000:0000:0000:0001"}),
        ("t-2026-0412", {"2026", "0412", "2026-0412"}),
        ("wi-fi", {"wi", "fi", "wifi"}),
        ("10.0.19045.3693", {"10.0", "10.0.19045", "19045", "3693"}),
        ("contoso\\administrator", {"contoso", "administrator"}),
        ("srv-app-034", {"srv-app", "app-034", "034"}),
    ],
)
def test_parts(chunk: str, wanted: set[str]) -> None:
    found = set(parts(chunk))
    assert wanted <= found
    assert chunk not in found


def test_ipv4_octets_are_not_parts() -> None:
    """Octets such as '10' or '0' would match half the vault."""
    assert not {"10", "142", "40", "0"} & set(parts("10.142.40.40"))


def test_plain_words_have_no_parts() -> None:
    assert parts("server") == ()
    assert parts("23h2") == ()


def test_prefix_keeps_trailing_joiners() -> None:
    assert prefix_chunks("10.0.4.") == ["10.0.4."]
    assert prefix_chunks("srv-dc") == ["srv-dc"]
    assert prefix_chunks("...") == []


def test_phone_digits() -> None:
    assert phone_digits("+1 (425) 555-0155") == ["14255550155", "4255550155", "5550155"]
    assert phone_digits("12") == []


def test_stream_separates_values_and_parts() -> None:
    out = stream(["srv-dc01.contoso.local", "Windows Server"]).split(" ")
    assert out[:4] == ["srv-dc01.contoso.local", SEPARATOR, "windows", "server"]
    assert out[4] == SEPARATOR
    assert "dc01" in out[5:]


@given(st.text())
def test_chunks_never_raise_and_respect_limits(text: str) -> None:
    for chunk in chunks(text):
        assert chunk and len(chunk) <= MAX_TOKEN
        assert chunk != SEPARATOR
        assert len(parts(chunk)) <= MAX_PARTS


@given(st.lists(st.text(), max_size=4))
def test_fts5_keeps_every_streamed_token_whole(values: list[str]) -> None:
    """FTS5's tokenizer splits a stream exactly where Python did (documents meet queries)."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f'CREATE VIRTUAL TABLE t USING fts5(a, tokenize="{FTS_TOKENIZER}")')
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    text = stream(values)
    conn.execute("INSERT INTO t (a) VALUES (?)", (text,))
    found = [row[0] for row in conn.execute("SELECT term FROM v ORDER BY offset")]
    expected = text.split(" ") if text else []
    assert len(found) == len(expected)
