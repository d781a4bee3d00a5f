"""Who may read which incident (the TLP rules), as pure code the stores compile into queries."""

from services.registry.access.rules import (
    Visibility,
    may_read,
    sees_private_fields,
    shown_to,
    visibility,
)

__all__ = ["Visibility", "may_read", "sees_private_fields", "shown_to", "visibility"]
