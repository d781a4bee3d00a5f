"""The public datasets' own categories onto the vocabularies: AIAAIC issues and harms, AVID
risk domains and effect codes, AIID harmed-party slugs and CSETv1 harm levels. Each
crosswalk is data in the vocabulary it maps onto (``source_crosswalks``), versioned with it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from shared import vocab
from shared.normalize import crosswalks, domains, terms
from shared.normalize.result import Mapped, Outside, Unknown

VOCABULARY: dict[str, Callable[[str], Mapped]] = {
    "event_type": lambda value: terms.lookup("event_types", value),
    "harm_domains": domains.domain,
    "harm_subdomains": domains.subdomain,
    "harm_types": lambda value: terms.lookup("harm_types", value),
    "affected_parties": lambda value: terms.lookup("affected_parties", value),
}
SOURCES = {"aiid", "aiaaic", "avid"}


def mapped(source_format: str, field: str, value: str) -> Mapped:
    return crosswalks.mapper(source_format, field, VOCABULARY[field])(value)


def all_crosswalks() -> list[tuple[str, dict]]:
    """(vocabulary name, crosswalk data) for every crosswalk of every vocabulary."""
    return [
        (name, data)
        for name in vocab.names()
        for data in vocab.load(name).data.get("source_crosswalks", [])
    ]


def listed_values() -> list[tuple[str, str, str, str | None]]:
    """(source format, field, source value, target) for every value a crosswalk lists."""
    return [
        (data["source_format"], data["field"], value, entry["to"])
        for _, data in all_crosswalks()
        for entry in data["entries"]
        for value in entry.get("from", [])
    ]


# What a risk analyst reads off the crosswalks: the main decisions, written out by hand so
# that a change to the data shows up here as a changed expectation.
@pytest.mark.parametrize(
    ("source_format", "field", "value", "expected"),
    [
        # AIAAIC issues onto MIT subdomains.
        ("aiaaic", "harm_subdomains", "Transparency", "7.4"),
        ("aiaaic", "harm_subdomains", "Accuracy/reliability", "7.3"),
        ("aiaaic", "harm_subdomains", "Accuracy/reliablity", "7.3"),  # as misspelt in the sheet
        ("aiaaic", "harm_subdomains", "Privacy/surveillance", "2.1"),
        ("aiaaic", "harm_subdomains", "Privacy", "2.1"),
        ("aiaaic", "harm_subdomains", "Security", "2.2"),
        ("aiaaic", "harm_subdomains", "Fairness", "1.1"),
        ("aiaaic", "harm_subdomains", "Fairness - race, ethnicity, gender", "1.1"),  # a pattern
        ("aiaaic", "harm_subdomains", "Mis/disinformation", "3.1"),
        ("aiaaic", "harm_subdomains", "Authenticity/integrity", "4.3"),
        ("aiaaic", "harm_subdomains", "Autonomous weapons", "4.2"),
        ("aiaaic", "harm_subdomains", "Anthropomorphism", "5.1"),
        ("aiaaic", "harm_subdomains", "Automation bias", "5.1"),
        ("aiaaic", "harm_subdomains", "Autonomy/agency", "5.2"),
        ("aiaaic", "harm_subdomains", "Competition/monopolisation", "6.1"),
        ("aiaaic", "harm_subdomains", "Employment", "6.2"),
        ("aiaaic", "harm_subdomains", "Copyright", "6.3"),
        ("aiaaic", "harm_subdomains", "Accountability", "6.5"),
        ("aiaaic", "harm_subdomains", "Environment", "6.6"),
        ("aiaaic", "harm_subdomains", "Alignment", "7.1"),
        ("aiaaic", "harm_subdomains", "Robot rights", "7.5"),
        # AIAAIC external harms onto harm types.
        ("aiaaic", "harm_types", "Loss of life", "physical"),
        ("aiaaic", "harm_types", "Bodily injury", "physical"),
        ("aiaaic", "harm_types", "Anxiety/distress", "psychological"),
        ("aiaaic", "harm_types", "Deception/manipulation", "psychological"),
        ("aiaaic", "harm_types", "Financial loss", "economic_property"),
        ("aiaaic", "harm_types", "Job loss/losses", "economic_property"),
        ("aiaaic", "harm_types", "IP/copyright loss", "economic_property"),
        ("aiaaic", "harm_types", "Property damage", "economic_property"),
        ("aiaaic", "harm_types", "Reputational damage", "reputational"),
        ("aiaaic", "harm_types", "Defamation", "reputational"),
        ("aiaaic", "harm_types", "Privacy loss", "human_rights"),
        ("aiaaic", "harm_types", "Discrimination", "human_rights"),
        ("aiaaic", "harm_types", "Loss of rights/freedoms", "human_rights"),
        ("aiaaic", "harm_types", "Institutional trust loss", "public_interest"),
        ("aiaaic", "harm_types", "Societal destabilisation", "public_interest"),
        ("aiaaic", "harm_types", "Excessive energy consumption", "environmental"),
        ("aiaaic", "harm_types", "Psychological", "psychological"),  # the vocabulary's label
        # AVID risk domains onto MIT domains, effect codes onto subdomains.
        ("avid", "harm_domains", "Security", "2"),
        ("avid", "harm_domains", "Performance", "7"),
        ("avid", "harm_subdomains", "S0100: Software Vulnerability", "2.2"),
        ("avid", "harm_subdomains", "S0403: Adversarial Example", "2.2"),
        ("avid", "harm_subdomains", "S0301: Information Leak", "2.2"),
        ("avid", "harm_subdomains", "E0101: Group fairness", "1.1"),
        ("avid", "harm_subdomains", "E0301: Toxicity", "1.2"),
        ("avid", "harm_subdomains", "E0402: Generative Misinformation", "3.1"),
        ("avid", "harm_subdomains", "E0401: Deliberative Misinformation", "4.1"),
        ("avid", "harm_subdomains", "P0204: Accuracy", "7.3"),
        ("avid", "harm_subdomains", "P0201: Resilience/ Stability", "7.3"),
        ("avid", "harm_subdomains", "P0401: Psychological Safety", "1.2"),
        ("avid", "harm_subdomains", "P0300: Privacy", "2.1"),
        ("avid", "harm_subdomains", "7.3", "7.3"),  # an MIT id is still an MIT id
        # AIID harmed-party slugs onto affected parties.
        ("aiid", "affected_parties", "general-public", "general_public"),
        ("aiid", "affected_parties", "general-public-of-india", "general_public"),
        ("aiid", "affected_parties", "epistemic-integrity", "general_public"),
        ("aiid", "affected_parties", "electoral-integrity", "general_public"),
        ("aiid", "affected_parties", "pedestrians", "general_public"),
        ("aiid", "affected_parties", "public-road-users-in-washington-d.c.", "general_public"),
        ("aiid", "affected_parties", "uk-drivers", "general_public"),
        ("aiid", "affected_parties", "facebook-users", "users"),
        ("aiid", "affected_parties", "users-of-chatgpt", "users"),
        ("aiid", "affected_parties", "tesla-drivers", "users"),
        ("aiid", "affected_parties", "uber-drivers", "workers"),
        ("aiid", "affected_parties", "amazon-delivery-drivers", "workers"),
        ("aiid", "affected_parties", "amazon-warehouse-workers", "workers"),
        ("aiid", "affected_parties", "voice-actors", "workers"),
        ("aiid", "affected_parties", "minors", "children"),
        ("aiid", "affected_parties", "tiktok-young-users", "children"),  # not users
        ("aiid", "affected_parties", "students", "students"),
        ("aiid", "affected_parties", "hingham-high-school-students", "students"),
        ("aiid", "affected_parties", "black-students", "vulnerable_groups"),  # group before role
        ("aiid", "affected_parties", "elderly-investors", "vulnerable_groups"),
        ("aiid", "affected_parties", "women", "vulnerable_groups"),
        ("aiid", "affected_parties", "black-people", "vulnerable_groups"),
        ("aiid", "affected_parties", "cancer-patients", "patients"),
        ("aiid", "affected_parties", "investors", "consumers"),
        ("aiid", "affected_parties", "waymo-passengers", "consumers"),
        ("aiid", "affected_parties", "amazon-customers", "consumers"),
        ("aiid", "affected_parties", "hirevue-customers", "businesses"),  # listed, not *-customers
        ("aiid", "affected_parties", "small-businesses", "businesses"),
        ("aiid", "affected_parties", "journalists", "civil_society"),
        ("aiid", "affected_parties", "journalistic-integrity", "civil_society"),
        ("aiid", "affected_parties", "government-of-ukraine", "government"),
        (
            "aiid",
            "affected_parties",
            "national-security-and-intelligence-stakeholders",
            "government",
        ),
        ("aiid", "affected_parties", "critics-of-the-chinese-government", "civil_society"),
    ],
)
def test_a_source_value_maps_to_the_term_an_analyst_would_choose(
    source_format, field, value, expected
):
    assert mapped(source_format, field, value).value == expected


@pytest.mark.parametrize(("source_format", "field", "value", "to"), listed_values())
def test_every_listed_value_maps_as_its_crosswalk_says(source_format, field, value, to):
    if to is None:
        with pytest.raises(Outside):
            mapped(source_format, field, value)
    else:
        assert mapped(source_format, field, value).value == to


def test_the_rule_names_the_crosswalk_the_vocabulary_version_and_any_pattern():
    mit = vocab.load("mit_risk_domains").version
    parties = vocab.load("affected_parties").version

    assert mapped("aiaaic", "harm_subdomains", "Transparency") == Mapped(
        "7.4", f"mit_risk_domains {mit}: crosswalk aiaaic-issues"
    )
    assert mapped("aiid", "affected_parties", "tiktok-users") == Mapped(
        "users", f"affected_parties {parties}: crosswalk aiid-harmed-parties, pattern *-users"
    )
    # A value the vocabulary knows keeps the vocabulary's rule.
    assert mapped("aiid", "affected_parties", "minors").rule == "affected_parties: synonym (en)"


@pytest.mark.parametrize(
    ("source_format", "field", "value", "why"),
    [
        ("aiaaic", "harm_subdomains", "Safety", "vehicle and robot accidents (7.3)"),
        ("aiaaic", "harm_subdomains", "Dual use", "Potential for misuse"),
        ("aiaaic", "harm_subdomains", "Human rights/civil liberties", "A right infringed"),
        ("avid", "harm_domains", "Ethics", "spans MIT domains 1"),
        ("avid", "harm_subdomains", "P0402: Physical Safety", "hazardous knowledge"),
        ("aiid", "affected_parties", "families-of-the-victims", "Relatives"),
        ("aiid", "affected_parties", "unknown", "does not say who"),
    ],
)
def test_a_value_left_unmapped_on_purpose_is_kept_aside_with_the_reason(
    source_format, field, value, why
):
    with pytest.raises(Outside) as caught:
        mapped(source_format, field, value)

    message = str(caught.value)
    assert message.startswith(f"{value!r} is left unmapped by crosswalk ")
    assert why in message


@pytest.mark.parametrize(
    ("source_format", "field", "value", "message"),
    [
        ("aiaaic", "harm_subdomains", "Safety, Transparency", "Unknown harm domain"),
        ("aiaaic", "harm_types", "Operational disruption", "Unknown harm type"),
        ("avid", "harm_subdomains", "X0999: Something new", "Unknown harm domain"),
        ("avid", "harm_domains", "Reliability", "Unknown harm domain"),
        ("aiid", "affected_parties", "elon-musk", "Unknown affected party 'elon-musk'; use "),
        ("aiid", "affected_parties", "openai", "Unknown affected party"),
    ],
)
def test_a_value_no_crosswalk_knows_stays_unknown(source_format, field, value, message):
    with pytest.raises(Unknown, match=re.escape(message)):
        mapped(source_format, field, value)


def test_the_vocabulary_still_says_a_domain_is_not_a_subdomain():
    with pytest.raises(Unknown, match="is a domain; give it in harm_domains"):
        mapped("avid", "harm_subdomains", "7")


@pytest.mark.parametrize("source_format", ["json", "csv", "jsonl", "form", "aiid-csv"])
def test_other_formats_get_the_vocabulary_alone(source_format):
    for field, lookup in VOCABULARY.items():
        assert crosswalks.mapper(source_format, field, lookup) is lookup
    with pytest.raises(Unknown):
        mapped(source_format, "harm_subdomains", "Transparency")


def test_a_crosswalk_is_for_one_source_and_field():
    # AVID's "Security" is a domain; AIAAIC's is an issue, mapped to a subdomain.
    assert mapped("avid", "harm_domains", "Security").value == "2"
    assert mapped("aiaaic", "harm_subdomains", "Security").value == "2.2"
    with pytest.raises(Unknown):
        mapped("aiaaic", "harm_domains", "Security")
    with pytest.raises(Unknown):
        mapped("avid", "harm_types", "Security")


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("*-users", "facebook-users", True),
        ("*-users", "users", True),
        ("*-users", "users-of-chatgpt", False),
        ("*-users", "superusers", False),
        ("users-of-*", "users-of-chatgpt", True),
        ("*-users-*", "facebook-users-speaking-swahili", True),
        ("general-public-*", "general-public-of-the-united-states", True),
        ("black-*", "blackrock", False),
        ("Fairness - *", "Fairness - race, ethnicity", True),
        ("*-of-color", "University of Illinois students of color", True),
    ],
)
def test_a_star_stands_for_any_number_of_whole_words(pattern, value, matches):
    regex = crosswalks.pattern(pattern)
    assert bool(regex.fullmatch(f" {terms.fold(value)} ")) is matches


@pytest.mark.parametrize("pattern", ["users", "*", "*-*"])
def test_a_pattern_needs_a_star_and_a_word(pattern):
    with pytest.raises(ValueError, match="needs a \\* and a word"):
        crosswalks.pattern(pattern)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"from": ["x"], "to": "9.9"}], "'9.9' is no term of mit_risk_domains"),
        ([{"from": ["x"], "to": "7"}], "'7' is not a subdomain"),
        ([{"from": ["x"], "to": None}], "maps to nothing and says not why"),
        ([{"from": ["x"]}], "needs from or patterns, and to"),
        ([{"to": "7.3"}], "needs from or patterns, and to"),
        ([{"from": ["A b"], "to": "7.3"}, {"from": ["a-B"], "to": "7.4"}], "listed twice"),
    ],
)
def test_a_crosswalk_that_does_not_hold_together_fails_to_load(entries, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        crosswalks._compile("mit_risk_domains", "subdomain", {"scheme": "t", "entries": entries})


@pytest.mark.parametrize(
    ("name", "data"), all_crosswalks(), ids=[data["scheme"] for _, data in all_crosswalks()]
)
def test_every_crosswalk_says_what_it_maps_and_loads(name, data):
    assert set(data) == {"scheme", "source_format", "field", "description", "source", "entries"}
    assert data["source_format"] in SOURCES
    assert crosswalks.FIELDS[data["field"]][0] == name
    assert data["description"] and data["source"].startswith("https://")
    assert crosswalks.crosswalks(data["source_format"], data["field"])
    for entry in data["entries"]:
        assert set(entry) <= {"from", "patterns", "to", "note"}, entry
        if entry["to"] is None:
            # The note is the flag's reason: the survey groups reasons by their quoted values.
            assert "'" not in entry["note"] and "; use " not in entry["note"], entry


def test_the_three_public_datasets_have_their_crosswalks():
    found = {(data["source_format"], data["field"]) for _, data in all_crosswalks()}

    assert found == {
        ("aiid", "event_type"),
        ("aiaaic", "harm_subdomains"),
        ("aiaaic", "harm_types"),
        ("avid", "harm_domains"),
        ("avid", "harm_subdomains"),
        ("aiid", "affected_parties"),
    }
