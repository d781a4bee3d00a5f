"""An incident's timeline as the page says it: one sentence per entry in the reader's
language, who decided, when, whether it is public, and the words they gave (rationale,
reason, question, answer). Pure: the entries come already filtered by the viewer's
access (``access.rules.visible_timeline``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.i18n import Translator
from shared.web import shown_time

# The words an entry may carry, in the order shown.
TEXTS = ("rationale", "reason", "question", "answer")


@dataclass(frozen=True)
class Entry:
    type: str
    sentence: str
    at: str | None
    shown_at: str | None
    by: str | None
    visibility: str | None
    texts: tuple[tuple[str, str], ...]  # (label, text)


def _sentence(entry: Mapping[str, Any], t: Translator, label: Callable[[str, object], str]) -> str:
    kind = entry.get("type", "")
    key = f"timeline.{kind}"
    if not t.has(key):
        return kind
    if kind == "incident.registered":
        return t(key, to=label("status", entry.get("to")))
    if kind in ("incident.transitioned", "incident.severity_rerated"):
        field = "status" if kind == "incident.transitioned" else "severity"
        return t(key, from_=label(field, entry.get("from")), to=label(field, entry.get("to")))
    if kind == "incident.assigned":
        owner = entry.get("owner") or {}
        return t(key, owner=owner.get("name") or owner.get("id") or "")
    if kind == "incident.linked":
        return t(key, linked=entry.get("linked_id", ""))
    if kind == "incident.merged":
        return t(key, original=entry.get("original_id", ""))
    if kind == "deadline.filed":
        return t(key, regime=entry.get("regime", ""), stage=entry.get("stage", ""))
    if kind == "exercise.proposed":
        return t(key, title=entry.get("title", ""))
    return t(key)


def entries(
    timeline: list[Mapping[str, Any]], t: Translator, label: Callable[[str, object], str]
) -> list[Entry]:
    shown = []
    for entry in timeline:
        actor = entry.get("actor") or entry.get("by") or {}
        name = actor.get("name") or actor.get("id") if isinstance(actor, Mapping) else None
        at = entry.get("at")
        shown.append(
            Entry(
                type=entry.get("type", ""),
                sentence=_sentence(entry, t, label),
                at=at,
                shown_at=shown_time(at) if isinstance(at, str) else None,
                by=name,
                visibility=entry.get("visibility"),
                texts=tuple(
                    (t(f"timeline.{key}"), entry[key])
                    for key in TEXTS
                    if isinstance(entry.get(key), str)
                ),
            )
        )
    return shown
