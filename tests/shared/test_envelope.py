from __future__ import annotations

import copy
import json
from datetime import datetime

import pytest

from shared.envelope import Envelope, InvalidMessage, decode, encode
from shared.topics import CONTRACTS

EXAMPLE = CONTRACTS["reports"].events["report.accepted"]["examples"][0]


def example() -> dict:
    return copy.deepcopy(EXAMPLE)


def raw(data: object) -> bytes:
    return json.dumps(data).encode()


def test_a_new_envelope_gets_a_ulid_and_an_aware_timestamp_and_round_trips():
    envelope = Envelope(
        type="report.accepted", key="k", producer="test", payload=example()["payload"]
    )
    assert len(envelope.id) == 26
    assert datetime.fromisoformat(envelope.occurred_at).tzinfo is not None
    assert decode(encode(envelope)) == envelope


def test_encode_refuses_an_invalid_payload_naming_the_field():
    payload = example()["payload"]
    del payload["report"]["title"]
    envelope = Envelope(type="report.accepted", key="k", producer="test", payload=payload)
    with pytest.raises(InvalidMessage, match=r"invalid report\.accepted payload.*title"):
        encode(envelope)


def test_encode_refuses_an_unknown_event_type():
    envelope = Envelope(type="report.lost", key="k", producer="test", payload={})
    with pytest.raises(InvalidMessage, match=r"unknown event type 'report\.lost'"):
        encode(envelope)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty message"),
        (b"", "not JSON"),
        (b"<html>oops</html>", "not JSON"),
        (b'"\xff"', "not JSON"),
        (b"[]", "must be a JSON object"),
        (b'"report"', "must be a JSON object"),
    ],
)
def test_decode_rejects_what_is_not_a_json_object(value, reason):
    with pytest.raises(InvalidMessage, match=reason):
        decode(value)


@pytest.mark.parametrize("name", ["id", "type", "schema_version", "occurred_at", "producer", "key"])
def test_decode_rejects_a_missing_envelope_field(name):
    data = example()
    del data[name]
    with pytest.raises(InvalidMessage, match=rf"invalid envelope: .*\"{name}\""):
        decode(raw(data))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"type": "report.rejected"}, "unknown event type 'report.rejected' version 1"),
        ({"schema_version": 2}, "unknown event type 'report.accepted' version 2"),
        ({"schema_version": "1"}, "schema_version"),
        ({"id": "not-a-ulid"}, '"id"'),
        ({"id": "01jd0000000000000000000001"}, '"id"'),  # lowercase is not canonical
        ({"occurred_at": "2026-11-20T09:15:00"}, '"occurred_at"'),  # naive
        ({"payload": "text"}, '"payload"'),
        ({"trace_id": "abc"}, '"trace_id"'),  # unknown fields are refused, not dropped
    ],
)
def test_decode_rejects_an_invalid_envelope_naming_the_problem(change, reason):
    with pytest.raises(InvalidMessage, match=reason):
        decode(raw(example() | change))


def test_decode_rejects_an_invalid_payload_naming_the_field():
    data = example()
    data["payload"]["report"]["countries"] = ["fr"]
    with pytest.raises(InvalidMessage, match=r"invalid report\.accepted payload.*countries"):
        decode(raw(data))
