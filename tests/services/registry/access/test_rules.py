"""The TLP rules as pure code, over every viewer of the matrix and every level, against a
table written out by hand (not computed from the rules)."""

from __future__ import annotations

import pytest
from registry_support import LAB_A, VIEWERS

from services.registry.access.rules import (
    LEVELS,
    may_read,
    sees_private_fields,
    shown_to,
    visibility,
)
from shared.access import ANONYMOUS, COORDINATOR, RISK_OWNER, Viewer

# Who reads an incident reported by lab A whose recipients are ["p-red"], per level.
EXPECTED = {
    #                  CLEAR  GREEN  AMBER  AMBER+STRICT  RED
    "anonymous":      (True,  False, False, False,        False),
    "lab A reporter": (True,  True,  True,  True,         False),
    "lab B reporter": (True,  True,  False, False,        False),
    "non-member org": (True,  False, False, False,        False),
    "risk owner":     (True,  True,  True,  False,        False),
    "coordinator":    (True,  True,  True,  False,        False),
    "RED recipient":  (True,  True,  False, False,        True),
}  # fmt: skip


def lab_a_incident(tlp: str, **extra) -> dict:
    return {
        "id": "i1",
        "tlp": tlp,
        "organization_id": LAB_A,
        "reporting_organization": "Lab A",
        "recipients": ["p-red"],
        **extra,
    }


@pytest.mark.parametrize("name", EXPECTED)
@pytest.mark.parametrize("level", LEVELS)
def test_who_reads_what(name, level):
    expected = EXPECTED[name][LEVELS.index(level)]
    assert may_read(VIEWERS[name], lab_a_incident(level)) is expected


@pytest.mark.parametrize("level", LEVELS)
def test_the_display_name_never_grants_access(level):
    impostor = Viewer(person_id="p-x", organization_id="Lab A", member=False)
    assert may_read(impostor, lab_a_incident(level)) is (level == "CLEAR")


@pytest.mark.parametrize("level", LEVELS)
def test_an_anonymous_form_report_belongs_to_no_organization(level):
    report = lab_a_incident(level, organization_id=None, recipients=[])
    no_org = Viewer(person_id="svc", organization_id=None, member=True)
    assert may_read(no_org, report) is (level in ("CLEAR", "GREEN"))
    assert not sees_private_fields(no_org, report)


def test_red_is_for_named_recipients_only_whatever_their_roles():
    everything = Viewer(
        person_id="p-boss",
        organization_id=LAB_A,
        member=True,
        roles=frozenset({RISK_OWNER, COORDINATOR, "admin"}),
    )
    assert not may_read(everything, lab_a_incident("RED"))
    assert may_read(everything, lab_a_incident("RED", recipients=["p-boss"]))
    assert not may_read(ANONYMOUS, lab_a_incident("RED", recipients=[None]))
    assert not may_read(VIEWERS["RED recipient"], lab_a_incident("RED", recipients=None))


def test_an_unknown_level_is_read_by_nobody():
    for viewer in VIEWERS.values():
        assert not may_read(viewer, lab_a_incident("PURPLE"))
        assert not may_read(viewer, {"id": "i2", "organization_id": LAB_A})


@pytest.mark.parametrize(
    ("name", "private"),
    [
        ("anonymous", False),
        ("lab A reporter", True),
        ("lab B reporter", False),
        ("non-member org", False),
        ("risk owner", True),
        ("coordinator", True),
        ("RED recipient", False),
    ],
)
def test_contact_and_provenance_for_the_reporting_organization_and_triage(name, private):
    incident = lab_a_incident(
        "GREEN",
        contact={"name": "Desk", "email": "desk@lab-a.example"},
        provenance={
            "channel": "api",
            "source_format": "json",
            "payload_sha256": "0" * 64,
            "decisions": [{"field": "contact", "original": "desk@lab-a.example"}],
        },
    )
    assert sees_private_fields(VIEWERS[name], incident) is private
    shown = shown_to(VIEWERS[name], incident)
    if private:
        assert shown == incident
    else:
        assert "contact" not in shown
        assert "recipients" not in shown
        assert shown["provenance"] == {"channel": "api", "source_format": "json"}
        assert shown["reporting_organization"] == "Lab A"


def test_visibility_states_the_rule_as_data():
    assert visibility(ANONYMOUS).levels == {"CLEAR"}
    assert visibility(ANONYMOUS).own_levels == frozenset()
    assert visibility(ANONYMOUS).recipient is None
    lab_a = visibility(VIEWERS["lab A reporter"])
    assert lab_a.levels == {"CLEAR", "GREEN"}
    assert lab_a.own_levels == {"AMBER", "AMBER+STRICT"}
    assert (lab_a.organization_id, lab_a.recipient) == (LAB_A, "p-a")
    assert visibility(VIEWERS["risk owner"]).levels == {"CLEAR", "GREEN", "AMBER"}
