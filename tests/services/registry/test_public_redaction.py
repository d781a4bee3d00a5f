"""The public view over all three real datasets (AIID, AIAAIC, AVID): no e-mail address
or phone number survives, neither those the records hold nor ones planted in their text
in many countries' formats. The checks here use their own detectors (the HTML5 e-mail
grammar, phonenumbers' own matcher), not the redactor's."""

from __future__ import annotations

import itertools
import re

import phonenumbers
import pytest
from phonenumbers import Leniency, PhoneNumberMatcher
from registry_datasets import incidents
from registry_support import app_client

from services.registry.store.embedded import EmbeddedStore
from shared.bus.embedded import EmbeddedBus

# The HTML5 "valid e-mail address".
EMAIL = re.compile(
    r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+"
)
CHECK_REGIONS = (None, "US", "GB", "FR", "DE", "CN", "JP", "IN", "BR", "AU", "KR", "RU")
# Real formats of real-looking numbers (fictional ranges where a country has one).
PHONES = (
    "+44 20 7946 0958",
    "(415) 555-2671",
    "01 42 68 53 00",
    "030 901820",
    "010-6552 9988",
    "03-1234-5678",
    "+91 98765 43210",
    "(02) 9374 4000",
    "(11) 91234-5678",
    "02-312-3456",
    "+7 495 123-45-67",
    "+33 6 12 34 56 78",
)
EMAILS = ("desk@lab-a.example", "jean.dupont+ai@exemple.fr", "li_wei@mail.example.cn")


def planted(documents):
    """Each record with an e-mail address and a phone number put in the middle of its
    description, and one in its title every seventh record."""
    out = []
    for n, (doc, phone, email) in enumerate(
        zip(documents, itertools.cycle(PHONES), itertools.cycle(EMAILS), strict=False)
    ):
        text = doc["description"]
        middle = len(text) // 2
        cut = text.rfind(" ", 0, middle) + 1 if " " in text[:middle] else middle
        description = f"{text[:cut]}(call {phone}, or write to {email}) {text[cut:]}"
        title = f"{doc['title']} / {phone}" if n % 7 == 0 else doc["title"]
        out.append(
            {**doc, "id": f"planted-{doc['id']}", "title": title, "description": description}
        )
    return out


@pytest.fixture(scope="module")
def public_items(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("public")
    documents = [*incidents("aiid"), *incidents("aiaaic"), *incidents("avid")]
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    store = EmbeddedStore(tmp_path / "registry.sqlite3")
    try:
        store.ensure()
        store.upsert([*documents, *planted(documents)])
        client = app_client(tmp_path, bus, store)
        items, cursor = [], None
        while True:
            args = {"limit": 200, "sort": "received", **({"cursor": cursor} if cursor else {})}
            body = client.get("/v1/public/incidents", query_string=args).get_json()
            items += body["items"]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        yield documents, items
    finally:
        store.close()
        bus.close()


def texts(item) -> list[str]:
    """Every text a summary shows except its links, which are kept whole."""
    out = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    walk({k: v for k, v in item.items() if k not in ("references", "source")})
    return out


def phone_numbers(text: str, countries) -> set[str]:
    """Valid numbers phonenumbers' matcher finds, that are not part of a longer token
    (a version such as 8.0-20230110 is not a phone number)."""
    if sum(c.isdigit() for c in text) < 7:
        return set()
    found = set()
    for region in {*CHECK_REGIONS, *countries}:
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.STRICT_GROUPING):
            before = text[match.start - 1 : match.start]
            if not (before.isalnum() or before in ".-/:_"):
                found.add(match.raw_string)
    return found


def test_every_record_is_served_once(public_items):
    documents, items = public_items
    assert len(items) == 2 * len(documents)
    assert {"aiid", "aiaaic", "avid"} == {i["source"]["format"] for i in items}


def test_no_email_address_survives(public_items):
    _, items = public_items
    survivors = [(i["id"], m) for i in items for t in texts(i) for m in EMAIL.findall(t)]
    assert survivors == []


def test_no_phone_number_survives(public_items):
    _, items = public_items
    survivors = [
        (item["id"], number)
        for item in items
        if not item["id"].startswith("planted-")  # those: the marker test below
        for text in (item["title"], item["description"])
        for number in phone_numbers(text, item.get("countries", []))
    ]
    assert survivors == []


def test_every_planted_address_and_number_became_a_marker(public_items):
    _, items = public_items
    plants = [i for i in items if i["id"].startswith("planted-")]
    for item in plants:
        shown = item["title"] + " " + item["description"]
        assert "(call [phone number removed], or write to [e-mail removed])" in shown, item["id"]
        for raw in (*PHONES, *EMAILS):
            assert raw not in shown, (item["id"], raw)
    assert len(plants) > 5000


def test_the_check_itself_finds_the_planted_numbers():
    """The detector above is not blind: it finds every planted format."""
    for phone in PHONES:
        assert phone_numbers(f"call {phone} now", []) == {phone}, phone
    assert phonenumbers.is_valid_number(phonenumbers.parse(PHONES[0]))
