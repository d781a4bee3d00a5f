"""One check for every RFC 9457 answer in the suite: status, media type and body agree."""

from __future__ import annotations

from typing import Any

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """``response`` (Flask's test client or requests) is a problem document with ``status``;
    returns its body."""
    text = response.get_data(as_text=True) if hasattr(response, "get_data") else response.text
    assert response.status_code == status, text[:500]
    media_type = getattr(response, "mimetype", None) or response.headers["Content-Type"]
    assert media_type.split(";")[0] == PROBLEM
    body = response.get_json() if hasattr(response, "get_json") else response.json()
    assert body["status"] == status
    assert body["title"]
    return body
