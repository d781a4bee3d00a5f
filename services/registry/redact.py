"""E-mail addresses and phone numbers in free text replaced by markers, for the public view.

Phone numbers are recognized by the phonenumbers library in any country's format: each
run of 7 to 15 digits written as phone numbers are (spaces, dots, dashes, brackets, an
optional leading +) is parsed under every region the library knows, and replaced when it
is a valid number in one of them. Runs that are dates, year ranges or parts of an
identifier (``CVE-2021-44228``, ``v1.2.3``) are left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

EMAIL_MARKER = "[e-mail removed]"
PHONE_MARKER = "[phone number removed]"

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_CANDIDATE = re.compile(r"(?<![\w\-./:])(?:\+\s?)?\(?\d(?:[ ().\-/]{0,3}\d){6,}(?![\w\-/]|\.\d)")
_NOT_PHONE = re.compile(
    r"(?:1[89]|20)\d\d\s*[-\u2013/]\s*(?:1[89]|20)\d\d"  # 2019-2020
    r"|(?:1[89]|20)\d\d[-/.]\d\d?[-/.]\d\d?"  # 2024-07-18
    r"|\d\d?[-/.]\d\d?[-/.](?:1[89]|20)\d\d"  # 18/07/2024
    r"|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"  # 20240305
)
_GROUPS = re.compile(r"[ ().\-/+]+")
_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


@lru_cache(maxsize=16_384)
def is_phone_number(candidate: str) -> bool:
    """Whether ``candidate`` is a valid phone number in some region (or internationally)."""
    digits = sum(c.isdigit() for c in candidate)
    if not 7 <= digits <= 15 or _NOT_PHONE.fullmatch(candidate.strip()):
        return False
    if "." in candidate and any(len(group) == 1 for group in _GROUPS.split(candidate)):
        return False  # a version (2021.11.0.0), not 01.42.68.53.00
    regions = [None] if candidate.startswith("+") else _REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def phone_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds a phone number, in order."""
    return [m.span() for m in _CANDIDATE.finditer(text) if is_phone_number(m.group())]


def redact(text: str) -> str:
    if "@" in text:  # the e-mail pattern is slow to rule out at every position
        text = EMAIL.sub(EMAIL_MARKER, text)
    for start, end in reversed(phone_spans(text)):
        text = text[:start] + PHONE_MARKER + text[end:]
    return text
