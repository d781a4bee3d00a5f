"""API keys on intake's JSON API (the per-key rate limit is in rate_limit.py).

The key is resolved by the directory (``shared.auth.current_viewer``). The API takes keys
only, never the web session: its routes are exempt from CSRF, so a cookie must not be
enough to file a report in someone's name.
"""

from __future__ import annotations

from functools import wraps

from flask import g

from shared.access import REPORTER
from shared.auth import bearer_key, current_viewer, unauthorized
from shared.directory.credentials import key_id_of
from shared.http import problem


def require_api_key(view):
    """Let the request through only with ``Authorization: Bearer <live key>``."""

    @wraps(view)
    def checked(*args, **kwargs):
        key = bearer_key()  # 401 for another scheme
        if key is None:
            raise unauthorized()
        current_viewer()  # 401 for an unknown or revoked key
        g.api_key_id = key_id_of(key)  # whose rate limit the request counts against
        return view(*args, **kwargs)

    return checked


def require_reporter(view):
    """After ``require_api_key``: filing reports is the reporter role's."""

    @wraps(view)
    def checked(*args, **kwargs):
        if not current_viewer().has_role(REPORTER):
            return problem(
                403, "Forbidden", "Filing reports needs the reporter role; ask your admin."
            )
        return view(*args, **kwargs)

    return checked
