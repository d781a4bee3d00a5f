"""Values as a reader of the pages sees them: severities, states, event types and harm
domains in the page's language; a subdomain by its number and its vocabulary label (the
vocabulary has English labels only); anything unknown as it is stored."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from shared import vocab
from shared.i18n import Translator

_PREFIXES = {"severity": "severity", "status": "status", "type": "event_type", "domain": "domain"}


@cache
def _domain_labels() -> dict[str, str]:
    return {term.id: term.label for term in vocab.load("mit_risk_domains").terms}


def labeller(t: Translator) -> Callable[[str, object], str]:
    """``label(kind, value)`` for the templates; ``kind`` is a facet's name."""

    def label(kind: str, value: object) -> str:
        if value is None or value == "":
            return t("severity.none") if kind == "severity" else t("field.none")
        text = str(value)
        key = f"{_PREFIXES.get(kind, kind)}.{text}"
        if t.has(key):
            return t(key)
        if kind == "domain" and text in _domain_labels():
            return f"{text} {_domain_labels()[text]}"
        if kind == "tlp":
            return f"TLP:{text}"
        return text

    return label
