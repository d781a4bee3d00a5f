"""Per-lab service levels: the pure measures, the settings, and the API on both stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from problems import assert_problem
from registry_support import LAB_A, LAB_B, STORES, app_client, headers, open_store

from services.registry.decisions import registered
from services.registry.service_levels import Policy, Targets, measure, overdue, report
from shared.clock import TestClock
from shared.settings import Settings, SettingsError, sla_targets

RECEIVED = "2026-11-20T09:00:00+00:00"
POLICY = Policy(Targets(48, 120), {LAB_B: Targets(24, 48)})


def incident(n: int, organization: str | None = LAB_A, **fields) -> dict:
    return {"id": f"i{n}", "organization_id": organization, "received_at": RECEIVED, **fields}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_measure_is_due_its_target_after_receipt_and_overdue_only_past_it():
    open_ = measure(incident(1), Targets(48, 120), at("2026-11-22T09:00:00+00:00"))
    assert open_["triage"] == {
        "target_hours": 48, "due": "2026-11-22T09:00:00+00:00", "met_at": None,
        "hours": None, "overdue": False,
    }  # fmt: skip
    late = measure(incident(1), Targets(48, 120), at("2026-11-22T09:00:01+00:00"))
    assert late["triage"]["overdue"] and overdue(late) == ["triage"]
    met = incident(2, triaged_at="2026-11-21T21:00:00+00:00", first_answer_at=None)
    levels = measure(met, Targets(48, 120), at("2026-12-30T00:00:00+00:00"))
    assert levels["triage"]["hours"] == 36.0 and not levels["triage"]["overdue"]
    assert overdue(levels) == ["first_answer"]
    met_late = incident(3, triaged_at="2026-11-23T09:00:00+00:00")
    late_levels = measure(met_late, Targets(48, 120), at("2026-11-23T10:00:00+00:00"))
    assert late_levels["triage"]["overdue"] and overdue(late_levels) == []


def test_the_report_per_lab_with_its_own_targets():
    now = at("2026-11-21T12:00:00+00:00")  # 27 hours after receipt
    result = report(
        [
            incident(1, triaged_at="2026-11-20T19:00:00+00:00", first_answer_at=RECEIVED),
            incident(2),
            incident(3, organization=LAB_B),
            incident(4, organization=None),  # an unverified form report: no lab
        ],
        POLICY,
        now,
    )
    lab_a, lab_b = result["labs"]
    assert lab_a["organization_id"] == LAB_A and lab_a["incidents"] == 2
    assert lab_a["triage"] == {"met": 1, "late": 0, "overdue": 0, "median_hours": 10.0}
    assert lab_b["targets"] == {"triage_hours": 24, "first_answer_hours": 48}
    assert lab_b["triage"]["overdue"] == 1
    assert result["overdue"] == [
        {"incident_id": "i3", "organization_id": LAB_B, "overdue": ["triage"]}
    ]


def test_targets_come_from_the_settings():
    settings = Settings.from_env(
        {"ACCORD_SLA_TRIAGE_HOURS": "24", "ACCORD_SLA_TARGETS": f"{LAB_A}=12/36, {LAB_B}=6/12"}
    )
    policy = Policy.from_settings(settings)
    assert policy.targets(LAB_A) == Targets(12, 36)
    assert policy.targets("other") == Targets(24, 120)
    assert sla_targets("") == {}
    for bad in ("lab", "lab=1", "lab=a/2", "=1/2", "lab=0/2"):
        with pytest.raises(SettingsError, match="ACCORD_SLA_TARGETS"):
            Settings.from_env({"ACCORD_SLA_TARGETS": bad})


@pytest.mark.parametrize("kind", STORES)
def test_the_api_flags_overdue_incidents(kind, request, tmp_path, bus, make_report):
    store = open_store(kind, request, tmp_path)
    request.addfinalizer(store.close)
    store.create(
        [
            registered(make_report(1, organization_id=LAB_A, tlp="GREEN")),
            registered(make_report(2, organization_id=LAB_B, tlp="GREEN")),
        ]
    )
    clock = TestClock(datetime(2026, 11, 4, tzinfo=UTC))  # report 1: 2 days 15 h before
    client = app_client(tmp_path, bus, store, clock=clock)

    everyone = client.get("/v1/service-levels", headers=headers("risk owner")).get_json()
    assert [lab["organization_id"] for lab in everyone["labs"]] == [LAB_A, LAB_B]
    assert [item["incident_id"] for item in everyone["overdue"]] == [make_report(1)["id"]]
    own = client.get("/v1/service-levels", headers=headers("lab B reporter")).get_json()
    assert [lab["organization_id"] for lab in own["labs"]] == [LAB_B]
    assert own["overdue"] == []
    assert_problem(client.get("/v1/service-levels"), 401)
    detail = client.get(f"/v1/incidents/{make_report(1)['id']}", headers=headers("risk owner"))
    assert detail.get_json()["service_level"]["triage"]["overdue"] is True
    assert detail.get_json()["service_level"]["first_answer"]["overdue"] is False
