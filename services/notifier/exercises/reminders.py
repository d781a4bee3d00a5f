"""What falls due on scheduled exercises, pure: ``(exercises, now) -> notices``.

A reminder 24 hours and 1 hour before the start, and after the end a follow-up asking for
the after-action report. Each is known by ``<exercise>/<sequence>/<kind>``: a reschedule
(a new sequence) reminds again for the new time, a restart or a second tick never twice.
Notices missed while the notifier was down: only the latest is sent, and none once the
exercise has begun (bar the follow-up).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

BEFORE = (("reminder-24h", timedelta(hours=24)), ("reminder-1h", timedelta(hours=1)))
FOLLOW_UP = "follow-up"


class Scheduled(Protocol):
    id: str
    start: datetime | None
    end: datetime | None
    sequence: int
    cancelled_at: str | None


@dataclass(frozen=True)
class Notice:
    exercise_id: str
    kind: str  # reminder-24h, reminder-1h, follow-up
    key: str


def notice_key(exercise_id: str, sequence: int, kind: str) -> str:
    return f"{exercise_id}/{sequence}/{kind}"


def due_notices(
    exercises: Iterable[Scheduled], sent: frozenset[str], now: datetime
) -> tuple[list[Notice], datetime | None]:
    notices, wakes = [], []
    for e in exercises:
        if e.start is None or e.end is None or e.cancelled_at:
            continue
        times = [(kind, e.start - before) for kind, before in BEFORE] + [(FOLLOW_UP, e.end)]
        passed = [(kind, at) for kind, at in times if at <= now]
        wakes += [at for _, at in times if at > now]
        latest = None
        if now >= e.end:
            latest = FOLLOW_UP
        elif passed and now < e.start:
            latest = passed[-1][0]
        if latest is not None:
            key = notice_key(e.id, e.sequence, latest)
            if key not in sent:
                notices.append(Notice(e.id, latest, key))
    return notices, min(wakes) if wakes else None
