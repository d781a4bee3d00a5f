"""The language of a report's text: the declared BCP 47 tag in its standard form, or the
language py3langid detects in the title and description."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

import langcodes
from py3langid.langid import MODEL_FILE, LanguageIdentifier

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
    # Loading the model takes about a second: once per process, at the first detection.
    return LanguageIdentifier.from_model_file(
        MODEL_FILE, norm_probs=True, min_confidence=MIN_CONFIDENCE
    )


_DETECTOR = f"py3langid {version('py3langid')}"


def detect(text: str) -> Mapped:
    tag, confidence = _identifier().classify(text)
    return Mapped(tag, f"language: detected by {_DETECTOR} (p={confidence:.2f})")
