"""API-key authentication and per-key rate limiting for intake's JSON API."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from flask_limiter import Limiter

from shared.http import problem

limiter = Limiter(
    key_func=lambda: g.api_key.key_id,
    headers_enabled=True,  # sends Retry-After with every 429
    storage_uri="memory://",  # per process; a multi-replica deployment shares Redis instead
)


def require_api_key(view):
    """Let the request through only with ``Authorization: Bearer <live key>``."""

    @wraps(view)
    def checked(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        key = current_app.extensions["accord.keys"].verify(token) if token else None
        if key is None:
            response = problem(
                401,
                "Unauthorized",
                "Send your lab's API key as 'Authorization: Bearer acc_...'."
                if not token
                else "This API key is unknown or revoked.",
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="accord"'
            return response
        g.api_key = key
        return view(*args, **kwargs)

    return checked
