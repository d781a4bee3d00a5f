"""The notifier's smaller parts: the roster, ack links and feed tokens, the state's
replay, the timers and the scheduler lease, the kept secrets."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from notifier_support import EVENTS_TOPIC, registered
from waiting import wait_until

from services.notifier.credentials import load_secrets
from services.notifier.links import ACK_LINK_MAX_AGE, InvalidLink, Links
from services.notifier.policies.models import Target
from services.notifier.roster import Roster
from services.notifier.runtime import LEASE_RETRY_SECONDS, SchedulerWorker
from services.notifier.state import NotifierState
from services.notifier.timers import SchedulerLease, Timers
from shared.access import ONCALL
from shared.bus.interfaces import BusError
from shared.clock import SYSTEM_CLOCK, TestClock
from shared.envelope import Envelope
from shared.settings import Settings


def _schedule_event(people: list[str], layers=("primary",)) -> Envelope:
    body = {
        "name": "Secretariat",
        "time_zone": "Europe/London",
        "layers": [
            {
                "name": name,
                "rotation": "daily",
                "handoff_time": "09:00",
                "starts_on": "2026-12-01",
                "people": people,
            }
            for name in layers
        ],
        "overrides": [],
    }
    return Envelope(
        type="schedule.created",
        key="s-1",
        producer="test",
        payload={
            "schedule_id": "s-1",
            "schedule": body,
            "created_by": {"id": "c", "name": "Carl"},
            "at": "2026-12-01T00:00:00+00:00",
        },
    )


def test_the_roster_reads_the_schedule_and_falls_back_to_the_oncall_role(
    directory, ids, oncall_person, clock
):
    other = ids.person("Lab A", "ada@lab-a.example", roles=(ONCALL,), password=None)
    state = NotifierState()
    roster = Roster(directory, state)
    primary, secondary = (
        Target("oncall", "primary", "primary"),
        Target("oncall", "secondary", "secondary"),
    )
    # no schedule: everyone with the on-call role
    assert set(roster.resolve(primary, clock.now())) == {oncall_person, other}
    state.apply(_schedule_event([other]))
    assert roster.resolve(primary, clock.now()) == (other,)
    # the schedule has no secondary layer: the role again, never nobody
    assert set(roster.resolve(secondary, clock.now())) == {oncall_person, other}
    assert roster.resolve(Target("schedule", "Secretariat", "primary"), clock.now()) == (other,)
    assert roster.resolve(Target("schedule", "Nope", "primary"), clock.now()) == ()
    assert roster.resolve(Target("person", oncall_person), clock.now()) == (oncall_person,)
    assert roster.resolve(Target("person", "nobody"), clock.now()) == ()
    lab_a = ids.directory.organization_named("Lab A").id
    assert roster.resolve(Target("team", lab_a), clock.now()) == (other,)


def test_ack_links_are_signed_and_expire(clock):
    links = Links("secret", "http://notifier.test/", clock)
    url = links.ack_url("esc-1", "p-1")
    token = url.removeprefix("http://notifier.test/ack/")
    assert links.read_ack(token) == ("esc-1", "p-1")
    with pytest.raises(InvalidLink, match="not valid"):
        links.read_ack(token[:-2] + "xx")
    with pytest.raises(InvalidLink, match="not valid"):
        Links("another secret", "http://n", clock).read_ack(token)
    clock.advance(ACK_LINK_MAX_AGE.total_seconds())
    assert links.read_ack(token) == ("esc-1", "p-1")
    clock.advance(1)
    with pytest.raises(InvalidLink, match="expired"):
        links.read_ack(token)


def test_feed_tokens_are_per_subject(clock):
    links = Links("secret", "http://n", clock)
    token = links.feed_token("person", "p-1")
    assert links.feed_token_valid("person", "p-1", token)
    assert not links.feed_token_valid("person", "p-2", token)
    assert not links.feed_token_valid("schedule", "p-1", token)


def test_replaying_the_events_twice_changes_nothing(
    bus, make_escalations, oncall_person, httpserver
):
    httpserver.expect_request("/hook").respond_with_data("", status=204)
    escalations = make_escalations()
    escalations([registered("01JD0000000000000000000042")])
    escalations.tick()
    once, twice = NotifierState(), NotifierState()
    once.restore(bus.replay(EVENTS_TOPIC))
    twice.restore(bus.replay(EVENTS_TOPIC))
    twice.restore(bus.replay(EVENTS_TOPIC))
    assert once.engine_state() == twice.engine_state() == escalations.state.engine_state()
    (record,) = twice.list_escalations()
    assert len(record.steps) == 1
    assert len(twice.delivered) == 2


def test_the_timers_tick_when_woken_and_at_the_wake_up_the_tick_returns():
    ticks = []

    def tick():
        ticks.append(SYSTEM_CLOCK.now())
        # the first tick asks to be called again shortly
        return SYSTEM_CLOCK.now() + timedelta(milliseconds=50) if len(ticks) == 1 else None

    timers = Timers(tick, SYSTEM_CLOCK)
    timers.start()
    try:
        wait_until(lambda: len(ticks) >= 2, "the tick at its own wake-up")
        timers.wake()
        wait_until(lambda: len(ticks) >= 3, "the tick a wake-up asks for")
    finally:
        timers.stop()


def test_a_wake_up_asked_for_during_a_long_tick_still_comes_and_the_timers_go_on():
    """Set at once, it would fall due while the tick runs and APScheduler would skip it
    (one run at a time), after which no wake-up would ever run a tick again."""
    ticks, release = [], threading.Event()

    def tick():
        ticks.append(SYSTEM_CLOCK.now())
        if len(ticks) == 1:
            release.wait(10)  # a long tick
        return None

    timers = Timers(tick, SYSTEM_CLOCK)
    timers.start()
    try:
        wait_until(lambda: len(ticks) == 1, "the first tick")
        due = SYSTEM_CLOCK.now() + timedelta(milliseconds=20)
        timers.wake(due)
        wait_until(lambda: SYSTEM_CLOCK.now() > due + timedelta(milliseconds=200), "it falls due")
        release.set()
        wait_until(lambda: len(ticks) >= 2, "the tick the wake-up asked for")
        timers.wake()
        wait_until(lambda: len(ticks) >= 3, "a later wake-up's tick")
    finally:
        release.set()
        timers.stop()


def test_one_instance_holds_the_scheduler_lease(tmp_path):
    first, second = SchedulerLease(tmp_path / "lock"), SchedulerLease(tmp_path / "lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_generated_secrets_are_kept_and_settings_win(tmp_path):
    settings = Settings(data_dir=tmp_path)
    kept = load_secrets(settings)
    assert load_secrets(settings) == kept
    assert (tmp_path / "notifier-secrets.json").stat().st_mode & 0o777 == 0o600
    chosen = load_secrets(Settings(data_dir=tmp_path, webhook_secret="w", secret_key="k"))
    assert (chosen.webhook, chosen.links) == ("w", "k")


class _Timers:
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    def start(self) -> None:
        self.log.append(f"{self.name} starts the timers")

    def stop(self) -> None:
        self.log.append(f"{self.name} stops the timers")


def test_a_standby_takes_the_scheduler_over_after_catching_up(tmp_path):
    log: list[str] = []
    restored = threading.Event()
    restored.set()
    workers = {
        name: SchedulerWorker(
            _Timers(log, name),
            SchedulerLease(tmp_path / "lock"),
            restored,
            SYSTEM_CLOCK,
            lambda name=name: log.append(f"{name} replays the events"),
        )
        for name in ("first", "standby")
    }
    threads = {name: threading.Thread(target=w.run, daemon=True) for name, w in workers.items()}
    threads["first"].start()
    wait_until(lambda: "first starts the timers" in log, "the first to hold the scheduler")
    threads["standby"].start()
    workers["first"].stop()
    threads["first"].join(10)
    wait_until(lambda: "standby starts the timers" in log, "the standby to take over")
    workers["standby"].stop()
    threads["standby"].join(10)
    assert log == [
        "first replays the events",
        "first starts the timers",
        "first stops the timers",
        "standby replays the events",
        "standby starts the timers",
        "standby stops the timers",
    ]


def test_the_scheduler_waits_out_a_bus_that_is_away_while_it_catches_up(tmp_path):
    """The replay before the timers start fails while the bus is away: the worker waits and
    tries again (the process stays up), and starts the timers once it has caught up."""
    log: list[str] = []
    restored = threading.Event()
    restored.set()
    outcomes = [BusError("no Kafka bootstrap server answers"), BusError("still away"), None]

    def catch_up() -> None:
        outcome = outcomes.pop(0)
        log.append("replay" if outcome is None else "bus away")
        if outcome is not None:
            raise outcome

    clock = TestClock()
    worker = SchedulerWorker(
        _Timers(log, "worker"), SchedulerLease(tmp_path / "lock"), restored, clock, catch_up
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    wait_until(lambda: "worker starts the timers" in log, "the timers to start")
    worker.stop()
    thread.join(10)

    assert log == [
        "bus away",
        "bus away",
        "replay",
        "worker starts the timers",
        "worker stops the timers",
    ]
    assert clock.waits == [LEASE_RETRY_SECONDS, LEASE_RETRY_SECONDS]
