"""The query language: every string parses, operators and filters read as documented."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.dates import date_range
from search.plan import Context, plan
from search.query import MAX_TERMS, AllOf, AnyOf, Term, parse

TYPES = {"credential": ("Credential", "Credentials"), "contact": ("Contact", "Contacts")}
CONTEXT = Context({"a" * 32: "Contoso Dental", "b" * 32: "Fabrikam"}, TYPES)

EXAMPLES = [
    "",
    "srv-dc01",
    '"restore the file server"',
    "srv-dc*",
    "10.0.4.*",
    "type:credential",
    "client:contoso",
    "tag:firewall",
    "updated:>2026-01-01",
    "updated:<2026-01-01",
    "updated:=2026-01-01",
    "updated:2026-01..2026-03",
    "-legacy",
    "NOT legacy",
    "fw01 OR fw02",
    "C:\\Windows",
    "AND",
    "OR",
    "NOT",
    '"',
    "(",
    ")",
    "-",
    "*",
    "🔥🔥",
    'client:"contoso dental" "a',
    "a OR OR b",
    "((a) OR -(b c)) -",
    "type: tag: client:",
    "updated:>tomorrow",
    "x" * 10_000,
    "ERROR 0x80070005 at 10:42:01.123 " * 300,
]


@pytest.mark.parametrize("text", EXAMPLES, ids=range(len(EXAMPLES)))
def test_examples_parse_and_plan(text: str) -> None:
    query = parse(text)
    planned = plan(query, CONTEXT)
    expr = planned.match()
    assert expr is None or isinstance(expr, str)


@given(st.text())
def test_any_text_parses(text: str) -> None:
    query = parse(text)
    plan(query, CONTEXT)
    assert len(query.terms()) <= MAX_TERMS


def test_words_phrases_prefixes() -> None:
    query = parse('srv-dc* "Restore the  file" 10.0.4.* *0070')
    terms = query.terms()
    assert terms[0] == Term(("srv-dc",), prefix=True, text="srv-dc*")
    assert terms[1].tokens == ("restore", "the", "file") and terms[1].quoted
    assert terms[2].tokens == ("10.0.4.",) and terms[2].prefix
    assert terms[3].tokens == ("0070",) and terms[3].substring


def test_or_binds_tighter_than_and() -> None:
    query = parse("fw01 OR fw02 vpn")
    first, second = query.root.include
    assert isinstance(first, AnyOf) and len(first.options) == 2
    assert isinstance(second, Term) and second.tokens == ("vpn",)


def test_negation_forms() -> None:
    for text in ("fw01 -legacy", "fw01 NOT legacy", 'fw01 -"legacy"'):
        query = parse(text)
        assert [t.tokens for t in query.root.include] == [("fw01",)]
        assert [t.tokens for t in query.root.exclude] == [("legacy",)]


def test_operators_in_the_wrong_place_are_words() -> None:
    assert [t.tokens for t in parse("AND").terms()] == [("and",)]
    assert [t.tokens for t in parse("NOT").terms()] == [("not",)]
    assert [t.tokens for t in parse("a OR").terms()] == [("a",), ("or",)]
    assert [t.tokens for t in parse("a or b").terms()] == [("a",), ("or",), ("b",)]


def test_groups_and_unbalanced_parentheses() -> None:
    query = parse("(a OR b) -(c d) ) (e")
    assert isinstance(query.root.include[0], AnyOf)
    assert isinstance(query.root.exclude[0], AllOf)
    assert [t.tokens for t in query.positive_terms()] == [("a",), ("b",), ("e",)]


def test_filters_are_hoisted_and_quoted_values_work() -> None:
    query = parse('(x OR type:credential) client:"contoso dental" -tag:legacy tag:fire*')
    names = [(f.name, f.value, f.negated, f.prefix) for f in query.filters]
    assert names == [
        ("type", "credential", False, False),
        ("client", "contoso dental", False, False),
        ("tag", "legacy", True, False),
        ("tag", "fire", False, True),
    ]


def test_unknown_filter_names_are_text() -> None:
    assert [t.tokens for t in parse("foo:bar").terms()] == [("foo:bar",)]
    assert [t.tokens for t in parse("C:\\Windows").terms()] == [("c:\\windows",)]


def test_long_queries_are_cut_with_a_note() -> None:
    query = parse(" ".join(f"w{i}" for i in range(100)))
    assert len(query.terms()) == MAX_TERMS
    assert any("first 32 words" in note for note in query.notes)


def test_plan_quotes_every_user_token() -> None:
    planned = plan(parse('C:\\Windows "a b" OR x" AND -(y)'), CONTEXT)
    expr = planned.match()
    assert expr is not None
    assert '"c:\\windows"' in expr and '"a b"' in expr


def test_plan_resolves_types_and_clients() -> None:
    planned = plan(parse("x type:cred client:contoso"), CONTEXT)
    assert planned.notes == []
    planned = plan(parse("x type:Credentials client:fab"), CONTEXT)
    expr = planned.match()
    assert expr is not None and '"=t=credential"' in expr and ("=s=" + "b" * 32) in expr
    planned = plan(parse("x type:nothing client:nobody"), CONTEXT)
    assert planned.nothing
    assert any("no record type" in n for n in planned.notes)
    assert any("no client" in n for n in planned.notes)


TODAY = datetime.date(2026, 3, 15)


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        (">2026-01-01", "2026-01-02", None),
        (">=2026-01-01", "2026-01-01", None),
        ("<2026-01-01", None, "2026-01-01"),
        ("<=2026-01", None, "2026-02-01"),
        ("=2026-01-01", "2026-01-01", "2026-01-02"),
        ("2026", "2026-01-01", "2027-01-01"),
        ("2025-12", "2025-12-01", "2026-01-01"),
        ("2026-01..2026-03", "2026-01-01", "2026-04-01"),
        ("2026-01-01..", "2026-01-01", None),
        ("..2026-01-01", None, "2026-01-02"),
        (">7d", "2026-03-09", None),
        ("today", "2026-03-15", "2026-03-16"),
    ],
)
def test_date_ranges(value: str, start: str | None, end: str | None) -> None:
    found = date_range(value, TODAY)
    assert found is not None
    assert (found.start, found.end) == (start, end)


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "2026-02-30", ">", "1..x", "1234567d"])
def test_unreadable_dates(value: str) -> None:
    assert date_range(value, TODAY) is None


def test_column_restriction_covers_every_word() -> None:
    planned = plan(parse("fortigate admin -legacy type:credential"), CONTEXT)
    title = planned.column_match("title")
    assert title is not None
    assert title.startswith('({title} : (("fortigate") AND ("admin")))')
    assert title.endswith('NOT ("legacy")')


def test_period_tokens_cover_ranges_with_few_tokens() -> None:
    from search.dates import period_tokens

    assert period_tokens("u", "2026-01-30", "2026-03-02") == [
        "=u=2026-01-30",
        "=u=2026-01-31",
        "=u=2026-02",
        "=u=2026-03-01",
    ]
    assert period_tokens("c", "2024-01-01", "2026-01-01") == ["=c=2024", "=c=2025"]
    assert len(period_tokens("u", "2020-03-17", "2026-11-20")) < 100
    assert period_tokens("u", "2026-01-02", "2026-01-02") == []
