"""Optimistic concurrency in one place: an incident's or a risk's ETag is its version, and
every change names the version it was decided on in ``If-Match``."""

from __future__ import annotations

import re

from flask import request
from werkzeug.exceptions import HTTPException

_ETAG = re.compile(r'^\s*"(\d{1,18})"\s*$')


class PreconditionRequired(HTTPException):
    code = 428
    description = (
        "Send 'If-Match' with the ETag of the version you decided on (from a GET), e.g."
        ' If-Match: "3".'
    )


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match header names; None without one (or with ``*``, which
    names no version); -1 for a value that is no ETag of ours, which matches nothing."""
    if header is None or header.strip() in ("", "*"):
        return None
    match = _ETAG.match(header)
    return int(match.group(1)) if match else -1


def expected_version() -> int:
    """The request's If-Match version; a 428 without one."""
    version = parse_if_match(request.headers.get("If-Match"))
    if version is None:
        raise PreconditionRequired()
    return version
