"""Exercise reminders 24 h and 1 h before, the follow-up after; each once per schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.notifier.exercises.reminders import Notice, due_notices

START = datetime(2026, 12, 7, 9, tzinfo=UTC)
END = START + timedelta(hours=2)
H = timedelta(hours=1)


@dataclass
class Ex:
    id: str = "E"
    start: datetime | None = START
    end: datetime | None = END
    sequence: int = 0
    cancelled_at: str | None = None


def test_each_notice_at_its_time_once():
    assert due_notices([Ex()], frozenset(), START - 48 * H) == ([], START - 24 * H)
    assert due_notices([Ex()], frozenset(), START - 24 * H) == (
        [Notice("E", "reminder-24h", "E/0/reminder-24h")],
        START - H,
    )
    sent = frozenset({"E/0/reminder-24h"})
    assert due_notices([Ex()], sent, START - 2 * H) == ([], START - H)
    notices, wake = due_notices([Ex()], sent, START - H)
    assert [n.kind for n in notices] == ["reminder-1h"]
    assert wake == END
    sent |= {"E/0/reminder-1h"}
    assert due_notices([Ex()], sent, START) == ([], END)  # under way: nothing
    notices, wake = due_notices([Ex()], sent, END)
    assert [n.kind for n in notices] == ["follow-up"]
    assert wake is None
    assert due_notices([Ex()], sent | {"E/0/follow-up"}, END + H) == ([], None)


def test_after_an_outage_only_the_latest_and_a_reschedule_reminds_again():
    notices, _ = due_notices([Ex()], frozenset(), START - 30 * timedelta(minutes=1))
    assert [n.key for n in notices] == ["E/0/reminder-1h"]
    moved = Ex(sequence=1, start=START + 24 * H, end=END + 24 * H)
    notices, _ = due_notices([moved], frozenset({"E/0/reminder-24h"}), START)
    assert [n.key for n in notices] == ["E/1/reminder-24h"]


def test_nothing_for_a_proposed_or_cancelled_exercise():
    assert due_notices([Ex(start=None, end=None)], frozenset(), START) == ([], None)
    assert due_notices([Ex(cancelled_at="x")], frozenset(), START - H) == ([], None)
