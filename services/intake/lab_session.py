"""A lab signed in to intake's pages with its API key.

The signed session cookie holds the key's id and the lab's organization, never the key
itself. Every request checks again that the key is live, so revoking a key signs its lab
out at its next request. Why a session ended is left as a flashed message (category
``NOTICE``: ``"signed_out"`` or ``"revoked"``) for the sign-in page to say.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, g, session

from services.intake.keys import ApiKey

SESSION_KEY = "lab"
NOTICE = "lab"


@dataclass(frozen=True)
class Lab:
    key_id: str
    organization: str


def sign_in(key: ApiKey) -> Lab:
    """Start a fresh session for the key's lab: nothing from before signing in carries over."""
    session.clear()
    session[SESSION_KEY] = {"key_id": key.key_id, "organization": key.organization}
    g.accord_lab = Lab(key.key_id, key.organization)
    return g.accord_lab


def sign_out() -> None:
    session.clear()
    flash("signed_out", NOTICE)
    g.accord_lab = None


def signed_in_lab() -> Lab | None:
    """The lab of this session, if its key is still live; a revoked key ends the session."""
    if "accord_lab" in g:
        return g.accord_lab
    lab = None
    if SESSION_KEY in session:
        stored = session[SESSION_KEY]
        if isinstance(stored, dict):
            key_id, organization = stored.get("key_id"), stored.get("organization")
            if isinstance(key_id, str) and isinstance(organization, str):
                lab = Lab(key_id, organization)
        if lab is None or not current_app.extensions["accord.keys"].is_active(lab.key_id):
            del session[SESSION_KEY]
            flash("revoked", NOTICE)
            lab = None
    g.accord_lab = lab
    return lab
