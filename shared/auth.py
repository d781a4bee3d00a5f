"""Who is asking: the request's ``Authorization: Bearer <key>`` resolved to a ``Viewer``.

Each service installs an ``Authenticator`` (the directory projection, in production) with
``init_app``; views call ``current_viewer()``. No header means the anonymous viewer; a
header that does not name a live key is a 401, never a silent downgrade to anonymous.
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from shared.access import ANONYMOUS, Viewer

_EXTENSION = "accord.authenticator"


class Authenticator(Protocol):
    def viewer_for_key(self, key: str) -> Viewer | None:
        """The viewer a plain API key belongs to; None for an unknown or revoked key."""


def init_app(app: Flask, authenticator: Authenticator) -> None:
    app.extensions[_EXTENSION] = authenticator


def _unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail, www_authenticate=WWWAuthenticate("Bearer", {"realm": "accord"}))


def current_viewer() -> Viewer:
    """The viewer of the current request (cached on ``g``); raises 401 for a bad key."""
    if "viewer" in g:
        return g.viewer
    header = request.headers.get("Authorization")
    if header is None:
        g.viewer = ANONYMOUS
        return g.viewer
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise _unauthorized("Send an API key as 'Authorization: Bearer acc_...'.")
    viewer = current_app.extensions[_EXTENSION].viewer_for_key(key)
    if viewer is None:
        raise _unauthorized("This API key is unknown or revoked.")
    g.viewer = viewer
    return viewer
