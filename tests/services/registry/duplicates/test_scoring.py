"""Duplicate scoring as pure code: each signal, their weighting, and the ranking."""

from __future__ import annotations

import pytest

from services.registry.duplicates.scoring import (
    THRESHOLD,
    Features,
    date_proximity,
    rank,
    salient_terms,
    score,
    system_match,
)


def incident(n: int = 1, **fields) -> dict:
    return {"id": f"i{n}", **fields}


UBER = incident(
    1,
    title="Uber AV Killed Pedestrian in Arizona",
    description="An Uber autonomous vehicle in autonomous mode struck and killed a pedestrian"
    " in Tempe, Arizona.",
    ai_system={"developer": "uber", "deployer": "uber"},
    occurred_at="2018-03-18T00:00:00+00:00",
)
UBER_HEADLINE = incident(
    2,
    title="Uber self-driving car kills Arizona pedestrian",
    description="Uber self-driving car kills Arizona pedestrian. Issues: Safety.",
    ai_system={"developer": "Uber", "deployer": "Uber"},
    occurred_at="2018-01-01T00:00:00+00:00",
    provenance={"decisions": [{"field": "occurred_at", "rule": "dates: precision year: ..."}]},
)
UBER_OTHER = incident(
    3,
    title="Uber ID algorithm suspends transgender drivers",
    description="Uber's identity checks locked out transgender drivers.",
    ai_system={"developer": "Uber"},
    occurred_at="2018-08-01T00:00:00+00:00",
)


def test_the_same_texts_score_one_and_say_so():
    copy = {**UBER, "id": "i9"}
    suggestion = score(UBER, copy)
    assert suggestion.score == 1.0
    assert suggestion.reasons[0] == "the same title and description"
    assert "occurred the same day" in suggestion.reasons


def test_case_accents_and_word_forms_do_not_make_texts_different():
    a = incident(1, title="Données médicales exposées", description="Model leaked records")
    b = incident(2, title="donnees MEDICALES exposees", description="model leaks record")
    assert score(a, b).score == 1.0


def test_a_headline_of_the_same_event_outscores_another_event_of_the_same_company():
    same, other = score(UBER, UBER_HEADLINE), score(UBER, UBER_OTHER)
    assert same.score >= THRESHOLD > other.score
    assert "same developer: uber" in same.reasons


def test_system_names_match_across_spellings_and_fields():
    a = Features.of(incident(ai_system={"developer": "microsoft-research; Google"}))
    b = Features.of(incident(ai_system={"deployer": "Microsoft Research"}))
    matched, reasons = system_match(a, b)
    assert matched == 1.0
    assert reasons == ["same developer: microsoft-research"]


def test_no_system_on_either_side_is_left_out_and_unknown_names_nothing():
    named = Features.of(incident(ai_system={"developer": "tesla"}))
    assert system_match(named, Features.of(incident())) is None
    assert system_match(named, Features.of(incident(ai_system={"developer": "unknown"}))) is None
    other = Features.of(incident(ai_system={"developer": "uber"}))
    assert system_match(named, other) == (0.0, [])


@pytest.mark.parametrize(
    ("a", "b", "days"),
    [
        ("2020-05-01T00:00:00+00:00", "2020-05-01T23:00:00+00:00", 0),
        ("2020-05-01T00:00:00+00:00", "2020-07-01T00:00:00+00:00", 61),
        ("2020-07-01T00:00:00+00:00", "2020-05-01T00:00:00+00:00", 61),
    ],
)
def test_date_proximity_halves_at_sixty_days_either_way(a, b, days):
    proximity, apart = date_proximity(
        Features.of(incident(occurred_at=a)), Features.of(incident(occurred_at=b))
    )
    assert apart == days
    assert proximity == pytest.approx(1 / (1 + days / 60))


def test_a_date_given_as_a_year_is_as_close_as_any_day_of_that_year():
    precise = Features.of(UBER)
    yearly = Features.of(UBER_HEADLINE)
    assert date_proximity(precise, yearly) == (1.0, 0)
    next_year = Features.of({**UBER, "occurred_at": "2019-01-31T00:00:00+00:00"})
    assert date_proximity(next_year, yearly)[1] == 30
    assert "occurred in the same period" in score(UBER, UBER_HEADLINE).reasons[-1]


def test_a_signal_one_side_lacks_is_left_out_not_counted_as_a_mismatch():
    bare = incident(1, title="Chatbot leaks customer data", description="")
    dated = incident(
        2, title="Chatbot leaks customer data", occurred_at="2020-01-01T00:00:00+00:00"
    )
    assert score(bare, dated).score == 1.0


def test_salient_terms_leave_out_words_that_name_no_event():
    assert salient_terms("The AI system allegedly leaked a model's weights") == [
        "leak",
        "model",
        "weight",
    ]


def test_rank_keeps_the_best_above_the_threshold_and_never_the_incident_itself():
    ranked = rank(UBER, [UBER_OTHER, UBER, UBER_HEADLINE, {**UBER, "id": "i0"}])
    assert [s.candidate["id"] for s in ranked] == ["i0", "i2"]
    assert rank(UBER, [UBER_HEADLINE], threshold=0.99) == []
    assert len(rank(UBER, [UBER_HEADLINE, {**UBER, "id": "i0"}], limit=1)) == 1


def test_among_reports_of_one_subject_the_rare_shared_words_decide():
    westfield = incident(1, title="Deepfake nudes of female students at Westfield High School")
    pool = [
        incident(2, title="Westfield High School girls targeted with deepfake nudes"),
        incident(3, title="Deepfake nudes of female students at a Winnipeg school"),
        incident(4, title="Aledo student shares deepfake nudes of classmates"),
        incident(5, title="Deepfake nude images of students spread at a Sydney school"),
        incident(6, title="Female students targeted by a deepfake app at a Spanish school"),
        incident(7, title="Deepfake nudes of female students shared in Seoul"),
    ]
    ranked = rank(westfield, pool, threshold=0.0)
    assert ranked[0].candidate["id"] == "i2"
    alone = {s.candidate["id"]: score(westfield, s.candidate).score for s in ranked}
    weighed = {s.candidate["id"]: s.score for s in ranked}
    # Alone, the Winnipeg report looks more alike than the Westfield one; among its peers,
    # where "female students" and "school" are common, it does not.
    assert alone["i3"] > alone["i2"]
    assert weighed["i2"] > weighed["i3"]
    assert weighed["i3"] < alone["i3"] and weighed["i2"] >= alone["i2"]
