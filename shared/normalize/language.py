"""The language of a report's text: the declared BCP 47 tag in its standard form, or the
language py3langid detects in the title and description."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

import langcodes
from py3langid.langid import LanguageIdentifier

from shared.normalize import language_model
from shared.normalize.result import Mapped, Unknown

# Below this probability the detector abstains ("und"): short titles in close languages
# are guesses, and a wrong tag is worse than an honest "undetermined".
MIN_CONFIDENCE = 0.3


def declared(tag: str) -> Mapped:
    if not langcodes.tag_is_valid(tag):
        raise Unknown(f"Not a BCP 47 language tag: {tag!r}; use a tag such as en, fr or zh-Hans.")
    return Mapped(langcodes.standardize_tag(tag), "language: BCP 47 standard form")


@cache
def _identifier() -> LanguageIdentifier:
    # Once per process, at the first detection: the model memory-mapped, so a process
    # never holds more of it than its detections read (see language_model).
    return language_model.identifier(norm_probs=True, min_confidence=MIN_CONFIDENCE)


_DETECTOR = f"py3langid {version('py3langid')}"


def detect(text: str) -> Mapped:
    tag, confidence = _identifier().classify(text)
    return Mapped(tag, f"language: detected by {_DETECTOR} (p={confidence:.2f})")
