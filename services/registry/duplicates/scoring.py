"""Duplicate scoring, as pure code: how alike two incidents are, and why.

Three signals, each in [0, 1]: the texts (the salient terms of title and description:
shared terms, and rapidfuzz's ratio for near copies), the AI system (a name, developer or
deployer both name), and how close the occurrence dates are. A signal one side cannot give
(no AI system, no date) is left out and the others reweighted, so a report that says
little is neither helped nor punished for it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from services.registry.query.analysis import analyze, fold

# What a signal weighs in the score when both incidents give it.
WEIGHTS = {"text": 0.7, "system": 0.15, "date": 0.15}
# Dates this many days apart score one half (1 / (1 + days / DATE_HALF_DAYS)).
DATE_HALF_DAYS = 60
# The default bar for a suggestion (the evaluation command reports figures at this bar).
THRESHOLD = 0.5
# rapidfuzz's ratio of two unrelated texts' terms is about this much (letters in common).
CHANCE_RATIO = 0.6
# A title with fewer salient terms than this says less about its event.
SHORT_TITLE = 4
# Words that say nothing about which event a text is about (analyzed: stemmed, folded).
STOP_TERMS = frozenset(
    analyze(
        "a an and are as at be been by for from has have in into is it its of on or that the"
        " their this to was were which with after over about against than not no his her"
        " now only new more most can could may might will would also other others its our"
        " allegedly reportedly reported alleged ai artificial intelligence algorithm system"
        " systems issues harms"
    )
)
# Every term weighs the same (one pair scored alone, with nothing to compare against).
NO_WEIGHTS: Mapping[str, float] = {}
# AI-system fields, and how each reads in a reason.
SYSTEM_FIELDS = {"name": "AI system", "developer": "developer", "deployer": "deployer"}
# Names that name nothing (AIID's placeholder slug).
UNKNOWN_NAMES = frozenset({"unknown", "unknowndeveloper", "unknowndeployer"})
_NOT_ALNUM = re.compile(r"[\W_]+")
_NAME_SEPARATORS = re.compile(r";|,| and \d+ more$")


@dataclass(frozen=True)
class Suggestion:
    """``candidate`` may be a duplicate of the incident, with ``score`` in [0, 1]."""

    candidate: Mapping[str, Any]
    score: float
    reasons: tuple[str, ...]


def salient_terms(text: str | None) -> list[str]:
    """The analyzed terms of ``text`` that may tell its event apart, each once."""
    return list(dict.fromkeys(t for t in analyze(text or "") if _salient(t)))


@lru_cache(maxsize=16_384)
def _analyzed(text: str) -> tuple[str, ...]:
    """The terms of a text; cached, since the same candidates come back for every incident
    of one subject (and for every incident of the queue)."""
    return tuple(analyze(text))


def _salient(term: str) -> bool:
    return term not in STOP_TERMS and (len(term) > 2 or not term.isascii())


def occurred_at(incident: Mapping[str, Any]) -> datetime | None:
    value = incident.get("occurred_at")
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _occurred_span(incident: Mapping[str, Any]) -> tuple[datetime, datetime] | None:
    """When it occurred, as the span its date stands for: a date given as a year or a
    month is stored as its first day, and the normalizer's decision says so."""
    start = occurred_at(incident)
    if start is None:
        return None
    decisions = (incident.get("provenance") or {}).get("decisions") or []
    rules = " ".join(d.get("rule", "") for d in decisions if d.get("field") == "occurred_at")
    if "precision year" in rules:
        return start, start.replace(year=start.year + 1) - timedelta(microseconds=1)
    if "precision month" in rules:
        after = start.replace(day=28) + timedelta(days=4)
        return start, after.replace(day=1) - timedelta(microseconds=1)
    return start, start


def _names(value: Any) -> dict[str, str]:
    """Folded, punctuation-free key → the name as written, for one AI-system field
    (``"microsoft-research; Google"`` gives ``microsoftresearch`` and ``google``)."""
    found = {}
    for name in _NAME_SEPARATORS.split(str(value or "")):
        key = _NOT_ALNUM.sub("", fold(name))
        if key and key not in UNKNOWN_NAMES:
            found[key] = name.strip()
    return found


@dataclass(frozen=True)
class Features:
    """What scoring reads of one incident, analyzed once however many pairs it is in."""

    id: str | None
    text: tuple[tuple[str, ...], tuple[str, ...]]  # all terms of title, description
    title: tuple[str, ...]  # salient terms, in order
    words: frozenset[str]  # salient terms of title and description
    systems: dict[str, dict[str, str]]  # field → key → name as written
    occurred: tuple[datetime, datetime] | None

    @classmethod
    def of(cls, incident: Mapping[str, Any]) -> Features:
        title, description = (_analyzed(incident.get(f) or "") for f in ("title", "description"))
        salient = tuple(dict.fromkeys(t for t in title if _salient(t)))
        system = incident.get("ai_system") or {}
        return cls(
            id=incident.get("id"),
            text=(title, description),
            title=salient,
            words=frozenset(salient).union(t for t in description if _salient(t)),
            systems={f: _names(system.get(f)) for f in SYSTEM_FIELDS},
            occurred=_occurred_span(incident),
        )


def _weight(terms: Iterable[str], weights: Mapping[str, float]) -> float:
    return sum(weights.get(term, 1.0) for term in terms)


def _overlap(a: frozenset[str], b: frozenset[str], weights: Mapping[str, float]) -> float:
    """Shared salient terms, each weighed by how rare it is: the mean of Dice (both texts
    mostly the same words) and the overlap coefficient (the shorter text's words all in
    the longer: a headline and a fuller title of one event)."""
    if not a or not b:
        return 0.0
    shared, wa, wb = _weight(a & b, weights), _weight(a, weights), _weight(b, weights)
    return (2 * shared / (wa + wb) + shared / min(wa, wb)) / 2


def _near_copy(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """rapidfuzz's token-sort ratio over the terms, from 0 at CHANCE_RATIO to 1 when equal:
    a copy with a typo or a respelt word ("anti-semitic", "antisemitic") still scores."""
    if not a or not b:
        return 0.0
    ratio = fuzz.token_sort_ratio(" ".join(a), " ".join(b)) / 100
    return max(0.0, (ratio - CHANCE_RATIO) / (1 - CHANCE_RATIO))


def _covered(title: tuple[str, ...], words: frozenset[str], weights: Mapping[str, float]) -> float:
    """The share of a title's terms (by weight) the other report's text holds, trusted
    less for a title of one or two terms."""
    if not title:
        return 0.0
    held = _weight(words.intersection(title), weights) / _weight(title, weights)
    return held * min(1.0, len(title) / SHORT_TITLE)


def term_weights(pool: Iterable[Features]) -> dict[str, float]:
    """How rare each term is among the incident and its candidates (ln(1 + n / df)): the
    words a subject's reports all share ("deepfake", "school") tell its events apart less
    than the names and places only one pair shares."""
    texts = [f.words for f in pool]
    counts = Counter(term for words in texts for term in words)
    return {term: math.log(1 + len(texts) / df) for term, df in counts.items()}


def text_similarity(a: Features, b: Features, weights: Mapping[str, float] = NO_WEIGHTS) -> float:
    ta, tb = frozenset(a.title), frozenset(b.title)
    titles = max(_overlap(ta, tb, weights), _near_copy(a.title, b.title))
    # A headline may be told in the other's description (AIAAIC's headline, AIID's prose).
    covered = max(_covered(a.title, b.words, weights), _covered(b.title, a.words, weights))
    return max(titles, (titles + covered + _overlap(a.words, b.words, weights)) / 3)


def system_match(a: Features, b: Features) -> tuple[float, list[str]] | None:
    """1 and the shared names when both name the same system, developer or deployer; 0 when
    both name some and share none; None when either names none."""
    if not any(a.systems.values()) or not any(b.systems.values()):
        return None
    theirs = {key for names in b.systems.values() for key in names}
    reasons = []
    for field, label in SYSTEM_FIELDS.items():
        # A developer on one side may be named as the deployer on the other.
        shared = [name for key, name in a.systems[field].items() if key in theirs]
        if shared:
            reasons.append(f"same {label}: {', '.join(shared)}")
    return (1.0 if reasons else 0.0), reasons


def date_proximity(a: Features, b: Features) -> tuple[float, int] | None:
    """The closeness of the occurrence dates and the days between them (None without both);
    a date known only to its year or month is as close as any day of it."""
    if a.occurred is None or b.occurred is None:
        return None
    (a_from, a_to), (b_from, b_to) = a.occurred, b.occurred
    gap = max(a_from - b_to, b_from - a_to, timedelta(0))
    days = gap.days
    return 1 / (1 + days / DATE_HALF_DAYS), days


def score_features(
    a: Features, b: Features, weights: Mapping[str, float] = NO_WEIGHTS
) -> tuple[float, tuple[str, ...]]:
    signals: dict[str, float] = {}
    if a.text == b.text and any(a.text):
        signals["text"] = 1.0
        reasons = ["the same title and description"]
    else:
        signals["text"] = text_similarity(a, b, weights)
        reasons = [f"texts {signals['text']:.0%} alike"]
    system = system_match(a, b)
    if system is not None:
        signals["system"], shared = system
        reasons += shared
    date = date_proximity(a, b)
    if date is not None:
        signals["date"], days = date
        if days:
            reasons.append(f"occurred {days} days apart")
        elif a.occurred[0] == a.occurred[1] and b.occurred[0] == b.occurred[1]:
            reasons.append("occurred the same day")
        else:
            reasons.append("occurred in the same period (a date given as a year or month)")
    total = sum(WEIGHTS[name] * value for name, value in signals.items())
    weight = sum(WEIGHTS[name] for name in signals)
    return round(total / weight, 3), tuple(reasons)


def score(incident: Mapping[str, Any], candidate: Mapping[str, Any]) -> Suggestion:
    """How likely ``candidate`` describes the same event as ``incident``, and why."""
    return Suggestion(candidate, *score_features(Features.of(incident), Features.of(candidate)))


def rank(
    incident: Mapping[str, Any],
    candidates: Iterable[Mapping[str, Any]],
    *,
    threshold: float = THRESHOLD,
    limit: int = 10,
) -> list[Suggestion]:
    """The candidates scoring at least ``threshold``, best first (ties by id), at most
    ``limit``; the incident itself is never its own duplicate."""
    mine = Features.of(incident)
    others = [
        (candidate, Features.of(candidate))
        for candidate in candidates
        if candidate.get("id") != incident.get("id")
    ]
    weights = term_weights([mine, *(features for _, features in others)])
    scored = [
        Suggestion(candidate, *score_features(mine, features, weights))
        for candidate, features in others
    ]
    kept = [s for s in scored if s.score >= threshold]
    kept.sort(key=lambda s: (-s.score, str(s.candidate.get("id"))))
    return kept[:limit]
