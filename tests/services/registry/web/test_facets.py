"""Facet values as filters added to a query, and whether one is applied already."""

import pytest

from services.registry.query import parse
from services.registry.web.facets import applied, filter_term, narrowed


@pytest.mark.parametrize(
    ("facet", "value", "term"),
    [
        ("severity", "high", "severity:high"),
        ("organization", "01JD00000000000000000000A1", "org:01JD00000000000000000000A1"),
        ("tlp", "AMBER+STRICT", "tlp:AMBER+STRICT"),
        ("source", "aiid", "source:aiid"),
        ("organization", "Lab (north)", 'org:"Lab (north)"'),
        ("organization", "-x-org", 'org:"-x-org"'),
    ],
)
def test_a_facet_value_becomes_a_filter_the_grammar_reads(facet, value, term):
    assert filter_term(facet, value) == term
    parse(term)


@pytest.mark.parametrize(
    ("query", "narrowed_query"),
    [
        ("", "severity:high"),
        ("  weights ", "weights severity:high"),
        ("deepfake OR voice", "(deepfake OR voice) severity:high"),
        ("a (b OR c)", "(a (b OR c)) severity:high"),
    ],
)
def test_a_filter_narrows_all_of_the_query(query, narrowed_query):
    assert narrowed(query, "severity:high") == narrowed_query
    parse(narrowed_query)


@pytest.mark.parametrize(
    ("query", "is_applied"),
    [
        ("severity:high", True),
        ("weights severity:high", True),
        ("(deepfake OR voice) severity:high", True),
        ("deepfake OR severity:high", False),  # one alternative only
        ("(a severity:high) OR b", False),
        ('"severity:high"', False),  # a phrase
        ("severity:higher", False),
    ],
)
def test_a_filter_is_applied_when_it_narrows_all_of_the_query(query, is_applied):
    assert applied(query, "severity:high") is is_applied
