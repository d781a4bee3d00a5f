"""The candidate query: what the store is asked for an incident's possible duplicates."""

from __future__ import annotations

from services.registry.duplicates.retrieval import WINDOW, candidate_query
from services.registry.query.ast import And, Not, Or, Range, Term, Text


def test_salient_title_terms_and_the_system_name_within_the_date_window():
    query = candidate_query(
        {
            "title": "The AI system allegedly leaked model weights",
            "ai_system": {"name": "Claude", "developer": "Anthropic"},
            "occurred_at": "2026-01-01T00:00:00+00:00",
        }
    )
    text, dated = query.children
    assert isinstance(query, And)
    assert text == Or(tuple(Text((term,)) for term in ("leak", "model", "weight", "claud")))
    within, undated = dated.children
    middle = 1_767_225_600_000  # 2026-01-01 in ms
    span = int(WINDOW.total_seconds() * 1000)
    assert within == Range("occurred", gte=middle - span, lt=middle + span + 1)
    assert undated == Not(Term("has", "occurred"))


def test_without_a_date_the_text_alone_and_without_words_nothing_to_ask():
    assert candidate_query({"title": "Chatbot leak"}) == Or((Text(("chatbot",)), Text(("leak",))))
    assert candidate_query({"title": "The AI system allegedly is at it"}) is None
