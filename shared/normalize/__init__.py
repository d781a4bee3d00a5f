"""Normalization: every channel's lenient input onto the shared schema and vocabularies,
recording each mapping decision in the report's provenance.

Pure functions, one module per concern: ``severity``, ``ratings``, ``countries``,
``dates``, ``language``, ``domains`` and ``terms`` (every other vocabulary), with
``crosswalks`` for the public datasets' own categories. ``normalize`` runs them over a
whole report.
"""

from shared.normalize.normalizer import (
    ALWAYS_REQUIRED,
    NO_DEFAULTS,
    NORMALIZER_VERSION,
    REQUIRED_FOR_REPORTERS,
    normalize,
    warm_up,
)
from shared.normalize.result import Rejected

__all__ = [
    "ALWAYS_REQUIRED",
    "NORMALIZER_VERSION",
    "NO_DEFAULTS",
    "REQUIRED_FOR_REPORTERS",
    "Rejected",
    "normalize",
    "warm_up",
]
