"""The dashboard's counting: periods, keys, and incidents without a date."""

from services.registry.web.stats import NONE, figures


def test_incidents_over_three_years_are_counted_by_year_with_the_gaps():
    found = figures(
        [
            {"occurred_at": "2019-05-01T00:00:00+00:00", "severity": "high", "harm_domains": ["7"]},
            {"occurred_at": "2022-01-01T00:00:00+00:00", "harm_domains": ["2", "7", "7"]},
            {"received_at": "2022-03-01T00:00:00+00:00", "severity": "odd", "harm_domains": []},
            {"title": "no date at all"},
        ]
    )
    assert (found.total, found.undated) == (4, 1)
    assert found.by_severity.granularity == "year"
    assert found.by_severity.periods == ("2019", "2020", "2021", "2022")
    assert found.by_severity.counts["high"] == (1, 0, 0, 0)
    assert found.by_severity.counts[NONE] == (0, 0, 0, 2)  # unrated, or not a severity
    assert found.by_domain.counts["7"] == (1, 0, 0, 1)  # once each, however often named
    assert found.by_domain.counts["2"] == (0, 0, 0, 1)
    assert found.by_domain.counts[NONE] == (0, 0, 0, 1)
    assert found.by_domain.peak == 3


def test_a_shorter_span_is_counted_by_month_across_the_new_year():
    found = figures(
        [
            {"occurred_at": "2025-11-30T23:00:00+00:00", "severity": "low"},
            {"occurred_at": "2026-02-01T00:00:00+00:00", "severity": "low"},
        ]
    )
    assert found.by_severity.granularity == "month"
    assert found.by_severity.periods == ("2025-11", "2025-12", "2026-01", "2026-02")
    assert found.by_severity.counts["low"] == (1, 0, 0, 1)


def test_nothing_to_count():
    found = figures([])
    assert (found.total, found.undated, found.by_severity.periods) == (0, 0, ())
    assert found.by_severity.peak == 0


def test_time_to_triage_and_to_resolve_from_receipt():
    received = "2026-01-01T00:00:00+00:00"
    moved = {"type": "incident.transitioned", "to": "resolved", "at": "2026-01-11T00:00:00+00:00"}
    found = figures(
        [
            {"received_at": received, "triaged_at": "2026-01-01T12:00:00+00:00",
             "timeline": [{"type": "incident.transitioned", "to": "triaged"}, moved]},
            {"received_at": received, "triaged_at": "2026-01-04T00:00:00+00:00"},
            {"received_at": received, "triaged_at": "2026-07-01T00:00:00+00:00"},
            {"received_at": received},  # not yet triaged
            {"received_at": received, "triaged_at": "not a date"},
        ]
    )  # fmt: skip
    assert found.to_triage.counts == (1, 1, 0, 0, 1)  # half a day, 3 days, 181 days
    assert found.to_triage.median_days == 3.0
    assert (found.to_triage.measured, found.to_triage.pending) == (3, 2)
    assert found.to_resolve.counts == (0, 0, 1, 0, 0)  # 10 days
    assert (found.to_resolve.median_days, found.to_resolve.pending) == (10.0, 4)
