"""Timeline entries as the incident page says them."""

from services.registry.i18n import CATALOGS
from services.registry.web.labels import labeller
from services.registry.web.timeline import entries

ACTOR = {"id": "p-1", "name": "Rosa", "organization": "org-sec"}


def said(timeline, lang="en"):
    t = CATALOGS.translator(lang)
    return entries(timeline, t, labeller(t))


def test_each_decision_is_one_sentence_with_who_when_and_why():
    shown = said(
        [
            {"type": "incident.registered", "at": "2026-11-20T09:15:00+00:00", "to": "new",
             "visibility": "public", "actor": None},
            {"type": "incident.transitioned", "from": "new", "to": "triaged", "actor": ACTOR,
             "at": "2026-11-20T10:00:00+01:00", "rationale": "In scope.", "visibility": "public"},
            {"type": "incident.severity_rerated", "from": None, "to": "high", "actor": ACTOR,
             "reason": "Injuries.", "visibility": "confidential"},
            {"type": "incident.assigned", "owner": {"id": "p-2", "name": "Carl"}, "actor": ACTOR},
            {"type": "incident.information_requested", "question": "Which model?",
             "actor": ACTOR},
            {"type": "escalation.acknowledged", "by": {"id": "p-3", "name": "Oki"}},
            {"type": "something.new", "actor": ACTOR},
        ]
    )  # fmt: skip
    assert [e.sentence for e in shown] == [
        "Registered: New",
        "Status changed from New to Triaged",
        "Severity changed from Not rated to High",
        "Owner set to Carl",
        "Information requested from the reporting lab",
        "Escalation acknowledged",
        "something.new",  # a type the pages do not know yet, as it is named
    ]
    assert shown[1].shown_at == "2026-11-20 09:00 UTC" and shown[1].by == "Rosa"
    assert shown[1].texts == (("Rationale", "In scope."),)
    assert shown[2].visibility == "confidential" and shown[2].texts == (("Reason", "Injuries."),)
    assert shown[4].texts == (("Question", "Which model?"),)
    assert shown[0].by is None and shown[5].by == "Oki"


def test_the_sentences_are_in_the_readers_language():
    [entry] = said([{"type": "incident.transitioned", "from": "new", "to": "rejected"}], "fr")
    assert entry.sentence == "Statut changé de Nouveau à Rejeté"


def test_the_notifiers_deadlines_and_exercises_are_said_too():
    shown = said(
        [
            {"type": "deadline.filed", "regime": "EU-AI-ACT-ART73", "stage": "initial",
             "actor": ACTOR},
            {"type": "exercise.proposed", "title": "Weights leak drill", "actor": ACTOR},
        ]
    )  # fmt: skip
    assert [e.sentence for e in shown] == [
        "EU-AI-ACT-ART73: the initial report was marked filed",
        "Tabletop exercise proposed: Weights leak drill",
    ]
    [entry] = said([{"type": "exercise.proposed", "title": "Drill"}], "zh")
    assert entry.sentence == "已提议桌面演练：Drill"  # noqa: RUF001
