"""Who a report is from and who may read it: intake's own decisions, apart from the I/O."""

from __future__ import annotations

import pytest

from services.intake.reports import attribution, sharing
from shared.access import ANONYMOUS, REPORTER, Viewer

ADA = Viewer(
    person_id="01JD00000000000000000000B1",
    organization_id="01JD00000000000000000000A1",
    member=True,
    roles=frozenset({REPORTER}),
)
BO = "01JD00000000000000000000B2"
PEOPLE = {ADA.person_id, BO}


def test_a_key_or_session_vouches_for_its_organization():
    assert attribution(ADA) == {
        "organization_id": ADA.organization_id,
        "submitted_by": ADA.person_id,
        "verified": True,
    }


def test_an_anonymous_report_is_no_ones_and_unverified():
    assert attribution(ANONYMOUS) == {
        "organization_id": None,
        "submitted_by": None,
        "verified": False,
    }


def test_sharing_fields_leave_the_report_and_get_their_defaults():
    rest, chosen, errors = sharing({"title": "t"}, ADA.person_id, PEOPLE.__contains__)
    assert rest == {"title": "t"}
    assert chosen == {"recipients": [ADA.person_id], "publish_organization": False}
    assert errors == {}


def test_the_submitter_is_always_a_recipient_once():
    raw = {"recipients": [BO, ADA.person_id, BO], "publish_organization": True}
    _, chosen, errors = sharing(raw, ADA.person_id, PEOPLE.__contains__)
    assert chosen == {"recipients": [BO, ADA.person_id], "publish_organization": True}
    assert errors == {}


def test_an_anonymous_report_has_no_recipient_but_those_named():
    _, chosen, _ = sharing({"recipients": [BO]}, None, PEOPLE.__contains__)
    assert chosen["recipients"] == [BO]


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        (
            {"recipients": ["nobody"]},
            {"recipients": {0: ["No person in the directory has this id."]}},
        ),
        ({"recipients": "x"}, {"recipients": ["Not a valid list."]}),
        ({"publish_organization": 1}, {"publish_organization": ["Not a valid boolean."]}),
    ],
)
def test_bad_sharing_fields_are_named(raw, errors):
    assert sharing(raw, ADA.person_id, PEOPLE.__contains__)[2] == errors


def test_what_is_not_an_object_is_left_to_the_normalizer():
    assert sharing(["a list"], None, PEOPLE.__contains__) == (
        ["a list"],
        {"recipients": [], "publish_organization": False},
        {},
    )
