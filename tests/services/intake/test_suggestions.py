"""Intake with and without a harm-domain model: reports are accepted either way."""

from __future__ import annotations

from shared.envelope import decode
from shared.normalize import suggest, warm_up


def stored(outbox) -> dict:
    ((_, envelope),) = outbox.unpublished(10)
    return decode(envelope).payload["report"]


def test_a_report_without_domains_is_stored_with_suggested_ones(
    model_file, client, outbox, valid_report
):
    body = valid_report(title="Deepfake voice fraud", description="Scammers cloned a voice.")

    response = client.post("/v1/reports", json=body)

    assert response.status_code == 202
    report = stored(outbox)
    assert "harm_domains" not in report
    assert report["suggestions"]["harm_domains"][0]["id"] == "4"


def test_intake_starts_and_accepts_reports_when_the_model_cannot_be_read(
    tmp_path, monkeypatch, client, outbox, valid_report
):
    broken = tmp_path / "harm_domains.zip"
    broken.write_bytes(b"half a model")
    monkeypatch.setattr(suggest, "MODEL_FILE", broken)
    warm_up()  # what python -m services.intake does before it serves

    response = client.post("/v1/reports", json=valid_report())

    assert response.status_code == 202
    assert response.get_json()["flags"] == []
    assert "suggestions" not in stored(outbox)
