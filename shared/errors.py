"""Errors shared by every port."""


class Unavailable(RuntimeError):
    """A dependency (bus, store, webhook) is unreachable or refused; a retry may succeed."""
