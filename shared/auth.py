"""Who is asking: the request's ``Authorization: Bearer <key>``, or the person signed in to
the web pages, resolved to a ``Viewer``.

Each service installs an ``Authenticator`` (the directory projection, in production) with
``init_app``; views call ``current_viewer()``. No header and no session means the anonymous
viewer; a header that does not name a live key is a 401, never a silent downgrade to
anonymous. A session whose person is gone, or whose password changed since, ends (the
viewer is anonymous and a flashed message in category ``NOTICE`` says "ended", for the
sign-in page to tell them).
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app, flash, g, request, session
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from shared.access import ANONYMOUS, Viewer

_EXTENSION = "accord.authenticator"
SESSION_KEY = "accord.person"  # {"id": person id, "stamp": their password's stamp}
NOTICE = "directory"  # the category of flashed messages about the session


class Authenticator(Protocol):
    def viewer_for_key(self, key: str) -> Viewer | None:
        """The viewer a plain API key belongs to; None for an unknown or revoked key."""

    def ready(self) -> None:
        """Raise ``Unavailable`` until it knows the current keys (for ``/readyz``)."""

    def viewer_for_person(self, person_id: str, password_stamp: str | None) -> Viewer | None:
        """A signed-in person's viewer; None if they are gone or changed their password."""


def init_app(app: Flask, authenticator: Authenticator) -> None:
    app.extensions[_EXTENSION] = authenticator


def authenticator() -> Authenticator:
    return current_app.extensions[_EXTENSION]


USAGE = "Send an API key as 'Authorization: Bearer acc_...'."


def unauthorized(detail: str = USAGE) -> Unauthorized:
    return Unauthorized(detail, www_authenticate=WWWAuthenticate("Bearer", {"realm": "accord"}))


def bearer_key() -> str | None:
    """The key of ``Authorization: Bearer <key>``; None without the header; 401 if it is
    not a Bearer key."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise unauthorized()
    return key


def current_viewer() -> Viewer:
    """The viewer of the current request (cached on ``g``); raises 401 for a bad key."""
    if "viewer" in g:
        return g.viewer
    key = bearer_key()
    if key is not None:
        viewer = authenticator().viewer_for_key(key)
        if viewer is None:
            raise unauthorized("This API key is unknown or revoked.")
    else:
        viewer = _session_viewer()
    g.viewer = viewer
    return viewer


def _session_viewer() -> Viewer:
    stored = session.get(SESSION_KEY)
    if stored is None:
        return ANONYMOUS
    viewer = None
    if isinstance(stored, dict) and isinstance(stored.get("id"), str):
        viewer = authenticator().viewer_for_person(stored["id"], stored.get("stamp"))
    if viewer is None:
        session.pop(SESSION_KEY)
        flash("ended", NOTICE)
        return ANONYMOUS
    return viewer


def start_session(person_id: str, password_stamp: str | None) -> None:
    """Sign a person in: a fresh session (nothing from before carries over), signed by the
    app's SECRET_KEY and expiring after PERMANENT_SESSION_LIFETIME."""
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = {"id": person_id, "stamp": password_stamp}
    g.pop("viewer", None)


def end_session() -> None:
    session.clear()
    g.pop("viewer", None)
