"""What the tests of the registry's pages share: incidents, the people who sign in, and
signing in the way a browser does (the sign-in page's CSRF token, then the form)."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from html_page import Page
from identities import PASSWORD, Identities, client_with_key

from services.registry.decisions import registered
from shared.access import RISK_OWNER
from shared.topics import CONTRACTS, REPORTS

RISK_OWNER_EMAIL = "rosa@secretariat.example"
LAB_B_EMAIL = "bo@lab-b.example"


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of a page's form, as a visitor would load it (setting the session)."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return Page(response.text).find("input", name="csrf_token")[0]["value"]


def sign_in(client: FlaskClient, email: str, next_path: str = "/"):
    data = {"csrf_token": csrf_token(client, "/sign-in"), "email": email, "password": PASSWORD}
    return client.post("/sign-in", data={**data, "next": next_path})


_GOLDEN = CONTRACTS[REPORTS].events["report.accepted"]["examples"][0]["payload"]["report"]
SCRIPT = "<script>alert(1)</script>"


def incident(n: int, **changes: Any) -> dict[str, Any]:
    """The golden report as a new incident numbered ``n`` (1-28): higher is newer; a
    change to None drops the field."""
    report = copy.deepcopy(_GOLDEN)
    report.update(id=f"01JD{n:022d}", received_at=f"2026-11-{n:02d}T09:15:00+00:00")
    report.update(changes)
    return registered({k: v for k, v in report.items() if v is not None})


# A CLEAR critical incident, a GREEN high one with markup in its title, an AMBER one of
# lab A without severity or domain, and five GREEN medium ones.
INCIDENTS = [
    incident(1, tlp="CLEAR", severity="critical", occurred_at="2024-03-02T10:00:00+00:00",
             harm_domains=["7"], harm_subdomains=["7.3"], title="Robot arm crushed a box"),
    incident(2, tlp="GREEN", severity="high", occurred_at="2025-01-05T10:00:00+00:00",
             harm_domains=["2"], harm_subdomains=["2.1"], title=f"Leak {SCRIPT} of weights"),
    incident(3, tlp="AMBER", severity=None, occurred_at="2025-06-01T10:00:00+00:00",
             harm_domains=[], harm_subdomains=[], title="Agent copied its checkpoints"),
    *(incident(n, tlp="GREEN", severity="medium", title=f"Chatbot dosage advice {n}")
      for n in range(4, 9)),
]  # fmt: skip


def key_client(app: Flask, identities: Identities) -> FlaskClient:
    """A risk owner's client that sends a key with every request (the same viewer as a
    signed-in risk owner, without an argon2 hash)."""
    return client_with_key(app, identities.key("Secretariat", roles=(RISK_OWNER,)))
