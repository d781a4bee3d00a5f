"""The search language read into its AST, and its errors, with the position and what was
expected there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from registry_support import QUERY_TEXT

from services.registry.query import QuerySyntaxError, parse
from services.registry.query.ast import And, MatchAll, Not, Or, Range, Term, Text
from services.registry.query.document import HAS


def ms(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp() * 1000)


def t(*terms: str, prefix: bool = False) -> Text:
    return Text(terms, prefix)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("", MatchAll()),
        ("   ", MatchAll()),
        ("!! ??", MatchAll()),  # nothing searchable: ignored
        ("pedestrians Tempe", And((t("pedestrian"), t("temp")))),
        ("YouTube -Kids", And((t("youtub"), Not(t("kid"))))),
        ('"exact phrase"', t("exact", "phrase")),
        ("a OR b OR c", Or((t("a"), t("b"), t("c")))),
        ("a b OR c", Or((And((t("a"), t("b"))), t("c")))),
        ("(a OR b) c", And((Or((t("a"), t("b"))), t("c")))),
        ("((a))", t("a")),
        ("a (b c)", And((t("a"), t("b"), t("c")))),
        ("recogni*", t("recogni", prefix=True)),
        ("Rÿ*", t("ry", prefix=True)),
        ("e-mail", t("e", "mail")),
        ("orange OR", None),
        ("模型泄露", t("模型", "型泄", "泄露")),
        ("泄", t("泄")),
        ("severity:CRITICAL", Term("severity", "critical")),
        ('severity:"high"', Term("severity", "high")),
        ("country:us", Term("country", "US")),
        ("domain:7.1", Term("domain", "7.1")),
        ("tlp:amber+strict", Term("tlp", "AMBER+STRICT")),
        ("tlp:TLP:RED", Term("tlp", "RED")),
        ("type:near-miss", Term("type", "near_miss")),
        ("source:aiid:4", Term("source", "aiid:4")),
        ("source:AIAAIC:AIAAIC2152", Term("source", "aiaaic:aiaaic2152")),
        ("source:avid", Term("source_format", "avid")),
        ('org:"Lab Ä"', Term("org", "lab a")),
        ("has:contact", Term("has", "contact")),
        ("since:2020", Range("occurred", gte=ms(2020, 1, 1))),
        ("until:2020-02", Range("occurred", lt=ms(2020, 3, 1))),
        ("until:2020-12", Range("occurred", lt=ms(2021, 1, 1))),
        ("until:2024-02-28", Range("occurred", lt=ms(2024, 2, 29))),
        ("received_since:2026-11-30", Range("received", gte=ms(2026, 11, 30))),
        ("-severity:low", Not(Term("severity", "low"))),
    ],
)
def test_queries_read_into_the_ast(query, tree):
    if tree is None:
        with pytest.raises(QuerySyntaxError):
            parse(query)
    else:
        assert parse(query) == tree


@pytest.mark.parametrize(
    ("query", "position", "expected"),
    [
        ('severity:"unclosed', 10, ['a "quoted phrase"', "a word"]),
        ("severity:", 10, ['a "quoted phrase"', "a word"]),
        ("severity:bogus", 10, ["one of critical, high, medium, low"]),
        ("(a", 3, [")"]),
        ("a)", 2, ["the end of the query"]),
        ("a OR", 5, ["(", "-", 'a "quoted phrase"', "a field (e.g. severity:)", "a word"]),
        ("-", 2, ["(", 'a "quoted phrase"', "a field (e.g. severity:)", "a word"]),
        ("e-mai*", 1, ["one word before *"]),
        ("since:2020-02-30", 7, ["a date that exists: YYYY, YYYY-MM or YYYY-MM-DD"]),
        ("until:yesterday", 7, ["a date: YYYY, YYYY-MM or YYYY-MM-DD"]),
        ("source:zenodo:1", 8, ["a source, one of aiid, aiaaic, avid (e.g. aiid:4)"]),
        ("has:wings", 5, ["one of " + ", ".join(HAS)]),
    ],
)
def test_errors_give_the_position_and_what_was_expected(query, position, expected):
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.position == position
    assert caught.value.expected == expected
    assert str(position) in str(caught.value) or caught.value.message


def test_an_unknown_field_lists_the_fields():
    with pytest.raises(QuerySyntaxError) as caught:
        parse("title:leak")
    assert caught.value.position == 1
    assert "severity:" in caught.value.expected
    assert "source:" in caught.value.expected


def test_deep_nesting_is_refused():
    with pytest.raises(QuerySyntaxError, match="nests"):
        parse("(a OR (b " * 13 + "c" + "))" * 13)


@settings(max_examples=400, deadline=None)
@given(QUERY_TEXT)
def test_any_text_is_an_ast_or_a_syntax_error(text):
    try:
        parse(text)
    except QuerySyntaxError as exc:
        assert 1 <= exc.position <= len(text) + 1
        assert exc.expected
