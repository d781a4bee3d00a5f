"""Text analysis, done here for both stores so they index and search the same terms.

Diacritics are folded and case is folded; Latin (and other alphabetic) words are stemmed
with the Snowball English stemmer; Chinese and Japanese runs become overlapping
two-character words (a one-character run stays one), so a two-character word finds them.
Both stores index the resulting terms separated by spaces, and split on spaces only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_CJK = (
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>(?:(?![{_CJK}])[^\W_])+)")
# Without Chinese or Japanese, a text's words are runs of letters and digits (a simpler and
# much faster pattern than ``_TOKEN``, which must stop a word at a CJK character).
_HAS_CJK = re.compile(rf"[{_CJK}]")
_WORD = re.compile(r"[^\W_]+")
_STEMMER = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Case and diacritics folded: ``Données`` becomes ``donnees``; NFKC otherwise."""
    if text.isascii():  # nothing to decompose or compose: the common case, 20 times faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def analyze(text: str) -> list[str]:
    """The terms of ``text`` in order (positions matter for phrases)."""
    text = fold(text)
    if not _HAS_CJK.search(text):
        return [stem(word) for word in _WORD.findall(text)]
    terms: list[str] = []
    for match in _TOKEN.finditer(text):
        if match["cjk"]:
            terms += _bigrams(match["cjk"])
        else:
            terms.append(stem(match["word"]))
    return terms


def prefix_term(word: str) -> str | None:
    """The folded (not stemmed) prefix of ``word``, when it is one single term."""
    terms = [m.group() for m in _TOKEN.finditer(fold(word))]
    return terms[0] if len(terms) == 1 else None


def indexed(text: str | None) -> str:
    """What a store indexes for ``text``: its terms separated by single spaces."""
    return " ".join(analyze(text or ""))
