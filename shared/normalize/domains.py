"""Harm domains and subdomains of the MIT AI Risk Repository, by id ("7", "7.3") or label
("7.3. Lack of capability or robustness")."""

from __future__ import annotations

from shared import vocab
from shared.normalize import terms
from shared.normalize.result import Mapped, Unknown

VOCABULARY = "mit_risk_domains"


def _level(term_id: str) -> str:
    return vocab.load(VOCABULARY).term(term_id).data["level"]


def domain(value: str) -> Mapped:
    mapped = terms.lookup(VOCABULARY, value)
    if _level(mapped.value) != "domain":
        raise Unknown(f"{value!r} is a subdomain; give it in harm_subdomains.")
    return mapped


def subdomain(value: str) -> Mapped:
    mapped = terms.lookup(VOCABULARY, value)
    if _level(mapped.value) != "subdomain":
        raise Unknown(f"{value!r} is a domain; give it in harm_domains.")
    return mapped


def parent(subdomain_id: str) -> str:
    """The domain a subdomain belongs to: giving 7.3 says the harm is in domain 7."""
    return vocab.load(VOCABULARY).term(subdomain_id).data["domain"]
