"""Country codes and names in several languages onto ISO 3166-1 alpha-2; regions flagged;
currencies onto ISO 4217."""

from __future__ import annotations

import pytest

from shared.normalize.countries import country, currency, split
from shared.normalize.result import Outside, Unknown


@pytest.mark.parametrize(
    ("value", "expected", "rule"),
    [
        ("FR", "FR", "countries: ISO 3166-1 alpha-2"),
        ("gb", "GB", "countries: ISO 3166-1 alpha-2"),
        ("FRA", "FR", "countries: ISO 3166-1 alpha-3"),
        ("deu", "DE", "countries: ISO 3166-1 alpha-3"),
        ("USA", "US", "countries: ISO 3166-1 alpha-3"),
        ("250", "FR", "countries: ISO 3166-1 numeric"),
        ("France", "FR", "countries: name (en)"),
        ("germany", "DE", "countries: name (en)"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB", "countries: name (en)"),
        ("South Korea", "KR", "countries: name (en)"),
        ("Korea, Republic of", "KR", "countries: name (en)"),
        ("Viet Nam", "VN", "countries: name (en)"),
        ("Vietnam", "VN", "countries: name (en)"),
        ("Côte d'Ivoire", "CI", "countries: name (en)"),
        ("cote d ivoire", "CI", "countries: name (en)"),
        ("UK", "GB", "countries: alias (en)"),
        ("U.S.", "US", "countries: alias (en)"),
        ("Türkiye", "TR", "countries: name (en)"),
        ("Turkey", "TR", "countries: alias (en)"),
        ("Russia", "RU", "countries: alias (en)"),
        ("S. Korea", "KR", "countries: alias (en)"),
        ("Scotland", "GB", "countries: alias (en)"),
        ("UAE", "AE", "countries: alias (en)"),
        ("Allemagne", "DE", "countries: name (fr)"),
        ("États-Unis", "US", "countries: name (fr)"),
        ("Royaume-Uni", "GB", "countries: name (fr)"),
        ("Corée du Sud", "KR", "countries: name (fr)"),
        ("Alemania", "DE", "countries: name (es)"),
        ("Estados Unidos", "US", "countries: name (es)"),
        ("Reino Unido", "GB", "countries: name (es)"),
        ("EE. UU.", "US", "countries: alias (es)"),
        ("德国", "DE", "countries: name (zh)"),
        ("美国", "US", "countries: name (zh)"),
        ("英国", "GB", "countries: name (zh)"),
        ("韩国", "KR", "countries: name (zh)"),
        ("德國", "DE", "countries: name (zh-Hant)"),
        ("Deutschland", "DE", "countries: name (de)"),
        ("Vereinigte Staaten", "US", "countries: name (de)"),
        ("Südkorea", "KR", "countries: name (de)"),
        ("Großbritannien", "GB", "countries: alias (de)"),
    ],
)
def test_a_country_maps_to_its_alpha_2_code(value, expected, rule):
    mapped = country(value)
    assert (mapped.value, mapped.rule) == (expected, rule)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Global", "'Global' is a region, not a country."),
        ("Worldwide", "'Worldwide' is a region, not a country."),
        ("Europe", "'Europe' is a region, not a country."),
        ("EU", "'EU' is a region, not a country."),
        ("Union européenne", "'Union européenne' is a region, not a country."),
        ("全球", "'全球' is a region, not a country."),
        ("Weltweit", "'Weltweit' is a region, not a country."),
        ("Unknown", "'Unknown' names no country."),
        ("N/A", "'N/A' names no country."),
        ("-", "'-' names no country."),
    ],
)
def test_regions_and_placeholders_are_set_aside_with_a_reason(value, reason):
    with pytest.raises(Outside) as caught:
        country(value)
    assert str(caught.value) == reason


@pytest.mark.parametrize("value", ["Atlantis", "XX", "Frankreichh", "ZZZ", "999"])
def test_an_unknown_country_says_what_to_use(value):
    with pytest.raises(Unknown, match=rf"^Unknown country '{value}'; use an ISO 3166-1 code"):
        country(value)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("FR", ["FR"]),
        ("FR, DE", ["FR", "DE"]),
        ("FR;DE; BE", ["FR", "DE", "BE"]),
        ("France, Germany;;", ["France", "Germany"]),
        ("Korea, Republic of", ["Korea, Republic of"]),
        (
            "Korea, Republic of; Congo, The Democratic Republic of the",
            ["Korea, Republic of", "Congo, The Democratic Republic of the"],
        ),
        ("Ireland, South Africa", ["Ireland", "South Africa"]),
    ],
)
def test_one_string_splits_into_countries_keeping_names_with_commas(text, parts):
    assert split(text) == parts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("EUR", "EUR"),
        ("eur", "EUR"),
        ("usd", "USD"),
        ("978", "EUR"),
        ("Euro", "EUR"),
        ("yen", "JPY"),
    ],
)
def test_a_currency_maps_to_its_iso_4217_code(value, expected):
    assert currency(value).value == expected


def test_an_unknown_currency_says_what_to_use():
    with pytest.raises(Unknown, match="use an ISO 4217 code"):
        currency("doubloons")
