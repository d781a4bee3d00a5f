"""The two compilers as pure functions: values travel as parameters, never as SQL text;
filters do not score on Elasticsearch; every query carries the access filter."""

from __future__ import annotations

import json

from registry_support import VIEWERS

from services.registry.access.rules import visibility
from services.registry.query import elasticsearch, fts5, parse
from services.registry.query.ast import redacted

QUERY = 'leak -"model weights" OR recogni* severity:critical since:2020 org:"O\'Brien; DROP"'


def test_sql_has_one_placeholder_per_parameter_and_no_values():
    sql = fts5.compile_where(parse(QUERY), visibility(VIEWERS["lab A reporter"]))
    assert sql.where.count("?") == len(sql.params)
    assert "O'Brien" not in sql.where
    assert fts5.SEPARATOR + "o'brien; drop" + fts5.SEPARATOR in sql.params  # a keyword column's
    assert '{title description} : "model weight"' in sql.params
    assert '{title description} : "recogni"*' in sql.params


def test_relevance_counts_positive_text_only():
    assert fts5.rank_expression(parse("leak -weights OR dosage")) == (
        '{title description} : "leak" OR {title description} : "dosag"'
    )
    assert fts5.rank_expression(parse("severity:low -leak")) is None


def test_elasticsearch_filters_do_not_score_and_access_is_a_filter():
    query = elasticsearch.compile_query(
        parse("severity:critical"), visibility(VIEWERS["anonymous"])
    )
    assert query["bool"]["must"] == [
        {"bool": {"filter": [{"term": {"derived.severity": "critical"}}]}}
    ]
    assert query["bool"]["filter"] == [
        {"bool": {"should": [{"terms": {"derived.tlp": ["CLEAR"]}}], "minimum_should_match": 1}}
    ]


def test_the_public_view_searches_the_redacted_texts_on_both_stores():
    query = redacted(parse('leak -"call me"'))
    sql = fts5.compile_where(query, visibility(VIEWERS["anonymous"]))
    assert [p for p in sql.params if isinstance(p, str) and ":" in p] == [
        '{public_title public_description} : "leak"',
        '{public_title public_description} : "call me"',
    ]
    dsl = json.dumps(elasticsearch.compile_query(query, visibility(VIEWERS["anonymous"])))
    assert "derived.public_title" in dsl
    assert '"derived.title"' not in dsl


def test_title_weighs_more_than_description_in_elasticsearch():
    query = elasticsearch.compile_query(parse("leak"), visibility(VIEWERS["anonymous"]))
    should = query["bool"]["must"][0]["bool"]["should"]
    boosts = {next(iter(q["term"])): q["term"][next(iter(q["term"]))]["boost"] for q in should}
    assert boosts["derived.title"] > boosts["derived.description"]


def test_a_query_whose_words_must_all_match_is_driven_and_scored_by_their_and():
    both = fts5.ranking(parse("facial recognition"))
    assert both.match == '({title description} : "facial") AND ({title description} : "recognit")'
    assert both.drives and both.rest == parse("")
    filtered = fts5.ranking(parse("country:US chatbot -kids"))
    assert filtered.match == '({title description} : "chatbot")'
    assert filtered.drives and filtered.rest == parse("country:US -kids")


def test_other_text_queries_are_scored_by_any_word_and_driven_only_when_one_must_match():
    either = fts5.ranking(parse("(kids OR scam) -shopper"))
    assert either.match == '{title description} : "kid" OR {title description} : "scam"'
    assert either.drives and either.rest == parse("(kids OR scam) -shopper")
    mixed = fts5.ranking(parse("kids OR severity:high"))
    assert mixed.match == '{title description} : "kid"' and not mixed.drives
    none = fts5.ranking(parse("-youtube severity:low"))
    assert none.match is None and not none.drives


def test_the_access_rule_in_fts5_names_levels_organization_and_recipient_in_hex():
    rule = fts5.access_match(visibility(VIEWERS["lab A reporter"]))
    hexed = {v: v.encode().hex() for v in ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")}
    assert rule == (
        f'access : (("t{hexed["CLEAR"]}" OR "t{hexed["GREEN"]}")'
        f' OR (("o{b"org-lab-a".hex()}") AND ("t{hexed["AMBER"]}" OR "t{hexed["AMBER+STRICT"]}"))'
        f' OR (("t{hexed["RED"]}") AND ("r{b"p-a".hex()}")))'
    )
    tokens = fts5.access_tokens(
        {"tlp": ["RED"], "organization": ["org-lab-a"], "recipients": ["p-a", "p b"]}
    )
    assert tokens.split() == [f"t{hexed['RED']}", f"o{b'org-lab-a'.hex()}", f"r{b'p-a'.hex()}",
                              f"r{b'p b'.hex()}"]  # fmt: skip
