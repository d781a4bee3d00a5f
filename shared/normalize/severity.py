"""Severity onto the 4-level scale: from crosswalked scales (SEV1, P2, 1-5) or from words in
several languages ("critical", "élevé", "严重")."""

from __future__ import annotations

from shared import vocab
from shared.normalize import terms
from shared.normalize.result import Mapped


def severity(value: str | int) -> Mapped:
    # "Sev-1", "sev 1" and "SEV1" are one code; a number is its own code on the 1-5 scale.
    code = str(value) if isinstance(value, int) else terms.fold(value).replace(" ", "").upper()
    for crosswalk in vocab.load("severity").data["crosswalks"]:
        if code in crosswalk["map"]:
            rule = f"severity: crosswalk {crosswalk['scheme']}"
            if "assumption" in crosswalk:
                rule += f", assuming {crosswalk['assumption']}"
            return Mapped(crosswalk["map"][code], rule)
    if isinstance(value, int):
        raise terms.unknown("severity", value)
    return terms.lookup("severity", value)
