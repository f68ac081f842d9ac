"""Recognising a country of residence as people type it."""

from __future__ import annotations

from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from knowledge.countries import countries, country_name, recognise, timezone_for


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("france", "FR"),
        ("FRANCE", "FR"),
        ("Côte d'Ivoire", "CI"),
        ("cote divoire", "CI"),
        ("Cote-d'Ivoire", "CI"),
        ("ivory coast", "CI"),
        ("CI", "CI"),
        ("ci", "CI"),
        ("USA", "US"),
        ("etats unis", "US"),
        ("États-Unis d'Amérique", "US"),
        ("United States", "US"),
        ("Senegale", "SN"),
        ("Sénégal", "SN"),
        ("SEN", "SN"),
        ("Frence", "FR"),
        ("Fracne", "FR"),
        ("espagn", "ES"),
        ("morroco", "MA"),
        ("Maroc", "MA"),
        ("Guinée", "GN"),
        ("Guinée équatoriale", "GQ"),
        ("Guinée-Bissau", "GW"),
        ("Niger", "NE"),
        ("Nigeria", "NG"),
        ("Mali", "ML"),
        ("Malie", "ML"),
        ("RDC", "CD"),
        ("Congo Brazzaville", "CG"),
        ("Angleterre", "GB"),
        ("UK", "GB"),
        ("Royaume-Uni", "GB"),
        ("Allemagne", "DE"),
        ("Germany", "DE"),
        ("Pays-Bas", "NL"),
        ("Arabie saoudite", "SA"),
        ("Emirats", "AE"),
        ("Chine", "CN"),
        ("canada", "CA"),
        ("Canada.", "CA"),
        ("je vis en France", "FR"),
        ("au Sénégal", "SN"),
        ("I live in the USA", "US"),
        ("Paris, France", "FR"),
        ("Lybie", "LY"),
    ],
)
def test_recognised(typed: str, code: str) -> None:
    assert recognise(typed) == code


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "123",
        "bonjour",
        "oui",
        "no",  # an answer, not Norway
        "Paris",  # a city: the country is asked separately
        "Atlantide",
        "xx",
        "nigeri",  # between Niger and Nigeria: ask again rather than guess
        "en Italie et en France",  # two countries
    ],
)
def test_not_recognised(typed: str) -> None:
    assert recognise(typed) is None


def test_every_iso_code_is_known_with_names_in_both_languages() -> None:
    table = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text("utf-8")
    codes = [line.split("\t")[0] for line in table.splitlines() if not line.startswith("#")]
    assert len(codes) >= 249
    for code in codes:
        assert recognise(code) == code or code == "NO"
        assert country_name(code, "fr")
        assert country_name(code, "en")


def test_names_in_the_persons_language() -> None:
    assert country_name("CI", "fr") == "Côte d’Ivoire"  # CLDR's apostrophe
    assert country_name("US", "fr") == "États-Unis"
    assert country_name("US", "en") == "United States"
    assert country_name("DE", "fr") == "Allemagne"
    assert country_name("CD", "en") == "Democratic Republic of the Congo"


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("ML", "Africa/Bamako"),
        ("FR", "Europe/Paris"),
        ("CI", "Africa/Abidjan"),
        ("US", "America/New_York"),
        ("CA", "America/Toronto"),
        ("BR", "America/Sao_Paulo"),
        ("RU", "Europe/Moscow"),
        ("CD", "Africa/Kinshasa"),
    ],
)
def test_time_zone_of_a_country(code: str, zone: str) -> None:
    assert timezone_for(code) == zone


def test_every_time_zone_is_a_real_zone() -> None:
    for country in countries().by_code.values():
        if country.timezone is not None:
            ZoneInfo(country.timezone)
    assert timezone_for("ZZ") is None


def test_every_country_with_several_zones_has_its_one_zone_written_down() -> None:
    """The rule (capital, or where most people live) is data in countries.yaml, not tzdata's
    order: zone.tab lists Simferopol first for Ukraine, Samarkand for Uzbekistan."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    zones: dict[str, set[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _, zone, *_ = line.split("\t")
            zones.setdefault(code, set()).add(zone)
    for code, found in zones.items():
        assert timezone_for(code) in found, code
    assert (timezone_for("UA"), timezone_for("UZ"), timezone_for("FM")) == (
        "Europe/Kyiv",
        "Asia/Tashkent",
        "Pacific/Pohnpei",
    )


def test_quiet_hours_use_the_same_zone_as_the_country_table() -> None:
    from bot.quiet_hours import zone_for

    for code in countries().by_code:
        if timezone_for(code) is not None:
            assert zone_for(code, "tel:+22376000000").key == timezone_for(code), code


def test_country_names_come_from_cldr_in_every_offered_language() -> None:
    from babel import Locale, UnknownLocaleError

    from knowledge.countries import offered_languages

    for lang in offered_languages():
        try:
            cldr = Locale.parse(lang).territories
        except UnknownLocaleError:  # Soninke: not in CLDR, English names stand in
            assert country_name("ML", lang) == "Mali"
            continue
        assert country_name("ML", lang) == cldr["ML"]
    assert country_name("CI", "fr") == "Côte d’Ivoire"
    assert country_name("SN", "bm") == Locale.parse("bm").territories["SN"]


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("combien de togolais en france", "TG"),
        ("les ivoiriennes de paris", "CI"),
        ("how many ivorians in europe", "CI"),
        ("open a shop in the uk", "GB"),
        ("taxes in the us for a newcomer", "US"),
        ("je travaille aux usa", "US"),
    ],
)
def test_peoples_and_short_names_are_read_inside_a_sentence(sentence: str, code: str) -> None:
    """Session 6 (the FAQ's scope): a people whose name does not begin with its country's, and
    short names read only whole elsewhere, are countries inside a question."""
    assert code in countries().named_in(sentence)


@pytest.mark.parametrize("sentence", ["tell us more", "repondez en francais", "in english please"])
def test_ordinary_words_are_not_countries(sentence: str) -> None:
    assert countries().named_in(sentence) == frozenset()


def test_a_peoples_name_is_not_a_country_of_residence() -> None:
    """Registration reads where someone lives; "togolais" is who they are, asked again."""
    assert recognise("togolais") is None


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("what is the nigerian population", "NG"),  # was Niger's: "niger" + "ian"
        ("combien de nigeriens vivent en europe", "NE"),
        ("the guinean community", "GN"),
    ],
)
def test_a_people_is_read_by_its_longest_country_name(sentence: str, code: str) -> None:
    assert countries().named_in(sentence) == {code}
