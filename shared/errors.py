"""Errors shared by every port: two kinds of failure, never mixed.

``Unavailable``: a dependency is away (unreachable, timed out, overloaded); the same call
may succeed later, so retry it with backoff and never skip it.
``Rejected``: this one message or request can never succeed as it is (a document the store
refuses, a payload that does not validate); dead-letter it or answer 4xx, and go on.
"""


class Unavailable(RuntimeError):
    """A dependency (bus, store, webhook) is unreachable or overloaded; a retry may succeed."""


class Rejected(ValueError):
    """This one input can never succeed as it is; retrying it is pointless."""
