"""Suggested harm domains for a report that gives none: a small text classifier trained on
the AI Incident Database's MIT labels (``make model`` builds it from the shipped data).

A suggestion is the model's guess with its confidence, kept in the report's own
``suggestions`` field and in its provenance, never in ``harm_domains``. Without a model
(not built, or unreadable) there are no suggestions, a warning is logged once, and intake
goes on; a report the model cannot read gets a flag saying why.

    suggest("Deepfake audio of a CEO used in a fraud", "en").field()
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shared.normalize.suggest.model import Model

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).parent / "harm_domains.zip"  # written by `make model`
SHOWN = 3  # suggestions per level, the most confident first
LANGUAGES = ("en",)  # what the model was trained on


class NoSuggestion(Exception):
    """Why the model suggests nothing for a report; the report's flag."""


@dataclass(frozen=True)
class Suggestion:
    model: str
    domains: tuple[tuple[str, float], ...]
    subdomains: tuple[tuple[str, float], ...]

    def field(self) -> dict[str, Any]:
        """The report's ``suggestions``."""

        def listed(ranked: tuple[tuple[str, float], ...]) -> list[dict[str, Any]]:
            return [{"id": term, "confidence": round(p, 3)} for term, p in ranked]

        return {
            "model": self.model,
            "harm_domains": listed(self.domains),
            "harm_subdomains": listed(self.subdomains),
        }

    def ids(self) -> dict[str, list[str]]:
        return {
            "harm_domains": [term for term, _ in self.domains],
            "harm_subdomains": [term for term, _ in self.subdomains],
        }

    def rule(self) -> str:
        return f"suggested by the model {self.model}; not given by the reporter or the source"


def choose(model: str, ranked: dict[str, list[tuple[str, float]]]) -> Suggestion:
    """The suggestion from a model's ranked classes: the ``SHOWN`` most probable of each level."""
    return Suggestion(model, tuple(ranked["domain"][:SHOWN]), tuple(ranked["subdomain"][:SHOWN]))


@cache
def _load(path: Path) -> Model | None:
    try:
        return Model.load(path)
    except FileNotFoundError:
        log.warning("no harm-domain model at %s (make model): reports get no suggestions", path)
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("the harm-domain model %s cannot be read, no suggestions: %s", path, exc)
    return None


def available() -> bool:
    """Whether there is a model; loads it (once) if so."""
    return _load(MODEL_FILE) is not None


def suggest(text: str, language: str) -> Suggestion | None:
    """Harm domains and subdomains for a report's title and description; None without a
    model. Raises ``NoSuggestion`` for a report the model cannot read."""
    model = _load(MODEL_FILE)
    if model is None:
        return None
    if language.split("-")[0].lower() not in LANGUAGES:
        raise NoSuggestion(f"No suggestion: the harm-domain model reads English, not {language}.")
    ranked = model.rank(text)
    if ranked is None:
        raise NoSuggestion("No suggestion: the harm-domain model knows no word of the report.")
    return choose(model.name, ranked)
